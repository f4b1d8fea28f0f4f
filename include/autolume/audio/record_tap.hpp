// The audio a recording or stream carries: the source's producer (the playback callback with
// what is heard, the capture callback with what is captured, the paced thread of a file or the
// demo) pushes every block here as well as into the analysis ring. Up to kMaxReaders
// recorders read it at once, each through its own lock-free SPSC ring; a reader that falls
// behind loses whole blocks, counted (its overruns), never blocking the producer.
//
// The tap is also the recordings' clock: each push stamps (frames so far, the steady time the
// block's last frame is heard), so positionAt() maps a steady time (a video frame's present)
// to the audio frame heard then, drift of the sound card's clock included.
//
// Thread contract: push() on the source's one producer thread (real time: no allocation, lock,
// log or exception). claim() and release() on the app thread or the reader's thread (they wait
// for a push in progress to leave, microseconds); pop(), startPosition() and overruns() on the
// reader's one thread; positionAt(), channels(), sampleRate() on any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "autolume/audio/spsc_ring.hpp"

namespace autolume::audio {

class RecordTap {
  public:
    static constexpr int kMaxReaders = 3;
    static constexpr std::size_t kBlockFrames = 1024;  // converted per step (preallocated)

    // `channels`: 1 or 2 (what recordings carry); `capacityFrames` per reader.
    RecordTap(int channels, double sampleRate, std::size_t capacityFrames = 1 << 17);
    RecordTap(const RecordTap&) = delete;
    RecordTap& operator=(const RecordTap&) = delete;

    int channels() const noexcept { return m_channels; }
    double sampleRate() const noexcept { return m_sampleRate; }

    // Producer: `frames` frames of `channels` interleaved samples, heard `latencySec` after now.
    // Mono is copied to both channels of a stereo tap; more channels than the tap has are mixed.
    void push(const float* interleaved, std::size_t frames, std::size_t channels,
              double latencySec = 0.0) noexcept;

    // A free reader (-1: none). Its first frame is the first one pushed after the claim.
    int claim() noexcept;
    // The reader is free again; what it did not read is dropped.
    void release(int reader) noexcept;

    // Reader: the position (in frames since the tap's start) of its first frame; false until
    // the producer has pushed one since the claim.
    bool startPosition(int reader, std::int64_t& position) const noexcept;
    std::size_t pop(int reader, float* interleaved, std::size_t frames) noexcept;
    // Frames the reader lost because its ring was full.
    std::uint64_t overruns(int reader) const noexcept;

    // The audio frame (fractional) heard at steady time `ns`; before the first push, the
    // steady clock from the tap's construction at the nominal rate.
    double positionAt(std::int64_t ns) const noexcept;
    // How long after a push its audio is heard (the output latency; 0 for capture), as the last
    // push said (any thread).
    std::int64_t heardLatencyNs() const noexcept {
        return m_latencyNs.load(std::memory_order_relaxed);
    }
    // Frames pushed so far (any thread).
    std::int64_t framesPushed() const noexcept { return m_pushed.load(std::memory_order_acquire); }

    static std::int64_t nowNs() noexcept;

  private:
    struct Reader {
        std::unique_ptr<SpscRing<float>> ring;
        std::atomic<bool> claimed{false};
        std::atomic<bool> enabled{false};
        std::atomic<bool> needStart{false};
        std::atomic<std::int64_t> start{-1};
        std::atomic<std::uint64_t> overruns{0};
    };

    const int m_channels;
    const double m_sampleRate;
    std::array<Reader, kMaxReaders> m_readers;
    std::vector<float> m_block;  // one converted block, producer only
    std::atomic<bool> m_busy{false};
    std::atomic<std::int64_t> m_pushed{0};
    // Seqlock of the last stamp: odd while the producer writes it.
    std::atomic<std::uint32_t> m_stampSeq{0};
    std::atomic<std::int64_t> m_stampFrames{0};
    std::atomic<std::int64_t> m_stampNs{0};
    std::atomic<std::int64_t> m_latencyNs{0};
};

}  // namespace autolume::audio
