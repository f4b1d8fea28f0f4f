// Reads an audio file (anything libsndfile reads: WAV, AIFF, FLAC, Ogg Vorbis, Opus, MP3) in
// chunks of interleaved float frames, so that long files (a DJ set) never sit whole in memory.
//
// Thread contract: one owning thread at a time (a decoder thread, or `autolume analyze`); it
// reads the disk, so never call it from a real-time callback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace autolume::audio {

class AudioFileReader {
  public:
    // Throws std::runtime_error naming the file and what is wrong with it.
    explicit AudioFileReader(const std::string& path);
    ~AudioFileReader();
    AudioFileReader(const AudioFileReader&) = delete;
    AudioFileReader& operator=(const AudioFileReader&) = delete;

    const std::string& path() const noexcept { return m_path; }
    double sampleRate() const noexcept { return m_sampleRate; }
    int channels() const noexcept { return m_channels; }
    // Length as the file's header says (compressed formats may only estimate it).
    std::int64_t frames() const noexcept { return m_frames; }

    // Reads up to `frames` frames of channels() interleaved samples; returns how many were read,
    // 0 at the end. Throws std::runtime_error naming the file on a read error.
    std::size_t read(float* interleaved, std::size_t frames);

  private:
    struct Closer {
        void operator()(void* file) const noexcept;
    };
    std::string m_path;
    std::unique_ptr<void, Closer> m_file;  // SNDFILE*
    double m_sampleRate = 0.0;
    int m_channels = 0;
    std::int64_t m_frames = 0;
};

}  // namespace autolume::audio
