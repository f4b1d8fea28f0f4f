// io::VideoWriter: what it writes, decoded again with FFmpeg's own decoders.
#include "autolume/io/video_writer.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <numbers>

#include "test_files.hpp"
#include "video_decode.hpp"

namespace fs = std::filesystem;
using autolume::io::AudioSettings;
using autolume::io::PixelLayout;
using autolume::io::VideoSettings;
using autolume::io::VideoWriter;
using autolume::test::decodeVideo;
using autolume::test::psnr;

namespace {

constexpr int kWidth = 96, kHeight = 64;

// A smooth picture that moves with i (codecs keep it well: PSNR is meaningful).
std::vector<std::uint8_t> pattern(int i) {
    std::vector<std::uint8_t> rgb(kWidth * kHeight * 3);
    for (int y = 0; y < kHeight; ++y)
        for (int x = 0; x < kWidth; ++x) {
            std::uint8_t* p = &rgb[(y * kWidth + x) * 3];
            p[0] = static_cast<std::uint8_t>(128 + 100 * std::sin((x + 2 * i) * 0.08));
            p[1] = static_cast<std::uint8_t>(128 + 100 * std::cos((y + i) * 0.1));
            p[2] = static_cast<std::uint8_t>((x + y + 3 * i) % 256 / 2 + 64);
        }
    return rgb;
}

std::vector<float> sine(int rate, int channels, double seconds, double hz) {
    const auto frames = static_cast<std::size_t>(rate * seconds);
    std::vector<float> s(frames * channels);
    for (std::size_t i = 0; i < frames; ++i)
        for (int c = 0; c < channels; ++c)
            s[i * channels + c] =
                static_cast<float>(0.5 * std::sin(2.0 * std::numbers::pi * hz * i / rate));
    return s;
}

VideoSettings small() {
    VideoSettings v;
    v.width = kWidth;
    v.height = kHeight;
    v.fps = 30.0;
    v.threads = 1;
    return v;
}

}  // namespace

TEST(VideoWriter, Mp4WithH264AndAacDecodesToWhatWasWritten) {
    const fs::path dir = autolume::test::freshDir("video_writer_mp4");
    const fs::path file = dir / "clip.mp4";
    const AudioSettings audio{48000, 2};
    const std::vector<float> tone = sine(48000, 2, 2.0, 440.0);
    {
        VideoWriter writer(file.string(), small(), audio);
        for (int i = 0; i < 60; ++i) writer.writeVideo(pattern(i).data(), PixelLayout::Rgb, i);
        // Audio in uneven pieces, as a reader gives it.
        for (std::size_t at = 0; at < tone.size() / 2;) {
            const std::size_t n = std::min<std::size_t>(777, tone.size() / 2 - at);
            writer.writeAudio(tone.data() + at * 2, n);
            at += n;
        }
        writer.finish();
        EXPECT_EQ(writer.videoFrames(), 60);
        EXPECT_EQ(writer.audioFrames(), 96000);
        EXPECT_EQ(writer.videoEncoder(), "libx264");
    }
    const auto d = decodeVideo(file.string());
    EXPECT_EQ(d.videoCodec, "h264");
    EXPECT_EQ(d.audioCodec, "aac");
    EXPECT_EQ(d.pixelFormat, "yuv420p");
    EXPECT_EQ(d.width, kWidth);
    EXPECT_EQ(d.height, kHeight);
    EXPECT_DOUBLE_EQ(d.fps, 30.0);
    ASSERT_EQ(d.frames.size(), 60u);
    for (int i = 0; i < 60; ++i) {
        EXPECT_NEAR(d.frameTimes[i], i / 30.0, 1e-3) << "frame " << i;
        EXPECT_GT(psnr(d.frames[i], pattern(i)), 30.0) << "frame " << i;
    }
    // Frames are told apart: each decodes closest to its own source.
    EXPECT_GT(psnr(d.frames[10], pattern(10)), psnr(d.frames[10], pattern(11)) + 3.0);

    // Audio: the AAC priming is cut by the edit list; the length is the input's, padded to the
    // last whole AAC frame (1024 samples) at most.
    EXPECT_EQ(d.sampleRate, 48000);
    EXPECT_EQ(d.channels, 2);
    const std::size_t frames = d.audio.size() / 2;
    EXPECT_GE(frames, 96000u - 1024u);
    EXPECT_LE(frames, 96000u + 2048u);
    EXPECT_NEAR(d.audioStartSec, 0.0, 1e-3);
    // The tone itself: level and pitch (zero crossings over the middle second).
    double sum = 0.0;
    int crossings = 0;
    for (std::size_t i = 24000; i < 72000; ++i) {
        sum += d.audio[i * 2] * d.audio[i * 2];
        if ((d.audio[i * 2] < 0.0f) != (d.audio[i * 2 + 2] < 0.0f)) ++crossings;
    }
    EXPECT_NEAR(std::sqrt(sum / 48000.0), 0.5 / std::sqrt(2.0), 0.02);
    EXPECT_NEAR(crossings, 880, 4);
}

