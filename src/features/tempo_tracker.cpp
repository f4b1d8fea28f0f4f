// Autocorrelation tempo candidates plus a least-squares beat grid; see tempo_tracker.hpp.
// Times inside are in hops: hop h (1-based, as FeatureFrame::hop) ends at time h.
#include "autolume/features/tempo_tracker.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

namespace autolume::features {
namespace {

constexpr int kCombTerms = 4;
constexpr double kBpmStep = 0.5;
constexpr std::size_t kOnsetCapacity = 64;
constexpr double kMeanStrengthSec = 1.0;  // the envelope is the strength above this running mean
constexpr double kInitWindowSec = 4.0;    // onsets a new grid is chosen from
constexpr double kMaxFitChange = 0.1;     // a refit may change the period by this much at most
constexpr double kDisagreeRatio = 0.06;   // autocorrelation vs grid period
constexpr double kDisagreeSec = 2.0;
constexpr int kRecentBeats = 8;  // beats the match rate is counted over
constexpr int kScoreEveryHops = 4;
constexpr double kMinOverlapSec = 1.0;  // autocorrelation lags need this much shared history

std::size_t nextPow2(std::size_t n) {
    std::size_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

}  // namespace

TempoTracker::TempoTracker(const TempoConfig& config, double hopSec)
    : m_config(config), m_hopSec(hopSec) {
    if (!(hopSec > 0.0) || !(config.minBpm > 0.0f) || !(config.maxBpm > config.minBpm) ||
        config.chainBeats < 3) {
        throw std::invalid_argument(
            "tempo: needs hopSec > 0, 0 < minBpm < maxBpm and chainBeats >= 3");
    }
    m_minPeriod = 60.0 / (config.maxBpm * hopSec);
    m_maxPeriod = 60.0 / (config.minBpm * hopSec);
    m_acfDecay = std::exp(-hopSec / std::max(config.acfMemorySec, 0.1f));
    m_meanDecay = static_cast<float>(std::exp(-hopSec / kMeanStrengthSec));
    const auto maxLag = static_cast<std::size_t>(std::ceil(kCombTerms * m_maxPeriod)) + 2;
    m_acf.assign(maxLag + 1, 0.0);
    m_acfNorm.assign(maxLag + 1, 0.0);
    m_envelope.assign(nextPow2(maxLag + 1), 0.0f);
    m_envelopeMask = m_envelope.size() - 1;
    for (double bpm = config.minBpm; bpm <= config.maxBpm + 1e-9; bpm += kBpmStep) {
        m_candidatePeriods.push_back(60.0 / (bpm * hopSec));
        const double octaves = std::log2(bpm / config.priorBpm) / config.priorOctaves;
        m_candidatePrior.push_back(std::exp(-0.5 * octaves * octaves));
    }
    m_candidateScore.assign(m_candidatePeriods.size(), 0.0);
    m_onsets.assign(kOnsetCapacity, Onset{});
    m_matches.assign(static_cast<std::size_t>(config.chainBeats), Match{});
}

void TempoTracker::reset() noexcept {
    m_hops = 0;
    m_meanStrength = 0.0f;
    m_rise = {0.0f, 0.0f};
    std::fill(m_envelope.begin(), m_envelope.end(), 0.0f);
    std::fill(m_acf.begin(), m_acf.end(), 0.0);
    std::fill(m_acfNorm.begin(), m_acfNorm.end(), 0.0);
    m_validLag = 0.0;
    m_acfPeriod = 0.0;
    m_periodicity = 0.0f;
    m_disagreeSec = 0.0;
    m_onsetCount = 0;
    unlock();
    m_estimate = TempoEstimate{};
}

float TempoTracker::candidateBpm() const noexcept {
    return m_acfPeriod > 0.0 ? static_cast<float>(60.0 / (m_acfPeriod * m_hopSec)) : 0.0f;
}

void TempoTracker::updateAutocorrelation(float strength) noexcept {
    m_meanStrength = m_meanDecay * m_meanStrength + (1.0f - m_meanDecay) * strength;
    // The envelope is widened a little ([1 2 1] / 4) so that its autocorrelation peaks are
    // smooth enough to read between integer lags: a tempo is rarely a whole number of hops.
    const float rise = std::max(0.0f, strength - m_meanStrength);
    const float e = 0.25f * rise + 0.5f * m_rise[0] + 0.25f * m_rise[1];
    m_rise[1] = m_rise[0];
    m_rise[0] = rise;
    m_envelope[m_hops & m_envelopeMask] = e;
    for (std::size_t lag = 0; lag < m_acf.size(); ++lag) {
        const float past = m_envelope[(m_hops - lag) & m_envelopeMask];
        m_acf[lag] = m_acfDecay * m_acf[lag] + static_cast<double>(e) * past;
    }
}

double TempoTracker::acfAt(double lag) const noexcept {
    const auto i = static_cast<std::size_t>(lag);
    const double f = lag - static_cast<double>(i);
    return m_acfNorm[i] * (1.0 - f) + m_acfNorm[i + 1] * f;
}

// Mean of the comb's terms whose lags have enough shared history (early on, long lags have
// seen few pairs; leaving them out keeps slow tempi from reading low).
double TempoTracker::combAt(double period) const noexcept {
    double sum = 0.0;
    int terms = 0;
    for (int k = 1; k <= kCombTerms; ++k) {
        const double lag = k * period;
        if (lag + 1.0 > m_validLag) break;
        sum += acfAt(lag);
        ++terms;
    }
    return terms > 0 ? sum / terms : 0.0;
}

void TempoTracker::scoreTempi() noexcept {
    // Unbiased running autocorrelation: lag L has summed over only the last N - L hops, with
    // exponential weights; divide by the total weight it has had.
    const auto hops = static_cast<double>(m_hops);
    m_validLag = std::min(hops - kMinOverlapSec / m_hopSec, static_cast<double>(m_acf.size() - 1));
    for (std::size_t lag = 0; lag < m_acf.size(); ++lag) {
        const double overlap = hops - static_cast<double>(lag);
        const double weight =
            overlap > 0.0 ? (1.0 - std::pow(m_acfDecay, overlap)) / (1.0 - m_acfDecay) : 0.0;
        m_acfNorm[lag] = weight > 0.0 ? m_acf[lag] / weight : 0.0;
    }
    const double energy = m_acfNorm[0];
    if (energy < 1e-12 || m_validLag < m_maxPeriod + 1.0) {
        m_periodicity = 0.0f;
        return;
    }
    std::size_t best = 0;
    for (std::size_t i = 0; i < m_candidatePeriods.size(); ++i) {
        m_candidateScore[i] = m_candidatePrior[i] * combAt(m_candidatePeriods[i]);
        if (m_candidateScore[i] > m_candidateScore[best]) best = i;
    }
    // Parabolic refinement between grid neighbours (in BPM).
    double bpm = m_config.minBpm + kBpmStep * static_cast<double>(best);
    if (best > 0 && best + 1 < m_candidateScore.size()) {
        const double l = m_candidateScore[best - 1];
        const double c = m_candidateScore[best];
        const double r = m_candidateScore[best + 1];
        const double denom = l - 2.0 * c + r;
        if (denom < 0.0) bpm += kBpmStep * std::clamp(0.5 * (l - r) / denom, -0.5, 0.5);
    }
    m_acfPeriod = 60.0 / (bpm * m_hopSec);
    m_periodicity = static_cast<float>(std::clamp(combAt(m_acfPeriod) / energy, 0.0, 1.0));
}

void TempoTracker::tryLock(double now) noexcept {
    const double period = m_acfPeriod;
    const double tolerance = m_config.matchTolerance * period;
    const double window = std::max(kInitWindowSec / m_hopSec, 3.5 * period);
    std::array<Onset, kOnsetCapacity> recent;
    std::size_t count = 0;
    const std::size_t stored = std::min(m_onsetCount, kOnsetCapacity);
    for (std::size_t i = m_onsetCount - stored; i < m_onsetCount; ++i) {
        const Onset& o = m_onsets[i % kOnsetCapacity];
        if (o.time >= now - window) recent[count++] = o;
    }
    if (count < 3) return;

    // The grid most recent onsets agree on: anchored at one of them (ties: the latest).
    auto residual = [period](double t, double anchor) {
        const double beats = (t - anchor) / period;
        return (beats - std::round(beats)) * period;
    };
    std::size_t bestAnchor = 0;
    double bestScore = -1.0;
    for (std::size_t j = 0; j < count; ++j) {
        double score = 0.0;
        for (std::size_t m = 0; m < count; ++m) {
            if (std::abs(residual(recent[m].time, recent[j].time)) <= tolerance) {
                score += recent[m].strength;
            }
        }
        if (score >= bestScore) {
            bestScore = score;
            bestAnchor = j;
        }
    }

    m_period = period;
    m_anchor = recent[bestAnchor].time;
    m_matchCount = 0;
    for (std::size_t m = 0; m < count; ++m) addMatch(recent[m].time);
    if (m_matchCount < 3) {
        m_matchCount = 0;
        return;
    }
    const std::size_t kept = std::min(m_matchCount, m_matches.size());
    const Match& first = m_matches[(m_matchCount - kept) % m_matches.size()];
    const Match& last = m_matches[(m_matchCount - 1) % m_matches.size()];
    if (last.beat - first.beat < 2) {
        m_matchCount = 0;
        return;
    }
    m_locked = true;
    m_disagreeSec = 0.0;
    fitGrid();
}

// Adds an onset to the grid if it falls near a predicted beat; one onset per beat, the closest.
void TempoTracker::addMatch(double time) noexcept {
    const double beats = (time - m_anchor) / m_period;
    const auto beat = static_cast<int>(std::lround(beats));
    const double off = std::abs(beats - beat) * m_period;
    if (off > m_config.matchTolerance * m_period) return;
    const std::size_t capacity = m_matches.size();
    if (m_matchCount > 0) {
        Match& last = m_matches[(m_matchCount - 1) % capacity];
        if (last.beat == beat) {
            const double lastOff = std::abs(last.time - (m_anchor + beat * m_period));
            if (off < lastOff) last.time = time;
            return;
        }
        if (beat < last.beat) return;
    }
    m_matches[m_matchCount % capacity] = Match{beat, time};
    ++m_matchCount;
}

void TempoTracker::fitGrid() noexcept {
    const std::size_t n = std::min(m_matchCount, m_matches.size());
    if (n < 3) return;
    double meanBeat = 0.0;
    double meanTime = 0.0;
    for (std::size_t i = m_matchCount - n; i < m_matchCount; ++i) {
        const Match& m = m_matches[i % m_matches.size()];
        meanBeat += m.beat;
        meanTime += m.time;
    }
    meanBeat /= static_cast<double>(n);
    meanTime /= static_cast<double>(n);
    double sxx = 0.0;
    double sxy = 0.0;
    for (std::size_t i = m_matchCount - n; i < m_matchCount; ++i) {
        const Match& m = m_matches[i % m_matches.size()];
        sxx += (m.beat - meanBeat) * (m.beat - meanBeat);
        sxy += (m.beat - meanBeat) * (m.time - meanTime);
    }
    if (sxx < 2.0) return;  // the matches span too few beats to say anything about the period
    const double period = sxy / sxx;
    if (std::abs(period / m_period - 1.0) > kMaxFitChange) return;
    m_period = period;
    m_anchor = meanTime - period * meanBeat;
}

void TempoTracker::unlock() noexcept {
    m_locked = false;
    m_matchCount = 0;
    m_lastBeatTime = -1e9;
    m_disagreeSec = 0.0;
}

const TempoEstimate& TempoTracker::process(float onsetStrength, bool onset) noexcept {
    const double now = static_cast<double>(++m_hops);
    updateAutocorrelation(std::isfinite(onsetStrength) ? std::max(onsetStrength, 0.0f) : 0.0f);
    const bool scoring = m_hops % kScoreEveryHops == 0;
    if (scoring) scoreTempi();

    if (onset) {
        m_onsets[m_onsetCount % kOnsetCapacity] = Onset{now, onsetStrength};
        ++m_onsetCount;
        if (m_locked) {
            addMatch(now);
            fitGrid();
        }
    }

    if (m_locked) {
        const double lastMatch = m_matches[(m_matchCount - 1) % m_matches.size()].time;
        const bool lost = now - lastMatch > m_config.lostAfterBeats * m_period;
        const bool disagrees = m_acfPeriod > 0.0 && m_periodicity >= m_config.minPeriodicity &&
                               std::abs(m_acfPeriod / m_period - 1.0) > kDisagreeRatio;
        m_disagreeSec = disagrees ? m_disagreeSec + m_hopSec : 0.0;
        if (lost || m_disagreeSec > kDisagreeSec) unlock();
    }
    if (!m_locked && scoring && now * m_hopSec >= m_config.minLockSec &&
        m_periodicity >= m_config.minPeriodicity && m_acfPeriod > 0.0) {
        tryLock(now);
    }

    TempoEstimate& out = m_estimate;
    out.beat = false;
    if (!m_locked) {
        out.confidence = 0.0f;
        out.phase = 0.0f;
        return out;
    }
    out.bpm = static_cast<float>(60.0 / (m_period * m_hopSec));
    // Match rate: how many of the last few predicted beats had an onset on them.
    const double beatsNow = (now - m_anchor) / m_period;
    const auto currentBeat = static_cast<int>(std::floor(beatsNow + m_config.matchTolerance));
    int matched = 0;
    const std::size_t n = std::min(m_matchCount, m_matches.size());
    for (std::size_t i = m_matchCount - n; i < m_matchCount; ++i) {
        if (m_matches[i % m_matches.size()].beat > currentBeat - kRecentBeats) ++matched;
    }
    const double matchRate = std::min(1.0, matched / static_cast<double>(kRecentBeats));
    const double energy = m_acfNorm[0];
    const double periodicity =
        energy > 1e-12 ? std::clamp(combAt(m_period) / energy, 0.0, 1.0) : 0.0;
    out.confidence = static_cast<float>(std::sqrt(periodicity * matchRate));
    out.phase = static_cast<float>(beatsNow - std::floor(beatsNow));

    // A grid time in (now - 1, now] is a beat on this hop.
    const double gridTime = m_anchor + m_period * std::ceil((now - 1.0 - m_anchor) / m_period);
    if (gridTime <= now && gridTime > m_lastBeatTime + 0.5 * m_period &&
        out.confidence >= m_config.minConfidence) {
        out.beat = true;
        m_lastBeatTime = gridTime;
    }
    return out;
}

}  // namespace autolume::features
