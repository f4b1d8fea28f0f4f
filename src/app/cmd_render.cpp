// `autolume render AUDIO -o OUT.mp4 [-m MODEL] [--fps 30] [--size WxH] [--fit fill]
//                 [--params FILE] [--keyframes LIST [--keyframe-timing T] [--transition T]]
//                 [--presets DIR] [--seed N] [--crf N | --bitrate R] [--codec C] [--preset P]
//                 [--start SEC] [--end SEC] [--post-dir DIR] [--threads N]
//                 [--stem NAME=FILE[@CHANNELS] ...]`
// The offline music video: the live analysis and latent walk over the whole song
// (OfflineWalk, the code path of `analyze --latents`), every frame drawn by the generator, put
// through the live post chain in an offscreen OpenGL context (EGL: no window, no X server) at
// the output size and fit mode, encoded to H.264 (yuv420p) with the song muxed in as AAC, through
// FFmpeg's libraries (io::VideoWriter). ceil(duration * fps) frames; frame i shows time i / fps
// and the audio starts with frame 0. The file is written as OUT.part and renamed when
// complete: a failed or interrupted render never leaves an OUT that looks finished.
//
// Stems (separated drums, bass, vocals; or channel groups of a multichannel file) are analysed
// hop by hop beside the song: a parameter file maps their features ("drums.onset_envelope") to
// any parameter, while the walk follows and the video carries the full mix.
//
// In silence the walk stands still (walk.base_speed 0 unless the parameter file sets it): a
// music video's quiet parts hold their picture.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "autolume/audio/audio_file_reader.hpp"
#include "autolume/audio/channel_router.hpp"
#include "autolume/features/stem_analyzer.hpp"
#include "commands.hpp"
#include "offline_walk.hpp"
#include "options.hpp"
#include "session_setup.hpp"

#ifdef AUTOLUME_HAS_RENDER
#include "autolume/io/video_writer.hpp"
#include "autolume/render/offscreen_context.hpp"
#include "autolume/render/post_chain.hpp"
#include "stage.hpp"
#endif

namespace autolume::app {
namespace {

namespace fs = std::filesystem;

struct RenderOptions {
    std::string audio;
    std::string output;
    WalkOptions walk;  // model, fps, seed, params, keyframes: as `analyze --latents`
    std::string size = "1280x720";
    std::string fit = "fill";
    int crf = 18;
    std::string bitrate;
    std::string codec = "libx264";
    std::string preset = "medium";
    double start = 0.0;
    double end = -1.0;  // < 0: the end of the song
    std::string postDir;
    std::string shaderDir;
    int threads = 0;
    std::vector<std::string> stems;  // NAME=FILE[@CHANNELS]
};

int usageError(const std::string& message) {
    std::fprintf(stderr, "autolume render: %s\n", message.c_str());
    return 2;
}

int failure(const std::string& message) {
    std::fprintf(stderr, "autolume render: %s\n", message.c_str());
    return 1;
}

// "1920x1080" -> {1920, 1080}; nullopt when malformed.
std::optional<std::pair<int, int>> parseSize(const std::string& text) {
    int w = 0, h = 0;
    char x = 0, rest = 0;
    if (std::sscanf(text.c_str(), "%d%c%d%c", &w, &x, &h, &rest) != 3 || (x != 'x' && x != 'X'))
        return std::nullopt;
    return std::pair{w, h};
}

// "8M", "2500k", "800000" -> bits per second; -1 when malformed.
std::int64_t parseBitrate(const std::string& text) {
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || !(value > 0.0)) return -1;
    double scale = 1.0;
    if (*end == 'k' || *end == 'K')
        scale = 1e3, ++end;
    else if (*end == 'M' || *end == 'm')
        scale = 1e6, ++end;
    if (*end != '\0') return -1;
    return static_cast<std::int64_t>(value * scale);
}

std::string clock(double seconds) {
    const auto s = static_cast<long>(std::max(0.0, seconds) + 0.5);
    char text[32];
    std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
    return text;
}

// A bar with frames/s and ETA on a terminal (redrawn at most 5 times a second), plain lines at
// every 10 % elsewhere (logs, CI).
class Progress {
  public:
    explicit Progress(std::int64_t total) : m_total(std::max<std::int64_t>(total, 1)) {}
    void update(std::int64_t done) {
        const auto now = std::chrono::steady_clock::now();
        const double elapsed = std::chrono::duration<double>(now - m_start).count();
        const double fps = elapsed > 0.0 ? done / elapsed : 0.0;
        const double eta = fps > 0.0 ? (m_total - done) / fps : 0.0;
        const int percent = static_cast<int>(std::min<std::int64_t>(100, done * 100 / m_total));
        if (m_tty) {
            if (done < m_total && now - m_last < std::chrono::milliseconds(200)) return;
            m_last = now;
            constexpr int kWidth = 30;
            const int filled = percent * kWidth / 100;
            std::fprintf(stderr, "\r[%.*s%*s] %3d%% %lld/%lld frames  %.1f frames/s  ETA %s ",
                         filled, "==============================", kWidth - filled, "", percent,
                         static_cast<long long>(done), static_cast<long long>(m_total), fps,
                         clock(eta).c_str());
            if (done >= m_total) std::fputc('\n', stderr);
        } else if (percent >= m_nextPercent) {
            std::fprintf(stderr,
                         "autolume render: %d%% (%lld/%lld frames, %.1f frames/s, ETA %s)\n",
                         percent, static_cast<long long>(done), static_cast<long long>(m_total),
                         fps, clock(eta).c_str());
            m_nextPercent = percent / 10 * 10 + 10;
        }
    }
    double elapsedSec() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    }

