// Audio sources: where live samples come from. Every source delivers float samples into a
// SampleRing from its own real-time thread or callback: mono (the selected channels mixed down,
// the default) or, in stems mode, one sample per selected channel per frame, interleaved
// (SourceInfo::ringChannels says which).
//
// Thread contract: start()/stop()/info() are called from the app thread. The source's
// producer (PortAudio callback or the source's own paced thread) is the ring's only writer:
// it copies, counts overruns, and never allocates, locks, logs or throws.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "autolume/audio/channel_router.hpp"
#include "autolume/audio/record_tap.hpp"
#include "autolume/audio/spsc_ring.hpp"

namespace autolume::audio {

struct SourceInfo {
    std::string kind;               // "capture", "file" or "demo"
    std::string name;               // device name, file path or "demo"
    double sampleRate = 0.0;        // of the samples in the ring
    int channels = 0;               // channels of the device or file before routing
    int ringChannels = 1;           // samples per frame in the ring: 1 (mixed), or one per stem
    std::string output;             // file playback: the output device it is heard on, else empty
    double outputLatencySec = 0.0;  // file playback: from reaching the ring to being heard
    std::string note;               // one line for the log about how the source runs
};

class AudioSource {
  public:
    virtual ~AudioSource() = default;

    // Starts delivering samples into `ring` (which must outlive the source's running time).
    // Returns false with a one-line reason in error() if the source could not start.
    virtual bool start(SampleRing& ring) = 0;
    virtual void stop() = 0;
    // The producer also pushes what is heard (file playback) or captured into `tap`, for
    // recordings and streams. Call before start(); the tap must outlive the running time.
    virtual void setRecordTap(RecordTap* tap) = 0;
    virtual const SourceInfo& info() const = 0;
    virtual std::string error() const = 0;

    // Samples dropped because the ring was full (the consumer stalled). Any thread.
    virtual std::uint64_t overruns() const = 0;
    // True once a finite source (a file) has delivered its last sample. Any thread.
    virtual bool finished() const { return false; }
    // Frames a file source had to fill with silence because its decoder fell behind. Any thread.
    virtual std::uint64_t underruns() const { return 0; }
    // True while a started source has stopped delivering on its own: the capture device
    // vanished, its sound server quit, or its callbacks stalled. error() says which. Any thread.
    // makeReopeningCaptureSource() (capture.hpp) reopens the device when it returns.
    virtual bool failed() const { return false; }
};

// Built-in synthesized music: a clear four-on-the-floor beat, hats, bass and changing chords
// (C, Am, F, G, one per bar at 120 BPM), paced in real time by its own thread.
std::unique_ptr<AudioSource> makeDemoSource(double sampleRate = 48000.0);

// Renders `seconds` of the demo music into memory (tests, benchmarks, offline analysis).
std::vector<float> renderDemo(double sampleRate, double seconds);

struct FileSourceOptions {
    ChannelSelection channels;  // default: all of the file's channels, mixed
    std::string whyUnheard;     // for SourceInfo::note: why the file is not played out
};

// An audio file (anything libsndfile reads: WAV, FLAC, OGG, MP3...) delivered in real time by a
// paced thread, without being heard; decoded from disk about a second ahead, so long files do
// not sit in memory. makePlaybackSource() (playback.hpp) also plays it on an output device.
// Throws std::runtime_error naming the file if it cannot be read or the channels do not exist.
std::unique_ptr<AudioSource> makeFileSource(const std::string& path,
                                            const FileSourceOptions& options = {});

// Reads a whole audio file as mono float samples. Throws std::runtime_error naming the file.
std::vector<float> readAudioFileMono(const std::string& path, double* sampleRate);

}  // namespace autolume::audio
