// The message from the analysis/control thread to the inference thread: everything the
// generator needs for one frame, stamped with the audio it was made from. Sized once at
// start-up for the model's shape and passed through a util::LatestValue slot.
//
// Per-layer latents: layers [0, splitLayer) take z group 0 and the rest z group 1 (harmony to
// the coarse layers, percussion to the fine ones); the mapped ws are then blended towards
// wTarget (keyframes, presets) by wBlend, then offset along GANSpace directions, then truncated.
#pragma once

#include <cstdint>
#include <vector>

namespace autolume::control {

struct Bend {
    float translateX = 0.0f;  // fraction of the feature map's width
    float translateY = 0.0f;
    float rotate = 0.0f;  // radians
    float zoom = 1.0f;    // > 1 magnifies
    bool isIdentity() const noexcept {
        return translateX == 0.0f && translateY == 0.0f && rotate == 0.0f && zoom == 1.0f;
    }
};

struct ControlFrame {
    std::uint64_t seq = 0;
    double audioTimeSec = 0.0;     // audio time of the hop's last sample
    std::int64_t audioWallNs = 0;  // steady-clock time that sample reached us
    float level = 0.0f;            // features of that hop, for display
    float onsetStrength = 0.0f;
    bool onset = false;
    double lastOnsetSec = -1.0;   // audio time of the newest onset so far
    float speed = 0.0f;           // the walk's angular speed (rad/s), for display
    std::int64_t midiWallNs = 0;  // steady-clock arrival of the newest MIDI message applied

    int zDim = 0;
    int wDim = 0;
    int numWs = 0;
    std::vector<float> z;         // [2, zDim]: group 0, group 1
    int splitLayer = 0;           // first layer that takes z group 1 (numWs: none)
    std::vector<float> wTarget;   // [numWs, wDim]
    float wBlend = 0.0f;          // 0: mapped z only, 1: wTarget only
    std::vector<float> ganspace;  // amounts along the model's PCA directions, in std devs
    float psi = 1.0f;             // truncation
    float noiseGain = 1.0f;       // multiplies every layer's noise
    Bend bend;
    int bendFirstLayer = 0;  // conv layers [first, last] are bent
    int bendLastLayer = -1;

    // Sizes every vector; the only allocation, done once at start-up.
    void resize(int zDim, int wDim, int numWs, int ganspaceCount);
    const float* zGroup(int group) const noexcept { return z.data() + group * zDim; }
};

}  // namespace autolume::control
