#include "autolume/control/latent_controller.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace autolume::control;

namespace {

constexpr double kHop = 512.0 / 48000.0;

double distance(const float* a, const float* b, std::size_t n) {
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) s += double(a[i] - b[i]) * (a[i] - b[i]);
    return std::sqrt(s);
}

struct Rig {
    explicit Rig(LatentShape shape = {64, 32, 6, 5, 4}, std::uint64_t seed = 1)
        : controller(shape, seed, registry) {
        frame.resize(shape.zDim, shape.wDim, shape.numWs, shape.ganspaceCount);
    }
    void set(const char* name, float value) { registry.jumpTo(registry.at(name), value); }
    void step(const ControlInput& in) { controller.step(in, kHop, frame); }
    std::vector<float> z() const { return frame.z; }
    ParameterRegistry registry;
    LatentController controller;
    ControlFrame frame;
};

ControlInput music(int hop, float level = 0.8f) {
    ControlInput in;
    in.level = level;
    in.onset = hop % 47 == 0;
    in.onsetStrength = in.onset ? 1.0f : 0.2f;
    in.onsetEnvelope = std::exp(-(hop % 47) * 0.1f);
    in.harmonic = 0.6f;
    in.percussive = in.onset ? 1.0f : 0.1f;
    in.chroma[0] = in.chroma[4] = in.chroma[7] = 1.0f;  // C major
    return in;
}

std::vector<std::vector<float>> keyframes(int count, std::size_t size) {
    std::vector<std::vector<float>> k(count, std::vector<float>(size));
    for (int i = 0; i < count; ++i)
        for (std::size_t j = 0; j < size; ++j) k[i][j] = float(i * 10) + float(j) * 0.01f;
    return k;
}

}  // namespace

TEST(LatentController, DeterministicForASeedAndAudio) {
    Rig a, b, c({64, 32, 6, 5, 4}, 2);
    for (Rig* r : {&a, &b, &c}) {
        r->set("chroma.weight", 0.5f);
        r->set("layers.routing", 1.0f);
        for (int i = 0; i < 300; ++i) r->step(music(i));
    }
    EXPECT_EQ(a.z(), b.z());
    EXPECT_GT(distance(a.frame.z.data(), c.frame.z.data(), 64), 1.0);
}

TEST(LatentController, SilenceStandsStillInEveryMode) {
    Rig r;
    r.set("walk.base_speed", 0.0f);  // no idle drift
    r.controller.setKeyframes(keyframes(3, 6 * 32));
    r.controller.setKeyframeTiming(KeyframeTiming::Free);
    for (const char* mode : {"chroma.weight", "loop.weight", "keyframes.mix", "layers.routing"})
        r.set(mode, 1.0f);
    for (int i = 0; i < 200; ++i) r.step(music(i));
    const auto z = r.z();
    const auto target = r.frame.wTarget;
    ControlInput silence;
    for (int i = 0; i < 500; ++i) r.step(silence);
    EXPECT_LT(distance(z.data(), r.frame.z.data(), z.size()), 1e-3);
    EXPECT_LT(distance(target.data(), r.frame.wTarget.data(), target.size()), 1e-3);
}

// The default idle drift: silence moves the latents, slowly (walk.base_speed rad/s along the
// sphere), and music moves them many times faster.
TEST(LatentController, SilenceDriftsGentlyByDefault) {
    auto motion = [](bool playing) {
        Rig r;
        for (int i = 0; i < 100; ++i) r.step(ControlInput{});  // past the parameter smoothing
        auto last = r.z();
        double moved = 0.0;
        for (int i = 0; i < 400; ++i) {
            r.step(playing ? music(i, 0.5f) : ControlInput{});
            moved += distance(last.data(), r.frame.z.data(), last.size());
            last = r.z();
        }
        return moved / (400 * kHop);  // z units per second
    };
    const double silent = motion(false), playing = motion(true);
    // Both z groups (64 values, radius 8, the same without routing) turn at walk.base_speed:
    // sqrt(2) * 8 * 0.05 z units per second.
    const double expected = std::sqrt(2.0) * 8.0 * 0.05;
    EXPECT_NEAR(silent, expected, 0.1 * expected);
    EXPECT_GT(playing, 5.0 * silent);
}

