// Chroma from a decimated, finely resolved spectrum; see chroma.hpp.
#include "autolume/features/chroma.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "real_fft.hpp"

namespace autolume::features {
namespace {

constexpr double kMinSpectrumRate = 5500.0;  // keeps maxHz (2.1 kHz) well below the new Nyquist
constexpr int kTapsPerFactor = 16;
constexpr float kPeakFloor = 1e-4f;          // -80 dBFS: quieter peaks are silence
constexpr float kRelativePeakFloor = 1e-3f;  // peaks 60 dB below the largest are noise
constexpr double kSemitoneSigma = 0.3;       // pitch-class weight by distance from a semitone

int decimationFor(double sampleRate, int hopSize) {
    int d = 1;
    while (sampleRate / (2 * d) >= kMinSpectrumRate && hopSize % (2 * d) == 0) d *= 2;
    return d;
}

const ChromaConfig& validated(const ChromaConfig& config, double sampleRate, int hopSize) {
    if (config.fftSize < 64 || (config.fftSize & (config.fftSize - 1)) != 0) {
        throw std::invalid_argument("chroma: fftSize must be a power of two >= 64");
    }
    if (!(config.minHz > 0.0f) || !(config.maxHz > config.minHz)) {
        throw std::invalid_argument("chroma: needs 0 < minHz < maxHz");
    }
    if (!(sampleRate > 0.0) || hopSize < 1) {
        throw std::invalid_argument("chroma: needs a positive sample rate and hop size");
    }
    return config;
}

int binOf(double hz, double rate, int fftSize) {
    return static_cast<int>(std::lround(hz * fftSize / rate));
}

// Bins analysed: minHz..maxHz with one bin of margin on each side, so that every peak in range
// has two neighbours.
int firstBin(const ChromaConfig& config, double rate) {
    return std::max(1, binOf(config.minHz, rate, config.fftSize) - 1);
}
int lastBin(const ChromaConfig& config, double rate) {
    return std::max(
        firstBin(config, rate) + 2,
        std::min(binOf(config.maxHz, rate, config.fftSize) + 1, config.fftSize / 2 - 1));
}
int binCount(const ChromaConfig& config, double rate) {
    return lastBin(config, rate) - firstBin(config, rate) + 1;
}

}  // namespace

struct ChromaExtractor::Fft : RealFft {
    using RealFft::RealFft;
};

ChromaExtractor::ChromaExtractor(const ChromaConfig& config, double sampleRate, int hopSize)
    : m_config(validated(config, sampleRate, hopSize)),
      m_hopSize(hopSize),
      m_decimation(decimationFor(sampleRate, hopSize)),
      m_median(binCount(config, sampleRate / m_decimation), config.medianFrames) {
    m_rate = sampleRate / m_decimation;
    if (hopSize / m_decimation > config.fftSize) {
        throw std::invalid_argument("chroma: the hop is longer than the chroma window");
    }
    m_firstBin = firstBin(config, m_rate);
    m_lastBin = lastBin(config, m_rate);
    const int bins = m_lastBin - m_firstBin + 1;

    // Blackman-windowed sinc low-pass with its cut-off at 0.4 of the new sample rate.
    if (m_decimation > 1) {
        const int taps = kTapsPerFactor * m_decimation + 1;
        const double cutoff = 0.4 / m_decimation;  // cycles per input sample
        m_lowpass.resize(static_cast<std::size_t>(taps));
        double sum = 0.0;
        for (int t = 0; t < taps; ++t) {
            const double x = t - (taps - 1) / 2.0;
            const double sinc =
                x == 0.0 ? 2.0 * cutoff
                         : std::sin(2.0 * std::numbers::pi * cutoff * x) / (std::numbers::pi * x);
            const double phase = 2.0 * std::numbers::pi * t / (taps - 1);
            const double blackman = 0.42 - 0.5 * std::cos(phase) + 0.08 * std::cos(2.0 * phase);
            m_lowpass[t] = static_cast<float>(sinc * blackman);
            sum += sinc * blackman;
        }
        for (float& h : m_lowpass) h = static_cast<float>(h / sum);
    } else {
        m_lowpass.assign(1, 1.0f);
    }
    m_decimIn.assign(m_lowpass.size() - 1 + static_cast<std::size_t>(hopSize), 0.0f);
    m_frame.assign(static_cast<std::size_t>(config.fftSize), 0.0f);

    m_window.resize(static_cast<std::size_t>(config.fftSize));
    double windowSum = 0.0;
    for (int i = 0; i < config.fftSize; ++i) {
        m_window[i] =
            static_cast<float>(0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / config.fftSize));
        windowSum += m_window[i];
    }
    for (float& w : m_window) w = static_cast<float>(w * 2.0 / windowSum);

