#include "autolume/control/ws_compose.hpp"

#include <algorithm>

#include "autolume/control/latent_controller.hpp"

namespace autolume::control {

void composeWs(const ControlFrame& frame, const float* mapped0, const float* mapped1,
               const Directions& dirs, float* blended, float* out) noexcept {
    const auto wDim = static_cast<std::size_t>(frame.wDim);
    const auto rows = static_cast<std::size_t>(frame.numWs);
    const auto split = static_cast<std::size_t>(std::clamp(frame.splitLayer, 0, frame.numWs));
    std::copy(mapped0, mapped0 + split * wDim, blended);
    std::copy(mapped1 + split * wDim, mapped1 + rows * wDim, blended + split * wDim);
    if (frame.wBlend > 0.0f && frame.wTarget.size() == rows * wDim)
        lerp(blended, frame.wTarget.data(), std::min(frame.wBlend, 1.0f), blended, rows * wDim);

    std::copy(blended, blended + rows * wDim, out);
    if (dirs.wDim != frame.wDim) return;
    const int count = std::min(dirs.count, static_cast<int>(frame.ganspace.size()));
    for (int k = 0; k < count; ++k) {
        const float amount = frame.ganspace[k] * dirs.stddevs[k];
        if (amount == 0.0f) continue;
        const float* c = dirs.components + static_cast<std::size_t>(k) * wDim;
        for (std::size_t r = 0; r < rows; ++r) {
            float* row = out + r * wDim;
            for (std::size_t i = 0; i < wDim; ++i) row[i] += amount * c[i];
        }
    }
}

void truncateWs(const float* wAvg, float psi, int numWs, int wDim, float* ws) noexcept {
    for (int r = 0; r < numWs; ++r) {
        float* row = ws + static_cast<std::size_t>(r) * wDim;
        for (int i = 0; i < wDim; ++i) row[i] = wAvg[i] + psi * (row[i] - wAvg[i]);
    }
}

}  // namespace autolume::control
