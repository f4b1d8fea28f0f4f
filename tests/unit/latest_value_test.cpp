#include "autolume/util/latest_value.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using autolume::util::LatestValue;

TEST(LatestValue, ReaderSeesOnlyNewValues) {
    LatestValue<int> slot(0);
    EXPECT_FALSE(slot.fetch());
    slot.back() = 1;
    slot.publish();
    slot.back() = 2;
    slot.publish();  // overwrites 1: latest wins
    ASSERT_TRUE(slot.fetch());
    EXPECT_EQ(slot.front(), 2);
    EXPECT_FALSE(slot.fetch());
    EXPECT_EQ(slot.front(), 2);
}

// Each published vector is filled with one value; a torn read would mix two values.
TEST(LatestValue, TwoThreadsNeverTearAndNeverGoBack) {
    LatestValue<std::vector<int>> slot(std::vector<int>(256, 0));
    std::atomic<bool> done{false};
    std::thread writer([&] {
        for (int v = 1; v <= 200'000; ++v) {
            auto& b = slot.back();
            std::fill(b.begin(), b.end(), v);
            slot.publish();
        }
        done = true;
    });
    int last = 0;
    bool torn = false;
    bool backwards = false;
    int reads = 0;
    while (true) {
        const bool finished = done.load();
        if (!slot.fetch()) {
            if (finished) break;  // the final value was published before `done`
            continue;
        }
        const auto& f = slot.front();
        for (int x : f) torn |= (x != f[0]);
        backwards |= (f[0] < last);
        last = f[0];
        ++reads;
    }
    writer.join();
    EXPECT_FALSE(torn);
    EXPECT_FALSE(backwards);
    EXPECT_GT(reads, 0);
    EXPECT_EQ(last, 200'000);
}
