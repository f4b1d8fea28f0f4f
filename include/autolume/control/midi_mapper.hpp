// Applies MIDI events to the parameter registry through a controller profile, and turns button
// presses into preset actions and LED messages. Pure logic: no MIDI system, no clock of its own
// (times come from the caller: audio time or a steady clock), so it is tested deterministically.
//
// Parameters: CC absolute (7-bit or 14-bit pair), relative encoders, pitch bend, and buttons
// (CC >= 64 or note-on is a press) as momentary, toggle or set. Positions map to 0..1 with the
// centre exact (CC 64, pitch bend 8192 give 0.5), then through the curve onto [min, max].
// Transforms (network bending, as in Autolume-Live): a "transform" button toggles (or holds) a
// named transform; bindings gated by it set their parameter only while it is on, and remember
// the strength while it is off; switching it off returns those parameters to their defaults
// (the identity bend). A control may have one plain and one gated binding: with the transform
// on, the gated one wins (the APC mini's faders double as bend strengths).
// Presets (slots 0..15): a press recalls the slot if it holds a latent; pressing the only active
// slot again releases (when it comes up without another slot pressed meanwhile); several slot
// buttons held together recall the average of the stored ones;
// shift + press stores into any slot; holding an empty slot for long_press_sec stores into it.
// A held stored slot never overwrites itself: the press has already started its recall, and
// overwriting what it shows on stage needs the deliberate shift.
// Pickup (the profile's "takeover": "pickup"): an absolute control whose parameter was changed
// elsewhere does nothing until it reaches (within 1/64 of the range) or passes the parameter's
// value, so a fader never makes the picture jump.
// LEDs: preset buttons show off / stored / active (optionally blinking in software), transform,
// toggle and shift buttons show on/off. Only changes are sent; refreshLeds() resends all.
//
// Thread contract: one thread, the control thread. handle(), tick(), refreshLeds(), the
// setters and the output accessors never throw and never allocate, except handle() when it
// completes a MIDI learn (a rare UI request forwarded to the control thread, like learn()).
// The constructor allocates (set-up).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "autolume/control/midi_message.hpp"
#include "autolume/control/midi_profile.hpp"
#include "autolume/control/parameters.hpp"

namespace autolume::control {

// What the app does in response to buttons (the mapper owns no latents).
struct MidiAction {
    enum class Kind : std::uint8_t {
        Recall,   // show the average of the stored slots in `slots` (one bit: that slot)
        Store,    // store the latent shown now into the single slot in `slots`
        Release,  // morph back to the audio-driven latents
        Learned,  // a binding was learned for `param` (save the profile if wanted)
        Record,   // start or stop the live recording
    };
    Kind kind = Kind::Recall;
    std::uint32_t slots = 0;  // bit i = slot i (0-based)
    ParamId param = 0;
    bool operator==(const MidiAction&) const = default;
};

struct MidiStats {
    std::uint64_t received = 0;   // messages given to handle()
    std::uint64_t applied = 0;    // matched a binding
    std::uint64_t unmapped = 0;   // well-formed but bound to nothing
    std::uint64_t malformed = 0;  // rejected by parseMidi()
    std::array<std::uint64_t, kMidiErrorCount> byError{};
    std::uint64_t outputDropped = 0;  // actions or LED messages beyond the buffers
    MidiError lastError = MidiError::None;
};

// First slot in a mask, or -1.
int firstSlot(std::uint32_t slots) noexcept;

class MidiMapper {
  public:
    static constexpr std::size_t kMaxActions = 64;
    static constexpr std::size_t kMaxLedMessages = 512;
    static constexpr std::size_t kMaxBindings = 1024;

    // Resolves parameter names in `registry` (which must outlive the mapper). Bindings to
    // parameters the registry does not have (e.g. ganspace.7 with a 4-component model) are
    // skipped and reported by warnings(). Throws std::invalid_argument for an invalid profile.
    MidiMapper(MidiProfile profile, ParameterRegistry& registry);

    const MidiProfile& profile() const noexcept { return m_profile; }
    const std::vector<std::string>& warnings() const noexcept { return m_warnings; }

    // Parses and applies one message received at timeSec.
    void handle(const MidiMessage& message, double timeSec) noexcept;
    // Advances time without a message: long presses, software blinking. Call once per hop.
    void tick(double timeSec) noexcept;
    // Queues every LED's current state, replacing LED messages not yet taken (after the device
    // (re)connects).
    void refreshLeds() noexcept;

