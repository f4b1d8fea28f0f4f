// From a ControlFrame to the ws the generator draws, once the z groups are mapped: the
// arithmetic half of the inference thread's work, kept here so it is tested without torch and
// shared by the live engine and `autolume analyze --latents`.
//
//   mapped  rows [0, splitLayer) of mapping(z group 0), rows [splitLayer, numWs) of
//           mapping(z group 1)
//   blended lerp(mapped, wTarget, wBlend)            keyframes and presets; what a store keeps
//   out     blended + sum_k ganspace[k] * stddev[k] * component[k], on every row
//
// Truncation (w_avg + psi (w - w_avg)) comes last, in model::Generator::render() or
// truncateWs().
//
// Thread contract: pure functions; no allocation.
#pragma once

#include <cstddef>

#include "autolume/control/control_frame.hpp"

namespace autolume::control {

// Directions in w to steer along (GANSpace): `count` unit rows of `wDim` floats and the
// standard deviation of w along each. count 0: none.
struct Directions {
    int count = 0;
    int wDim = 0;
    const float* components = nullptr;  // [count, wDim]
    const float* stddevs = nullptr;     // [count]
};

// mapped0 and mapped1 are [numWs, wDim] (mapped1 may be mapped0 when splitLayer >= numWs);
// blended and out are [numWs, wDim] and may not alias the inputs. Directions of another wDim
// are ignored; amounts beyond dirs.count are ignored.
void composeWs(const ControlFrame& frame, const float* mapped0, const float* mapped1,
               const Directions& dirs, float* blended, float* out) noexcept;

// ws = w_avg + psi (ws - w_avg), every row.
void truncateWs(const float* wAvg, float psi, int numWs, int wDim, float* ws) noexcept;

}  // namespace autolume::control
