// Set-up of a performance session from the command line, shared by live mode and
// `autolume analyze --latents`: the parameter file, keyframes from seeds and presets, the
// preset folder and the MIDI profile. Every failure is one line naming the file or value.
//
// Thread contract: main thread, before the engine starts (or on rare UI events).
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "autolume/control/latent_controller.hpp"
#include "autolume/control/midi_profile.hpp"
#include "autolume/control/preset_bank.hpp"
#include "autolume/model/generator.hpp"

namespace autolume::app {

// A parameter file (ParameterRegistry JSON). Missing: null, no error. Unreadable or malformed:
// null and `error` says why (the caller then never overwrites the file).
nlohmann::json readParamsFile(const std::filesystem::path& path, std::string& error);

// Where presets of a model file live: <root>/<stem>-<first 12 hex digits of its SHA-256>/
// slot_NN.json; root is `presetsRoot` or $XDG_DATA_HOME/autolume/presets
// (~/.local/share/autolume/presets).
std::filesystem::path presetDirFor(const std::string& presetsRoot, const model::ModelInfo& info);
control::ModelIdentity modelIdentity(const model::ModelInfo& info);
// The model's bank, loaded (one line per unreadable slot); on the first start with a model
// file, the readable slots of the old <root>/<stem>/ folder are copied in.
std::unique_ptr<control::PresetBank> openPresetBank(const std::string& presetsRoot,
                                                    const model::ModelInfo& info);

// Keyframes from a list: seeds ("12", "0-3") mapped by the model with its current class, and
// preset slots ("p2": slot 2, 1-based) from `bank`. Throws std::invalid_argument naming the
// item at fault.
std::vector<std::vector<float>> keyframesFrom(const std::string& list, model::Generator& generator,
                                              const control::PresetBank& bank);
// Keyframes given on the command line should show: keyframes.mix 1 unless `params` sets it.
void enableKeyframes(nlohmann::json& params);
control::KeyframeTiming keyframeTimingFrom(const std::string& name);  // free, beat, bar
control::Transition transitionFrom(const std::string& name);          // linear, exp

// The MIDI profile for a port: `choice` is a file or the name of a shipped profile
// (presets/midi/<name>.json); empty: the shipped profile whose "port" matches the port name,
// else "generic". A map learned earlier for that profile ($XDG_CONFIG_HOME/autolume/midi/
// <name>.json) is preferred unless `choice` names a file. `savePath` is where learned maps go
// (empty when an unreadable learned map is there: it is never overwritten).
struct MidiProfileChoice {
    control::MidiProfile profile;
    std::filesystem::path loadedFrom;
    std::filesystem::path savePath;
    std::vector<std::string> notes;  // what was chosen and why, for the log
};
// Throws std::runtime_error naming the file when the chosen profile cannot be used.
MidiProfileChoice chooseMidiProfile(const std::string& choice, const std::string& port);

}  // namespace autolume::app
