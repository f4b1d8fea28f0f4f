// Gaussian temporal smoothing for any feature, causal so that it can run live: each output is
// the Gaussian-weighted mean of the current and past values (a half-Gaussian kernel out to
// 3 sigma). It removes the hop-to-hop jitter of short analysis windows at a delay of about
// 0.8 sigma. sigma 0 passes values through unchanged.
//
// Thread contract: one owning thread; construction allocates, process() and reset() are
// noexcept and allocation-free.
#pragma once

#include <vector>

namespace autolume::features {

class GaussianSmoother {
  public:
    // `channels` values per step (a scalar feature: 1; chroma: 12), steps `hopSec` apart.
    GaussianSmoother(int channels, float sigmaSec, double hopSec);

    int channels() const noexcept { return m_channels; }
    int taps() const noexcept { return static_cast<int>(m_kernel.size()); }
    // Delay of the kernel's centre of mass, in steps.
    double delaySteps() const noexcept;

    // One step: in[channels] -> out[channels] (in may equal out).
    void process(const float* in, float* out) noexcept;
    // Single-channel convenience.
    float process(float in) noexcept;
    void reset() noexcept;

  private:
    int m_channels;
    std::vector<float> m_kernel;   // kernel[0] weighs the newest value
    std::vector<float> m_history;  // taps x channels, ring of past inputs
    int m_pos = 0;
    int m_filled = 0;
};

}  // namespace autolume::features
