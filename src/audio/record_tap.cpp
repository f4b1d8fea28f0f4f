// The recordings' audio tap: fan-out into per-reader SPSC rings, and the audio clock.
#include "autolume/audio/record_tap.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace autolume::audio {

RecordTap::RecordTap(int channels, double sampleRate, std::size_t capacityFrames)
    : m_channels(std::clamp(channels, 1, 2)), m_sampleRate(sampleRate), m_block(kBlockFrames * 2) {
    for (Reader& r : m_readers)
        r.ring = std::make_unique<SpscRing<float>>(capacityFrames *
                                                   static_cast<std::size_t>(m_channels));
    m_stampNs.store(nowNs(), std::memory_order_relaxed);
}

std::int64_t RecordTap::nowNs() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void RecordTap::push(const float* in, std::size_t frames, std::size_t channels,
                     double latencySec) noexcept {
    if (!in || channels == 0) return;
    m_busy.store(true, std::memory_order_seq_cst);
    const auto out = static_cast<std::size_t>(m_channels);
    const std::int64_t before = m_pushed.load(std::memory_order_relaxed);
    for (std::size_t done = 0; done < frames;) {
        const std::size_t n = std::min(kBlockFrames, frames - done);
        const float* src = in + done * channels;
        for (std::size_t f = 0; f < n; ++f) {
            const float* frame = src + f * channels;
            if (channels == out) {
                for (std::size_t c = 0; c < out; ++c) m_block[f * out + c] = frame[c];
            } else if (channels == 1) {
                for (std::size_t c = 0; c < out; ++c) m_block[f * out + c] = frame[0];
            } else if (out == 2) {
                // More channels than two (stems): the first two are the left and right.
                m_block[f * 2] = frame[0];
                m_block[f * 2 + 1] = frame[1];
            } else {
                float sum = 0.0f;
                for (std::size_t c = 0; c < channels; ++c) sum += frame[c];
                m_block[f] = sum / static_cast<float>(channels);
            }
        }
        const std::int64_t at = before + static_cast<std::int64_t>(done);
        for (Reader& r : m_readers) {
            // seq_cst: pairs with release()'s store of `enabled` and load of `m_busy` (Dekker).
            if (!r.enabled.load(std::memory_order_seq_cst)) continue;
            if (r.needStart.load(std::memory_order_relaxed)) {
                r.start.store(at, std::memory_order_relaxed);
                r.needStart.store(false, std::memory_order_release);
            }
            // Whole blocks or nothing, so that the reader's count of lost frames is exact.
            if (r.ring->writeAvailable() < n * out) {
                r.overruns.fetch_add(n, std::memory_order_relaxed);
                continue;
            }
            r.ring->push(m_block.data(), n * out);
        }
        done += n;
    }
    const std::int64_t after = before + static_cast<std::int64_t>(frames);
    const auto latencyNs = static_cast<std::int64_t>(latencySec * 1e9);
    const std::int64_t heardNs = nowNs() + latencyNs;
    m_latencyNs.store(latencyNs, std::memory_order_relaxed);
    const std::uint32_t seq = m_stampSeq.load(std::memory_order_relaxed);
    m_stampSeq.store(seq + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    m_stampFrames.store(after, std::memory_order_relaxed);
    m_stampNs.store(heardNs, std::memory_order_relaxed);
    m_stampSeq.store(seq + 2, std::memory_order_release);
    m_pushed.store(after, std::memory_order_release);
    m_busy.store(false, std::memory_order_release);
}

int RecordTap::claim() noexcept {
    for (int i = 0; i < kMaxReaders; ++i) {
        Reader& r = m_readers[static_cast<std::size_t>(i)];
        bool expected = false;
        if (!r.claimed.compare_exchange_strong(expected, true)) continue;
        r.overruns.store(0, std::memory_order_relaxed);
        r.start.store(-1, std::memory_order_relaxed);
        r.needStart.store(true, std::memory_order_relaxed);
        r.enabled.store(true, std::memory_order_seq_cst);
        return i;
    }
    return -1;
}

void RecordTap::release(int reader) noexcept {
    if (reader < 0 || reader >= kMaxReaders) return;
    Reader& r = m_readers[static_cast<std::size_t>(reader)];
    r.enabled.store(false, std::memory_order_seq_cst);
    // A push that read `enabled` before the store finishes before the ring is emptied.
    while (m_busy.load(std::memory_order_seq_cst)) std::this_thread::yield();
    r.ring->skip(r.ring->readAvailable());
    r.claimed.store(false, std::memory_order_release);
}

bool RecordTap::startPosition(int reader, std::int64_t& position) const noexcept {
    const Reader& r = m_readers[static_cast<std::size_t>(reader)];
    if (r.needStart.load(std::memory_order_acquire)) return false;
    position = r.start.load(std::memory_order_relaxed);
    return position >= 0;
}

std::size_t RecordTap::pop(int reader, float* interleaved, std::size_t frames) noexcept {
    const auto out = static_cast<std::size_t>(m_channels);
    return m_readers[static_cast<std::size_t>(reader)].ring->pop(interleaved, frames * out) / out;
}

std::uint64_t RecordTap::overruns(int reader) const noexcept {
    return m_readers[static_cast<std::size_t>(reader)].overruns.load(std::memory_order_relaxed);
}

double RecordTap::positionAt(std::int64_t ns) const noexcept {
    std::int64_t frames = 0, stampNs = 0;
    for (;;) {
        const std::uint32_t seq = m_stampSeq.load(std::memory_order_acquire);
        if (seq & 1u) continue;
        frames = m_stampFrames.load(std::memory_order_relaxed);
        stampNs = m_stampNs.load(std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_acquire);
        if (m_stampSeq.load(std::memory_order_relaxed) == seq) break;
    }
    return static_cast<double>(frames) + static_cast<double>(ns - stampNs) * 1e-9 * m_sampleRate;
}

}  // namespace autolume::audio
