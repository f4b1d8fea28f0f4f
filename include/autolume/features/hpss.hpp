// Harmonic/percussive separation by median filtering (Fitzgerald 2010), in its real-time form:
// the harmonic estimate of each bin is the median of its last `timeFrames` magnitudes (steady
// partials survive, a drum hit does not), the percussive estimate the median across
// `freqBins` neighbouring bins of the current frame (a broadband hit survives, a partial does
// not). Soft (Wiener) masks split the current spectrum between the two.
//
// Thread contract: one owning thread; construction allocates, process() and reset() are
// noexcept and allocation-free.
#pragma once

#include <vector>

#include "autolume/features/sliding_median.hpp"

namespace autolume::features {

struct HpssConfig {
    int timeFrames = 17;  // odd; 17 hops of 512 at 48 kHz = 180 ms
    int freqBins = 25;    // odd; bands of the analyzer's spectrum (25 = 590 Hz at low frequencies):
                          // narrower windows see a close chord as one broadband hit
};

class Hpss {
  public:
    Hpss(int bins, const HpssConfig& config);

    int bins() const noexcept { return m_bins; }

    // magnitude[bins] in; harmonic[bins] and percussive[bins] out, which add up to magnitude.
    void process(const float* magnitude, float* harmonic, float* percussive) noexcept;
    void reset() noexcept;

  private:
    int m_bins;
    SlidingMedianBank m_timeMedian;
    int m_freqBins;
    std::vector<float> m_harmonicEstimate;
    std::vector<float> m_percussiveEstimate;
    std::vector<float> m_scratch;
};

}  // namespace autolume::features
