// audio::RecordTap: the recordings' audio fan-out, with a real producer thread (built again
// under ThreadSanitizer in autolume_tsan_tests). Every frame a reader gets is in order and
// whole; what it lost is counted exactly; claims and releases while the producer runs.
#include "autolume/audio/record_tap.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

using autolume::audio::RecordTap;

namespace {

// A stereo producer of frames numbered 0, 1, 2...: left = n % 4096, right = n / 4096 (both
// exact in a float, whatever n reaches).
void produce(RecordTap& tap, std::atomic<bool>& stop, std::atomic<std::int64_t>& pushed) {
    std::vector<float> block(2 * 300);
    std::int64_t n = 0;
    while (!stop.load()) {
        for (std::size_t f = 0; f < 300; ++f) {
            const std::int64_t k = n + static_cast<std::int64_t>(f);
            block[2 * f] = static_cast<float>(k % 4096);
            block[2 * f + 1] = static_cast<float>(k / 4096);
        }
        tap.push(block.data(), 300, 2);
        n += 300;
        pushed.store(n);
        if (n % 3000 == 0) std::this_thread::yield();
    }
}

}  // namespace

TEST(RecordTap, ReadersGetOrderedWholeFramesAndCountWhatTheyLose) {
    RecordTap tap(2, 48000.0, 4096);
    std::atomic<bool> stop{false};
    std::atomic<std::int64_t> pushed{0};
    std::thread producer(produce, std::ref(tap), std::ref(stop), std::ref(pushed));
    // Stopped and joined however the test ends (an ASSERT returns early).
    struct Join {
        std::atomic<bool>& stop;
        std::thread& thread;
        ~Join() {
            stop.store(true);
            if (thread.joinable()) thread.join();
        }
    } join{stop, producer};

    std::vector<float> buffer(2 * 512);
    for (int round = 0; round < 20; ++round) {
        const int reader = tap.claim();
        ASSERT_GE(reader, 0);
        std::int64_t start = -1;
        while (!tap.startPosition(reader, start)) std::this_thread::yield();
        // The first frame read is the frame at the start position (frame n has value n).
        std::int64_t expected = start;
        std::int64_t got = 0;
        std::uint64_t gaps = 0;
        const bool slow = round % 2 == 1;  // odd rounds fall behind on purpose
        while (got < 20000) {
            const std::size_t n = tap.pop(reader, buffer.data(), 512);
            for (std::size_t f = 0; f < n; ++f) {
                const auto value = static_cast<std::int64_t>(buffer[2 * f + 1]) * 4096 +
                                   static_cast<std::int64_t>(buffer[2 * f]);
                // A gap is a whole lost block, and only where the reader overran.
                if (value != expected) {
                    ASSERT_GT(value, expected) << "out of order in round " << round;
                    // The producer pushes blocks of 300: whole ones are lost, or none.
                    ASSERT_EQ((value - expected) % 300, 0) << "a partial block lost";
                    gaps += static_cast<std::uint64_t>(value - expected);
                    expected = value;
                }
                ++expected;
                ++got;
            }
            if (slow)
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            else if (n == 0)
                std::this_thread::yield();
        }
        // Every frame missing from what was read is counted as lost (the count may also hold
        // blocks lost after the last read).
        EXPECT_LE(gaps, tap.overruns(reader)) << "round " << round;
        if (slow) EXPECT_GT(gaps, 0u) << "a reader far behind lost nothing: round " << round;
        tap.release(reader);
    }
    stop.store(true);
    producer.join();
    EXPECT_GT(pushed.load(), 20 * 20000);
}

TEST(RecordTap, AtMostThreeReadersAndMonoIsCopiedToBothChannels) {
    RecordTap tap(2, 44100.0, 1024);
    const int a = tap.claim(), b = tap.claim(), c = tap.claim();
    EXPECT_EQ(tap.claim(), -1);
    const float mono[3] = {0.25f, 0.5f, 0.75f};
    tap.push(mono, 3, 1);
    float out[6] = {};
    ASSERT_EQ(tap.pop(b, out, 3), 3u);
    EXPECT_EQ(out[0], 0.25f);
    EXPECT_EQ(out[1], 0.25f);
    EXPECT_EQ(out[5], 0.75f);
    std::int64_t start = -1;
    ASSERT_TRUE(tap.startPosition(a, start));
    EXPECT_EQ(start, 0);
    tap.release(a);
    EXPECT_GE(tap.claim(), 0);  // a free slot again
    tap.release(b);
    tap.release(c);
    EXPECT_EQ(tap.framesPushed(), 3);
}
