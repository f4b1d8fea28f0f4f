// Native JACK capture; see jack_capture.hpp and capture.hpp.
#include "jack_capture.hpp"

#include <jack/jack.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <stdexcept>
#include <string>
#include <vector>

#include "capture_callback.hpp"

namespace autolume::audio {
namespace {

constexpr std::chrono::milliseconds kStallTimeout{1000};
constexpr std::chrono::milliseconds kFirstCallbackTimeout{5000};

void quietJack(const char*) {}

// JACK prints a paragraph when no server runs; our own error says it in one line.
class QuietJack {
  public:
    QuietJack() : m_error(jack_error_callback), m_info(jack_info_callback) {
        jack_set_error_function(quietJack);
        jack_set_info_function(quietJack);
    }
    ~QuietJack() {
        jack_set_error_function(m_error);
        jack_set_info_function(m_info);
    }

  private:
    void (*m_error)(const char*);
    void (*m_info)(const char*);
};

std::string regexEscape(const std::string& s) {
    std::string out;
    for (const char c : s) {
        if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
        out += c;
    }
    return out;
}

class JackCaptureSource final : public AudioSource {
  public:
    JackCaptureSource(const std::string& device, const CaptureOptions& options)
        : m_label("audio input '" + device + "' (JACK)") {
        jack_status_t status{};
        {
            const QuietJack quiet;
            m_client = jack_client_open(kJackCaptureClient, JackNoStartServer, &status);
        }
        if (!m_client) {
            throw std::runtime_error(m_label + ": cannot connect to the JACK server" +
                                     ((status & JackServerFailed) ? " (is jackd running?)" : ""));
        }
        try {
            setUp(device, options);
        } catch (...) {
            jack_client_close(m_client);
            throw;
        }
    }

    ~JackCaptureSource() override {
        stop();
        // After its server died this returns an error at once; the client is freed either way.
        jack_client_close(m_client);
    }

    void setRecordTap(RecordTap* tap) override {
        if (m_callback) m_callback->setTap(tap);
    }
    bool start(SampleRing& ring) override {
        if (m_serverGone.load(std::memory_order_acquire)) {
            m_error = m_label + ": the JACK server went away; open the device again";
            return false;
        }
        if (m_started) {
            m_error = m_label + ": already started";
            return false;
        }
        m_callback->attach(&ring);
        m_startNs.store(CaptureCallback::nowNs(), std::memory_order_relaxed);
        if (jack_activate(m_client) != 0) {
            m_callback->detach();
            m_error = m_label + ": cannot activate the JACK client";
            return false;
        }
        for (std::size_t i = 0; i < m_ports.size(); ++i) {
            const int rc =
                jack_connect(m_client, m_sourcePorts[i].c_str(), jack_port_name(m_ports[i]));
            if (rc != 0 && rc != EEXIST) {
                m_error = m_label + ": cannot connect " + m_sourcePorts[i];
                jack_deactivate(m_client);
                m_callback->detach();
                return false;
            }
        }
        m_error.clear();
        m_started = true;
        m_running.store(true, std::memory_order_release);
        return true;
    }

    void stop() override {
        if (!m_started) return;
        m_started = false;
        m_running.store(false, std::memory_order_release);
        m_callback->detach();
        if (!m_serverGone.load(std::memory_order_acquire)) jack_deactivate(m_client);
    }

    const SourceInfo& info() const override { return m_info; }

    std::string error() const override {
        if (!m_error.empty()) return m_error;
        if (m_serverGone.load(std::memory_order_acquire)) {
            return m_label + ": the JACK server went away";
        }
        if (failed()) return m_label + ": no audio arriving from the device";
        return {};
    }

    std::uint64_t overruns() const override { return m_callback->overruns(); }

    bool failed() const override {
        if (!m_running.load(std::memory_order_acquire)) return false;
        if (m_serverGone.load(std::memory_order_acquire)) return true;
        const std::int64_t now = CaptureCallback::nowNs();
        const std::int64_t last = m_callback->lastCallbackNs();
        if (last == 0) {
            return now - m_startNs.load(std::memory_order_relaxed) >
                   std::chrono::nanoseconds(kFirstCallbackTimeout).count();
        }
        return now - last > std::chrono::nanoseconds(kStallTimeout).count();
    }

