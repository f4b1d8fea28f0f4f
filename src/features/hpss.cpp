// Real-time median-filter HPSS; see hpss.hpp.
#include "autolume/features/hpss.hpp"

#include <stdexcept>

namespace autolume::features {

Hpss::Hpss(int bins, const HpssConfig& config)
    : m_bins(bins),
      m_timeMedian(bins, config.timeFrames),
      m_freqBins(config.freqBins),
      m_harmonicEstimate(static_cast<std::size_t>(bins)),
      m_percussiveEstimate(static_cast<std::size_t>(bins)),
      m_scratch(static_cast<std::size_t>(config.freqBins)) {
    if (config.freqBins < 1 || config.freqBins % 2 == 0) {
        throw std::invalid_argument("Hpss: freqBins must be odd and positive");
    }
}

void Hpss::process(const float* magnitude, float* harmonic, float* percussive) noexcept {
    m_timeMedian.push(magnitude, m_harmonicEstimate.data());
    medianAcross(magnitude, m_bins, m_freqBins, m_percussiveEstimate.data(), m_scratch.data());
    for (int k = 0; k < m_bins; ++k) {
        const float h = m_harmonicEstimate[k];
        const float p = m_percussiveEstimate[k];
        const float hh = h * h;
        const float pp = p * p;
        const float sum = hh + pp;
        // Where both estimates vanish (silence) the bin counts as half and half.
        const float mask = sum > 1e-30f ? hh / sum : 0.5f;
        harmonic[k] = magnitude[k] * mask;
        percussive[k] = magnitude[k] - harmonic[k];
    }
}

void Hpss::reset() noexcept {
    m_timeMedian.reset();
}

}  // namespace autolume::features
