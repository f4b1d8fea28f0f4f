// Paced block pusher shared by the demo and file sources; see paced_pusher.hpp.
#include "paced_pusher.hpp"

#include <chrono>
#include <cmath>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace autolume::audio {
namespace {

using Clock = std::chrono::steady_clock;

// After a long stall (a debugger, a suspended laptop) the thread re-anchors its schedule instead
// of bursting seconds of audio into the ring at once, which would only overrun it.
constexpr std::chrono::milliseconds kMaxLag{250};

}  // namespace

// Decaying filters and envelopes reach denormal floats, which are very slow on x86; a real-time
// thread flushes them to zero (as VCV Rack's engine does).
void flushDenormalsToZero() noexcept {
#if defined(__SSE__)
    _mm_setcsr(_mm_getcsr() | 0x8040);  // FTZ | DAZ
#endif
}

PacedPusher::PacedPusher(double sampleRate, std::size_t blockFrames, RenderFn render, int channels)
    : m_sampleRate(sampleRate),
      m_blockFrames(blockFrames),
      m_channels(static_cast<std::size_t>(channels)),
      m_render(std::move(render)),
      m_block(blockFrames * static_cast<std::size_t>(channels), 0.0f) {}

PacedPusher::~PacedPusher() {
    stop();
}

bool PacedPusher::start(SampleRing& ring) {
    if (m_thread.joinable()) return false;
    m_stopRequested.store(false, std::memory_order_relaxed);
    m_finished.store(false, std::memory_order_relaxed);
    m_running.store(true, std::memory_order_release);
    m_thread = std::thread([this, r = &ring] { run(r); });
    return true;
}

void PacedPusher::stop() {
    m_stopRequested.store(true, std::memory_order_release);
    if (m_thread.joinable()) m_thread.join();
    m_running.store(false, std::memory_order_release);
}

void PacedPusher::run(SampleRing* ring) noexcept {
    flushDenormalsToZero();
    const double nsPerFrame = 1e9 / m_sampleRate;
    const std::size_t blockFrames = m_blockFrames;
    Clock::time_point origin = Clock::now();
    std::uint64_t framesRendered = 0;

    while (!m_stopRequested.load(std::memory_order_acquire)) {
        const std::size_t n = m_render(m_block.data(), blockFrames);
        framesRendered += n;
        // The block is due when its last sample would have been captured.
        auto due = origin + std::chrono::nanoseconds(static_cast<std::int64_t>(
                                std::llround(static_cast<double>(framesRendered) * nsPerFrame)));
        const auto now = Clock::now();
        if (now - due > kMaxLag) {
            origin += now - due;
            due = now;
        }
        std::this_thread::sleep_until(due);

        const std::size_t pushed = ring->pushFrames(m_block.data(), n, m_channels);
        if (RecordTap* tap = m_tap.load(std::memory_order_acquire))
            tap->push(m_block.data(), n, m_channels);
        if (pushed < n) {
            m_overruns.fetch_add((n - pushed) * m_channels, std::memory_order_relaxed);
        }
        if (n < blockFrames) {
            m_finished.store(true, std::memory_order_release);
            break;
        }
    }
    m_running.store(false, std::memory_order_release);
}

}  // namespace autolume::audio
