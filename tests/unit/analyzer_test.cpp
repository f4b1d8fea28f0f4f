// The whole Analyzer against signals whose truth is known: sines, chords, click tracks at
// several tempos, a drum pattern made from real drum samples, the demo music, silence and
// level changes.
#include "autolume/features/analyzer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "autolume/audio/audio_source.hpp"
#include "features_signals.hpp"

namespace autolume::features {
namespace {

using namespace testing;

constexpr double kRate = 48000.0;
constexpr int kA = 9;  // chroma index of A
constexpr int kC = 0, kE = 4, kF = 5, kG = 7, kB = 11, kD = 2;

const FeatureFrame& frameAt(const std::vector<FeatureFrame>& frames, double seconds) {
    const auto hop = static_cast<std::size_t>(seconds / frames.front().timeSec) - 1;
    return frames.at(std::min(hop, frames.size() - 1));
}

TEST(Analyzer, SilenceHasNoLevelOnsetsBeatsOrChroma) {
    for (const auto& f : analyze(std::vector<float>(10 * 48000, 0.0f), at(kRate))) {
        EXPECT_EQ(f.rms, 0.0f);
        EXPECT_EQ(f.level, 0.0f);
        EXPECT_EQ(f.bass + f.mid + f.high, 0.0f);
        EXPECT_EQ(f.harmonic + f.percussive, 0.0f);
        EXPECT_FALSE(f.onset);
        EXPECT_FALSE(f.beat);
        EXPECT_EQ(f.bpm, 0.0f);
        EXPECT_EQ(f.bpmConfidence, 0.0f);
        EXPECT_EQ(std::accumulate(f.chroma.begin(), f.chroma.end(), 0.0f), 0.0f);
        EXPECT_EQ(f.beatLinear + f.beatExp + f.onsetLinear + f.onsetExp, 0.0f);
    }
}

TEST(Analyzer, SineRmsIsAmplitudeOverRootTwo) {
    // 375 Hz fits exactly 4 periods in a 512-sample hop at 48 kHz, so each hop sees the true RMS.
    const auto frames = analyze(sine(375.0, 0.5, 1.0), at(kRate));
    for (std::size_t i = 1; i < frames.size(); ++i) {
        EXPECT_NEAR(frames[i].rms, 0.5 / std::sqrt(2.0), 0.005);
        EXPECT_NEAR(frames[i].rmsDb, 20 * std::log10(0.5 / std::sqrt(2.0)), 0.1);
    }
    EXPECT_NEAR(frames.back().timeSec, frames.size() * 512 / kRate, 1e-9);
}

TEST(Analyzer, TimestampIsTheHopsLastSampleAtAnyRate) {
    AnalyzerConfig config = at(44100.0);
    config.hopSize = 441;
    const auto frames = analyze(std::vector<float>(44100, 0.0f), config);
    ASSERT_EQ(frames.size(), 100u);
    EXPECT_EQ(frames[0].hop, 1u);
    EXPECT_NEAR(frames[0].timeSec, 0.01, 1e-12);
    EXPECT_NEAR(frames.back().timeSec, 1.0, 1e-12);
}

TEST(Analyzer, SineAt440IsChromaA) {
    for (const double amp : {0.5, 0.005}) {
        const auto frames = analyze(sine(440.0, amp, 2.0), at(kRate));
        const FeatureFrame& f = frames.back();
        EXPECT_FLOAT_EQ(f.chroma[kA], 1.0f) << "amplitude " << amp;
        for (int pc = 0; pc < kChromaBins; ++pc) {
            if (pc != kA) {
                EXPECT_LT(f.chroma[pc], 0.05f) << "pitch class " << pc;
            }
        }
        EXPECT_GT(f.harmonic, 0.9f);
        EXPECT_LT(f.percussive, 0.05f);
    }
}

TEST(Analyzer, ChromaPeaksOnTheNotesOfSustainedChords) {
    // C major (C4 E4 G4), A minor (A3 C4 E4), F major (F3 A3 C4), G major (G3 B3 D4), 2 s each.
    const std::vector<std::vector<int>> chords = {
        {60, 64, 67}, {57, 60, 64}, {53, 57, 60}, {55, 59, 62}};
    const std::vector<std::vector<int>> expected = {
        {kC, kE, kG}, {kC, kE, kA}, {kC, kF, kA}, {kD, kG, kB}};
    std::vector<float> x;
    for (const auto& notes : chords) append(x, chord(notes, 0.5, 2.0));
    const auto frames = analyze(x, at(kRate));
    for (std::size_t c = 0; c < chords.size(); ++c) {
        // The middle and the end of each chord, past the harmonic median's reaction time.
        for (const double t : {2.0 * c + 0.7, 2.0 * c + 1.95}) {
            const FeatureFrame& f = frameAt(frames, t);
            EXPECT_EQ(topChroma(f.chroma, 3), expected[c]) << "chord " << c << " at " << t << " s";
            const std::vector<int> top = topChroma(f.chroma, 3);
            for (int pc = 0; pc < kChromaBins; ++pc) {
                if (std::find(top.begin(), top.end(), pc) == top.end()) {
                    EXPECT_LT(f.chroma[pc], 0.2f) << "chord " << c << " pitch class " << pc;
                }
            }
        }
    }
}

TEST(Analyzer, BandsFollowTheirEdges) {
    struct Case {
        double hz;
        int band;  // 0 bass, 1 mid, 2 high
    };
    for (const Case c : {Case{60.0, 0}, Case{150.0, 0}, Case{1000.0, 1}, Case{3000.0, 1},
                         Case{8000.0, 2}, Case{15000.0, 2}}) {
        const FeatureFrame f = analyze(sine(c.hz, 0.5, 2.0), at(kRate)).back();
        const float bands[3] = {f.bass, f.mid, f.high};
        for (int b = 0; b < 3; ++b) {
            if (b == c.band) {
                EXPECT_GT(bands[b], 0.95f) << c.hz << " Hz, band " << b;
            } else {
                EXPECT_LT(bands[b], 0.1f) << c.hz << " Hz, band " << b;
            }
        }
    }
    // Moving the edges moves the sine: with bass up to 100 Hz and mid up to 500 Hz, 180 Hz is mid
    // and 1 kHz is high.
    AnalyzerConfig config = at(kRate);
    config.bassMaxHz = 100.0f;
    config.midMaxHz = 500.0f;
    EXPECT_GT(analyze(sine(180.0, 0.5, 2.0), config).back().mid, 0.95f);
    EXPECT_LT(analyze(sine(180.0, 0.5, 2.0), config).back().bass, 0.1f);
    EXPECT_GT(analyze(sine(1000.0, 0.5, 2.0), config).back().high, 0.95f);
}

TEST(Analyzer, SteadyToneGivesOneOnsetAtItsStartOnly) {
    std::vector<float> x(48000, 0.0f);
    append(x, sine(440.0, 0.3, 3.0));
    int onsets = 0;
    for (const auto& f : analyze(x, at(kRate))) {
        if (!f.onset) continue;
        ++onsets;
        EXPECT_NEAR(f.timeSec, 1.0, 0.05);
    }
    EXPECT_EQ(onsets, 1);
}

// Click tracks between 80 and 160 BPM: onsets at the clicks, tempo within 1 BPM after 8 s,
// beats on the clicks once the grid is found.
TEST(Analyzer, ClickTracksGiveOnsetsTempoAndBeats) {
    for (const double bpm : {80.0, 97.0, 120.0, 143.0, 160.0}) {
        std::vector<double> truth;
        const auto frames = analyze(clicks(bpm, 12.0, &truth), at(kRate));
        const auto onsets = eventTimes(frames, [](const FeatureFrame& f) { return f.onset; });
        const auto beats = eventTimes(frames, [](const FeatureFrame& f) { return f.beat; });
        EXPECT_GE(fMeasure(truth, onsets, 0.05), 0.95)
            << bpm << " BPM: " << onsets.size() << " onsets, " << truth.size() << " clicks";
        for (const double t : {8.0, 10.0, 11.9}) {
            const FeatureFrame& f = frameAt(frames, t);
            EXPECT_NEAR(f.bpm, bpm, 1.0) << bpm << " BPM at " << t << " s";
            EXPECT_GT(f.bpmConfidence, 0.6f) << bpm << " BPM at " << t << " s";
        }
        EXPECT_GE(fMeasure(between(truth, 4.0, 12.0), between(beats, 4.0, 12.0), 0.05), 0.95)
            << bpm << " BPM: " << beats.size() << " beats";
        // The beat phase runs 0..1 between beats.
        const FeatureFrame& f = frameAt(frames, 11.0);
        EXPECT_GE(f.beatPhase, 0.0f);
        EXPECT_LT(f.beatPhase, 1.0f);
    }
}

// A set that jumps from 120 to 140 BPM: the tracker follows within 8 s (the old grid's onsets
// stop matching, the autocorrelation moves, and a new grid is found).
TEST(Analyzer, TempoFollowsAJumpWithin8Seconds) {
    std::vector<double> truth;
    auto x = clicks(120.0, 10.0, &truth);
    append(x, clicks(140.0, 14.0, &truth));
    const auto frames = analyze(x, at(kRate));
    EXPECT_NEAR(frameAt(frames, 9.9).bpm, 120.0, 1.0);
    for (const double t : {18.0, 20.0, 23.9}) {
        EXPECT_NEAR(frameAt(frames, t).bpm, 140.0, 1.0) << "at " << t << " s";
        EXPECT_GT(frameAt(frames, t).bpmConfidence, 0.6f) << "at " << t << " s";
    }
}

// A rock pattern from Debian's hydrogen-data GMRockKit samples (44.1 kHz): hats on every
// eighth, kick on 1 and 3, snare on 2 and 4.
TEST(Analyzer, DrumPatternFromRealSamples) {
    const std::string kit = "/usr/share/hydrogen/data/drumkits/GMRockKit/";
    ASSERT_TRUE(std::filesystem::exists(kit + "Kick-Hard.wav"))
        << kit << " is missing: install hydrogen-data (scripts/setup)";
    double rate = 0.0;
    const auto kick = audio::readAudioFileMono(kit + "Kick-Hard.wav", &rate);
    const auto snare = audio::readAudioFileMono(kit + "Snare-Hard.wav", &rate);
    const auto hat = audio::readAudioFileMono(kit + "HatClosed-Med.wav", &rate);
    ASSERT_EQ(rate, 44100.0);

    const double bpm = 110.0;
    std::vector<float> x(static_cast<std::size_t>(12.0 * rate), 0.0f);
    std::vector<double> eighths;
    auto add = [&](const std::vector<float>& sample, std::size_t at, float gain) {
        for (std::size_t j = 0; j < sample.size() && at + j < x.size(); ++j) {
            x[at + j] += gain * sample[j];
        }
    };
    for (int i = 0;; ++i) {
        const auto at = static_cast<std::size_t>((0.3 + i * 30.0 / bpm) * rate);
        if (at + kick.size() >= x.size()) break;
        eighths.push_back(static_cast<double>(at) / rate);
        add(hat, at, 0.5f);
        if (i % 4 == 0) add(kick, at, 0.8f);
        if (i % 4 == 2) add(snare, at, 0.7f);
    }

    const auto frames = analyze(x, at(rate));
    const auto onsets = eventTimes(frames, [](const FeatureFrame& f) { return f.onset; });
    EXPECT_GE(fMeasure(eighths, onsets, 0.05), 0.95) << onsets.size() << " onsets";
    EXPECT_NEAR(frameAt(frames, 8.0).bpm, bpm, 1.0);
    EXPECT_NEAR(frames.back().bpm, bpm, 1.0);
    // Beats fall on the quarter notes (every other eighth), not on the off-beat hats.
    std::vector<double> quarters;
    for (std::size_t i = 0; i < eighths.size(); i += 2) quarters.push_back(eighths[i]);
    const auto beats = eventTimes(frames, [](const FeatureFrame& f) { return f.beat; });
    EXPECT_GE(fMeasure(between(quarters, 5.0, 12.0), between(beats, 5.0, 12.0), 0.05), 0.9);
    // Drums are percussive.
    double harmonic = 0.0;
    double percussive = 0.0;
    for (const auto& f : frames) {
        harmonic += f.harmonic;
        percussive += f.percussive;
    }
    EXPECT_GT(percussive, 2.0 * harmonic);
}

// The built-in demo: 120 BPM, one chord per bar (C, Am, F, G).
TEST(Analyzer, DemoMusicTempoAndChords) {
    const auto frames = analyze(audio::renderDemo(kRate, 16.0), at(kRate));
    EXPECT_NEAR(frameAt(frames, 8.0).bpm, 120.0, 1.0);
    EXPECT_NEAR(frames.back().bpm, 120.0, 1.0);
    const std::vector<std::vector<int>> expected = {
        {kC, kE, kG}, {kC, kE, kA}, {kC, kF, kA}, {kD, kG, kB}};
    for (int bar = 0; bar < 8; ++bar) {
        const FeatureFrame& f = frameAt(frames, 2.0 * bar + 1.5);
        EXPECT_EQ(topChroma(f.chroma, 3), expected[bar % 4]) << "bar " << bar;
    }
}

TEST(Analyzer, AutoGainSettlesAfterLevelChangesOf20Db) {
    for (double amp : {0.01, 0.1, 0.9}) {
        const auto frames = analyze(sine(220.0, amp, 2.0), at(kRate));
        EXPECT_NEAR(frames.back().level, 1.0, 0.02) << "amplitude " << amp;
        EXPECT_GT(frames.back().bass, 0.95f) << "amplitude " << amp;
    }
    // -20 dB: first reads as a tenth of the peak, then recovers as the peak releases.
    auto x = sine(220.0, 0.5, 2.0);
    append(x, sine(220.0, 0.05, 20.0));
    // +20 dB: at full scale at once.
    append(x, sine(220.0, 0.5, 2.0));
    const auto frames = analyze(x, at(kRate));
    EXPECT_NEAR(frameAt(frames, 2.2).level, 0.1, 0.03);
    EXPECT_GT(frameAt(frames, 16.0).level, 0.9f) << "settled within 14 s of a 20 dB drop";
    EXPECT_GT(frameAt(frames, 16.0).bass, 0.9f);
    EXPECT_GT(frameAt(frames, 16.0).harmonic, 0.9f);
    EXPECT_NEAR(frameAt(frames, 22.1).level, 1.0, 0.02);

    // Clicks 20 dB quieter after a loud passage are still found, and their level recovers.
    std::vector<double> loudTruth;
    std::vector<double> quietTruth;
    auto y = clicks(120.0, 6.0, &loudTruth, 0.5);
    append(y, clicks(120.0, 14.0, &quietTruth, 0.05));
    const auto clickFrames = analyze(y, at(kRate));
    for (double& t : quietTruth) t += 6.0;
    const auto onsets = eventTimes(clickFrames, [](const FeatureFrame& f) { return f.onset; });
    EXPECT_GE(fMeasure(quietTruth, between(onsets, 6.0, 20.0), 0.05), 0.95);
    EXPECT_NEAR(clickFrames.back().bpm, 120.0, 1.0);
}

TEST(Analyzer, DecayEnvelopesFollowBeatsAndOnsets) {
    AnalyzerConfig config = at(kRate);
    config.beatDecay = {.linearDecaySec = 0.25f, .expDecayPerSec = 8.0f};
    std::vector<double> truth;
    const auto frames = analyze(clicks(120.0, 10.0, &truth), config);
    const double hopSec = 512.0 / kRate;
    for (std::size_t i = 1; i < frames.size(); ++i) {
        const FeatureFrame& f = frames[i];
        const FeatureFrame& before = frames[i - 1];
        if (f.beat) {
            EXPECT_EQ(f.beatLinear, 1.0f);
            EXPECT_EQ(f.beatExp, 1.0f);
        } else {
            EXPECT_NEAR(f.beatLinear, std::max(0.0, before.beatLinear - hopSec / 0.25), 1e-5);
            EXPECT_NEAR(f.beatExp, before.beatExp * std::exp(-8.0 * hopSec), 1e-5);
        }
        if (f.onset) {
            EXPECT_EQ(f.onsetLinear, f.onsetStrength);
            EXPECT_EQ(f.onsetExp, f.onsetStrength);
        } else if (!frames[i - 1].onset && !(i >= 2 && frames[i - 2].onset)) {
            // Two hops after an onset the envelopes may still follow its flux up; later they
            // only fall.
            EXPECT_LE(f.onsetLinear, before.onsetLinear);
            EXPECT_LE(f.onsetExp, before.onsetExp);
        } else {
            EXPECT_GE(f.onsetExp, std::min(f.onsetStrength, before.onsetExp));
        }
    }
    // Between beats (0.5 s apart) the 0.25 s linear envelope reaches 0.
    EXPECT_EQ(frameAt(frames, 9.0 + 0.25 + 0.4).beatLinear, 0.0f);
}

TEST(Analyzer, SmoothingIsConfigurablePerFeature) {
    // A level that jumps from 0 to full: unsmoothed it jumps within a hop or two, smoothed with
    // sigma 0.1 s it rises over several hops.
    std::vector<float> x(48000, 0.0f);
    append(x, sine(220.0, 0.5, 1.0));
    AnalyzerConfig smooth = at(kRate);
    smooth.smoothing.level = 0.1f;
    smooth.smoothing.bands = 0.1f;
    const auto raw = analyze(x, at(kRate));
    const auto smoothed = analyze(x, smooth);
    const std::size_t jump = 48000 / 512 + 2;
    EXPECT_GT(raw[jump].level, 0.9f);
    EXPECT_LT(smoothed[jump].level, 0.5f);
    EXPECT_NEAR(smoothed.back().level, raw.back().level, 0.03f);
    EXPECT_LT(smoothed[jump].bass, 0.5f);
    // Features left at sigma 0 are untouched.
    for (std::size_t i = 0; i < raw.size(); ++i) {
        ASSERT_EQ(raw[i].onsetStrength, smoothed[i].onsetStrength);
    }
}

TEST(Analyzer, NonFiniteInputCountsAsSilence) {
    AnalyzerConfig config = at(kRate);
    Analyzer analyzer(config);
    std::vector<float> bad(512, std::nanf(""));
    bad[3] = INFINITY;
    for (int i = 0; i < 200; ++i) {
        const FeatureFrame& f = analyzer.process(bad.data());
        ASSERT_EQ(f.rms, 0.0f);
        ASSERT_TRUE(std::isfinite(f.onsetStrength) && std::isfinite(f.bpm));
    }
}

TEST(Analyzer, ResetForgetsHistory) {
    Analyzer analyzer(at(kRate));
    std::vector<double> truth;
    const auto x = clicks(120.0, 6.0, &truth);
    for (std::size_t at = 0; at + 512 <= x.size(); at += 512) analyzer.process(x.data() + at);
    EXPECT_GT(analyzer.process(x.data()).bpm, 0.0f);
    analyzer.reset();
    std::vector<float> zeros(512, 0.0f);
    const FeatureFrame& f = analyzer.process(zeros.data());
    EXPECT_EQ(f.hop, 1u);
    EXPECT_EQ(f.level, 0.0f);
    EXPECT_EQ(f.bpm, 0.0f);
    EXPECT_FALSE(f.onset);
}

TEST(Analyzer, RejectsBadSettingsNamingThem) {
    AnalyzerConfig config;
    config.fftSize = 1000;
    try {
        Analyzer analyzer(config);
        FAIL() << "expected an exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("fftSize 1000"), std::string::npos) << e.what();
    }
    config = AnalyzerConfig{};
    config.bassMaxHz = 5000.0f;
    EXPECT_THROW(Analyzer{config}, std::invalid_argument);
}

}  // namespace
}  // namespace autolume::features