  private:
    std::int64_t m_total;
    bool m_tty = isatty(STDERR_FILENO) != 0;
    int m_nextPercent = 10;
    std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point m_last{};
};

#ifdef AUTOLUME_HAS_RENDER

// The partial file is removed unless released (every exit but success).
class PartialFile {
  public:
    explicit PartialFile(fs::path path) : m_path(std::move(path)) {}
    ~PartialFile() {
        std::error_code ec;
        if (!m_path.empty()) fs::remove(m_path, ec);
    }
    const fs::path& path() const { return m_path; }
    void release() { m_path.clear(); }

  private:
    fs::path m_path;
};

volatile std::sig_atomic_t g_interrupted = 0;

// Encoding beside the drawing: the next frames are generated and post-processed while the
// encoder works on the last ones (x264 at 1080p takes most of a frame's time). Items (video
// frames and audio blocks) keep their order in a queue of a few; drawing waits when it is full.
// An encoder error ends the render at the next push or at finish().
class EncoderThread {
  public:
    explicit EncoderThread(io::VideoWriter& writer)
        : m_writer(writer), m_thread([this] { run(); }) {}
    ~EncoderThread() {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
            m_items.clear();
        }
        m_changed.notify_all();
        if (m_thread.joinable()) m_thread.join();
    }
    EncoderThread(const EncoderThread&) = delete;
    EncoderThread& operator=(const EncoderThread&) = delete;

    void video(std::vector<std::uint8_t> rgb, std::int64_t index) {
        push({Item::Kind::Video, std::move(rgb), {}, index});
    }
    void audio(const float* interleaved, std::size_t frames, int channels) {
        push({Item::Kind::Audio,
              {},
              std::vector<float>(interleaved, interleaved + frames * channels),
              static_cast<std::int64_t>(frames)});
    }
    // Everything queued encoded, the writer finished; rethrows the encoder's error.
    void finish() {
        push({Item::Kind::Finish, {}, {}, 0});
        m_thread.join();
        if (m_error) std::rethrow_exception(m_error);
    }

  private:
    struct Item {
        enum class Kind { Video, Audio, Finish } kind;
        std::vector<std::uint8_t> rgb;
        std::vector<float> samples;
        std::int64_t number;  // the frame index, or audio frames
    };
    static constexpr std::size_t kQueued = 3;

    void push(Item&& item) {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] { return m_items.size() < kQueued || m_error; });
        if (m_error) std::rethrow_exception(m_error);
        m_items.push_back(std::move(item));
        lock.unlock();
        m_changed.notify_all();
    }

    void run() {
        for (;;) {
            std::unique_lock lock(m_mutex);
            m_changed.wait(lock, [&] { return !m_items.empty() || m_stop; });
            if (m_stop) return;
            Item item = std::move(m_items.front());
            m_items.pop_front();
            lock.unlock();
            m_changed.notify_all();
            try {
                if (item.kind == Item::Kind::Video)
                    m_writer.writeVideo(item.rgb.data(), io::PixelLayout::Rgb, item.number);
                else if (item.kind == Item::Kind::Audio)
                    m_writer.writeAudio(item.samples.data(), static_cast<std::size_t>(item.number));
                else {
                    m_writer.finish();
                    return;
                }
            } catch (...) {
                std::lock_guard errorLock(m_mutex);
                m_error = std::current_exception();
                m_changed.notify_all();
                return;
            }
        }
    }

    io::VideoWriter& m_writer;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<Item> m_items;
    std::exception_ptr m_error;
    bool m_stop = false;
    std::thread m_thread;  // last: starts once everything above exists
};

