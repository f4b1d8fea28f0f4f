#include "autolume/control/latent_controller.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace autolume::control {

void ControlFrame::resize(int zDim_, int wDim_, int numWs_, int ganspaceCount) {
    zDim = zDim_;
    wDim = wDim_;
    numWs = numWs_;
    z.assign(static_cast<std::size_t>(2) * zDim, 0.0f);
    wTarget.assign(static_cast<std::size_t>(numWs) * wDim, 0.0f);
    ganspace.assign(ganspaceCount, 0.0f);
    splitLayer = numWs;
}

void lerp(const float* a, const float* b, float t, float* out, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) out[i] = a[i] + t * (b[i] - a[i]);
}

namespace {

void normalize(float* v, std::size_t n, float radius) noexcept {
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) sum += static_cast<double>(v[i]) * v[i];
    if (sum <= 0.0) return;
    const float scale = radius / static_cast<float>(std::sqrt(sum));
    for (std::size_t i = 0; i < n; ++i) v[i] *= scale;
}

}  // namespace

ControllerParams registerControllerParams(ParameterRegistry& r, const LatentShape& s) {
    auto add = [&r](const char* name, float min, float max, float def, float smooth,
                    const char* help) {
        return r.add({name, min, max, def, smooth, help});
    };
    const auto layers = static_cast<float>(s.numWs);
    const auto convLayers = static_cast<float>(std::max(s.numLayers, 1));
    ControllerParams p;
    p.walkWeight = add("walk.weight", 0, 1, 1, 0.2f, "weight of the random walk");
    // A gentle idle drift: a frozen picture looks like a crash on stage. 0.05 rad/s moves the
    // latents about a tenth as fast as music does and turns one look into another in some
    // 20 s (docs/BENCHMARKS.md, "Idle drift"); 0 makes silence stand still.
    p.walkBaseSpeed = add("walk.base_speed", 0, 1, 0.05f, 0.2f,
                          "rad/s even in silence (idle drift; 0: silence stands still)");
    p.walkLevelSpeed = add("walk.level_speed", 0, 3, 0.5f, 0.2f, "rad/s at full level");
    p.walkChangeSpeed = add("walk.change_speed", 0, 10, 3, 0.2f, "rad/s per unit of level rise");
    p.walkOnsetKick = add("walk.onset_kick", 0, 1, 0.12f, 0.0f, "rad jumped on an onset");
    p.chromaWeight = add("chroma.weight", 0, 1, 0, 0.2f, "weight of the chroma anchors");
    p.chromaSharpness = add("chroma.sharpness", 0.5f, 8, 2, 0.2f, "exponent on chroma weights");
    p.chromaSmoothing = add("chroma.smoothing", 0, 2, 0.25f, 0.0f, "s, smoothing of chroma");
    p.loopWeight = add("loop.weight", 0, 1, 0, 0.2f, "weight of the beat loop");
    p.loopBeats = add("loop.beats", 1, 64, 16, 0.0f, "loop length in beats");
    p.layerRouting =
        add("layers.routing", 0, 1, 0, 0.2f, "harmony to coarse layers, percussion to fine layers");
    p.layerSplit = add("layers.split", 1, std::max(layers - 1, 1.5f), std::max(layers / 2, 1.0f),
                       0.0f, "first layer driven by percussion");
    p.keyframeMix = add("keyframes.mix", 0, 1, 0, 0.2f, "weight of the keyframe sequence");
    p.keyframeSpeed = add("keyframes.speed", 0, 8, 1, 0.0f,
                          "keyframes per second at full onset envelope (free timing)");
    p.keyframeCurve = add("keyframes.curve", 0.5f, 12, 4, 0.0f,
                          "exponential transition rate (higher: faster arrival)");
    p.presetMix = add("preset.mix", 0, 1, 1, 0.1f, "how much a recalled preset overrides");
    p.presetMorph = add("preset.morph", 0, 10, 1, 0.0f, "s, morph time of recalls");
    p.truncation = add("truncation", 0, 2, 1, 0.1f, "psi: < 1 typical, > 1 abstract");
    p.noise = add("noise", 0, 3, 1, 0.1f, "noise gain");
    p.noiseOnset = add("noise.onset", 0, 5, 0.5f, 0.0f, "noise added per unit of onset strength");
    p.bendTranslateX = add("bend.translate_x", -1, 1, 0, 0.05f, "fraction of the width");
    p.bendTranslateY = add("bend.translate_y", -1, 1, 0, 0.05f, "fraction of the height");
    p.bendRotate = add("bend.rotate", -std::numbers::pi_v<float>, std::numbers::pi_v<float>, 0,
                       0.05f, "radians");
    p.bendZoom = add("bend.zoom", 0.25f, 4, 1, 0.05f, "> 1 magnifies");
    p.bendFirst = add("bend.first_layer", 0, convLayers, 0, 0.0f, "first bent conv layer");
    p.bendLast = add("bend.last_layer", 0, convLayers, std::min(3.0f, convLayers), 0.0f,
                     "last bent conv layer");
    for (int k = 0; k < s.ganspaceCount; ++k)
        p.ganspace.push_back(r.add({"ganspace." + std::to_string(k), -3, 3, 0, 0.05f,
                                    "std devs along PCA direction " + std::to_string(k)}));
    return p;
}

