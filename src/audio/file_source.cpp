// Audio files through libsndfile: read whole (mixed to mono) up front, so that playback never
// touches the disk, then pushed into the ring in real time by a paced thread like the demo.
#include <sndfile.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "autolume/audio/audio_source.hpp"
#include "paced_pusher.hpp"

namespace autolume::audio {
namespace {

constexpr std::size_t kLiveBlockFrames = 256;
constexpr sf_count_t kReadChunkFrames = 16384;

struct MonoAudio {
    std::vector<float> samples;
    double sampleRate = 0.0;
    int channels = 0;
};

struct SndfileCloser {
    void operator()(SNDFILE* file) const noexcept { sf_close(file); }
};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw std::runtime_error(path + ": " + what);
}

MonoAudio readMono(const std::string& path) {
    // Say plainly whether the path or the format is wrong: libsndfile's own text can mislead
    // (an unreadable .mp3 is reported as "File does not exist or is not a regular file").
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(status)) fail(path, "cannot open (no such file)");
    if (std::filesystem::is_directory(status)) fail(path, "cannot open (is a directory)");

    SF_INFO info{};
    std::unique_ptr<SNDFILE, SndfileCloser> file(sf_open(path.c_str(), SFM_READ, &info));
    if (!file) {
        const int code = sf_error(nullptr);
        if (code == SF_ERR_SYSTEM || code == SF_ERR_MALFORMED_FILE ||
            code == SF_ERR_UNSUPPORTED_ENCODING) {
            fail(path, std::string("cannot open (") + sf_strerror(nullptr) + ")");
        }
        fail(path,
             "cannot open (not an audio format libsndfile reads: WAV, AIFF, FLAC, "
             "Ogg Vorbis, Opus or MP3)");
    }
    if (info.channels < 1 || info.samplerate < 1) {
        fail(path, "has no audio channels or no sample rate");
    }

    MonoAudio audio;
    audio.sampleRate = static_cast<double>(info.samplerate);
    audio.channels = info.channels;
    if (info.frames > 0) audio.samples.reserve(static_cast<std::size_t>(info.frames));

    // Read in chunks until the end rather than trusting info.frames, which some compressed
    // formats only estimate.
    const auto channels = static_cast<std::size_t>(info.channels);
    std::vector<float> interleaved(static_cast<std::size_t>(kReadChunkFrames) * channels);
    const float scale = 1.0f / static_cast<float>(channels);
    for (;;) {
        const sf_count_t got = sf_readf_float(file.get(), interleaved.data(), kReadChunkFrames);
        if (got <= 0) break;
        for (sf_count_t f = 0; f < got; ++f) {
            const float* frame = interleaved.data() + static_cast<std::size_t>(f) * channels;
            float sum = 0.0f;
            for (std::size_t c = 0; c < channels; ++c) sum += frame[c];
            audio.samples.push_back(sum * scale);
        }
    }
    if (sf_error(file.get()) != SF_ERR_NO_ERROR) {
        fail(path, std::string("read error (") + sf_strerror(file.get()) + ")");
    }
    return audio;
}

class FileSource final : public AudioSource {
  public:
    FileSource(const std::string& path, MonoAudio audio)
        : m_info{"file", path, audio.sampleRate, audio.channels},
          m_samples(std::move(audio.samples)),
          m_pusher(m_info.sampleRate, kLiveBlockFrames,
                   [this](float* out, std::size_t frames) { return copyNext(out, frames); }) {}

    // Playback resumes where stop() left it; a finished file stays finished.
    bool start(SampleRing& ring) override {
        if (!m_pusher.start(ring)) {
            m_error = m_info.name + ": already playing";
            return false;
        }
        m_error.clear();
        return true;
    }
    void stop() override { m_pusher.stop(); }
    const SourceInfo& info() const override { return m_info; }
    std::string error() const override { return m_error; }
    std::uint64_t overruns() const override { return m_pusher.overruns(); }
    bool finished() const override { return m_pusher.finished(); }

  private:
    // Pusher thread only.
    std::size_t copyNext(float* out, std::size_t frames) noexcept {
        const std::size_t n = std::min(frames, m_samples.size() - m_position);
        std::copy_n(m_samples.data() + m_position, n, out);
        m_position += n;
        return n;
    }

    SourceInfo m_info;
    std::string m_error;
    const std::vector<float> m_samples;
    std::size_t m_position = 0;  // pusher thread while running; start()/stop() order the hand-over
    PacedPusher m_pusher;        // last: destroyed (joined) first
};

}  // namespace

std::vector<float> readAudioFileMono(const std::string& path, double* sampleRate) {
    MonoAudio audio = readMono(path);
    if (sampleRate) *sampleRate = audio.sampleRate;
    return std::move(audio.samples);
}

std::unique_ptr<AudioSource> makeFileSource(const std::string& path) {
    MonoAudio audio = readMono(path);
    if (audio.samples.empty()) fail(path, "contains no audio samples");
    return std::make_unique<FileSource>(path, std::move(audio));
}

}  // namespace autolume::audio
