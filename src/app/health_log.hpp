// The live app's health over time (`--health FILE.csv`): one row per interval (1 s by
// default) with the output's and control window's presents, their frame period p50, p99 and
// maximum in that interval, the periods over 100 ms, frames generated, MIDI and audio counters
// and the process's resident memory. For long runs (tests/soak/, installations) and for a VJ
// who wants to see when the picture stalled; the row is flushed as it is written, so a crash
// leaves every row before it.
//
// Thread contract: main thread only.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

#include "autolume/util/frame_pacing.hpp"

namespace autolume::app {

// What one interval saw; the counters are totals since the start.
struct HealthSample {
    double timeSec = 0.0;  // since the start of the live loop
    const util::FramePacing* output = nullptr;
    const util::FramePacing* control = nullptr;  // null: one window
    std::uint64_t framesGenerated = 0;
    std::uint64_t framesShown = 0;
    float generatorMs = 0.0f;  // the last frame's
    std::uint64_t hops = 0;
    std::uint64_t audioOverruns = 0;
    std::uint64_t midiReceived = 0;
    std::uint64_t midiMalformed = 0;
    std::uint64_t generatorErrors = 0;
};

class HealthLog {
  public:
    // Opens (truncates) `path` and writes the header; ok() says whether it could. The caller
    // writes a row per interval and clears its interval's FramePacing after each.
    explicit HealthLog(const std::string& path);

    bool ok() const { return m_ok; }
    void write(const HealthSample& sample);

  private:
    std::ofstream m_out;
    bool m_ok = false;
};

// The process's resident set size in KiB (/proc/self/statm), 0 where it cannot be read.
std::uint64_t residentKib();

}  // namespace autolume::app
