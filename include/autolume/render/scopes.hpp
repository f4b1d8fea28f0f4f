// Scopes for the control window: scrolling history of level, bands, onsets, beats and chroma;
// the BPM (always visible); "silence"; audio-to-photon latency as numbers and a histogram;
// frame pacing of the output.
//
// Fixed-size history (no allocation after construction). push() once per control-window frame
// with the newest control snapshot; onset and beat counts make ticks that cannot be missed
// between two frames.
//
// Thread contract: main thread only (draw() between Window::beginUi() and present()).
#pragma once

#include <array>
#include <cstdint>

namespace autolume::render {

struct ScopeSample {
    float level = 0.0f;  // 0..1 (auto-gained)
    float levelDb = -120.0f;
    float bass = 0.0f;
    float mid = 0.0f;
    float high = 0.0f;
    float onsetStrength = 0.0f;
    std::uint64_t onsets = 0;  // counts since the start
    std::uint64_t beats = 0;
    float bpm = 0.0f;
    std::array<float, 12> chroma{};
};

class Scopes {
  public:
    static constexpr int kHistory = 240;     // samples shown (about 8 s at 30 Hz)
    static constexpr int kLatencyBins = 25;  // 10 ms each, the last one open
    static constexpr float kSilenceDb = -60.0f;
    static constexpr float kSilenceSec = 1.0f;

    void push(const ScopeSample& sample, double timeSec);
    void addLatency(float ms);       // audio reached us -> the frame was shown
    void addOutputPeriod(float ms);  // between two presents of the output window

    bool silent() const { return m_silent; }
    float bpm() const { return m_bpm; }
    float latencyMedianMs() const;
    float outputPeriodP99Ms() const;

    void draw();

  private:
    template <int N>
    struct Ring {
        std::array<float, N> values{};
        int next = 0;
        int count = 0;
        void push(float v) {
            values[next] = v;
            next = (next + 1) % N;
            count = count < N ? count + 1 : N;
        }
    };

    Ring<kHistory> m_level, m_bass, m_mid, m_high, m_onsetStrength, m_onsetTick, m_beatTick;
    std::array<Ring<kHistory>, 12> m_chroma;
    Ring<512> m_latency, m_outputPeriod;
    std::array<float, kLatencyBins> m_latencyBins{};
    std::uint64_t m_lastOnsets = 0;
    std::uint64_t m_lastBeats = 0;
    float m_bpm = 0.0f;
    float m_levelDb = -120.0f;
    double m_loudSec = 0.0;  // last time the level was above kSilenceDb
    bool m_silent = false;
    bool m_started = false;
};

}  // namespace autolume::render
