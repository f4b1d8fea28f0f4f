// Live capture through PortAudio's JACK host API with no sound card: each test starts its own
// JACK dummy server, plays a 1 kHz tone from a JACK client in this process into the app's
// PortAudio input ports, and checks what makeCaptureSource() delivers into the ring.
//
// jackd 1.9.21 can stall a client forever when clients come and go while it starts, so the
// tests wait for jackd's own "driver running" log line, open their client with a timeout, and
// start over once with a fresh server. If JACK cannot run at all the tests fail; they never skip.
#include <fcntl.h>
#include <jack/jack.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "autolume/audio/capture.hpp"
#include "autolume/audio/spsc_ring.hpp"

namespace autolume::audio {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr double kRate = 48000.0;
constexpr double kToneHz = 1000.0;
constexpr float kToneAmplitude = 0.5f;
constexpr const char* kJackHostApi = "JACK Audio Connection Kit";
// The JACK client name capture.cpp gives PortAudio; its input ports are "<name>:in_<n>".
constexpr const char* kAppPortsRegex = "^autolume:in_[0-9]+$";

fs::path scratchDir() {
    const fs::path dir = fs::path(AUTOLUME_TEST_TMP) / "capture_jack";
    fs::create_directories(dir);
    return dir;
}

std::string readTail(const fs::path& path, std::size_t maxChars = 1500) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string all = ss.str();
    return all.size() > maxChars ? "..." + all.substr(all.size() - maxChars) : all;
}

// One jackd process with the dummy driver, killed (and waited for) by the destructor.
class JackServer {
  public:
    // Starts jackd under `name` and waits until its driver thread runs. Throws with the reason
    // and jackd's log if it does not come up in time.
    explicit JackServer(std::string name)
        : m_name(std::move(name)),
          m_log(scratchDir() / (m_name + "_" + std::to_string(::getpid()) + "_" +
                                std::to_string(s_starts++) + ".log")) {
        // A fresh log per start: the readiness check must never see an earlier server's lines.
        fs::remove(m_log);
        // Both jackd and every client in this process (PortAudio's, the tone's) use this name.
        ::setenv("JACK_DEFAULT_SERVER", m_name.c_str(), 1);
        ::setenv("JACK_NO_START_SERVER", "1", 1);
        // jackd -v (for its "ready" line) makes every client verbose too; keep errors only.
        jack_set_info_function([](const char*) {});
        const std::string logPath = m_log.string();
        // argv is built before fork(): the child may only call async-signal-safe functions.
        std::vector<std::string> args{"jackd",         "-v", "-n",    m_name,
                                      "--no-realtime", "-d", "dummy", "-r",
                                      "48000",         "-p", "256"};
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
        // A killed jackd leaves its sockets and semaphores behind; the name is never reused.
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator("/dev/shm", ec)) {
            if (entry.path().filename().string().find("_" + m_name + "_") != std::string::npos) {
                fs::remove(entry.path(), ec);
            }
        }
    }

    const std::string& name() const { return m_name; }
    std::string log() const { return readTail(m_log); }

  private:
    static inline int s_starts = 0;
    std::string m_name;
    fs::path m_log;
    pid_t m_pid = -1;
};

