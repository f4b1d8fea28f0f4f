// JACK without a sound card, for the integration tests (audio capture and playback, MIDI): a
// jackd with the dummy driver per test, opening clients with a timeout, and small JACK clients
// in the test process that play tones or record what reaches them.
//
// jackd 1.9.21 can stall a client forever when clients come and go while it starts, so the
// fixture waits for jackd's own "driver running" log line, opens clients with a timeout, and
// starts over once with a fresh server. If JACK cannot run at all the tests fail; they never
// skip.
#pragma once

#include <fcntl.h>
#include <jack/jack.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace autolume::test {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A folder under the tests' scratch area (AUTOLUME_TEST_TMP) for one test executable's files.
inline fs::path jackScratchDir(const std::string& name) {
    const fs::path dir = fs::path(AUTOLUME_TEST_TMP) / name;
    fs::create_directories(dir);
    return dir;
}

inline std::string readTail(const fs::path& path, std::size_t maxChars = 1500) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string all = ss.str();
    return all.size() > maxChars ? "..." + all.substr(all.size() - maxChars) : all;
}

inline std::string toHex(unsigned v) {
    std::ostringstream ss;
    ss << std::hex << v;
    return ss.str();
}

// One jackd process with the dummy driver, killed (and waited for) by the destructor.
class JackServer {
  public:
    // Starts jackd under `name` (48 kHz, `periodFrames` per cycle; `extraArgs` are server
    // options such as "-S") and waits until its driver thread runs; its log goes to
    // jackScratchDir(scratch). Throws with the reason and jackd's log if it does not come up in
    // time; NameTaken if a live server has the name.
    JackServer(std::string name, const std::string& scratch,
               const std::vector<std::string>& extraArgs = {}, int periodFrames = 256)
        : m_name(std::move(name)),
          m_log(jackScratchDir(scratch) / (m_name + "_" + std::to_string(::getpid()) + "_" +
                                           std::to_string(s_starts++) + ".log")) {
        // A fresh log per start: the readiness check must never see an earlier server's lines.
        fs::remove(m_log);
        // Both jackd and every client in this process (the app's, the test's) use this name.
        ::setenv("JACK_DEFAULT_SERVER", m_name.c_str(), 1);
        ::setenv("JACK_NO_START_SERVER", "1", 1);
        // jackd -v (for its "ready" line) makes every client verbose too; keep errors only.
        jack_set_info_function([](const char*) {});
        const std::string logPath = m_log.string();
        // argv is built before fork(): the child may only call async-signal-safe functions.
        std::vector<std::string> args{"jackd", "-v", "-n", m_name, "--no-realtime"};
        args.insert(args.end(), extraArgs.begin(), extraArgs.end());
        for (const char* a : {"-d", "dummy", "-r", "48000", "-p"}) args.emplace_back(a);
        args.push_back(std::to_string(periodFrames));
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);

        m_pid = ::fork();
        if (m_pid < 0) throw std::runtime_error("fork failed");
        if (m_pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
            ::setpgid(0, 0);
            const int fd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd >= 0) {
                ::dup2(fd, 1);
                ::dup2(fd, 2);
            }
            ::execvp("jackd", argv.data());
            ::_exit(127);
        }

        const auto deadline = Clock::now() + 10s;
        for (;;) {
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = -1;
                const std::string log = readTail(m_log);
                if (log.find("already active") != std::string::npos) throw NameTaken();
                const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
                throw std::runtime_error(
                    "jackd exited during start-up with code " + std::to_string(code) +
                    (code == 127 ? " (jackd not installed? see scripts/setup)" : "") +
                    ". Log: " + log);
            }
            // Logged by the dummy driver's thread once the server is fully started.
            if (readTail(m_log, 1u << 20).find("JackThreadedDriver::Init") != std::string::npos) {
                return;
            }
            if (Clock::now() > deadline) {
                terminate(SIGTERM);
                throw std::runtime_error("jackd did not start within 10 s. Log: " +
                                         readTail(m_log));
            }
            std::this_thread::sleep_for(20ms);
        }
    }

    // Another live server already has the name.
    struct NameTaken : std::exception {};

    ~JackServer() {
        terminate(SIGTERM);
        std::error_code ec;
        if (!::testing::Test::HasFailure()) fs::remove(m_log, ec);  // kept to debug failures
    }

    JackServer(const JackServer&) = delete;
    JackServer& operator=(const JackServer&) = delete;

    // SIGTERM lets jackd unregister and clean its shared memory; SIGKILL is for a stalled one.
    void terminate(int signal) {
        if (m_pid <= 0) return;
        ::kill(m_pid, signal);
        const auto deadline = Clock::now() + 5s;
        while (::waitpid(m_pid, nullptr, WNOHANG) == 0) {
            if (Clock::now() > deadline) {
                ::kill(m_pid, SIGKILL);
                ::waitpid(m_pid, nullptr, 0);
                break;
            }
            std::this_thread::sleep_for(10ms);
        }
        m_pid = -1;
        // A killed jackd leaves its sockets and semaphores behind; clean them for the next one.
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator("/dev/shm", ec)) {
            if (entry.path().filename().string().find("_" + m_name + "_") != std::string::npos) {
                fs::remove(entry.path(), ec);
            }
        }
    }

    const std::string& name() const { return m_name; }
    std::string log() const { return readTail(m_log); }
    const fs::path& logPath() const { return m_log; }

  private:
    static inline int s_starts = 0;
    std::string m_name;
    fs::path m_log;
    pid_t m_pid = -1;
};

