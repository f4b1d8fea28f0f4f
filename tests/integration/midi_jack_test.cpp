// MIDI through real RtMidi and a fresh JACK dummy server per test (TESTING.md: no ALSA sequencer
// here, so RtMidi's default API fails and the device falls back to JACK). A sender (RtMidi JACK
// virtual output) plays the controller; the app side opens its ports by name through
// midi::MidiDevice, runs the shipped nanoKONTROL2 profile through MidiMapper into the real
// parameter registry, LatentController and PresetBank, and its LED messages come back to a
// receiver (RtMidi JACK virtual input).
//
// Times given to the mapper are simulated (the caller's clock), so long presses and blinking
// are deterministic; wall-clock deadlines only bound how long a test waits for JACK.
#include <jack/jack.h>
#include <rtmidi/RtMidi.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "autolume/control/latent_controller.hpp"
#include "autolume/control/midi_mapper.hpp"
#include "autolume/control/preset_bank.hpp"
#include "autolume/midi/midi_device.hpp"
#include "autolume/midi/midi_pump.hpp"
#include "jack_fixture.hpp"
#include "led_log.hpp"

namespace autolume::midi {
namespace {

namespace fs = std::filesystem;
using control::MidiAction;
using control::MidiMessage;
using test::LedLog;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kScratch = "midi_jack";
// Synchronous mode: the server waits for slow clients (up to the timeout) instead of skipping
// them with an xrun, which would drop the MIDI of that cycle on a loaded machine.
const std::vector<std::string> kServerArgs = {"-S", "-t", "4000"};
constexpr int kPeriodFrames = 1024;

// What the live app does with the mapper's actions, with the real preset bank and latent
// controller: a store takes the latent shown now, a recall morphs to the mean of the slots.
struct App {
    explicit App(const fs::path& presetDir)
        : controller(shape(), 7, registry),
          bank(presetDir, {"test-model", shape().numWs, shape().wDim}),
          mapper(control::MidiProfile::load(fs::path(AUTOLUME_SOURCE_DIR) / "presets" / "midi" /
                                            "korg_nanokontrol2.json"),
                 registry) {
        frame.resize(shape().zDim, shape().wDim, shape().numWs, shape().ganspaceCount);
        mapper.setStoredSlots(0);
    }

    static control::LatentShape shape() {
        control::LatentShape s;
        s.zDim = s.wDim = 4;
        s.numWs = 2;
        s.numLayers = 5;
        s.ganspaceCount = 8;
        return s;
    }

    // The "current latent" of this test app: every w equal to GANSpace 0's fader, so what a
    // slot holds says when it was stored.
    std::vector<float> shownWs() const {
        return std::vector<float>(static_cast<std::size_t>(shape().numWs) * shape().wDim,
                                  registry.base(controller.params().ganspace[0]));
    }

    // One hop of the control thread.
    void hop(double dtSec = 0.01) {
        timeSec += dtSec;
        pump.run(*device, mapper, timeSec);
        for (const MidiAction& a : mapper.actions()) {
            actions.push_back(a);
            std::vector<int> slots;
            for (int s = 0; s < control::PresetBank::kSlots; ++s)
                if (a.slots & (1u << s)) slots.push_back(s);
            switch (a.kind) {
                case MidiAction::Kind::Store:
                    bank.store(slots.at(0), {shownWs(), std::nullopt, ""});
                    break;
                case MidiAction::Kind::Recall:
                    controller.recall(bank.average(slots).data(), 0.0f);
                    break;
                case MidiAction::Kind::Release:
                    controller.release(0.0f);
                    break;
                case MidiAction::Kind::Learned:
                case MidiAction::Kind::Record:
                    break;
            }
        }
        mapper.clearActions();
        controller.step(control::ControlInput{}, dtSec, frame);
    }

    control::ParameterRegistry registry;
    control::LatentController controller;
    control::PresetBank bank;
    control::MidiMapper mapper;
    control::ControlFrame frame;
    std::unique_ptr<MidiDevice> device;
    MidiPump pump;
    double timeSec = 0.0;
    std::vector<MidiAction> actions;
};

class MidiJack : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string why;
        for (int attempt = 1; attempt <= 2; ++attempt) {
            try {
                m_server = test::startJackServer("autolume_midi_test_", kScratch, kServerArgs,
                                                 kPeriodFrames);
                m_sender = test::withTimeout<std::shared_ptr<RtMidiOut>>(
                    *m_server, "opening the sender", [] {
                        auto out = std::make_shared<RtMidiOut>(RtMidi::UNIX_JACK, "sender");
                        out->openVirtualPort("out");
                        return out;
                    });
                m_leds = test::withTimeout<std::shared_ptr<RtMidiIn>>(
                    *m_server, "opening the LED receiver", [this] {
                        auto in = std::make_shared<RtMidiIn>(RtMidi::UNIX_JACK, "leds");
                        in->setCallback(&LedLog::onMessage, &m_ledLog);
                        in->openVirtualPort("in");
                        return in;
                    });
                return;
            } catch (const std::exception& e) {
                m_leds.reset();
                m_sender.reset();
                m_server.reset();
                why += "attempt " + std::to_string(attempt) + ": " + e.what() + "\n";
            }
        }
        FAIL() << "cannot run a JACK dummy server with two RtMidi clients:\n" << why;
    }

