// The audio-reactive latent controller (Autolume-Live; ASHA FM). Modes, mixed by weights from
// the parameter registry, all stepping on audio time:
//   walk      random walk whose speed follows the loudness and its rise (control::RandomWalk)
//   chroma    12 anchors in z, one per pitch class, mixed by the chroma: same notes, same image
//   loop      a great circle in z closed after `loop.beats` beats: a perfect loop
//   layers    harmonic energy drives the coarse layers' z, percussive energy the fine layers'
//   keyframes a list of ws traversed by onset envelope, or one per beat or per bar, with a
//             linear or exponential transition
//   presets   recall (with morph) of stored ws, blended over everything above
//   noise     base noise plus onset strength
// Silence moves nothing: every mode advances only on level, onsets or beats.
//
// Thread contract: one thread (control). step() never allocates; setKeyframes() allocates and
// belongs to set-up or to rare UI events on the control thread.
#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "autolume/control/control_frame.hpp"
#include "autolume/control/control_input.hpp"
#include "autolume/control/parameters.hpp"
#include "autolume/control/random_walk.hpp"

namespace autolume::control {

// GANSpace directions with a parameter (and a fader in the shipped MIDI profiles).
inline constexpr int kGanspaceParams = 8;

struct LatentShape {
    int zDim = 512;
    int wDim = 512;
    int numWs = 18;
    int numLayers = 17;  // synthesis conv layers (for bending ranges)
    int ganspaceCount = kGanspaceParams;
};

enum class KeyframeTiming : std::uint8_t { Free, PerBeat, PerBar };
enum class Transition : std::uint8_t { Linear, Exponential };

// Ids of the controller's parameters in the registry.
struct ControllerParams {
    ParamId walkWeight, walkBaseSpeed, walkLevelSpeed, walkChangeSpeed, walkOnsetKick;
    ParamId chromaWeight, chromaSharpness, chromaSmoothing;
    ParamId loopWeight, loopBeats;
    ParamId layerRouting, layerSplit;
    ParamId keyframeMix, keyframeSpeed, keyframeCurve;
    ParamId presetMix, presetMorph;
    ParamId truncation, noise, noiseOnset;
    ParamId bendTranslateX, bendTranslateY, bendRotate, bendZoom, bendFirst, bendLast;
    std::vector<ParamId> ganspace;
};

// Registers the controller's parameters (always in the same order, so ids and names agree for
// any two shapes; only ranges that depend on the shape differ). The UI builds a registry of its
// own with this to know the names and ranges.
ControllerParams registerControllerParams(ParameterRegistry& registry, const LatentShape& shape);

class LatentController {
  public:
    // Registers the controller's parameters in `registry` (which must outlive it).
    LatentController(const LatentShape& shape, std::uint64_t seed, ParameterRegistry& registry);

    const LatentShape& shape() const noexcept { return m_shape; }
    const ControllerParams& params() const noexcept { return m_params; }

    // Keyframes as ws [numWs * wDim] each (seeds are mapped by the caller). Throws
    // std::invalid_argument on a wrong size.
    void setKeyframes(const std::vector<std::vector<float>>& keyframes);
    void setKeyframeTiming(KeyframeTiming timing) noexcept { m_timing = timing; }
    void setTransition(Transition transition) noexcept { m_transition = transition; }

    // Morphs to a stored latent ws [numWs * wDim] (e.g. a preset or an average of presets).
    void recall(const float* ws, float morphSec) noexcept;
    // Morphs back to the audio-driven latents.
    void release(float morphSec) noexcept;

    // Updates the registry and advances every mode by dtSec of audio; fills `out` (sized with
    // out.resize() for this shape). Timing fields of `out` are the caller's.
    void step(const ControlInput& input, double dtSec, ControlFrame& out) noexcept;

    double beatPosition() const noexcept { return m_beats; }
    double keyframePosition() const noexcept { return m_keyframePos; }

  private:
    void gaussianUnit(std::vector<float>& v);
    void chromaLatent(const std::array<float, 12>& weights, float sharpness, float* out) noexcept;
    void keyframeLatent(float* out) const noexcept;
    void advanceBeats(const ControlInput& input, double dtSec) noexcept;

    LatentShape m_shape;
    ParameterRegistry& m_registry;
    ControllerParams m_params;
    std::mt19937_64 m_rng;
    std::normal_distribution<float> m_normal;

    RandomWalk m_walk[2];
    std::vector<float> m_anchors;      // [12, zDim]
    std::vector<float> m_loopBasis;    // [2 groups][2 vectors][zDim], orthonormal pairs
    std::array<float, 12> m_chroma{};  // smoothed weights, held through silence
    std::vector<float> m_chromaZ;      // [zDim]
    std::vector<float> m_mix;          // [zDim] scratch

    std::vector<std::vector<float>> m_keyframes;
    KeyframeTiming m_timing = KeyframeTiming::Free;
    Transition m_transition = Transition::Linear;
    double m_keyframePos = 0.0;
    std::vector<float> m_keyframeW;  // [numWs * wDim]

    double m_beats = 0.0;  // beats heard so far (integer on beat events)
    long m_beatCount = 0;

    // Presets: the blend towards m_presetW ramps linearly; the target itself morphs from what
    // was shown, so switching presets never jumps.
    std::vector<float> m_presetFrom, m_presetTo, m_presetW;
    float m_presetBlend = 0.0f, m_presetBlendFrom = 0.0f, m_presetBlendTo = 0.0f;
    float m_morphT = 1.0f, m_morphSec = 0.0f;
};

// Blends a and b into out: out = (1 - t) a + t b, element-wise over n floats.
void lerp(const float* a, const float* b, float t, float* out, std::size_t n) noexcept;

}  // namespace autolume::control
