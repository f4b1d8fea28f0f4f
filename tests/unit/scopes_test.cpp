// Scopes' bookkeeping (no drawing): silence after a second below -60 dB, the latency median and
// the output period's 99th percentile.
#include "autolume/render/scopes.hpp"

#include <gtest/gtest.h>

namespace autolume::render {
namespace {

ScopeSample at(float levelDb) {
    ScopeSample s;
    s.levelDb = levelDb;
    return s;
}

TEST(Scopes, SilenceAfterOneSecondBelowTheThreshold) {
    Scopes scopes;
    scopes.push(at(-20.0f), 0.0);
    scopes.push(at(-80.0f), 0.5);
    EXPECT_FALSE(scopes.silent());  // 0.5 s of quiet
    scopes.push(at(-80.0f), 1.01);
    EXPECT_TRUE(scopes.silent());
    scopes.push(at(-30.0f), 1.1);  // music again
    EXPECT_FALSE(scopes.silent());
    scopes.push(at(-59.0f), 3.0);  // quiet, but above the threshold
    EXPECT_FALSE(scopes.silent());
}

TEST(Scopes, SilenceFromTheStart) {
    Scopes scopes;
    scopes.push(at(-120.0f), 10.0);
    EXPECT_FALSE(scopes.silent());
    scopes.push(at(-120.0f), 11.5);
    EXPECT_TRUE(scopes.silent());
}

TEST(Scopes, LatencyMedianAndPeriodPercentile) {
    Scopes scopes;
    for (int i = 0; i < 99; ++i) scopes.addLatency(40.0f + static_cast<float>(i % 3));  // 40..42
    EXPECT_FLOAT_EQ(scopes.latencyMedianMs(), 41.0f);
    for (int i = 0; i < 200; ++i) scopes.addOutputPeriod(i == 100 || i == 150 ? 50.0f : 16.7f);
    EXPECT_FLOAT_EQ(scopes.outputPeriodP99Ms(), 50.0f);  // 2 of 200 slow frames: the top 1 %
    for (int i = 0; i < 512; ++i) scopes.addOutputPeriod(16.7f);  // the history is 512 long
    EXPECT_FLOAT_EQ(scopes.outputPeriodP99Ms(), 16.7f);
}

}  // namespace
}  // namespace autolume::render