    m_fft = std::make_unique<Fft>(config.fftSize);
    m_magnitude.assign(static_cast<std::size_t>(bins), 0.0f);
    m_harmonic.assign(static_cast<std::size_t>(bins), 0.0f);
}

ChromaExtractor::~ChromaExtractor() = default;

void ChromaExtractor::process(const float* hop, float* chroma) noexcept {
    // Low-pass and keep every m_decimation-th sample, sliding the chroma frame along.
    const std::size_t history = m_lowpass.size() - 1;
    std::copy_n(hop, m_hopSize, m_decimIn.data() + history);
    const int outputs = m_hopSize / m_decimation;
    const int n = m_config.fftSize;
    std::copy(m_frame.begin() + outputs, m_frame.end(), m_frame.begin());
    float* out = m_frame.data() + (n - outputs);
    const int taps = static_cast<int>(m_lowpass.size());
    // The taps are symmetric, so the convolution is a plain dot product with the oldest sample
    // of each output's span first; eight partial sums let the compiler use vector lanes.
    for (int j = 0; j < outputs; ++j) {
        const float* oldest = m_decimIn.data() + j * m_decimation + (m_decimation - 1);
        float acc[8] = {};
        int t = 0;
        for (; t + 8 <= taps; t += 8) {
            for (int k = 0; k < 8; ++k) acc[k] += m_lowpass[t + k] * oldest[t + k];
        }
        float sum =
            ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        for (; t < taps; ++t) sum += m_lowpass[t] * oldest[t];
        out[j] = sum;
    }
    std::copy(m_decimIn.end() - static_cast<long>(history), m_decimIn.end(), m_decimIn.begin());

    // Magnitude spectrum of the analysed bins, then its harmonic part.
    float* in = m_fft->input();
    for (int i = 0; i < n; ++i) in[i] = m_frame[i] * m_window[i];
    m_fft->execute();
    const fftwf_complex* spectrum = m_fft->output();
    const int bins = m_lastBin - m_firstBin + 1;
    for (int b = 0; b < bins; ++b) {
        const float re = spectrum[m_firstBin + b][0];
        const float im = spectrum[m_firstBin + b][1];
        m_magnitude[b] = std::sqrt(re * re + im * im);
    }
    m_median.push(m_magnitude.data(), m_harmonic.data());

    std::fill(chroma, chroma + kChromaBins, 0.0f);
    const float largest = *std::max_element(m_harmonic.begin(), m_harmonic.end());
    if (largest < kPeakFloor) return;
    const float floor = largest * kRelativePeakFloor;
    const double binHz = m_rate / n;
    for (int b = 1; b + 1 < bins; ++b) {
        const float mid = m_harmonic[b];
        if (mid < floor || mid <= m_harmonic[b - 1] || mid < m_harmonic[b + 1]) continue;
        // Parabola through the log magnitudes of the peak and its neighbours.
        const double l = std::log(std::max(m_harmonic[b - 1], 1e-12f));
        const double c = std::log(mid);
        const double r = std::log(std::max(m_harmonic[b + 1], 1e-12f));
        const double denom = l - 2.0 * c + r;
        const double delta = denom < 0.0 ? std::clamp(0.5 * (l - r) / denom, -0.5, 0.5) : 0.0;
        const double hz = (m_firstBin + b + delta) * binHz;
        if (hz < m_config.minHz || hz > m_config.maxHz) continue;
        const auto magnitude = static_cast<float>(std::exp(c - 0.25 * (l - r) * delta));
        const double pitch = 69.0 + 12.0 * std::log2(hz / 440.0);  // MIDI note number
        const double below = std::floor(pitch);
        for (const double note : {below, below + 1.0}) {
            const double d = (pitch - note) / kSemitoneSigma;
            const int pc = static_cast<int>(note) % 12;
            chroma[pc < 0 ? pc + 12 : pc] += magnitude * static_cast<float>(std::exp(-0.5 * d * d));
        }
    }
    const float top = *std::max_element(chroma, chroma + kChromaBins);
    if (top <= 0.0f) return;
    for (int i = 0; i < kChromaBins; ++i) chroma[i] /= top;
}

void ChromaExtractor::reset() noexcept {
    std::fill(m_decimIn.begin(), m_decimIn.end(), 0.0f);
    std::fill(m_frame.begin(), m_frame.end(), 0.0f);
    std::fill(m_magnitude.begin(), m_magnitude.end(), 0.0f);
    std::fill(m_harmonic.begin(), m_harmonic.end(), 0.0f);
    m_median.reset();
}

}  // namespace autolume::features
