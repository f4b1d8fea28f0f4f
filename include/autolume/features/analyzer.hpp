// Per-hop audio features on FFTW3, published as one value snapshot per hop (FeatureFrame):
// - level: RMS, dB, and an auto-gained 0..1 level;
// - bass / mid / high band levels (edges configurable), auto-gained 0..1;
// - spectral-flux onset strength and onset events (adaptive threshold, refractory time);
// - harmonic / percussive levels from real-time median-filter HPSS, auto-gained 0..1;
// - a 12-bin chroma from the harmonic part of a finer spectrum, Gaussian-smoothed over time;
// - tempo (BPM), beat events, beat phase and a confidence, tracked live;
// - linear and exponential decay envelopes fired by beats and by onsets (ASHA FM style);
// - optional causal Gaussian smoothing of any of the continuous features.
// Every frame carries the audio time of its hop's last sample.
//
// Thread contract: an Analyzer belongs to one thread (the analysis thread). Construction
// allocates everything and plans the FFTs; process() and reset() never allocate, lock or throw.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "autolume/features/auto_gain.hpp"
#include "autolume/features/chroma.hpp"
#include "autolume/features/decay_envelope.hpp"
#include "autolume/features/gaussian_smoother.hpp"
#include "autolume/features/hpss.hpp"
#include "autolume/features/onset_detector.hpp"
#include "autolume/features/tempo_tracker.hpp"

namespace autolume::features {

// Gaussian sigma (seconds) of the causal smoothing applied to each published feature; 0 leaves
// it as measured. Onset and beat events are always decided on unsmoothed values.
struct SmoothingConfig {
    float level = 0.0f;
    float bands = 0.0f;  // bass, mid, high
    float onsetStrength = 0.0f;
    float hpss = 0.0f;  // harmonic, percussive
    float chroma = 0.08f;
};

struct AnalyzerConfig {
    double sampleRate = 48000.0;
    int fftSize = 2048;            // analysis window (Hann), a power of two
    int hopSize = 512;             // new samples per process() call
    float bassMaxHz = 250.0f;      // bass: 20 Hz .. bassMaxHz
    float midMaxHz = 4000.0f;      // mid: bassMaxHz .. midMaxHz; high: midMaxHz .. Nyquist
    float levelReleaseSec = 5.0f;  // auto-gain: time constant of the running peak's fall
    float agcRangeDb = 30.0f;      // bands and HPSS this far below the level's peak read ~0
    OnsetConfig onset;
    TempoConfig tempo;
    HpssConfig hpss;
    ChromaConfig chroma;
    DecayConfig beatDecay;   // envelopes fired by beats (jump to 1)
    DecayConfig onsetDecay;  // envelopes fired by onsets (jump to the onset strength, and follow
                             // it up to its peak over the next two hops)
    SmoothingConfig smoothing;
};

// One value snapshot per hop.
struct FeatureFrame {
    std::uint64_t hop = 0;
    double timeSec = 0.0;        // audio time of the hop's last sample
    float rms = 0.0f;            // linear RMS of the hop
    float rmsDb = -120.0f;       // 20 log10(rms)
    float level = 0.0f;          // rms / running peak: 0..1 whatever the input level
    float onsetStrength = 0.0f;  // half-wave rectified spectral flux, normalized by its peak
    bool onset = false;          // an onset was detected in this hop

    float bass = 0.0f;  // band levels, 0..1
    float mid = 0.0f;
    float high = 0.0f;
    float harmonic = 0.0f;    // level of the harmonic part, 0..1 (one gain for both parts,
    float percussive = 0.0f;  // so a steady chord reads harmonic ~1, percussive ~0)
    std::array<float, kChromaBins> chroma{};  // C, C#, D, ... B; maximum 1 (all 0 in silence)

    bool beat = false;           // a beat falls in this hop
    float bpm = 0.0f;            // 0 until a tempo is found
    float bpmConfidence = 0.0f;  // 0..1
    float beatPhase = 0.0f;      // 0..1 through the beat, 0 on the beat

    float beatLinear = 0.0f;  // decay envelopes, 0..1
    float beatExp = 0.0f;
    float onsetLinear = 0.0f;
    float onsetExp = 0.0f;
};

class Analyzer {
  public:
    // Throws std::invalid_argument naming the bad setting.
    explicit Analyzer(const AnalyzerConfig& config);
    ~Analyzer();
    Analyzer(const Analyzer&) = delete;
    Analyzer& operator=(const Analyzer&) = delete;

    const AnalyzerConfig& config() const noexcept { return m_config; }

    // Feeds exactly config().hopSize new samples; returns the features of this hop.
    // Non-finite samples count as 0.
    const FeatureFrame& process(const float* hop) noexcept;

    // Forgets all history (a new source or a jump in time).
    void reset() noexcept;

    // Stages, for diagnostics and tests.
    const TempoTracker& tempo() const noexcept { return m_tempo; }
    const OnsetDetector& onsets() const noexcept { return m_onsets; }

  private:
    struct Fft;
    struct Band {
        int first = 0;  // bins [first, last)
        int last = 0;
    };

    AnalyzerConfig m_config;
    double m_hopSec;
    std::unique_ptr<Fft> m_fft;
    std::vector<float> m_window;        // Hann
    std::vector<float> m_history;       // last fftSize samples, oldest first
    std::vector<float> m_hop;           // this hop, sanitized
    std::vector<float> m_magnitude;     // this spectrum, scaled so a sine of amplitude A reads ~A
    std::vector<float> m_logMagnitude;  // previous log-compressed spectrum (flux)
    std::vector<int> m_hpssBandStart;   // bins pooled into HPSS bands
    std::vector<float> m_hpssBandMag;
    std::vector<float> m_harmonicMag;  // per HPSS band
    std::vector<float> m_percussiveMag;
    float m_powerToMeanSquare = 0.0f;  // sum of magnitude^2 over bins -> mean square
    float m_agcRange = 0.0f;           // agcRangeDb as an amplitude ratio
    std::array<Band, 3> m_bands{};

    OnsetDetector m_onsets;
    TempoTracker m_tempo;
    Hpss m_hpss;
    ChromaExtractor m_chroma;
    AutoGain m_levelGain;
    std::array<AutoGain, 3> m_bandGain;
    AutoGain m_hpssGain;  // shared, so that harmonic and percussive keep their ratio
    AutoGain m_fluxGain;
    DecayEnvelope m_beatLinear;
    DecayEnvelope m_beatExp;
    DecayEnvelope m_onsetLinear;
    DecayEnvelope m_onsetExp;
    int m_onsetRisingHops = 0;  // hops left in which the onset envelopes follow the flux up
    GaussianSmoother m_smoothLevel;
    GaussianSmoother m_smoothBands;
    GaussianSmoother m_smoothOnset;
    GaussianSmoother m_smoothHpss;
    GaussianSmoother m_smoothChroma;
    FeatureFrame m_frame;
};

}  // namespace autolume::features
