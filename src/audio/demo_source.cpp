// Built-in demo music so that autolume performs with no input device: a 120 BPM house loop with
// a four-on-the-floor kick, a clap on 2 and 4, hats, an offbeat bass, an arpeggio and pads over
// C, Am, F, G (one chord per bar, an 8 s loop).
//
// Every sample is a pure function of the synth's history from sample 0, processed one sample at
// a time, so the output does not depend on block sizes: renderDemo() and the live source give
// bit-identical audio, which the tests use. Levels keep peaks near -4 dBFS.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "autolume/audio/audio_source.hpp"
#include "paced_pusher.hpp"

namespace autolume::audio {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kTwoPi = 2.0 * kPi;

constexpr double kBeatSec = 60.0 / 120.0;
constexpr double kStepSec = kBeatSec / 4.0;  // sixteenth note
constexpr double kEighthSec = kBeatSec / 2.0;
constexpr int kStepsPerBar = 16;
constexpr int kBarsPerLoop = 4;
constexpr std::size_t kLiveBlockFrames = 256;
// Leaves about 4 dB of headroom at the loudest hit (kick + clap).
constexpr double kMasterGain = 0.68;

struct Chord {
    int bassNote;                 // MIDI note
    std::array<int, 3> padNotes;  // voiced for smooth voice leading
};
// C, Am, F, G.
constexpr std::array<Chord, kBarsPerLoop> kChords{{
    {36, {60, 64, 67}},
    {33, {57, 60, 64}},
    {41, {57, 60, 65}},
    {43, {59, 62, 67}},
}};
// Offbeat bass on the 2nd, 4th, 6th and 8th eighth of each bar: root, root, octave, fifth.
constexpr std::array<int, 4> kBassOffsets{0, 0, 12, 7};
constexpr int kBassHarmonics = 5;  // a warm, band-limited saw
// Arpeggio over the chord's pad notes (indices), one note per eighth, an octave up.
constexpr std::array<int, 8> kArpPattern{0, 1, 2, 1, 0, 2, 1, 2};

double midiToHz(int note) {
    return 440.0 * std::pow(2.0, (note - 69) / 12.0);
}

// Fraction of a cycle, taken in double so long running times keep their precision.
double cycles(double hz, double timeSec) {
    const double c = hz * timeSec;
    return c - std::floor(c);
}

// Linear fade to zero over the last `fadeSec` before `lengthSec`, so that every voice is
// silent before it is retriggered (no clicks).
double tail(double t, double lengthSec, double fadeSec = 0.005) {
    const double g = (lengthSec - t) / fadeSec;
    return g <= 0.0 ? 0.0 : (g >= 1.0 ? 1.0 : g);
}

// A short attack so onsets do not click.
double attack(double t, double attackSec) {
    return t >= attackSec ? 1.0 : t / attackSec;
}

// RBJ cookbook biquad, transposed direct form II.
class Biquad {
  public:
    static Biquad bandPass(double sampleRate, double hz, double q) {
        const double w = kTwoPi * clampHz(sampleRate, hz) / sampleRate;
        const double alpha = std::sin(w) / (2.0 * q);
        return Biquad(alpha, 0.0, -alpha, 1.0 + alpha, -2.0 * std::cos(w), 1.0 - alpha);
    }
    static Biquad highPass(double sampleRate, double hz, double q) {
        const double w = kTwoPi * clampHz(sampleRate, hz) / sampleRate;
        const double alpha = std::sin(w) / (2.0 * q);
        const double c = std::cos(w);
        return Biquad((1.0 + c) / 2.0, -(1.0 + c), (1.0 + c) / 2.0, 1.0 + alpha, -2.0 * c,
                      1.0 - alpha);
    }

    double process(double x) noexcept {
        const double y = m_b0 * x + m_z1;
        m_z1 = m_b1 * x - m_a1 * y + m_z2;
        m_z2 = m_b2 * x - m_a2 * y;
        return y;
    }

  private:
    Biquad(double b0, double b1, double b2, double a0, double a1, double a2)
        : m_b0(b0 / a0), m_b1(b1 / a0), m_b2(b2 / a0), m_a1(a1 / a0), m_a2(a2 / a0) {}
    // Keeps the design valid at low sample rates (a hat filter at 7 kHz on an 8 kHz stream).
    static double clampHz(double sampleRate, double hz) { return std::min(hz, 0.45 * sampleRate); }

