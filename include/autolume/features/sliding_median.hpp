// Running medians for median-filter DSP (harmonic/percussive separation, the harmonic part of
// the chroma spectrum): many independent streams, each the median of its last `length` values,
// and the median across a frame within a sliding window.
//
// Each window is kept sorted and updated by one removal and one insertion, so a step costs
// O(length) moves instead of a sort.
//
// Thread contract: one owning thread; construction allocates, everything else is noexcept and
// allocation-free.
#pragma once

#include <cstddef>
#include <vector>

namespace autolume::features {

// `channels` streams, each the median of its last `length` values (odd; windows start full of
// zeros, so the first length/2 medians of a fresh stream are 0).
class SlidingMedianBank {
  public:
    SlidingMedianBank(int channels, int length);

    int channels() const noexcept { return m_channels; }
    int length() const noexcept { return m_length; }

    // Adds one value to each stream and writes each stream's median (`medians` may be `values`).
    void push(const float* values, float* medians) noexcept;
    void reset() noexcept;

  private:
    int m_channels;
    int m_length;
    int m_pos = 0;
    std::vector<float> m_sorted;  // channels x length, each row ascending
    std::vector<float> m_ring;    // channels x length, each row in arrival order
};

// out[k] = median of in[k - window/2 .. k + window/2] (odd window; zeros beyond the ends).
// `scratch` holds at least `window` floats; in and out must not overlap.
void medianAcross(const float* in, int count, int window, float* out, float* scratch) noexcept;

}  // namespace autolume::features