// Starts a server under the first free name of prefix0 .. prefix7. Server names come from a small
// fixed set rather than being new every run: JACK's shared registry holds 8 servers and frees
// the entry of a crashed server only when a server of the same name starts again, so fresh
// names would fill it for good after a few crashes. A name in use by a live server (another
// test running) is skipped.
inline std::unique_ptr<JackServer> startJackServer(const std::string& prefix,
                                                   const std::string& scratch,
                                                   const std::vector<std::string>& extraArgs = {},
                                                   int periodFrames = 256) {
    for (int slot = 0; slot < 8; ++slot) {
        try {
            return std::make_unique<JackServer>(prefix + std::to_string(slot), scratch, extraArgs,
                                                periodFrames);
        } catch (const JackServer::NameTaken&) {
        }
    }
    throw std::runtime_error("all 8 test server names '" + prefix +
                             "N' are taken by running jackd servers");
}

// Runs `open` (a JACK client opening) with a timeout: a stalled jack_client_open never returns
// by itself, and killing the server releases it. Returns what `open` returns, rethrows what it
// throws, and throws naming `what` if it stalls.
template <typename T>
T withTimeout(JackServer& server, const char* what, std::function<T()> open,
              std::chrono::milliseconds timeout = 5000ms) {
    struct Opening {
        std::atomic<bool> done{false};
        T value{};
        std::exception_ptr error;
    };
    auto opening = std::make_shared<Opening>();
    std::thread opener([opening, open = std::move(open)] {
        try {
            opening->value = open();
        } catch (...) {
            opening->error = std::current_exception();
        }
        opening->done.store(true, std::memory_order_release);
    });
    const auto deadline = Clock::now() + timeout;
    while (!opening->done.load(std::memory_order_acquire) && Clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
    }
    if (!opening->done.load(std::memory_order_acquire)) {
        server.terminate(SIGKILL);
        opener.detach();  // returns once the server is gone; `opening` keeps its state alive
        throw std::runtime_error(std::string(what) + " stalled for " +
                                 std::to_string(timeout.count()) +
                                 " ms (jackd 1.9.21 start-up race)");
    }
    opener.join();
    if (opening->error) std::rethrow_exception(opening->error);
    return opening->value;
}

// Opens a plain JACK client named `name` with the timeout above.
inline jack_client_t* openClient(JackServer& server, const std::string& name) {
    // The opening may outlive this call (a stall): it holds copies, never references.
    const fs::path log = server.logPath();
    return withTimeout<jack_client_t*>(
        server, ("opening JACK client " + name).c_str(), [name, log] {
            jack_status_t status{};
            jack_client_t* client = jack_client_open(name.c_str(), JackNoStartServer, &status);
            if (!client) {
                throw std::runtime_error("jack_client_open failed (status 0x" + toHex(status) +
                                         "). jackd log: " + readTail(log));
            }
            return client;
        });
}

// A JACK client in this process that plays one sine per output port ("out_1", "out_2", ...).
class ToneClient {
  public:
    ToneClient(JackServer& server, const std::string& name, std::vector<double> hz,
               float amplitude = 0.5f)
        : m_hz(std::move(hz)), m_amplitude(amplitude), m_phase(m_hz.size(), 0.0) {
        m_client = openClient(server, name);
        const double rate = jack_get_sample_rate(m_client);
        for (std::size_t i = 0; i < m_hz.size(); ++i) {
            m_step.push_back(m_hz[i] / rate);
            const std::string port = "out_" + std::to_string(i + 1);
            m_ports.push_back(jack_port_register(m_client, port.c_str(), JACK_DEFAULT_AUDIO_TYPE,
                                                 JackPortIsOutput, 0));
        }
        if (std::count(m_ports.begin(), m_ports.end(), nullptr) > 0 ||
            jack_set_process_callback(m_client, &process, this) != 0 ||
            jack_activate(m_client) != 0) {
            jack_client_close(m_client);
            throw std::runtime_error("cannot set up the JACK tone client");
        }
    }

    ~ToneClient() {
        jack_deactivate(m_client);
        jack_client_close(m_client);
    }
    ToneClient(const ToneClient&) = delete;
    ToneClient& operator=(const ToneClient&) = delete;

