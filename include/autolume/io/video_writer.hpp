// Video files and streams through Debian's FFmpeg libraries (libavformat, libavcodec,
// libswscale, libswresample): RGB frames and float audio in, an encoded, muxed file or stream
// out. One class for the offline music video (`autolume render`: H.264 + AAC in MP4), the live
// recording (Matroska, playable up to the last cluster after a kill -9) and the stream
// (MPEG-TS over UDP, SRT or RTMP with low-latency settings).
//
// Video frames carry their own index (presentation time in frames at the frame rate); audio is
// one continuous run of samples from time 0, so audio and video are aligned by construction.
//
// Thread contract: one thread at a time (the render loop, or the recorder's encoder thread).
// Every call may allocate and block on I/O: never from the audio callback or the stage loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace autolume::io {

struct VideoSettings {
    int width = 0;  // even (4:2:0 chroma)
    int height = 0;
    double fps = 30.0;
    // An encoder ("libx264", "libx265", "libvpx-vp9", "mpeg4") or a codec name ("h264",
    // "hevc"): the first encoder of that codec.
    std::string codec = "libx264";
    int crf = 18;              // constant quality (x264/x265/vpx); ignored when bitrate > 0
    std::int64_t bitrate = 0;  // bits per second; 0: crf
    std::string preset;        // x264/x265 speed preset ("veryfast"...); empty: the codec's
    // Streams and recordings: no B-frames, x264's zerolatency tune, a keyframe every second.
    bool lowLatency = false;
    int threads = 0;  // encoder threads; 0: the codec's choice
};

struct AudioSettings {
    int sampleRate = 0;  // of the samples given to writeAudio(); 0: no audio stream
    int channels = 0;    // 1 or 2 (more are mixed to stereo)
    std::string codec = "aac";
    std::int64_t bitrate = 192'000;
};

enum class PixelLayout {
    Rgb,          // 3 bytes per pixel, top row first
    RgbaBottomUp  // 4 bytes per pixel, bottom row first (a GL read-back)
};

class VideoWriter {
  public:
    // `target`: a file path or a URL (udp://, srt://, rtmp://); `format`: a muxer name
    // ("mp4", "matroska", "mpegts", "flv"), empty: guessed from `formatHint` (a file name
    // whose extension names the format; empty: `target`). `muxerOptions`: AVOptions of the
    // muxer ("movflags" -> "+faststart"). Throws std::runtime_error with one line naming the
    // target and what failed; nothing is created then for a file target except on a write error.
    VideoWriter(const std::string& target, const VideoSettings& video, const AudioSettings& audio,
                const std::string& format = {}, const std::string& formatHint = {},
                const std::vector<std::pair<std::string, std::string>>& muxerOptions = {});
    ~VideoWriter();  // without finish(): the file stays as far as written (no trailer)
    VideoWriter(const VideoWriter&) = delete;
    VideoWriter& operator=(const VideoWriter&) = delete;

    // One frame of video.width x video.height at presentation time frameIndex / fps; indices
    // increase (gaps are allowed: the previous frame holds). Throws std::runtime_error.
    void writeVideo(const std::uint8_t* pixels, PixelLayout layout, std::int64_t frameIndex);
    // Interleaved float samples, continuing the audio from where the last call ended.
    void writeAudio(const float* interleaved, std::size_t frames);
    // Flushes the encoders and writes the trailer; the file is then complete.
    void finish();

    std::int64_t videoFrames() const noexcept;  // written so far
    std::int64_t audioFrames() const noexcept;  // samples per channel written so far
    std::string videoEncoder() const;           // the encoder chosen ("libx264")

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace autolume::io