TEST(VideoWriter, BottomUpRgbaGivesTheSamePictureAsRgb) {
    const fs::path dir = autolume::test::freshDir("video_writer_rgba");
    const std::vector<std::uint8_t> rgb = pattern(7);
    std::vector<std::uint8_t> rgba(kWidth * kHeight * 4);
    for (int y = 0; y < kHeight; ++y)
        for (int x = 0; x < kWidth; ++x) {
            const std::uint8_t* s = &rgb[(y * kWidth + x) * 3];
            std::uint8_t* d = &rgba[((kHeight - 1 - y) * kWidth + x) * 4];
            d[0] = s[0], d[1] = s[1], d[2] = s[2], d[3] = 255;
        }
    auto write = [&](const char* name, PixelLayout layout, const std::uint8_t* pixels) {
        VideoWriter writer((dir / name).string(), small(), AudioSettings{});
        writer.writeVideo(pixels, layout, 0);
        writer.finish();
    };
    write("rgb.mkv", PixelLayout::Rgb, rgb.data());
    write("rgba.mkv", PixelLayout::RgbaBottomUp, rgba.data());
    const auto a = decodeVideo((dir / "rgb.mkv").string());
    const auto b = decodeVideo((dir / "rgba.mkv").string());
    ASSERT_EQ(a.frames.size(), 1u);
    ASSERT_EQ(b.frames.size(), 1u);
    EXPECT_EQ(a.frames[0], b.frames[0]);
    EXPECT_TRUE(b.audioCodec.empty());
}

TEST(VideoWriter, GapsHoldTheFrameAndIndicesMustIncrease) {
    const fs::path dir = autolume::test::freshDir("video_writer_gaps");
    VideoWriter writer((dir / "gaps.mkv").string(), small(), AudioSettings{});
    writer.writeVideo(pattern(0).data(), PixelLayout::Rgb, 0);
    writer.writeVideo(pattern(1).data(), PixelLayout::Rgb, 5);
    EXPECT_THROW(writer.writeVideo(pattern(2).data(), PixelLayout::Rgb, 5), std::runtime_error);
    writer.finish();
    const auto d = decodeVideo((dir / "gaps.mkv").string());
    ASSERT_EQ(d.frameTimes.size(), 2u);
    EXPECT_NEAR(d.frameTimes[1], 5 / 30.0, 2e-3);
}

