// Audio sources without a sound card: the demo synth (offline and paced in real time) and audio
// files through libsndfile, checked against signals with known truth made by sox at test time.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sndfile.h>

#include "autolume/audio/audio_file_reader.hpp"
#include "autolume/audio/audio_source.hpp"
#include "autolume/audio/channel_router.hpp"
#include "autolume/audio/spsc_ring.hpp"

namespace autolume::audio {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr double kRate = 48000.0;

fs::path scratchDir() {
    const fs::path dir = fs::path(AUTOLUME_TEST_TMP) / "audio_sources";
    fs::create_directories(dir);
    return dir;
}

// Runs sox to make a test signal; the test fails (not skips) when sox is missing.
fs::path makeWav(const std::string& name, const std::string& soxEffects) {
    const fs::path path = scratchDir() / name;
    fs::remove(path);
    const std::string cmd =
        "sox -D -n -r 48000 -c 2 -b 16 '" + path.string() + "' " + soxEffects + " 2>&1";
    const int rc = std::system(cmd.c_str());
    if (rc != 0 || !fs::exists(path)) {
        ADD_FAILURE() << "sox could not write " << path << " (exit " << rc
                      << "); install sox (scripts/setup)";
    }
    return path;
}

int risingZeroCrossings(const std::vector<float>& x) {
    int n = 0;
    for (std::size_t i = 1; i < x.size(); ++i) n += (x[i - 1] < 0.0f && x[i] >= 0.0f) ? 1 : 0;
    return n;
}

float peakOf(const std::vector<float>& x) {
    float p = 0.0f;
    for (const float v : x) p = std::max(p, std::fabs(v));
    return p;
}

double rmsOf(const std::vector<float>& x) {
    double e = 0.0;
    for (const float v : x) e += static_cast<double>(v) * v;
    return x.empty() ? 0.0 : std::sqrt(e / static_cast<double>(x.size()));
}

// Mean energy in consecutive 10 ms frames.
std::vector<double> energyEnvelope(const std::vector<float>& x, std::size_t frame) {
    std::vector<double> env(x.size() / frame);
    for (std::size_t f = 0; f < env.size(); ++f) {
        double e = 0.0;
        for (std::size_t i = f * frame; i < (f + 1) * frame; ++i) e += double(x[i]) * x[i];
        env[f] = e / static_cast<double>(frame);
    }
    return env;
}

// Pops everything a source delivers until `done()` or the deadline; returns the samples.
template <typename Done>
std::vector<float> drain(SampleRing& ring, Done done, Clock::duration timeout) {
    std::vector<float> got;
    std::vector<float> chunk(4096);
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const bool finished = done();  // read before popping so no sample is left behind
        std::size_t n;
        while ((n = ring.pop(chunk.data(), chunk.size())) > 0) {
            got.insert(got.end(), chunk.begin(), chunk.begin() + static_cast<long>(n));
        }
        if (finished || Clock::now() > deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return got;
}

TEST(DemoSource, RenderIsDeterministicAndIndependentOfLength) {
    const std::vector<float> a = renderDemo(kRate, 4.0);
    const std::vector<float> b = renderDemo(kRate, 4.0);
    const std::vector<float> shorter = renderDemo(kRate, 1.5);
    ASSERT_EQ(a.size(), 4u * 48000u);
    ASSERT_EQ(shorter.size(), 72000u);
    EXPECT_EQ(a, b);
    EXPECT_TRUE(std::equal(shorter.begin(), shorter.end(), a.begin()));
}

TEST(DemoSource, IsAudibleAndWellBelowClipping) {
    const std::vector<float> x = renderDemo(kRate, 8.0);
    ASSERT_TRUE(std::all_of(x.begin(), x.end(), [](float v) { return std::isfinite(v); }));
    const float peak = peakOf(x);
    const double rms = rmsOf(x);
    EXPECT_GT(peak, 0.3f);
    EXPECT_LT(peak, 0.8f) << "peak must leave headroom (about -2 dBFS or lower)";
    EXPECT_GT(rms, 0.05);
    // No long silences anywhere: every 100 ms has sound.
    for (std::size_t start = 0; start + 4800 <= x.size(); start += 4800) {
        const std::vector<float> piece(x.begin() + static_cast<long>(start),
                                       x.begin() + static_cast<long>(start + 4800));
        EXPECT_GT(rmsOf(piece), 0.005) << "silent at " << start / kRate << " s";
    }
}

TEST(DemoSource, KickLandsOnEveryBeatAt120Bpm) {
    const std::vector<float> x = renderDemo(kRate, 8.0);
    const std::size_t frame = 480;  // 10 ms
    const std::vector<double> env = energyEnvelope(x, frame);
    const std::size_t beatFrames = 50;  // 0.5 s at 120 BPM
    ASSERT_EQ(env.size(), 16 * beatFrames);
    for (std::size_t beat = 0; beat < 16; ++beat) {
        const auto first = env.begin() + static_cast<long>(beat * beatFrames);
        // The loudest 10 ms of each beat is within 50 ms of the beat...
        const auto loudest = std::max_element(first, first + static_cast<long>(beatFrames));
        EXPECT_LT(loudest - first, 5) << "beat " << beat;
        // ...and clearly louder than the second half of the beat (offbeat hats, bass, pads).
        const double between =
            std::accumulate(first + 25, first + 50, 0.0) / 25.0;  // 250..500 ms after the beat
        EXPECT_GT(*loudest, 4.0 * between) << "beat " << beat;
    }
    // Onsets (rises in energy) repeat every 0.5 s: autocorrelation between 0.3 s and 0.7 s
    // peaks at 0.5 s.
    std::vector<double> rise(env.size(), 0.0);
    for (std::size_t i = 1; i < env.size(); ++i) rise[i] = std::max(0.0, env[i] - env[i - 1]);
    std::size_t bestLag = 0;
    double best = -1.0;
    for (std::size_t lag = 30; lag <= 70; ++lag) {
        double c = 0.0;
        for (std::size_t i = lag; i < rise.size(); ++i) c += rise[i] * rise[i - lag];
        if (c > best) {
            best = c;
            bestLag = lag;
        }
    }
    EXPECT_EQ(bestLag, beatFrames);
}

TEST(DemoSource, LiveSourceDeliversTheSameMusicInRealTime) {
    SampleRing ring(1 << 17);  // 2.7 s: the test reads only at the end
    auto source = makeDemoSource(kRate);
    EXPECT_EQ(source->info().kind, "demo");
    EXPECT_EQ(source->info().sampleRate, kRate);

    const auto t0 = Clock::now();
    ASSERT_TRUE(source->start(ring)) << source->error();
    EXPECT_FALSE(source->start(ring)) << "a second start() must be refused";
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const std::uint64_t written = ring.totalWritten();
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    source->stop();

    const double ratio = static_cast<double>(written) / (elapsed * kRate);
    EXPECT_GT(ratio, 0.8) << written << " samples in " << elapsed << " s";
    EXPECT_LT(ratio, 1.2) << written << " samples in " << elapsed << " s";
    EXPECT_EQ(written % 256, 0u) << "delivered in whole blocks";
    EXPECT_EQ(source->overruns(), 0u);

    std::vector<float> got(ring.readAvailable());
    ASSERT_EQ(ring.pop(got.data(), got.size()), got.size());
    const std::vector<float> expected = renderDemo(kRate, static_cast<double>(got.size()) / kRate);
    EXPECT_EQ(got, expected);
}

TEST(DemoSource, CountsOverrunsWhenNobodyReads) {
    SampleRing ring(1024);
    auto source = makeDemoSource(kRate);
    ASSERT_TRUE(source->start(ring));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    source->stop();
    EXPECT_EQ(ring.readAvailable(), 1024u);
    EXPECT_GT(source->overruns(), 0u);
    EXPECT_EQ((ring.totalWritten() + source->overruns()) % 256, 0u)
        << "pushed and dropped samples add up to whole blocks";
}

TEST(FileSource, ReadsStereoWavAsMono) {
    const fs::path wav = makeWav("sine440.wav", "synth 1 sine 440");
    double rate = 0.0;
    const std::vector<float> x = readAudioFileMono(wav.string(), &rate);
    EXPECT_EQ(rate, 48000.0);
    ASSERT_EQ(x.size(), 48000u);
    EXPECT_NEAR(risingZeroCrossings(x), 440, 2);
    EXPECT_GT(peakOf(x), 0.9f);

    // Only the left channel carries the tone: the mixdown averages the channels.
    const fs::path left = makeWav("left_only.wav", "synth 0.5 sine 440 vol 0.8 remix 1 0");
    const std::vector<float> y = readAudioFileMono(left.string(), &rate);
    ASSERT_EQ(y.size(), 24000u);
    EXPECT_NEAR(peakOf(y), 0.4f, 0.01f);
}

TEST(FileSource, PlaysTheExactSamplesInRealTimeThenFinishes) {
    const fs::path wav = makeWav("sine440_play.wav", "synth 1 sine 440");
    const std::vector<float> expected = readAudioFileMono(wav.string(), nullptr);

    auto source = makeFileSource(wav.string());
    EXPECT_EQ(source->info().kind, "file");
    EXPECT_EQ(source->info().name, wav.string());
    EXPECT_EQ(source->info().sampleRate, 48000.0);
    EXPECT_EQ(source->info().channels, 2);
    EXPECT_FALSE(source->finished());

    SampleRing ring(1 << 16);
    const auto t0 = Clock::now();
    ASSERT_TRUE(source->start(ring)) << source->error();
    const std::vector<float> got = drain(
        ring, [&] { return source->finished(); }, std::chrono::seconds(10));
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();

    EXPECT_TRUE(source->finished());
    EXPECT_EQ(source->overruns(), 0u);
    EXPECT_EQ(got, expected);
    // Paced, not dumped: the last sample cannot arrive before the file's duration has passed.
    EXPECT_GE(elapsed, 0.99);
    source->stop();
}

TEST(FileSource, MissingFileThrowsNamingIt) {
    const std::string path = (scratchDir() / "no_such_song.wav").string();
    try {
        readAudioFileMono(path, nullptr);
        FAIL() << "expected an exception";
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        EXPECT_EQ(what.rfind(path + ": cannot open", 0), 0u) << what;
    }
    EXPECT_THROW(makeFileSource(path), std::runtime_error);
}

TEST(FileSource, NonAudioFileThrowsNamingIt) {
    const fs::path path = scratchDir() / "notes.mp3";
    std::ofstream(path) << "these are not the samples you are looking for\n";
    try {
        makeFileSource(path.string());
        FAIL() << "expected an exception";
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        EXPECT_EQ(what.rfind(path.string() + ": ", 0), 0u) << what;
        EXPECT_NE(what.find("cannot open (not an audio format"), std::string::npos) << what;
    }
}

// Writes `seconds` of stereo (left 440 Hz, right 660 Hz, amplitude 0.4) in any format libsndfile
// writes.
fs::path writeStereo(const std::string& name, int format, double seconds = 1.0) {
    const fs::path path = scratchDir() / name;
    SF_INFO info{};
    info.samplerate = 48000;
    info.channels = 2;
    info.format = format;
    SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
    if (!file) {
        ADD_FAILURE() << "libsndfile cannot write " << path << ": " << sf_strerror(nullptr);
        return path;
    }
    const auto frames = static_cast<std::size_t>(seconds * 48000);
    std::vector<float> x(frames * 2);
    for (std::size_t i = 0; i < frames; ++i) {
        x[2 * i] = static_cast<float>(0.4 * std::sin(2 * M_PI * 440.0 * i / 48000.0));
        x[2 * i + 1] = static_cast<float>(0.4 * std::sin(2 * M_PI * 660.0 * i / 48000.0));
    }
    sf_writef_float(file, x.data(), static_cast<sf_count_t>(frames));
    sf_close(file);
    return path;
}

TEST(SampleRingFrames, PushesWholeFramesOnly) {
    // Stems are interleaved frames: a full ring must refuse a frame rather than split it, or
    // every later frame would come out with its channels swapped.
    SampleRing ring(8);
    const std::vector<float> frames = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    EXPECT_EQ(ring.writeAvailable(), 8u);
    EXPECT_EQ(ring.pushFrames(frames.data(), 5, 2), 4u);
    EXPECT_EQ(ring.readAvailable(), 8u);
    std::vector<float> out(3);
    ASSERT_EQ(ring.pop(out.data(), 3), 3u);
    EXPECT_EQ(ring.writeAvailable(), 3u);
    EXPECT_EQ(ring.pushFrames(frames.data(), 2, 2), 1u) << "room for one whole frame of two";
    EXPECT_EQ(ring.readAvailable(), 7u);
}

TEST(AudioFileReader, ReadsWavFlacOggAndMp3InChunks) {
    struct Format {
        const char* name;
        int format;
    };
    for (const Format f : {Format{"stereo.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT},
                           Format{"stereo.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16},
                           Format{"stereo.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS},
                           Format{"stereo.mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III}}) {
        const fs::path path = writeStereo(f.name, f.format);
        AudioFileReader reader(path.string());
        EXPECT_EQ(reader.sampleRate(), 48000.0) << f.name;
        ASSERT_EQ(reader.channels(), 2) << f.name;
        std::vector<float> left;
        std::vector<float> right;
        std::vector<float> chunk(2 * 1000);
        for (;;) {
            const std::size_t got = reader.read(chunk.data(), 1000);
            if (got == 0) break;
            for (std::size_t i = 0; i < got; ++i) {
                left.push_back(chunk[2 * i]);
                right.push_back(chunk[2 * i + 1]);
            }
        }
        // Lossy codecs pad a little; the tones are what must survive.
        EXPECT_NEAR(static_cast<double>(left.size()), 48000.0, 2400.0) << f.name;
        EXPECT_NEAR(risingZeroCrossings(left), 440, 3) << f.name;
        EXPECT_NEAR(risingZeroCrossings(right), 660, 3) << f.name;
        EXPECT_NEAR(rmsOf(left), 0.4 / std::sqrt(2.0), 0.03) << f.name;
    }
}

TEST(ChannelRouter, ParsesOneBasedListsAndRanges) {
    EXPECT_EQ(parseChannelList("1,2").channels, (std::vector<int>{0, 1}));
    EXPECT_EQ(parseChannelList(" 3 - 5 ,1").channels, (std::vector<int>{2, 3, 4, 0}));
    EXPECT_TRUE(parseChannelList("2", true).stems);
    EXPECT_EQ(describeChannels(parseChannelList("1-3")), "1,2,3");
    EXPECT_EQ(describeChannels({}), "default");
    for (const char* bad : {"", "0", "a", "1,1", "3-1", "1,,2", "-2", "99999"}) {
        try {
            parseChannelList(bad);
            ADD_FAILURE() << "'" << bad << "' accepted";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos)
                << e.what();
        }
    }
}

TEST(ChannelRouter, MixesOrSplitsTheSelectedChannels) {
    // Four channels per frame: 1, 2, 3, 4 (+ 10 per frame).
    std::vector<float> in;
    for (int f = 0; f < 3; ++f) {
        for (int c = 1; c <= 4; ++c) in.push_back(static_cast<float>(c + 10 * f));
    }
    std::vector<float> out(12);
    const ChannelRouter byDefault(4, {}, 2);
    EXPECT_EQ(byDefault.outputChannels(), 1);
    byDefault.route(in.data(), 3, out.data());
    EXPECT_EQ(out[0], 1.5f);  // (1 + 2) / 2
    EXPECT_EQ(out[2], 21.5f);

    const ChannelRouter mix(4, parseChannelList("2,4"), 2);
    mix.route(in.data(), 3, out.data());
    EXPECT_EQ(out[1], 13.0f);  // (12 + 14) / 2

    const ChannelRouter stems(4, parseChannelList("4,1", true), 2);
    EXPECT_EQ(stems.outputChannels(), 2);
    stems.route(in.data(), 3, out.data());
    EXPECT_EQ(std::vector<float>(out.begin(), out.begin() + 6),
              (std::vector<float>{4, 1, 14, 11, 24, 21}));

    try {
        ChannelRouter(2, parseChannelList("3"), 2);
        FAIL() << "expected an exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("channel 3"), std::string::npos) << e.what();
    }
}

TEST(FileSource, DeliversSelectedChannelsOrStems) {
    const fs::path wav = writeStereo("stems.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 0.5);
    AudioFileReader reader(wav.string());
    std::vector<float> expected(2 * 24000);
    ASSERT_EQ(reader.read(expected.data(), 24000), 24000u);

    FileSourceOptions right;
    right.channels = parseChannelList("2");
    auto rightOnly = makeFileSource(wav.string(), right);
    EXPECT_EQ(rightOnly->info().ringChannels, 1);
    SampleRing ring(1 << 17);
    ASSERT_TRUE(rightOnly->start(ring)) << rightOnly->error();
    const std::vector<float> mono = drain(
        ring, [&] { return rightOnly->finished(); }, std::chrono::seconds(5));
    ASSERT_EQ(mono.size(), 24000u);
    for (std::size_t i = 0; i < mono.size(); ++i) ASSERT_EQ(mono[i], expected[2 * i + 1]) << i;

    FileSourceOptions both;
    both.channels = parseChannelList("1,2", true);
    auto stems = makeFileSource(wav.string(), both);
    EXPECT_EQ(stems->info().ringChannels, 2);
    SampleRing stemRing(1 << 17);
    ASSERT_TRUE(stems->start(stemRing)) << stems->error();
    const std::vector<float> frames = drain(
        stemRing, [&] { return stems->finished(); }, std::chrono::seconds(5));
    EXPECT_EQ(frames, expected) << "stems mode delivers the file's frames as they are";

    FileSourceOptions missing;
    missing.channels = parseChannelList("3");
    EXPECT_THROW(makeFileSource(wav.string(), missing), std::runtime_error);
}

}  // namespace
}  // namespace autolume::audio