LatentController::LatentController(const LatentShape& shape, std::uint64_t seed,
                                   ParameterRegistry& registry)
    : m_shape(shape),
      m_registry(registry),
      m_params(registerControllerParams(registry, shape)),
      m_rng(seed),
      m_walk{RandomWalk({.zDim = shape.zDim, .seed = seed * 2 + 1}),
             RandomWalk({.zDim = shape.zDim, .seed = seed * 2 + 2})},
      m_anchors(static_cast<std::size_t>(12) * shape.zDim),
      m_loopBasis(static_cast<std::size_t>(4) * shape.zDim),
      m_chromaZ(shape.zDim),
      m_mix(shape.zDim),
      m_keyframeW(static_cast<std::size_t>(shape.numWs) * shape.wDim, 0.0f),
      m_presetFrom(m_keyframeW),
      m_presetTo(m_keyframeW),
      m_presetW(m_keyframeW) {
    const auto n = static_cast<std::size_t>(shape.zDim);
    std::vector<float> v(n);
    for (int i = 0; i < 12; ++i) {
        gaussianUnit(v);
        std::copy(v.begin(), v.end(), m_anchors.begin() + i * n);
    }
    // Loop circles: orthonormal pairs (u, v) per group, by Gram-Schmidt.
    for (int g = 0; g < 2; ++g) {
        float* u = m_loopBasis.data() + (2 * g) * n;
        float* w = m_loopBasis.data() + (2 * g + 1) * n;
        gaussianUnit(v);
        std::copy(v.begin(), v.end(), u);
        gaussianUnit(v);
        double dot = 0.0;
        for (std::size_t i = 0; i < n; ++i) dot += static_cast<double>(u[i]) * v[i];
        for (std::size_t i = 0; i < n; ++i) w[i] = v[i] - static_cast<float>(dot) * u[i];
        normalize(w, n, 1.0f);
    }
    m_chroma.fill(1.0f / 12.0f);
    chromaLatent(m_chroma, 1.0f, m_chromaZ.data());
}

void LatentController::gaussianUnit(std::vector<float>& v) {
    for (float& x : v) x = m_normal(m_rng);
    normalize(v.data(), v.size(), 1.0f);
}

void LatentController::setKeyframes(const std::vector<std::vector<float>>& keyframes) {
    const std::size_t size = static_cast<std::size_t>(m_shape.numWs) * m_shape.wDim;
    for (std::size_t i = 0; i < keyframes.size(); ++i)
        if (keyframes[i].size() != size)
            throw std::invalid_argument("keyframe " + std::to_string(i) + " has " +
                                        std::to_string(keyframes[i].size()) +
                                        " values, the model needs " + std::to_string(size));
    m_keyframes = keyframes;
    m_keyframePos = 0.0;
}

void LatentController::recall(const float* ws, float morphSec) noexcept {
    const std::size_t n = m_presetW.size();
    // Morph from what is shown now; from nothing, start at the target itself.
    if (m_presetBlend > 0.0f)
        std::copy(m_presetW.begin(), m_presetW.end(), m_presetFrom.begin());
    else
        std::copy(ws, ws + n, m_presetFrom.begin());
    std::copy(ws, ws + n, m_presetTo.begin());
    m_presetBlendFrom = m_presetBlend;
    m_presetBlendTo = 1.0f;
    m_morphSec = std::max(morphSec, 0.0f);
    m_morphT = 0.0f;
}

