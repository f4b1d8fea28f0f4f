// Amplitude-coupled random walk in z (Autolume-Live: "coupled the step size of a random walk to
// the change in amplitude and the overall magnitude of the current signal"). z moves on the
// sphere of radius sqrt(zDim), where Gaussian latents live, along a slowly turning direction;
// the angular speed follows the level, its change and onsets, so silence stands still.
// Steps on audio time: the same audio and seed give the same walk.
//
// Thread contract: one thread (analysis/control). step() does not allocate.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "autolume/features/analyzer.hpp"

namespace autolume::control {

struct RandomWalkConfig {
    int zDim = 512;
    std::uint64_t seed = 0;
    float baseSpeed = 0.0f;        // rad/s even in silence
    float levelSpeed = 0.5f;       // rad/s at full level
    float changeSpeed = 3.0f;      // rad/s per unit of level change above the slow average
    float onsetKick = 0.12f;       // rad added at once on an onset
    float turnRate = 1.5f;         // how fast the direction wanders (1/sqrt(s))
    float changeSmoothSec = 0.5f;  // time constant of the slow level average
};

class RandomWalk {
  public:
    explicit RandomWalk(const RandomWalkConfig& config);

    const RandomWalkConfig& config() const noexcept { return m_config; }
    RandomWalkConfig& config() noexcept { return m_config; }

    // Advances by dtSec of audio time under `features`; returns the angle moved (rad).
    float step(const features::FeatureFrame& features, double dtSec) noexcept;

    const std::vector<float>& z() const noexcept { return m_z; }
    float lastSpeed() const noexcept { return m_speed; }

  private:
    void gaussian(std::vector<float>& v) noexcept;
    static void normalize(std::vector<float>& v, float radius) noexcept;

    RandomWalkConfig m_config;
    std::mt19937_64 m_rng;
    std::normal_distribution<float> m_normal;
    std::vector<float> m_z;
    std::vector<float> m_direction;
    std::vector<float> m_scratch;
    float m_slowLevel = 0.0f;
    float m_speed = 0.0f;
};

}  // namespace autolume::control
