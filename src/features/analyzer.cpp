// The per-hop analysis: one FFT of the last fftSize samples feeds level, bands, spectral flux
// and HPSS; chroma runs on its own finer spectrum (chroma.hpp); onsets feed the tempo tracker;
// auto-gain, envelopes and smoothing shape what is published.
//
// Spectral-flux onsets: the sum of positive magnitude increases between consecutive spectra
// (log-compressed so quiet and loud passages weigh alike) reacts to drums and note starts but
// not to steady tones. The threshold adapts to the recent flux so the same settings work for
// sparse clicks and dense mixes.
#include "autolume/features/analyzer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <stdexcept>
#include <string>

#include "real_fft.hpp"

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace autolume::features {
namespace {

constexpr float kLowestHz = 20.0f;    // the bass band starts here (below is rumble and DC)
constexpr float kSilenceRms = 1e-3f;  // -60 dBFS: the level's auto-gain never divides by less
constexpr float kBandFloor = 1e-5f;   // -100 dBFS for bands and HPSS
constexpr float kFluxFloor = 1e-6f;
constexpr int kOnsetRiseHops = 2;
// HPSS runs on bands of the spectrum rather than on every bin: single bins up to 1.5 kHz, pairs
// up to 6 kHz, fours above. Harmonics there are spaced by their fundamental (100 Hz and up) and
// stay apart, and the two median filters cost a third of what they would on every bin.
constexpr double kHpssSingleBinsBelowHz = 1500.0;
constexpr double kHpssPairedBinsBelowHz = 6000.0;

const AnalyzerConfig& validated(const AnalyzerConfig& c) {
    auto fail = [](const std::string& what) { throw std::invalid_argument("analyzer: " + what); };
    if (!(c.sampleRate > 0.0)) fail("sample rate must be positive");
    if (c.fftSize < 64 || (c.fftSize & (c.fftSize - 1)) != 0) {
        fail("fftSize " + std::to_string(c.fftSize) + " must be a power of two >= 64");
    }
    if (c.hopSize < 16 || c.hopSize > c.fftSize) {
        fail("hopSize " + std::to_string(c.hopSize) + " must be 16..fftSize");
    }
    const double nyquist = c.sampleRate / 2.0;
    if (!(c.bassMaxHz > kLowestHz) || !(c.midMaxHz > c.bassMaxHz) || !(c.midMaxHz < nyquist)) {
        fail("band edges must satisfy 20 Hz < bassMaxHz < midMaxHz < Nyquist");
    }
    return c;
}

// ln(x) for x >= 1, to about 2e-5: the spectral flux takes a log of every bin on every hop, and
// libm's exact log was a third of the spectrum's cost. x = 2^e * m with m in [1, 2);
// ln m = 2 atanh((m - 1) / (m + 1)), whose series converges fast for m - 1 < 1.
inline float lnAtLeastOne(float x) noexcept {
    std::uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    const auto exponent = static_cast<float>(static_cast<int>(bits >> 23) - 127);
    bits = (bits & 0x007FFFFFu) | 0x3F800000u;
    float m;
    std::memcpy(&m, &bits, sizeof m);
    const float t = (m - 1.0f) / (m + 1.0f);
    const float t2 = t * t;
    const float atanh = t * (1.0f + t2 * (1.0f / 3.0f + t2 * (1.0f / 5.0f + t2 * (1.0f / 7.0f))));
    return exponent * std::numbers::ln2_v<float> + 2.0f * atanh;
}

// Flushes denormals to zero for the duration of one process() call: decaying envelopes, the
// autocorrelation's forgetting and quiet spectra all reach denormal floats, which are very slow
// on x86.
class DenormalGuard {
  public:
#if defined(__SSE__)
    DenormalGuard() noexcept : m_saved(_mm_getcsr()) {
        _mm_setcsr(m_saved | 0x8040);
    }
    ~DenormalGuard() {
        _mm_setcsr(m_saved);
    }

  private:
    unsigned m_saved;
#endif
};

// First bin of each HPSS band, then one past the last bin (bins from 1: DC is left out).
std::vector<int> hpssBands(const AnalyzerConfig& config) {
    const double binHz = config.sampleRate / config.fftSize;
    const int bins = config.fftSize / 2 + 1;
    std::vector<int> start;
    int k = 1;
    while (k < bins) {
        start.push_back(k);
        const double hz = k * binHz;
        k += hz < kHpssSingleBinsBelowHz ? 1 : hz < kHpssPairedBinsBelowHz ? 2 : 4;
    }
    start.push_back(bins);
    return start;
}

}  // namespace

struct Analyzer::Fft : RealFft {
    using RealFft::RealFft;
};

Analyzer::Analyzer(const AnalyzerConfig& config)
    : m_config(validated(config)),
      m_hopSec(config.hopSize / config.sampleRate),
      m_fft(std::make_unique<Fft>(config.fftSize)),
      m_window(static_cast<std::size_t>(config.fftSize)),
      m_history(static_cast<std::size_t>(config.fftSize), 0.0f),
      m_hop(static_cast<std::size_t>(config.hopSize), 0.0f),
      m_magnitude(static_cast<std::size_t>(config.fftSize / 2 + 1), 0.0f),
      m_logMagnitude(m_magnitude.size(), 0.0f),
      m_hpssBandStart(hpssBands(config)),
      m_hpssBandMag(m_hpssBandStart.size() - 1, 0.0f),
      m_harmonicMag(m_hpssBandMag.size(), 0.0f),
      m_percussiveMag(m_hpssBandMag.size(), 0.0f),
      m_onsets(config.onset, m_hopSec),
      m_tempo(config.tempo, m_hopSec),
      m_hpss(static_cast<int>(m_hpssBandMag.size()), config.hpss),
      m_chroma(config.chroma, config.sampleRate, config.hopSize),
      m_levelGain(config.levelReleaseSec, m_hopSec, kSilenceRms),
      m_bandGain{AutoGain(config.levelReleaseSec, m_hopSec, kBandFloor),
                 AutoGain(config.levelReleaseSec, m_hopSec, kBandFloor),
                 AutoGain(config.levelReleaseSec, m_hopSec, kBandFloor)},
      m_hpssGain(config.levelReleaseSec, m_hopSec, kBandFloor),
      m_fluxGain(config.levelReleaseSec, m_hopSec, kFluxFloor),
      m_beatLinear(DecayShape::Linear, config.beatDecay, m_hopSec),
      m_beatExp(DecayShape::Exponential, config.beatDecay, m_hopSec),
      m_onsetLinear(DecayShape::Linear, config.onsetDecay, m_hopSec),
      m_onsetExp(DecayShape::Exponential, config.onsetDecay, m_hopSec),
      m_smoothLevel(1, config.smoothing.level, m_hopSec),
      m_smoothBands(3, config.smoothing.bands, m_hopSec),
      m_smoothOnset(1, config.smoothing.onsetStrength, m_hopSec),
      m_smoothHpss(2, config.smoothing.hpss, m_hopSec),
      m_smoothChroma(kChromaBins, config.smoothing.chroma, m_hopSec) {
    const int n = config.fftSize;
    double windowPower = 0.0;
    for (int i = 0; i < n; ++i) {
        m_window[i] = 0.5f - 0.5f * std::cos(2.0f * std::numbers::pi_v<float> * i / n);
        windowPower += static_cast<double>(m_window[i]) * m_window[i];
    }
    // Magnitudes are |X| * 2 / n; Parseval turns the one-sided sum of their squares into the
    // windowed frame's mean square: ms = sum(|X|^2) * 2 / (n * sum(w^2)).
    m_powerToMeanSquare = static_cast<float>(n / (2.0 * windowPower));
    m_agcRange = std::pow(10.0f, -config.agcRangeDb / 20.0f);

    const double binHz = config.sampleRate / n;
    auto bin = [&](double hz) {
        return std::clamp(static_cast<int>(std::lround(hz / binHz)), 1, n / 2 + 1);
    };
    m_bands[0] = {bin(kLowestHz), bin(config.bassMaxHz)};
    m_bands[1] = {bin(config.bassMaxHz), bin(config.midMaxHz)};
    m_bands[2] = {bin(config.midMaxHz), n / 2 + 1};
}

Analyzer::~Analyzer() = default;

void Analyzer::reset() noexcept {
    std::fill(m_history.begin(), m_history.end(), 0.0f);
    std::fill(m_logMagnitude.begin(), m_logMagnitude.end(), 0.0f);
    m_onsets.reset();
    m_tempo.reset();
    m_hpss.reset();
    m_chroma.reset();
    m_levelGain.reset();
    for (AutoGain& g : m_bandGain) g.reset();
    m_hpssGain.reset();
    m_fluxGain.reset();
    m_beatLinear.reset();
    m_beatExp.reset();
    m_onsetLinear.reset();
    m_onsetExp.reset();
    m_onsetRisingHops = 0;
    m_smoothLevel.reset();
    m_smoothBands.reset();
    m_smoothOnset.reset();
    m_smoothHpss.reset();
    m_smoothChroma.reset();
    m_frame = FeatureFrame{};
}

const FeatureFrame& Analyzer::process(const float* hop) noexcept {
    const DenormalGuard denormals;
    const int n = m_config.fftSize;
    const int h = m_config.hopSize;

    // Sanitize, slide the analysis window and take the hop's level.
    double sumSquares = 0.0;
    for (int i = 0; i < h; ++i) {
        const float x = std::isfinite(hop[i]) ? hop[i] : 0.0f;
        m_hop[i] = x;
        sumSquares += static_cast<double>(x) * x;
    }
    std::copy(m_history.begin() + h, m_history.end(), m_history.begin());
    std::copy(m_hop.begin(), m_hop.end(), m_history.end() - h);
    const float rms = static_cast<float>(std::sqrt(sumSquares / h));

    // Spectrum and log-compressed flux.
    float* in = m_fft->input();
    for (int i = 0; i < n; ++i) in[i] = m_history[i] * m_window[i];
    m_fft->execute();
    const fftwf_complex* spectrum = m_fft->output();
    const float scale = 2.0f / static_cast<float>(n);
    float flux = 0.0f;
    const auto bins = static_cast<int>(m_magnitude.size());
    for (int k = 0; k < bins; ++k) {
        const float re = spectrum[k][0] * scale;
        const float im = spectrum[k][1] * scale;
        const float mag = std::sqrt(re * re + im * im);
        m_magnitude[k] = mag;
        if (k == 0) continue;  // DC moves with offsets, not with onsets
        const float logMag = lnAtLeastOne(1.0f + 100.0f * mag);
        flux += std::max(0.0f, logMag - m_logMagnitude[k]);
        m_logMagnitude[k] = logMag;
    }
    flux /= static_cast<float>(bins - 1);

    // Band levels (RMS of each band's part of the signal).
    std::array<float, 3> bandRms{};
    for (std::size_t b = 0; b < m_bands.size(); ++b) {
        float power = 0.0f;
        for (int k = m_bands[b].first; k < m_bands[b].last; ++k)
            power += m_magnitude[k] * m_magnitude[k];
        bandRms[b] = std::sqrt(power * m_powerToMeanSquare);
    }

    // Harmonic / percussive split of the same spectrum, in bands.
    const std::size_t hpssBands = m_hpssBandMag.size();
    for (std::size_t b = 0; b < hpssBands; ++b) {
        float power = 0.0f;
        for (int k = m_hpssBandStart[b]; k < m_hpssBandStart[b + 1]; ++k) {
            power += m_magnitude[k] * m_magnitude[k];
        }
        m_hpssBandMag[b] = std::sqrt(power);
    }
    m_hpss.process(m_hpssBandMag.data(), m_harmonicMag.data(), m_percussiveMag.data());
    float harmonicPower = 0.0f;
    float percussivePower = 0.0f;
    for (std::size_t b = 0; b < hpssBands; ++b) {
        harmonicPower += m_harmonicMag[b] * m_harmonicMag[b];
        percussivePower += m_percussiveMag[b] * m_percussiveMag[b];
    }
    const float harmonicRms = std::sqrt(harmonicPower * m_powerToMeanSquare);
    const float percussiveRms = std::sqrt(percussivePower * m_powerToMeanSquare);

    // Events: onsets, then the tempo grid they feed.
    const bool onset = m_onsets.process(flux);
    const TempoEstimate& tempo = m_tempo.process(flux, onset);

    // Auto-gain. Bands and HPSS may not be blown up beyond agcRangeDb below the level's peak.
    FeatureFrame& f = m_frame;
    f.hop += 1;
    f.timeSec = static_cast<double>(f.hop) * m_hopSec;
    f.rms = rms;
    f.rmsDb = 20.0f * std::log10(std::max(rms, 1e-6f));
    const float level = m_levelGain.process(rms);
    const float relativeFloor = m_levelGain.peak() * m_agcRange;
    float bands[3];
    for (std::size_t b = 0; b < 3; ++b) bands[b] = m_bandGain[b].process(bandRms[b], relativeFloor);
    m_hpssGain.process(std::max(harmonicRms, percussiveRms), relativeFloor);
    float hpss[2] = {m_hpssGain.scale(harmonicRms, relativeFloor),
                     m_hpssGain.scale(percussiveRms, relativeFloor)};
    const float onsetStrength = m_fluxGain.process(flux);

    // Smoothing (identity where sigma is 0), chroma.
    f.level = m_smoothLevel.process(level);
    m_smoothBands.process(bands, bands);
    f.bass = bands[0];
    f.mid = bands[1];
    f.high = bands[2];
    m_smoothHpss.process(hpss, hpss);
    f.harmonic = hpss[0];
    f.percussive = hpss[1];
    f.onsetStrength = m_smoothOnset.process(onsetStrength);
    f.onset = onset;
    m_chroma.process(m_hop.data(), f.chroma.data());
    m_smoothChroma.process(f.chroma.data(), f.chroma.data());

    f.beat = tempo.beat;
    f.bpm = tempo.bpm;
    f.bpmConfidence = tempo.confidence;
    f.beatPhase = tempo.phase;

    f.beatLinear = m_beatLinear.step(tempo.beat, 1.0f);
    f.beatExp = m_beatExp.step(tempo.beat, 1.0f);
    // An onset fires on its first rising hop, before its flux peaks: for the next two hops the
    // onset envelopes follow the strength up to the peak (the event itself is not delayed).
    f.onsetLinear = m_onsetLinear.step(onset, onsetStrength);
    f.onsetExp = m_onsetExp.step(onset, onsetStrength);
    if (onset) {
        m_onsetRisingHops = kOnsetRiseHops;
    } else if (m_onsetRisingHops > 0) {
        --m_onsetRisingHops;
        m_onsetLinear.raise(onsetStrength);
        m_onsetExp.raise(onsetStrength);
        f.onsetLinear = m_onsetLinear.value();
        f.onsetExp = m_onsetExp.value();
    }
    return f;
}

}  // namespace autolume::features
