#include "autolume/control/ws_compose.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "autolume/control/feature_input.hpp"

using namespace autolume::control;

namespace {

constexpr int kNumWs = 4;
constexpr int kWDim = 3;

ControlFrame frame() {
    ControlFrame f;
    f.resize(2, kWDim, kNumWs, 2);
    return f;
}

// Row r of a mapped ws filled with `value + r`.
std::vector<float> mapped(float value) {
    std::vector<float> ws(kNumWs * kWDim);
    for (int r = 0; r < kNumWs; ++r)
        for (int i = 0; i < kWDim; ++i) ws[r * kWDim + i] = value + r;
    return ws;
}

}  // namespace

TEST(ComposeWs, SplitTakesCoarseRowsFromGroupZeroAndFineRowsFromGroupOne) {
    ControlFrame f = frame();
    f.splitLayer = 1;
    const auto a = mapped(10), b = mapped(20);
    std::vector<float> blended(a.size()), out(a.size());
    composeWs(f, a.data(), b.data(), {}, blended.data(), out.data());
    EXPECT_EQ(out[0], 10.0f);
    for (int r = 1; r < kNumWs; ++r) EXPECT_EQ(out[r * kWDim], 20.0f + r) << r;
    EXPECT_EQ(out, blended);  // no directions: nothing added

    f.splitLayer = kNumWs;  // no routing: group 0 everywhere
    composeWs(f, a.data(), b.data(), {}, blended.data(), out.data());
    EXPECT_EQ(out, a);
}

TEST(ComposeWs, BlendMovesTowardsTheTargetExactly) {
    ControlFrame f = frame();
    const auto a = mapped(0);
    f.wTarget.assign(a.size(), 8.0f);
    std::vector<float> blended(a.size()), out(a.size());
    f.wBlend = 0.25f;
    composeWs(f, a.data(), a.data(), {}, blended.data(), out.data());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_FLOAT_EQ(out[i], a[i] + 0.25f * (8 - a[i]));
    f.wBlend = 1.0f;
    composeWs(f, a.data(), a.data(), {}, blended.data(), out.data());
    EXPECT_EQ(out, f.wTarget);
}

TEST(ComposeWs, DirectionsAddAmountTimesStddevToEveryRowButNotToWhatPresetsStore) {
    ControlFrame f = frame();
    const auto a = mapped(1);
    const std::vector<float> components = {1, 0, 0, 0, 0, 1};
    const std::vector<float> stddevs = {2.0f, 0.5f};
    f.ganspace = {1.5f, -2.0f};
    std::vector<float> blended(a.size()), out(a.size());
    composeWs(f, a.data(), a.data(), {2, kWDim, components.data(), stddevs.data()}, blended.data(),
              out.data());
    EXPECT_EQ(blended, a);
    for (int r = 0; r < kNumWs; ++r) {
        EXPECT_FLOAT_EQ(out[r * kWDim + 0], a[r * kWDim] + 1.5f * 2.0f);
        EXPECT_FLOAT_EQ(out[r * kWDim + 1], a[r * kWDim + 1]);
        EXPECT_FLOAT_EQ(out[r * kWDim + 2], a[r * kWDim + 2] - 2.0f * 0.5f);
    }
    // Directions of another model's w_dim are ignored, never read out of bounds.
    composeWs(f, a.data(), a.data(), {2, kWDim + 1, components.data(), stddevs.data()},
              blended.data(), out.data());
    EXPECT_EQ(out, a);
}

TEST(ComposeWs, TruncationPullsEveryRowTowardsTheAverage) {
    std::vector<float> ws = mapped(4);
    const std::vector<float> avg = {1, 1, 1};
    truncateWs(avg.data(), 0.5f, kNumWs, kWDim, ws.data());
    for (int r = 0; r < kNumWs; ++r) EXPECT_FLOAT_EQ(ws[r * kWDim], 1 + 0.5f * (4 + r - 1));
    truncateWs(avg.data(), 0.0f, kNumWs, kWDim, ws.data());
    for (float v : ws) EXPECT_EQ(v, 1.0f);
}

TEST(FeatureInput, CarriesEveryFeatureTheControllerReads) {
    autolume::features::FeatureFrame f;
    f.timeSec = 2.5;
    f.level = 0.7f;
    f.onset = true;
    f.onsetStrength = 0.9f;
    f.beat = true;
    f.beatPhase = 0.1f;
    f.bpm = 120.0f;
    f.harmonic = 0.3f;
    f.percussive = 0.6f;
    f.onsetExp = 0.8f;
    f.beatExp = 0.4f;
    f.chroma[9] = 1.0f;
    const ControlInput in = toControlInput(f);
    EXPECT_EQ(in.timeSec, 2.5);
    EXPECT_EQ(in.level, 0.7f);
    EXPECT_TRUE(in.onset && in.beat);
    EXPECT_EQ(in.bpm, 120.0f);
    EXPECT_EQ(in.harmonic, 0.3f);
    EXPECT_EQ(in.percussive, 0.6f);
    EXPECT_EQ(in.onsetEnvelope, 0.8f);
    EXPECT_EQ(in.beatEnvelope, 0.4f);
    EXPECT_EQ(in.chroma[9], 1.0f);
}
