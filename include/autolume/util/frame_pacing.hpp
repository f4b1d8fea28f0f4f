// Frame pacing: the periods between a window's presents, in 0.25 ms bins up to 250 ms (the
// last bin open), with the exact maximum and a count of gaps above a limit, for quantiles
// without storing every period. The live app keeps one for the whole run (the exit summary)
// and one per health interval (`--health`), cleared after each row.
//
// No allocation after construction: tick() is called once per present.
//
// Thread contract: one thread (the main thread in the app).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace autolume::util {

class FramePacing {
  public:
    static constexpr double kBinMs = 0.25;
    static constexpr std::size_t kBins = 1000;  // up to 250 ms; longer periods in the last bin
    static constexpr double kGapMs = 100.0;     // a period above this is a visible stall

    // A present at `nowNs` (steady clock); the first one only starts the clock.
    void tick(std::int64_t nowNs) noexcept {
        if (m_lastNs != 0) add(static_cast<double>(nowNs - m_lastNs) / 1e6);
        m_lastNs = nowNs;
    }

    // One period, for callers that measure it themselves.
    void add(double ms) noexcept {
        const auto bin = static_cast<std::size_t>(std::max(0.0, ms) / kBinMs);
        ++m_bins[std::min(bin, kBins - 1)];
        ++m_count;
        m_maxMs = std::max(m_maxMs, ms);
        if (ms > kGapMs) ++m_gaps;
    }

    // The periods seen so far are forgotten; the clock keeps running, so the period that
    // spans a clear() is counted after it.
    void clear() noexcept {
        m_bins.fill(0);
        m_count = 0;
        m_gaps = 0;
        m_maxMs = 0.0;
    }

    // The centre of the bin holding quantile q (0..1); 0 before any period.
    double quantileMs(double q) const noexcept {
        if (m_count == 0) return 0.0;
        const auto target = static_cast<std::uint64_t>(q * static_cast<double>(m_count));
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < kBins; ++i) {
            seen += m_bins[i];
            if (seen > target) return (static_cast<double>(i) + 0.5) * kBinMs;
        }
        return (static_cast<double>(kBins) - 0.5) * kBinMs;
    }

    std::uint64_t count() const noexcept { return m_count; }
    double maxMs() const noexcept { return m_maxMs; }
    std::uint64_t gaps() const noexcept { return m_gaps; }  // periods above kGapMs

  private:
    std::array<std::uint64_t, kBins> m_bins{};
    std::uint64_t m_count = 0;
    std::uint64_t m_gaps = 0;
    double m_maxMs = 0.0;
    std::int64_t m_lastNs = 0;
};

}  // namespace autolume::util
