// Micro-benchmarks of the per-hop work on the analysis thread and of the audio ring.
// Run: build/bin/autolume_core_bench  (figures go to docs/BENCHMARKS.md)
#include <benchmark/benchmark.h>
#include <fftw3.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <vector>

#include "autolume/audio/audio_source.hpp"
#include "autolume/audio/spsc_ring.hpp"
#include "autolume/control/latent_controller.hpp"
#include "autolume/control/random_walk.hpp"
#include "autolume/control/ws_compose.hpp"
#include "autolume/features/analyzer.hpp"
#include "autolume/features/chroma.hpp"
#include "autolume/features/decay_envelope.hpp"
#include "autolume/features/gaussian_smoother.hpp"
#include "autolume/features/hpss.hpp"
#include "autolume/features/onset_detector.hpp"
#include "autolume/features/stem_analyzer.hpp"
#include "autolume/features/tempo_tracker.hpp"

using namespace autolume;

namespace {

const std::vector<float>& demoAudio() {
    static const std::vector<float> audio = audio::renderDemo(48000.0, 10.0);
    return audio;
}

void analyzerHop(benchmark::State& state) {
    features::AnalyzerConfig config;
    config.fftSize = static_cast<int>(state.range(0));
    features::Analyzer analyzer(config);
    const auto& audio = demoAudio();
    std::size_t at = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(analyzer.process(audio.data() + at));
        at = (at + 512 + 512 <= audio.size()) ? at + 512 : 0;
    }
    // One hop is 512 / 48000 s = 10.7 ms of audio: time per iteration / 10.7 ms = core share.
}
BENCHMARK(analyzerHop)->Arg(1024)->Arg(2048)->Arg(4096);

// Per-feature costs: each stage of Analyzer::process on its own, fed what it is fed there
// (demo music at 48 kHz, hop 512, FFT 2048). The stages add up to about the whole hop.

constexpr int kHop = 512;
constexpr int kFft = 2048;
constexpr double kHopSec = kHop / 48000.0;

// FFTW r2c of a Hann-windowed 2048 frame, magnitudes, log-compressed flux and the three band
// sums: the analyzer's spectral front end (as in analyzer.cpp).
void featureSpectrumFluxBands(benchmark::State& state) {
    float* in = fftwf_alloc_real(kFft);
    fftwf_complex* out = fftwf_alloc_complex(kFft / 2 + 1);
    fftwf_plan plan = fftwf_plan_dft_r2c_1d(kFft, in, out, FFTW_ESTIMATE);
    std::vector<float> window(kFft);
    for (int i = 0; i < kFft; ++i) {
        window[i] = 0.5f - 0.5f * std::cos(2.0f * std::numbers::pi_v<float> * i / kFft);
    }
    std::vector<float> mag(kFft / 2 + 1);
    std::vector<float> logMag(kFft / 2 + 1, 0.0f);
    const auto& audio = demoAudio();
    std::size_t at = 0;
    for (auto _ : state) {
        for (int i = 0; i < kFft; ++i) in[i] = audio[at + i] * window[i];
        fftwf_execute(plan);
        float flux = 0.0f;
        std::array<float, 3> bands{};
        for (int k = 1; k <= kFft / 2; ++k) {
            const float re = out[k][0] * (2.0f / kFft);
            const float im = out[k][1] * (2.0f / kFft);
            mag[k] = std::sqrt(re * re + im * im);
            const float l = std::log1p(100.0f * mag[k]);
            flux += std::max(0.0f, l - logMag[k]);
            logMag[k] = l;
            bands[k < 11 ? 0 : k < 171 ? 1 : 2] += mag[k] * mag[k];
        }
        benchmark::DoNotOptimize(flux);
        benchmark::DoNotOptimize(bands);
        at = (at + kHop + kFft <= audio.size()) ? at + kHop : 0;
    }
    fftwf_destroy_plan(plan);
    fftwf_free(in);
    fftwf_free(out);
}
BENCHMARK(featureSpectrumFluxBands);

// HPSS on the analyzer's 352 bands (single bins to 1.5 kHz, pairs to 6 kHz, fours above),
// fed spectra of the demo music.
void featureHpss(benchmark::State& state) {
    const int bands = 352;
    features::Hpss hpss(bands, features::HpssConfig{});
    std::vector<std::vector<float>> spectra(64, std::vector<float>(bands));
    const auto& audio = demoAudio();
    for (std::size_t f = 0; f < spectra.size(); ++f) {
        for (int b = 0; b < bands; ++b) {
            spectra[f][b] = std::fabs(audio[f * 4096 + static_cast<std::size_t>(b) * 7]);
        }
    }
    std::vector<float> h(bands);
    std::vector<float> p(bands);
    std::size_t f = 0;
    for (auto _ : state) {
        hpss.process(spectra[f].data(), h.data(), p.data());
        benchmark::DoNotOptimize(h.data());
        f = (f + 1) % spectra.size();
    }
}
BENCHMARK(featureHpss);

void featureChroma(benchmark::State& state) {
    features::ChromaExtractor chroma(features::ChromaConfig{}, 48000.0, kHop);
    std::array<float, features::kChromaBins> out{};
    const auto& audio = demoAudio();
    std::size_t at = 0;
    for (auto _ : state) {
        chroma.process(audio.data() + at, out.data());
        benchmark::DoNotOptimize(out);
        at = (at + 2 * kHop <= audio.size()) ? at + kHop : 0;
    }
}
BENCHMARK(featureChroma);