    jack_client_t* client() const { return m_client; }
    std::string portName(std::size_t i = 0) const { return jack_port_name(m_ports.at(i)); }

    // Connects output `i` to every port whose full name matches `regex`; returns how many.
    int connectTo(const std::string& regex, std::size_t i = 0) const {
        const char** ports =
            jack_get_ports(m_client, regex.c_str(), JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput);
        int count = 0;
        for (const char** p = ports; p && *p; ++p) {
            if (jack_connect(m_client, portName(i).c_str(), *p) == 0) ++count;
        }
        jack_free(ports);
        return count;
    }

  private:
    // JACK's process thread.
    static int process(jack_nframes_t frames, void* arg) noexcept {
        auto* self = static_cast<ToneClient*>(arg);
        for (std::size_t p = 0; p < self->m_ports.size(); ++p) {
            auto* out = static_cast<float*>(jack_port_get_buffer(self->m_ports[p], frames));
            for (jack_nframes_t i = 0; i < frames; ++i) {
                out[i] =
                    self->m_amplitude * static_cast<float>(std::sin(2.0 * M_PI * self->m_phase[p]));
                self->m_phase[p] += self->m_step[p];
                if (self->m_phase[p] >= 1.0) self->m_phase[p] -= 1.0;
            }
        }
        return 0;
    }

    std::vector<double> m_hz;
    float m_amplitude;
    std::vector<double> m_phase;
    std::vector<double> m_step;
    std::vector<jack_port_t*> m_ports;
    jack_client_t* m_client = nullptr;
};

// A JACK client in this process that records what reaches its input ports ("in_1", ...) into
// preallocated buffers.
class RecorderClient {
  public:
    RecorderClient(JackServer& server, const std::string& name, int channels,
                   std::size_t capacityFrames)
        : m_buffers(static_cast<std::size_t>(channels), std::vector<float>(capacityFrames, 0.0f)) {
        m_client = openClient(server, name);
        for (int c = 0; c < channels; ++c) {
            const std::string port = "in_" + std::to_string(c + 1);
            m_ports.push_back(jack_port_register(m_client, port.c_str(), JACK_DEFAULT_AUDIO_TYPE,
                                                 JackPortIsInput, 0));
        }
        if (std::count(m_ports.begin(), m_ports.end(), nullptr) > 0 ||
            jack_set_process_callback(m_client, &process, this) != 0 ||
            jack_activate(m_client) != 0) {
            jack_client_close(m_client);
            throw std::runtime_error("cannot set up the JACK recorder client");
        }
    }
    ~RecorderClient() {
        jack_deactivate(m_client);
        jack_client_close(m_client);
    }
    RecorderClient(const RecorderClient&) = delete;
    RecorderClient& operator=(const RecorderClient&) = delete;

    jack_client_t* client() const { return m_client; }
    std::string portName(std::size_t i) const { return jack_port_name(m_ports.at(i)); }
    std::size_t frames() const { return m_frames.load(std::memory_order_acquire); }
    // Call after frames() stopped growing or with a margin behind it.
    const std::vector<float>& channel(std::size_t c) const { return m_buffers.at(c); }

  private:
    static int process(jack_nframes_t frames, void* arg) noexcept {
        auto* self = static_cast<RecorderClient*>(arg);
        const std::size_t at = self->m_frames.load(std::memory_order_relaxed);
        const std::size_t n = std::min<std::size_t>(frames, self->m_buffers[0].size() - at);
        for (std::size_t c = 0; c < self->m_ports.size(); ++c) {
            const auto* in =
                static_cast<const float*>(jack_port_get_buffer(self->m_ports[c], frames));
            std::copy_n(in, n, self->m_buffers[c].data() + at);
        }
        self->m_frames.store(at + n, std::memory_order_release);
        return 0;
    }

    std::vector<std::vector<float>> m_buffers;
    std::vector<jack_port_t*> m_ports;
    std::atomic<std::size_t> m_frames{0};
    jack_client_t* m_client = nullptr;
};

// Rising zero crossings in x[0..n).
inline int risingZeroCrossings(const float* x, std::size_t n) {
    int count = 0;
    for (std::size_t i = 1; i < n; ++i) count += (x[i - 1] < 0.0f && x[i] >= 0.0f) ? 1 : 0;
    return count;
}

// Magnitude of one DFT bin at `hz`, normalized so a sine of amplitude A gives A.
inline double toneLevel(const float* x, std::size_t n, double hz, double rate) {
    double re = 0.0;
    double im = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double w = 2.0 * M_PI * hz * static_cast<double>(i) / rate;
        re += x[i] * std::cos(w);
        im -= x[i] * std::sin(w);
    }
    return 2.0 * std::hypot(re, im) / static_cast<double>(n);
}

}  // namespace autolume::test
