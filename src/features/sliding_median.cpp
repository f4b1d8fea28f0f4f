// Sorted-window medians: replacing one value shifts only the values between the old and the
// new position, which for the short windows of median filtering (9..31) beats any heap scheme.
#include "autolume/features/sliding_median.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace autolume::features {
namespace {

// Replaces one occurrence of `oldValue` by `newValue` in the ascending range [first, first + n).
// Positions are found by counting (branch-free, vectorizable) rather than by searching: with
// music, which neighbours a value lands between is unpredictable, and mispredicted branches
// were most of the cost.
void replaceSorted(float* first, int n, float oldValue, float newValue) noexcept {
    int oldAt = 0;
    int newAt = 0;
    for (int j = 0; j < n; ++j) {
        oldAt += first[j] < oldValue ? 1 : 0;
        newAt += first[j] < newValue ? 1 : 0;
    }
    if (oldAt >= n) return;  // not there: only NaN input gets here; leave the window as it is
    if (newAt > oldAt) {
        // The new value goes above the old one: close the gap downwards.
        std::memmove(first + oldAt, first + oldAt + 1,
                     static_cast<std::size_t>(newAt - 1 - oldAt) * sizeof(float));
        first[newAt - 1] = newValue;
    } else {
        std::memmove(first + newAt + 1, first + newAt,
                     static_cast<std::size_t>(oldAt - newAt) * sizeof(float));
        first[newAt] = newValue;
    }
}

}  // namespace

SlidingMedianBank::SlidingMedianBank(int channels, int length)
    : m_channels(channels),
      m_length(length),
      m_sorted(static_cast<std::size_t>(channels) * static_cast<std::size_t>(length), 0.0f),
      m_ring(m_sorted.size(), 0.0f) {
    if (channels < 1 || length < 1 || length % 2 == 0) {
        throw std::invalid_argument("SlidingMedianBank: needs channels >= 1 and an odd length");
    }
}

void SlidingMedianBank::push(const float* values, float* medians) noexcept {
    const auto length = static_cast<std::size_t>(m_length);
    for (int c = 0; c < m_channels; ++c) {
        float* sorted = m_sorted.data() + static_cast<std::size_t>(c) * length;
        float* ring = m_ring.data() + static_cast<std::size_t>(c) * length;
        const float incoming = values[c];
        replaceSorted(sorted, m_length, ring[m_pos], incoming);
        ring[m_pos] = incoming;
        medians[c] = sorted[length / 2];
    }
    m_pos = (m_pos + 1) % m_length;
}

void SlidingMedianBank::reset() noexcept {
    std::fill(m_sorted.begin(), m_sorted.end(), 0.0f);
    std::fill(m_ring.begin(), m_ring.end(), 0.0f);
    m_pos = 0;
}

void medianAcross(const float* in, int count, int window, float* out, float* scratch) noexcept {
    const int half = window / 2;
    auto at = [&](int k) { return k >= 0 && k < count ? in[k] : 0.0f; };
    // The window for k = 0 covers [-half, half]: start from zeros and bring in in[0..half].
    std::fill(scratch, scratch + window, 0.0f);
    for (int k = 0; k <= half; ++k) replaceSorted(scratch, window, 0.0f, at(k));
    for (int k = 0; k < count; ++k) {
        if (k > 0) replaceSorted(scratch, window, at(k - half - 1), at(k + half));
        out[k] = scratch[half];
    }
}

}  // namespace autolume::features
