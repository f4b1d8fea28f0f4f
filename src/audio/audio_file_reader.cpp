// libsndfile behind AudioFileReader; see audio_file_reader.hpp.
#include "autolume/audio/audio_file_reader.hpp"

#include <sndfile.h>

#include <filesystem>
#include <stdexcept>

namespace autolume::audio {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw std::runtime_error(path + ": " + what);
}

}  // namespace

void AudioFileReader::Closer::operator()(void* file) const noexcept {
    sf_close(static_cast<SNDFILE*>(file));
}

AudioFileReader::AudioFileReader(const std::string& path) : m_path(path) {
    // Say plainly whether the path or the format is wrong: libsndfile's own text can mislead
    // (an unreadable .mp3 is reported as "File does not exist or is not a regular file").
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(status)) fail(path, "cannot open (no such file)");
    if (std::filesystem::is_directory(status)) fail(path, "cannot open (is a directory)");

    SF_INFO info{};
    m_file.reset(sf_open(path.c_str(), SFM_READ, &info));
    if (!m_file) {
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
    m_sampleRate = static_cast<double>(info.samplerate);
    m_channels = info.channels;
    m_frames = info.frames > 0 ? static_cast<std::int64_t>(info.frames) : 0;
}

AudioFileReader::~AudioFileReader() = default;

std::size_t AudioFileReader::read(float* interleaved, std::size_t frames) {
    auto* file = static_cast<SNDFILE*>(m_file.get());
    const sf_count_t got = sf_readf_float(file, interleaved, static_cast<sf_count_t>(frames));
    if (got <= 0) {
        if (sf_error(file) != SF_ERR_NO_ERROR) {
            fail(m_path, std::string("read error (") + sf_strerror(file) + ")");
        }
        return 0;
    }
    return static_cast<std::size_t>(got);
}

}  // namespace autolume::audio