void LatentController::release(float morphSec) noexcept {
    std::copy(m_presetW.begin(), m_presetW.end(), m_presetFrom.begin());
    std::copy(m_presetW.begin(), m_presetW.end(), m_presetTo.begin());
    m_presetBlendFrom = m_presetBlend;
    m_presetBlendTo = 0.0f;
    m_morphSec = std::max(morphSec, 0.0f);
    m_morphT = 0.0f;
}

void LatentController::chromaLatent(const std::array<float, 12>& weights, float sharpness,
                                    float* out) noexcept {
    const auto n = static_cast<std::size_t>(m_shape.zDim);
    std::fill(out, out + n, 0.0f);
    for (int i = 0; i < 12; ++i) {
        const float w = std::pow(std::max(weights[i], 0.0f), sharpness);
        if (w == 0.0f) continue;
        const float* a = m_anchors.data() + i * n;
        for (std::size_t j = 0; j < n; ++j) out[j] += w * a[j];
    }
    normalize(out, n, std::sqrt(static_cast<float>(n)));
}

void LatentController::advanceBeats(const ControlInput& in, double dtSec) noexcept {
    // Beat events count whole beats; between them the tracker's phase (if it has a tempo)
    // fills in, held below the next beat so the count never runs ahead of the music.
    if (in.beat) {
        ++m_beatCount;
        m_beats = static_cast<double>(m_beatCount);
    } else if (in.bpm > 0.0f && in.level > 0.0f) {
        const double phase = std::clamp(static_cast<double>(in.beatPhase), 0.0, 0.999);
        m_beats = std::max(m_beats, static_cast<double>(m_beatCount) + phase);
    }
}

void LatentController::keyframeLatent(float* out) const noexcept {
    const std::size_t n = m_keyframeW.size();
    const auto count = static_cast<long>(m_keyframes.size());
    const long k = static_cast<long>(std::floor(m_keyframePos));
    const float frac = static_cast<float>(m_keyframePos - static_cast<double>(k));
    float t = frac;
    if (m_transition == Transition::Exponential) {
        // Eased arrival that still lands exactly on the next keyframe at frac = 1.
        const float rate = m_registry.value(m_params.keyframeCurve);
        t = (1.0f - std::exp(-rate * frac)) / (1.0f - std::exp(-rate));
    }
    const float* a = m_keyframes[static_cast<std::size_t>(k % count)].data();
    const float* b = m_keyframes[static_cast<std::size_t>((k + 1) % count)].data();
    lerp(a, b, t, out, n);
}

