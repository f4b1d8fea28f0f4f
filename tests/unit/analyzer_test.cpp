// Level and onset features against signals whose truth is known.
#include "autolume/features/analyzer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

using namespace autolume::features;

namespace {

constexpr double kRate = 48000.0;

std::vector<float> sine(double freq, double amp, double seconds) {
    std::vector<float> x(static_cast<std::size_t>(seconds * kRate));
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = static_cast<float>(amp * std::sin(2 * std::numbers::pi * freq * i / kRate));
    return x;
}

// 20 ms 1 kHz bursts with a short fade, one per beat (the TESTING.md sox click track).
std::vector<float> clicks(double bpm, double seconds, std::vector<double>* times) {
    std::vector<float> x(static_cast<std::size_t>(seconds * kRate), 0.0f);
    const double period = 60.0 / bpm;
    for (double t = 0.25; t + 0.02 < seconds; t += period) {
        times->push_back(t);
        const auto start = static_cast<std::size_t>(t * kRate);
        for (std::size_t i = 0; i < 960; ++i) {
            const double fade = i > 240 ? (960.0 - i) / 720.0 : 1.0;
            x[start + i] =
                static_cast<float>(0.5 * fade * std::sin(2 * std::numbers::pi * 1000 * i / kRate));
        }
    }
    return x;
}

std::vector<FeatureFrame> analyze(const std::vector<float>& x, AnalyzerConfig config = {}) {
    config.sampleRate = kRate;
    Analyzer analyzer(config);
    std::vector<FeatureFrame> frames;
    for (std::size_t at = 0; at + config.hopSize <= x.size(); at += config.hopSize)
        frames.push_back(analyzer.process(x.data() + at));
    return frames;
}

}  // namespace

TEST(Analyzer, SilenceHasNoLevelAndNoOnsets) {
    for (const auto& f : analyze(std::vector<float>(5 * 48000, 0.0f))) {
        EXPECT_EQ(f.rms, 0.0f);
        EXPECT_EQ(f.level, 0.0f);
        EXPECT_FALSE(f.onset);
    }
}

TEST(Analyzer, SineRmsIsAmplitudeOverRootTwo) {
    // 375 Hz fits exactly 4 periods in a 512-sample hop at 48 kHz, so each hop sees the true RMS.
    const auto frames = analyze(sine(375.0, 0.5, 1.0));
    for (std::size_t i = 1; i < frames.size(); ++i) {
        EXPECT_NEAR(frames[i].rms, 0.5 / std::sqrt(2.0), 0.005);
        EXPECT_NEAR(frames[i].rmsDb, 20 * std::log10(0.5 / std::sqrt(2.0)), 0.1);
    }
    EXPECT_NEAR(frames.back().timeSec, frames.size() * 512 / kRate, 1e-9);
}

TEST(Analyzer, SteadyToneGivesOneOnsetAtItsStartOnly) {
    std::vector<float> x(48000, 0.0f);
    const auto tone = sine(440.0, 0.3, 3.0);
    x.insert(x.end(), tone.begin(), tone.end());
    int onsets = 0;
    for (const auto& f : analyze(x)) {
        if (!f.onset) continue;
        ++onsets;
        EXPECT_NEAR(f.timeSec, 1.0, 0.05);
    }
    EXPECT_EQ(onsets, 1);
}

TEST(Analyzer, ClickTrackOnsetsWithin50ms) {
    for (double bpm : {80.0, 120.0, 160.0}) {
        std::vector<double> truth;
        const auto frames = analyze(clicks(bpm, 10.0, &truth));
        std::vector<double> detected;
        for (const auto& f : frames)
            if (f.onset) detected.push_back(f.timeSec);
        int hits = 0;
        for (double t : truth)
            for (double d : detected)
                if (std::abs(d - t) <= 0.05) {
                    ++hits;
                    break;
                }
        const double precision = detected.empty() ? 0 : double(hits) / detected.size();
        const double recall = double(hits) / truth.size();
        const double f1 = 2 * precision * recall / std::max(precision + recall, 1e-9);
        EXPECT_GE(f1, 0.95) << bpm << " BPM: " << detected.size() << " detected, " << truth.size()
                            << " true";
    }
}

TEST(Analyzer, AutoGainPutsQuietAndLoudInputNearOne) {
    for (double amp : {0.01, 0.1, 0.9}) {
        const auto frames = analyze(sine(220.0, amp, 2.0));
        EXPECT_NEAR(frames.back().level, 1.0, 0.02) << "amplitude " << amp;
    }
    // A drop of 20 dB first reads as a tenth of the peak, then recovers as the peak releases.
    auto x = sine(220.0, 0.5, 2.0);
    const auto quiet = sine(220.0, 0.05, 30.0);
    x.insert(x.end(), quiet.begin(), quiet.end());
    const auto frames = analyze(x);
    const std::size_t justAfter = static_cast<std::size_t>(2.2 * kRate / 512);
    EXPECT_NEAR(frames[justAfter].level, 0.1, 0.03);
    EXPECT_GT(frames.back().level, 0.9);
}

TEST(Analyzer, ResetForgetsHistory) {
    AnalyzerConfig config;
    config.sampleRate = kRate;
    Analyzer analyzer(config);
    const auto x = sine(440.0, 0.5, 0.5);
    for (std::size_t at = 0; at + 512 <= x.size(); at += 512) analyzer.process(x.data() + at);
    analyzer.reset();
    std::vector<float> zeros(512, 0.0f);
    const FeatureFrame& f = analyzer.process(zeros.data());
    EXPECT_EQ(f.hop, 1u);
    EXPECT_EQ(f.level, 0.0f);
    EXPECT_FALSE(f.onset);
}
