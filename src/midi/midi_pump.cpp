#include "autolume/midi/midi_pump.hpp"

namespace autolume::midi {

std::size_t MidiPump::run(MidiDevice& device, control::MidiMapper& mapper,
                          double timeSec) noexcept {
    // A port that was (re)bound has a device with unknown LED state: send them all.
    const std::uint32_t epoch = device.outputEpoch();
    if (epoch != m_epoch) {
        m_epoch = epoch;
        mapper.refreshLeds();
    }
    std::size_t handled = 0;
    RawMidi raw;
    while (device.pop(raw)) {
        mapper.handle(raw.message, timeSec);
        m_lastArrivalNs = raw.steadyNs;
        ++handled;
    }
    mapper.tick(timeSec);
    for (const control::MidiMessage& m : mapper.ledMessages()) device.send(m);
    mapper.clearLeds();
    return handled;
}

}  // namespace autolume::midi