void featureOnsetDetector(benchmark::State& state) {
    features::OnsetDetector detector(features::OnsetConfig{}, kHopSec);
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(detector.process((i++ % 47 == 0) ? 0.3f : 0.01f));
    }
}
BENCHMARK(featureOnsetDetector);

// Tempo: running autocorrelation every hop, candidate scoring every fourth hop, beat grid.
void featureTempoTracker(benchmark::State& state) {
    features::TempoTracker tracker(features::TempoConfig{}, kHopSec);
    std::size_t i = 0;
    for (auto _ : state) {
        const bool onset = i++ % 47 == 0;
        benchmark::DoNotOptimize(tracker.process(onset ? 0.3f : 0.01f, onset));
    }
}
BENCHMARK(featureTempoTracker);

// Everything per hop after the spectrum: auto-gain, smoothing (chroma, 12 channels, and the
// scalar features at sigma 0.05 s) and the four decay envelopes.
void featureGainSmoothingEnvelopes(benchmark::State& state) {
    features::AutoGain gain(5.0f, kHopSec, 1e-3f);
    features::GaussianSmoother chroma(12, 0.08f, kHopSec);
    features::GaussianSmoother scalars(7, 0.05f, kHopSec);
    features::DecayEnvelope a(features::DecayShape::Linear, {}, kHopSec);
    features::DecayEnvelope b(features::DecayShape::Exponential, {}, kHopSec);
    std::array<float, 12> c{};
    std::array<float, 7> v{};
    std::size_t i = 0;
    for (auto _ : state) {
        const float x = static_cast<float>(i % 13) * 0.05f;
        c.fill(x);
        v.fill(gain.process(x));
        chroma.process(c.data(), c.data());
        scalars.process(v.data(), v.data());
        const bool trigger = i++ % 47 == 0;
        benchmark::DoNotOptimize(a.step(trigger, x) + b.step(trigger, x) + a.step(trigger, x) +
                                 b.step(trigger, x));
        benchmark::DoNotOptimize(c);
    }
}
BENCHMARK(featureGainSmoothingEnvelopes);

// Four stems at once (a live multitrack input).
void stemAnalyzerHop(benchmark::State& state) {
    const int stems = static_cast<int>(state.range(0));
    features::StemAnalyzer analyzer(stems, features::AnalyzerConfig{});
    const auto& audio = demoAudio();
    std::vector<float> interleaved(static_cast<std::size_t>(kHop * stems));
    std::size_t at = 0;
    for (auto _ : state) {
        for (int i = 0; i < kHop; ++i) {
            for (int s = 0; s < stems; ++s) interleaved[i * stems + s] = audio[at + i];
        }
        benchmark::DoNotOptimize(analyzer.process(interleaved.data()));
        at = (at + 2 * kHop <= audio.size()) ? at + kHop : 0;
    }
}
BENCHMARK(stemAnalyzerHop)->Arg(4);

void randomWalkStep(benchmark::State& state) {
    control::RandomWalk walk({.zDim = static_cast<int>(state.range(0))});
    features::FeatureFrame f;
    f.level = 0.7f;
    for (auto _ : state) benchmark::DoNotOptimize(walk.step(f, 512.0 / 48000.0));
}
BENCHMARK(randomWalkStep)->Arg(512);

// The whole controller per hop, every mode on (walks, chroma, loop, routing, 8 keyframes), for a
// 1024 px model's shape (z 512, 18 ws of 512).
void latentControllerStep(benchmark::State& state) {
    control::LatentShape shape{512, 512, 18, 17, control::kGanspaceParams};
    control::ParameterRegistry registry;
    control::LatentController controller(shape, 1, registry);
    for (const char* name : {"chroma.weight", "loop.weight", "layers.routing", "keyframes.mix"})
        registry.jumpTo(registry.at(name), 0.5f);
    controller.setKeyframes(std::vector<std::vector<float>>(8, std::vector<float>(18 * 512, 0.1f)));
    control::ControlFrame frame;
    frame.resize(shape.zDim, shape.wDim, shape.numWs, shape.ganspaceCount);
    control::ControlInput in;
    in.level = 0.7f;
    in.harmonic = in.percussive = 0.5f;
    in.onsetEnvelope = 0.5f;
    in.chroma[0] = in.chroma[4] = in.chroma[7] = 1.0f;
    for (auto _ : state) {
        controller.step(in, 512.0 / 48000.0, frame);
        benchmark::DoNotOptimize(frame.z.data());
    }
}
BENCHMARK(latentControllerStep);

// The inference thread's arithmetic per frame: split, blend and 8 GANSpace directions over
// 18 ws of 512.
void composeWs18x512(benchmark::State& state) {
    control::ControlFrame frame;
    frame.resize(512, 512, 18, 8);
    frame.splitLayer = 9;
    frame.wBlend = 0.5f;
    for (float& a : frame.ganspace) a = 1.0f;
    const std::vector<float> mapped(18 * 512, 0.3f), components(8 * 512, 0.01f), stddevs(8, 2.0f);
    std::vector<float> blended(mapped.size()), out(mapped.size());
    const control::Directions dirs{8, 512, components.data(), stddevs.data()};
    for (auto _ : state) {
        control::composeWs(frame, mapped.data(), mapped.data(), dirs, blended.data(), out.data());
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(composeWs18x512);

void ringPushPop256(benchmark::State& state) {
    audio::SampleRing ring(1 << 16);
    std::vector<float> block(256, 0.5f);
    for (auto _ : state) {
        ring.push(block.data(), block.size());
        ring.pop(block.data(), block.size());
    }
    state.SetItemsProcessed(state.iterations() * 256);
}
BENCHMARK(ringPushPop256);

}  // namespace

BENCHMARK_MAIN();
