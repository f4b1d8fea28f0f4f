// Lock-free single-producer single-consumer ring for bulk audio samples.
//
// Thread contract: exactly one thread calls push() (the audio callback), exactly one other
// thread calls pop()/readAvailable() (the analysis thread). Neither call allocates, locks or
// blocks; both are wait-free. Capacity is fixed at construction (rounded up to a power of
// two) so the real-time side never allocates.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

namespace autolume::audio {

template <typename T>
class SpscRing {
  public:
    explicit SpscRing(std::size_t minCapacity)
        : m_capacity(roundUpPow2(minCapacity)),
          m_mask(m_capacity - 1),
          m_data(std::make_unique<T[]>(m_capacity)) {}

    SpscRing(const SpscRing&) = delete;
    SpscRing& operator=(const SpscRing&) = delete;

    std::size_t capacity() const noexcept { return m_capacity; }

    // Producer. Copies as many of `count` items as fit; returns how many were written.
    std::size_t push(const T* items, std::size_t count) noexcept {
        const std::uint64_t write = m_write.load(std::memory_order_relaxed);
        const std::uint64_t read = m_read.load(std::memory_order_acquire);
        const std::size_t room = m_capacity - static_cast<std::size_t>(write - read);
        const std::size_t n = std::min(count, room);
        copyIn(write, items, n);
        m_write.store(write + n, std::memory_order_release);
        return n;
    }

    // Producer. Copies as many whole frames of `channels` interleaved items as fit (never part
    // of a frame, so that the consumer's channels never slip); returns the frames written.
    std::size_t pushFrames(const T* items, std::size_t frames, std::size_t channels) noexcept {
        const std::size_t n = std::min(frames, writeAvailable() / channels);
        return push(items, n * channels) / channels;
    }

    // Consumer. Copies up to `count` items out; returns how many were read.
    std::size_t pop(T* items, std::size_t count) noexcept {
        const std::uint64_t read = m_read.load(std::memory_order_relaxed);
        const std::uint64_t write = m_write.load(std::memory_order_acquire);
        const std::size_t n = std::min(count, static_cast<std::size_t>(write - read));
        copyOut(read, items, n);
        m_read.store(read + n, std::memory_order_release);
        return n;
    }

    // Consumer. Drops up to `count` of the oldest items (catching up after a stall).
    std::size_t skip(std::size_t count) noexcept {
        const std::uint64_t read = m_read.load(std::memory_order_relaxed);
        const std::uint64_t write = m_write.load(std::memory_order_acquire);
        const std::size_t n = std::min(count, static_cast<std::size_t>(write - read));
        m_read.store(read + n, std::memory_order_release);
        return n;
    }

    // Consumer side: items ready to pop.
    std::size_t readAvailable() const noexcept {
        return static_cast<std::size_t>(m_write.load(std::memory_order_acquire) -
                                        m_read.load(std::memory_order_relaxed));
    }

    // Producer side: room for this many items.
    std::size_t writeAvailable() const noexcept {
        return m_capacity - static_cast<std::size_t>(m_write.load(std::memory_order_relaxed) -
                                                     m_read.load(std::memory_order_acquire));
    }

    // Total items ever pushed (any thread; a monotonic audio clock in samples).
    std::uint64_t totalWritten() const noexcept { return m_write.load(std::memory_order_acquire); }

  private:
    static std::size_t roundUpPow2(std::size_t n) {
        std::size_t p = 1;
        while (p < n) p <<= 1;
        return p;
    }

    void copyIn(std::uint64_t at, const T* items, std::size_t n) noexcept {
        const std::size_t start = static_cast<std::size_t>(at) & m_mask;
        const std::size_t first = std::min(n, m_capacity - start);
        std::copy_n(items, first, m_data.get() + start);
        std::copy_n(items + first, n - first, m_data.get());
    }

    void copyOut(std::uint64_t at, T* items, std::size_t n) const noexcept {
        const std::size_t start = static_cast<std::size_t>(at) & m_mask;
        const std::size_t first = std::min(n, m_capacity - start);
        std::copy_n(m_data.get() + start, first, items);
        std::copy_n(m_data.get(), n - first, items + first);
    }

    const std::size_t m_capacity;
    const std::size_t m_mask;
    std::unique_ptr<T[]> m_data;
    // Separate cache lines so producer and consumer do not false-share.
    alignas(64) std::atomic<std::uint64_t> m_write{0};
    alignas(64) std::atomic<std::uint64_t> m_read{0};
};

using SampleRing = SpscRing<float>;

}  // namespace autolume::audio
