// Live recording, stream and virtual camera on their own thread; see recorder.hpp.
#include "autolume/io/recorder.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <filesystem>

#include "autolume/io/v4l2_writer.hpp"
#include "autolume/io/video_writer.hpp"

namespace autolume::io {
namespace {

constexpr std::size_t kAudioReadFrames = 4096;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool startsWith(const std::string& s, const char* prefix) {
    return s.rfind(prefix, 0) == 0;
}

}  // namespace

const char* recordKindName(RecordKind kind) noexcept {
    switch (kind) {
        case RecordKind::File:
            return "recording";
        case RecordKind::Stream:
            return "stream";
        case RecordKind::V4l2:
            return "v4l2";
    }
    return "recording";
}

// The encoder and muxer (file, stream) or the camera device.
struct Recorder::Sink {
    std::unique_ptr<VideoWriter> video;
    std::unique_ptr<V4l2Writer> camera;
};

Recorder::Recorder(const RecorderConfig& config)
    : m_config(config),
      m_frameBytes(static_cast<std::size_t>(config.width) * config.height * 4),
      m_free(static_cast<std::size_t>(std::max(config.frameBuffers, 1))),
      m_filled(static_cast<std::size_t>(std::max(config.frameBuffers, 1))) {
    const int n = std::max(config.frameBuffers, 1);
    m_buffers.resize(static_cast<std::size_t>(n));
    m_index.assign(static_cast<std::size_t>(n), 0);
    for (int i = 0; i < n; ++i) {
        m_buffers[static_cast<std::size_t>(i)].resize(m_frameBytes);
        m_free.try_enqueue(i);
    }
    if (config.tap && config.kind != RecordKind::V4l2) {
        m_reader = config.tap->claim();
        m_audio.resize(kAudioReadFrames * static_cast<std::size_t>(config.tap->channels()));
        m_audioStart = static_cast<std::int64_t>(std::llround(
            static_cast<double>(config.startFrame) * config.tap->sampleRate() / config.fps));
    }
    m_thread = std::thread([this] { run(); });
}

Recorder::~Recorder() {
    requestStop();
    if (m_thread.joinable()) m_thread.join();
    if (m_config.tap && m_reader >= 0) m_config.tap->release(m_reader);
}

std::uint8_t* Recorder::acquire() noexcept {
    if (m_acquired >= 0) return m_buffers[static_cast<std::size_t>(m_acquired)].data();
    if (stopRequested() || done() || !m_free.try_dequeue(m_acquired)) {
        m_acquired = -1;
        m_dropped.fetch_add(1, std::memory_order_relaxed);
        return nullptr;
    }
    return m_buffers[static_cast<std::size_t>(m_acquired)].data();
}

void Recorder::submit(std::int64_t frameIndex) noexcept {
    if (m_acquired < 0) return;
    m_index[static_cast<std::size_t>(m_acquired)] = frameIndex;
    // Capacity is the number of buffers: this never allocates nor fails.
    m_filled.try_enqueue(m_acquired);
    m_acquired = -1;
}

std::uint64_t Recorder::audioOverruns() const noexcept {
    return m_audioLost.load(std::memory_order_relaxed);
}

double Recorder::seconds() const noexcept {
    return static_cast<double>(m_lastVideo + 1) / m_config.fps;
}

std::string Recorder::encoder() const {
    return state() == State::Opening ? std::string() : m_encoder;
}

void Recorder::openSink() {
    m_sink = std::make_unique<Sink>();
    const RecorderConfig& c = m_config;
    if (c.kind == RecordKind::V4l2) {
        m_sink->camera = std::make_unique<V4l2Writer>(c.target, c.width, c.height, c.fps);
        m_encoder = "v4l2 YUYV";
        return;
    }
    VideoSettings video;
    video.width = c.width;
    video.height = c.height;
    video.fps = c.fps;
    video.preset = c.preset;
    video.crf = c.crf;
    video.bitrate = c.videoBitrate;
    // No B-frames and a keyframe every second: a stream can be joined, and a killed recording
    // is playable up to its last second.
    video.lowLatency = true;
    AudioSettings audio;
    if (c.tap && m_reader >= 0) {
        audio.sampleRate = static_cast<int>(std::lround(c.tap->sampleRate()));
        audio.channels = c.tap->channels();
        if (c.kind == RecordKind::Stream) audio.bitrate = 128'000;
    }
    std::string format;
    std::vector<std::pair<std::string, std::string>> options;
    if (c.kind == RecordKind::File) {
        const std::string ext = lower(std::filesystem::path(c.target).extension().string());
        if (ext == ".mp4" || ext == ".mov") {
            format = "mp4";
            options = {{"movflags", "+frag_keyframe+empty_moov+default_base_moof"},
                       {"flush_packets", "1"}};
        } else {
            format = "matroska";
            options = {{"cluster_time_limit", "1000"}, {"flush_packets", "1"}};
        }
    } else {
        const std::string url = lower(c.target);
        if (startsWith(url, "rtmp://") || startsWith(url, "rtmps://"))
            format = "flv";
        else if (startsWith(url, "udp://") || startsWith(url, "srt://") ||
                 startsWith(url, "rtp://") || startsWith(url, "tcp://"))
            format = "mpegts";
        // Anything else: the muxer guessed from the URL (or a file name).
        options = {{"flush_packets", "1"}};
    }
    m_sink->video =
        std::make_unique<VideoWriter>(c.target, video, audio, format, std::string(), options);
    m_encoder = m_sink->video->videoEncoder();
}

// Moves what the tap has into the file, from the file's start position on. Returns whether
// anything was read. `toEnd`: only up to the end of the last video frame (at stop).
bool Recorder::pumpAudio(bool toEnd) {
    if (!m_config.tap || m_reader < 0 || !m_sink || !m_sink->video) return false;
    audio::RecordTap& tap = *m_config.tap;
    const auto channels = static_cast<std::size_t>(tap.channels());
    if (m_audioPos < 0) {
        std::int64_t start = 0;
        if (!tap.startPosition(m_reader, start)) return false;
        m_audioPos = start;
        // Heard before the claim (an output's latency): silence from the file's start.
        if (m_audioPos > m_audioStart) {
            std::fill(m_audio.begin(), m_audio.end(), 0.0f);
            for (std::int64_t left = m_audioPos - m_audioStart; left > 0;) {
                const auto n = static_cast<std::size_t>(
                    std::min<std::int64_t>(left, static_cast<std::int64_t>(kAudioReadFrames)));
                m_sink->video->writeAudio(m_audio.data(), n);
                left -= static_cast<std::int64_t>(n);
            }
        }
    }
    // Blocks lost to a full ring: silence in their place keeps the sound in time.
    const std::uint64_t lost = tap.overruns(m_reader);
    if (lost > m_overrunsSeen) {
        std::int64_t left = static_cast<std::int64_t>(lost - m_overrunsSeen);
        m_audioLost.store(lost, std::memory_order_relaxed);
        m_overrunsSeen = lost;
        std::fill(m_audio.begin(), m_audio.end(), 0.0f);
        while (left > 0) {
            const auto n = static_cast<std::size_t>(
                std::min<std::int64_t>(left, static_cast<std::int64_t>(kAudioReadFrames)));
            if (m_audioPos + static_cast<std::int64_t>(n) > m_audioStart)
                m_sink->video->writeAudio(m_audio.data(), n);
            m_audioPos += static_cast<std::int64_t>(n);
            left -= static_cast<std::int64_t>(n);
        }
    }
    std::int64_t limit = INT64_MAX;
    if (toEnd)
        limit = m_audioStart +
                static_cast<std::int64_t>(std::llround(static_cast<double>(m_lastVideo + 1) *
                                                       tap.sampleRate() / m_config.fps));
    bool any = false;
    for (;;) {
        std::size_t want = kAudioReadFrames;
        if (limit != INT64_MAX) {
            if (m_audioPos >= limit) break;
            want = static_cast<std::size_t>(
                std::min<std::int64_t>(limit - m_audioPos, static_cast<std::int64_t>(want)));
        }
        const std::size_t got = tap.pop(m_reader, m_audio.data(), want);
        if (got == 0) break;
        any = true;
        std::size_t skip = 0;
        if (m_audioPos < m_audioStart)
            skip = static_cast<std::size_t>(
                std::min<std::int64_t>(m_audioStart - m_audioPos, static_cast<std::int64_t>(got)));
        if (got > skip) m_sink->video->writeAudio(m_audio.data() + skip * channels, got - skip);
        m_audioPos += static_cast<std::int64_t>(got);
    }
    return any;
}

void Recorder::run() noexcept {
    try {
        openSink();
    } catch (const std::exception& e) {
        m_error = e.what();
        m_sink.reset();
        m_state.store(State::Failed, std::memory_order_release);
        return;
    }
    m_state.store(State::Running, std::memory_order_release);
    try {
        for (;;) {
            const bool stopping = stopRequested();
            bool busy = false;
            int slot = -1;
            while (m_filled.try_dequeue(slot)) {
                busy = true;
                const std::int64_t index =
                    m_index[static_cast<std::size_t>(slot)] - m_config.startFrame;
                if (index > m_lastVideo) {
                    const std::uint8_t* pixels = m_buffers[static_cast<std::size_t>(slot)].data();
                    if (m_sink->camera)
                        m_sink->camera->write(pixels);
                    else
                        m_sink->video->writeVideo(pixels, PixelLayout::RgbaBottomUp, index);
                    m_lastVideo = index;
                    m_written.fetch_add(1, std::memory_order_relaxed);
                } else {
                    m_dropped.fetch_add(1, std::memory_order_relaxed);  // not after the last
                }
                m_free.try_enqueue(slot);
                // Audio between frames keeps the muxer's interleaving queue short.
                pumpAudio(false);
            }
            if (stopping) break;
            busy = pumpAudio(false) || busy;
            if (!busy) std::this_thread::sleep_for(std::chrono::milliseconds(3));
        }
        if (m_sink->video) {
            pumpAudio(true);
            m_sink->video->finish();
        }
        m_state.store(State::Done, std::memory_order_release);
    } catch (const std::exception& e) {
        // A write failed (disk full, the receiver went away): the file stays as far as written.
        m_error = e.what();
        m_state.store(State::Failed, std::memory_order_release);
    }
    m_sink.reset();
}

}  // namespace autolume::io
