// Stems: several channels analysed side by side, one feature set each (a drum bus, a bass
// line and a vocal microphone driving different parts of the picture). Input is one hop of
// interleaved frames, as an audio source delivers it in stems mode (SourceInfo::ringChannels).
//
// Thread contract: one owning thread; construction allocates, process() and reset() are
// noexcept and allocation-free.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "autolume/features/analyzer.hpp"

namespace autolume::features {

class StemAnalyzer {
  public:
    // `stems` >= 1 analysers with the same configuration.
    StemAnalyzer(int stems, const AnalyzerConfig& config);

    int stems() const noexcept { return static_cast<int>(m_analyzers.size()); }
    const AnalyzerConfig& config() const noexcept { return m_analyzers.front()->config(); }

    // Feeds hopSize frames of `stems` interleaved samples; returns one frame per stem.
    std::span<const FeatureFrame> process(const float* interleavedHop) noexcept;
    void reset() noexcept;

    Analyzer& stem(int index) { return *m_analyzers.at(static_cast<std::size_t>(index)); }

  private:
    std::vector<std::unique_ptr<Analyzer>> m_analyzers;
    std::vector<float> m_channel;  // one stem's hop, deinterleaved
    std::vector<FeatureFrame> m_frames;
};

}  // namespace autolume::features