    double m_b0, m_b1, m_b2, m_a1, m_a2;
    double m_z1 = 0.0, m_z2 = 0.0;
};

class DemoSynth {
  public:
    explicit DemoSynth(double sampleRate)
        : m_sampleRate(sampleRate),
          m_stepFrames(sampleRate * kStepSec),
          m_clapFilter(Biquad::bandPass(sampleRate, 1400.0, 0.9)),
          m_hatFilter(Biquad::highPass(sampleRate, 7500.0, 0.7)) {
        for (int k = 1; k <= kBassHarmonics; ++k) {
            m_bassHarmonicGain[k - 1] = std::pow(static_cast<double>(k), -1.4);
        }
        for (int c = 0; c < kBarsPerLoop; ++c) {
            for (int b = 0; b < 4; ++b)
                m_bassHz[c][b] = midiToHz(kChords[c].bassNote + kBassOffsets[b]);
            for (int v = 0; v < 3; ++v) m_padHz[c][v] = midiToHz(kChords[c].padNotes[v]);
        }
    }

    void render(float* out, std::size_t frames) noexcept {
        for (std::size_t i = 0; i < frames; ++i) out[i] = static_cast<float>(next());
    }

  private:
    double next() noexcept {
        const std::uint64_t n = m_frame++;
        const double timeSec = static_cast<double>(n) / m_sampleRate;
        // Song position on the sixteenth-note grid; times since each grid point in seconds.
        const auto step =
            static_cast<std::uint64_t>(std::floor(static_cast<double>(n) / m_stepFrames));
        const double sinceStep =
            (static_cast<double>(n) - static_cast<double>(step) * m_stepFrames) / m_sampleRate;
        const int stepInBar = static_cast<int>(step % kStepsPerBar);
        const std::uint64_t bar = step / kStepsPerBar;
        const int chord = static_cast<int>(bar % kBarsPerLoop);
        const int beatInBar = stepInBar / 4;
        const int eighthInBar = stepInBar / 2;
        const double sinceBeat = sinceStep + (stepInBar % 4) * kStepSec;
        const double sinceEighth = sinceStep + (stepInBar % 2) * kStepSec;
        const double sinceBar = sinceStep + stepInBar * kStepSec;

        const double noise = nextNoise();
        const double clapNoise = m_clapFilter.process(noise);
        const double hatNoise = m_hatFilter.process(noise);

        // Kick on every beat: a sine falling from ~155 Hz to 48 Hz (the phase is the integral
        // of that exponential pitch glide), with a quick body decay.
        double kick = 0.0;
        {
            const double t = sinceBeat;
            const double phase = kTwoPi * (48.0 * t + 107.0 * 0.035 * (1.0 - std::exp(-t / 0.035)));
            kick = 0.62 * std::sin(phase) * attack(t, 0.001) * std::exp(-t / 0.16) *
                   tail(t, 0.42, 0.05);
        }

        // Clap with a snare body on beats 2 and 4: three quick noise bursts, then a tail.
        double clap = 0.0;
        if (beatInBar % 2 == 1) {
            const double t = sinceBeat;
            double env = 0.0;
            for (int burst = 0; burst < 3; ++burst) {
                const double tb = t - burst * 0.011;
                if (tb >= 0.0) env += std::exp(-tb / 0.004) * attack(tb, 0.0005);
            }
            if (t >= 0.022) env += 0.55 * std::exp(-(t - 0.022) / 0.075);
            const double body = std::sin(kTwoPi * 185.0 * t) * std::exp(-t / 0.045);
            clap = (0.55 * clapNoise * env + 0.12 * body * attack(t, 0.001)) * tail(t, 0.45);
        }

        // Hats on every eighth, accented on the offbeats; an open hat ends every second bar.
        double hat = 0.0;
        {
            const double t = sinceEighth;
            const bool offbeat = eighthInBar % 2 == 1;
            const bool open = eighthInBar == 7 && bar % 2 == 1;
            const double decay = open ? 0.09 : 0.022;
            const double level = open ? 0.12 : (offbeat ? 0.11 : 0.045);
            hat = level * hatNoise * attack(t, 0.0005) * std::exp(-t / decay) *
                  tail(t, kEighthSec - 0.002);
        }

        // Sidechain-style ducking: the tonal parts dip on every kick, the house "pump" that
        // also keeps the beat clearly audible.
        const double duck = 1.0 - 0.55 * std::exp(-sinceBeat / 0.09);

        // Offbeat bass: a warm saw (five harmonics) per note.
        double bass = 0.0;
        if (eighthInBar % 2 == 1) {
            const double t = sinceEighth;
            const double hz = m_bassHz[chord][eighthInBar / 2];
            double s = 0.0;
            for (int k = 1; k <= kBassHarmonics; ++k) {
                s += std::sin(kTwoPi * cycles(hz * k, t)) * m_bassHarmonicGain[k - 1];
            }
            bass = 0.16 * s * attack(t, 0.004) * std::exp(-t / 0.35) * tail(t, 0.21, 0.02);
        }

        // Arpeggio: a soft pluck an octave above the pads, one note per eighth.
        double arp = 0.0;
        {
            const double t = sinceEighth;
            const double hz = 2.0 * m_padHz[chord][kArpPattern[eighthInBar]];
            const double ph = kTwoPi * cycles(hz, timeSec);
            arp = 0.05 * (std::sin(ph) + 0.2 * std::sin(2.0 * ph)) * attack(t, 0.003) *
                  std::exp(-t / 0.09) * tail(t, kEighthSec - 0.002, 0.02);
        }

        // Pads: the bar's chord fades in while the previous one fades out. Oscillator phases
        // run on absolute time so notes shared by both chords crossfade without cancelling.
        const double fade = 0.25;
        const double fadeIn = sinceBar >= fade ? 1.0 : 0.5 - 0.5 * std::cos(kPi * sinceBar / fade);
        double pad = padChord(chord, timeSec) * fadeIn;
        if (bar > 0 && sinceBar < fade) {
            const int previous = (chord + kBarsPerLoop - 1) % kBarsPerLoop;
            pad += padChord(previous, timeSec) * (1.0 - fadeIn);
        }

        return kMasterGain * (kick + clap + hat + duck * (bass + arp + 0.045 * pad));
    }

