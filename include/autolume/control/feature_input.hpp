// The analyzer's features as the controller's input: one place decides which envelope and
// which chroma the controller reads (the live engine and `autolume analyze --latents` agree).
#pragma once

#include <algorithm>

#include "autolume/control/control_input.hpp"
#include "autolume/features/analyzer.hpp"

namespace autolume::control {

inline ControlInput toControlInput(const features::FeatureFrame& f) noexcept {
    ControlInput in;
    in.timeSec = f.timeSec;
    in.level = f.level;
    in.onsetStrength = f.onsetStrength;
    in.onset = f.onset;
    in.beat = f.beat;
    in.beatPhase = f.beatPhase;
    in.bpm = f.bpm;
    in.bass = f.bass;
    in.mid = f.mid;
    in.high = f.high;
    in.harmonic = f.harmonic;
    in.percussive = f.percussive;
    // Exponential envelopes: a step's push is strongest right at the onset or beat.
    in.onsetEnvelope = f.onsetExp;
    in.beatEnvelope = f.beatExp;
    in.chroma = f.chroma;
    return in;
}

// A stem's features as the input's stem `index` (0-based; ignored past kMaxStems).
inline void setStemInput(ControlInput& in, int index, const features::FeatureFrame& f) noexcept {
    if (index < 0 || index >= kMaxStems) return;
    StemInput& s = in.stems[static_cast<std::size_t>(index)];
    s.level = f.level;
    s.onsetStrength = f.onsetStrength;
    s.onsetEnvelope = f.onsetExp;
    s.beatEnvelope = f.beatExp;
    s.beatPhase = f.beatPhase;
    s.bass = f.bass;
    s.mid = f.mid;
    s.high = f.high;
    s.harmonic = f.harmonic;
    s.percussive = f.percussive;
    in.stemCount = std::max(in.stemCount, index + 1);
}

}  // namespace autolume::control
