#include "autolume/control/random_walk.hpp"

#include <algorithm>
#include <cmath>

namespace autolume::control {

RandomWalk::RandomWalk(const RandomWalkConfig& config)
    : m_config(config),
      m_rng(config.seed),
      m_z(config.zDim),
      m_direction(config.zDim),
      m_scratch(config.zDim) {
    gaussian(m_z);
    normalize(m_z, std::sqrt(static_cast<float>(config.zDim)));
    gaussian(m_direction);
    normalize(m_direction, 1.0f);
}

void RandomWalk::gaussian(std::vector<float>& v) noexcept {
    for (float& x : v) x = m_normal(m_rng);
}

void RandomWalk::normalize(std::vector<float>& v, float radius) noexcept {
    double sum = 0.0;
    for (float x : v) sum += static_cast<double>(x) * x;
    const float scale = sum > 0.0 ? radius / static_cast<float>(std::sqrt(sum)) : 0.0f;
    for (float& x : v) x *= scale;
}

float RandomWalk::step(const features::FeatureFrame& features, double dtSec) noexcept {
    const auto dt = static_cast<float>(dtSec);
    const float alpha = 1.0f - std::exp(-dt / std::max(m_config.changeSmoothSec, 1e-3f));
    m_slowLevel += alpha * (features.level - m_slowLevel);
    const float change = std::max(0.0f, features.level - m_slowLevel);

    m_speed =
        m_config.baseSpeed + m_config.levelSpeed * features.level + m_config.changeSpeed * change;
    float angle = m_speed * dt + (features.onset ? m_config.onsetKick : 0.0f);
    if (angle <= 0.0f) return 0.0f;

    // Let the direction wander (a Brownian turn scaled by sqrt(dt) so it does not depend on
    // the hop size), then step along its part tangent to the sphere.
    gaussian(m_scratch);
    const float turn = m_config.turnRate * std::sqrt(dt) / std::sqrt(float(m_config.zDim));
    for (int i = 0; i < m_config.zDim; ++i) m_direction[i] += turn * m_scratch[i];
    normalize(m_direction, 1.0f);

    const float radius = std::sqrt(static_cast<float>(m_config.zDim));
    double along = 0.0;
    for (int i = 0; i < m_config.zDim; ++i) along += static_cast<double>(m_direction[i]) * m_z[i];
    const float radial = static_cast<float>(along) / (radius * radius);
    for (int i = 0; i < m_config.zDim; ++i) m_scratch[i] = m_direction[i] - radial * m_z[i];
    normalize(m_scratch, 1.0f);
    // Rotate z by `angle` in the plane of z and the tangent: stays exactly on the sphere.
    const float c = std::cos(angle);
    const float s = std::sin(angle) * radius;
    for (int i = 0; i < m_config.zDim; ++i) m_z[i] = c * m_z[i] + s * m_scratch[i];
    normalize(m_z, radius);  // keeps rounding from drifting off the sphere
    return angle;
}

}  // namespace autolume::control