// A JACK client in this process that plays a sine on its port "out".
class ToneClient {
  public:
    // Opens the client with a timeout (a stalled jack_client_open never returns by itself:
    // killing the server releases it). Throws with the reason.
    ToneClient(JackServer& server, const std::string& name) {
        struct Opening {
            std::atomic<bool> done{false};
            jack_client_t* client = nullptr;
            jack_status_t status{};
        };
        auto opening = std::make_shared<Opening>();
        std::thread opener([opening, name] {
            opening->client = jack_client_open(name.c_str(), JackNoStartServer, &opening->status);
            opening->done.store(true, std::memory_order_release);
        });
        const auto deadline = Clock::now() + 5s;
        while (!opening->done.load(std::memory_order_acquire) && Clock::now() < deadline) {
            std::this_thread::sleep_for(10ms);
        }
        if (!opening->done.load(std::memory_order_acquire)) {
            server.terminate(SIGKILL);
            opener.detach();  // returns once the server is gone; `opening` keeps its state alive
            throw std::runtime_error(
                "jack_client_open stalled for 5 s (jackd 1.9.21 start-up "
                "race)");
        }
        opener.join();
        m_client = opening->client;
        if (!m_client) {
            throw std::runtime_error("jack_client_open failed (status 0x" + toHex(opening->status) +
                                     "). jackd log: " + server.log());
        }
        m_phaseStep = kToneHz / jack_get_sample_rate(m_client);
        m_port = jack_port_register(m_client, "out", JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
        if (!m_port || jack_set_process_callback(m_client, &process, this) != 0 ||
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
    std::string portName() const { return jack_port_name(m_port); }

  private:
    static std::string toHex(unsigned v) {
        std::ostringstream ss;
        ss << std::hex << v;
        return ss.str();
    }

    // JACK's process thread.
    static int process(jack_nframes_t frames, void* arg) noexcept {
        auto* self = static_cast<ToneClient*>(arg);
        auto* out = static_cast<float*>(jack_port_get_buffer(self->m_port, frames));
        for (jack_nframes_t i = 0; i < frames; ++i) {
            out[i] = kToneAmplitude * static_cast<float>(std::sin(2.0 * M_PI * self->m_phase));
            self->m_phase += self->m_phaseStep;
            if (self->m_phase >= 1.0) self->m_phase -= 1.0;
        }
        return 0;
    }

    jack_client_t* m_client = nullptr;
    jack_port_t* m_port = nullptr;
    double m_phase = 0.0;
    double m_phaseStep = 0.0;
};

// Each test gets a fresh jackd and tone client; one retry with a new server if either stalls.
class CaptureJack : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string why;
        for (int attempt = 1; attempt <= 2; ++attempt) {
            try {
                m_server = startServer();
                m_tone = std::make_unique<ToneClient>(*m_server, "test_tone");
                return;
            } catch (const std::exception& e) {
                m_tone.reset();
                m_server.reset();
                why += "attempt " + std::to_string(attempt) + ": " + e.what() + "\n";
            }
        }
        FAIL() << "cannot run a JACK dummy server for the capture test (jackd --no-realtime -d "
                  "dummy -r 48000 -p 256):\n"
               << why;
    }

    // Server names come from a small fixed set rather than being new every run: JACK's shared
    // registry holds 8 servers and frees the entry of a crashed server only when a server of
    // the same name starts again, so fresh names would fill it for good after a few crashes.
    // A name in use by a live server (another test running) is skipped.
    static std::unique_ptr<JackServer> startServer() {
        for (int slot = 0; slot < 8; ++slot) {
            try {
                return std::make_unique<JackServer>("autolume_capture_test_" +
                                                    std::to_string(slot));
            } catch (const JackServer::NameTaken&) {
            }
        }
        throw std::runtime_error("all 8 test server names are taken by running jackd servers");
    }

    void TearDown() override {
        m_tone.reset();
        m_server.reset();
    }

    // Connects the tone to every input port PortAudio registered for the capture stream.
    void connectToneToApp() {
        const char** ports = jack_get_ports(m_tone->client(), kAppPortsRegex,
                                            JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput);
        ASSERT_NE(ports, nullptr) << "no PortAudio input ports matching " << kAppPortsRegex;
        int count = 0;
        for (const char** p = ports; *p; ++p, ++count) {
            EXPECT_EQ(jack_connect(m_tone->client(), m_tone->portName().c_str(), *p), 0)
                << m_tone->portName() << " -> " << *p;
        }
        jack_free(ports);
        EXPECT_EQ(count, 2) << "PortAudio should capture the stereo pair of device 'system'";
    }

    std::unique_ptr<JackServer> m_server;
    std::unique_ptr<ToneClient> m_tone;
};

std::vector<float> popAll(SampleRing& ring) {
    std::vector<float> out(ring.readAvailable());
    out.resize(ring.pop(out.data(), out.size()));
    return out;
}

int risingZeroCrossings(const float* x, std::size_t n) {
    int count = 0;
    for (std::size_t i = 1; i < n; ++i) count += (x[i - 1] < 0.0f && x[i] >= 0.0f) ? 1 : 0;
    return count;
}

// Magnitude of one DFT bin, normalized so a sine of amplitude A gives A.
double toneLevel(const float* x, std::size_t n, double hz) {
    double re = 0.0, im = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double w = 2.0 * M_PI * hz * static_cast<double>(i) / kRate;
        re += x[i] * std::cos(w);
        im -= x[i] * std::sin(w);
    }
    return 2.0 * std::hypot(re, im) / static_cast<double>(n);
}