void LatentController::step(const ControlInput& in, double dtSec, ControlFrame& out) noexcept {
    ParameterRegistry& r = m_registry;
    const ControllerParams& p = m_params;
    r.update(in, dtSec);
    advanceBeats(in, dtSec);
    const auto n = static_cast<std::size_t>(m_shape.zDim);
    const auto dt = static_cast<float>(dtSec);

    // Walks: with routing, harmony drives group 0 (coarse) and percussion group 1 (fine).
    const float routing = r.value(p.layerRouting);
    const float groupLevel[2] = {in.level + routing * (in.harmonic - in.level),
                                 in.level + routing * (in.percussive - in.level)};
    for (int g = 0; g < 2; ++g) {
        RandomWalkConfig& c = m_walk[g].config();
        c.baseSpeed = r.value(p.walkBaseSpeed);
        c.levelSpeed = r.value(p.walkLevelSpeed);
        c.changeSpeed = r.value(p.walkChangeSpeed);
        c.onsetKick = r.value(p.walkOnsetKick) * (g == 0 ? 1.0f - routing : 1.0f);
        features::FeatureFrame f;
        f.level = groupLevel[g];
        f.onset = in.onset;
        m_walk[g].step(f, dtSec);
    }

    // Chroma: smoothed weights, held through silence so the picture rests where it was.
    float chromaSum = 0.0f;
    for (float c : in.chroma) chromaSum += c;
    if (chromaSum > 1e-4f && in.level > 0.0f) {
        const float tau = r.value(p.chromaSmoothing);
        const float alpha = tau > 0.0f ? 1.0f - std::exp(-dt / tau) : 1.0f;
        for (int i = 0; i < 12; ++i)
            m_chroma[i] += alpha * (in.chroma[i] / chromaSum - m_chroma[i]);
    }
    const float chromaWeight = r.value(p.chromaWeight);
    if (chromaWeight > 0.0f) chromaLatent(m_chroma, r.value(p.chromaSharpness), m_chromaZ.data());

    // Mix the modes per group on the sphere.
    const float walkWeight = r.value(p.walkWeight);
    const float loopWeight = r.value(p.loopWeight);
    const double theta =
        2.0 * std::numbers::pi * m_beats / static_cast<double>(r.value(p.loopBeats));
    const float radius = std::sqrt(static_cast<float>(n));
    for (int g = 0; g < 2; ++g) {
        const std::vector<float>& walkZ = m_walk[g].z();
        const float* u = m_loopBasis.data() + (2 * g) * n;
        const float* v = m_loopBasis.data() + (2 * g + 1) * n;
        const float cu = static_cast<float>(std::cos(theta)) * radius;
        const float cv = static_cast<float>(std::sin(theta)) * radius;
        const bool anyMode = walkWeight + chromaWeight + loopWeight > 0.0f;
        for (std::size_t i = 0; i < n; ++i)
            m_mix[i] = anyMode ? walkWeight * walkZ[i] + chromaWeight * m_chromaZ[i] +
                                     loopWeight * (cu * u[i] + cv * v[i])
                               : walkZ[i];
        normalize(m_mix.data(), n, radius);
        std::copy(m_mix.begin(), m_mix.end(), out.z.begin() + g * n);
    }
    // Without routing the fine layers follow the coarse ones exactly.
    float* z1 = out.z.data() + n;
    lerp(out.z.data(), z1, routing, z1, n);
    normalize(z1, n, radius);
    out.splitLayer =
        routing > 0.0f ? static_cast<int>(std::lround(r.value(p.layerSplit))) : m_shape.numWs;

    // Keyframes: free (onset envelope scales the steps) or locked to beats or bars.
    float keyframeMix = 0.0f;
    if (!m_keyframes.empty()) {
        switch (m_timing) {
            case KeyframeTiming::Free:
                m_keyframePos +=
                    static_cast<double>(r.value(p.keyframeSpeed)) * in.onsetEnvelope * dtSec;
                break;
            case KeyframeTiming::PerBeat:
                m_keyframePos = m_beats;
                break;
            case KeyframeTiming::PerBar:
                m_keyframePos = m_beats / 4.0;
                break;
        }
        keyframeLatent(m_keyframeW.data());
        keyframeMix = r.value(p.keyframeMix);
    }

    // Presets: morph the blend and the target together.
    if (m_morphT < 1.0f) {
        m_morphT = m_morphSec > 0.0f ? std::min(1.0f, m_morphT + dt / m_morphSec) : 1.0f;
        m_presetBlend = m_presetBlendFrom + m_morphT * (m_presetBlendTo - m_presetBlendFrom);
        lerp(m_presetFrom.data(), m_presetTo.data(), m_morphT, m_presetW.data(), m_presetW.size());
    }
    const float presetMix = m_presetBlend * r.value(p.presetMix);
    // mapped (1-a)(1-b) + K a (1-b) + P b  ==  lerp(mapped, target, blend)
    out.wBlend = keyframeMix * (1.0f - presetMix) + presetMix;
    if (out.wBlend > 0.0f) {
        const float kw = keyframeMix * (1.0f - presetMix) / out.wBlend;
        const float pw = presetMix / out.wBlend;
        for (std::size_t i = 0; i < out.wTarget.size(); ++i)
            out.wTarget[i] = kw * m_keyframeW[i] + pw * m_presetW[i];
    }

    for (std::size_t k = 0; k < out.ganspace.size() && k < p.ganspace.size(); ++k)
        out.ganspace[k] = r.value(p.ganspace[k]);
    out.psi = r.value(p.truncation);
    out.noiseGain = r.value(p.noise) + r.value(p.noiseOnset) * in.onsetStrength;
    out.bend = {r.value(p.bendTranslateX), r.value(p.bendTranslateY), r.value(p.bendRotate),
                r.value(p.bendZoom)};
    out.bendFirstLayer = static_cast<int>(std::lround(r.value(p.bendFirst)));
    out.bendLastLayer = static_cast<int>(std::lround(r.value(p.bendLast)));
    out.speed = m_walk[0].lastSpeed();
    out.level = in.level;
    out.onsetStrength = in.onsetStrength;
    out.onset = in.onset;
}

}  // namespace autolume::control
