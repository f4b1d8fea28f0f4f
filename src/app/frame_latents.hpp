// The ws a ControlFrame asks the generator to draw: its z groups mapped by the model, then
// composed (control/ws_compose.hpp: split layers, keyframe/preset blend, GANSpace offsets).
// Shared by the live inference thread and `autolume analyze --latents`.
//
// Thread contract: one thread at a time (the one that owns the generator); compose() and
// synthesisOptions() allocate nothing, resize() allocates.
#pragma once

#include <vector>

#include "autolume/control/control_frame.hpp"
#include "autolume/model/ganspace.hpp"
#include "autolume/model/generator.hpp"

namespace autolume::app {

class FrameLatents {
  public:
    void resize(const model::ModelInfo& info);

    // Maps the frame's z groups (group 1 only when layers are split) and composes: `blended`
    // [numWs * wDim] receives the ws before GANSpace offsets (what a preset stores); the
    // returned ws (before truncation) add the offsets along `ganSpace` (nullptr: none). Throws
    // what Generator::mapping throws.
    const float* compose(model::Generator& generator, const control::ControlFrame& frame,
                         const model::GanSpace* ganSpace, float* blended);

    // The synthesis options of the frame at `resolution` (0: full size): its noise gain and,
    // where the model can bend, its bend on conv layers [bendFirstLayer, bendLastLayer].
    // The options point into this object: valid until the next call. Allocates nothing.
    model::SynthesisOptions synthesisOptions(const control::ControlFrame& frame,
                                             const model::ModelInfo& info, int resolution);

  private:
    std::vector<model::LayerBend> m_bends;  // [numLayers]
    std::vector<float> m_mapped0, m_mapped1, m_ws;
};

}  // namespace autolume::app
