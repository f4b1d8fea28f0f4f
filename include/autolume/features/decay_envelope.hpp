// Decay envelopes fired by beats or onsets, as in the ASHA FM music videos: on a trigger the
// envelope jumps to the trigger's strength, then falls until the next one, either linearly (a
// fixed amount per second: from 1 to 0 in `linearDecaySec`) or exponentially (multiplied by
// exp(-rate * dt): fast at first, then slower).
//
// Thread contract: one owning thread; every call is noexcept and allocation-free.
#pragma once

#include <algorithm>
#include <cmath>

namespace autolume::features {

enum class DecayShape { Linear, Exponential };

struct DecayConfig {
    float linearDecaySec = 0.5f;  // linear: seconds from 1 to 0
    float expDecayPerSec = 6.0f;  // exponential: rate; the value halves every ln2/rate s
};

class DecayEnvelope {
  public:
    DecayEnvelope(DecayShape shape, const DecayConfig& config, double hopSec)
        : m_shape(shape),
          m_linearStep(static_cast<float>(hopSec / std::max(config.linearDecaySec, 1e-4f))),
          m_expFactor(
              static_cast<float>(std::exp(-std::max(config.expDecayPerSec, 0.0f) * hopSec))) {}

    // One hop: decays, then (on a trigger) jumps to `strength`. Returns the new value.
    float step(bool trigger, float strength) noexcept {
        if (m_shape == DecayShape::Linear) {
            m_value = std::max(0.0f, m_value - m_linearStep);
        } else {
            m_value *= m_expFactor;
            if (m_value < 1e-6f) m_value = 0.0f;  // rest exactly, and no denormals
        }
        if (trigger) m_value = std::clamp(strength, 0.0f, 1.0f);
        return m_value;
    }

    // Lifts the value to `strength` if it is higher, without restarting the decay: an event
    // still growing on the hops after its trigger (an onset's flux peaks a hop or two late).
    void raise(float strength) noexcept {
        m_value = std::max(m_value, std::clamp(strength, 0.0f, 1.0f));
    }

    float value() const noexcept { return m_value; }
    void reset() noexcept { m_value = 0.0f; }

  private:
    DecayShape m_shape;
    float m_linearStep;
    float m_expFactor;
    float m_value = 0.0f;
};

}  // namespace autolume::features
