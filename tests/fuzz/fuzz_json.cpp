// Fuzz target: the JSON readers. The text goes through parseJsonLimited (16 MiB, 64 levels,
// finite floats) and, when it parses, through each reader of a parsed document: the parameter
// file (ParameterRegistry::fromJson), a preset (PresetBank::parse, on the text as the bank reads
// it) and a MIDI profile (MidiProfile::fromJson, then a MidiMapper made from it).
//
// Documented errors are fine: std::runtime_error from parseJsonLimited and PresetBank::parse,
// std::invalid_argument from the registry, the profile and the mapper, each one line. Findings:
// any other exception, a sanitizer report, a document beyond the limits that parsed, a reader
// that accepts what it then cannot write back and read again the same.
#include <cfloat>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "autolume/control/latent_controller.hpp"
#include "autolume/control/midi_mapper.hpp"
#include "autolume/control/midi_profile.hpp"
#include "autolume/control/parameters.hpp"
#include "autolume/control/preset_bank.hpp"
#include "autolume/io/json_read.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace autolume::control;
using autolume::fuzz::check;
using autolume::fuzz::checkOneLine;
using autolume::fuzz::undocumented;
using nlohmann::json;

// The model the preset seeds were made for (tests/fuzz/corpus/fuzz_json/preset_*.json).
const ModelIdentity kModel{"fuzz", 2, 4, ""};

void checkLimits(const json& j, int depth) {
    check(depth <= autolume::io::kMaxJsonDepth, "parsed deeper than the limit");
    if (j.is_number_float())
        check(std::fabs(j.get<double>()) <= FLT_MAX, "parsed a float beyond range", j.dump());
    if (j.is_structured())
        for (const json& child : j) checkLimits(child, depth + 1);
}

void checkRegistryValues(const ParameterRegistry& r) {
    for (ParamId id = 0; id < r.size(); ++id) {
        const float v = r.base(id);
        check(std::isfinite(v) && v >= r.spec(id).min && v <= r.spec(id).max,
              "parameter outside its range", r.spec(id).name);
    }
}

ParameterRegistry makeRegistry() {
    ParameterRegistry r;
    registerControllerParams(r, LatentShape{});
    return r;
}

// Returns whether the registry took the parameters.
bool readParams(const json& doc, ParameterRegistry& r) {
    try {
        // Refused fields are reported one line each; the rest applied.
        for (const std::string& line : r.fromJson(doc).refused)
            checkOneLine("ParameterRegistry::fromJson refused", line);
    } catch (const std::invalid_argument& e) {
        checkOneLine("ParameterRegistry::fromJson", e.what());
        return false;
    } catch (const std::exception& e) {
        undocumented("ParameterRegistry::fromJson", e);
    }
    checkRegistryValues(r);
    return true;
}

void fuzzParams(const json& doc) {
    ParameterRegistry r = makeRegistry();
    if (!readParams(doc, r)) return;
    // What the app saves must read back to the same values.
    ParameterRegistry again = makeRegistry();
    check(readParams(r.toJson(), again), "saved parameters do not read back");
    check(again.toJson() == r.toJson(), "parameters change on a round trip");
}

// Returns whether the text was a preset for kModel.
bool fuzzPreset(const std::string& text) {
    const PresetBank bank("/nonexistent", kModel);
    Preset p;
    try {
        p = bank.parse(text);
    } catch (const std::runtime_error& e) {
        checkOneLine("PresetBank::parse", e.what());
        return false;
    } catch (const std::exception& e) {
        undocumented("PresetBank::parse", e);
    }
    check(p.ws.size() == static_cast<std::size_t>(kModel.numWs * kModel.wDim), "ws size");
    for (float v : p.ws) check(std::isfinite(v), "non-finite latent");
    Preset again;
    try {
        again = bank.parse(bank.serialize(0, p));
    } catch (const std::exception& e) {
        autolume::fuzz::finding("a parsed preset does not read back", e.what());
    }
    check(again.ws == p.ws && again.label == p.label && again.params == p.params,
          "preset changes on a round trip");
    if (p.params) {  // recalled presets apply their parameters
        ParameterRegistry r = makeRegistry();
        readParams(*p.params, r);
    }
    return true;
}

void fuzzProfile(const json& doc) {
    MidiProfile profile;
    try {
        profile = MidiProfile::fromJson(doc);
    } catch (const std::invalid_argument& e) {
        checkOneLine("MidiProfile::fromJson", e.what());
        return;
    } catch (const std::exception& e) {
        undocumented("MidiProfile::fromJson", e);
    }
    MidiProfile again;
    try {
        again = MidiProfile::fromJson(profile.toJson());
    } catch (const std::exception& e) {
        autolume::fuzz::finding("a valid profile does not read back", e.what());
    }
    check(again.toJson() == profile.toJson(), "profile changes on a round trip");

    ParameterRegistry r = makeRegistry();
    try {
        MidiMapper mapper(std::move(profile), r);
        // Every binding's control once, pressed and released, at both ends of its range.
        double t = 0.0;
        for (const MidiBinding& b : mapper.profile().bindings) {
            const int ch = b.channel < 0 ? 0 : b.channel;
            for (int v : {127, 0}) {
                const MidiMessage m = b.source == MidiSource::ControlChange
                                          ? MidiMessage::controlChange(ch, b.number, v)
                                      : b.source == MidiSource::Note
                                          ? MidiMessage::noteOn(ch, b.number, v)
                                          : MidiMessage::pitchBend(ch, v * 129);
                mapper.handle(m, t += 0.05);
            }
        }
        mapper.tick(t + 1.0);
        for (const MidiMessage& led : mapper.ledMessages())
            check(parseMidi(led).error == MidiError::None, "LED message is not valid MIDI");
        checkRegistryValues(r);
    } catch (const std::invalid_argument& e) {
        checkOneLine("MidiMapper", e.what());
    } catch (const std::exception& e) {
        undocumented("MidiMapper", e);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    json doc;
    try {
        doc = autolume::io::parseJsonLimited(text);
    } catch (const std::runtime_error& e) {
        checkOneLine("parseJsonLimited", e.what());
        check(!fuzzPreset(text), "a preset parsed from text that is no JSON");
        return 0;
    } catch (const std::exception& e) {
        undocumented("parseJsonLimited", e);
    }
    checkLimits(doc, 0);
    fuzzParams(doc);
    fuzzPreset(text);
    fuzzProfile(doc);
    return 0;
}
