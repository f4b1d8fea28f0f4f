#include "frame_latents.hpp"

#include "autolume/control/ws_compose.hpp"

namespace autolume::app {

void FrameLatents::resize(const model::ModelInfo& info) {
    const std::size_t n = static_cast<std::size_t>(info.numWs) * info.wDim;
    m_mapped0.resize(n);
    m_mapped1.resize(n);
    m_ws.resize(n);
    m_bends.resize(static_cast<std::size_t>(info.numLayers));
}

model::SynthesisOptions FrameLatents::synthesisOptions(const control::ControlFrame& frame,
                                                       const model::ModelInfo& info,
                                                       int resolution) {
    model::SynthesisOptions options;
    options.noiseGain = frame.noiseGain;
    options.resolution = resolution;
    if (info.hasSynthesisUntil && !frame.bend.isIdentity() &&
        m_bends.size() == static_cast<std::size_t>(info.numLayers)) {
        for (std::size_t i = 0; i < m_bends.size(); ++i) {
            const auto layer = static_cast<int>(i);
            const bool bent = layer >= frame.bendFirstLayer && layer <= frame.bendLastLayer;
            m_bends[i] = bent ? model::LayerBend{frame.bend.translateX, frame.bend.translateY,
                                                 frame.bend.rotate, frame.bend.zoom}
                              : model::LayerBend{};
        }
        options.bends = m_bends;
    }
    return options;
}

const float* FrameLatents::compose(model::Generator& generator, const control::ControlFrame& frame,
                                   const model::GanSpace* ganSpace, float* blended) {
    generator.mapping(frame.zGroup(0), m_mapped0.data());
    const float* mapped1 = m_mapped0.data();
    if (frame.splitLayer < frame.numWs) {
        generator.mapping(frame.zGroup(1), m_mapped1.data());
        mapped1 = m_mapped1.data();
    }
    control::Directions directions;
    if (ganSpace)
        directions = {ganSpace->count(), ganSpace->wDim, ganSpace->components.data(),
                      ganSpace->stddevs.data()};
    control::composeWs(frame, m_mapped0.data(), mapped1, directions, blended, m_ws.data());
    return m_ws.data();
}

}  // namespace autolume::app
