// Private to src/audio: streams an audio file from disk into memory ahead of a real-time reader.
// A decoder thread reads (and, if asked, resamples) the file into a lock-free ring of
// interleaved frames, about a second ahead; the real-time side only copies out of the ring. The
// file never sits whole in memory, and the real-time side never touches the disk.
//
// Thread contract: construct, start(), stop() and destroy on the app thread; read(),
// finished() and underruns() on the one real-time reader (a PortAudio callback or a pusher
// thread); the decoder thread is internal.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "autolume/audio/audio_file_reader.hpp"
#include "autolume/audio/spsc_ring.hpp"

namespace autolume::audio {

class FileStreamer {
  public:
    // Opens the file (throws std::runtime_error naming it). `outputRate` 0 keeps the file's
    // rate; any other rate resamples (libsamplerate, in the decoder thread).
    explicit FileStreamer(const std::string& path, double outputRate = 0.0);
    ~FileStreamer();
    FileStreamer(const FileStreamer&) = delete;
    FileStreamer& operator=(const FileStreamer&) = delete;

    const std::string& path() const noexcept { return m_reader.path(); }
    double fileRate() const noexcept { return m_reader.sampleRate(); }
    double sampleRate() const noexcept { return m_outputRate; }
    int channels() const noexcept { return m_reader.channels(); }

    // Decodes until the ring is full (or the file ends), then starts the decoder thread. Call
    // once; throws std::runtime_error naming the file on a read error in the first fill.
    void start();
    void stop();

    // Real-time reader: copies up to `frames` frames; returns how many. Fewer than asked before
    // the end means the decoder fell behind (counted in underruns()).
    std::size_t read(float* interleaved, std::size_t frames) noexcept;
    // True once the decoder reached the end and the reader has taken every frame.
    bool finished() const noexcept;
    std::uint64_t underruns() const noexcept { return m_underruns.load(std::memory_order_relaxed); }
    // A read error met by the decoder thread (empty if none). App thread, after finished().
    std::string error() const;

  private:
    struct Resampler;
    bool decodeSome() noexcept;  // one chunk; false at the end of the file or on an error
    void decodeLoop() noexcept;

    AudioFileReader m_reader;
    double m_outputRate;
    std::unique_ptr<Resampler> m_resampler;
    SpscRing<float> m_ring;
    std::vector<float> m_chunk;      // decoder thread: frames read from the file
    std::vector<float> m_resampled;  // decoder thread: frames after resampling
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_decoded{false};  // the decoder has pushed the last frame
    std::atomic<bool> m_failed{false};
    std::string m_error;  // written by the decoder before m_failed
    std::atomic<std::uint64_t> m_underruns{0};
    std::thread m_thread;
};

}  // namespace autolume::audio
