// Live tempo and beat tracking from the onset-strength signal and the onset events.
//
// Two stages, both causal:
// 1. Tempo candidates: a running autocorrelation of the onset-strength envelope (exponentially
//    forgetting, `acfMemorySec`) is scored for every tempo on a 0.5 BPM grid by a comb over the
//    first four multiples of its period, times a log-normal prior around `priorBpm`. A click at
//    160 BPM also repeats every 80 BPM period, and the comb scores both alike; the prior breaks
//    that octave tie towards the tempo nearer 120, while a true 80 BPM track, silent on the
//    half-period lags, scores only half at 160 and keeps its tempo. With the default prior
//    (120 BPM, 0.5 octave) a plain pulse is read at its own tempo from about 76 to 170 BPM;
//    slower pulses are read at double, faster ones at half tempo.
// 2. Beat grid: once the autocorrelation is periodic enough, the grid (phase and period) that
//    the most recent onsets agree on is chosen, and from then on every onset within
//    `matchTolerance` of a predicted beat is a beat. A least-squares line through the last
//    `chainBeats` matched onsets (beat number -> time) gives period and phase to a small
//    fraction of a hop, far finer than the autocorrelation's lag grid. Off-beat onsets (hats,
//    syncopation) fall outside the tolerance and are ignored. With no matched onset for
//    `lostAfterBeats` beats, or when the autocorrelation insists on another tempo for two
//    seconds, the grid is dropped and found again.
// Beats are published on the hop in which a predicted grid time falls, so a steady beat comes
// out with no detection delay at all; confidence combines the autocorrelation's periodicity
// with how many recent beats had a matching onset.
//
// Thread contract: one owning thread; construction allocates, process() and reset() are
// noexcept and allocation-free.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace autolume::features {

struct TempoConfig {
    float minBpm = 60.0f;
    float maxBpm = 200.0f;
    float priorBpm = 120.0f;
    float priorOctaves = 0.5f;    // standard deviation of the log2 tempo prior
    float acfMemorySec = 4.0f;    // time constant of the running autocorrelation
    float minLockSec = 2.0f;      // history needed before the first grid
    float minPeriodicity = 0.2f;  // autocorrelation comb (0..1) needed to look for a grid
    float matchTolerance = 0.2f;  // of a period: onsets this close to a predicted beat are beats
    int chainBeats = 16;          // matched onsets the period and phase are fitted to
    float lostAfterBeats = 8.0f;  // beats with no matched onset before the grid is dropped
    float minConfidence = 0.3f;   // beats are published only at or above this confidence
};

struct TempoEstimate {
    float bpm = 0.0f;         // 0 until a grid is found; keeps the last tempo when it is lost
    float confidence = 0.0f;  // 0..1; 0 without a grid
    float phase = 0.0f;       // 0..1 through the current beat, 0 on the beat
    bool beat = false;        // a beat falls in this hop
};

class TempoTracker {
  public:
    TempoTracker(const TempoConfig& config, double hopSec);

    // One hop: its onset strength (any positive scale) and whether an onset fired.
    const TempoEstimate& process(float onsetStrength, bool onset) noexcept;
    void reset() noexcept;

    const TempoEstimate& estimate() const noexcept { return m_estimate; }
    // Diagnostics: the autocorrelation's current best tempo and its comb periodicity (0..1).
    float candidateBpm() const noexcept;
    float periodicity() const noexcept { return m_periodicity; }
    bool locked() const noexcept { return m_locked; }

  private:
    struct Onset {
        double time = 0.0;  // in hops
        float strength = 0.0f;
    };
    struct Match {
        int beat = 0;       // beat number on the grid
        double time = 0.0;  // in hops
    };

    void updateAutocorrelation(float strength) noexcept;
    void scoreTempi() noexcept;
    double acfAt(double lag) const noexcept;
    double combAt(double period) const noexcept;
    void tryLock(double now) noexcept;
    void addMatch(double time) noexcept;
    void fitGrid() noexcept;
    void unlock() noexcept;

    TempoConfig m_config;
    double m_hopSec;
    double m_minPeriod;  // in hops
    double m_maxPeriod;
    double m_acfDecay;
    std::uint64_t m_hops = 0;

    // Autocorrelation of the onset envelope.
    float m_meanStrength = 0.0f;
    float m_meanDecay;
    std::array<float, 2> m_rise{};  // the last two rises above the mean
    std::vector<float> m_envelope;  // ring, power-of-two size
    std::size_t m_envelopeMask;
    std::vector<double> m_acf;      // lags 0 .. 4 * maxPeriod + 1
    std::vector<double> m_acfNorm;  // m_acf made unbiased, at the last scoring
    double m_validLag = 0.0;        // longest lag with enough shared history
    std::vector<double> m_candidatePeriods;
    std::vector<double> m_candidatePrior;
    std::vector<double> m_candidateScore;
    double m_acfPeriod = 0.0;  // best candidate, in hops (0: none yet)
    float m_periodicity = 0.0f;
    double m_disagreeSec = 0.0;

    // Recent onsets (ring) and the beat grid.
    std::vector<Onset> m_onsets;
    std::size_t m_onsetCount = 0;  // total ever added
    bool m_locked = false;
    double m_period = 0.0;         // hops per beat
    double m_anchor = 0.0;         // time of beat number 0, in hops
    std::vector<Match> m_matches;  // ring of the last chainBeats matches
    std::size_t m_matchCount = 0;  // total since the grid was found
    double m_lastBeatTime = -1e9;

    TempoEstimate m_estimate;
};

}  // namespace autolume::features
