#include "autolume/control/preset_bank.hpp"

#include "autolume/io/json_read.hpp"
#include "autolume/io/text_file.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace autolume::control {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "autolume-preset";

// Typed fields: a wrong type is the file's mistake, told in one line naming the key. nlohmann's
// value() would throw its own type_error instead, and turn 1e30 into an int undefined.
std::string stringField(const nlohmann::json& j, const char* key, const char* where) {
    if (!j.contains(key)) return {};
    if (!j[key].is_string())
        throw std::runtime_error(std::string("\"") + where + "\" must be a string, not " +
                                 j[key].dump());
    return j[key].get<std::string>();
}

int intField(const nlohmann::json& j, const char* key, const char* where) {
    if (!j.contains(key)) return 0;
    const nlohmann::json& v = j[key];
    if (!v.is_number_integer() || v < 0 || v > 1 << 20)
        throw std::runtime_error(std::string("\"") + where + "\" must be an integer in 0.." +
                                 std::to_string(1 << 20) + ", not " + v.dump());
    return v.get<int>();
}

}  // namespace

PresetBank::PresetBank(fs::path dir, ModelIdentity model)
    : m_dir(std::move(dir)), m_model(std::move(model)) {}

void PresetBank::checkSlot(int slot) const {
    if (slot < 0 || slot >= kSlots)
        throw std::out_of_range("preset slot " + std::to_string(slot + 1) + " is not in 1.." +
                                std::to_string(kSlots));
}

fs::path PresetBank::pathOf(int slot) const {
    checkSlot(slot);
    char name[32];
    std::snprintf(name, sizeof name, "slot_%02d.json", slot + 1);
    return m_dir / name;
}

const std::string& PresetBank::problem(int slot) const {
    checkSlot(slot);
    return m_problems[slot];
}

bool PresetBank::has(int slot) const noexcept {
    return slot >= 0 && slot < kSlots && m_slots[slot].has_value();
}

const Preset& PresetBank::get(int slot) const {
    checkSlot(slot);
    if (!m_slots[slot])
        throw std::out_of_range("preset slot " + std::to_string(slot + 1) + " is empty");
    return *m_slots[slot];
}

std::string PresetBank::serialize(int slot, const Preset& preset) const {
    nlohmann::json ws = nlohmann::json::array();
    for (int l = 0; l < m_model.numWs; ++l) {
        auto begin = preset.ws.begin() + static_cast<std::ptrdiff_t>(l) * m_model.wDim;
        ws.push_back(std::vector<float>(begin, begin + m_model.wDim));
    }
    nlohmann::json doc = {
        {"format", kFormat},
        {"version", kFormatVersion},
        {"slot", slot + 1},
        {"label", preset.label},
        {"model", {{"name", m_model.name}, {"num_ws", m_model.numWs}, {"w_dim", m_model.wDim}}},
        {"ws", ws}};
    if (!m_model.sha256.empty()) doc["model"]["sha256"] = m_model.sha256;
    if (preset.params) doc["params"] = *preset.params;
    return doc.dump(1) + "\n";
}

Preset PresetBank::parse(const std::string& text) const {
    const nlohmann::json doc = io::parseJsonLimited(text);  // one-line runtime_error
    if (!doc.is_object() || !doc.contains("format") || doc["format"] != kFormat)
        throw std::runtime_error("not an autolume preset (no \"format\": \"autolume-preset\")");
    if (!doc.contains("version") || !doc["version"].is_number_integer() ||
        doc["version"] > kFormatVersion)
        throw std::runtime_error("preset format version " +
                                 (doc.contains("version") ? doc["version"].dump() : "missing") +
                                 " is newer than this autolume reads (" +
                                 std::to_string(kFormatVersion) + ")");
    const nlohmann::json model = doc.contains("model") ? doc["model"] : nlohmann::json::object();
    if (!model.is_object()) throw std::runtime_error("\"model\" must be an object");
    const std::string name = stringField(model, "name", "model.name");
    const int numWs = intField(model, "num_ws", "model.num_ws");
    const int wDim = intField(model, "w_dim", "model.w_dim");
    if (name != m_model.name || numWs != m_model.numWs || wDim != m_model.wDim)
        throw std::runtime_error("made for model '" + name + "' (" + std::to_string(numWs) +
                                 " ws x " + std::to_string(wDim) + "), not '" + m_model.name +
                                 "' (" + std::to_string(m_model.numWs) + " x " +
                                 std::to_string(m_model.wDim) + ")");
    if (model.contains("sha256") && !m_model.sha256.empty() &&
        model["sha256"] != nlohmann::json(m_model.sha256)) {
        const std::string theirs = model["sha256"].is_string() ? model["sha256"].get<std::string>()
                                                               : model["sha256"].dump();
        throw std::runtime_error("made for another file of model '" + name + "' (sha256 " +
                                 theirs.substr(0, 12) + "..., this one " +
                                 m_model.sha256.substr(0, 12) + "...)");
    }
    const auto& ws = doc.value("ws", nlohmann::json());
    if (!ws.is_array() || static_cast<int>(ws.size()) != m_model.numWs)
        throw std::runtime_error("\"ws\" must hold " + std::to_string(m_model.numWs) + " rows");
    Preset preset;
    preset.ws.reserve(static_cast<std::size_t>(m_model.numWs) * m_model.wDim);
    for (const auto& row : ws) {
        if (!row.is_array() || static_cast<int>(row.size()) != m_model.wDim)
            throw std::runtime_error("every row of \"ws\" must hold " +
                                     std::to_string(m_model.wDim) + " numbers");
        for (const auto& v : row) {
            if (!v.is_number()) throw std::runtime_error("\"ws\" holds a non-number");
            const double w = v.get<double>();
            if (!(std::abs(w) <= kMaxLatent))
                throw std::runtime_error("\"ws\" holds " + v.dump() + ", beyond +-1000");
            preset.ws.push_back(static_cast<float>(w));
        }
    }
    preset.label = stringField(doc, "label", "label");
    if (doc.contains("params")) {
        if (!doc["params"].is_object()) throw std::runtime_error("\"params\" must be an object");
        preset.params = doc["params"];
    }
    return preset;
}