TEST(LatentController, LouderPassagesMoveMore) {
    double moved[2] = {0, 0};
    const float levels[2] = {0.15f, 0.9f};
    for (int k = 0; k < 2; ++k) {
        Rig r;
        r.step(ControlInput{});
        auto last = r.z();
        for (int i = 0; i < 400; ++i) {
            ControlInput in = music(i, levels[k]);
            in.onset = false;
            r.step(in);
            moved[k] += distance(last.data(), r.frame.z.data(), last.size());
            last = r.z();
        }
    }
    EXPECT_GT(moved[1], 3.0 * moved[0]);  // 6x the level gives about 6x the motion
}

TEST(LatentController, AReturningChordBringsTheLatentBack) {
    Rig r;
    r.set("walk.weight", 0.0f);
    r.set("chroma.weight", 1.0f);
    auto chord = [](std::initializer_list<int> notes) {
        ControlInput in;
        in.level = 0.7f;
        for (int n : notes) in.chroma[n] = 1.0f;
        return in;
    };
    const ControlInput cMajor = chord({0, 4, 7}), aMinor = chord({9, 0, 4}),
                       fMajor = chord({5, 9, 0});
    for (int i = 0; i < 200; ++i) r.step(cMajor);
    const auto first = r.z();
    for (int i = 0; i < 200; ++i) r.step(aMinor);
    const auto other = r.z();
    for (int i = 0; i < 200; ++i) r.step(fMajor);
    for (int i = 0; i < 200; ++i) r.step(cMajor);
    const double back = distance(first.data(), r.frame.z.data(), 64);
    const double apart = distance(first.data(), other.data(), 64);
    EXPECT_LT(back, 0.01 * apart) << "C major again should give the C major latent";
    EXPECT_GT(apart, 2.0);
}

TEST(LatentController, KeyframesAreReachedOnTheBeatsAskedFor) {
    for (KeyframeTiming timing : {KeyframeTiming::PerBeat, KeyframeTiming::PerBar}) {
        for (Transition transition : {Transition::Linear, Transition::Exponential}) {
            Rig r;
            const std::size_t size = 6 * 32;
            const auto keys = keyframes(5, size);
            r.controller.setKeyframes(keys);
            r.controller.setKeyframeTiming(timing);
            r.controller.setTransition(transition);
            r.set("keyframes.mix", 1.0f);
            const int beatsPerKey = timing == KeyframeTiming::PerBeat ? 1 : 4;
            int beats = 0;
            for (int hop = 1; hop <= 24 * 47; ++hop) {  // 120 BPM: a beat every ~47 hops
                ControlInput in = music(hop);
                in.bpm = 120.0f;
                in.beat = hop % 47 == 0;
                in.beatPhase = float(hop % 47) / 47.0f;
                r.step(in);
                ASSERT_EQ(r.frame.wBlend, 1.0f);
                if (!in.beat) continue;
                ++beats;
                if (beats % beatsPerKey != 0) {
                    continue;
                }
                const auto& key = keys[(beats / beatsPerKey) % keys.size()];
                EXPECT_LT(distance(key.data(), r.frame.wTarget.data(), size), 1e-4)
                    << "beat " << beats;
            }
        }
    }
}

TEST(LatentController, ExponentialTransitionArrivesEarlier) {
    std::vector<float> midway[2];
    for (int k = 0; k < 2; ++k) {
        Rig r;
        r.controller.setKeyframes(keyframes(2, 6 * 32));
        r.controller.setKeyframeTiming(KeyframeTiming::PerBeat);
        r.controller.setTransition(k == 0 ? Transition::Linear : Transition::Exponential);
        r.set("keyframes.mix", 1.0f);
        ControlInput in = music(1);
        in.bpm = 120.0f;
        in.beatPhase = 0.5f;
        r.step(in);
        midway[k] = r.frame.wTarget;
    }
    EXPECT_NEAR(midway[0][0], 5.0f, 1e-4);  // halfway from 0 to 10
    EXPECT_GT(midway[1][0], 8.0f);          // eased: most of the way already
}

