#include "session_setup.hpp"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "autolume/io/json_read.hpp"

#include "autolume/model/seeds.hpp"

namespace autolume::app {

namespace fs = std::filesystem;

namespace {

fs::path xdgDir(const char* variable, const char* fallbackUnderHome) {
    if (const char* dir = std::getenv(variable); dir && *dir) return dir;
    const char* home = std::getenv("HOME");
    return fs::path(home && *home ? home : ".") / fallbackUnderHome;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

}  // namespace

nlohmann::json readParamsFile(const fs::path& path, std::string& error) {
    error.clear();
    std::error_code ec;
    if (!fs::exists(path, ec)) return nullptr;
    try {
        nlohmann::json json = io::readJsonFile(path);
        if (!json.is_object())
            throw std::invalid_argument(path.string() + ": not a JSON object of parameters");
        return json;
    } catch (const std::exception& e) {
        error = e.what();
        return nullptr;
    }
}

fs::path presetRoot(const std::string& presetsRoot) {
    return presetsRoot.empty() ? xdgDir("XDG_DATA_HOME", ".local/share") / "autolume" / "presets"
                               : fs::path(presetsRoot);
}

fs::path presetDirFor(const std::string& presetsRoot, const model::ModelInfo& info) {
    const std::string stem = fs::path(info.path).stem().string();
    return presetRoot(presetsRoot) /
           (info.sha256.empty() ? stem : stem + "-" + info.sha256.substr(0, 12));
}

control::ModelIdentity modelIdentity(const model::ModelInfo& info) {
    return {info.name, info.numWs, info.wDim, info.sha256};
}

std::unique_ptr<control::PresetBank> openPresetBank(const std::string& presetsRoot,
                                                    const model::ModelInfo& info) {
    const fs::path dir = presetDirFor(presetsRoot, info);
    auto bank = std::make_unique<control::PresetBank>(dir, modelIdentity(info));
    // Before presets were keyed by the model's content they lived under its stem alone.
    const fs::path oldDir = presetRoot(presetsRoot) / fs::path(info.path).stem();
    try {
        if (const int copied = bank->adoptFrom(oldDir))
            spdlog::info("presets: {} slot{} of {} copied from {} to {} (the old files stay)",
                         copied, copied == 1 ? "" : "s", info.name, oldDir.string(), dir.string());
    } catch (const std::exception& e) {
        spdlog::error("presets: {} (the old folder {} is left as it is)", e.what(),
                      oldDir.string());
    }
    for (const std::string& error : bank->load()) spdlog::error("{}", error);
    return bank;
}

std::vector<std::vector<float>> keyframesFrom(const std::string& list, model::Generator& generator,
                                              const control::PresetBank& bank) {
    const model::ModelInfo& info = generator.info();
    std::vector<std::vector<float>> keyframes;
    std::stringstream items(list);
    std::string item;
    while (std::getline(items, item, ',')) {
        if (item.empty()) continue;
        if (item[0] == 'p' || item[0] == 'P') {
            int slot = 0;
            try {
                slot = std::stoi(item.substr(1));
            } catch (const std::exception&) {
                slot = 0;
            }
            if (slot < 1 || slot > control::PresetBank::kSlots)
                throw std::invalid_argument("keyframe '" + item + "': preset slots are p1..p" +
                                            std::to_string(control::PresetBank::kSlots));
            if (!bank.has(slot - 1))
                throw std::invalid_argument("keyframe '" + item + "': " +
                                            bank.pathOf(slot - 1).string() + " holds no preset");
            keyframes.push_back(bank.get(slot - 1).ws);
            continue;
        }
        std::vector<std::uint32_t> seeds;
        try {
            seeds = model::parseSeedList(item);
        } catch (const std::exception& e) {
            throw std::invalid_argument("keyframe '" + item + "': " + e.what());
        }
        for (std::uint32_t seed : seeds) {
            const std::vector<float> z = model::seedLatent(seed, info.zDim);
            std::vector<float> ws(static_cast<std::size_t>(info.numWs) * info.wDim);
            generator.mapping(z.data(), ws.data());
            keyframes.push_back(std::move(ws));
        }
    }
    if (keyframes.empty()) throw std::invalid_argument("keyframes '" + list + "': none given");
    return keyframes;
}

void enableKeyframes(nlohmann::json& params) {
    if (!params.is_object()) params = nlohmann::json::object();
    if (!params.contains("keyframes.mix")) params["keyframes.mix"] = {{"value", 1.0}};
}

control::KeyframeTiming keyframeTimingFrom(const std::string& name) {
    if (name == "free") return control::KeyframeTiming::Free;
    if (name == "beat") return control::KeyframeTiming::PerBeat;
    if (name == "bar") return control::KeyframeTiming::PerBar;
    throw std::invalid_argument("keyframe timing '" + name + "': use free, beat or bar");
}

control::Transition transitionFrom(const std::string& name) {
    if (name == "linear") return control::Transition::Linear;
    if (name == "exp" || name == "exponential") return control::Transition::Exponential;
    throw std::invalid_argument("transition '" + name + "': use linear or exp");
}

MidiProfileChoice chooseMidiProfile(const std::string& choice, const std::string& port) {
    const fs::path shipped = fs::path(AUTOLUME_PRESET_DIR) / "midi";
    MidiProfileChoice out;
    fs::path path;
    std::error_code ec;
    if (!choice.empty() &&
        (choice.find('/') != std::string::npos || fs::path(choice).extension() == ".json")) {
        out.profile = control::MidiProfile::load(choice);
        out.loadedFrom = choice;
        // A map of the user's own: learning updates it in place.
        out.savePath = choice;
        out.notes.push_back("MIDI profile " + choice);
        return out;
    }
    std::string name = choice;
    if (name.empty()) {
        // The shipped profile made for this port, by its "port" field.
        name = "generic";
        for (const auto& entry : fs::directory_iterator(shipped, ec)) {
            if (entry.path().extension() != ".json") continue;
            try {
                const control::MidiProfile p = control::MidiProfile::load(entry.path());
                if (!p.port.empty() && !port.empty() &&
                    lower(port).find(lower(p.port)) != std::string::npos) {
                    name = entry.path().stem().string();
                    break;
                }
            } catch (const std::exception&) {
                // A broken shipped profile: the tests catch that; skip it here.
            }
        }
    }
    const fs::path shippedPath = shipped / (name + ".json");
    const fs::path learned =
        xdgDir("XDG_CONFIG_HOME", ".config") / "autolume" / "midi" / (name + ".json");
    out.savePath = learned;
    if (fs::exists(learned, ec)) {
        try {
            out.profile = control::MidiProfile::load(learned);
            out.loadedFrom = learned;
            out.notes.push_back("MIDI profile " + learned.string() + " (learned map of '" + name +
                                "')");
            return out;
        } catch (const std::exception& e) {
            out.notes.push_back(std::string(e.what()) +
                                "; using the shipped profile, learned maps are not saved");
            out.savePath.clear();
        }
    }
    if (!fs::exists(shippedPath, ec))
        throw std::runtime_error(shippedPath.string() + ": no such MIDI profile (shipped: " +
                                 "korg_nanokontrol2, akai_apc_mini, generic)");
    out.profile = control::MidiProfile::load(shippedPath);
    out.loadedFrom = shippedPath;
    out.notes.push_back("MIDI profile " + shippedPath.string());
    return out;
}

}  // namespace autolume::app
