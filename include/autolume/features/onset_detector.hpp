// Onset events from an onset-strength signal (spectral flux): an onset fires on the first hop
// whose strength exceeds an adaptive threshold, the running mean plus k standard deviations of
// the preceding `windowSec`, an absolute floor (silence and hiss never fire) and a fraction of
// the recent peak strength (the flicker of a sustained chord's beating partials, tiny next to a
// real attack, never fires either); after an onset none fires for `refractorySec`. Deciding on
// the rising hop itself (no look-ahead) keeps the event as early as the spectrum allows.
//
// Thread contract: one owning thread; construction allocates, process() and reset() are
// noexcept and allocation-free.
#pragma once

#include <cstddef>
#include <vector>

namespace autolume::features {

struct OnsetConfig {
    float thresholdK = 1.5f;      // threshold = mean + k * stddev of recent strength
    float windowSec = 1.0f;       // length of the running statistics
    float refractorySec = 0.1f;   // no second onset closer than this
    float floor = 1e-3f;          // strength below this never triggers
    float relativeFloor = 0.1f;   // nor below this fraction of the running peak strength
    float peakReleaseSec = 5.0f;  // time constant of that running peak's fall
};

class OnsetDetector {
  public:
    OnsetDetector(const OnsetConfig& config, double hopSec);

    // One hop's onset strength; true if an onset fires on this hop.
    bool process(float strength) noexcept;
    float threshold() const noexcept { return m_threshold; }
    void reset() noexcept;

  private:
    OnsetConfig m_config;
    double m_hopSec;
    std::vector<float> m_history;  // ring of recent strengths
    std::size_t m_pos = 0;
    std::size_t m_count = 0;
    double m_sinceOnsetSec = 1e9;
    float m_threshold = 0.0f;
    float m_peak = 0.0f;
    float m_peakRelease;
};

}  // namespace autolume::features
