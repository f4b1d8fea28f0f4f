#include "autolume/control/midi_profile.hpp"

#include "autolume/io/json_read.hpp"
#include "autolume/io/text_file.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace autolume::control {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kFormat = "autolume-midi-profile";

constexpr std::array<const char*, 7> kModeNames = {
    "absolute", "relative_twos", "relative_offset", "relative_sign", "momentary", "toggle", "set"};
constexpr std::array<const char*, 6> kActionNames = {"none",      "preset",  "shift",
                                                     "transform", "release", "record"};

[[noreturn]] void fail(const std::string& what) {
    throw std::invalid_argument(what);
}

int intIn(const json& j, const std::string& where, const char* key, int lo, int hi) {
    const json& v = j.at(key);
    if (!v.is_number_integer() || v.get<long long>() < lo || v.get<long long>() > hi)
        fail(where + "\"" + key + "\" must be an integer in " + std::to_string(lo) + ".." +
             std::to_string(hi) + ", not " + v.dump());
    return v.get<int>();
}

double finiteDouble(const json& j, const std::string& where, const char* key) {
    const json& v = j.at(key);
    if (!v.is_number() || !std::isfinite(v.get<double>()))
        fail(where + "\"" + key + "\" must be a number, not " + v.dump());
    return v.get<double>();
}

float finite(const json& j, const std::string& where, const char* key) {
    return static_cast<float>(finiteDouble(j, where, key));
}

std::string str(const json& j, const std::string& where, const char* key) {
    const json& v = j.at(key);
    if (!v.is_string()) fail(where + "\"" + key + "\" must be a string, not " + v.dump());
    return v.get<std::string>();
}

// 1..16 or "any" in files; 0..15 or -1 in memory.
int channelFrom(const json& v, const std::string& where) {
    if (v.is_string() && v.get<std::string>() == "any") return -1;
    if (!v.is_number_integer() || v < 1 || v > 16)  // compared as JSON: 2^32 + 1 is not 1
        fail(where + "\"channel\" must be 1..16 or \"any\", not " + v.dump());
    return v.get<int>() - 1;
}

json channelTo(int channel) {
    return channel < 0 ? json("any") : json(channel + 1);
}

