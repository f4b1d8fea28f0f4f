// Private to src/audio: a thread that renders fixed-size blocks and pushes each one into a
// SampleRing at the moment its last sample would have left a sound card. The demo synth, file
// playback without an output device and the silence a reopening capture plays meanwhile use
// it, so that they look, to the analysis thread, exactly like live capture: real time, in
// blocks, and without drift (due times are computed from one start point on the steady clock,
// never by adding up sleeps).
//
// Thread contract: the constructor, start(), stop() and the destructor are called from one
// owning thread (the app thread). running(), overruns() and finished() may be read from any
// thread. The render function is called only on the pusher's own thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "autolume/audio/record_tap.hpp"
#include "autolume/audio/spsc_ring.hpp"

namespace autolume::audio {

class PacedPusher {
  public:
    // Fills `out` with up to `frames` frames (of the pusher's channels, interleaved) and returns
    // how many it wrote. Returning fewer than asked ends the stream after those frames (a
    // file's last block). Runs on the pusher's thread: it must not block, allocate or throw.
    using RenderFn = std::function<std::size_t(float* out, std::size_t frames)>;

    PacedPusher(double sampleRate, std::size_t blockFrames, RenderFn render, int channels = 1);
    ~PacedPusher();

    PacedPusher(const PacedPusher&) = delete;
    PacedPusher& operator=(const PacedPusher&) = delete;

    // Starts the thread; the first block is due one block after now. Returns false if the
    // pusher is already started (call stop() first).
    bool start(SampleRing& ring);
    // Asks the thread to stop and joins it (returns within about one block). Idempotent.
    void stop();

    // Also pushes every block into `tap` (recordings); set before start(), or nullptr.
    void setTap(RecordTap* tap) noexcept { m_tap.store(tap, std::memory_order_release); }

    bool running() const noexcept { return m_running.load(std::memory_order_acquire); }
    // Samples (not frames) dropped because the ring was full.
    std::uint64_t overruns() const noexcept { return m_overruns.load(std::memory_order_relaxed); }
    bool finished() const noexcept { return m_finished.load(std::memory_order_acquire); }

  private:
    void run(SampleRing* ring) noexcept;

    const double m_sampleRate;
    const std::size_t m_blockFrames;
    const std::size_t m_channels;
    RenderFn m_render;
    std::vector<float> m_block;  // sized once here so the loop never allocates

    std::atomic<RecordTap*> m_tap{nullptr};
    std::atomic<bool> m_stopRequested{false};
    std::atomic<bool> m_running{false};
    std::atomic<bool> m_finished{false};
    std::atomic<std::uint64_t> m_overruns{0};
    std::thread m_thread;
};

// Flushes denormal floats to zero on the calling thread (real-time threads call it first).
void flushDenormalsToZero() noexcept;

}  // namespace autolume::audio
