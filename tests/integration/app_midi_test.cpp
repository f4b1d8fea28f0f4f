// The live app played with a MIDI controller (issue: MIDI performance control): a fresh JACK
// dummy server and Xvfb per test, the real `autolume` binary, and a simulated Korg nanoKONTROL2
// made of two RtMidi JACK clients (its controls' output, its LEDs' input). The sender moves
// faders and knobs, switches a bend on and presses preset buttons; the app's parameters (saved
// by --params at exit), presets (files) and LEDs (messages back) must follow. Malformed
// messages are ignored and counted. Without any MIDI system the app runs and says MIDI is off.
#include <fcntl.h>
#include <rtmidi/RtMidi.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "autolume/control/midi_message.hpp"
#include "jack_fixture.hpp"
#include "led_log.hpp"

namespace autolume::test {
namespace {

using control::MidiMessage;
constexpr const char* kScratch = "app_midi";
const std::vector<std::string> kServerArgs = {"-S", "-t", "4000"};
constexpr const char* kDevice = "nanoKONTROL2 sim";
// The placeholder (10 ws of 512): the checks below know its shape and preset folder.
const std::string kModel = std::string(AUTOLUME_MODEL_DIR) + "/placeholder.pt";

std::string readAll(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::size_t shotCount(const fs::path& dir) {
    std::error_code ec;
    std::size_t n = 0;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.path().extension() == ".png") ++n;
    return n;
}

// The screenshot numbered `index` (the app names them shot_NNNN_t<audio time>.png).
fs::path shot(const fs::path& dir, std::size_t index) {
    char prefix[32];
    std::snprintf(prefix, sizeof prefix, "shot_%04zu_", index);
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().filename().string().rfind(prefix, 0) == 0) return entry.path();
    return dir / prefix;
}

// Pixels that differ between two PNGs (ImageMagick's compare -metric AE); -1 on failure.
long differingPixels(const fs::path& a, const fs::path& b) {
    const std::string cmd =
        "/usr/bin/compare -metric AE '" + a.string() + "' '" + b.string() + "' null: 2>&1";
    std::FILE* pipe = ::popen(cmd.c_str(), "r");
    if (!pipe) return -1;
    char buffer[128] = {};
    const std::size_t n = std::fread(buffer, 1, sizeof buffer - 1, pipe);
    ::pclose(pipe);
    try {
        return std::stol(std::string(buffer, n));
    } catch (const std::exception&) {
        return -1;
    }
}

bool waitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return done();
}

