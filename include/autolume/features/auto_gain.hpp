// Automatic gain for one feature: divides by a running peak that jumps up at once and falls
// back slowly, so that the feature sits in 0..1 whatever the input level. A louder passage is
// at full scale at once; after a drop the peak releases exponentially (levelReleaseSec is its
// time constant: 20 dB take releaseSec * ln 10) and the feature rises back towards 1.
//
// The peak never falls below a floor: an absolute one (digital silence and hiss stay at 0
// instead of being blown up) and optionally one relative to another, louder feature's peak
// (the high band of a bass-only signal stays small instead of being normalized to 1).
//
// Thread contract: one owning thread; every call is noexcept and allocation-free.
#pragma once

#include <algorithm>
#include <cmath>

namespace autolume::features {

class AutoGain {
  public:
    AutoGain(float releaseSec, double hopSec, float absoluteFloor)
        : m_release(std::exp(static_cast<float>(-hopSec / std::max(releaseSec, 1e-3f)))),
          m_floor(absoluteFloor) {}

    // Returns value / max(peak, floors), clamped to 0..1. `relativeFloor` is 0 or a floor
    // derived from a reference feature (its peak times a ratio).
    float process(float value, float relativeFloor = 0.0f) noexcept {
        m_peak = std::max(value, m_peak * m_release);
        const float divisor = std::max({m_peak, m_floor, relativeFloor});
        return std::clamp(value / divisor, 0.0f, 1.0f);
    }

    // value / the current divisor, without updating the peak: features that share one gain
    // (harmonic and percussive keep their ratio).
    float scale(float value, float relativeFloor = 0.0f) const noexcept {
        const float divisor = std::max({m_peak, m_floor, relativeFloor});
        return std::clamp(value / divisor, 0.0f, 1.0f);
    }

    float peak() const noexcept { return std::max(m_peak, m_floor); }
    void reset() noexcept { m_peak = 0.0f; }

  private:
    float m_release;
    float m_floor;
    float m_peak = 0.0f;
};

}  // namespace autolume::features
