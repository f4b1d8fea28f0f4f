#include "frame_latents.hpp"

#include "autolume/control/ws_compose.hpp"

namespace autolume::app {

void FrameLatents::resize(const model::ModelInfo& info) {
    const std::size_t n = static_cast<std::size_t>(info.numWs) * info.wDim;
    m_mapped0.resize(n);
    m_mapped1.resize(n);
    m_ws.resize(n);
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