    void TearDown() override {
        m_leds.reset();
        m_sender.reset();
        m_server.reset();
    }

    // The app's device, started and given time to open its ports (a stall fails the test
    // with the reason rather than hanging it).
    std::unique_ptr<MidiDevice> openDevice(const std::string& input, const std::string& output) {
        MidiDeviceConfig config;
        config.inputPort = input;
        config.outputPort = output;
        config.system = MidiSystem::Jack;
        config.rescanSec = 0.05;
        auto device = std::make_unique<MidiDevice>(config);
        EXPECT_TRUE(device->waitStarted(10s)) << "the MIDI I/O thread did not finish opening";
        return device;
    }

    void send(std::vector<unsigned char> bytes) { m_sender->sendMessage(&bytes); }
    void cc(int controller, int value) {
        send({0xB0, static_cast<unsigned char>(controller), static_cast<unsigned char>(value)});
    }

    // Runs the app's hops until `done` holds; false after 5 s.
    static bool until(App& app, const std::function<bool()>& done) {
        const auto deadline = Clock::now() + 5s;
        while (Clock::now() < deadline) {
            app.hop();
            if (done()) return true;
            std::this_thread::sleep_for(2ms);
        }
        return false;
    }

    bool ledArrives(App& app, const MidiMessage& m) {
        return until(app, [&] { return m_ledLog.count(m) > 0; });
    }

    std::unique_ptr<test::JackServer> m_server;
    std::shared_ptr<RtMidiOut> m_sender;
    std::shared_ptr<RtMidiIn> m_leds;
    LedLog m_ledLog;
};

fs::path presetDir(const std::string& name) {
    const fs::path dir = test::jackScratchDir(kScratch) / name;
    fs::remove_all(dir);
    return dir;
}

MidiAction recall(std::uint32_t slots) {
    return {MidiAction::Kind::Recall, slots, 0};
}
MidiAction store(int slot) {
    return {MidiAction::Kind::Store, 1u << slot, 0};
}

