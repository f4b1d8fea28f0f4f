// Per-hop audio features on FFTW3: level (RMS, dB, auto-gained 0..1) and a spectral-flux
// onset detector with an adaptive threshold (running mean + k standard deviations) and a
// refractory time.
//
// Thread contract: an Analyzer belongs to one thread (the analysis thread). Construction
// allocates and plans the FFT; process() never allocates, locks or throws.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace autolume::features {

struct AnalyzerConfig {
    double sampleRate = 48000.0;
    int fftSize = 2048;               // analysis window (Hann), a power of two
    int hopSize = 512;                // new samples per process() call
    float onsetThresholdK = 1.5f;     // threshold = mean + k * stddev of recent flux
    float onsetWindowSec = 1.0f;      // length of the running flux statistics
    float onsetRefractorySec = 0.1f;  // no second onset closer than this
    float onsetFloor = 1e-3f;         // flux below this never triggers (silence, hiss)
    float levelReleaseSec = 5.0f;     // auto-gain: how fast the running peak falls back
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
};

class Analyzer {
  public:
    explicit Analyzer(const AnalyzerConfig& config);
    ~Analyzer();
    Analyzer(const Analyzer&) = delete;
    Analyzer& operator=(const Analyzer&) = delete;

    const AnalyzerConfig& config() const noexcept { return m_config; }

    // Feeds exactly config().hopSize new samples; returns the features of this hop.
    const FeatureFrame& process(const float* hop) noexcept;

    // Forgets all history (a new source or a jump in time).
    void reset() noexcept;

  private:
    struct Fft;
    AnalyzerConfig m_config;
    std::unique_ptr<Fft> m_fft;
    std::vector<float> m_window;       // Hann
    std::vector<float> m_history;      // last fftSize samples, oldest first
    std::vector<float> m_magnitude;    // previous spectrum magnitude
    std::vector<float> m_fluxHistory;  // ring of recent flux values
    std::size_t m_fluxPos = 0;
    std::size_t m_fluxCount = 0;
    float m_fluxPeak = 1e-9f;
    float m_levelPeak = 1e-6f;
    double m_lastOnsetSec = -1e9;
    FeatureFrame m_frame;
};

}  // namespace autolume::features
