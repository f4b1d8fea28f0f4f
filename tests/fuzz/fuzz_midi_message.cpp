// Fuzz target: MIDI bytes as a port delivers them (MidiMessage::fromBytes, as the RtMidi
// callback does), through parseMidi and a MidiMapper built from a shipped controller profile.
//
// Input: byte 0 picks the profile; then steps, each a header byte h: h & 7 is the message
// length 0..5, 6 a control step (tick, learn, slot state), 7 a long message (length in the next
// byte, SysEx-like); h >> 3 advances time by that many 10 ms.
// Findings besides sanitizer reports: a parse that breaks MidiEvent's ranges or does not
// round-trip through the MidiMessage constructors, an LED message that is not itself valid
// MIDI, an action with impossible slots, a parameter outside its range.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "autolume/control/latent_controller.hpp"
#include "autolume/control/midi_mapper.hpp"
#include "autolume/control/midi_message.hpp"
#include "autolume/control/midi_profile.hpp"
#include "autolume/control/parameters.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace autolume::control;
using autolume::fuzz::check;

const std::vector<MidiProfile>& profiles() {
    static const std::vector<MidiProfile> all = [] {
        std::vector<MidiProfile> p;
        for (const char* name : {"generic", "korg_nanokontrol2", "akai_apc_mini"})
            p.push_back(
                MidiProfile::load(std::string(AUTOLUME_PRESET_DIR) + "/midi/" + name + ".json"));
        return p;
    }();
    return all;
}

std::string hex(const MidiMessage& m) {
    char s[32];
    std::snprintf(s, sizeof s, "%02x %02x %02x len %u", m.bytes[0], m.bytes[1], m.bytes[2],
                  m.length);
    return s;
}

void checkParse(const MidiMessage& m) {
    const MidiParse p = parseMidi(m);
    const char* name = midiErrorName(p.error);
    check(name != nullptr && std::strcmp(name, "?") != 0, "unnamed MidiError", hex(m));
    if (p.error != MidiError::None) return;
    const MidiEvent& e = p.event;
    check(m.length >= 1 && m.length <= 3, "accepted a message of impossible length", hex(m));
    check(e.channel < 16, "channel out of range", hex(m));
    switch (e.kind) {
        case MidiKind::PitchBend:
            check(e.value < 16384, "pitch bend out of range", hex(m));
            check(MidiMessage::pitchBend(e.channel, e.value) == m, "pitch bend round trip", hex(m));
            break;
        case MidiKind::ControlChange:
            check(MidiMessage::controlChange(e.channel, e.number, e.value) == m, "CC round trip",
                  hex(m));
            break;
        case MidiKind::NoteOn:
            check(e.value > 0 && MidiMessage::noteOn(e.channel, e.number, e.value) == m,
                  "note-on round trip", hex(m));
            break;
        case MidiKind::System:
            check(e.number >= 0xF0 && e.channel == 0, "system message fields", hex(m));
            break;
        default:
            check(e.number < 128 && e.value < 128, "data byte out of range", hex(m));
            break;
    }
}

void checkOutput(const MidiMapper& mapper, const ParameterRegistry& registry) {
    for (const MidiMessage& led : mapper.ledMessages())
        check(parseMidi(led).error == MidiError::None, "LED message is not valid MIDI", hex(led));
    for (const MidiAction& a : mapper.actions()) {
        check(a.slots < (1u << MidiProfile::kMaxSlots), "action names a slot beyond 16");
        if (a.kind == MidiAction::Kind::Store)
            check(std::popcount(a.slots) == 1, "store into other than one slot");
        if (a.kind == MidiAction::Kind::Recall) check(a.slots != 0, "recall of no slot");
        if (a.kind == MidiAction::Kind::Learned)
            check(a.param < registry.size(), "learned an unknown parameter");
    }
    for (ParamId id = 0; id < registry.size(); ++id) {
        const ParamSpec& s = registry.spec(id);
        const float v = registry.base(id);
        check(std::isfinite(v) && v >= s.min && v <= s.max, "parameter outside its range",
              s.name + " = " + std::to_string(v));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const auto& all = profiles();
    ParameterRegistry registry;
    registerControllerParams(registry, LatentShape{});
    MidiMapper mapper(all[in.ConsumeIntegral<std::uint8_t>() % all.size()], registry);

    double timeSec = 0.0;
    std::uint64_t handled = 0;
    while (in.remaining_bytes() > 0) {
        const auto h = in.ConsumeIntegral<std::uint8_t>();
        timeSec += 0.01 * (h >> 3);
        const int op = h & 7;
        if (op == 6) {
            const auto what = in.ConsumeIntegral<std::uint8_t>();
            const auto arg = in.ConsumeIntegral<std::uint16_t>();
            switch (what % 6) {
                case 0:
                    mapper.tick(timeSec);
                    break;
                case 1:
                    mapper.learn(static_cast<ParamId>(arg % registry.size()));
                    break;
                case 2:
                    mapper.cancelLearn();
                    break;
                case 3:
                    mapper.setStoredSlots(arg);
                    break;
                case 4:
                    mapper.setActiveSlots(arg & mapper.storedSlots());
                    break;
                default:
                    mapper.refreshLeds();
                    break;
            }
        } else {
            const std::size_t length = op == 7 ? in.ConsumeIntegral<std::uint8_t>() : op;
            const std::vector<std::uint8_t> bytes = in.ConsumeBytes<std::uint8_t>(length);
            const MidiMessage m = MidiMessage::fromBytes(bytes.data(), bytes.size());
            check(m.length == bytes.size(), "fromBytes lost the length");
            checkParse(m);
            mapper.handle(m, timeSec);
            ++handled;
        }
        checkOutput(mapper, registry);
        // Taken each step, as the control thread does; a full buffer is a counted drop.
        if (h & 0x80) mapper.clearOutput();
    }
    const MidiStats& st = mapper.stats();
    check(st.received == handled, "received count");
    std::uint64_t byError = 0;
    for (std::uint64_t n : st.byError) byError += n;
    check(byError == st.malformed && st.byError[0] == 0, "error counts");
    check(st.applied + st.unmapped + st.malformed <= st.received, "outcome counts");
    return 0;
}