// A child process (its own process group), killed by the destructor if still running.
class Child {
  public:
    Child(std::vector<std::string> args, const fs::path& log,
          const std::vector<std::pair<std::string, std::string>>& env = {}) {
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        const std::string logPath = log.string();
        m_pid = ::fork();
        if (m_pid < 0) throw std::runtime_error("fork failed");
        if (m_pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            ::setpgid(0, 0);
            for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
            const int fd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd >= 0) {
                ::dup2(fd, 1);
                ::dup2(fd, 2);
            }
            ::execvp(argv[0], argv.data());
            ::_exit(127);
        }
    }
    ~Child() {
        if (m_pid > 0) {
            ::kill(-m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
    }
    // Exit code, or -1 if it did not end in time (then it is killed).
    int wait(std::chrono::milliseconds timeout) {
        const auto deadline = Clock::now() + timeout;
        int status = 0;
        while (::waitpid(m_pid, &status, WNOHANG) == 0) {
            if (Clock::now() > deadline) return -1;
            std::this_thread::sleep_for(20ms);
        }
        m_pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    void signal(int sig) {
        if (m_pid > 0) ::kill(m_pid, sig);
    }

  private:
    pid_t m_pid = -1;
};

// An X server of our own (Xvfb -displayfd): the app gets DISPLAY and we keep its pid.
class Display {
  public:
    explicit Display(const fs::path& log) {
        const std::string logPath = log.string();
        int fds[2];
        if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
        m_pid = ::fork();
        if (m_pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            ::close(fds[0]);
            const int out = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            ::dup2(out, 1);
            ::dup2(out, 2);
            const std::string fd = std::to_string(fds[1]);
            ::execlp("Xvfb", "Xvfb", "-displayfd", fd.c_str(), "-screen", "0", "1280x720x24",
                     "-nolisten", "tcp", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(fds[1]);
        // Xvfb writes the number, then "\n" in a second write: read up to the newline, or a
        // closed pipe fails that second write and kills the server.
        std::string number;
        char c = 0;
        while (::read(fds[0], &c, 1) == 1 && c != '\n') number += c;
        ::close(fds[0]);
        if (number.empty()) throw std::runtime_error("Xvfb did not start (see scripts/setup)");
        m_name = ":" + number;
    }
    ~Display() {
        ::kill(m_pid, SIGTERM);
        ::waitpid(m_pid, nullptr, 0);
    }
    const std::string& name() const { return m_name; }

  private:
    pid_t m_pid = -1;
    std::string m_name;
};

class AppMidi : public ::testing::Test {
  protected:
    void SetUp() override {
        m_dir = jackScratchDir(kScratch) /
                ::testing::UnitTest::GetInstance()->current_test_info()->name();
        fs::remove_all(m_dir);
        fs::create_directories(m_dir);
        std::string why;
        for (int attempt = 1; attempt <= 2; ++attempt) {
            try {
                m_server = startJackServer("autolume_app_midi_", kScratch, kServerArgs, 1024);
                m_controls = withTimeout<std::shared_ptr<RtMidiOut>>(
                    *m_server, "opening the controller's output", [] {
                        auto out = std::make_shared<RtMidiOut>(RtMidi::UNIX_JACK, kDevice);
                        out->openVirtualPort("out");
                        return out;
                    });
                m_leds = withTimeout<std::shared_ptr<RtMidiIn>>(
                    *m_server, "opening the controller's LED input", [this] {
                        auto in = std::make_shared<RtMidiIn>(RtMidi::UNIX_JACK,
                                                             std::string(kDevice) + " leds");
                        in->setCallback(&LedLog::onMessage, &m_ledLog);
                        in->openVirtualPort("in");
                        return in;
                    });
                // An X server that takes connections.
                m_display = std::make_unique<Display>(m_dir / "xvfb.log");
                if (!displayComesUp())
                    throw std::runtime_error(
                        "Xvfb takes no connections (xdotool: " + std::to_string(m_probeResult) +
                        ", " + readTail(m_dir / "xprobe.log") + ", display " + m_display->name() +
                        ": " + readTail(m_dir / "xvfb.log") + ")");
                return;
            } catch (const std::exception& e) {
                m_display.reset();
                m_leds.reset();
                m_controls.reset();
                m_server.reset();
                why += "attempt " + std::to_string(attempt) + ": " + e.what() + "\n";
            }
        }
        FAIL() << "cannot run JACK, two RtMidi clients and Xvfb:\n" << why;
    }

    void TearDown() override {
        m_display.reset();
        m_leds.reset();
        m_controls.reset();
        m_server.reset();
    }

    bool displayWorks() {
        if (!m_display) return false;
        Child probe({"xdotool", "getdisplaygeometry"}, m_dir / "xprobe.log",
                    {{"DISPLAY", m_display->name()}});
        m_probeResult = probe.wait(10s);
        return m_probeResult == 0;
    }
    // Checks that the server takes connections.
    bool displayComesUp() {
        return waitFor([this] { return displayWorks(); }, 10s);
    }
    int m_probeResult = 0;

    void send(std::vector<unsigned char> bytes) { m_controls->sendMessage(&bytes); }
    void cc(int controller, int value) {
        send({0xB0, static_cast<unsigned char>(controller), static_cast<unsigned char>(value)});
    }
    void press(int controller) {
        cc(controller, 127);
        std::this_thread::sleep_for(50ms);
        cc(controller, 0);
    }
    bool ledArrives(const MidiMessage& m) {
        return waitFor([&] { return m_ledLog.count(m) > 0; }, 10s);
    }

    fs::path m_dir;
    std::unique_ptr<JackServer> m_server;
    std::shared_ptr<RtMidiOut> m_controls;
    std::shared_ptr<RtMidiIn> m_leds;
    std::unique_ptr<Display> m_display;
    LedLog m_ledLog;
};

// A still scene: 120 s of exact silence, and parameters with no idle drift and no post stage
// with a memory or an envelope (trails, flash), so the picture on screen changes only when MIDI
// changes it. Returns sox's exit status (its log: dir/sox.log).
int makeStillScene(const fs::path& dir, const fs::path& silence, const fs::path& params) {
    Child sox({"sox", "-D", "-n", "-r", "48000", "-c", "1", "-b", "16", silence.string(), "trim",
               "0", "120"},
              dir / "sox.log");
    std::ofstream(params)
        << R"({"walk.base_speed": {"value": 0}, "post.trails.amount": {"value": 0},
                                 "post.flash.amount": {"value": 0}})";
    return sox.wait(30s);
}

TEST_F(AppMidi, ControllerDrivesParametersBendingPresetsAndLeds) {
    const fs::path log = m_dir / "app.log";
    const fs::path params = m_dir / "params.json";
    const fs::path presets = m_dir / "presets";
    // Silence: the picture stands still, so what changes on screen is what MIDI changed.
    const fs::path silence = m_dir / "silence.wav";
    const fs::path shots = m_dir / "shots";
    ASSERT_EQ(makeStillScene(m_dir, silence, params), 0) << readTail(m_dir / "sox.log");
    Child app(
        {AUTOLUME_EXE, "--model", kModel, "--audio-file", silence.string(), "--midi", kDevice,
         "--presets", presets.string(), "--params", params.string(), "--threads", "1", "--duration",
         "120", "--screenshot-dir", shots.string(), "--screenshot-interval", "0.2"},
        log,
        {{"DISPLAY", m_display->name()},
         {"XDG_CONFIG_HOME", (m_dir / "config").string()},
         {"XDG_DATA_HOME", (m_dir / "data").string()}});
    const std::string bound =
        std::string("MIDI (JACK) in: '") + kDevice + ":out', out: '" + kDevice + " leds:in'";
    ASSERT_TRUE(waitFor([&] { return readAll(log).find(bound) != std::string::npos; }, 60s))
        << readTail(log);
    EXPECT_NE(readAll(log).find("korg_nanokontrol2.json"), std::string::npos)
        << "the profile is chosen by the port's name\n"
        << readTail(log);
    // On binding, the app sends every LED of the profile: 16 slots, 8 R buttons, the shift.
    ASSERT_TRUE(waitFor([&] { return m_ledLog.size() >= 25; }, 10s)) << m_ledLog.size();

    // Two screenshots of the still picture, then the moves.
    ASSERT_TRUE(waitFor([&] { return shotCount(shots) >= 3; }, 10s)) << readTail(log);
    const std::size_t before = shotCount(shots);
    cc(0, 127);   // fader 1: GANSpace 0 to +3
    cc(23, 32);   // knob 8: truncation, a quarter of 0..2 (CC 64 is the exact centre)
    cc(22, 127);  // knob 7: noise 3
    cc(18, 127);  // knob 3: rotation strength (gated until R3 switches rotate on)
    press(66);    // R3
    ASSERT_TRUE(ledArrives(MidiMessage::controlChange(0, 66, 127))) << readTail(log);
    EXPECT_EQ(differingPixels(shot(shots, before - 2), shot(shots, before - 1)), 0)
        << "silence: the picture should stand still";
    // The moves reach the screen within a frame or a few (hundreds of ms on a busy machine);
    // the newest complete screenshot (one behind the newest file) is compared.
    long changed = 0;
    EXPECT_TRUE(waitFor(
        [&] {
            const std::size_t n = shotCount(shots);
            changed =
                n >= before + 2 ? differingPixels(shot(shots, before - 1), shot(shots, n - 2)) : 0;
            return changed > 10000;
        },
        15s))
        << "GANSpace, truncation, noise and rotation should change the picture: " << changed
        << " pixels differ";

    // Malformed and partial messages: ignored and counted.
    send({0x90, 0x40});
    send({0xB0, 0x80, 0x01});
    send({0xF4});

    // Cycle + S1 stores the latent on screen into slot 1: its file appears, its LED lights.
    cc(46, 127);
    press(32);
    cc(46, 0);
    // The model's folder: its file's stem and the first 12 hex digits of its SHA-256.
    fs::path slot1;
    ASSERT_TRUE(waitFor(
        [&] {
            std::error_code ec;
            for (const auto& d : fs::directory_iterator(presets, ec)) {
                const std::string name = d.path().filename().string();
                if (name.size() == 24 && name.rfind("placeholder-", 0) == 0 &&
                    fs::exists(d.path() / "slot_01.json"))
                    slot1 = d.path() / "slot_01.json";
            }
            return !slot1.empty();
        },
        10s))
        << readTail(log);
    ASSERT_TRUE(ledArrives(MidiMessage::controlChange(0, 32, 127)));

    // S1 recalls it: the active slot blinks (LED off and on again).
    m_ledLog.clear();
    press(32);
    ASSERT_TRUE(ledArrives(MidiMessage::controlChange(0, 32, 0))) << readTail(log);
    ASSERT_TRUE(ledArrives(MidiMessage::controlChange(0, 32, 127)));
    // Stop releases it: back to the audio-driven latents, S1 lit steadily as stored.
    press(42);
    ASSERT_TRUE(
        waitFor([&] { return readAll(log).find("recall preset 1") != std::string::npos; }, 5s));

    std::this_thread::sleep_for(300ms);
    app.signal(SIGTERM);
    ASSERT_EQ(app.wait(30s), 0) << readTail(log);
    const std::string text = readAll(log);
    EXPECT_NE(text.find("stored preset 1"), std::string::npos) << text;
    EXPECT_NE(text.find("3 malformed (ignored)"), std::string::npos) << text;

    // The parameters the controller set, as the app saved them at exit.
    const nlohmann::json p = nlohmann::json::parse(readAll(params));
    EXPECT_FLOAT_EQ(p["ganspace.0"]["value"].get<float>(), 3.0f);
    EXPECT_FLOAT_EQ(p["truncation"]["value"].get<float>(), 0.5f);
    EXPECT_FLOAT_EQ(p["noise"]["value"].get<float>(), 3.0f);
    EXPECT_NEAR(p["bend.rotate"]["value"].get<float>(), 3.141593f, 1e-4);
    EXPECT_FLOAT_EQ(p["ganspace.1"]["value"].get<float>(), 0.0f);

    // The preset: a versioned file with the model's full latent (10 ws x 512 for the
    // placeholder) and the parameter set.
    const nlohmann::json preset = nlohmann::json::parse(readAll(slot1));
    EXPECT_EQ(preset["version"], 1) << preset.dump().substr(0, 300);
    std::size_t values = 0;
    for (const auto& row : preset["ws"]) values += row.is_array() ? row.size() : 1;
    EXPECT_EQ(values, 10u * 512u);
    EXPECT_TRUE(preset.contains("params"));
}

// MIDI learn from the panel: a click on "learn" beside walk.weight (xdotool; the panel's layout
// is fixed: no imgui.ini), then a control the profile does not use; the learned map is saved
// and used by the next start.
TEST_F(AppMidi, LearnFromThePanelBindsSavesAndReloadsTheMap) {
    const fs::path log = m_dir / "app.log";
    const fs::path params = m_dir / "params.json";
    const fs::path config = m_dir / "config";
    const std::vector<std::pair<std::string, std::string>> env = {
        {"DISPLAY", m_display->name()},
        {"XDG_CONFIG_HOME", config.string()},
        {"XDG_DATA_HOME", (m_dir / "data").string()}};
    {
        Child app({AUTOLUME_EXE, "--model", kModel, "--demo", "--midi", kDevice, "--params",
                   params.string(), "--threads", "1", "--size", "1280", "--height", "720",
                   "--duration", "120"},
                  log, env);
        ASSERT_TRUE(waitFor([&] { return readAll(log).find("in: '") != std::string::npos; }, 60s))
            << readTail(log);
        // The "learn" button of walk.weight, the first parameter (see
        // docs/images/stage_control.png).
        bool clicked = false;
        for (int attempt = 0; attempt < 5 && !clicked; ++attempt) {
            Child click({"xdotool", "mousemove", "349", "454", "sleep", "0.3", "click", "1"},
                        m_dir / "xdotool.log", {{"DISPLAY", m_display->name()}});
            ASSERT_EQ(click.wait(10s), 0) << readTail(m_dir / "xdotool.log");
            clicked = waitFor(
                [&] {
                    return readAll(log).find("MIDI learn: move a control for walk.weight") !=
                           std::string::npos;
                },
                2s);
        }
        ASSERT_TRUE(clicked) << readTail(log);
        cc(10, 0);  // not in the nanoKONTROL2 profile: binds, is not applied
        ASSERT_TRUE(waitFor(
            [&] { return readAll(log).find("walk.weight bound; map saved") != std::string::npos; },
            10s))
            << readTail(log);
        cc(10, 32);  // a quarter of walk.weight's range 0..1
        std::this_thread::sleep_for(500ms);
        app.signal(SIGTERM);
        ASSERT_EQ(app.wait(30s), 0) << readTail(log);
    }
    const nlohmann::json p = nlohmann::json::parse(readAll(params));
    EXPECT_FLOAT_EQ(p["walk.weight"]["value"].get<float>(), 0.25f);
    const fs::path saved = config / "autolume" / "midi" / "korg_nanokontrol2.json";
    const nlohmann::json map = nlohmann::json::parse(readAll(saved));
    bool found = false;
    for (const auto& b : map["bindings"])
        found = found || (b.value("cc", -1) == 10 && b.value("param", "") == "walk.weight");
    EXPECT_TRUE(found) << map.dump();

    // The next start uses the learned map.
    const fs::path log2 = m_dir / "app2.log";
    Child again({AUTOLUME_EXE, "--model", kModel, "--demo", "--midi", kDevice, "--duration", "2"},
                log2, env);
    ASSERT_EQ(again.wait(60s), 0) << readTail(log2);
    EXPECT_NE(readAll(log2).find("learned map of 'korg_nanokontrol2'"), std::string::npos)
        << readTail(log2);
}

// MIDI → photon: fader moves 150 ms apart; the stats CSV says when each arrived (RtMidi's
// callback) and when the first frame made after it was presented. Reported, not judged
// (docs/BENCHMARKS.md); the test only checks that the moves reach the frames.
// Each fader move changes the presented frame: in silence with no drift the picture stands
// still (equal frame hashes), and the first frame that reflects a move differs from the one
// before it. The arrival -> presented-frame latency is printed (timings are not judged).
TEST_F(AppMidi, FaderMovesReachThePresentedFrames) {
    const fs::path log = m_dir / "app.log";
    const fs::path stats = m_dir / "stats.csv";
    const fs::path params = m_dir / "still.json";
    const fs::path silence = m_dir / "silence.wav";
    ASSERT_EQ(makeStillScene(m_dir, silence, params), 0) << readTail(m_dir / "sox.log");
    Child app({AUTOLUME_EXE, "--model", kModel, "--audio-file", silence.string(), "--midi", kDevice,
               "--params", params.string(), "--stats", stats.string(), "--threads", "1",
               "--duration", "120"},
              log,
              {{"DISPLAY", m_display->name()},
               {"XDG_CONFIG_HOME", (m_dir / "config").string()},
               {"XDG_DATA_HOME", (m_dir / "data").string()}});
    ASSERT_TRUE(waitFor([&] { return readAll(log).find("in: '") != std::string::npos; }, 60s))
        << readTail(log);
    std::this_thread::sleep_for(2s);
    constexpr int kMoves = 20;
    for (int i = 0; i < kMoves; ++i) {
        cc(0, i % 2 ? 100 : 27);  // fader 1: GANSpace 0 between -1.7 and +1.7
        std::this_thread::sleep_for(400ms);
    }
    app.signal(SIGTERM);
    ASSERT_EQ(app.wait(30s), 0) << readTail(log);

    std::ifstream in(stats);
    std::string line;
    std::getline(in, line);
    ASSERT_NE(line.find("midi_wall_s,frame_hash"), std::string::npos) << line;
    struct Row {
        double present, midi, hash;
    };
    std::vector<Row> rows;
    while (std::getline(in, line)) {
        std::vector<double> v;
        std::stringstream ss(line);
        for (std::string cell; std::getline(ss, cell, ',');) v.push_back(std::stod(cell));
        ASSERT_EQ(v.size(), 9u) << line;
        rows.push_back({v[0], v[7], v[8]});
    }
    // Before the first move: a still picture over the last second (so a change is the fader's).
    std::size_t firstMove = 0;
    while (firstMove < rows.size() && rows[firstMove].midi <= 0) ++firstMove;
    ASSERT_LT(firstMove, rows.size()) << "no frame reflects a MIDI message";
    std::size_t stillRows = 0;
    for (std::size_t i = firstMove; i-- > 0 && rows[i].present > rows[firstMove].present - 1.0;) {
        EXPECT_EQ(rows[i].hash, rows[firstMove - 1].hash) << "silence: the picture moved by itself";
        ++stillRows;
    }
    EXPECT_GE(stillRows, 5u);
    std::vector<double> latencyMs;
    int unchanged = 0;
    for (std::size_t i = firstMove; i < rows.size(); ++i) {
        if (i > 0 && rows[i].midi != rows[i - 1].midi) {
            if (rows[i].hash == rows[i - 1].hash)
                ++unchanged;
            else
                latencyMs.push_back((rows[i].present - rows[i].midi) * 1e3);
        }
    }
    // Moves closer together than a frame (a busy machine: 200-700 ms) share one; every move
    // that reached a frame changed it.
    EXPECT_GE(latencyMs.size(), static_cast<std::size_t>(kMoves / 2));
    EXPECT_EQ(unchanged, 0) << "frames that reflect a fader move but did not change";
    std::sort(latencyMs.begin(), latencyMs.end());
    if (!latencyMs.empty())
        std::printf(
            "MIDI arrival -> changed presented frame: %zu moves, median %.1f ms, min %.1f, max "
            "%.1f\n",
            latencyMs.size(), latencyMs[latencyMs.size() / 2], latencyMs.front(), latencyMs.back());
}

TEST_F(AppMidi, WithoutAnyMidiSystemTheAppRunsAndSaysMidiIsOff) {
    const fs::path log = m_dir / "app.log";
    Child app({AUTOLUME_EXE, "--model", kModel, "--demo", "--midi", kDevice, "--duration", "3"},
              log,
              {{"DISPLAY", m_display->name()},
               {"JACK_DEFAULT_SERVER", "no_such_server"},
               {"XDG_CONFIG_HOME", (m_dir / "config").string()}});
    ASSERT_EQ(app.wait(60s), 0) << readTail(log);
    const std::string text = readAll(log);
    EXPECT_NE(text.find("MIDI off"), std::string::npos) << text;
    EXPECT_NE(text.find("frames generated"), std::string::npos) << text;
}

}  // namespace
}  // namespace autolume::test