TEST_F(MidiJack, NanoKontrol2DrivesParametersBendingAndPresetsAndLightsItsLeds) {
    App app(presetDir("presets_nano"));
    app.device = openDevice("sender", "leds");
    ASSERT_EQ(app.device->inputState(), PortState::Bound) << app.device->status();
    ASSERT_EQ(app.device->outputState(), PortState::Bound) << app.device->status();
    EXPECT_EQ(app.device->inputName(), "sender:out");
    EXPECT_EQ(app.device->outputName(), "leds:in");
    EXPECT_NE(app.device->status().find("MIDI (JACK) in: 'sender:out', out: 'leds:in'"),
              std::string::npos)
        << app.device->status();
    const control::ControllerParams& p = app.controller.params();

    // On connecting, every LED of the profile is sent: 16 slots, 8 R buttons, the shift.
    ASSERT_TRUE(until(app, [&] { return m_ledLog.size() >= 25; })) << m_ledLog.size();
    for (int c : {32, 39, 48, 55, 64, 71, 46})
        EXPECT_EQ(m_ledLog.count(MidiMessage::controlChange(0, c, 0)), 1u) << c;

    // Faders and knobs.
    cc(0, 127);   // fader 1
    cc(23, 0);    // knob 8: truncation
    cc(22, 127);  // knob 7: noise
    ASSERT_TRUE(until(app, [&] { return app.registry.base(p.noise) == 3.0f; }));
    EXPECT_EQ(app.registry.base(p.ganspace[0]), 3.0f);
    EXPECT_EQ(app.registry.base(p.truncation), 0.0f);

    // Network bending: knob 1 sets the strength, R1 switches translate x on.
    cc(16, 127);
    cc(64, 127);
    cc(64, 0);
    ASSERT_TRUE(ledArrives(app, MidiMessage::controlChange(0, 64, 127)));
    EXPECT_EQ(app.registry.base(p.bendTranslateX), 0.5f);
    app.hop(10.0);  // long enough for the registry's smoothing to arrive
    EXPECT_EQ(app.frame.bend.translateX, 0.5f);
    EXPECT_EQ(app.frame.psi, 0.0f);
    EXPECT_EQ(app.frame.ganspace[0], 3.0f);

    // Shift + S1 stores slot 1 (the latent at fader 1 = +3); its LED lights.
    cc(46, 127);
    cc(32, 127);
    cc(32, 0);
    cc(46, 0);
    ASSERT_TRUE(ledArrives(app, MidiMessage::controlChange(0, 32, 127)));
    EXPECT_EQ(app.actions, std::vector<MidiAction>{store(0)});
    ASSERT_TRUE(app.bank.has(0));
    EXPECT_EQ(app.bank.get(0).ws, std::vector<float>(8, 3.0f));

    // A long press on empty S2 stores it (the latent at fader 1 = -3).
    cc(0, 0);
    cc(33, 127);
    ASSERT_TRUE(until(app, [&] { return app.mapper.stats().received >= 12; }));
    EXPECT_EQ(app.registry.base(p.ganspace[0]), -3.0f);
    app.hop(0.7);
    cc(33, 0);
    ASSERT_TRUE(ledArrives(app, MidiMessage::controlChange(0, 33, 127)));
    EXPECT_EQ(app.actions.back(), store(1));
    EXPECT_EQ(app.bank.get(1).ws, std::vector<float>(8, -3.0f));

    // S1 recalls slot 1; S1 and S2 together recall their average.
    app.actions.clear();
    cc(32, 127);
    cc(32, 0);
    ASSERT_TRUE(until(app, [&] { return !app.actions.empty(); }));
    EXPECT_EQ(app.actions, std::vector<MidiAction>{recall(1)});
    EXPECT_EQ(app.frame.wTarget, std::vector<float>(8, 3.0f));
    EXPECT_EQ(app.frame.wBlend, 1.0f);
    cc(33, 127);
    cc(32, 127);
    cc(32, 0);
    cc(33, 0);
    // S2 alone recalls slot 2 until S1 joins the chord.
    ASSERT_TRUE(until(app, [&] { return app.actions.back() == recall(3); }));
    EXPECT_EQ(app.actions, (std::vector<MidiAction>{recall(1), recall(2), recall(3)}));
    EXPECT_EQ(app.frame.wTarget, std::vector<float>(8, 0.0f));

    // The active slots blink (single-colour LEDs), stored-only ones would stay lit.
    m_ledLog.clear();
    ASSERT_TRUE(until(app, [&] {
        return m_ledLog.count(MidiMessage::controlChange(0, 33, 0)) > 0 &&
               m_ledLog.count(MidiMessage::controlChange(0, 33, 127)) > 0;
    }));
    EXPECT_EQ(m_ledLog.count(MidiMessage::controlChange(0, 34, 0)), 0u);  // empty S3: unchanged

    // Stop releases the presets: back to the audio-driven latents.
    cc(42, 127);
    cc(42, 0);
    ASSERT_TRUE(until(app, [&] { return app.actions.back().kind == MidiAction::Kind::Release; }));
    EXPECT_EQ(app.frame.wBlend, 0.0f);
    EXPECT_EQ(app.mapper.activeSlots(), 0u);

    EXPECT_EQ(app.mapper.stats().malformed, 0u);
    EXPECT_EQ(app.device->inputDropped(), 0u);
    EXPECT_EQ(app.device->outputDropped(), 0u);
}

TEST_F(MidiJack, MalformedAndPartialMessagesAreIgnoredAndCounted) {
    App app(presetDir("presets_malformed"));
    app.device = openDevice("sender", "leds");
    ASSERT_EQ(app.device->inputState(), PortState::Bound) << app.device->status();
    const control::ControllerParams& p = app.controller.params();

    send({0x90, 0x40});                          // partial note-on
    send({0xB0, 0x80, 0x01});                    // data byte >= 0x80
    send({0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7});  // SysEx (identity request)
    send({0xF4});                                // undefined status
    send({0xB0, 0x01, 0x7F, 0x7F});              // too long
    cc(1, 127);                                  // then a good fader move
    ASSERT_TRUE(until(app, [&] { return app.registry.base(p.ganspace[1]) == 3.0f; }));
    const control::MidiStats& s = app.mapper.stats();
    EXPECT_EQ(s.malformed, 5u);
    using control::MidiError;
    EXPECT_EQ(s.byError[static_cast<int>(MidiError::Partial)], 1u);
    EXPECT_EQ(s.byError[static_cast<int>(MidiError::BadDataByte)], 1u);
    EXPECT_EQ(s.byError[static_cast<int>(MidiError::SysEx)], 1u);
    EXPECT_EQ(s.byError[static_cast<int>(MidiError::UnknownStatus)], 1u);
    EXPECT_EQ(s.byError[static_cast<int>(MidiError::TooLong)], 1u);
    EXPECT_EQ(s.applied, 1u);
    EXPECT_EQ(app.registry.base(p.ganspace[0]), 0.0f);  // nothing half-applied
}

