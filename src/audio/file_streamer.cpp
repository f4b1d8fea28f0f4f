// Disk -> (resampler) -> ring, ahead of a real-time reader; see file_streamer.hpp.
#include "file_streamer.hpp"

#include <samplerate.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

namespace autolume::audio {
namespace {

constexpr std::size_t kChunkFrames = 4096;
constexpr double kAheadSec = 1.0;
constexpr auto kIdle = std::chrono::milliseconds(5);

std::size_t ringSamples(double rate, int channels) {
    return static_cast<std::size_t>(std::ceil(rate * kAheadSec)) *
           static_cast<std::size_t>(channels);
}

}  // namespace

struct FileStreamer::Resampler {
    Resampler(int channels, double ratio) : ratio(ratio) {
        int error = 0;
        state = src_new(SRC_SINC_MEDIUM_QUALITY, channels, &error);
        if (!state) throw std::runtime_error(std::string("resampler: ") + src_strerror(error));
    }
    ~Resampler() { src_delete(state); }
    SRC_STATE* state = nullptr;
    double ratio;
};

FileStreamer::FileStreamer(const std::string& path, double outputRate)
    : m_reader(path),
      m_outputRate(outputRate > 0.0 ? outputRate : m_reader.sampleRate()),
      m_ring(ringSamples(m_outputRate, m_reader.channels())) {
    const auto channels = static_cast<std::size_t>(m_reader.channels());
    m_chunk.resize(kChunkFrames * channels);
    if (m_outputRate != m_reader.sampleRate()) {
        const double ratio = m_outputRate / m_reader.sampleRate();
        m_resampler = std::make_unique<Resampler>(m_reader.channels(), ratio);
        m_resampled.resize((static_cast<std::size_t>(std::ceil(kChunkFrames * ratio)) + 16) *
                           channels);
    }
}

FileStreamer::~FileStreamer() {
    stop();
}

void FileStreamer::start() {
    if (m_thread.joinable() || m_decoded.load()) return;
    // Fill the ring first so that playback starts with a second in hand.
    while (m_ring.writeAvailable() >= m_resampled.size() + m_chunk.size()) {
        if (!decodeSome()) break;
    }
    if (m_failed.load(std::memory_order_acquire)) throw std::runtime_error(m_error);
    if (m_decoded.load(std::memory_order_acquire)) return;
    m_stop.store(false);
    m_thread = std::thread([this] { decodeLoop(); });
}

void FileStreamer::stop() {
    m_stop.store(true, std::memory_order_release);
    if (m_thread.joinable()) m_thread.join();
}

std::string FileStreamer::error() const {
    return m_failed.load(std::memory_order_acquire) ? m_error : std::string();
}

// Decoder side: reads one chunk, resamples it if needed, pushes it. The caller has made sure
// the ring has room for the largest chunk.
bool FileStreamer::decodeSome() noexcept {
    const auto channels = static_cast<std::size_t>(m_reader.channels());
    std::size_t frames = 0;
    try {
        frames = m_reader.read(m_chunk.data(), kChunkFrames);
    } catch (const std::exception& e) {
        m_error = e.what();
        m_failed.store(true, std::memory_order_release);
        frames = 0;
    }
    const bool end = frames == 0;
    const float* out = m_chunk.data();
    std::size_t outFrames = frames;
    if (m_resampler) {
        SRC_DATA data{};
        data.data_in = m_chunk.data();
        data.input_frames = static_cast<long>(frames);
        data.data_out = m_resampled.data();
        data.output_frames = static_cast<long>(m_resampled.size() / channels);
        data.src_ratio = m_resampler->ratio;
        data.end_of_input = end ? 1 : 0;
        // libsamplerate may take fewer input frames than given; feed the rest in turn.
        outFrames = 0;
        do {
            if (src_process(m_resampler->state, &data) != 0) break;
            m_ring.pushFrames(m_resampled.data(), static_cast<std::size_t>(data.output_frames_gen),
                              channels);
            outFrames += static_cast<std::size_t>(data.output_frames_gen);
            data.data_in += data.input_frames_used * static_cast<long>(channels);
            data.input_frames -= data.input_frames_used;
        } while (data.input_frames > 0 || (end && data.output_frames_gen > 0));
    } else {
        m_ring.pushFrames(out, outFrames, channels);
    }
    if (end) m_decoded.store(true, std::memory_order_release);
    return !end;
}

void FileStreamer::decodeLoop() noexcept {
    const std::size_t needed = m_resampled.size() + m_chunk.size();
    while (!m_stop.load(std::memory_order_acquire)) {
        if (m_ring.writeAvailable() < needed) {
            std::this_thread::sleep_for(kIdle);
            continue;
        }
        if (!decodeSome()) break;
    }
}

std::size_t FileStreamer::read(float* interleaved, std::size_t frames) noexcept {
    const auto channels = static_cast<std::size_t>(m_reader.channels());
    const bool decoded = m_decoded.load(std::memory_order_acquire);  // before popping
    const std::size_t got = m_ring.pop(interleaved, frames * channels) / channels;
    if (got < frames && !decoded) m_underruns.fetch_add(frames - got, std::memory_order_relaxed);
    return got;
}

bool FileStreamer::finished() const noexcept {
    return m_decoded.load(std::memory_order_acquire) && m_ring.readAvailable() == 0;
}

}  // namespace autolume::audio
