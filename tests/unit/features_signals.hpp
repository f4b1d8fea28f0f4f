// Test signals whose truth is known (sines, chords, click tracks) and the scoring used against
// them (onset F1 within a tolerance), shared by the feature tests.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "autolume/features/analyzer.hpp"

namespace autolume::features::testing {

inline std::vector<float> sine(double freq, double amp, double seconds, double rate = 48000.0) {
    std::vector<float> x(static_cast<std::size_t>(seconds * rate));
    for (std::size_t i = 0; i < x.size(); ++i) {
        x[i] = static_cast<float>(amp * std::sin(2 * std::numbers::pi * freq * i / rate));
    }
    return x;
}

// Equal-amplitude sines at the given MIDI notes, scaled to a peak of about `amp`.
inline std::vector<float> chord(const std::vector<int>& notes, double amp, double seconds,
                                double rate = 48000.0) {
    std::vector<float> x(static_cast<std::size_t>(seconds * rate), 0.0f);
    for (const int note : notes) {
        const double hz = 440.0 * std::pow(2.0, (note - 69) / 12.0);
        for (std::size_t i = 0; i < x.size(); ++i) {
            x[i] += static_cast<float>(amp / notes.size() *
                                       std::sin(2 * std::numbers::pi * hz * i / rate));
        }
    }
    return x;
}

// 20 ms 1 kHz bursts with a short fade, one per beat from `firstSec` (the TESTING.md sox click
// track); appends each click's start time to `times`.
inline std::vector<float> clicks(double bpm, double seconds, std::vector<double>* times,
                                 double amp = 0.5, double firstSec = 0.25, double rate = 48000.0) {
    std::vector<float> x(static_cast<std::size_t>(seconds * rate), 0.0f);
    const double period = 60.0 / bpm;
    const auto length = static_cast<std::size_t>(0.02 * rate);
    const auto fadeFrom = length / 4;
    for (int beat = 0;; ++beat) {
        const double t = firstSec + beat * period;
        const auto start = static_cast<std::size_t>(std::llround(t * rate));
        if (start + length > x.size()) break;
        if (times) times->push_back(static_cast<double>(start) / rate);
        for (std::size_t i = 0; i < length; ++i) {
            const double fade =
                i > fadeFrom ? static_cast<double>(length - i) / (length - fadeFrom) : 1.0;
            x[start + i] =
                static_cast<float>(amp * fade * std::sin(2 * std::numbers::pi * 1000 * i / rate));
        }
    }
    return x;
}

inline void append(std::vector<float>& to, const std::vector<float>& more) {
    to.insert(to.end(), more.begin(), more.end());
}

inline std::vector<FeatureFrame> analyze(const std::vector<float>& x, AnalyzerConfig config = {}) {
    Analyzer analyzer(config);
    std::vector<FeatureFrame> frames;
    const auto hop = static_cast<std::size_t>(config.hopSize);
    for (std::size_t at = 0; at + hop <= x.size(); at += hop) {
        frames.push_back(analyzer.process(x.data() + at));
    }
    return frames;
}

inline AnalyzerConfig at(double sampleRate) {
    AnalyzerConfig config;
    config.sampleRate = sampleRate;
    return config;
}

// Times of the hops on which `event` is true.
template <typename Event>
std::vector<double> eventTimes(const std::vector<FeatureFrame>& frames, Event event) {
    std::vector<double> times;
    for (const FeatureFrame& f : frames) {
        if (event(f)) times.push_back(f.timeSec);
    }
    return times;
}

// F-measure of detections against truth, each truth matched at most once within `tolerance`.
inline double fMeasure(const std::vector<double>& truth, const std::vector<double>& detected,
                       double tolerance) {
    std::vector<bool> used(detected.size(), false);
    int hits = 0;
    for (const double t : truth) {
        for (std::size_t d = 0; d < detected.size(); ++d) {
            if (!used[d] && std::abs(detected[d] - t) <= tolerance) {
                used[d] = true;
                ++hits;
                break;
            }
        }
    }
    if (truth.empty() && detected.empty()) return 1.0;
    const double precision = detected.empty() ? 0.0 : double(hits) / detected.size();
    const double recall = truth.empty() ? 0.0 : double(hits) / truth.size();
    return precision + recall > 0.0 ? 2 * precision * recall / (precision + recall) : 0.0;
}

// Times within [from, to).
inline std::vector<double> between(const std::vector<double>& times, double from, double to) {
    std::vector<double> out;
    for (const double t : times) {
        if (t >= from && t < to) out.push_back(t);
    }
    return out;
}

// Index of the largest of 12 chroma values and the set of the `n` largest.
inline std::vector<int> topChroma(const std::array<float, kChromaBins>& chroma, int n) {
    std::vector<int> order(kChromaBins);
    for (int i = 0; i < kChromaBins; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](int a, int b) { return chroma[a] > chroma[b]; });
    order.resize(static_cast<std::size_t>(n));
    std::sort(order.begin(), order.end());
    return order;
}

}  // namespace autolume::features::testing
