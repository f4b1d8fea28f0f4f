#include "autolume/audio/spsc_ring.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

using autolume::audio::SpscRing;

TEST(SpscRing, RoundsCapacityAndWrapsAround) {
    SpscRing<int> ring(5);
    EXPECT_EQ(ring.capacity(), 8u);
    std::vector<int> out(8);
    for (int round = 0; round < 10; ++round) {
        const int in[5] = {round, round + 1, round + 2, round + 3, round + 4};
        ASSERT_EQ(ring.push(in, 5), 5u);
        ASSERT_EQ(ring.readAvailable(), 5u);
        ASSERT_EQ(ring.pop(out.data(), 8), 5u);
        for (int i = 0; i < 5; ++i) EXPECT_EQ(out[i], round + i);
    }
}

TEST(SpscRing, PushStopsWhenFullAndPopWhenEmpty) {
    SpscRing<float> ring(4);
    const float in[6] = {1, 2, 3, 4, 5, 6};
    EXPECT_EQ(ring.push(in, 6), 4u);
    EXPECT_EQ(ring.push(in, 1), 0u);
    float out[6] = {};
    EXPECT_EQ(ring.skip(1), 1u);
    EXPECT_EQ(ring.pop(out, 6), 3u);
    EXPECT_EQ(out[0], 2.0f);
    EXPECT_EQ(out[2], 4.0f);
    EXPECT_EQ(ring.pop(out, 6), 0u);
    EXPECT_EQ(ring.totalWritten(), 4u);
}

// A producer and a consumer on two threads with odd block sizes: every value arrives once,
// in order. Run under ThreadSanitizer (AUTOLUME_SANITIZE=thread) to check the ordering.
TEST(SpscRing, TwoThreadsDeliverEverySampleInOrder) {
    constexpr std::uint32_t kTotal = 2'000'000;
    SpscRing<std::uint32_t> ring(1024);
    std::thread producer([&] {
        std::uint32_t next = 0;
        std::uint32_t block[37];
        while (next < kTotal) {
            std::uint32_t n = std::min<std::uint32_t>(37, kTotal - next);
            for (std::uint32_t i = 0; i < n; ++i) block[i] = next + i;
            std::size_t done = 0;
            while (done < n) {
                done += ring.push(block + done, n - done);
                if (done < n) std::this_thread::yield();
            }
            next += n;
        }
    });
    std::uint32_t expected = 0;
    std::uint32_t block[53];
    bool inOrder = true;
    while (expected < kTotal) {
        const std::size_t n = ring.pop(block, 53);
        for (std::size_t i = 0; i < n; ++i) inOrder &= (block[i] == expected++);
        if (n == 0) std::this_thread::yield();
    }
    producer.join();
    EXPECT_TRUE(inOrder);
    EXPECT_EQ(ring.readAvailable(), 0u);
    EXPECT_EQ(ring.totalWritten(), kTotal);
}
