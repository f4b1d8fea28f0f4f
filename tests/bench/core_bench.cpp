// Micro-benchmarks of the per-hop work on the analysis thread and of the audio ring.
// Run: build/bin/autolume_core_bench  (figures go to docs/BENCHMARKS.md)
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "autolume/audio/audio_source.hpp"
#include "autolume/audio/spsc_ring.hpp"
#include "autolume/control/random_walk.hpp"
#include "autolume/features/analyzer.hpp"

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

void randomWalkStep(benchmark::State& state) {
    control::RandomWalk walk({.zDim = static_cast<int>(state.range(0))});
    features::FeatureFrame f;
    f.level = 0.7f;
    for (auto _ : state) benchmark::DoNotOptimize(walk.step(f, 512.0 / 48000.0));
}
BENCHMARK(randomWalkStep)->Arg(512);

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
