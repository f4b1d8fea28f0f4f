// MIDI messages as a port delivers them, and their parsing into typed events. Pure logic, no
// MIDI system: the hardware side (autolume_midi) copies raw bytes into MidiMessage in its
// RtMidi callback; the control thread parses them here.
//
// RtMidi hands over whole messages (never running status), so anything that is not exactly one
// well-formed channel or system message is rejected with a reason, to be counted: wrong
// lengths, data bytes >= 0x80, system exclusive, undefined status bytes.
//
// Thread contract: plain values and noexcept functions without allocation: any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace autolume::control {

// One message of at most three bytes. `length` is what the port delivered: a longer message
// (SysEx, garbage) keeps its first three bytes and its true length, so the parser can reject
// and count it.
struct MidiMessage {
    std::array<std::uint8_t, 3> bytes{};
    std::uint16_t length = 0;

    static MidiMessage fromBytes(const std::uint8_t* data, std::size_t size) noexcept;
    // channel 0..15; values are masked to 7 bits.
    static MidiMessage controlChange(int channel, int controller, int value) noexcept;
    static MidiMessage noteOn(int channel, int note, int velocity) noexcept;
    static MidiMessage noteOff(int channel, int note) noexcept;
    static MidiMessage pitchBend(int channel, int value14) noexcept;  // 0..16383, 8192 centre

    bool operator==(const MidiMessage&) const = default;
};

enum class MidiKind : std::uint8_t {
    NoteOff,  // also note-on with velocity 0
    NoteOn,
    PolyPressure,
    ControlChange,
    ProgramChange,
    ChannelPressure,
    PitchBend,
    System,  // valid system common / real-time message (clock, start, ...): not mapped
};

enum class MidiError : std::uint8_t {
    None,
    Empty,          // zero bytes
    NoStatus,       // first byte is a data byte (running status is not used by RtMidi)
    Partial,        // fewer bytes than the status needs
    TooLong,        // more bytes than the status needs
    BadDataByte,    // a data byte >= 0x80
    SysEx,          // system exclusive (F0 ... F7, or a stray F7): not supported
    UnknownStatus,  // undefined status (F4, F5, F9, FD)
};
inline constexpr std::size_t kMidiErrorCount = 8;

struct MidiEvent {
    MidiKind kind = MidiKind::System;
    std::uint8_t channel = 0;  // 0..15 (0 for system messages)
    std::uint8_t number = 0;   // note or controller number; status byte for System
    std::uint16_t value = 0;   // velocity / controller value 0..127; pitch bend 0..16383
};

struct MidiParse {
    MidiError error = MidiError::None;
    MidiEvent event;
};

MidiParse parseMidi(const MidiMessage& message) noexcept;
const char* midiErrorName(MidiError error) noexcept;

}  // namespace autolume::control
