// The control thread's MIDI step, once per hop: what arrived goes through the mapper into the
// parameter registry, and the LEDs go back out (all of them again after a port was (re)bound).
//
//   midi::MidiPump pump;
//   // every hop, on the control thread, before LatentController::step():
//   pump.run(device, mapper, hopTimeSec);
//   for (const control::MidiAction& a : mapper.actions()) { ... recall / store / release ... }
//   mapper.clearActions();
//
// Thread contract: the control thread; noexcept, no allocation (unless a MIDI learn completes).
#pragma once

#include <cstddef>
#include <cstdint>

#include "autolume/control/midi_mapper.hpp"
#include "autolume/midi/midi_device.hpp"

namespace autolume::midi {

class MidiPump {
  public:
    // Handles every waiting message at timeSec (the caller's clock: audio or steady time),
    // advances the mapper's time (long presses, blinking) and queues its LED messages on the
    // device. Returns the number of messages handled.
    std::size_t run(MidiDevice& device, control::MidiMapper& mapper, double timeSec) noexcept;
    // Steady-clock time the newest handled message arrived (RtMidi's callback); 0: none yet.
    std::int64_t lastArrivalNs() const noexcept { return m_lastArrivalNs; }

  private:
    std::uint32_t m_epoch = 0;
    std::int64_t m_lastArrivalNs = 0;
};

}  // namespace autolume::midi
