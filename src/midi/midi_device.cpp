#include "autolume/midi/midi_device.hpp"

// moodycamel's queue, through the header that sets up its TSan annotations.
#include "autolume/util/reader_writer_queue.hpp"

#include <rtmidi/RtMidi.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "autolume/audio/sound_hooks.hpp"

namespace autolume::midi {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct MidiDevice::Shared {
    explicit Shared(MidiDeviceConfig c)
        : config(std::move(c)), input(config.inputCapacity), output(config.outputCapacity) {}

    const MidiDeviceConfig config;
    moodycamel::ReaderWriterQueue<RawMidi> input;  // RtMidi's thread -> control thread
    moodycamel::BlockingReaderWriterQueue<control::MidiMessage> output;  // control -> I/O
    std::atomic<std::uint64_t> inputDropped{0};
    std::atomic<std::uint64_t> outputDropped{0};
    std::atomic<std::uint32_t> epoch{0};
    std::atomic<bool> stop{false};
    std::atomic<bool> exited{false};

    // Written by the I/O thread, read by anyone (status, panel).
    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    bool started = false;
    bool off = false;
    std::string offReason;
    std::string api;
    PortState inState = PortState::Starting;
    PortState outState = PortState::Starting;
    std::string inName, outName;  // bound or virtual port
    std::string inNote, outNote;  // why waiting
};

namespace {

std::string oneLine(std::string text) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    const auto first = text.find_first_not_of(' ');
    const auto last = text.find_last_not_of(' ');
    return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// RtMidi reports construction warnings on std::cerr (no error callback can be set before the
// object exists), and ALSA and JACK print their own failures to stderr. While a MIDI system is
// probed these go to a buffer: the reason ends up in one "MIDI off: ..." line instead. The
// redirection is process-wide, so probes take turns (a device and a port listing may overlap).
class QuietProbe {
  public:
    QuietProbe() : m_turn(s_mutex), m_saved(std::cerr.rdbuf(m_buffer.rdbuf())) {}
    ~QuietProbe() { std::cerr.rdbuf(m_saved); }
    QuietProbe(const QuietProbe&) = delete;
    QuietProbe& operator=(const QuietProbe&) = delete;
    std::string text() const { return m_buffer.str(); }

  private:
    static inline std::mutex s_mutex;  // std::cerr's buffer: one probe at a time
    std::lock_guard<std::mutex> m_turn;
    std::stringstream m_buffer;
    std::streambuf* m_saved;
    audio::QuietSoundHooks m_quiet;  // ALSA's and JACK's own stderr lines
};

struct Opened {
    std::unique_ptr<RtMidiIn> in;
    std::unique_ptr<RtMidiOut> out;
    std::string api;
    std::string reason;  // when nothing opened
};

// The platform's default API first, JACK last (JACK users on a desktop have it bridged to ALSA
// anyway). RtMidi's own "UNSPECIFIED" search cannot be used: it throws at the first API that
// fails (ALSA without a sequencer) and never reaches JACK.
Opened openSystem(MidiSystem system, const std::string& clientName) {
    std::vector<RtMidi::Api> apis;
    if (system == MidiSystem::Jack) {
        apis.push_back(RtMidi::UNIX_JACK);
    } else {
        RtMidi::getCompiledApi(apis);
        std::erase(apis, RtMidi::RTMIDI_DUMMY);
        if (std::erase(apis, RtMidi::UNIX_JACK) > 0) apis.push_back(RtMidi::UNIX_JACK);
    }
    Opened o;
    std::string reasons;
    for (RtMidi::Api api : apis) {
        const std::string name =
            api == RtMidi::UNIX_JACK ? std::string("JACK") : RtMidi::getApiDisplayName(api);
        std::string why;
        try {
            QuietProbe quiet;
            o.in = std::make_unique<RtMidiIn>(api, clientName + "-midi-in", 16);
            o.out = std::make_unique<RtMidiOut>(api, clientName + "-midi-out");
            // RtMidi's JACK backend only warns when it cannot reach a server.
            if (quiet.text().find("JACK server not running") != std::string::npos)
                why = "no server running";
        } catch (const RtMidiError& e) {
            why = oneLine(e.getMessage());
        } catch (const std::exception& e) {
            why = oneLine(e.what());
        }
        if (why.empty()) {
            o.api = name;
            return o;
        }
        o.in.reset();
        o.out.reset();
        reasons += (reasons.empty() ? "" : "; ") + name + ": " + why;
    }
    o.reason = reasons.empty() ? "RtMidi has no usable API" : reasons;
    return o;
}

template <class Port>
std::vector<std::string> portNames(Port& port) {
    std::vector<std::string> names;
    try {
        const unsigned n = port.getPortCount();
        for (unsigned i = 0; i < n; ++i) names.push_back(port.getPortName(i));
    } catch (const std::exception&) {
        // A port list that cannot be read is an empty one; the next rescan tries again.
    }
    return names;
}

std::int64_t steadyNowNs() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

// RtMidi's thread (JACK process callback or ALSA input thread): copy and enqueue, nothing else.
void onInput(double /*deltaSec*/, std::vector<unsigned char>* bytes, void* user) noexcept {
    auto* shared = static_cast<MidiDevice::Shared*>(user);
    RawMidi raw;
    raw.message = control::MidiMessage::fromBytes(bytes->data(), bytes->size());
    raw.steadyNs = steadyNowNs();
    if (!shared->input.try_enqueue(raw))
        shared->inputDropped.fetch_add(1, std::memory_order_relaxed);
}

// Everything the I/O thread does with RtMidi.
class IoThread {
  public:
    explicit IoThread(std::shared_ptr<MidiDevice::Shared> shared) : m_s(std::move(shared)) {}