bool validTransformName(const std::string& name) {
    if (name.empty() || name.size() > 32) return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

void checkKeys(const json& j, const std::string& where, std::initializer_list<const char*> keys) {
    for (const auto& [key, value] : j.items()) {
        bool known = false;
        for (const char* k : keys) known = known || key == k;
        if (!known) fail(where + "unknown key \"" + key + "\"");
    }
}

LedStyle ledFrom(const json& j, const std::string& where, LedStyle base) {
    checkKeys(j, where, {"off", "on", "stored", "active", "blink"});
    const std::string w = where;
    if (j.contains("off")) base.off = intIn(j, w, "off", 0, 127);
    if (j.contains("on")) base.on = intIn(j, w, "on", 0, 127);
    if (j.contains("stored")) base.stored = intIn(j, w, "stored", 0, 127);
    if (j.contains("active")) base.active = intIn(j, w, "active", 0, 127);
    if (j.contains("blink")) {
        if (!j["blink"].is_boolean()) fail(where + "\"blink\" must be true or false");
        base.blink = j["blink"].get<bool>();
    }
    return base;
}

json ledTo(const LedStyle& led) {
    return {{"off", led.off},
            {"on", led.on},
            {"stored", led.stored},
            {"active", led.active},
            {"blink", led.blink}};
}

MidiBinding bindingFrom(const json& j, int index, const MidiProfile& profile) {
    const std::string where = "binding " + std::to_string(index + 1) + ": ";
    if (!j.is_object()) fail(where + "must be a JSON object");
    checkKeys(j, where,
              {"cc", "lsb", "note", "pitch_bend", "channel", "param", "min", "max", "curve", "mode",
               "step", "value", "transform", "action", "slot", "led", "label"});
    MidiBinding b;
    const int sources =
        int(j.contains("cc")) + int(j.contains("note")) + int(j.contains("pitch_bend"));
    if (sources != 1) fail(where + "needs exactly one of \"cc\", \"note\", \"pitch_bend\"");
    if (j.contains("cc")) {
        b.source = MidiSource::ControlChange;
        b.number = intIn(j, where, "cc", 0, 127);
    } else if (j.contains("note")) {
        b.source = MidiSource::Note;
        b.number = intIn(j, where, "note", 0, 127);
    } else {
        if (!j["pitch_bend"].is_boolean() || !j["pitch_bend"].get<bool>())
            fail(where + "\"pitch_bend\" must be true");
        b.source = MidiSource::PitchBend;
    }
    if (j.contains("lsb")) {
        if (b.source != MidiSource::ControlChange) fail(where + "\"lsb\" needs \"cc\"");
        b.lsbNumber = intIn(j, where, "lsb", 0, 127);
        if (b.lsbNumber == b.number) fail(where + "\"lsb\" must differ from \"cc\"");
    }
    b.channel = j.contains("channel") ? channelFrom(j["channel"], where) : profile.channel;
    if (j.contains("label")) b.label = str(j, where, "label");

    const bool hasParam = j.contains("param");
    const bool hasAction = j.contains("action");
    if (hasParam == hasAction) fail(where + "needs exactly one of \"param\" and \"action\"");

    if (hasParam) {
        b.param = str(j, where, "param");
        if (b.param.empty()) fail(where + "\"param\" is empty");
        if (j.contains("min")) b.min = finite(j, where, "min");
        if (j.contains("max")) b.max = finite(j, where, "max");
        if (b.min && b.max && *b.min == *b.max) fail(where + "\"min\" and \"max\" are equal");
        if (j.contains("curve")) {
            const auto curve = curveFromName(str(j, where, "curve"));
            if (!curve)
                fail(where + "unknown curve " + j["curve"].dump() +
                     " (linear, square, sqrt, smooth)");
            b.curve = *curve;
        }
        b.mode = b.source == MidiSource::Note ? MidiMode::Momentary : MidiMode::Absolute;
        if (j.contains("mode")) {
            const auto mode = midiModeFromName(str(j, where, "mode"));
            if (!mode) fail(where + "unknown mode " + j["mode"].dump());
            b.mode = *mode;
        }
        const bool button =
            b.mode == MidiMode::Momentary || b.mode == MidiMode::Toggle || b.mode == MidiMode::Set;
        if (b.source == MidiSource::Note && !button)
            fail(where + "a note can only be \"momentary\", \"toggle\" or \"set\"");
        if (b.source == MidiSource::PitchBend && b.mode != MidiMode::Absolute)
            fail(where + "pitch bend can only be \"absolute\"");
        if (b.lsbNumber >= 0 && b.mode != MidiMode::Absolute)
            fail(where + "a 14-bit CC can only be \"absolute\"");
        if (j.contains("step")) {
            b.step = finite(j, where, "step");
            if (b.step <= 0.0f || b.step > 1.0f) fail(where + "\"step\" must be in (0, 1]");
        }
        if (b.mode == MidiMode::Set) {
            if (!j.contains("value")) fail(where + "mode \"set\" needs a \"value\"");
            b.value = finite(j, where, "value");
        } else if (j.contains("value")) {
            fail(where + "\"value\" is only for mode \"set\"");
        }
        if (j.contains("transform")) {
            b.transform = str(j, where, "transform");
            if (!validTransformName(b.transform))
                fail(where + "transform names are 1..32 of a-z, 0-9, _");
        }
        if (j.contains("slot")) fail(where + "\"slot\" is only for action \"preset\"");
    } else {
        const std::string action = str(j, where, "action");
        if (action == "preset") {
            b.action = BindingAction::Preset;
            if (!j.contains("slot")) fail(where + "action \"preset\" needs a \"slot\"");
            b.slot = intIn(j, where, "slot", 1, MidiProfile::kMaxSlots) - 1;
        } else if (action == "shift") {
            b.action = BindingAction::Shift;
        } else if (action == "transform") {
            b.action = BindingAction::Transform;
            if (!j.contains("transform"))
                fail(where + "action \"transform\" needs a \"transform\"");
            b.transform = str(j, where, "transform");
            if (!validTransformName(b.transform))
                fail(where + "transform names are 1..32 of a-z, 0-9, _");
        } else if (action == "release") {
            b.action = BindingAction::Release;
        } else if (action == "record") {
            b.action = BindingAction::Record;
        } else {
            fail(where + "unknown action \"" + action +
                 "\" (preset, shift, transform, release, record)");
        }
        if (b.source == MidiSource::PitchBend) fail(where + "pitch bend cannot be a button");
        if (b.lsbNumber >= 0) fail(where + "a button cannot be a 14-bit CC");
        b.mode = MidiMode::Toggle;
        if (j.contains("mode")) {
            const std::string mode = str(j, where, "mode");
            if (b.action != BindingAction::Transform || (mode != "toggle" && mode != "momentary"))
                fail(where + "only action \"transform\" has a mode (toggle or momentary)");
            b.mode = mode == "toggle" ? MidiMode::Toggle : MidiMode::Momentary;
        }
        for (const char* key : {"min", "max", "curve", "step", "value"})
            if (j.contains(key)) fail(where + "\"" + key + "\" is only for parameter bindings");
        if (b.action != BindingAction::Preset && j.contains("slot"))
            fail(where + "\"slot\" is only for action \"preset\"");
        if (b.action != BindingAction::Transform && j.contains("transform"))
            fail(where + "\"transform\" on an action is only for action \"transform\"");
    }

    if (j.contains("led")) {
        const json& led = j["led"];
        if (led.is_boolean()) {
            b.ledEnabled = led.get<bool>();
        } else if (led.is_object()) {
            b.led = ledFrom(led, where + "led: ", profile.leds);
        } else {
            fail(where + "\"led\" must be true, false or an object");
        }
    }
    return b;
}

bool channelsOverlap(int a, int b) {
    return a < 0 || b < 0 || a == b;
}

}  // namespace

