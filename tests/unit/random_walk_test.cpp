#include "autolume/control/random_walk.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace autolume::control;
using autolume::features::FeatureFrame;

namespace {

constexpr double kHop = 512.0 / 48000.0;

FeatureFrame loud(float level, bool onset = false) {
    FeatureFrame f;
    f.level = level;
    f.onset = onset;
    return f;
}

double norm(const std::vector<float>& v) {
    double s = 0;
    for (float x : v) s += double(x) * x;
    return std::sqrt(s);
}

double distance(const std::vector<float>& a, const std::vector<float>& b) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += double(a[i] - b[i]) * (a[i] - b[i]);
    return std::sqrt(s);
}

}  // namespace

TEST(RandomWalk, SameSeedAndFeaturesGiveTheSameWalk) {
    RandomWalk a({.zDim = 64, .seed = 7});
    RandomWalk b({.zDim = 64, .seed = 7});
    RandomWalk c({.zDim = 64, .seed = 8});
    for (int i = 0; i < 500; ++i) {
        const auto f = loud(0.5f + 0.5f * std::sin(i * 0.1f), i % 40 == 0);
        a.step(f, kHop);
        b.step(f, kHop);
        c.step(f, kHop);
    }
    EXPECT_EQ(a.z(), b.z());
    EXPECT_GT(distance(a.z(), c.z()), 1.0);
}

TEST(RandomWalk, SilenceStandsStill) {
    RandomWalk walk({.zDim = 128, .seed = 1});
    const auto start = walk.z();
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(walk.step(loud(0.0f), kHop), 0.0f);
    EXPECT_EQ(walk.z(), start);
}

TEST(RandomWalk, LouderMovesFartherAndStaysOnTheSphere) {
    double moved[2] = {0, 0};
    const float levels[2] = {0.2f, 0.9f};
    for (int k = 0; k < 2; ++k) {
        RandomWalk walk({.zDim = 512, .seed = 3});
        for (int i = 0; i < 2000; ++i) moved[k] += walk.step(loud(levels[k]), kHop);
        EXPECT_NEAR(norm(walk.z()), std::sqrt(512.0), 1e-2);
    }
    EXPECT_GT(moved[1], 3.0 * moved[0]);
}

TEST(RandomWalk, RisingLevelAndOnsetsAddMotion) {
    RandomWalk steady({.zDim = 32, .seed = 2});
    RandomWalk rising({.zDim = 32, .seed = 2});
    double steadyMoved = 0, risingMoved = 0;
    for (int i = 0; i < 400; ++i) {
        steadyMoved += steady.step(loud(0.5f), kHop);
        risingMoved += rising.step(loud(i < 200 ? 0.1f : 0.9f, i == 200), kHop);
    }
    EXPECT_GT(risingMoved, steadyMoved);
    RandomWalk kicked({.zDim = 32, .seed = 2});
    EXPECT_NEAR(kicked.step(loud(0.0f, true), kHop), kicked.config().onsetKick, 1e-6);
}