int runRender(const RenderOptions& o) {
    const auto size = parseSize(o.size);
    if (!size || size->first < 16 || size->second < 16 || size->first > 8192 || size->second > 8192)
        return usageError("--size must be WxH, each 16 to 8192 (got '" + o.size + "')");
    if (size->first % 2 || size->second % 2)
        return usageError("--size " + o.size + ": width and height must be even (H.264 4:2:0)");
    const auto fit = render::fitModeFromName(o.fit);
    if (!fit) return usageError("--fit must be fill, fit, stretch or tile (got '" + o.fit + "')");
    if (!(o.walk.fps > 0.0 && o.walk.fps <= 240.0))
        return usageError("--fps must be above 0 and at most 240");
    if (o.crf < 0 || o.crf > 63) return usageError("--crf must be 0 to 63");
    std::int64_t bitrate = 0;
    if (!o.bitrate.empty() && (bitrate = parseBitrate(o.bitrate)) < 0)
        return usageError("--bitrate must be a rate such as 8M or 2500k (got '" + o.bitrate + "')");
    if (!(o.start >= 0.0)) return usageError("--start must be 0 or more seconds");
    if (o.end >= 0.0 && o.end <= o.start) return usageError("--end must come after --start");

    std::unique_ptr<audio::AudioFileReader> reader;
    try {
        reader = std::make_unique<audio::AudioFileReader>(o.audio);
    } catch (const std::exception& e) {
        return failure(e.what());
    }
    const double rate = reader->sampleRate();
    const double headerSec = static_cast<double>(reader->frames()) / rate;
    if (reader->frames() <= 0) return failure(o.audio + ": no audio frames");
    if (o.start >= headerSec)
        return usageError("--start " + std::to_string(o.start) + " s is past the end of " +
                          o.audio + " (" + std::to_string(headerSec) + " s)");
    audio::ChannelRouter router(reader->channels(), {}, reader->channels());
    features::AnalyzerConfig analysis;
    analysis.sampleRate = rate;
    features::StemAnalyzer analyzer(router.outputChannels(), analysis);

    model::setCpuThreads(model::resolveCpuThreads(o.threads));
    std::unique_ptr<OfflineWalk> walk;
    try {
        WalkOptions w = o.walk;
        w.stageParams = stageParamSpecs();
        w.stillInSilence = true;
        for (const std::string& stem : o.stems) w.stems.push_back(parseStem(stem));
        w.analysis = analysis;
        walk = std::make_unique<OfflineWalk>(w);
    } catch (const std::invalid_argument& e) {
        return usageError(e.what());
    } catch (const std::exception& e) {
        return failure(e.what());
    }

    std::unique_ptr<render::OffscreenContext> gl;
    std::unique_ptr<render::PostChain> post;
    try {
        gl = std::make_unique<render::OffscreenContext>();
        const fs::path shaders = o.shaderDir.empty() ? defaultShaderDir() : o.shaderDir;
        post = std::make_unique<render::PostChain>(
            shaders / "post", o.postDir.empty() ? fs::path() : fs::path(o.postDir));
        for (const render::PostStageStatus& s : post->stages())
            if (!s.error.empty()) std::fprintf(stderr, "autolume render: %s\n", s.error.c_str());
    } catch (const std::exception& e) {
        return failure(e.what());
    }

    // The section of the song: frames [first, last) and the audio from frame `first` on.
    const auto first = static_cast<std::int64_t>(std::ceil(o.start * o.walk.fps - 1e-9));
    const double endSec = o.end >= 0.0 ? std::min(o.end, headerSec) : headerSec;
    const auto audioFirst = static_cast<std::int64_t>(std::llround(first / o.walk.fps * rate));
    std::int64_t audioLast =
        o.end >= 0.0 ? static_cast<std::int64_t>(std::llround(o.end * rate)) : INT64_MAX;

    const fs::path outPath(o.output);
    PartialFile partial(outPath.string() + ".part");
    std::unique_ptr<io::VideoWriter> writer;
    io::VideoSettings video;
    video.width = size->first;
    video.height = size->second;
    video.fps = o.walk.fps;
    video.codec = o.codec;
    video.crf = o.crf;
    video.bitrate = bitrate;
    if (o.codec == "libx264" || o.codec == "h264" || o.codec == "libx265" || o.codec == "hevc")
        video.preset = o.preset;
    io::AudioSettings sound;
    sound.sampleRate = static_cast<int>(rate);
    sound.channels = reader->channels();
    try {
        // Muxer chosen by the final name's extension; the index at the front (plays while it
        // downloads).
        writer = std::make_unique<io::VideoWriter>(
            partial.path().string(), video, sound, std::string(), outPath.string(),
            std::vector<std::pair<std::string, std::string>>{{"movflags", "+faststart"}});
    } catch (const std::exception& e) {
        std::string message = e.what();
        // Name the file the user asked for, not its temporary name.
        if (message.starts_with(partial.path().string()))
            message = o.output + message.substr(partial.path().string().size());
        return failure(message);
    }

    const int modelSize = walk->info().resolution;
    std::vector<std::uint8_t> rgba(static_cast<std::size_t>(modelSize) * modelSize * 4);
    const std::int64_t expected =
        static_cast<std::int64_t>(std::ceil(endSec * o.walk.fps - 1e-9)) - first;
    Progress progress(expected);
    EncoderThread encoder(*writer);
    std::int64_t audioAt = 0;  // source frames read so far
    std::int64_t written = 0;
    const auto frameSink = [&](const WalkFrame& f) {
        if (g_interrupted) throw std::runtime_error("interrupted");
        if (f.index < first || (o.end >= 0.0 && f.timeSec >= o.end - 1e-9)) return;
        model::Generator& generator = walk->generator();
        const model::SynthesisOptions options = walk->synthesisOptions(*f.control, 0);
        generator.render(f.ws, 1.0f, options, rgba.data());  // ws come truncated
        post->upload(rgba.data(), modelSize, modelSize);
        post->setParams(f.snapshot->stage);
        post->render(video.width, video.height, *fit, postInputFrom(f.snapshot->input, f.timeSec));
        encoder.video(post->readOutput(), f.index - first);
        progress.update(++written);
    };
    const double hopSec = analysis.hopSize / rate;
    std::uint64_t framesRead = 0;
    const auto previous = std::signal(SIGINT, [](int) { g_interrupted = 1; });
    const auto previousTerm = std::signal(SIGTERM, [](int) { g_interrupted = 1; });
    try {
        framesRead = analyzeFile(
            *reader, router, analyzer, analysis.hopSize,
            [&](std::span<const features::FeatureFrame> out) {
                walk->hop(out[0], hopSec, frameSink);
            },
            [&](const float* interleaved, std::size_t frames) {
                // The audio of [audioFirst, audioLast) source frames.
                const std::int64_t from = std::max(audioAt, audioFirst);
                const std::int64_t to =
                    std::min(audioAt + static_cast<std::int64_t>(frames), audioLast);
                if (to > from)
                    encoder.audio(interleaved + (from - audioAt) * reader->channels(),
                                  static_cast<std::size_t>(to - from), reader->channels());
                audioAt += static_cast<std::int64_t>(frames);
            });
        const double durationSec = static_cast<double>(framesRead) / rate;
        walk->finish(o.end >= 0.0 ? std::min(o.end, durationSec) : durationSec, frameSink);
        encoder.finish();
    } catch (const std::exception& e) {
        std::signal(SIGINT, previous);
        std::signal(SIGTERM, previousTerm);
        if (isatty(STDERR_FILENO)) std::fputc('\n', stderr);
        return failure(std::string(e.what()) + " after " + std::to_string(written) +
                       " frames; no " + o.output + " written");
    }
    std::signal(SIGINT, previous);
    std::signal(SIGTERM, previousTerm);
    if (written == 0) return failure(o.audio + ": no frames in the chosen section");
    std::error_code ec;
    fs::rename(partial.path(), outPath, ec);
    if (ec)
        return failure(o.output + ": cannot rename " + partial.path().string() + " (" +
                       ec.message() + ")");
    partial.release();
    const double seconds = progress.elapsedSec();
    const double videoSec = written / o.walk.fps;
    std::fprintf(stderr,
                 "autolume render: %s: %lld frames at %g fps (%s, %dx%d %s, %s) in %.1f s: "
                 "%.1f frames/s, %.2fx real time -> %s\n",
                 o.audio.c_str(), static_cast<long long>(written), o.walk.fps,
                 clock(videoSec).c_str(), video.width, video.height, writer->videoEncoder().c_str(),
                 walk->info().path.c_str(), seconds, written / std::max(seconds, 1e-9),
                 videoSec / std::max(seconds, 1e-9), o.output.c_str());
    return 0;
}