bool MidiBinding::isButton() const noexcept {
    return action != BindingAction::None || mode == MidiMode::Momentary ||
           mode == MidiMode::Toggle || mode == MidiMode::Set;
}

bool MidiBinding::sameControl(const MidiBinding& o) const noexcept {
    return source == o.source && channelsOverlap(channel, o.channel) &&
           (source == MidiSource::PitchBend || number == o.number);
}

std::string MidiBinding::describeControl() const {
    std::string s;
    switch (source) {
        case MidiSource::ControlChange:
            s = "CC " + std::to_string(number);
            if (lsbNumber >= 0) s += "/" + std::to_string(lsbNumber);
            break;
        case MidiSource::Note:
            s = "note " + std::to_string(number);
            break;
        case MidiSource::PitchBend:
            s = "pitch bend";
            break;
    }
    return s + (channel < 0 ? " any ch" : " ch " + std::to_string(channel + 1));
}

const char* midiModeName(MidiMode mode) noexcept {
    return kModeNames[static_cast<std::size_t>(mode)];
}

std::optional<MidiMode> midiModeFromName(std::string_view name) noexcept {
    for (std::size_t i = 0; i < kModeNames.size(); ++i)
        if (name == kModeNames[i]) return static_cast<MidiMode>(i);
    return std::nullopt;
}

const char* bindingActionName(BindingAction action) noexcept {
    return kActionNames[static_cast<std::size_t>(action)];
}

void MidiProfile::validate() const {
    if (!(longPressSec > 0.0 && longPressSec < 10.0)) fail("\"long_press_sec\" must be in (0, 10)");
    if (!(blinkHz > 0.0 && blinkHz <= 20.0)) fail("\"blink_hz\" must be in (0, 20]");
    std::set<std::string> transforms;
    for (std::size_t i = 0; i < bindings.size(); ++i) {
        const MidiBinding& a = bindings[i];
        const std::string where =
            "binding " + std::to_string(i + 1) + " (" + a.describeControl() + "): ";
        if (a.number < 0 || a.number > 127 || a.channel < -1 || a.channel > 15 ||
            a.lsbNumber > 127 ||
            (a.action == BindingAction::Preset && (a.slot < 0 || a.slot >= kMaxSlots)))
            fail(where + "number, channel or slot out of range");
        if (a.action == BindingAction::None && a.param.empty()) fail(where + "no parameter");
        if (!a.transform.empty()) transforms.insert(a.transform);
        for (std::size_t k = 0; k < i; ++k) {
            const MidiBinding& b = bindings[k];
            const bool gatedA = a.action == BindingAction::None && !a.transform.empty();
            const bool gatedB = b.action == BindingAction::None && !b.transform.empty();
            if (a.sameControl(b) && gatedA == gatedB)
                fail(where + "the control is already bound by binding " + std::to_string(k + 1) +
                     (gatedA ? " (one gated binding per control)" : ""));
            // The low 7 bits of a 14-bit pair cannot drive anything else.
            auto lsbClash = [](const MidiBinding& x, const MidiBinding& y) {
                return x.lsbNumber >= 0 && y.source == MidiSource::ControlChange &&
                       channelsOverlap(x.channel, y.channel) &&
                       (y.number == x.lsbNumber || y.lsbNumber == x.lsbNumber);
            };
            if (lsbClash(a, b) || lsbClash(b, a))
                fail(where + "clashes with the 14-bit pair of binding " + std::to_string(k + 1));
        }
    }
    if (transforms.size() > static_cast<std::size_t>(kMaxTransforms))
        fail("more than " + std::to_string(kMaxTransforms) + " transforms");
}