TEST_F(CaptureJack, CapturesAToneThroughJack) {
    auto source = makeCaptureSource("system");
    EXPECT_EQ(source->info().kind, "capture");
    EXPECT_EQ(source->info().name, "system");
    EXPECT_EQ(source->info().sampleRate, kRate);
    EXPECT_EQ(source->info().channels, 2);

    SampleRing ring(1 << 18);
    ASSERT_TRUE(source->start(ring)) << source->error();
    connectToneToApp();

    constexpr std::size_t kSettle = 24000;
    // Collect until a second of tone has arrived after the connection took effect.
    std::vector<float> got;
    std::size_t toneStart = std::string::npos;
    const auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
        const std::vector<float> chunk = popAll(ring);
        got.insert(got.end(), chunk.begin(), chunk.end());
        if (toneStart == std::string::npos) {
            const auto it =
                std::find_if(got.begin(), got.end(), [](float v) { return std::fabs(v) > 0.01f; });
            if (it != got.end()) toneStart = static_cast<std::size_t>(it - got.begin());
        }
        if (toneStart != std::string::npos && got.size() >= toneStart + kSettle + 48000) break;
    }
    ASSERT_NE(toneStart, std::string::npos)
        << "no sound captured (" << got.size() << " samples, all silent)";
    ASSERT_GE(got.size(), toneStart + kSettle + 48000) << "only " << got.size() << " samples in 10 s";

    // One second of steady tone, half a second after it began: the two ports are connected
    // one after the other, and under load the second connection can take effect a little later.
    const float* x = got.data() + toneStart + kSettle;
    const std::size_t n = 48000;
    EXPECT_NEAR(risingZeroCrossings(x, n), 1000, 2);
    EXPECT_NEAR(toneLevel(x, n, kToneHz), kToneAmplitude, 0.02);
    EXPECT_LT(toneLevel(x, n, 1500.0), 0.01);
    double energy = 0.0;
    for (std::size_t i = 0; i < n; ++i) energy += double(x[i]) * x[i];
    EXPECT_NEAR(std::sqrt(energy / n), kToneAmplitude / std::sqrt(2.0), 0.02);

    EXPECT_EQ(source->overruns(), 0u);
    EXPECT_FALSE(source->failed()) << source->error();
    EXPECT_EQ(source->error(), "");
    source->stop();
}

TEST_F(CaptureJack, ListsTheJackDeviceAndFindsItByIndexOrName) {
    const std::vector<CaptureDevice> devices = listCaptureDevices();
    const auto it = std::find_if(devices.begin(), devices.end(), [](const CaptureDevice& d) {
        return d.name == "system" && d.hostApi == kJackHostApi;
    });
    ASSERT_NE(it, devices.end()) << "JACK's 'system' device is not listed (" << devices.size()
                                 << " inputs)";
    EXPECT_EQ(it->maxInputChannels, 2);
    EXPECT_EQ(it->defaultSampleRate, kRate);
    EXPECT_GE(it->index, 0);

    EXPECT_EQ(makeCaptureSource(std::to_string(it->index))->info().name, "system");
    EXPECT_EQ(makeCaptureSource("SYST")->info().name, "system");  // case-insensitive substring
}

TEST_F(CaptureJack, UnknownDeviceThrowsNamingItAndTheInputs) {
    try {
        makeCaptureSource("Imaginary Interface 9000");
        FAIL() << "expected an exception";
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("'Imaginary Interface 9000'"), std::string::npos) << what;
        EXPECT_NE(what.find("system"), std::string::npos) << "should list the inputs: " << what;
        EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
    }
    EXPECT_THROW(makeCaptureSource("4242"), std::runtime_error);
}

// Keep this test last: PortAudio 19.6 cannot close a JACK stream whose server quit, so the
// source leaves PortAudio initialized (with a dead JACK client) for the rest of this process.
// CTest runs every test in its own process anyway.
TEST_F(CaptureJack, ReportsFailureWhenTheServerVanishes) {
    auto source = makeCaptureSource("system");
    SampleRing ring(1 << 18);
    ASSERT_TRUE(source->start(ring)) << source->error();
    const auto flowing = Clock::now() + 5s;
    while (ring.totalWritten() < 4800 && Clock::now() < flowing) std::this_thread::sleep_for(10ms);
    ASSERT_GE(ring.totalWritten(), 4800u) << "capture never started delivering";
    EXPECT_FALSE(source->failed());

    m_tone.reset();
    m_server->terminate(SIGTERM);  // the sound server quits under the app
    const auto deadline = Clock::now() + 5s;
    while (!source->failed() && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(source->failed());
    EXPECT_NE(source->error().find("'system'"), std::string::npos) << source->error();
    source.reset();  // closing a stream whose server died must not hang or crash
}

}  // namespace
}  // namespace autolume::audio
