// The parameter registry: every value a performer can control has a name, a range, a
// default and a smoothing time, and can be modulated by an audio feature with a gain and a
// curve (as VJ software maps audio analysis onto parameters). The panel edits parameters by
// id; MIDI and OSC address them by name.
//
// Thread contract: add()/find()/toJson()/fromJson() at set-up or on the control thread; the
// per-hop calls (set*, update, value) belong to the control thread, never allocate or throw.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "autolume/control/control_input.hpp"

namespace autolume::control {

using ParamId = std::uint16_t;

enum class Feature : std::uint8_t {
    None,
    Level,
    OnsetStrength,
    OnsetEnvelope,
    BeatEnvelope,
    BeatPhase,
    Bass,
    Mid,
    High,
    Harmonic,
    Percussive,
};

enum class Curve : std::uint8_t { Linear, Square, Sqrt, Smooth };

struct Modulation {
    Feature source = Feature::None;
    float gain = 0.0f;  // in units of the parameter's range per unit of feature
    Curve curve = Curve::Linear;
    std::uint8_t stem = 0;  // 0: the mix; k: stem k (ParameterRegistry::stemNames()[k - 1])
};

// The largest modulation gain a file may hold (the panel's slider spans -2..2).
inline constexpr float kMaxModulationGain = 8.0f;

struct ParamSpec {
    std::string name;  // dotted, e.g. "walk.level_speed"
    float min = 0.0f;
    float max = 1.0f;
    float defaultValue = 0.0f;
    float smoothingSec = 0.05f;  // one-pole time constant towards a new value
    std::string help;
};

const char* featureName(Feature feature) noexcept;
std::optional<Feature> featureFromName(std::string_view name) noexcept;
const char* curveName(Curve curve) noexcept;
std::optional<Curve> curveFromName(std::string_view name) noexcept;
float featureValue(const ControlInput& input, Feature feature) noexcept;  // of the mix
// Of stem `stem` (0: the mix); 0 for a stem the input does not have.
float featureValue(const ControlInput& input, Feature feature, int stem) noexcept;
float applyCurve(Curve curve, float x) noexcept;

class ParameterRegistry {
  public:
    ParamId add(const ParamSpec& spec);  // throws std::invalid_argument on a duplicate name
    std::optional<ParamId> find(std::string_view name) const noexcept;
    ParamId at(std::string_view name) const;  // throws std::out_of_range naming the parameter

    std::size_t size() const noexcept { return m_specs.size(); }
    const ParamSpec& spec(ParamId id) const noexcept { return m_specs[id]; }

    void setBase(ParamId id, float value) noexcept;       // clamped to the range
    void setNormalized(ParamId id, float unit) noexcept;  // 0..1 across the range (MIDI)
    void jumpTo(ParamId id, float value) noexcept;        // set without smoothing
    void setModulation(ParamId id, const Modulation& modulation) noexcept;
    const Modulation& modulation(ParamId id) const noexcept { return m_state[id].modulation; }

    // Names of the stems whose features may modulate ("drums" -> source "drums.level"):
    // lower-case letters, digits, '_' and '-', at most kMaxStems. Throws std::invalid_argument
    // naming a bad or repeated one. Allocates: set before fromJson().
    void setStemNames(const std::vector<std::string>& names);
    const std::vector<std::string>& stemNames() const noexcept { return m_stemNames; }
    // "level" or "drums.level" for a modulation's source.
    std::string sourceName(const Modulation& modulation) const;

    // Advances smoothing by dtSec and applies modulation from this hop's input.
    void update(const ControlInput& input, double dtSec) noexcept;

    float value(ParamId id) const noexcept { return m_state[id].value; }  // what to use now
    float base(ParamId id) const noexcept { return m_state[id].base; }    // what was set

    // {"name": {"value": v, "mod": {"source": "level", "gain": g, "curve": "linear"}}, ...}
    nlohmann::json toJson() const;

    struct JsonReport {
        std::vector<std::string> unknown;  // names this registry does not have: not applied
        std::vector<std::string> refused;  // one line per field not applied, naming it:
                                           // "'gain.value': 1e+06 is outside 0..4"
    };
    // Applies every known entry whose numbers are finite and in range; a refused "value"
    // leaves that parameter as it was, a refused "mod" leaves its modulation as it was.
    // Throws std::invalid_argument only when the document is not an object.
    JsonReport fromJson(const nlohmann::json& json);

  private:
    struct State {
        float base = 0.0f;
        float smoothed = 0.0f;
        float value = 0.0f;
        Modulation modulation;
    };
    std::vector<ParamSpec> m_specs;
    std::vector<State> m_state;
    std::vector<std::string> m_stemNames;
};

}  // namespace autolume::control
