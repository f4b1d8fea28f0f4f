// Spectral-flux onsets: the sum of positive magnitude increases between consecutive spectra
// (log-compressed so quiet and loud passages weigh alike) reacts to drums and note starts
// but not to steady tones. The threshold adapts to the recent flux so the same settings work
// for sparse clicks and dense mixes.
#include "autolume/features/analyzer.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace autolume::features {

struct Analyzer::Fft {
    explicit Fft(int size)
        : in(fftwf_alloc_real(size)),
          out(fftwf_alloc_complex(size / 2 + 1)),
          // FFTW's planner is not thread-safe; plans are made once here, before the thread runs.
          plan(fftwf_plan_dft_r2c_1d(size, in, out, FFTW_ESTIMATE)) {}
    ~Fft() {
        fftwf_destroy_plan(plan);
        fftwf_free(in);
        fftwf_free(out);
    }
    float* in;
    fftwf_complex* out;
    fftwf_plan plan;
};

Analyzer::Analyzer(const AnalyzerConfig& config)
    : m_config(config),
      m_fft(std::make_unique<Fft>(config.fftSize)),
      m_window(config.fftSize),
      m_history(config.fftSize, 0.0f),
      m_magnitude(config.fftSize / 2 + 1, 0.0f) {
    const int n = config.fftSize;
    for (int i = 0; i < n; ++i)
        m_window[i] = 0.5f - 0.5f * std::cos(2.0f * std::numbers::pi_v<float> * i / n);
    const double hopsPerSec = config.sampleRate / config.hopSize;
    m_fluxHistory.assign(std::max<std::size_t>(4, std::lround(config.onsetWindowSec * hopsPerSec)),
                         0.0f);
}

Analyzer::~Analyzer() = default;

void Analyzer::reset() noexcept {
    std::fill(m_history.begin(), m_history.end(), 0.0f);
    std::fill(m_magnitude.begin(), m_magnitude.end(), 0.0f);
    std::fill(m_fluxHistory.begin(), m_fluxHistory.end(), 0.0f);
    m_fluxPos = m_fluxCount = 0;
    m_fluxPeak = 1e-9f;
    m_levelPeak = 1e-6f;
    m_lastOnsetSec = -1e9;
    m_frame = FeatureFrame{};
}

const FeatureFrame& Analyzer::process(const float* hop) noexcept {
    const int n = m_config.fftSize;
    const int h = m_config.hopSize;
    const double hopSec = h / m_config.sampleRate;

    // Slide the analysis window and take the hop's level.
    std::copy(m_history.begin() + h, m_history.end(), m_history.begin());
    std::copy(hop, hop + h, m_history.end() - h);
    double sumSquares = 0.0;
    for (int i = 0; i < h; ++i) sumSquares += static_cast<double>(hop[i]) * hop[i];
    const float rms = static_cast<float>(std::sqrt(sumSquares / h));

    // Auto-gain: a peak follower that jumps up at once and falls back slowly.
    const float release = std::exp(static_cast<float>(-hopSec / m_config.levelReleaseSec));
    m_levelPeak = std::max({rms, m_levelPeak * release, 1e-3f});

    // Spectrum and log-compressed flux.
    for (int i = 0; i < n; ++i) m_fft->in[i] = m_history[i] * m_window[i];
    fftwf_execute(m_fft->plan);
    float flux = 0.0f;
    const float scale = 2.0f / n;
    for (std::size_t k = 1; k < m_magnitude.size(); ++k) {
        const float re = m_fft->out[k][0] * scale;
        const float im = m_fft->out[k][1] * scale;
        const float mag = std::log1p(100.0f * std::sqrt(re * re + im * im));
        flux += std::max(0.0f, mag - m_magnitude[k]);
        m_magnitude[k] = mag;
    }
    flux /= static_cast<float>(m_magnitude.size());

    // Adaptive threshold from the flux of the preceding window (excluding this hop).
    float mean = 0.0f;
    float var = 0.0f;
    if (m_fluxCount > 0) {
        for (std::size_t i = 0; i < m_fluxCount; ++i) mean += m_fluxHistory[i];
        mean /= static_cast<float>(m_fluxCount);
        for (std::size_t i = 0; i < m_fluxCount; ++i) {
            const float d = m_fluxHistory[i] - mean;
            var += d * d;
        }
        var /= static_cast<float>(m_fluxCount);
    }
    const float threshold = mean + m_config.onsetThresholdK * std::sqrt(var);
    m_fluxHistory[m_fluxPos] = flux;
    m_fluxPos = (m_fluxPos + 1) % m_fluxHistory.size();
    m_fluxCount = std::min(m_fluxCount + 1, m_fluxHistory.size());

    m_frame.hop += 1;
    m_frame.timeSec = static_cast<double>(m_frame.hop) * hopSec;
    const bool rising = flux > threshold && flux > m_config.onsetFloor && m_fluxCount > 2;
    const bool rested = m_frame.timeSec - m_lastOnsetSec >= m_config.onsetRefractorySec;
    m_frame.onset = rising && rested;
    if (m_frame.onset) m_lastOnsetSec = m_frame.timeSec;

    m_fluxPeak = std::max(flux, m_fluxPeak * release);
    m_frame.rms = rms;
    m_frame.rmsDb = 20.0f * std::log10(std::max(rms, 1e-6f));
    m_frame.level = std::clamp(rms / m_levelPeak, 0.0f, 1.0f);
    m_frame.onsetStrength = std::clamp(flux / std::max(m_fluxPeak, 1e-6f), 0.0f, 1.0f);
    return m_frame;
}

}  // namespace autolume::features