std::vector<std::string> PresetBank::load() {
    std::vector<std::string> errors;
    io::removeStaleTemporaries(m_dir);
    for (int slot = 0; slot < kSlots; ++slot) {
        m_slots[slot].reset();
        m_problems[slot].clear();
        const fs::path path = pathOf(slot);
        std::error_code ec;
        if (!fs::exists(path, ec)) continue;
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        if (!in) {
            m_problems[slot] = "cannot read";
            errors.push_back(path.string() + ": cannot read (left untouched)");
            continue;
        }
        try {
            m_slots[slot] = parse(text.str());
        } catch (const std::exception& e) {
            m_problems[slot] = e.what();
            errors.push_back(path.string() + ": " + e.what() + " (left untouched)");
        }
    }
    return errors;
}

int PresetBank::adoptFrom(const fs::path& oldDir) {
    std::error_code ec;
    if (oldDir == m_dir || !fs::is_directory(oldDir, ec)) return 0;
    for (int slot = 0; slot < kSlots; ++slot)
        if (fs::exists(pathOf(slot), ec)) return 0;  // this folder is in use already
    PresetBank old(oldDir,
                   ModelIdentity{m_model.name, m_model.numWs, m_model.wDim, m_model.sha256});
    old.load();
    int copied = 0;
    for (int slot = 0; slot < kSlots; ++slot) {
        if (!old.has(slot)) continue;
        std::ifstream in(old.pathOf(slot), std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        if (!in) continue;
        io::writeTextFileAtomic(pathOf(slot), text.str());  // byte for byte, labels and all
        ++copied;
    }
    return copied;
}

void PresetBank::store(int slot, const Preset& preset, bool overwriteUnread) {
    const fs::path path = pathOf(slot);
    std::error_code ec;
    if (!m_slots[slot] && !overwriteUnread && fs::exists(path, ec))
        throw UnreadableSlot(path.string() + ": holds a preset this model could not read" +
                             (m_problems[slot].empty() ? "" : " (" + m_problems[slot] + ")") +
                             "; not overwritten without a confirmation");
    if (!m_slots[slot] && fs::exists(path, ec)) {
        // Confirmed: the file this bank could not read is kept beside, as <slot>.replaced.
        fs::copy_file(path, path.string() + ".replaced", fs::copy_options::overwrite_existing, ec);
        if (ec)
            throw std::runtime_error(path.string() + ": cannot keep the old file (" + ec.message() +
                                     "); not overwritten");
    }
    if (preset.ws.size() != static_cast<std::size_t>(m_model.numWs) * m_model.wDim)
        throw std::runtime_error(path.string() + ": latent has " +
                                 std::to_string(preset.ws.size()) + " values, the model needs " +
                                 std::to_string(m_model.numWs * m_model.wDim));
    io::writeTextFileAtomic(path, serialize(slot, preset));
    m_slots[slot] = preset;
    m_problems[slot].clear();
}

void PresetBank::clear(int slot) {
    const fs::path path = pathOf(slot);
    std::error_code ec;
    fs::remove(path, ec);
    if (ec) throw std::runtime_error(path.string() + ": cannot remove (" + ec.message() + ")");
    m_slots[slot].reset();
    m_problems[slot].clear();
}

std::vector<float> PresetBank::average(const std::vector<int>& slots) const {
    if (slots.empty()) throw std::invalid_argument("no preset slots to average");
    std::vector<double> sum(static_cast<std::size_t>(m_model.numWs) * m_model.wDim, 0.0);
    for (int slot : slots) {
        if (!has(slot))
            throw std::invalid_argument("preset slot " + std::to_string(slot + 1) + " is empty");
        const std::vector<float>& ws = m_slots[slot]->ws;
        for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += ws[i];
    }
    std::vector<float> mean(sum.size());
    for (std::size_t i = 0; i < sum.size(); ++i)
        mean[i] = static_cast<float>(sum[i] / static_cast<double>(slots.size()));
    return mean;
}

}  // namespace autolume::control
