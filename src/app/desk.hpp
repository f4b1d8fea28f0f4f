// The performer's desk on the main thread: the parameter and preset windows, the preset bank
// and the learned MIDI map's file, kept in step with the control thread through the engine's
// messages, events and snapshots. Presets are stored from the frame on screen (its ws before
// GANSpace offsets and truncation) with the parameter set, and recalled as latents.
//
// Thread contract: main thread only.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "autolume/control/latent_controller.hpp"
#include "autolume/control/parameters.hpp"
#include "autolume/control/preset_bank.hpp"
#include "autolume/model/generator.hpp"
#include "autolume/render/parameter_panel.hpp"
#include "engine.hpp"
#include "session_setup.hpp"

namespace autolume::app {

class Desk {
  public:
    // `bank` holds the running model's presets (already loaded); `midi` is the MIDI map in
    // use, if MIDI is on.
    Desk(Engine& engine, const model::ModelInfo& info, std::string presetsRoot,
         std::unique_ptr<control::PresetBank> bank, std::optional<MidiProfileChoice> midi,
         const nlohmann::json& params);

    // What the keyframe controls show at start (the command line's keyframes).
    void showKeyframes(int count, control::KeyframeTiming timing, control::Transition transition);
    // A switch to another model: its preset folder and parameter ranges.
    void modelSwitched(const model::ModelInfo& info);
    // Every frame: the control thread's snapshot into the windows, its events into the bank.
    // `snapshotFresh`: the caller's Engine::fetchSnapshot() of this frame returned true. Only
    // the caller fetches: a second fetch in the same frame would hand the slot the caller still
    // reads (its `const ControlSnapshot&`) back to the control thread, which then writes it.
    void update(bool snapshotFresh);
    // Draws the windows (when `visible`) and sends what the performer changed.
    void draw(bool showParameters, bool showPresets);

    // The parameters as set now (for --params at exit): values and modulations.
    nlohmann::json parameters() const { return m_specs.toJson(); }
    const std::string& message() const { return m_presetPanel.message; }
    // MIDI "record" presses since the last call (each toggles the recording).
    int takeRecordPresses() {
        const int n = m_recordPresses;
        m_recordPresses = 0;
        return n;
    }

  private:
    void rebuildSpecs(const control::LatentShape& shape);
    void refreshBindings();
    void refreshSlots();
    void sendStoredSlots();
    void storeShown(int slot, bool overwriteUnread = false);
    void recall(std::uint32_t slots);
    void release();
    void learned(const ControlEvent& event);
    void say(const std::string& line, bool error);

    Engine& m_engine;
    std::string m_presetsRoot;
    std::unique_ptr<control::PresetBank> m_bank;
    std::optional<MidiProfileChoice> m_midi;
    control::ParameterRegistry m_specs;  // names, ranges and the values as last seen
    control::ControllerParams m_ids;
    render::ParameterPanel m_parameterPanel;
    render::PresetPanel m_presetPanel;
    std::vector<render::ParameterEdit> m_parameterEdits;
    std::vector<render::PresetEdit> m_presetEdits;
    std::uint32_t m_active = 0;
    std::size_t m_wsSize = 0;  // numWs * wDim of the running model
    int m_learning = -1;       // parameter waiting for a MIDI control
    int m_recordPresses = 0;
};

}  // namespace autolume::app
