// Live audio through JACK with no sound card: each test starts its own JACK dummy server
// (jack_fixture.hpp). Capture: a tone played by a JACK client in this process reaches the ring,
// selected channels and stems come out as selected, a server that quits is reported and, with a
// reopening source, recovered when it returns. Playback: a file played to JACK's output is
// recorded by a JACK client while the analysis ring receives exactly the same frames.
#include <gtest/gtest.h>

#include <sndfile.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "autolume/audio/capture.hpp"
#include "autolume/audio/playback.hpp"
#include "autolume/audio/spsc_ring.hpp"
#include "jack_fixture.hpp"

namespace autolume::audio {
namespace {

using test::Clock;
using namespace std::chrono_literals;

constexpr double kRate = 48000.0;
constexpr double kToneHz = 1000.0;
constexpr float kToneAmplitude = 0.5f;
constexpr const char* kScratch = "capture_jack";
constexpr const char* kJackHostApi = "JACK Audio Connection Kit";
// The JACK client the capture opens; its input ports are "<name>:in_<n>".
constexpr const char* kAppPortsRegex = "^autolume_capture:in_[0-9]+$";
// PortAudio's JACK client, which plays files; its output ports are "autolume:out_<n>".
constexpr const char* kPlaybackPortsRegex = "^autolume:out_[0-9]+$";

// Each test gets a fresh jackd and tone client; one retry with a new server if either stalls.
class CaptureJack : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string why;
        for (int attempt = 1; attempt <= 2; ++attempt) {
            try {
                m_server = test::startJackServer("autolume_capture_test_", kScratch);
                m_tone = std::make_unique<test::ToneClient>(
                    *m_server, "test_tone", std::vector<double>{kToneHz}, kToneAmplitude);
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

    void TearDown() override {
        m_tone.reset();
        m_server.reset();
    }

    // Connects the tone to every input port the capture registered.
    void connectToneToApp(int expected = 2) {
        EXPECT_EQ(m_tone->connectTo(kAppPortsRegex), expected)
            << "ports matching " << kAppPortsRegex;
    }

    std::unique_ptr<test::JackServer> m_server;
    std::unique_ptr<test::ToneClient> m_tone;
};

std::vector<float> popAll(SampleRing& ring) {
    std::vector<float> out(ring.readAvailable());
    out.resize(ring.pop(out.data(), out.size()));
    return out;
}

// Collects from the ring until `enough` samples follow the first one above 0.01, or 10 s.
// Returns the samples from the frame (of `channels` samples) of that first sound on.
std::vector<float> collectSound(SampleRing& ring, std::size_t enough, std::size_t channels = 1) {
    std::vector<float> got;
    std::size_t start = std::string::npos;
    const auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
        const std::vector<float> chunk = popAll(ring);
        got.insert(got.end(), chunk.begin(), chunk.end());
        if (start == std::string::npos) {
            const auto it =
                std::find_if(got.begin(), got.end(), [](float v) { return std::fabs(v) > 0.01f; });
            if (it != got.end()) {
                start = static_cast<std::size_t>(it - got.begin()) / channels * channels;
            }
        }
        if (start != std::string::npos && got.size() >= start + enough) break;
    }
    if (start == std::string::npos) return {};
    return std::vector<float>(got.begin() + static_cast<long>(start), got.end());
}

// One channel out of interleaved frames.
std::vector<float> channelOf(const std::vector<float>& interleaved, int channels, int c) {
    std::vector<float> out;
    for (std::size_t i = static_cast<std::size_t>(c); i < interleaved.size();
         i += static_cast<std::size_t>(channels)) {
        out.push_back(interleaved[i]);
    }
    return out;
}

TEST_F(CaptureJack, CapturesAToneThroughJack) {
    auto source = makeCaptureSource("system");
    EXPECT_EQ(source->info().kind, "capture");
    EXPECT_EQ(source->info().name, "system");
    EXPECT_EQ(source->info().sampleRate, kRate);
    EXPECT_EQ(source->info().channels, 2);
    EXPECT_EQ(source->info().ringChannels, 1);

    SampleRing ring(1 << 18);
    ASSERT_TRUE(source->start(ring)) << source->error();
    connectToneToApp();

    // One second of steady tone, half a second after it began: the two ports are connected
    // one after the other, and under load the second connection can take effect a little later.
    constexpr std::size_t kSettle = 24000;
    const std::vector<float> got = collectSound(ring, kSettle + 48000);
    ASSERT_GE(got.size(), kSettle + 48000) << "only " << got.size() << " samples of sound in 10 s";
    const float* x = got.data() + kSettle;
    const std::size_t n = 48000;
    EXPECT_NEAR(test::risingZeroCrossings(x, n), 1000, 2);
    EXPECT_NEAR(test::toneLevel(x, n, kToneHz, kRate), kToneAmplitude, 0.02);
    EXPECT_LT(test::toneLevel(x, n, 1500.0, kRate), 0.01);

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

// Half a second of `x` carries the tone at `hz` and not the one at `otherHz`. Levels are compared
// rather than pinned: on a loaded machine the dummy driver may skip a cycle of the tone client.
void expectOnly(const float* x, double hz, double otherHz) {
    const double wanted = test::toneLevel(x, 24000, hz, kRate);
    const double other = test::toneLevel(x, 24000, otherHz, kRate);
    EXPECT_GT(wanted, 0.1) << hz << " Hz missing";
    EXPECT_LT(other, wanted / 20.0) << otherHz << " Hz leaks into the " << hz << " Hz channel";
}

// A JACK client with two outputs (500 Hz on 1, 1200 Hz on 2) is a two-channel device.
TEST_F(CaptureJack, SelectsChannelsAndDeliversStems) {
    test::ToneClient twoTones(*m_server, "two_tones", {500.0, 1200.0}, 0.4f);

    CaptureOptions second;
    second.device = "two_tones";
    second.channels = parseChannelList("2");
    auto source = makeCaptureSource(second);
    EXPECT_EQ(source->info().channels, 2);
    EXPECT_EQ(source->info().ringChannels, 1);
    {
        SampleRing ring(1 << 18);
        ASSERT_TRUE(source->start(ring)) << source->error();
        const std::vector<float> got = collectSound(ring, 24000 + 24000);
        source->stop();
        ASSERT_GE(got.size(), 48000u);
        expectOnly(got.data() + 24000, 1200.0, 500.0);
    }

    CaptureOptions stems;
    stems.device = "two_tones";
    stems.channels = parseChannelList("1,2", true);
    auto stemSource = makeCaptureSource(stems);
    EXPECT_EQ(stemSource->info().ringChannels, 2);
    SampleRing ring(1 << 18);
    ASSERT_TRUE(stemSource->start(ring)) << stemSource->error();
    const std::vector<float> got = collectSound(ring, 2 * (24000 + 24000), 2);
    stemSource->stop();
    ASSERT_GE(got.size(), 2u * 48000u);
    const std::vector<float> first = channelOf(got, 2, 0);
    const std::vector<float> secondStem = channelOf(got, 2, 1);
    expectOnly(first.data() + 24000, 500.0, 1200.0);
    expectOnly(secondStem.data() + 24000, 1200.0, 500.0);

    CaptureOptions missing;
    missing.device = "two_tones";
    missing.channels = parseChannelList("3");
    try {
        makeCaptureSource(missing);
        FAIL() << "expected an exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("channel 3"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("two_tones"), std::string::npos) << e.what();
    }
}

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
    source.reset();  // closing a source whose server died must not hang or crash
}

// The server quits (features must decay: silence keeps flowing in real time), then a server of
// the same name starts again, and capture resumes into the same ring without the app's help.
TEST_F(CaptureJack, ReopensWhenTheServerReturns) {
    CaptureOptions options;
    options.device = "system";
    auto source = makeReopeningCaptureSource(options, {.pollSec = 0.05, .retrySec = 0.25});
    SampleRing ring(1 << 18);
    ASSERT_TRUE(source->start(ring)) << source->error();
    connectToneToApp();
    ASSERT_FALSE(collectSound(ring, 4800).empty()) << "no tone before the server quit";

    const std::string name = m_server->name();
    m_tone.reset();
    m_server->terminate(SIGTERM);
    auto deadline = Clock::now() + 5s;
    while (!source->failed() && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(source->failed()) << "the lost server was not noticed";
    EXPECT_NE(source->error().find("reopening"), std::string::npos) << source->error();

    // Meanwhile silence keeps time: half a second brings about half a second of zeros.
    popAll(ring);
    const std::uint64_t before = ring.totalWritten();
    std::this_thread::sleep_for(500ms);
    const std::vector<float> meanwhile = popAll(ring);
    EXPECT_GT(ring.totalWritten() - before, 12000u) << "no silence while the device is gone";
    EXPECT_TRUE(std::all_of(meanwhile.begin(), meanwhile.end(), [](float v) { return v == 0.0f; }));

    m_server.reset();
    m_server = std::make_unique<test::JackServer>(name, kScratch);
    deadline = Clock::now() + 15s;
    while (source->reopenCount() < 1 && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
    ASSERT_EQ(source->reopenCount(), 1u) << source->error();
    EXPECT_FALSE(source->failed()) << source->error();

    // The test's own client opens only now, after the source's, so the two never race the
    // server's start-up.
    m_tone = std::make_unique<test::ToneClient>(*m_server, "test_tone",
                                                std::vector<double>{kToneHz}, kToneAmplitude);
    connectToneToApp();
    popAll(ring);
    const std::vector<float> again = collectSound(ring, 24000 + 24000);
    ASSERT_GE(again.size(), 48000u) << "capture did not resume";
    EXPECT_NEAR(test::toneLevel(again.data() + 24000, 24000, kToneHz, kRate), kToneAmplitude, 0.02);
    source->stop();
}

// ---------------------------------------------------------------------------------------------
// Playback.

// Writes `seconds` of stereo sine (left `leftHz`, right `rightHz`) with libsndfile.
std::string writeStereo(const std::string& name, double rate, double seconds, double leftHz,
                        double rightHz) {
    const std::string path = (test::jackScratchDir(kScratch) / name).string();
    SF_INFO info{};
    info.samplerate = static_cast<int>(rate);
    info.channels = 2;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
    if (!file) throw std::runtime_error("cannot write " + path);
    const auto frames = static_cast<std::size_t>(seconds * rate);
    std::vector<float> x(frames * 2);
    for (std::size_t i = 0; i < frames; ++i) {
        x[2 * i] = static_cast<float>(0.4 * std::sin(2 * M_PI * leftHz * i / rate));
        x[2 * i + 1] = static_cast<float>(0.4 * std::sin(2 * M_PI * rightHz * i / rate));
    }
    sf_writef_float(file, x.data(), static_cast<sf_count_t>(frames));
    sf_close(file);
    return path;
}

TEST_F(CaptureJack, PlaysAFileAndAnalysesExactlyWhatIsPlayed) {
    const std::string path = writeStereo("stereo_440_660.wav", kRate, 2.0, 440.0, 660.0);
    PlaybackOptions options;
    options.outputDevice = "system";
    options.requireOutput = true;
    auto source = makePlaybackSource(path, options);
    EXPECT_EQ(source->info().kind, "file");
    EXPECT_NE(source->info().output.find("system"), std::string::npos) << source->info().output;
    EXPECT_EQ(source->info().sampleRate, kRate);
    EXPECT_GT(source->info().outputLatencySec, 0.0);

    test::RecorderClient recorder(*m_server, "recorder", 2, 4 * 48000);
    SampleRing ring(1 << 18);
    ASSERT_TRUE(source->start(ring)) << source->error();
    // PortAudio numbers its ports from 0 ("autolume:out_0", "autolume:out_1"), in channel order.
    const char** ports = jack_get_ports(recorder.client(), kPlaybackPortsRegex,
                                        JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput);
    std::vector<std::string> outputs;
    for (const char** p = ports; p && *p; ++p) outputs.emplace_back(*p);
    jack_free(ports);
    std::sort(outputs.begin(), outputs.end());
    ASSERT_EQ(outputs.size(), 2u) << "stereo output ports of PortAudio's JACK client";
    for (std::size_t c = 0; c < 2; ++c) {
        EXPECT_EQ(jack_connect(recorder.client(), outputs[c].c_str(), recorder.portName(c).c_str()),
                  0)
            << outputs[c];
    }
    const auto deadline = Clock::now() + 10s;
    while (!source->finished() && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(source->finished()) << "2 s of file not played within 10 s";
    std::this_thread::sleep_for(100ms);  // the last periods reach the recorder
    source->stop();

    // The ring holds the file's mono mix, every frame, in order.
    const std::vector<float> analysed = popAll(ring);
    const std::vector<float> mix = readAudioFileMono(path, nullptr);
    ASSERT_EQ(analysed.size(), mix.size());
    EXPECT_EQ(analysed, mix);
    EXPECT_EQ(source->overruns(), 0u);
    EXPECT_EQ(source->underruns(), 0u);

    // The output carried the file: left 440 Hz, right 660 Hz, through to the end. (The recorder
    // was connected after playback began, so it missed the start.)
    const std::size_t recorded = recorder.frames();
    const std::vector<float>& left = recorder.channel(0);
    const std::vector<float>& right = recorder.channel(1);
    const auto firstSound = static_cast<std::size_t>(
        std::find_if(left.begin(), left.begin() + static_cast<long>(recorded),
                     [](float v) { return std::fabs(v) > 0.01f; }) -
        left.begin());
    ASSERT_LT(firstSound + 24000, recorded) << "the recorder heard almost nothing";
    const float* l = left.data() + firstSound + 2400;
    const float* r = right.data() + firstSound + 2400;
    EXPECT_NEAR(test::toneLevel(l, 19200, 440.0, kRate), 0.4, 0.02);
    EXPECT_LT(test::toneLevel(l, 19200, 660.0, kRate), 0.01);
    EXPECT_NEAR(test::toneLevel(r, 19200, 660.0, kRate), 0.4, 0.02);
    EXPECT_LT(test::toneLevel(r, 19200, 440.0, kRate), 0.01);
    // Playback ended where the file did: silence follows.
    const auto lastSound = static_cast<std::size_t>(
        std::find_if(std::make_reverse_iterator(left.begin() + static_cast<long>(recorded)),
                     left.rend(), [](float v) { return std::fabs(v) > 0.01f; })
            .base() -
        left.begin());
    EXPECT_LT(lastSound, recorded) << "no silence after the end of the file";
}

TEST_F(CaptureJack, ResamplesAFileTheOutputCannotPlayAtItsRate) {
    const std::string path = writeStereo("stereo_44k.wav", 44100.0, 1.0, 441.0, 441.0);
    PlaybackOptions options;
    options.outputDevice = "system";
    options.requireOutput = true;
    auto source = makePlaybackSource(path, options);
    EXPECT_EQ(source->info().sampleRate, kRate) << "JACK runs at 48 kHz only";
    EXPECT_NE(source->info().note.find("resampled from 44100"), std::string::npos)
        << source->info().note;
    SampleRing ring(1 << 18);
    ASSERT_TRUE(source->start(ring)) << source->error();
    const auto deadline = Clock::now() + 10s;
    while (!source->finished() && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
    source->stop();
    const std::vector<float> analysed = popAll(ring);
    EXPECT_NEAR(static_cast<double>(analysed.size()), kRate, 64.0) << "1 s at 48 kHz";
    ASSERT_GT(analysed.size(), 40000u);
    // 441 Hz stays 441 Hz: 441 rising zero crossings in the second.
    EXPECT_NEAR(test::risingZeroCrossings(analysed.data(), analysed.size()), 441, 2);
}

// No server at all for this one: an output that does not exist falls back to unheard analysis.
TEST(Playback, FallsBackToUnheardAnalysisWithoutAnOutput) {
    const std::string path = writeStereo("fallback.wav", kRate, 0.5, 440.0, 440.0);
    PlaybackOptions options;
    options.outputDevice = "Imaginary Speakers 9000";
    auto source = makePlaybackSource(path, options);
    EXPECT_EQ(source->info().output, "");
    EXPECT_NE(source->info().note.find("not heard"), std::string::npos) << source->info().note;
    EXPECT_NE(source->info().note.find("Imaginary Speakers 9000"), std::string::npos)
        << source->info().note;
    options.requireOutput = true;
    EXPECT_THROW(makePlaybackSource(path, options), std::runtime_error);
    // An unreadable file is the file's fault, named, whatever the output.
    try {
        makePlaybackSource(path + ".missing", {});
        FAIL() << "expected an exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(".missing"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace autolume::audio
