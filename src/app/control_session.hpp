// The control thread's state: the parameter registry, the latent controller and, with a
// controller plugged in, the MIDI mapper. The main thread talks to it with ControlMessages
// (queued, applied at the top of a hop); it answers with ControlEvents (what MIDI buttons ask
// of the preset bank, learned maps to save) and a ControlSnapshot for the panel every hop.
//
//   main --ControlMessage--> control thread: handle(), step() --ControlEvent--> main
//                                              \--ControlSnapshot (LatestValue)--> main
//
// Presets live on the main thread (file I/O): a MIDI press becomes a Recall event, the main
// thread averages the slots and sends the ws back as a Recall message. A store takes the ws of
// the frame on screen, which only the main thread has.
//
// Thread contract: one thread (the control thread; `autolume analyze` runs it inline). step()
// and the per-hop parts of handle() never allocate or throw; reshape(), LoadParams, Learn,
// SetKeyframes and a completed MIDI learn allocate (rare events).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "autolume/control/control_frame.hpp"
#include "autolume/control/control_input.hpp"
#include "autolume/control/latent_controller.hpp"
#include "autolume/control/midi_mapper.hpp"
#include "autolume/control/parameters.hpp"
#include "autolume/midi/midi_device.hpp"
#include "autolume/midi/midi_pump.hpp"
#include "autolume/util/reader_writer_queue.hpp"

namespace autolume::app {

// Main thread -> control thread.
struct ControlMessage {
    enum class Kind : std::uint8_t {
        SetParam,       // param's base value = value
        SetModulation,  // param's modulation
        LoadParams,     // params: a ParameterRegistry JSON (names it does not know are ignored)
        Learn,          // MIDI learn for param
        CancelLearn,
        Recall,             // morph to ws in `value` seconds (< 0: the preset.morph parameter)
        Release,            // morph back to the audio-driven latents (same timing)
        SetStoredSlots,     // slots: which preset slots hold latents (for the LEDs)
        SetActiveSlots,     // slots: which are shown
        SetKeyframes,       // keyframes (ws of this model's shape)
        SetKeyframeTiming,  // option: control::KeyframeTiming
        SetTransition,      // option: control::Transition
    };
    Kind kind = Kind::SetParam;
    control::ParamId param = 0;
    float value = 0.0f;
    control::Modulation modulation;
    std::uint32_t slots = 0;
    int option = 0;
    std::vector<float> ws;
    std::vector<std::vector<float>> keyframes;
    std::shared_ptr<const nlohmann::json> params;
};

// Control thread -> main thread.
struct ControlEvent {
    enum class Kind : std::uint8_t {
        Recall,   // a MIDI press asks for the average of `slots`
        Store,    // a MIDI press asks to store the shown latent into the one slot in `slots`
        Release,  // MIDI released the presets (already applied)
        Learned,  // MIDI learn bound a control to `param`; `profile` is the map to save
        Record,   // a MIDI press starts or stops the live recording
    };
    Kind kind = Kind::Recall;
    std::uint32_t slots = 0;
    control::ParamId param = 0;
    std::shared_ptr<const control::MidiProfile> profile;
};

using ControlEventQueue = moodycamel::ReaderWriterQueue<ControlEvent>;

// What the panel shows of the control thread.
struct ControlSnapshot {
    std::vector<float> base;   // [parameters] what is set
    std::vector<float> value;  // [parameters] what is used (smoothed, modulated)
    std::uint32_t storedSlots = 0;
    std::uint32_t activeSlots = 0;
    bool learning = false;
    double beats = 0.0;
    std::uint64_t midiReceived = 0;
    std::uint64_t midiMalformed = 0;
    std::uint64_t midiUnmapped = 0;
    // Drops on the control thread: requests to the main thread lost to a full queue (a bug:
    // the main thread polls every frame), messages from it refused (made for another model).
    std::uint64_t eventsDropped = 0;
    std::uint64_t messagesRefused = 0;
    // The stage: this hop's music and the stage parameters (post chain), for the stage window
    // and the scopes.
    control::ControlInput input;
    std::uint64_t onsets = 0;  // onsets and beats since the start (ticks the display cannot miss)
    std::uint64_t beatTicks = 0;
    std::vector<float> stage;  // [stageParams] values in use, in ControlSessionConfig order
    // Steady-clock time this hop's last sample reached the analysis (set by the engine; 0:
    // unknown): recordings put a picture at the time of the music it shows.
    std::int64_t audioWallNs = 0;
};

struct ControlSessionConfig {
    control::LatentShape shape;
    std::uint64_t seed = 0;
    std::optional<control::MidiProfile> midiProfile;  // MIDI mapping (with a device in step())
    nlohmann::json params;                            // initial parameter values; null: defaults
    std::vector<std::vector<float>> keyframes;        // ws of this shape
    control::KeyframeTiming keyframeTiming = control::KeyframeTiming::Free;
    control::Transition transition = control::Transition::Linear;
    ControlEventQueue* events = nullptr;  // where MIDI's requests go; nullptr: dropped
    // Parameters of the stage (the post chain), registered after the controller's so the panel,
    // MIDI, parameter files and audio modulation drive them like any other.
    std::vector<control::ParamSpec> stageParams;
    // Stems whose features may modulate parameters ("drums" -> "drums.onset_envelope").
    std::vector<std::string> stemNames;
};

class ControlSession {
  public:
    // Throws std::invalid_argument for parameters or keyframes that do not fit.
    explicit ControlSession(const ControlSessionConfig& config);

