// Private to src/audio: the real-time half of file playback. Each block it takes from the file
// streamer goes both to the output buffer and, routed (mixed or as stems), to the analysis ring:
// the analysis sees exactly what is played, in the same callback.
//
// Thread contract: constructor, attach(), detach() on the app thread; process() on the output
// callback thread only; finished() and the counters on any thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

#include "autolume/audio/channel_router.hpp"
#include "autolume/audio/record_tap.hpp"
#include "autolume/audio/spsc_ring.hpp"
#include "file_streamer.hpp"

namespace autolume::audio {

class PlaybackCallback {
  public:
    static constexpr std::size_t kBlockFrames = 1024;

    PlaybackCallback(FileStreamer& streamer, const ChannelSelection& analysis, int outputChannels)
        : m_streamer(streamer),
          m_router(streamer.channels(), analysis, streamer.channels()),
          m_outputChannels(static_cast<std::size_t>(outputChannels)),
          m_fileBlock(kBlockFrames * static_cast<std::size_t>(streamer.channels())),
          m_routed(kBlockFrames * static_cast<std::size_t>(m_router.outputChannels())) {}

    const ChannelRouter& router() const noexcept { return m_router; }

    // Recordings get what is played, heard `latencySec` after the callback. Before start.
    void setTap(RecordTap* tap, double latencySec) noexcept {
        m_tapLatencySec = latencySec;
        m_tap.store(tap, std::memory_order_release);
    }

    void attach(SampleRing* ring) noexcept { m_ring.store(ring, std::memory_order_seq_cst); }
    void detach() noexcept {
        m_ring.store(nullptr, std::memory_order_seq_cst);
        while (m_busy.load(std::memory_order_seq_cst)) std::this_thread::yield();
    }

    // Output callback: fills `out` (frames x outputChannels, interleaved).
    void process(float* out, std::size_t frames) noexcept {
        m_busy.store(true, std::memory_order_seq_cst);
        SampleRing* ring = m_ring.load(std::memory_order_seq_cst);
        const auto fileChannels = static_cast<std::size_t>(m_streamer.channels());
        const std::size_t outChannels = m_outputChannels;
        for (std::size_t done = 0; done < frames;) {
            const std::size_t want = std::min(kBlockFrames, frames - done);
            std::size_t got = m_finished.load(std::memory_order_relaxed)
                                  ? 0
                                  : m_streamer.read(m_fileBlock.data(), want);
            if (got < want && !m_finished.load(std::memory_order_relaxed)) {
                if (m_streamer.finished()) {
                    m_finished.store(true, std::memory_order_release);
                } else {
                    // The decoder fell behind: play (and analyse) silence, keeping time.
                    std::fill(m_fileBlock.begin() + static_cast<long>(got * fileChannels),
                              m_fileBlock.begin() + static_cast<long>(want * fileChannels), 0.0f);
                    got = want;
                }
            }
            float* o = out + done * outChannels;
            for (std::size_t f = 0; f < got; ++f) {
                const float* frame = m_fileBlock.data() + f * fileChannels;
                if (outChannels == 1) {
                    float sum = 0.0f;
                    for (std::size_t c = 0; c < fileChannels; ++c) sum += frame[c];
                    o[f] = sum / static_cast<float>(fileChannels);
                    continue;
                }
                for (std::size_t c = 0; c < outChannels; ++c) {
                    // Mono plays on every output; otherwise channel for channel.
                    o[f * outChannels + c] =
                        fileChannels == 1 ? frame[0] : (c < fileChannels ? frame[c] : 0.0f);
                }
            }
            std::fill(o + got * outChannels, o + want * outChannels, 0.0f);
            if (ring && got > 0) {
                m_router.route(m_fileBlock.data(), got, m_routed.data());
                const auto channels = static_cast<std::size_t>(m_router.outputChannels());
                const std::size_t pushed = ring->pushFrames(m_routed.data(), got, channels);
                if (pushed < got) {
                    m_overruns.fetch_add((got - pushed) * channels, std::memory_order_relaxed);
                }
            }
            m_played.fetch_add(got, std::memory_order_relaxed);
            done += want;
        }
        if (RecordTap* tap = m_tap.load(std::memory_order_acquire))
            tap->push(out, frames, outChannels, m_tapLatencySec);
        m_busy.store(false, std::memory_order_release);
    }

    bool finished() const noexcept { return m_finished.load(std::memory_order_acquire); }
    std::uint64_t overruns() const noexcept { return m_overruns.load(std::memory_order_relaxed); }
    std::uint64_t framesPlayed() const noexcept { return m_played.load(std::memory_order_relaxed); }

  private:
    FileStreamer& m_streamer;
    ChannelRouter m_router;
    std::size_t m_outputChannels;
    std::vector<float> m_fileBlock;
    std::vector<float> m_routed;
    std::atomic<SampleRing*> m_ring{nullptr};
    std::atomic<RecordTap*> m_tap{nullptr};
    double m_tapLatencySec = 0.0;
    std::atomic<bool> m_busy{false};
    std::atomic<bool> m_finished{false};
    std::atomic<std::uint64_t> m_overruns{0};
    std::atomic<std::uint64_t> m_played{0};
};

}  // namespace autolume::audio