TEST_F(MidiJack, AFullInputQueueDropsAndCounts) {
    MidiDeviceConfig config;
    config.inputPort = "sender";
    config.outputPort = "leds";
    config.system = MidiSystem::Jack;
    config.inputCapacity = 4;  // the callback meets a full queue within one JACK cycle
    MidiDevice device(config);
    ASSERT_TRUE(device.waitStarted(10s));
    ASSERT_EQ(device.inputState(), PortState::Bound) << device.status();

    constexpr int kSent = 100;
    for (int i = 0; i < kSent; ++i) cc(i % 8, i);
    // Nobody drains until the first drop; then every message is either taken or counted.
    const auto deadline = Clock::now() + 5s;
    while (device.inputDropped() == 0 && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
    ASSERT_GT(device.inputDropped(), 0u);
    std::uint64_t popped = 0;
    RawMidi raw;
    std::vector<int> values;
    while (Clock::now() < deadline && popped + device.inputDropped() < kSent) {
        while (device.pop(raw)) {
            ++popped;
            values.push_back(raw.message.bytes[2]);
        }
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(popped + device.inputDropped(), static_cast<std::uint64_t>(kSent));
    EXPECT_LT(popped, static_cast<std::uint64_t>(kSent));
    EXPECT_TRUE(std::is_sorted(values.begin(), values.end()));  // what got through is in order
}

TEST_F(MidiJack, VirtualPortsConnectedWithJackConnect) {
    App app(presetDir("presets_virtual"));
    app.device = openDevice("", "");
    ASSERT_EQ(app.device->inputState(), PortState::Virtual) << app.device->status();
    ASSERT_EQ(app.device->outputState(), PortState::Virtual) << app.device->status();
    EXPECT_EQ(app.device->inputName(), "autolume-midi-in:in");
    EXPECT_EQ(app.device->outputName(), "autolume-midi-out:out");

    jack_client_t* client = test::withTimeout<jack_client_t*>(*m_server, "opening a client", [] {
        jack_client_t* c = jack_client_open("connector", JackNoStartServer, nullptr);
        if (!c) throw std::runtime_error("jack_client_open failed");
        return c;
    });
    EXPECT_EQ(jack_connect(client, "sender:out", app.device->inputName().c_str()), 0);
    EXPECT_EQ(jack_connect(client, app.device->outputName().c_str(), "leds:in"), 0);
    jack_client_close(client);

    // Stored slots 1 and 3 (as after loading the preset bank) light their LEDs.
    app.mapper.setStoredSlots(0b101);
    ASSERT_TRUE(ledArrives(app, MidiMessage::controlChange(0, 34, 127)));
    EXPECT_EQ(m_ledLog.count(MidiMessage::controlChange(0, 32, 127)), 1u);
    EXPECT_EQ(m_ledLog.count(MidiMessage::controlChange(0, 33, 127)), 0u);

    cc(5, 127);
    ASSERT_TRUE(
        until(app, [&] { return app.registry.base(app.controller.params().ganspace[5]) == 3.0f; }));
}

TEST_F(MidiJack, APortThatGoesAwayIsReboundWhenItReturns) {
    App app(presetDir("presets_rebind"));
    app.device = openDevice("sender", "LEDS");  // case-insensitive part of the name
    ASSERT_EQ(app.device->inputState(), PortState::Bound) << app.device->status();
    ASSERT_EQ(app.device->outputState(), PortState::Bound) << app.device->status();
    const control::ParamId g0 = app.controller.params().ganspace[0];
    cc(0, 127);
    ASSERT_TRUE(until(app, [&] { return app.registry.base(g0) == 3.0f; }));
    ASSERT_TRUE(until(app, [&] { return m_ledLog.size() >= 25; }));

    // The controller is unplugged: both its ports go away.
    m_sender->closePort();
    m_leds->closePort();
    ASSERT_TRUE(until(app, [&] {
        return app.device->inputState() == PortState::Waiting &&
               app.device->outputState() == PortState::Waiting;
    })) << app.device->status();
    EXPECT_NE(app.device->status().find("'sender:out' went away"), std::string::npos)
        << app.device->status();

    // ... and plugged back in: re-bound, and every LED is sent again.
    const std::uint32_t epoch = app.device->outputEpoch();
    m_ledLog.clear();
    m_sender->openVirtualPort("out");
    m_leds->openVirtualPort("in");
    ASSERT_TRUE(until(app, [&] {
        return app.device->inputState() == PortState::Bound &&
               app.device->outputState() == PortState::Bound;
    })) << app.device->status();
    EXPECT_GT(app.device->outputEpoch(), epoch);
    cc(0, 0);
    ASSERT_TRUE(until(app, [&] { return app.registry.base(g0) == -3.0f; }));
    ASSERT_TRUE(until(app, [&] { return m_ledLog.size() >= 25; }));
    EXPECT_EQ(m_ledLog.count(MidiMessage::controlChange(0, 46, 0)), 1u);
}

TEST_F(MidiJack, DevicesCommandListsTheMidiPorts) {
    const MidiPorts ports = listPorts(MidiSystem::Auto);
    ASSERT_TRUE(ports.available) << ports.reason;
    EXPECT_EQ(ports.api, "JACK");
    EXPECT_NE(std::find(ports.inputs.begin(), ports.inputs.end(), "sender:out"),
              ports.inputs.end());
    EXPECT_NE(std::find(ports.outputs.begin(), ports.outputs.end(), "leds:in"),
              ports.outputs.end());

    // The CLI, as a performer runs it (JACK_DEFAULT_SERVER is inherited).
    FILE* pipe = ::popen(AUTOLUME_EXE " devices 2>&1", "r");
    ASSERT_NE(pipe, nullptr);
    std::string out;
    std::array<char, 512> buffer{};
    while (std::fgets(buffer.data(), buffer.size(), pipe)) out += buffer.data();
    EXPECT_EQ(::pclose(pipe), 0) << out;
    EXPECT_NE(out.find("MIDI inputs (controllers) (JACK):\n  sender:out\n"), std::string::npos)
        << out;
    EXPECT_NE(out.find("MIDI outputs (controller LEDs) (JACK):\n  leds:in\n"), std::string::npos)
        << out;
}

// Without a JACK server (and no ALSA sequencer on this machine) the device is off, says why,
// and stays harmless.
TEST(MidiOff, WithoutAnyMidiSystemTheDeviceSaysMidiOffAndStaysHarmless) {
    if (fs::exists("/dev/snd/seq")) GTEST_SKIP() << "this machine has an ALSA sequencer";
    ::setenv("JACK_DEFAULT_SERVER", "autolume_midi_test_absent", 1);
    ::setenv("JACK_NO_START_SERVER", "1", 1);

    MidiDevice device(MidiDeviceConfig{"nanoKONTROL2", "nanoKONTROL2"});
    ASSERT_TRUE(device.waitStarted(10s));
    EXPECT_TRUE(device.isOff());
    EXPECT_EQ(device.inputState(), PortState::Off);
    const std::string status = device.status();
    EXPECT_EQ(status.rfind("MIDI off: no MIDI system (", 0), 0u) << status;
    EXPECT_NE(status.find("ALSA"), std::string::npos) << status;
    EXPECT_NE(status.find("JACK: no server running"), std::string::npos) << status;
    EXPECT_EQ(status.find('\n'), std::string::npos) << status;
    RawMidi raw;
    EXPECT_FALSE(device.pop(raw));
    EXPECT_TRUE(device.send(MidiMessage::controlChange(0, 1, 1)));
    const auto deadline = Clock::now() + 5s;
    while (device.outputDropped() == 0 && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
    EXPECT_EQ(device.outputDropped(), 1u);  // nowhere to go: dropped and counted

    const MidiPorts ports = listPorts();
    EXPECT_FALSE(ports.available);
    EXPECT_NE(ports.reason.find("JACK: no server running"), std::string::npos) << ports.reason;

    FILE* pipe = ::popen(AUTOLUME_EXE " devices 2>&1", "r");
    ASSERT_NE(pipe, nullptr);
    std::string out;
    std::array<char, 512> buffer{};
    while (std::fgets(buffer.data(), buffer.size(), pipe)) out += buffer.data();
    EXPECT_EQ(::pclose(pipe), 0) << out;
    EXPECT_NE(out.find("\nMIDI off: no MIDI system ("), std::string::npos) << out;
}

}  // namespace
}  // namespace autolume::midi
