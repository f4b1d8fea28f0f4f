// Causal half-Gaussian FIR; see gaussian_smoother.hpp. Until the history holds a full kernel
// (after a reset) the weights of the values seen so far are renormalized, so the first outputs
// follow the input instead of starting from zero.
#include "autolume/features/gaussian_smoother.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace autolume::features {

GaussianSmoother::GaussianSmoother(int channels, float sigmaSec, double hopSec)
    : m_channels(channels) {
    if (channels < 1 || !(hopSec > 0.0)) {
        throw std::invalid_argument("GaussianSmoother: needs channels >= 1 and hopSec > 0");
    }
    const double sigmaSteps = std::max(0.0, static_cast<double>(sigmaSec) / hopSec);
    const int taps = sigmaSteps > 1e-3 ? static_cast<int>(std::lround(3.0 * sigmaSteps)) + 1 : 1;
    m_kernel.resize(static_cast<std::size_t>(taps));
    for (int j = 0; j < taps; ++j) {
        m_kernel[j] = taps == 1
                          ? 1.0f
                          : static_cast<float>(std::exp(-0.5 * j * j / (sigmaSteps * sigmaSteps)));
    }
    m_history.assign(static_cast<std::size_t>(taps) * static_cast<std::size_t>(channels), 0.0f);
}

double GaussianSmoother::delaySteps() const noexcept {
    double sum = 0.0;
    double moment = 0.0;
    for (std::size_t j = 0; j < m_kernel.size(); ++j) {
        sum += m_kernel[j];
        moment += static_cast<double>(j) * m_kernel[j];
    }
    return moment / sum;
}

void GaussianSmoother::process(const float* in, float* out) noexcept {
    const int taps = static_cast<int>(m_kernel.size());
    const auto channels = static_cast<std::size_t>(m_channels);
    std::copy_n(in, channels, m_history.data() + static_cast<std::size_t>(m_pos) * channels);
    m_filled = std::min(m_filled + 1, taps);
    float norm = 0.0f;
    for (int j = 0; j < m_filled; ++j) norm += m_kernel[j];
    const float scale = 1.0f / norm;
    for (std::size_t c = 0; c < channels; ++c) {
        float acc = 0.0f;
        int row = m_pos;
        for (int j = 0; j < m_filled; ++j) {
            acc += m_kernel[j] * m_history[static_cast<std::size_t>(row) * channels + c];
            row = row == 0 ? taps - 1 : row - 1;
        }
        out[c] = acc * scale;
    }
    m_pos = (m_pos + 1) % taps;
}

float GaussianSmoother::process(float in) noexcept {
    float out = in;
    if (m_channels == 1) process(&in, &out);
    return out;
}

void GaussianSmoother::reset() noexcept {
    std::fill(m_history.begin(), m_history.end(), 0.0f);
    m_pos = 0;
    m_filled = 0;
}

}  // namespace autolume::features