    // What the app knows better: which slots hold latents (after loading the bank, or when a
    // store failed) and which are shown (a recall from the panel).
    void setStoredSlots(std::uint32_t slots) noexcept;
    void setActiveSlots(std::uint32_t slots) noexcept;
    std::uint32_t storedSlots() const noexcept { return m_stored; }
    std::uint32_t activeSlots() const noexcept { return m_active; }
    bool shiftHeld() const noexcept { return m_shiftHeld; }
    // Switches a transform by name; false if the profile has no such transform.
    bool setTransform(std::string_view name, bool on) noexcept;
    bool transformOn(std::string_view name) const noexcept;

    // Output since the last clearOutput(): actions for the app, messages for the device.
    std::span<const MidiAction> actions() const noexcept { return {m_actions.data(), m_nActions}; }
    std::span<const MidiMessage> ledMessages() const noexcept { return {m_leds.data(), m_nLeds}; }
    void clearOutput() noexcept;  // both of these:
    void clearActions() noexcept;
    void clearLeds() noexcept;

    const MidiStats& stats() const noexcept { return m_stats; }

    // MIDI learn: the next CC, note or pitch bend binds to `param` (absolute for CC and pitch
    // bend, toggle for notes, over the parameter's range), replacing what that control did.
    // The message that binds is not applied; a Learned action reports it.
    void learn(ParamId param);
    // The same for any binding: its source fields (source, channel, number) are filled from
    // the next message; the rest (action, slot, mode, range) is taken as given.
    void learn(const MidiBinding& binding);
    void cancelLearn() noexcept { m_learning.reset(); }
    bool isLearning() const noexcept { return m_learning.has_value(); }

  private:
    struct Runtime {
        int param = -1;         // ParamId, -1: none (unknown parameter or an action)
        int transform = -1;     // index of the gating transform (or the activated one)
        float strength = 0.0f;  // gated: the remembered value in parameter units
        bool pressed = false;
        std::uint8_t msb = 0;
        int lastLed = -1;
        // Pickup: engaged while the parameter holds what this control set last.
        bool engaged = false;
        float lastSet = 0.0f;
        float lastTarget = 0.0f;  // where the control pointed last (engaged or not)
        bool hasTarget = false;
    };
    using Table = std::array<std::int16_t, 16 * 128>;

    void rebuild();
    void learnFrom(const MidiEvent& event);
    int lookup(const Table& plain, const Table& gated, int channel, int number) const noexcept;
    void onPosition(int index, float unit) noexcept;
    void onRelative(int index, int ticks) noexcept;
    void onButton(int index, bool pressed, double timeSec) noexcept;
    void onSlotPress(int slot, double timeSec) noexcept;
    void onSlotRelease(int slot) noexcept;
    void setTransformIndex(int transform, bool on) noexcept;
    void applyValue(int index, float value) noexcept;  // in parameter units
    float currentValue(int index) const noexcept;
    float rangeMin(int index) const noexcept;
    float rangeMax(int index) const noexcept;
    void checkLongPress(double timeSec) noexcept;
    void updateLeds() noexcept;
    int ledValue(int index) const noexcept;
    void emit(const MidiAction& action) noexcept;
    void emitLed(const MidiMessage& message) noexcept;

    MidiProfile m_profile;
    ParameterRegistry& m_registry;
    std::vector<std::string> m_warnings;
    std::vector<Runtime> m_runtime;  // one per binding
    std::vector<std::string> m_transforms;
    std::uint32_t m_transformOn = 0;

    Table m_ccPlain{}, m_ccGated{}, m_ccLsb{}, m_notePlain{}, m_noteGated{};
    std::array<std::int16_t, 16> m_bendPlain{}, m_bendGated{};

    std::uint32_t m_stored = 0, m_active = 0, m_held = 0, m_consumed = 0, m_pendingRelease = 0;
    std::array<double, MidiProfile::kMaxSlots> m_pressSec{};
    bool m_shiftHeld = false;
    double m_nowSec = 0.0;

    std::optional<MidiBinding> m_learning;

    std::array<MidiAction, kMaxActions> m_actions{};
    std::size_t m_nActions = 0;
    std::array<MidiMessage, kMaxLedMessages> m_leds{};
    std::size_t m_nLeds = 0;
    MidiStats m_stats;
};

}  // namespace autolume::control