TEST(LatentController, LoopsCloseAfterTheirLength) {
    Rig r;
    r.set("walk.weight", 0.0f);
    r.set("loop.weight", 1.0f);
    r.set("loop.beats", 8.0f);
    std::vector<float> start;
    int beats = 0;
    double farthest = 0;
    for (int hop = 1; beats < 8; ++hop) {
        ControlInput in = music(hop);
        in.bpm = 120.0f;
        in.beat = hop % 47 == 0;
        in.beatPhase = float(hop % 47) / 47.0f;
        r.step(in);
        if (hop == 1) start = r.z();
        if (in.beat) ++beats;
        farthest = std::max(farthest, distance(start.data(), r.frame.z.data(), 64));
    }
    Rig fresh;  // the position at beat 0 is the same as at beat 8
    fresh.set("walk.weight", 0.0f);
    fresh.set("loop.weight", 1.0f);
    fresh.set("loop.beats", 8.0f);
    fresh.step(ControlInput{});
    EXPECT_LT(distance(fresh.frame.z.data(), r.frame.z.data(), 64), 1e-4);
    EXPECT_GT(farthest, 5.0);
}

TEST(LatentController, LayerRoutingSendsPercussionToTheFineLayers) {
    Rig r;
    r.set("walk.base_speed", 0.0f);  // only the music moves the walks
    r.set("layers.routing", 1.0f);
    r.set("layers.split", 3.0f);
    r.step(ControlInput{});
    const auto before = r.z();
    for (int i = 0; i < 100; ++i) {
        ControlInput in;
        in.level = 0.8f;
        in.percussive = 1.0f;  // drums only, no harmony
        r.step(in);
    }
    EXPECT_EQ(r.frame.splitLayer, 3);
    EXPECT_LT(distance(before.data(), r.frame.z.data(), 64), 1e-4) << "coarse z moved";
    EXPECT_GT(distance(before.data() + 64, r.frame.z.data() + 64, 64), 1.0) << "fine z still";
}

TEST(LatentController, PresetRecallMorphsAndReleaseReturns) {
    Rig r;
    std::vector<float> preset(6 * 32, 0.5f);
    r.controller.recall(preset.data(), 0.5f);
    r.step(music(1));
    EXPECT_GT(r.frame.wBlend, 0.0f);
    EXPECT_LT(r.frame.wBlend, 0.1f);
    for (int i = 0; i < 60; ++i) r.step(music(i));  // 0.64 s > 0.5 s morph
    EXPECT_EQ(r.frame.wBlend, 1.0f);
    EXPECT_EQ(r.frame.wTarget, preset);
    std::vector<float> other(6 * 32, -1.0f);
    r.controller.recall(other.data(), 0.5f);
    r.step(music(2));
    EXPECT_EQ(r.frame.wBlend, 1.0f);
    EXPECT_GT(r.frame.wTarget[0], 0.4f) << "switching presets morphs, never jumps";
    r.controller.release(0.0f);
    r.step(music(3));
    EXPECT_EQ(r.frame.wBlend, 0.0f);
}

TEST(LatentController, WorksForAnyModelShape) {
    for (LatentShape shape : {LatentShape{1, 1, 1, 1, 0}, LatentShape{512, 512, 18, 17, 8},
                              LatentShape{128, 256, 10, 9, 3}}) {
        Rig r(shape);
        r.controller.setKeyframes(keyframes(2, std::size_t(shape.numWs) * shape.wDim));
        r.set("keyframes.mix", 0.5f);
        r.set("chroma.weight", 0.5f);
        for (int i = 0; i < 50; ++i) r.step(music(i));
        EXPECT_EQ(r.frame.z.size(), std::size_t(2) * shape.zDim);
        EXPECT_EQ(r.frame.wTarget.size(), std::size_t(shape.numWs) * shape.wDim);
        EXPECT_EQ(r.frame.ganspace.size(), std::size_t(shape.ganspaceCount));
        for (float v : r.frame.z) ASSERT_TRUE(std::isfinite(v));
        EXPECT_THROW(r.controller.setKeyframes({std::vector<float>(3)}), std::invalid_argument);
    }
}
