// The message from the analysis/control thread to the inference thread: everything the
// generator needs for one frame, stamped with the audio it was made from. Sized once at
// start-up (z has the model's z_dim) and passed through a util::LatestValue slot.
#pragma once

#include <cstdint>
#include <vector>

namespace autolume::control {

struct ControlFrame {
    std::uint64_t seq = 0;
    double audioTimeSec = 0.0;     // audio time of the hop's last sample
    std::int64_t audioWallNs = 0;  // steady-clock time that sample reached us
    float level = 0.0f;            // features of that hop, for display
    float onsetStrength = 0.0f;
    bool onset = false;
    double lastOnsetSec = -1.0;  // audio time of the newest onset so far
    float psi = 1.0f;            // truncation
    float noiseGain = 1.0f;      // multiplies every layer's noise
    float speed = 0.0f;          // the walk's angular speed (rad/s), for display
    std::vector<float> z;
};

}  // namespace autolume::control
