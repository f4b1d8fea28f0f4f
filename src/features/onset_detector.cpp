// Adaptive-threshold onset picking; see onset_detector.hpp.
#include "autolume/features/onset_detector.hpp"

#include <algorithm>
#include <cmath>

namespace autolume::features {

OnsetDetector::OnsetDetector(const OnsetConfig& config, double hopSec)
    : m_config(config),
      m_hopSec(hopSec),
      m_history(std::max<std::size_t>(
                    4, static_cast<std::size_t>(std::lround(config.windowSec / hopSec))),
                0.0f),
      m_peakRelease(
          static_cast<float>(std::exp(-hopSec / std::max(config.peakReleaseSec, 0.01f)))) {}

bool OnsetDetector::process(float strength) noexcept {
    // Threshold from the preceding window, excluding this hop.
    float mean = 0.0f;
    float var = 0.0f;
    if (m_count > 0) {
        for (std::size_t i = 0; i < m_count; ++i) mean += m_history[i];
        mean /= static_cast<float>(m_count);
        for (std::size_t i = 0; i < m_count; ++i) {
            const float d = m_history[i] - mean;
            var += d * d;
        }
        var /= static_cast<float>(m_count);
    }
    m_threshold =
        std::max(mean + m_config.thresholdK * std::sqrt(var), m_config.relativeFloor * m_peak);
    m_peak = std::max(strength, m_peak * m_peakRelease);
    m_history[m_pos] = strength;
    m_pos = (m_pos + 1) % m_history.size();
    m_count = std::min(m_count + 1, m_history.size());

    m_sinceOnsetSec += m_hopSec;
    const bool rising = strength > m_threshold && strength > m_config.floor;
    // Half a hop of slack so that a refractory time of exactly n hops allows an onset n hops on.
    const bool rested = m_sinceOnsetSec + 0.5 * m_hopSec >= m_config.refractorySec;
    if (rising && rested) {
        m_sinceOnsetSec = 0.0;
        return true;
    }
    return false;
}

void OnsetDetector::reset() noexcept {
    std::fill(m_history.begin(), m_history.end(), 0.0f);
    m_pos = m_count = 0;
    m_sinceOnsetSec = 1e9;
    m_threshold = 0.0f;
    m_peak = 0.0f;
}

}  // namespace autolume::features
