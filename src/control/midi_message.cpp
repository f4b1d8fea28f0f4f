#include "autolume/control/midi_message.hpp"

#include <algorithm>
#include <limits>

namespace autolume::control {

namespace {

std::uint8_t statusByte(int high, int channel) noexcept {
    return static_cast<std::uint8_t>(high | (channel & 0x0F));
}

std::uint8_t data7(int value) noexcept {
    return static_cast<std::uint8_t>(value & 0x7F);
}

// Bytes a status needs in total; 0 for SysEx, -1 for undefined statuses.
int expectedLength(std::uint8_t status) noexcept {
    if (status < 0xF0) {
        const std::uint8_t high = status & 0xF0;
        return (high == 0xC0 || high == 0xD0) ? 2 : 3;
    }
    switch (status) {
        case 0xF0:
        case 0xF7:
            return 0;
        case 0xF1:  // MIDI time code quarter frame
        case 0xF3:  // song select
            return 2;
        case 0xF2:  // song position
            return 3;
        case 0xF6:  // tune request
        case 0xF8:  // clock
        case 0xFA:  // start
        case 0xFB:  // continue
        case 0xFC:  // stop
        case 0xFE:  // active sensing
        case 0xFF:  // reset
            return 1;
        default:  // F4, F5, F9, FD: undefined
            return -1;
    }
}

}  // namespace

MidiMessage MidiMessage::fromBytes(const std::uint8_t* data, std::size_t size) noexcept {
    MidiMessage m;
    const std::size_t n = std::min<std::size_t>(size, m.bytes.size());
    for (std::size_t i = 0; i < n; ++i) m.bytes[i] = data[i];
    m.length = static_cast<std::uint16_t>(
        std::min<std::size_t>(size, std::numeric_limits<std::uint16_t>::max()));
    return m;
}

MidiMessage MidiMessage::controlChange(int channel, int controller, int value) noexcept {
    return {{statusByte(0xB0, channel), data7(controller), data7(value)}, 3};
}

MidiMessage MidiMessage::noteOn(int channel, int note, int velocity) noexcept {
    return {{statusByte(0x90, channel), data7(note), data7(velocity)}, 3};
}

MidiMessage MidiMessage::noteOff(int channel, int note) noexcept {
    return {{statusByte(0x80, channel), data7(note), 0}, 3};
}

MidiMessage MidiMessage::pitchBend(int channel, int value14) noexcept {
    const int v = std::clamp(value14, 0, 16383);
    return {{statusByte(0xE0, channel), data7(v), data7(v >> 7)}, 3};
}

MidiParse parseMidi(const MidiMessage& m) noexcept {
    MidiParse out;
    if (m.length == 0) {
        out.error = MidiError::Empty;
        return out;
    }
    const std::uint8_t status = m.bytes[0];
    if (status < 0x80) {
        out.error = MidiError::NoStatus;
        return out;
    }
    const int expected = expectedLength(status);
    if (expected == 0) {
        out.error = MidiError::SysEx;
        return out;
    }
    if (expected < 0) {
        out.error = MidiError::UnknownStatus;
        return out;
    }
    if (m.length < expected) {
        out.error = MidiError::Partial;
        return out;
    }
    if (m.length > expected) {
        out.error = MidiError::TooLong;
        return out;
    }
    for (int i = 1; i < expected; ++i) {
        if (m.bytes[i] >= 0x80) {
            out.error = MidiError::BadDataByte;
            return out;
        }
    }

    MidiEvent& e = out.event;
    if (status >= 0xF0) {
        e.kind = MidiKind::System;
        e.number = status;
        return out;
    }
    e.channel = status & 0x0F;
    e.number = m.bytes[1];
    e.value = expected == 3 ? m.bytes[2] : 0;
    switch (status & 0xF0) {
        case 0x80:
            e.kind = MidiKind::NoteOff;
            break;
        case 0x90:
            e.kind = m.bytes[2] == 0 ? MidiKind::NoteOff : MidiKind::NoteOn;
            break;
        case 0xA0:
            e.kind = MidiKind::PolyPressure;
            break;
        case 0xB0:
            e.kind = MidiKind::ControlChange;
            break;
        case 0xC0:
            e.kind = MidiKind::ProgramChange;
            break;
        case 0xD0:
            e.kind = MidiKind::ChannelPressure;
            e.value = m.bytes[1];
            e.number = 0;
            break;
        default:  // 0xE0
            e.kind = MidiKind::PitchBend;
            e.number = 0;
            e.value = static_cast<std::uint16_t>(m.bytes[1] | (m.bytes[2] << 7));
            break;
    }
    return out;
}

const char* midiErrorName(MidiError error) noexcept {
    switch (error) {
        case MidiError::None:
            return "ok";
        case MidiError::Empty:
            return "empty";
        case MidiError::NoStatus:
            return "no status byte";
        case MidiError::Partial:
            return "partial";
        case MidiError::TooLong:
            return "too long";
        case MidiError::BadDataByte:
            return "data byte >= 0x80";
        case MidiError::SysEx:
            return "sysex";
        case MidiError::UnknownStatus:
            return "unknown status";
    }
    return "?";
}

}  // namespace autolume::control
