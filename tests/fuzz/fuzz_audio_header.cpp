// Fuzz target: an audio file's bytes (WAV, AIFF, FLAC, Ogg, ... headers and a little audio),
// opened through the project's AudioFileReader (libsndfile) from an in-memory file, then read
// to the end in chunks, as `autolume analyze` and the file source do.
//
// Documented errors are fine: std::runtime_error, one line naming the file. Findings: any other
// exception, a sanitizer report, a reader that claims no channels or rate, or returns more
// frames than asked for.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "autolume/audio/audio_file_reader.hpp"
#include "fuzz_support.hpp"

namespace {

using autolume::fuzz::check;

// libsndfile allows up to 1024 channels; 256 frames of those are 1 MiB of floats.
constexpr std::size_t kChunkFrames = 256;
constexpr std::size_t kMaxChannels = 1024;
// Enough to decode past every header; a tiny file claiming hours of audio stops here.
constexpr std::size_t kMaxFrames = 1 << 16;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static autolume::fuzz::MemFile file("fuzz_audio");
    const std::string& path = file.write(data, size);
    static std::vector<float> buffer(kChunkFrames * kMaxChannels);
    try {
        autolume::audio::AudioFileReader reader(path);
        check(reader.channels() >= 1 && static_cast<std::size_t>(reader.channels()) <= kMaxChannels,
              "channel count", std::to_string(reader.channels()));
        check(reader.sampleRate() >= 1.0, "sample rate");
        check(reader.frames() >= 0, "negative length");
        std::size_t total = 0;
        while (total < kMaxFrames) {
            const std::size_t got = reader.read(buffer.data(), kChunkFrames);
            check(got <= kChunkFrames, "read more frames than asked for");
            if (got == 0) break;
            total += got;
        }
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        autolume::fuzz::checkOneLine("AudioFileReader", what);
        check(what.rfind(path + ": ", 0) == 0, "error does not name the file", what);
    } catch (const std::exception& e) {
        autolume::fuzz::undocumented("AudioFileReader", e);
    }
    return 0;
}
