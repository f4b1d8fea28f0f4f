// The MIDI parser: every kind of well-formed message, and every malformed or partial one
// rejected with its reason.
#include "autolume/control/midi_message.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace autolume::control;

namespace {

MidiParse parse(std::vector<std::uint8_t> bytes) {
    return parseMidi(MidiMessage::fromBytes(bytes.data(), bytes.size()));
}

}  // namespace

TEST(MidiMessage, ParsesChannelMessages) {
    MidiParse p = parse({0xB3, 7, 100});
    ASSERT_EQ(p.error, MidiError::None);
    EXPECT_EQ(p.event.kind, MidiKind::ControlChange);
    EXPECT_EQ(p.event.channel, 3);
    EXPECT_EQ(p.event.number, 7);
    EXPECT_EQ(p.event.value, 100);

    p = parse({0x90, 60, 1});
    EXPECT_EQ(p.event.kind, MidiKind::NoteOn);
    EXPECT_EQ(p.event.value, 1);
    EXPECT_EQ(parse({0x90, 60, 0}).event.kind, MidiKind::NoteOff);  // velocity 0 is a note-off
    EXPECT_EQ(parse({0x8F, 60, 64}).event.kind, MidiKind::NoteOff);
    EXPECT_EQ(parse({0x8F, 60, 64}).event.channel, 15);
    EXPECT_EQ(parse({0xA0, 60, 9}).event.kind, MidiKind::PolyPressure);

    p = parse({0xC1, 5});
    EXPECT_EQ(p.event.kind, MidiKind::ProgramChange);
    EXPECT_EQ(p.event.number, 5);
    p = parse({0xD2, 99});
    EXPECT_EQ(p.event.kind, MidiKind::ChannelPressure);
    EXPECT_EQ(p.event.value, 99);

    p = parse({0xE0, 0x00, 0x40});
    EXPECT_EQ(p.event.kind, MidiKind::PitchBend);
    EXPECT_EQ(p.event.value, 8192);
    EXPECT_EQ(parse({0xE5, 0x7F, 0x7F}).event.value, 16383);
    EXPECT_EQ(parse({0xE5, 0x01, 0x00}).event.value, 1);  // LSB first
}

TEST(MidiMessage, SystemMessagesAreValidButNotChannelEvents) {
    for (std::uint8_t status : {0xF8, 0xFA, 0xFB, 0xFC, 0xFE, 0xFF, 0xF6}) {
        const MidiParse p = parse({status});
        EXPECT_EQ(p.error, MidiError::None) << int(status);
        EXPECT_EQ(p.event.kind, MidiKind::System);
        EXPECT_EQ(p.event.number, status);
    }
    EXPECT_EQ(parse({0xF1, 0x20}).error, MidiError::None);
    EXPECT_EQ(parse({0xF2, 0x01, 0x02}).error, MidiError::None);
    EXPECT_EQ(parse({0xF3, 0x01}).error, MidiError::None);
}

TEST(MidiMessage, RejectsMalformedAndPartialMessagesWithTheReason) {
    EXPECT_EQ(parse({}).error, MidiError::Empty);
    EXPECT_EQ(parse({0x40, 0x10, 0x20}).error, MidiError::NoStatus);  // running status
    EXPECT_EQ(parse({0x90, 0x40}).error, MidiError::Partial);
    EXPECT_EQ(parse({0xB0}).error, MidiError::Partial);
    EXPECT_EQ(parse({0xE0, 0x00}).error, MidiError::Partial);
    EXPECT_EQ(parse({0xF2, 0x01}).error, MidiError::Partial);
    EXPECT_EQ(parse({0xC0, 0x01, 0x02}).error, MidiError::TooLong);
    EXPECT_EQ(parse({0xF8, 0x00}).error, MidiError::TooLong);
    EXPECT_EQ(parse({0xB0, 0x01, 0x02, 0x03}).error, MidiError::TooLong);
    EXPECT_EQ(parse({0xB0, 0x80, 0x01}).error, MidiError::BadDataByte);
    EXPECT_EQ(parse({0x90, 0x40, 0xFF}).error, MidiError::BadDataByte);
    EXPECT_EQ(parse({0xC0, 0x90}).error, MidiError::BadDataByte);
    EXPECT_EQ(parse({0xF0, 0x7E, 0xF7}).error, MidiError::SysEx);
    EXPECT_EQ(parse({0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7}).error, MidiError::SysEx);
    EXPECT_EQ(parse({0xF7}).error, MidiError::SysEx);
    for (std::uint8_t status : {0xF4, 0xF5, 0xF9, 0xFD})
        EXPECT_EQ(parse({status}).error, MidiError::UnknownStatus) << int(status);
    EXPECT_STREQ(midiErrorName(MidiError::Partial), "partial");
}

TEST(MidiMessage, LongMessagesKeepTheirTrueLength) {
    std::vector<std::uint8_t> sysex(300, 0x11);
    sysex.front() = 0xF0;
    sysex.back() = 0xF7;
    const MidiMessage m = MidiMessage::fromBytes(sysex.data(), sysex.size());
    EXPECT_EQ(m.length, 300);
    EXPECT_EQ(m.bytes[0], 0xF0);
    EXPECT_EQ(parseMidi(m).error, MidiError::SysEx);
}

TEST(MidiMessage, BuildersMakeWellFormedMessages) {
    EXPECT_EQ(MidiMessage::controlChange(2, 7, 127), (MidiMessage{{0xB2, 7, 127}, 3}));
    EXPECT_EQ(MidiMessage::noteOn(0, 64, 5), (MidiMessage{{0x90, 64, 5}, 3}));
    EXPECT_EQ(MidiMessage::noteOff(15, 64), (MidiMessage{{0x8F, 64, 0}, 3}));
    EXPECT_EQ(MidiMessage::controlChange(0, 200, 300).bytes[1], 200 & 0x7F);  // masked, not UB
    const MidiParse bend = parseMidi(MidiMessage::pitchBend(1, 12345));
    EXPECT_EQ(bend.event.kind, MidiKind::PitchBend);
    EXPECT_EQ(bend.event.value, 12345);
}