TEST(VideoWriter, BadSettingsAreOneLineNamingTheTargetAndCreateNothing) {
    const fs::path dir = autolume::test::freshDir("video_writer_bad");
    const std::string file = (dir / "x.mp4").string();
    auto message = [](auto&& make) {
        try {
            make();
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    VideoSettings codec = small();
    codec.codec = "nosuchcodec";
    std::string m = message([&] { VideoWriter(file, codec, AudioSettings{}); });
    EXPECT_NE(m.find(file), std::string::npos) << m;
    EXPECT_NE(m.find("unknown video codec 'nosuchcodec'"), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;

    VideoSettings odd = small();
    odd.width = 95;
    m = message([&] { VideoWriter(file, odd, AudioSettings{}); });
    EXPECT_NE(m.find("95x64 must be positive and even"), std::string::npos) << m;

    m = message([&] { VideoWriter(file, small(), AudioSettings{48000, 2, "nosuchaudio"}); });
    EXPECT_NE(m.find("unknown audio codec 'nosuchaudio'"), std::string::npos) << m;

    m = message([&] { VideoWriter(file, small(), AudioSettings{}, "nosuchformat"); });
    EXPECT_NE(m.find("unknown container format 'nosuchformat'"), std::string::npos) << m;

    const std::string missing = (dir / "no" / "such" / "folder" / "x.mp4").string();
    m = message([&] { VideoWriter(missing, small(), AudioSettings{}); });
    EXPECT_NE(m.find(missing + ": cannot open for writing"), std::string::npos) << m;
    EXPECT_FALSE(fs::exists(dir / "no"));
    EXPECT_FALSE(fs::exists(file));
}

// The live recording's settings: Matroska, a cluster a second, packets flushed, x264's
// zerolatency. A kill -9 mid-recording leaves a file that plays up to about its last second.
TEST(VideoWriter, MatroskaKilledMidRecordingStillPlays) {
    const fs::path dir = autolume::test::freshDir("video_writer_kill");
    const fs::path file = dir / "live.mkv";
    constexpr int kFrames = 150;  // 5 s
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        VideoSettings v = small();
        v.lowLatency = true;
        VideoWriter writer(file.string(), v, AudioSettings{48000, 2}, "matroska", {},
                           {{"cluster_time_limit", "1000"}, {"flush_packets", "1"}});
        const std::vector<float> tone = sine(48000, 2, 1.0 / 30.0, 440.0);
        for (int i = 0; i < kFrames; ++i) {
            writer.writeVideo(pattern(i).data(), PixelLayout::Rgb, i);
            writer.writeAudio(tone.data(), tone.size() / 2);
        }
        raise(SIGKILL);  // no finish(), no destructor: as a crash or kill -9 leaves it
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status));
    const auto d = decodeVideo(file.string(), false);
    EXPECT_EQ(d.videoCodec, "h264");
    EXPECT_EQ(d.audioCodec, "aac");
    // Everything but the last, unfinished cluster (at most a second) is there.
    EXPECT_GE(d.frameTimes.size(), static_cast<std::size_t>(kFrames - 31));
    EXPECT_LE(d.frameTimes.size(), static_cast<std::size_t>(kFrames));
    EXPECT_GE(d.audio.size() / 2, static_cast<std::size_t>(48000 * (kFrames / 30.0 - 1.05)));
}

// The same frames and audio give the same file, byte for byte (renders are reproducible).
TEST(VideoWriter, SameInputGivesTheSameBytes) {
    const fs::path dir = autolume::test::freshDir("video_writer_same");
    const std::vector<float> tone = sine(44100, 2, 3.0, 220.0);
    for (const char* name : {"a.mp4", "b.mp4"}) {
        VideoSettings v = small();
        v.threads = 2;  // x264 frame threads too
        VideoWriter writer((dir / name).string(), v, AudioSettings{44100, 2}, {}, {},
                           {{"movflags", "+faststart"}});
        for (int i = 0; i < 90; ++i) {
            writer.writeVideo(pattern(i).data(), PixelLayout::Rgb, i);
            if (i % 30 == 0) writer.writeAudio(tone.data() + i / 30 * 44100 * 2, 44100);
        }
        writer.finish();
    }
    EXPECT_TRUE(autolume::test::readFile(dir / "a.mp4") == autolume::test::readFile(dir / "b.mp4"))
        << "two writes of the same input differ";
}