    const control::LatentShape& shape() const noexcept { return m_shape; }
    const control::ParameterRegistry& registry() const noexcept { return *m_registry; }
    const control::LatentController& controller() const noexcept { return *m_controller; }
    const control::MidiMapper* mapper() const noexcept { return m_mapper.get(); }

    // Another model: a controller of the new shape with the same parameter values (and MIDI
    // map); keyframes of another shape are dropped. Same shape: nothing changes. Allocates.
    void reshape(const control::LatentShape& shape);

    // Applies one message from the main thread (never throws; a message that does not fit the
    // current shape, e.g. made for the previous model, is ignored).
    void handle(ControlMessage& message) noexcept;

    // One hop of dtSec audio: MIDI in and LEDs out (when `device` is given), parameters,
    // controller. `out` must be sized for shape() (ControlFrame::resize). timeSec is the
    // MIDI mapper's clock (long presses, blinking).
    void step(const control::ControlInput& input, double dtSec, double timeSec,
              midi::MidiDevice* device, control::ControlFrame& out) noexcept;

    // Fills a snapshot sized by prepareSnapshot() (no allocation).
    void prepareSnapshot(ControlSnapshot& out) const;
    void snapshot(ControlSnapshot& out) const noexcept;
    // Steady-clock arrival of the newest MIDI message handled; 0: none.
    std::int64_t lastMidiNs() const noexcept { return m_pump.lastArrivalNs(); }

  private:
    void registerStage(control::ParameterRegistry& registry);
    void applyMidiActions() noexcept;
    void emit(const ControlEvent& event) noexcept;
    float morphSec(float requested) const noexcept;

    control::LatentShape m_shape;
    std::uint64_t m_seed;
    ControlEventQueue* m_events;
    std::uint64_t m_eventsDropped = 0;
    std::uint64_t m_messagesRefused = 0;
    std::unique_ptr<control::ParameterRegistry> m_registry;
    std::unique_ptr<control::LatentController> m_controller;
    std::unique_ptr<control::MidiMapper> m_mapper;
    midi::MidiPump m_pump;
    std::vector<std::vector<float>> m_keyframes;
    control::KeyframeTiming m_timing;
    control::Transition m_transition;
    std::vector<control::ParamSpec> m_stageSpecs;
    std::vector<control::ParamId> m_stageIds;
    control::ControlInput m_input;
    std::uint64_t m_onsets = 0;
    std::uint64_t m_beatTicks = 0;
};

}  // namespace autolume::app