MidiProfile MidiProfile::fromJson(const json& j) {
    if (!j.is_object()) fail("a profile must be a JSON object");
    if (!j.contains("format") || j["format"] != kFormat)
        fail("not an autolume MIDI profile (no \"format\": \"autolume-midi-profile\")");
    if (!j.contains("version") || !j["version"].is_number_integer() || j["version"] < 1 ||
        j["version"] > kFormatVersion)
        fail("profile version " + (j.contains("version") ? j["version"].dump() : "missing") +
             " is not one this autolume reads (" + std::to_string(kFormatVersion) + ")");
    checkKeys(j, "",
              {"format", "version", "name", "description", "port", "channel", "long_press_sec",
               "blink_hz", "takeover", "leds", "bindings"});
    MidiProfile p;
    if (j.contains("name")) p.name = str(j, "", "name");
    if (j.contains("description")) p.description = str(j, "", "description");
    if (j.contains("port")) p.port = str(j, "", "port");
    if (j.contains("channel")) p.channel = channelFrom(j["channel"], "");
    if (j.contains("long_press_sec")) p.longPressSec = finiteDouble(j, "", "long_press_sec");
    if (j.contains("blink_hz")) p.blinkHz = finiteDouble(j, "", "blink_hz");
    if (j.contains("takeover")) {
        const json& t = j["takeover"];
        if (!t.is_string() || (t != "jump" && t != "pickup"))
            throw std::invalid_argument("\"takeover\" must be \"jump\" or \"pickup\"");
        p.pickup = t == "pickup";
    }
    if (j.contains("leds")) {
        if (!j["leds"].is_object()) fail("\"leds\" must be an object");
        p.leds = ledFrom(j["leds"], "leds: ", LedStyle{});
    }
    if (!j.contains("bindings") || !j["bindings"].is_array()) fail("\"bindings\" must be an array");
    const json& bindings = j["bindings"];
    for (std::size_t i = 0; i < bindings.size(); ++i)
        p.bindings.push_back(bindingFrom(bindings[i], static_cast<int>(i), p));
    p.validate();
    return p;
}

json MidiProfile::toJson() const {
    json list = json::array();
    for (const MidiBinding& b : bindings) {
        json e = json::object();
        switch (b.source) {
            case MidiSource::ControlChange:
                e["cc"] = b.number;
                if (b.lsbNumber >= 0) e["lsb"] = b.lsbNumber;
                break;
            case MidiSource::Note:
                e["note"] = b.number;
                break;
            case MidiSource::PitchBend:
                e["pitch_bend"] = true;
                break;
        }
        if (b.channel != channel) e["channel"] = channelTo(b.channel);
        if (b.action == BindingAction::None) {
            e["param"] = b.param;
            if (b.min) e["min"] = *b.min;
            if (b.max) e["max"] = *b.max;
            if (b.curve != Curve::Linear) e["curve"] = curveName(b.curve);
            e["mode"] = midiModeName(b.mode);
            if (b.step != 1.0f / 127.0f) e["step"] = b.step;
            if (b.mode == MidiMode::Set) e["value"] = b.value;
            if (!b.transform.empty()) e["transform"] = b.transform;
        } else {
            e["action"] = bindingActionName(b.action);
            if (b.action == BindingAction::Preset) e["slot"] = b.slot + 1;
            if (b.action == BindingAction::Transform) {
                e["transform"] = b.transform;
                if (b.mode == MidiMode::Momentary) e["mode"] = "momentary";
            }
        }
        if (!b.ledEnabled)
            e["led"] = false;
        else if (b.led && !(*b.led == leds))
            e["led"] = ledTo(*b.led);
        if (!b.label.empty()) e["label"] = b.label;
        list.push_back(e);
    }
    json doc = {{"format", kFormat},
                {"version", kFormatVersion},
                {"name", name},
                {"description", description},
                {"port", port},
                {"channel", channelTo(channel)},
                {"long_press_sec", longPressSec},
                {"blink_hz", blinkHz},
                {"takeover", pickup ? "pickup" : "jump"},
                {"leds", ledTo(leds)},
                {"bindings", list}};
    return doc;
}

MidiProfile MidiProfile::load(const fs::path& path) {
    const json doc = io::readJsonFile(path);
    try {
        return fromJson(doc);
    } catch (const std::exception& e) {
        throw std::runtime_error(path.string() + ": " + e.what());
    }
}

void MidiProfile::save(const fs::path& path) const {
    validate();
    // One binding per line: learned maps stay readable and diffable.
    const json doc = toJson();
    std::string text = "{\n";
    bool first = true;
    for (const auto& [key, value] : doc.items()) {
        if (key == "bindings") continue;
        text += (first ? " " : ",\n ") + json(key).dump() + ": " + value.dump();
        first = false;
    }
    text += ",\n \"bindings\": [";
    const json& list = doc["bindings"];
    for (std::size_t i = 0; i < list.size(); ++i) text += (i ? ",\n  " : "\n  ") + list[i].dump();
    text += "\n ]\n}\n";

    io::writeTextFileAtomic(path, text);
}

}  // namespace autolume::control
