// 12-bin chroma (pitch-class profile, index 0 = C) from the harmonic part of a fine spectrum.
//
// Low notes are a few Hz apart, finer than a 2048-point FFT at 48 kHz resolves (23 Hz bins), so
// chroma has its own spectrum: the hop is low-passed and decimated to about 6 kHz, and a
// 1024-point FFT there gives 5.9 Hz bins over a 170 ms window (from A1 to C7: fundamentals and
// their strongest harmonics). Its harmonic part is the median
// of each bin over the last `medianFrames` hops (the horizontal median of median-filter HPSS:
// steady partials pass, drum hits do not). Spectral peaks of that harmonic spectrum, located to
// a fraction of a bin by parabolic interpolation, add their magnitude to the nearest pitch
// classes. The profile is normalized to a maximum of 1; silence gives all zeros.
//
// Thread contract: one owning thread; construction allocates and plans the FFT, process() and
// reset() are noexcept and allocation-free.
#pragma once

#include <array>
#include <memory>
#include <vector>

#include "autolume/features/sliding_median.hpp"

namespace autolume::features {

inline constexpr int kChromaBins = 12;

struct ChromaConfig {
    float minHz = 55.0f;    // A1
    float maxHz = 2100.0f;  // C7
    int fftSize = 1024;     // at the decimated rate
    int medianFrames = 17;  // odd; hops of the harmonic median
};

class ChromaExtractor {
  public:
    ChromaExtractor(const ChromaConfig& config, double sampleRate, int hopSize);
    ~ChromaExtractor();
    ChromaExtractor(const ChromaExtractor&) = delete;
    ChromaExtractor& operator=(const ChromaExtractor&) = delete;

    // Decimation factor and rate of the chroma spectrum.
    int decimation() const noexcept { return m_decimation; }
    double spectrumRate() const noexcept { return m_rate; }

    // Feeds one hop (hopSize samples at sampleRate); writes the 12-bin profile.
    void process(const float* hop, float* chroma) noexcept;
    void reset() noexcept;

  private:
    struct Fft;
    ChromaConfig m_config;
    double m_rate = 0.0;
    int m_hopSize;
    int m_decimation = 1;
    std::vector<float> m_lowpass;  // FIR taps at the input rate
    std::vector<float> m_decimIn;  // taps - 1 samples of history, then one hop
    std::vector<float> m_frame;    // the last fftSize decimated samples
    std::vector<float> m_window;   // Hann, scaled so a sine of amplitude A peaks at A
    std::unique_ptr<Fft> m_fft;
    int m_firstBin = 0;  // bins [m_firstBin, m_lastBin] are analysed
    int m_lastBin = 0;
    std::vector<float> m_magnitude;  // analysed bins
    std::vector<float> m_harmonic;   // analysed bins, after the time median
    SlidingMedianBank m_median;
};

}  // namespace autolume::features
