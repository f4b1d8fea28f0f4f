// FramePacing on made-up present times: quantiles, the exact maximum, gaps over 100 ms, and
// clear() between health intervals (the clock keeps running across it).
#include "autolume/util/frame_pacing.hpp"

#include <gtest/gtest.h>

namespace autolume::util {
namespace {

constexpr std::int64_t kMs = 1'000'000;

TEST(FramePacing, QuantilesMaximumAndGaps) {
    FramePacing p;
    std::int64_t t = 5 * kMs;
    p.tick(t);  // starts the clock only
    EXPECT_EQ(p.count(), 0u);
    for (int i = 0; i < 98; ++i) p.tick(t += 16 * kMs + kMs / 2);  // 16.5 ms
    p.tick(t += 40 * kMs);
    p.tick(t += 180 * kMs + kMs / 4);  // one stall of 180.25 ms
    EXPECT_EQ(p.count(), 100u);
    EXPECT_DOUBLE_EQ(p.quantileMs(0.5), 16.625);  // the centre of the 16.50-16.75 ms bin
    EXPECT_DOUBLE_EQ(p.quantileMs(0.98), 40.125);
    EXPECT_DOUBLE_EQ(p.maxMs(), 180.25);
    EXPECT_EQ(p.gaps(), 1u);
}

TEST(FramePacing, ExactlyTheLimitIsNoGapAndLongPeriodsFallInTheLastBin) {
    FramePacing p;
    p.add(100.0);
    EXPECT_EQ(p.gaps(), 0u);
    p.add(2000.0);
    EXPECT_EQ(p.gaps(), 1u);
    EXPECT_DOUBLE_EQ(p.maxMs(), 2000.0);
    EXPECT_DOUBLE_EQ(p.quantileMs(0.99), 249.875);  // the open last bin
}

TEST(FramePacing, ClearForgetsPeriodsButKeepsTheClock) {
    FramePacing p;
    p.tick(0 + kMs);
    p.tick(201 * kMs);
    EXPECT_EQ(p.gaps(), 1u);
    p.clear();
    EXPECT_EQ(p.count(), 0u);
    EXPECT_EQ(p.gaps(), 0u);
    EXPECT_DOUBLE_EQ(p.maxMs(), 0.0);
    EXPECT_DOUBLE_EQ(p.quantileMs(0.5), 0.0);
    p.tick(221 * kMs);  // 20 ms after the last present before clear()
    EXPECT_EQ(p.count(), 1u);
    EXPECT_DOUBLE_EQ(p.maxMs(), 20.0);
}

}  // namespace
}  // namespace autolume::util
