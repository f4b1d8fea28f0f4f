// The analyzer's features as the controller's input: one place decides which envelope and
// which chroma the controller reads (the live engine and `autolume analyze --latents` agree).
#pragma once

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

}  // namespace autolume::control
