// A live recording, stream or virtual camera: the output picture (read back by the stage) and
// the audio that is heard or captured (from an audio::RecordTap), encoded on the recorder's own
// thread. One class, three targets:
//   File   Matroska (a crash or kill -9 leaves a file playable up to the last second;
//          .mp4/.mov: fragmented MP4), H.264 + AAC
//   Stream a URL through FFmpeg's muxers with low-latency settings: udp:// and srt:// as
//          MPEG-TS, rtmp:// as FLV
//   V4l2   a v4l2loopback device (/dev/videoN) as a camera (YUYV; no audio)
// The stage loop hands frames over through a bounded queue of buffers allocated at start-up:
// when the encoder falls behind, acquire() has none and the frame is dropped and counted, so
// the show never waits. The target is opened on the recorder's thread (a stream may take a
// while to connect); if it cannot be opened, state() becomes Failed with a one-line error()
// naming it.
//
// Timing: video frame k of the file is global frame startFrame + k of the caller's frame grid
// (frames of 1/fps on the tap's audio clock); the audio starts at the grid's time of
// startFrame, so picture and sound are on one clock.
//
// Thread contract: the constructor, acquire(), submit(), countDropped(), requestStop() and the
// destructor on one thread (the main thread); the status getters on any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "autolume/audio/record_tap.hpp"
#include "autolume/util/reader_writer_queue.hpp"

namespace autolume::io {

enum class RecordKind { File, Stream, V4l2 };

struct RecorderConfig {
    RecordKind kind = RecordKind::File;
    std::string target;  // file path, URL or device
    int width = 0;       // of the frames given (RGBA, bottom row first); even
    int height = 0;
    double fps = 30.0;
    std::int64_t startFrame = 0;      // global grid index of the file's first frame
    audio::RecordTap* tap = nullptr;  // nullptr: no audio
    int frameBuffers = 4;             // the queue between the stage and the encoder
    std::string preset = "veryfast";  // x264
    int crf = 20;
    std::int64_t videoBitrate = 0;  // streams: 0 = crf
};

// What a kind is called in messages ("recording", "stream", "v4l2").
const char* recordKindName(RecordKind kind) noexcept;

class Recorder {
  public:
    enum class State : int { Opening, Running, Failed, Done };

    // Allocates the frame buffers, claims a tap reader and starts the thread.
    explicit Recorder(const RecorderConfig& config);
    // Stops (if not yet), waits for the thread: it finishes the file (call once done() is
    // true to never wait).
    ~Recorder();
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    const RecorderConfig& config() const noexcept { return m_config; }

    // Stage loop: a free frame buffer (width*height*4 bytes), or nullptr (the frame is dropped
    // and counted).
    std::uint8_t* acquire() noexcept;
    // The buffer from acquire() is filled with global frame `frameIndex`.
    void submit(std::int64_t frameIndex) noexcept;
    // A frame lost before it reached the recorder (its read-back had no free buffer).
    void countDropped() noexcept { m_dropped.fetch_add(1, std::memory_order_relaxed); }
    // Ends the recording: the thread writes what is queued, finishes the file and exits.
    void requestStop() noexcept { m_stop.store(true, std::memory_order_release); }
    bool stopRequested() const noexcept { return m_stop.load(std::memory_order_acquire); }

    State state() const noexcept { return m_state.load(std::memory_order_acquire); }
    bool done() const noexcept {
        const State s = state();
        return s == State::Failed || s == State::Done;
    }
    // One line naming the target; valid once state() is Failed.
    const std::string& error() const noexcept { return m_error; }
    std::uint64_t framesWritten() const noexcept {
        return m_written.load(std::memory_order_relaxed);
    }
    std::uint64_t framesDropped() const noexcept {
        return m_dropped.load(std::memory_order_relaxed);
    }
    std::uint64_t audioOverruns() const noexcept;  // frames of audio lost (the tap's ring full)
    double seconds() const noexcept;               // of video written
    std::string encoder() const;                   // after Running: "libx264", "v4l2 YUYV"

  private:
    struct Sink;
    void run() noexcept;
    void openSink();
    bool pumpAudio(bool toEnd);
    void finishSink();

    RecorderConfig m_config;
    std::size_t m_frameBytes;
    std::vector<std::vector<std::uint8_t>> m_buffers;
    std::vector<std::int64_t> m_index;  // global frame index per buffer
    moodycamel::ReaderWriterQueue<int> m_free;
    moodycamel::ReaderWriterQueue<int> m_filled;
    int m_acquired = -1;  // main thread
    int m_reader = -1;    // tap reader
    std::unique_ptr<Sink> m_sink;
    std::vector<float> m_audio;     // one read from the tap
    std::int64_t m_audioPos = -1;   // position (tap frames) of the next frame read
    std::int64_t m_audioStart = 0;  // position of the file's first audio frame
    std::uint64_t m_overrunsSeen = 0;
    std::int64_t m_lastVideo = -1;
    std::string m_error;
    std::string m_encoder;
    std::atomic<State> m_state{State::Opening};
    std::atomic<bool> m_stop{false};
    std::atomic<std::uint64_t> m_written{0};
    std::atomic<std::uint64_t> m_dropped{0};
    std::atomic<std::uint64_t> m_audioLost{0};
    std::thread m_thread;
};

}  // namespace autolume::io
