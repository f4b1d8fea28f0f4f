// Per-stem analysis; see stem_analyzer.hpp.
#include "autolume/features/stem_analyzer.hpp"

#include <stdexcept>

namespace autolume::features {

StemAnalyzer::StemAnalyzer(int stems, const AnalyzerConfig& config) {
    if (stems < 1) throw std::invalid_argument("stems: needs at least one stem");
    for (int s = 0; s < stems; ++s) m_analyzers.push_back(std::make_unique<Analyzer>(config));
    m_channel.assign(static_cast<std::size_t>(config.hopSize), 0.0f);
    m_frames.assign(static_cast<std::size_t>(stems), FeatureFrame{});
}

std::span<const FeatureFrame> StemAnalyzer::process(const float* interleavedHop) noexcept {
    const std::size_t stems = m_analyzers.size();
    for (std::size_t s = 0; s < stems; ++s) {
        for (std::size_t i = 0; i < m_channel.size(); ++i) {
            m_channel[i] = interleavedHop[i * stems + s];
        }
        m_frames[s] = m_analyzers[s]->process(m_channel.data());
    }
    return m_frames;
}

void StemAnalyzer::reset() noexcept {
    for (auto& a : m_analyzers) a->reset();
    for (auto& f : m_frames) f = FeatureFrame{};
}

}  // namespace autolume::features