  private:
    void setUp(const std::string& device, const CaptureOptions& options) {
        const char** found = jack_get_ports(m_client, ("^" + regexEscape(device) + ":").c_str(),
                                            JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput);
        std::vector<std::string> devicePorts;
        for (const char** p = found; p && *p; ++p) devicePorts.emplace_back(*p);
        jack_free(found);
        if (devicePorts.empty()) {
            throw std::runtime_error(m_label + ": no such JACK client with capture ports");
        }
        const auto deviceChannels = static_cast<int>(devicePorts.size());
        // Validate and expand the selection against the device, then capture exactly the
        // selected ports (one of ours each) and route those.
        const ChannelRouter selected(deviceChannels, options.channels, 2);
        for (const int c : selected.channels()) m_sourcePorts.push_back(devicePorts[c]);
        const auto captured = static_cast<int>(m_sourcePorts.size());
        ChannelSelection own;
        own.stems = selected.stems();
        for (int c = 0; c < captured; ++c) own.channels.push_back(c);
        m_callback = std::make_unique<CaptureCallback>(captured, own, captured);

        const double rate = jack_get_sample_rate(m_client);
        if (options.sampleRate > 0.0 && options.sampleRate != rate) {
            throw std::runtime_error(m_label + ": the JACK server runs at " +
                                     std::to_string(static_cast<long>(rate)) + " Hz, not " +
                                     std::to_string(static_cast<long>(options.sampleRate)));
        }
        for (int c = 0; c < captured; ++c) {
            const std::string name = "in_" + std::to_string(c + 1);
            jack_port_t* port = jack_port_register(m_client, name.c_str(), JACK_DEFAULT_AUDIO_TYPE,
                                                   JackPortIsInput, 0);
            if (!port) throw std::runtime_error(m_label + ": cannot register port " + name);
            m_ports.push_back(port);
        }
        m_buffers.assign(m_ports.size(), nullptr);
        if (jack_set_process_callback(m_client, &JackCaptureSource::process, this) != 0) {
            throw std::runtime_error(m_label + ": cannot set the JACK process callback");
        }
        jack_on_info_shutdown(m_client, &JackCaptureSource::onShutdown, this);

        m_info.kind = "capture";
        m_info.name = device;
        m_info.sampleRate = rate;
        m_info.channels = deviceChannels;
        m_info.ringChannels = m_callback->router().outputChannels();
        m_info.note = "captured through JACK as client '" +
                      std::string(jack_get_client_name(m_client)) + "', channels " +
                      describeChannels(options.channels) + (own.stems ? " as stems" : "");
    }

    // JACK's process thread.
    static int process(jack_nframes_t frames, void* arg) noexcept {
        auto* self = static_cast<JackCaptureSource*>(arg);
        for (std::size_t i = 0; i < self->m_ports.size(); ++i) {
            self->m_buffers[i] =
                static_cast<const float*>(jack_port_get_buffer(self->m_ports[i], frames));
        }
        self->m_callback->onPlanar(self->m_buffers.data(), frames);
        return 0;
    }

    // A JACK thread, when the server shuts down or dies.
    static void onShutdown(jack_status_t, const char*, void* arg) noexcept {
        static_cast<JackCaptureSource*>(arg)->m_serverGone.store(true, std::memory_order_release);
    }

    std::string m_label;
    jack_client_t* m_client = nullptr;
    std::vector<std::string> m_sourcePorts;
    std::vector<jack_port_t*> m_ports;
    std::vector<const float*> m_buffers;  // process thread only
    std::unique_ptr<CaptureCallback> m_callback;
    SourceInfo m_info;
    std::string m_error;
    bool m_started = false;
    std::atomic<bool> m_running{false};
    std::atomic<bool> m_serverGone{false};
    std::atomic<std::int64_t> m_startNs{0};
};

}  // namespace

std::unique_ptr<AudioSource> makeJackCaptureSource(const std::string& client,
                                                   const CaptureOptions& options) {
    try {
        return std::make_unique<JackCaptureSource>(client, options);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error("audio input '" + client + "' (JACK): " + e.what());
    }
}

bool jackServerSettled(double settledSec) {
    const char* name = std::getenv("JACK_DEFAULT_SERVER");
    const std::string path = "/dev/shm/jack_" + std::string(name && *name ? name : "default") +
                             "_" + std::to_string(::getuid()) + "_0";
    struct stat st {};
    // No socket where jackd 2 keeps it: the server is down (opening fails at once, harmlessly)
    // or it is another JACK (PipeWire's) that has no start-up race.
    if (::stat(path.c_str(), &st) != 0) return true;
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    const double age = static_cast<double>(now.tv_sec - st.st_ctim.tv_sec) +
                       static_cast<double>(now.tv_nsec - st.st_ctim.tv_nsec) * 1e-9;
    return age >= settledSec;
}

}  // namespace autolume::audio
