// Private to src/audio: the real-time half of live capture, shared by the PortAudio and the
// native JACK paths. It routes the device's frames (mixed, or as stems) into the ring through
// preallocated buffers and counts what did not fit: no allocation, lock, log or exception.
//
// Handing the ring to another writer (a reopening source's silence, a reopened device) must
// never leave two writers on it: detach() clears the ring pointer and then waits until no
// callback is inside, so a callback that raced the switch finishes before detach() returns.
//
// Thread contract: constructor, attach(), detach() on the app (or supervisor) thread;
// onInterleaved()/onPlanar() on the one audio callback thread; the counters on any thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

#include "autolume/audio/channel_router.hpp"
#include "autolume/audio/record_tap.hpp"
#include "autolume/audio/spsc_ring.hpp"

namespace autolume::audio {

class CaptureCallback {
  public:
    static constexpr std::size_t kBlockFrames = 1024;  // frames routed per push

    CaptureCallback(int deviceChannels, const ChannelSelection& selection, int defaultCount)
        : m_router(deviceChannels, selection, defaultCount),
          m_interleaved(kBlockFrames * static_cast<std::size_t>(deviceChannels)),
          m_routed(kBlockFrames * static_cast<std::size_t>(m_router.outputChannels())) {}

    const ChannelRouter& router() const noexcept { return m_router; }

    // Recordings get what is captured (routed: mixed, or the stems). Set before attach().
    void setTap(RecordTap* tap) noexcept { m_tap.store(tap, std::memory_order_release); }

    void attach(SampleRing* ring) noexcept {
        m_lastCallbackNs.store(0, std::memory_order_relaxed);
        m_ring.store(ring, std::memory_order_seq_cst);
    }
    void detach() noexcept {
        m_ring.store(nullptr, std::memory_order_seq_cst);
        while (m_busy.load(std::memory_order_seq_cst)) std::this_thread::yield();
    }

    // Callback thread: `frames` frames of deviceChannels interleaved samples.
    void onInterleaved(const float* in, std::size_t frames) noexcept {
        const Guard guard(*this);
        SampleRing* ring = guard.ring;
        if (!ring || !in) return;
        const auto channels = static_cast<std::size_t>(m_router.sourceChannels());
        for (std::size_t done = 0; done < frames; done += kBlockFrames) {
            const std::size_t n = std::min(kBlockFrames, frames - done);
            m_router.route(in + done * channels, n, m_routed.data());
            push(*ring, n);
        }
    }

    // Callback thread: one buffer per device channel (JACK's ports).
    void onPlanar(const float* const* in, std::size_t frames) noexcept {
        const Guard guard(*this);
        SampleRing* ring = guard.ring;
        if (!ring) return;
        const auto channels = static_cast<std::size_t>(m_router.sourceChannels());
        for (std::size_t done = 0; done < frames; done += kBlockFrames) {
            const std::size_t n = std::min(kBlockFrames, frames - done);
            for (std::size_t c = 0; c < channels; ++c) {
                const float* src = in[c] + done;
                for (std::size_t f = 0; f < n; ++f) m_interleaved[f * channels + c] = src[f];
            }
            m_router.route(m_interleaved.data(), n, m_routed.data());
            push(*ring, n);
        }
    }

    std::uint64_t overruns() const noexcept { return m_overruns.load(std::memory_order_relaxed); }
    // Steady-clock nanoseconds of the last callback (0: none since attach()).
    std::int64_t lastCallbackNs() const noexcept {
        return m_lastCallbackNs.load(std::memory_order_acquire);
    }

    static std::int64_t nowNs() noexcept {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }

  private:
    // Marks the callback as inside (seq_cst pairs with detach()) and stamps the time.
    struct Guard {
        explicit Guard(CaptureCallback& cb) noexcept : self(cb) {
            self.m_busy.store(true, std::memory_order_seq_cst);
            ring = self.m_ring.load(std::memory_order_seq_cst);
            self.m_lastCallbackNs.store(nowNs(), std::memory_order_release);
        }
        ~Guard() { self.m_busy.store(false, std::memory_order_release); }
        CaptureCallback& self;
        SampleRing* ring = nullptr;
    };

    void push(SampleRing& ring, std::size_t frames) noexcept {
        const auto channels = static_cast<std::size_t>(m_router.outputChannels());
        const std::size_t pushed = ring.pushFrames(m_routed.data(), frames, channels);
        if (RecordTap* tap = m_tap.load(std::memory_order_acquire))
            tap->push(m_routed.data(), frames, channels);
        if (pushed < frames) {
            m_overruns.fetch_add((frames - pushed) * channels, std::memory_order_relaxed);
        }
    }

    ChannelRouter m_router;
    std::vector<float> m_interleaved;  // planar input gathered into frames
    std::vector<float> m_routed;
    std::atomic<SampleRing*> m_ring{nullptr};
    std::atomic<RecordTap*> m_tap{nullptr};
    std::atomic<bool> m_busy{false};
    std::atomic<std::uint64_t> m_overruns{0};
    std::atomic<std::int64_t> m_lastCallbackNs{0};
};

}  // namespace autolume::audio