    void run() {
        open();
        auto nextRescan = Clock::now() + rescanPeriod();
        control::MidiMessage m;
        while (!m_s->stop.load(std::memory_order_acquire)) {
            // Sleeps until a message is queued or the next rescan; the destructor wakes it too.
            const auto wait = std::max(
                std::chrono::duration_cast<std::chrono::microseconds>(nextRescan - Clock::now()),
                std::chrono::microseconds(0));
            if (m_s->output.wait_dequeue_timed(m, wait.count())) {
                do {
                    sendOne(m);
                } while (m_s->output.try_dequeue(m));
            }
            if (Clock::now() >= nextRescan) {
                rescan();
                nextRescan = Clock::now() + rescanPeriod();
            }
        }
        close();
    }

  private:
    std::chrono::microseconds rescanPeriod() const {
        return std::chrono::microseconds(
            static_cast<long long>(std::max(m_s->config.rescanSec, 0.01) * 1e6));
    }

    std::string ownPrefix() const { return m_s->config.clientName + "-midi-"; }

    static void onError(RtMidiError::Type type, const std::string& text, void* user) {
        auto* self = static_cast<IoThread*>(user);
        if (type != RtMidiError::WARNING && type != RtMidiError::DEBUG_WARNING)
            self->m_lastError = oneLine(text);
    }

    void open() {
        Opened o = openSystem(m_s->config.system, m_s->config.clientName);
        std::unique_lock lock(m_s->mutex);
        if (!o.in) {
            m_s->off = true;
            m_s->offReason = "no MIDI system (" + o.reason + ")";
            m_s->inState = m_s->outState = PortState::Off;
            m_s->started = true;
            m_s->changed.notify_all();
            return;
        }
        lock.unlock();
        m_in = std::move(o.in);
        m_out = std::move(o.out);
        try {
            m_in->setErrorCallback(&IoThread::onError, this);
            m_out->setErrorCallback(&IoThread::onError, this);
            m_in->ignoreTypes(false, true, true);  // SysEx reaches the parser, to be counted
            m_in->setCallback(&onInput, m_s.get());
        } catch (const std::exception& e) {
            lock.lock();
            m_s->off = true;
            m_s->offReason = oneLine(e.what());
            m_s->inState = m_s->outState = PortState::Off;
            m_s->started = true;
            m_s->changed.notify_all();
            m_in.reset();
            m_out.reset();
            return;
        }
        const PortState in = openInput();
        const PortState out = openOutput();
        lock.lock();
        m_s->api = o.api;
        m_s->inState = in;
        m_s->outState = out;
        m_s->started = true;
        m_s->changed.notify_all();
    }

    // Binds the port named `wanted` among `names` (ours excluded). Returns the bound full name.
    template <class Port>
    std::string bind(Port& port, const std::string& wanted, const char* ourPortName,
                     std::string& note) {
        const std::vector<std::string> names = portNames(port);
        std::vector<std::string> candidates;
        std::vector<unsigned> indices;
        for (unsigned i = 0; i < names.size(); ++i) {
            if (names[i].empty() || names[i].rfind(ownPrefix(), 0) == 0) continue;
            candidates.push_back(names[i]);
            indices.push_back(i);
        }
        const int k = matchPort(candidates, wanted);
        if (k < 0) {
            note = "not among " + std::to_string(candidates.size()) + " ports";
            return {};
        }
        m_lastError.clear();
        try {
            if (port.isPortOpen()) port.closePort();
            port.openPort(indices[k], ourPortName);
        } catch (const std::exception& e) {
            m_lastError = oneLine(e.what());
        }
        if (!m_lastError.empty() || !port.isPortOpen()) {
            note = "cannot open '" + candidates[k] + "': " + m_lastError;
            return {};
        }
        note.clear();
        return candidates[k];
    }

