// Audio files played in real time without a sound card: a FileStreamer decodes ahead, and a
// paced thread (like the demo's) routes the file's channels (mixed, or as stems) into the ring
// at the rate a sound card would. Also the whole-file mono reader for offline use.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "autolume/audio/audio_file_reader.hpp"
#include "autolume/audio/audio_source.hpp"
#include "autolume/audio/channel_router.hpp"
#include "file_streamer.hpp"
#include "paced_pusher.hpp"

namespace autolume::audio {
namespace {

constexpr std::size_t kLiveBlockFrames = 256;
constexpr std::size_t kReadChunkFrames = 16384;

class FileSource final : public AudioSource {
  public:
    FileSource(const std::string& path, const FileSourceOptions& options)
        : m_streamer(path),
          m_router(m_streamer.channels(), options.channels, m_streamer.channels()),
          m_fileBlock(kLiveBlockFrames * static_cast<std::size_t>(m_streamer.channels())),
          m_pusher(
              m_streamer.sampleRate(), kLiveBlockFrames,
              [this](float* out, std::size_t frames) { return render(out, frames); },
              m_router.outputChannels()) {
        m_info.kind = "file";
        m_info.name = path;
        m_info.sampleRate = m_streamer.sampleRate();
        m_info.channels = m_streamer.channels();
        m_info.ringChannels = m_router.outputChannels();
        m_info.note =
            "analysed in real time but not heard (" +
            (options.whyUnheard.empty() ? std::string("no audio output") : options.whyUnheard) +
            ")";
    }

    // Playback resumes where stop() left it; a finished file stays finished.
    void setRecordTap(RecordTap* tap) override { m_pusher.setTap(tap); }
    bool start(SampleRing& ring) override {
        try {
            m_streamer.start();
        } catch (const std::exception& e) {
            m_error = e.what();
            return false;
        }
        if (!m_pusher.start(ring)) {
            m_error = m_info.name + ": already playing";
            return false;
        }
        m_error.clear();
        return true;
    }
    void stop() override { m_pusher.stop(); }
    const SourceInfo& info() const override { return m_info; }
    std::string error() const override {
        if (!m_error.empty()) return m_error;
        return m_streamer.error();
    }
    std::uint64_t overruns() const override { return m_pusher.overruns(); }
    bool finished() const override { return m_pusher.finished(); }
    std::uint64_t underruns() const override { return m_streamer.underruns(); }

  private:
    // Pusher thread only. A decoder that falls behind (a stalled disk) gives silence, so the
    // stream keeps its timing; the end of the file ends the stream.
    std::size_t render(float* out, std::size_t frames) noexcept {
        const std::size_t got = m_streamer.read(m_fileBlock.data(), frames);
        std::size_t n = got;
        if (got < frames && !m_streamer.finished()) {
            std::fill(m_fileBlock.begin() + static_cast<long>(got * m_streamer.channels()),
                      m_fileBlock.begin() + static_cast<long>(frames * m_streamer.channels()),
                      0.0f);
            n = frames;
        }
        m_router.route(m_fileBlock.data(), n, out);
        return n;
    }

    SourceInfo m_info;
    std::string m_error;
    FileStreamer m_streamer;
    ChannelRouter m_router;
    std::vector<float> m_fileBlock;  // one block of the file's own channels
    PacedPusher m_pusher;            // last: destroyed (joined) first
};

}  // namespace

std::vector<float> readAudioFileMono(const std::string& path, double* sampleRate) {
    AudioFileReader reader(path);
    const auto channels = static_cast<std::size_t>(reader.channels());
    std::vector<float> mono;
    if (reader.frames() > 0) mono.reserve(static_cast<std::size_t>(reader.frames()));
    // Read until the end rather than trusting frames(), which compressed formats only estimate.
    std::vector<float> interleaved(kReadChunkFrames * channels);
    const float scale = 1.0f / static_cast<float>(channels);
    for (;;) {
        const std::size_t got = reader.read(interleaved.data(), kReadChunkFrames);
        if (got == 0) break;
        for (std::size_t f = 0; f < got; ++f) {
            float sum = 0.0f;
            for (std::size_t c = 0; c < channels; ++c) sum += interleaved[f * channels + c];
            mono.push_back(sum * scale);
        }
    }
    if (sampleRate) *sampleRate = reader.sampleRate();
    return mono;
}

std::unique_ptr<AudioSource> makeFileSource(const std::string& path,
                                            const FileSourceOptions& options) {
    try {
        auto source = std::make_unique<FileSource>(path, options);
        return source;
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(path + ": " + e.what());
    }
}

}  // namespace autolume::audio
