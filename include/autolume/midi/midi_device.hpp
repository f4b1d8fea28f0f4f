// MIDI ports through RtMidi: the controller's input and its LED output, chosen by name, kept
// bound while ports come and go, and never in the way when there is no MIDI system at all.
//
// Which system: RtMidi's default API for the platform (ALSA sequencer on Linux), then JACK
// (RtMidi::UNIX_JACK). Every RtMidiError is caught; with neither the device is off and says why
// ("MIDI off: ..."), and the app runs on without MIDI.
// Ports: by name, exact first, then a case-insensitive substring (our own ports excluded). An
// empty name opens a virtual port for others to connect to (JACK: "<client>-midi-in:in" and
// "<client>-midi-out:out"). A bound port that disappears is looked for every rescanSec and
// re-bound when it returns; outputEpoch() then changes so the LEDs can be sent again.
//
// Threads:
//   - RtMidi's thread (JACK process / ALSA input) calls our callback, which only copies up to
//     3 bytes and a timestamp into a preallocated wait-free SPSC queue; when full the message is
//     dropped and counted. It never allocates, locks, logs or throws.
//   - One MIDI I/O thread, owned by the device, makes every RtMidi call: opening the system and
//     ports, rescans, and sending the LED messages it takes from a second SPSC queue. So a slow
//     or stalled MIDI system (jackd 1.9.21 can stall a client while it starts) never blocks the
//     control thread.
//   - The control thread (one thread): pop(), send(), outputEpoch(), counters. noexcept, no
//     allocation, no locks.
//   - Any thread: status(), waitStarted(), isOff() (these lock a mutex; not for real time).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "autolume/control/midi_message.hpp"

namespace autolume::midi {

// One message from the input and when it arrived (steady clock, nanoseconds).
struct RawMidi {
    control::MidiMessage message;
    std::int64_t steadyNs = 0;
};

enum class MidiSystem : std::uint8_t {
    Auto,  // the platform's default API, then JACK
    Jack,  // JACK only (tests pin the server through JACK_DEFAULT_SERVER)
};

struct MidiPorts {
    bool available = false;            // a MIDI system answered
    std::string api;                   // "ALSA", "JACK"
    std::string reason;                // why not available
    std::vector<std::string> inputs;   // ports we can read from (controllers)
    std::vector<std::string> outputs;  // ports we can write to (their LEDs)
};

// Lists the ports of the first MIDI system that works. Never throws; gives up after `timeout`
// (a stalled JACK server) and says so in `reason`.
MidiPorts listPorts(MidiSystem system = MidiSystem::Auto,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

// Index of the port named `wanted`: exact, then case-insensitive substring; -1 if none.
int matchPort(const std::vector<std::string>& ports, std::string_view wanted) noexcept;

struct MidiDeviceConfig {
    std::string inputPort;   // name or part of it; empty: a virtual input port
    std::string outputPort;  // for LEDs; empty: a virtual output port
    std::string clientName = "autolume";
    MidiSystem system = MidiSystem::Auto;
    std::size_t inputCapacity = 4096;   // messages between two pop() drains
    std::size_t outputCapacity = 1024;  // LED messages waiting for the I/O thread
    double rescanSec = 0.5;             // how often lost ports are looked for
};

enum class PortState : std::uint8_t {
    Starting,  // the I/O thread has not finished opening yet
    Off,       // no MIDI system
    Virtual,   // a virtual port, for others to connect to
    Waiting,   // the named port is not there (yet, or any more)
    Bound,     // connected to the named port
};

class MidiDevice {
  public:
    // Starts the MIDI I/O thread, which opens the system and the ports. Never throws for MIDI
    // trouble: see status().
    explicit MidiDevice(MidiDeviceConfig config);
    // Stops the I/O thread and closes the ports (waits at most 2 s for a stalled MIDI system).
    // Call it on the control thread (or once that thread has stopped sending).
    ~MidiDevice();
    MidiDevice(const MidiDevice&) = delete;
    MidiDevice& operator=(const MidiDevice&) = delete;

    // --- control thread ---
    // Takes the oldest received message; false when none is waiting.
    bool pop(RawMidi& out) noexcept;
    // Queues a message (LEDs) for the output; false (and counted) if the queue is full.
    bool send(const control::MidiMessage& message) noexcept;
    // Changes whenever the output port is (re)bound: resend the LEDs (MidiMapper::refreshLeds()).
    std::uint32_t outputEpoch() const noexcept;
    std::uint64_t inputDropped() const noexcept;   // queue full or port lost
    std::uint64_t outputDropped() const noexcept;  // queue full or no output port

    // --- any thread ---
    // Waits until the I/O thread has tried to open everything once; false on timeout.
    bool waitStarted(std::chrono::milliseconds timeout) const;
    bool isOff() const;
    PortState inputState() const;
    PortState outputState() const;
    std::string inputName() const;  // the bound port's full name, or the virtual port's
    std::string outputName() const;
    // One line for the log and the panel: "MIDI off: <reason>" or
    // "MIDI (JACK) in: 'x' , out: 'y'" / "... in: waiting for 'x'".
    std::string status() const;

    struct Shared;  // state shared with the I/O thread and RtMidi's callback

  private:
    std::shared_ptr<Shared> m_shared;
    std::thread m_thread;  // the MIDI I/O thread
};

}  // namespace autolume::midi