    template <class Port>
    bool openVirtual(Port& port, const char* ourPortName) {
        m_lastError.clear();
        try {
            port.openVirtualPort(ourPortName);
        } catch (const std::exception& e) {
            m_lastError = oneLine(e.what());
        }
        return m_lastError.empty();
    }

    PortState openInput() {
        std::string note, name;
        PortState state = PortState::Waiting;
        if (m_s->config.inputPort.empty()) {
            if (openVirtual(*m_in, "in")) {
                state = PortState::Virtual;
                name = ownPrefix() + "in:in";
            } else {
                note = "cannot open a virtual port: " + m_lastError;
            }
        } else {
            name = bind(*m_in, m_s->config.inputPort, "in", note);
            if (!name.empty()) state = PortState::Bound;
        }
        setPort(true, state, name, note);
        return state;
    }

    PortState openOutput() {
        std::string note, name;
        PortState state = PortState::Waiting;
        if (m_s->config.outputPort.empty()) {
            if (openVirtual(*m_out, "out")) {
                state = PortState::Virtual;
                name = ownPrefix() + "out:out";
            } else {
                note = "cannot open a virtual port: " + m_lastError;
            }
        } else {
            name = bind(*m_out, m_s->config.outputPort, "out", note);
            if (!name.empty()) state = PortState::Bound;
        }
        setPort(false, state, name, note);
        return state;
    }

    void setPort(bool input, PortState state, const std::string& name, const std::string& note) {
        {
            std::lock_guard lock(m_s->mutex);
            (input ? m_s->inState : m_s->outState) = state;
            (input ? m_s->inName : m_s->outName) = name;
            (input ? m_s->inNote : m_s->outNote) = note;
        }
        (input ? m_inState : m_outState) = state;
        (input ? m_inName : m_outName) = name;
        // A (re)bound output reaches a device whose LEDs show anything: time to send them all.
        if (!input && (state == PortState::Bound || state == PortState::Virtual))
            m_s->epoch.fetch_add(1, std::memory_order_release);
    }

    // A bound port that vanished is closed; a missing one is looked for again.
    template <class Port>
    void rescanOne(Port& port, bool input) {
        const PortState state = input ? m_inState : m_outState;
        if (state == PortState::Bound) {
            const std::vector<std::string> names = portNames(port);
            const std::string& bound = input ? m_inName : m_outName;
            if (std::find(names.begin(), names.end(), bound) != names.end()) return;
            try {
                port.closePort();
            } catch (const std::exception&) {
            }
            setPort(input, PortState::Waiting, {}, "'" + bound + "' went away");
            return;
        }
        if (state != PortState::Waiting) return;
        std::string note;
        const std::string& wanted = input ? m_s->config.inputPort : m_s->config.outputPort;
        const std::string name = bind(port, wanted, input ? "in" : "out", note);
        if (!name.empty()) {
            setPort(input, PortState::Bound, name, {});
        } else {
            std::lock_guard lock(m_s->mutex);
            // Keep "went away" until the port is back: it says more than "not among N ports".
            std::string& current = input ? m_s->inNote : m_s->outNote;
            if (current.find("went away") == std::string::npos) current = note;
        }
    }

    void rescan() {
        if (!m_in) return;
        rescanOne(*m_in, true);
        rescanOne(*m_out, false);
    }

