// A MIDI controller profile: which control of a controller drives which parameter of the
// registry (with range, curve and mode) or which action it triggers (preset slot, shift,
// transform activation, release), and what its LED shows. Profiles are JSON files
// (presets/midi/*.json, docs in README "MIDI controllers"); a learned map is the same format.
//
//   {"format": "autolume-midi-profile", "version": 1, "name": "...", "port": "nanoKONTROL2",
//    "channel": 1, "long_press_sec": 0.6, "blink_hz": 2, "takeover": "jump" | "pickup",
//    "leds": {"off": 0, "on": 127, "stored": 127, "active": 127, "blink": true},
//    "bindings": [
//      {"cc": 0, "param": "ganspace.0"},
//      {"cc": 16, "param": "bend.translate_x", "min": -0.5, "max": 0.5, "transform": "translate"},
//      {"cc": 1, "lsb": 33, "param": "noise", "curve": "square"},
//      {"cc": 20, "param": "bend.rotate", "mode": "relative_twos", "step": 0.01},
//      {"pitch_bend": true, "param": "truncation"},
//      {"note": 60, "param": "chroma.weight", "mode": "toggle"},
//      {"cc": 32, "action": "preset", "slot": 1},
//      {"cc": 64, "action": "transform", "transform": "translate"},
//      {"note": 98, "action": "shift"}, {"cc": 42, "action": "release"}]}
//
// Thread contract: a value type. Parsing, saving and loading allocate and do file I/O: set-up,
// or the main/UI thread.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "autolume/control/parameters.hpp"

namespace autolume::control {

enum class MidiSource : std::uint8_t { ControlChange, Note, PitchBend };

enum class MidiMode : std::uint8_t {
    Absolute,        // CC / pitch bend position across the range
    RelativeTwos,    // encoder: 1..63 up, 127..65 down (two's complement)
    RelativeOffset,  // encoder: 65.. up, ..63 down (offset 64)
    RelativeSign,    // encoder: 1..63 up, 65..127 down (sign bit)
    Momentary,       // button: max while held, min when released
    Toggle,          // button: each press flips between min and max
    Set,             // button: each press sets `value`
};

enum class BindingAction : std::uint8_t {
    None,       // the binding drives a parameter
    Preset,     // a preset slot: press recalls, shift+press or long press (empty slot) stores
    Shift,      // held: slot presses store
    Transform,  // activates a transform: its gated bindings then set their parameters
    Release,    // back from presets to the audio-driven latents
    Record,     // starts or stops the live recording
};

// LED values for one button, as the device expects them (CC value or note velocity).
struct LedStyle {
    int off = 0;
    int on = 127;        // transforms active, toggles on, shift held
    int stored = 127;    // preset slot holds a latent
    int active = 127;    // preset slot is being shown (alone or in an average)
    bool blink = false;  // blink `active` in software (for LEDs without a blink velocity)
    bool operator==(const LedStyle&) const = default;
};

struct MidiBinding {
    MidiSource source = MidiSource::ControlChange;
    int channel = -1;    // 0..15; -1: any channel
    int number = 0;      // controller or note number (unused for pitch bend)
    int lsbNumber = -1;  // 14-bit CC: the controller carrying the low 7 bits (number + 32)

    // Parameter target (action == None).
    std::string param;
    std::optional<float> min, max;  // in parameter units; unset: the parameter's range
    Curve curve = Curve::Linear;
    MidiMode mode = MidiMode::Absolute;
    float step = 1.0f / 127.0f;  // relative modes: fraction of the range per encoder tick
    float value = 0.0f;          // Set mode
    std::string transform;       // non-empty: a gated binding, applied while the transform is on

    // Action target.
    BindingAction action = BindingAction::None;
    int slot = 0;  // Preset: 0-based slot
    // Transform: `transform` names it; Momentary: active while held, otherwise each press toggles.

    bool ledEnabled = true;
    std::optional<LedStyle> led;  // unset: the profile's
    std::string label;            // free text, e.g. "fader 1"

    bool isButton() const noexcept;  // triggers on press/release rather than a position
    bool sameControl(const MidiBinding& other) const noexcept;
    std::string describeControl() const;  // "CC 7 ch 1", "note 36 any ch", "pitch bend ch 2"
};

struct MidiProfile {
    static constexpr int kFormatVersion = 1;
    static constexpr int kMaxSlots = 16;
    static constexpr int kMaxTransforms = 16;

    std::string name;
    std::string description;
    std::string port;  // port name (or part of it) the profile is made for
    int channel = 0;   // default channel of bindings in the file (0..15, -1: any)
    double longPressSec = 0.6;
    double blinkHz = 2.0;
    // Absolute controls after the parameter changed elsewhere (panel, parameter file, another
    // control): false jumps to the control's position at once; true ("pickup", soft
    // takeover) waits until the control reaches or passes the parameter's value.
    bool pickup = false;
    LedStyle leds;
    std::vector<MidiBinding> bindings;

    // Throws std::invalid_argument with the reason, naming the binding ("binding 3: ...").
    static MidiProfile fromJson(const nlohmann::json& json);
    nlohmann::json toJson() const;

    // Throws std::runtime_error, one line naming the file: "<path>: <reason>".
    static MidiProfile load(const std::filesystem::path& path);
    // Atomic (temporary file, flush, rename). Throws std::runtime_error naming the file.
    void save(const std::filesystem::path& path) const;

    // Checks what fromJson checks (bindings valid, no control bound twice except one gated
    // binding beside a plain one). Throws std::invalid_argument.
    void validate() const;
};

const char* midiModeName(MidiMode mode) noexcept;
std::optional<MidiMode> midiModeFromName(std::string_view name) noexcept;
const char* bindingActionName(BindingAction action) noexcept;

}  // namespace autolume::control
