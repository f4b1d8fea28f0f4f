// The preset bank: slots holding a latent (ws of all layers) and optionally the parameter
// set, persisted one human-readable, versioned JSON file per slot in a presets folder:
//   <dir>/slot_01.json ... slot_16.json
// The folder belongs to one model file: the app names it after the file's stem and the start
// of its SHA-256 ("default-3f2a9c01d4e5"), so two different default.pt never share slots, and
// each preset records the full hash. Writes are atomic (io::writeTextFileAtomic), so a crash
// while saving never loses the previous file. A malformed or foreign file (another model,
// another format, latents beyond +-1000) is reported in one line naming it and left untouched
// on disk: store() refuses to overwrite it unless the performer confirms.
//
// Thread contract: one thread at a time (the main/UI thread: it does file I/O).
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace autolume::control {

struct ModelIdentity {
    std::string name;
    int numWs = 0;
    int wDim = 0;
    std::string sha256;  // of the model file; empty: not checked (files without one are read)
};

// store() into a slot whose file exists but could not be read, without confirmation.
class UnreadableSlot : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct Preset {
    std::vector<float> ws;                 // [numWs * wDim]
    std::optional<nlohmann::json> params;  // ParameterRegistry::toJson() or nothing
    std::string label;
};

class PresetBank {
  public:
    static constexpr int kSlots = 16;
    static constexpr int kFormatVersion = 1;
    static constexpr float kMaxLatent = 1000.0f;  // |w| beyond this is no latent of a GAN

    PresetBank(std::filesystem::path dir, ModelIdentity model);

    // Reads every slot file; returns one line per file that could not be used. Removes
    // temporaries of saves that were killed.
    std::vector<std::string> load();

    // Copies the slot files of an older folder (named after the model's stem only) that this
    // model reads into this bank's folder, when this folder holds no slot file yet; the old
    // files stay. Returns how many were copied; then load() again.
    int adoptFrom(const std::filesystem::path& oldDir);

    bool has(int slot) const noexcept;
    // Why the slot's file could not be read at load(); empty if it was read or there is none.
    const std::string& problem(int slot) const;
    const Preset& get(int slot) const;  // throws std::out_of_range if empty
    std::filesystem::path pathOf(int slot) const;

    // Stores and writes the slot. Throws std::runtime_error naming the file; then neither the
    // file on disk nor the slot in memory has changed. A file this bank did not read (broken,
    // another model's, appeared since load()) is overwritten only with overwriteUnread; else
    // UnreadableSlot.
    void store(int slot, const Preset& preset, bool overwriteUnread = false);
    void clear(int slot);  // removes the file too

    // The element-wise mean of the slots' ws. Throws std::invalid_argument for an empty list
    // or an empty slot.
    std::vector<float> average(const std::vector<int>& slots) const;

    // Parses one preset file's text; throws std::runtime_error with the reason.
    Preset parse(const std::string& text) const;
    std::string serialize(int slot, const Preset& preset) const;

  private:
    void checkSlot(int slot) const;
    std::filesystem::path m_dir;
    ModelIdentity m_model;
    std::array<std::optional<Preset>, kSlots> m_slots;
    std::array<std::string, kSlots> m_problems;
};

}  // namespace autolume::control
