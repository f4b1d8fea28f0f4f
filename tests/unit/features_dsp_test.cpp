// The building blocks of the analyzer, each against its definition: running medians against a
// sort, HPSS on a steady tone and on a click, Gaussian smoothing's kernel, decay envelopes,
// the onset detector's refractory time, the tempo tracker fed an ideal onset train, stems.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "autolume/features/decay_envelope.hpp"
#include "autolume/features/feature_table.hpp"
#include "autolume/features/gaussian_smoother.hpp"
#include "autolume/features/hpss.hpp"
#include "autolume/features/onset_detector.hpp"
#include "autolume/features/sliding_median.hpp"
#include "autolume/features/stem_analyzer.hpp"
#include "autolume/features/tempo_tracker.hpp"
#include "features_signals.hpp"

namespace autolume::features {
namespace {

float medianOf(std::vector<float> v) {
    std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
    return v[v.size() / 2];
}

TEST(SlidingMedian, BankMatchesSortingTheLastValues) {
    const int channels = 5;
    const int length = 7;
    SlidingMedianBank bank(channels, length);
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> pick(0, 20);  // few distinct values: ties must work too
    std::vector<std::vector<float>> history(channels, std::vector<float>(length, 0.0f));
    std::vector<float> in(channels);
    std::vector<float> out(channels);
    for (int step = 0; step < 500; ++step) {
        for (int c = 0; c < channels; ++c) {
            in[c] = static_cast<float>(pick(rng)) * 0.5f;
            history[c].erase(history[c].begin());
            history[c].push_back(in[c]);
        }
        bank.push(in.data(), out.data());
        for (int c = 0; c < channels; ++c) ASSERT_EQ(out[c], medianOf(history[c])) << step;
    }
    bank.reset();
    in.assign(channels, 3.0f);
    bank.push(in.data(), out.data());
    EXPECT_EQ(out[0], 0.0f) << "a reset window is full of zeros again";
}

TEST(SlidingMedian, AcrossMatchesSortingEachWindow) {
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> value(-1.0f, 1.0f);
    for (const int window : {1, 3, 9, 25}) {
        std::vector<float> in(100);
        for (float& v : in) v = value(rng);
        std::vector<float> out(in.size());
        std::vector<float> scratch(static_cast<std::size_t>(window));
        medianAcross(in.data(), static_cast<int>(in.size()), window, out.data(), scratch.data());
        for (int k = 0; k < static_cast<int>(in.size()); ++k) {
            std::vector<float> w;
            for (int j = k - window / 2; j <= k + window / 2; ++j) {
                w.push_back(j >= 0 && j < static_cast<int>(in.size()) ? in[j] : 0.0f);
            }
            ASSERT_EQ(out[k], medianOf(w)) << "window " << window << " at " << k;
        }
    }
}

TEST(Hpss, SteadyPartialIsHarmonicAndABroadbandHitPercussive) {
    const int bins = 64;
    Hpss hpss(bins, HpssConfig{.timeFrames = 9, .freqBins = 9});
    std::vector<float> tone(bins, 0.0f);
    tone[20] = 1.0f;
    std::vector<float> h(bins);
    std::vector<float> p(bins);
    for (int i = 0; i < 20; ++i) hpss.process(tone.data(), h.data(), p.data());
    EXPECT_NEAR(h[20], 1.0f, 1e-6f);
    EXPECT_NEAR(p[20], 0.0f, 1e-6f);
    // A flat spectrum in one frame on top of the tone: percussive, except at the tone's bin.
    std::vector<float> hit(bins, 0.5f);
    hit[20] = 1.0f;
    hpss.process(hit.data(), h.data(), p.data());
    for (int k = 0; k < bins; ++k) {
        EXPECT_NEAR(h[k] + p[k], hit[k], 1e-6f);
        if (k != 20) {
            EXPECT_NEAR(p[k], 0.5f, 1e-6f) << k;
        }
    }
    EXPECT_GT(h[20], 0.7f);
}

TEST(GaussianSmoother, KernelIsAHalfGaussianThatSumsToOne) {
    const double hopSec = 0.01;
    GaussianSmoother smoother(1, 0.05f, hopSec);  // sigma = 5 steps
    EXPECT_EQ(smoother.taps(), 16);
    // The impulse response is exp(-j^2 / 2 sigma^2), normalized.
    std::vector<float> response;
    for (int j = 0; j < 16; ++j) response.push_back(smoother.process(j == 0 ? 1.0f : 0.0f));
    double norm = 0.0;
    for (int j = 0; j < 16; ++j) norm += std::exp(-0.5 * j * j / 25.0);
    // The first output renormalizes over the one value seen: a step is followed at once.
    EXPECT_FLOAT_EQ(response[0], 1.0f);
    smoother.reset();
    for (int j = 0; j < 20; ++j) smoother.process(0.0f);
    for (int j = 0; j < 16; ++j) {
        EXPECT_NEAR(smoother.process(j == 0 ? 1.0f : 0.0f), std::exp(-0.5 * j * j / 25.0) / norm,
                    1e-6);
    }
    double moment = 0.0;
    for (int j = 0; j < 16; ++j) moment += j * std::exp(-0.5 * j * j / 25.0);
    EXPECT_NEAR(smoother.delaySteps(), moment / norm, 1e-5);
    // A constant passes unchanged; sigma 0 is the identity.
    for (int j = 0; j < 40; ++j) smoother.process(0.25f);
    EXPECT_NEAR(smoother.process(0.25f), 0.25f, 1e-6f);
    GaussianSmoother identity(3, 0.0f, hopSec);
    float v[3] = {1.0f, -2.0f, 3.0f};
    identity.process(v, v);
    EXPECT_EQ(v[1], -2.0f);
}

TEST(GaussianSmoother, ReducesNoise) {
    GaussianSmoother smoother(2, 0.05f, 0.01);
    std::mt19937 rng(1);
    std::normal_distribution<float> noise(0.0f, 1.0f);
    double rawVar = 0.0;
    double smoothVar = 0.0;
    for (int i = 0; i < 5000; ++i) {
        float v[2] = {noise(rng), 0.0f};
        rawVar += v[0] * v[0];
        smoother.process(v, v);
        if (i > 50) smoothVar += v[0] * v[0];
    }
    // Variance shrinks by sum(w^2) / sum(w)^2, about 1 / (sigma * 2 sqrt(pi)) / ... < 0.15 here.
    EXPECT_LT(smoothVar / rawVar, 0.15);
}

TEST(DecayEnvelope, LinearAndExponentialAsInAshaFm) {
    const double hopSec = 0.01;
    DecayEnvelope linear(DecayShape::Linear, {.linearDecaySec = 0.5f}, hopSec);
    DecayEnvelope exponential(DecayShape::Exponential, {.expDecayPerSec = 4.0f}, hopSec);
    EXPECT_EQ(linear.step(true, 0.8f), 0.8f);
    EXPECT_EQ(exponential.step(true, 0.8f), 0.8f);
    for (int i = 1; i <= 100; ++i) {
        const float l = linear.step(false, 0.0f);
        const float e = exponential.step(false, 0.0f);
        EXPECT_NEAR(l, std::max(0.0, 0.8 - i * hopSec / 0.5), 1e-5) << i;
        EXPECT_NEAR(e, 0.8 * std::exp(-4.0 * i * hopSec), 1e-5) << i;
    }
    EXPECT_EQ(linear.value(), 0.0f);
    // A new trigger sets the strength of the new event.
    EXPECT_EQ(exponential.step(true, 0.3f), 0.3f);
}

TEST(OnsetDetector, RefractoryTimeAndFloor) {
    const double hopSec = 0.01;
    OnsetDetector detector(
        {.thresholdK = 1.5f, .windowSec = 1.0f, .refractorySec = 0.05f, .floor = 0.01f}, hopSec);
    int onsets = 0;
    std::vector<int> at;
    for (int i = 0; i < 300; ++i) {
        // Spikes every 3 hops (closer than the refractory time) from hop 100 on.
        const float strength = (i >= 100 && i % 3 == 0) ? 1.0f : 0.0f;
        if (detector.process(strength)) {
            ++onsets;
            at.push_back(i);
        }
    }
    ASSERT_FALSE(at.empty());
    EXPECT_EQ(at.front(), 102);
    for (std::size_t i = 1; i < at.size(); ++i) EXPECT_GE(at[i] - at[i - 1], 5);
    // Below the floor nothing fires, however regular.
    OnsetDetector quiet({.floor = 0.01f}, hopSec);
    for (int i = 0; i < 300; ++i) EXPECT_FALSE(quiet.process(i % 20 == 0 ? 0.005f : 0.0f));
}

// An ideal onset train (one spike per beat) at tempi across the range the prior reads at their
// own tempo (about 76 to 170 BPM).
TEST(TempoTracker, LocksToIdealOnsetTrainsWithoutOctaveErrors) {
    const double hopSec = 512.0 / 48000.0;
    for (const double bpm : {77.0, 80.0, 90.0, 110.0, 128.0, 150.0, 160.0, 164.0}) {
        TempoTracker tracker({}, hopSec);
        const double period = 60.0 / bpm / hopSec;
        double next = 10.0;
        int beats = 0;
        for (int hop = 1; hop <= static_cast<int>(10.0 / hopSec); ++hop) {
            const bool onset = hop >= next;
            if (onset) next += period;
            const TempoEstimate& e = tracker.process(onset ? 1.0f : 0.0f, onset);
            beats += e.beat ? 1 : 0;
        }
        EXPECT_NEAR(tracker.estimate().bpm, bpm, 0.5) << bpm;
        EXPECT_GT(tracker.estimate().confidence, 0.8f) << bpm;
        // Locked within 4 of the 10 s, and never more than one beat per beat.
        const double perSec = bpm / 60.0;
        EXPECT_GE(beats, static_cast<int>(perSec * 6.0)) << bpm;
        EXPECT_LE(beats, static_cast<int>(perSec * 10.0) + 1) << bpm;
    }
}

TEST(TempoTracker, StopsBeatingWhenTheMusicStops) {
    const double hopSec = 0.01;
    TempoTracker tracker({}, hopSec);
    int lastBeat = 0;
    for (int hop = 1; hop <= 2000; ++hop) {
        const bool onset = hop <= 1000 && hop % 50 == 0;  // 120 BPM for 10 s, then nothing
        if (tracker.process(onset ? 1.0f : 0.0f, onset).beat) lastBeat = hop;
    }
    EXPECT_NEAR(tracker.estimate().bpm, 120.0, 0.5) << "keeps the last tempo";
    EXPECT_EQ(tracker.estimate().confidence, 0.0f);
    EXPECT_LE(lastBeat, 1000 + 9 * 50) << "beats stop within the lost time (8 beats)";
}

TEST(StemAnalyzer, EachStemHasItsOwnFeatures) {
    // Stem 0: clicks at 120 BPM; stem 1: a steady 440 Hz tone from 1 s on.
    std::vector<double> truth;
    const auto drums = testing::clicks(120.0, 10.0, &truth);
    std::vector<float> tone(48000, 0.0f);
    testing::append(tone, testing::sine(440.0, 0.3, 9.0));
    std::vector<float> interleaved(drums.size() * 2);
    for (std::size_t i = 0; i < drums.size(); ++i) {
        interleaved[2 * i] = drums[i];
        interleaved[2 * i + 1] = tone[i];
    }
    AnalyzerConfig config;
    StemAnalyzer stems(2, config);
    ASSERT_EQ(stems.stems(), 2);
    int onsets[2] = {0, 0};
    std::span<const FeatureFrame> last;
    for (std::size_t at = 0; at + 512 <= drums.size(); at += 512) {
        last = stems.process(interleaved.data() + 2 * at);
        for (int s = 0; s < 2; ++s) onsets[s] += last[s].onset ? 1 : 0;
    }
    ASSERT_EQ(last.size(), 2u);
    EXPECT_NEAR(onsets[0], static_cast<int>(truth.size()), 1);
    EXPECT_EQ(onsets[1], 1) << "the tone starts once";
    EXPECT_NEAR(last[0].bpm, 120.0f, 1.0f);
    EXPECT_EQ(last[1].bpm, 0.0f);
    EXPECT_EQ(last[1].chroma[9], 1.0f);
    EXPECT_EQ(last[0].hop, last[1].hop);
}

TEST(FeatureTable, ColumnsAndRowAgree) {
    const auto columns = featureColumns();
    ASSERT_EQ(columns.front(), "time");
    for (const char* name : {"rms", "bass", "mid", "high", "onset_strength", "onset", "beat", "bpm",
                             "bpm_confidence", "harmonic", "percussive", "chroma_C", "chroma_Cs",
                             "chroma_A", "chroma_B", "beat_linear", "onset_exp"}) {
        EXPECT_NE(std::find(columns.begin(), columns.end(), name), columns.end()) << name;
    }
    FeatureFrame f;
    f.timeSec = 1.5;
    f.onset = true;
    f.chroma[9] = 0.75f;
    f.bpm = 121.0f;
    std::vector<double> row(columns.size(), -1.0);
    featureRow(f, row);
    auto value = [&](std::string_view name) {
        return row[static_cast<std::size_t>(std::find(columns.begin(), columns.end(), name) -
                                            columns.begin())];
    };
    EXPECT_EQ(value("time"), 1.5);
    EXPECT_EQ(value("onset"), 1.0);
    EXPECT_EQ(value("beat"), 0.0);
    EXPECT_EQ(value("chroma_A"), 0.75);
    EXPECT_EQ(value("bpm"), 121.0);
    EXPECT_EQ(std::count(row.begin(), row.end(), -1.0), 0) << "every column written";
}

}  // namespace
}  // namespace autolume::features
