// Latest-value slot (triple buffer): one writer publishes whole values, one reader always
// gets the newest complete one. Neither side waits for the other, and nothing is allocated
// after construction, so a slow reader never stalls the writer (latest wins, older values are
// simply overwritten).
//
// Thread contract: one writer thread calls back()/publish(); one reader thread calls
// fetch()/front(). T is copied three times at construction (pre-size vectors in `prototype`).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace autolume::util {

template <typename T>
class LatestValue {
  public:
    explicit LatestValue(const T& prototype = T{}) : m_slots{prototype, prototype, prototype} {}

    LatestValue(const LatestValue&) = delete;
    LatestValue& operator=(const LatestValue&) = delete;

    // Writer: the slot to fill before publish(). Contents are stale (an older value).
    T& back() noexcept { return m_slots[m_back]; }

    // Writer: makes back() the newest value and hands the writer a free slot.
    void publish() noexcept {
        const std::uint8_t old = m_middle.exchange(m_back | kFresh, std::memory_order_acq_rel);
        m_back = old & kIndexMask;
    }

    // Reader: takes the newest value if one was published since the last fetch().
    bool fetch() noexcept {
        if ((m_middle.load(std::memory_order_relaxed) & kFresh) == 0) return false;
        const std::uint8_t old = m_middle.exchange(m_front, std::memory_order_acq_rel);
        m_front = old & kIndexMask;
        return true;
    }

    // Reader: the value taken by the last successful fetch().
    const T& front() const noexcept { return m_slots[m_front]; }
    T& front() noexcept { return m_slots[m_front]; }

  private:
    static constexpr std::uint8_t kFresh = 0x4;
    static constexpr std::uint8_t kIndexMask = 0x3;

    std::array<T, 3> m_slots;
    std::uint8_t m_back = 0;   // writer only
    std::uint8_t m_front = 2;  // reader only
    alignas(64) std::atomic<std::uint8_t> m_middle{1};
};

}  // namespace autolume::util
