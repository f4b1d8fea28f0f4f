#include "autolume/control/parameters.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

namespace autolume::control {

namespace {

constexpr std::array<const char*, 11> kFeatureNames = {
    "none", "level", "onset_strength", "onset_envelope", "beat_envelope", "beat_phase",
    "bass", "mid",   "high",           "harmonic",       "percussive"};
constexpr std::array<const char*, 4> kCurveNames = {"linear", "square", "sqrt", "smooth"};

}  // namespace

const char* featureName(Feature feature) noexcept {
    return kFeatureNames[static_cast<std::size_t>(feature)];
}

std::optional<Feature> featureFromName(std::string_view name) noexcept {
    for (std::size_t i = 0; i < kFeatureNames.size(); ++i)
        if (name == kFeatureNames[i]) return static_cast<Feature>(i);
    return std::nullopt;
}

const char* curveName(Curve curve) noexcept {
    return kCurveNames[static_cast<std::size_t>(curve)];
}

std::optional<Curve> curveFromName(std::string_view name) noexcept {
    for (std::size_t i = 0; i < kCurveNames.size(); ++i)
        if (name == kCurveNames[i]) return static_cast<Curve>(i);
    return std::nullopt;
}

float featureValue(const ControlInput& in, Feature feature) noexcept {
    switch (feature) {
        case Feature::None:
            return 0.0f;
        case Feature::Level:
            return in.level;
        case Feature::OnsetStrength:
            return in.onsetStrength;
        case Feature::OnsetEnvelope:
            return in.onsetEnvelope;
        case Feature::BeatEnvelope:
            return in.beatEnvelope;
        case Feature::BeatPhase:
            return in.beatPhase;
        case Feature::Bass:
            return in.bass;
        case Feature::Mid:
            return in.mid;
        case Feature::High:
            return in.high;
        case Feature::Harmonic:
            return in.harmonic;
        case Feature::Percussive:
            return in.percussive;
    }
    return 0.0f;
}

float applyCurve(Curve curve, float x) noexcept {
    x = std::clamp(x, 0.0f, 1.0f);
    switch (curve) {
        case Curve::Linear:
            return x;
        case Curve::Square:
            return x * x;
        case Curve::Sqrt:
            return std::sqrt(x);
        case Curve::Smooth:
            return x * x * (3.0f - 2.0f * x);
    }
    return x;
}

ParamId ParameterRegistry::add(const ParamSpec& spec) {
    if (find(spec.name)) throw std::invalid_argument("parameter '" + spec.name + "' exists");
    if (!(spec.min < spec.max))
        throw std::invalid_argument("parameter '" + spec.name + "': empty range");
    m_specs.push_back(spec);
    State state;
    state.base = state.smoothed = state.value = std::clamp(spec.defaultValue, spec.min, spec.max);
    m_state.push_back(state);
    return static_cast<ParamId>(m_specs.size() - 1);
}

std::optional<ParamId> ParameterRegistry::find(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < m_specs.size(); ++i)
        if (m_specs[i].name == name) return static_cast<ParamId>(i);
    return std::nullopt;
}

ParamId ParameterRegistry::at(std::string_view name) const {
    if (auto id = find(name)) return *id;
    throw std::out_of_range("no parameter named '" + std::string(name) + "'");
}

void ParameterRegistry::setBase(ParamId id, float value) noexcept {
    if (id >= m_specs.size() || !std::isfinite(value)) return;
    m_state[id].base = std::clamp(value, m_specs[id].min, m_specs[id].max);
}

void ParameterRegistry::setNormalized(ParamId id, float unit) noexcept {
    if (id >= m_specs.size()) return;
    const ParamSpec& s = m_specs[id];
    setBase(id, s.min + std::clamp(unit, 0.0f, 1.0f) * (s.max - s.min));
}

void ParameterRegistry::jumpTo(ParamId id, float value) noexcept {
    setBase(id, value);
    if (id < m_specs.size()) m_state[id].smoothed = m_state[id].value = m_state[id].base;
}

void ParameterRegistry::setModulation(ParamId id, const Modulation& modulation) noexcept {
    if (id < m_specs.size()) m_state[id].modulation = modulation;
}

void ParameterRegistry::update(const ControlInput& input, double dtSec) noexcept {
    const auto dt = static_cast<float>(dtSec);
    for (std::size_t i = 0; i < m_specs.size(); ++i) {
        const ParamSpec& s = m_specs[i];
        State& st = m_state[i];
        const float alpha = s.smoothingSec > 0.0f ? 1.0f - std::exp(-dt / s.smoothingSec) : 1.0f;
        st.smoothed += alpha * (st.base - st.smoothed);
        float v = st.smoothed;
        const Modulation& m = st.modulation;
        if (m.source != Feature::None && m.gain != 0.0f)
            v += m.gain * applyCurve(m.curve, featureValue(input, m.source)) * (s.max - s.min);
        st.value = std::clamp(v, s.min, s.max);
    }
}

nlohmann::json ParameterRegistry::toJson() const {
    nlohmann::json out = nlohmann::json::object();
    for (std::size_t i = 0; i < m_specs.size(); ++i) {
        nlohmann::json entry = {{"value", m_state[i].base}};
        const Modulation& m = m_state[i].modulation;
        if (m.source != Feature::None)
            entry["mod"] = {
                {"source", featureName(m.source)}, {"gain", m.gain}, {"curve", curveName(m.curve)}};
        out[m_specs[i].name] = entry;
    }
    return out;
}

std::vector<std::string> ParameterRegistry::fromJson(const nlohmann::json& json) {
    if (!json.is_object()) throw std::invalid_argument("parameters must be a JSON object");
    std::vector<std::string> unknown;
    // Validate everything first so a bad entry changes nothing.
    struct Pending {
        ParamId id;
        float value;
        std::optional<Modulation> modulation;
    };
    std::vector<Pending> pending;
    for (const auto& [name, entry] : json.items()) {
        const auto id = find(name);
        if (!id) {
            unknown.push_back(name);
            continue;
        }
        if (!entry.is_object() || !entry.contains("value") || !entry["value"].is_number())
            throw std::invalid_argument("parameter '" + name + "': needs a numeric \"value\"");
        Pending p{*id, entry["value"].get<float>(), std::nullopt};
        if (entry.contains("mod")) {
            const auto& mod = entry["mod"];
            // Names must be strings (value() would throw nlohmann's type_error otherwise).
            const bool names = mod.is_object() && mod.contains("source") &&
                               mod["source"].is_string() &&
                               (!mod.contains("curve") || mod["curve"].is_string());
            const auto source =
                names ? featureFromName(mod["source"].get<std::string>()) : std::nullopt;
            const auto curve = names ? curveFromName(mod.value("curve", "linear")) : std::nullopt;
            if (!source || !curve || !mod.contains("gain") || !mod["gain"].is_number())
                throw std::invalid_argument("parameter '" + name +
                                            "': \"mod\" needs a known source, curve and gain");
            p.modulation = Modulation{*source, mod["gain"].get<float>(), *curve};
        }
        pending.push_back(p);
    }
    for (const Pending& p : pending) {
        setBase(p.id, p.value);
        setModulation(p.id, p.modulation.value_or(Modulation{}));
    }
    return unknown;
}

}  // namespace autolume::control
