#include "autolume/control/parameters.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

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

namespace {

// The mix (ControlInput) and a stem (StemInput) name their features alike.
template <typename Features>
float featureOf(const Features& in, Feature feature) noexcept {
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

}  // namespace

float featureValue(const ControlInput& in, Feature feature) noexcept {
    return featureOf(in, feature);
}

float featureValue(const ControlInput& in, Feature feature, int stem) noexcept {
    if (stem == 0) return featureOf(in, feature);
    if (stem < 0 || stem > in.stemCount || stem > kMaxStems) return 0.0f;
    return featureOf(in.stems[static_cast<std::size_t>(stem - 1)], feature);
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
            v += m.gain * applyCurve(m.curve, featureValue(input, m.source, m.stem)) *
                 (s.max - s.min);
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
                {"source", sourceName(m)}, {"gain", m.gain}, {"curve", curveName(m.curve)}};
        out[m_specs[i].name] = entry;
    }
    return out;
}

void ParameterRegistry::setStemNames(const std::vector<std::string>& names) {
    if (names.size() > static_cast<std::size_t>(kMaxStems))
        throw std::invalid_argument("at most " + std::to_string(kMaxStems) + " stems, not " +
                                    std::to_string(names.size()));
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string& n = names[i];
        const bool ok = !n.empty() && n.size() <= 32 && std::all_of(n.begin(), n.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        });
        if (!ok)
            throw std::invalid_argument("stem name '" + n +
                                        "': use lower-case letters, digits, '_' or '-'");
        if (std::find(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(i), n) !=
            names.begin() + static_cast<std::ptrdiff_t>(i))
            throw std::invalid_argument("stem name '" + n + "' given twice");
    }
    m_stemNames = names;
}

std::string ParameterRegistry::sourceName(const Modulation& m) const {
    if (m.stem == 0 || m.stem > m_stemNames.size()) return featureName(m.source);
    return m_stemNames[m.stem - 1] + "." + featureName(m.source);
}

ParameterRegistry::JsonReport ParameterRegistry::fromJson(const nlohmann::json& json) {
    if (!json.is_object()) throw std::invalid_argument("parameters must be a JSON object");
    JsonReport report;
    // A number from a file: finite and within [lo, hi] (a rounding step of slack), or why not.
    auto check = [](const nlohmann::json& v, float lo, float hi) -> std::string {
        if (!v.is_number()) return "needs a number, not " + v.dump();
        const double x = v.get<double>();
        const double slack =
            1e-6 * std::max(1.0, std::max(std::abs(double(lo)), std::abs(double(hi))));
        if (!std::isfinite(x) || x < lo - slack || x > hi + slack) {
            char range[96];
            std::snprintf(range, sizeof range, "%s is outside %g..%g", v.dump().c_str(), double(lo),
                          double(hi));
            return range;
        }
        return "";
    };
    for (const auto& [name, entry] : json.items()) {
        const auto id = find(name);
        if (!id) {
            report.unknown.push_back(name);
            continue;
        }
        const ParamSpec& spec = m_specs[*id];
        if (!entry.is_object() || !entry.contains("value")) {
            report.refused.push_back("'" + name + "': needs {\"value\": number}");
            continue;
        }
        if (const std::string why = check(entry["value"], spec.min, spec.max); !why.empty()) {
            report.refused.push_back("'" + name + ".value': " + why);
            continue;
        }
        const float value = std::clamp(entry["value"].get<float>(), spec.min, spec.max);
        Modulation modulation;
        if (entry.contains("mod")) {
            const auto& mod = entry["mod"];
            // "level", or "<stem>.level" for a stem this registry knows.
            std::optional<Feature> source;
            int stem = 0;
            std::string sourceWhy = "needs a known \"source\"";
            if (mod.is_object() && mod.contains("source") && mod["source"].is_string()) {
                const std::string text = mod["source"].get<std::string>();
                const std::size_t dot = text.find('.');
                if (dot != std::string::npos) {
                    const auto it =
                        std::find(m_stemNames.begin(), m_stemNames.end(), text.substr(0, dot));
                    if (it != m_stemNames.end()) {
                        stem = static_cast<int>(it - m_stemNames.begin()) + 1;
                        source = featureFromName(std::string_view(text).substr(dot + 1));
                    } else {
                        std::string known;
                        for (const std::string& n : m_stemNames)
                            known += (known.empty() ? "" : ", ") + n;
                        sourceWhy = "source '" + text + "': no stem '" + text.substr(0, dot) +
                                    "' (stems: " + (known.empty() ? "none" : known) + ")";
                    }
                } else {
                    source = featureFromName(text);
                }
            }
            const auto curve =
                mod.is_object() && mod.value("curve", nlohmann::json("linear")).is_string()
                    ? curveFromName(mod.value("curve", "linear"))
                    : std::nullopt;
            std::string why = !source  ? sourceWhy
                              : !curve ? "needs a known \"curve\""
                              : !mod.contains("gain")
                                  ? "needs a \"gain\""
                                  : check(mod["gain"], -kMaxModulationGain, kMaxModulationGain);
            if (!why.empty()) {
                // The value stands; the modulation as it was before is kept.
                report.refused.push_back("'" + name + ".mod': " + why);
                setBase(*id, value);
                continue;
            }
            modulation = Modulation{*source, mod["gain"].get<float>(), *curve,
                                    static_cast<std::uint8_t>(stem)};
        }
        setBase(*id, value);
        setModulation(*id, modulation);
    }
    return report;
}

}  // namespace autolume::control