    // Three voices, each two slightly detuned oscillators with a little second harmonic.
    double padChord(int chord, double timeSec) const noexcept {
        double s = 0.0;
        for (int v = 0; v < 3; ++v) {
            for (const double detune : {0.9977, 1.0023}) {
                const double ph = kTwoPi * cycles(m_padHz[chord][v] * detune, timeSec);
                s += std::sin(ph) + 0.25 * std::sin(2.0 * ph);
            }
        }
        return s;
    }

    // xorshift32: deterministic white noise in [-1, 1].
    double nextNoise() noexcept {
        m_noise ^= m_noise << 13;
        m_noise ^= m_noise >> 17;
        m_noise ^= m_noise << 5;
        return static_cast<double>(m_noise) / 2147483648.0 - 1.0;
    }

    const double m_sampleRate;
    const double m_stepFrames;
    std::array<std::array<double, 4>, kBarsPerLoop> m_bassHz{};
    std::array<double, kBassHarmonics> m_bassHarmonicGain{};
    std::array<std::array<double, 3>, kBarsPerLoop> m_padHz{};
    Biquad m_clapFilter;
    Biquad m_hatFilter;
    std::uint64_t m_frame = 0;
    std::uint32_t m_noise = 0x9e3779b9u;
};

class DemoSource final : public AudioSource {
  public:
    explicit DemoSource(double sampleRate)
        : m_synth(sampleRate),
          m_pusher(sampleRate, kLiveBlockFrames, [this](float* out, std::size_t frames) {
              m_synth.render(out, frames);
              return frames;
          }) {
        m_info.kind = "demo";
        m_info.name = "demo";
        m_info.sampleRate = sampleRate;
        m_info.channels = 1;
    }

    void setRecordTap(RecordTap* tap) override { m_pusher.setTap(tap); }
    bool start(SampleRing& ring) override {
        if (!m_pusher.start(ring)) {
            m_error = "demo: already started";
            return false;
        }
        m_error.clear();
        return true;
    }
    void stop() override { m_pusher.stop(); }
    const SourceInfo& info() const override { return m_info; }
    std::string error() const override { return m_error; }
    std::uint64_t overruns() const override { return m_pusher.overruns(); }

  private:
    SourceInfo m_info;
    std::string m_error;
    DemoSynth m_synth;     // touched only by the pusher's thread while it runs
    PacedPusher m_pusher;  // last: destroyed (joined) first
};

}  // namespace

std::unique_ptr<AudioSource> makeDemoSource(double sampleRate) {
    if (!(sampleRate > 0.0)) throw std::invalid_argument("demo: sample rate must be positive");
    return std::make_unique<DemoSource>(sampleRate);
}

std::vector<float> renderDemo(double sampleRate, double seconds) {
    const auto frames = static_cast<std::size_t>(std::llround(std::max(0.0, seconds) * sampleRate));
    std::vector<float> out(frames);
    DemoSynth synth(sampleRate);
    synth.render(out.data(), out.size());
    return out;
}

}  // namespace autolume::audio