    void sendOne(const control::MidiMessage& m) {
        if (m.length == 0) return;  // the destructor's wake-up
        if (!m_out || (m_outState != PortState::Bound && m_outState != PortState::Virtual)) {
            m_s->outputDropped.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        try {
            m_out->sendMessage(m.bytes.data(), std::min<std::size_t>(m.length, m.bytes.size()));
        } catch (const std::exception&) {
            m_s->outputDropped.fetch_add(1, std::memory_order_relaxed);
        }
    }

    void close() {
        try {
            m_in.reset();  // closes the port and the client; RtMidi's thread stops calling us
            m_out.reset();
        } catch (...) {
        }
    }

    std::shared_ptr<MidiDevice::Shared> m_s;
    std::unique_ptr<RtMidiIn> m_in;
    std::unique_ptr<RtMidiOut> m_out;
    PortState m_inState = PortState::Starting, m_outState = PortState::Starting;
    std::string m_inName, m_outName;
    std::string m_lastError;
};

std::string describe(PortState state, const std::string& name, const std::string& wanted,
                     const std::string& note) {
    switch (state) {
        case PortState::Starting:
            return "starting";
        case PortState::Off:
            return "off";
        case PortState::Virtual:
            return "virtual port '" + name + "'";
        case PortState::Waiting:
            return "waiting for '" + wanted + "'" + (note.empty() ? "" : " (" + note + ")");
        case PortState::Bound:
            return "'" + name + "'";
    }
    return "?";
}

}  // namespace

int matchPort(const std::vector<std::string>& ports, std::string_view wanted) noexcept {
    for (std::size_t i = 0; i < ports.size(); ++i)
        if (ports[i] == wanted) return static_cast<int>(i);
    if (wanted.empty()) return -1;
    try {
        const std::string w = lower(wanted);
        for (std::size_t i = 0; i < ports.size(); ++i)
            if (lower(ports[i]).find(w) != std::string::npos) return static_cast<int>(i);
    } catch (...) {
    }
    return -1;
}

MidiPorts listPorts(MidiSystem system, std::chrono::milliseconds timeout) {
    struct Listing {
        std::mutex mutex;
        std::condition_variable done;
        bool finished = false;
        MidiPorts ports;
    };
    auto listing = std::make_shared<Listing>();
    std::thread worker([listing, system] {
        MidiPorts ports;
        Opened o = openSystem(system, "autolume-list");
        {
            QuietProbe quiet;  // a listing is a probe too: no chatter from the clients closing
            if (o.in) {
                ports.available = true;
                ports.api = o.api;
                ports.inputs = portNames(*o.in);
                ports.outputs = portNames(*o.out);
            } else {
                ports.reason = "no MIDI system (" + o.reason + ")";
            }
            o.in.reset();
            o.out.reset();
        }
        std::lock_guard lock(listing->mutex);
        listing->ports = std::move(ports);
        listing->finished = true;
        listing->done.notify_all();
    });
    std::unique_lock lock(listing->mutex);
    if (!listing->done.wait_for(lock, timeout, [&] { return listing->finished; })) {
        lock.unlock();
        worker.detach();  // a stalled JACK client returns once its server goes; `listing` lives on
        MidiPorts ports;
        ports.reason =
            "the MIDI system did not answer within " + std::to_string(timeout.count()) + " ms";
        return ports;
    }
    MidiPorts ports = std::move(listing->ports);
    lock.unlock();
    worker.join();
    return ports;
}

MidiDevice::MidiDevice(MidiDeviceConfig config)
    : m_shared(std::make_shared<Shared>(std::move(config))) {
    m_thread = std::thread([shared = m_shared] {
        IoThread(shared).run();
        shared->exited.store(true, std::memory_order_release);
    });
}

MidiDevice::~MidiDevice() {
    m_shared->stop.store(true, std::memory_order_release);
    m_shared->output.try_enqueue({});  // wakes the I/O thread now
    // The I/O thread owns every RtMidi object and closes them itself. If the MIDI system has
    // stalled it, it is left behind so the app still quits; `m_shared` keeps its state alive.
    const auto deadline = Clock::now() + 2s;
    while (!m_shared->exited.load(std::memory_order_acquire) && Clock::now() < deadline)
        std::this_thread::sleep_for(2ms);
    if (m_shared->exited.load(std::memory_order_acquire))
        m_thread.join();
    else
        m_thread.detach();
}

bool MidiDevice::pop(RawMidi& out) noexcept {
    return m_shared->input.try_dequeue(out);
}

bool MidiDevice::send(const control::MidiMessage& message) noexcept {
    if (m_shared->output.try_enqueue(message)) return true;
    m_shared->outputDropped.fetch_add(1, std::memory_order_relaxed);
    return false;
}

std::uint32_t MidiDevice::outputEpoch() const noexcept {
    return m_shared->epoch.load(std::memory_order_acquire);
}

std::uint64_t MidiDevice::inputDropped() const noexcept {
    return m_shared->inputDropped.load(std::memory_order_relaxed);
}

std::uint64_t MidiDevice::outputDropped() const noexcept {
    return m_shared->outputDropped.load(std::memory_order_relaxed);
}

bool MidiDevice::waitStarted(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(m_shared->mutex);
    return m_shared->changed.wait_for(lock, timeout, [this] { return m_shared->started; });
}

bool MidiDevice::isOff() const {
    std::lock_guard lock(m_shared->mutex);
    return m_shared->off;
}

PortState MidiDevice::inputState() const {
    std::lock_guard lock(m_shared->mutex);
    return m_shared->inState;
}

PortState MidiDevice::outputState() const {
    std::lock_guard lock(m_shared->mutex);
    return m_shared->outState;
}

std::string MidiDevice::inputName() const {
    std::lock_guard lock(m_shared->mutex);
    return m_shared->inName;
}

std::string MidiDevice::outputName() const {
    std::lock_guard lock(m_shared->mutex);
    return m_shared->outName;
}

std::string MidiDevice::status() const {
    std::lock_guard lock(m_shared->mutex);
    const Shared& s = *m_shared;
    if (!s.started) return "MIDI: starting";
    if (s.off) return "MIDI off: " + s.offReason;
    return "MIDI (" + s.api +
           ") in: " + describe(s.inState, s.inName, s.config.inputPort, s.inNote) +
           ", out: " + describe(s.outState, s.outName, s.config.outputPort, s.outNote);
}

}  // namespace autolume::midi
