// What the latent controller and the parameter registry read from the music each hop. Kept
// apart from features::FeatureFrame so control does not depend on how features are computed
// (the app fills it from the analyzer; tests fill it by hand).
#pragma once

#include <array>

namespace autolume::control {

// Stems (offline: separated drums, bass, vocals... each analysed on its own): their features are
// modulation sources ("drums.onset_envelope") while the walk follows the full mix.
inline constexpr int kMaxStems = 8;

struct StemInput {
    float level = 0.0f;
    float onsetStrength = 0.0f;
    float onsetEnvelope = 0.0f;
    float beatEnvelope = 0.0f;
    float beatPhase = 0.0f;
    float bass = 0.0f;
    float mid = 0.0f;
    float high = 0.0f;
    float harmonic = 0.0f;
    float percussive = 0.0f;
};

struct ControlInput {
    double timeSec = 0.0;  // audio time of the hop's last sample
    float level = 0.0f;    // auto-gained 0..1
    float onsetStrength = 0.0f;
    bool onset = false;
    bool beat = false;
    float beatPhase = 0.0f;  // 0..1 within the current beat
    float bpm = 0.0f;        // 0: unknown
    float bass = 0.0f;
    float mid = 0.0f;
    float high = 0.0f;
    float harmonic = 0.0f;           // 0..1
    float percussive = 0.0f;         // 0..1
    float onsetEnvelope = 0.0f;      // decaying 1 -> 0 after each onset
    float beatEnvelope = 0.0f;       // decaying 1 -> 0 after each beat
    std::array<float, 12> chroma{};  // C, C#, ..., B; 0..1 (from the harmonic part where known)
    std::array<StemInput, kMaxStems> stems{};  // [stemCount] in ParameterRegistry::stemNames order
    int stemCount = 0;
};

}  // namespace autolume::control