#else

int runRender(const RenderOptions&) {
    return failure("this build has no render module (configure with AUTOLUME_BUILD_APP=ON)");
}

#endif

}  // namespace

Command addRender(CLI::App& app) {
    auto options = std::make_shared<RenderOptions>();
    CLI::App* cli = app.add_subcommand(
        "render", "offline music video: the live walk over a song, encoded with the song muxed in");
    cli->add_option("AUDIO", options->audio, "audio file (WAV, FLAC, OGG, MP3...)")->required();
    cli->add_option("-o,--output", options->output, "video file (.mp4, .mkv, .mov)")->required();
    cli->add_option("-m,--model", options->walk.model, "model (default: the shipped one)");
    cli->add_option("--fps", options->walk.fps, "frames per second (30)");
    cli->add_option("--size", options->size, "output size WxH, even (1280x720)");
    cli->add_option("--fit", options->fit, "fill (crop), fit (letterbox), stretch or tile (fill)");
    cli->add_option("--seed", options->walk.seed, "seed of the latent walk (as live)");
    cli->add_option("--params", options->walk.params, "parameter file (as saved by live --params)");
    cli->add_option("--keyframes", options->walk.keyframes, "seeds and preset slots: \"3,7,p2\"");
    cli->add_option("--keyframe-timing", options->walk.keyframeTiming, "free, beat or bar");
    cli->add_option("--transition", options->walk.transition, "linear or exp");
    cli->add_option("--presets", options->walk.presets, "preset folder root (for p<N> keyframes)");
    cli->add_option("--crf", options->crf, "constant quality, lower is better (18)");
    cli->add_option("--bitrate", options->bitrate, "video bit rate instead of --crf: 8M, 2500k");
    cli->add_option("--codec", options->codec, "video encoder (libx264)");
    cli->add_option("--preset", options->preset, "x264/x265 speed preset (medium)");
    cli->add_option("--start", options->start, "render from this time of the song, seconds");
    cli->add_option("--end", options->end, "render up to this time of the song, seconds");
    cli->add_option("--post-dir", options->postDir, "folder of user post stages (*.frag)");
    cli->add_option("--shader-dir", options->shaderDir, "built-in shaders (default: shipped)");
    cli->add_option("--threads", options->threads, "CPU inference threads (0: automatic)");
    cli->add_option("--stem", options->stems,
                    "NAME=FILE or NAME=FILE@CHANNELS (several): a stem whose features the "
                    "parameter file maps as \"NAME.onset_envelope\"...; the video has the mix");
    return {cli, [options] { return runRender(*options); }};
}

}  // namespace autolume::app
