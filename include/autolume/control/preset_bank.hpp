// The preset bank: slots holding a latent (ws of all layers) and optionally the parameter
// set, persisted one human-readable, versioned JSON file per slot in a presets folder:
//   <dir>/slot_01.json ... slot_16.json
// Writes are atomic (temporary file, flush, rename), so a crash while saving never loses the
// previous file. A malformed or foreign file (another model, another format) is reported in
// one line naming it and left untouched on disk.
//
// Thread contract: one thread at a time (the main/UI thread: it does file I/O).
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace autolume::control {

struct ModelIdentity {
    std::string name;
    int numWs = 0;
    int wDim = 0;
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

    PresetBank(std::filesystem::path dir, ModelIdentity model);

    // Reads every slot file; returns one line per file that could not be used.
    std::vector<std::string> load();

    bool has(int slot) const noexcept;
    const Preset& get(int slot) const;  // throws std::out_of_range if empty
    std::filesystem::path pathOf(int slot) const;

    // Stores and writes the slot. Throws std::runtime_error naming the file; then neither the
    // file on disk nor the slot in memory has changed.
    void store(int slot, const Preset& preset);
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
};

}  // namespace autolume::control
