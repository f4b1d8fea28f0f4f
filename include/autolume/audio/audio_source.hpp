// Audio sources: where live samples come from. Every source delivers mono float samples
// (channels mixed down) into a SampleRing from its own real-time thread or callback.
//
// Thread contract: start()/stop()/info() are called from the app thread. The source's
// producer (PortAudio callback or the source's own paced thread) is the ring's only writer:
// it copies, counts overruns, and never allocates, locks, logs or throws.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "autolume/audio/spsc_ring.hpp"

namespace autolume::audio {

struct SourceInfo {
    std::string kind;  // "capture", "file" or "demo"
    std::string name;  // device name, file path or "demo"
    double sampleRate = 0.0;
    int channels = 0;  // channels of the device or file before mixdown
};

class AudioSource {
  public:
    virtual ~AudioSource() = default;

    // Starts delivering samples into `ring` (which must outlive the source's running time).
    // Returns false with a one-line reason in error() if the source could not start.
    virtual bool start(SampleRing& ring) = 0;
    virtual void stop() = 0;
    virtual const SourceInfo& info() const = 0;
    virtual std::string error() const = 0;

    // Samples dropped because the ring was full (the consumer stalled). Any thread.
    virtual std::uint64_t overruns() const = 0;
    // True once a finite source (a file) has delivered its last sample. Any thread.
    virtual bool finished() const { return false; }
    // True while a started source has stopped delivering on its own: the capture device
    // vanished, its sound server quit, or its callbacks stalled. error() says which. Any thread.
    // (Reopening the device when it returns is the app's job; see capture.hpp.)
    virtual bool failed() const { return false; }
};

// Built-in synthesized music: a clear four-on-the-floor beat, hats, bass and changing chords
// (C, Am, F, G, one per bar at 120 BPM), paced in real time by its own thread.
std::unique_ptr<AudioSource> makeDemoSource(double sampleRate = 48000.0);

// Renders `seconds` of the demo music into memory (tests, benchmarks, offline analysis).
std::vector<float> renderDemo(double sampleRate, double seconds);

// An audio file (anything libsndfile reads: WAV, FLAC, OGG, MP3...), played in real time.
// Throws std::runtime_error naming the file if it cannot be read.
std::unique_ptr<AudioSource> makeFileSource(const std::string& path);

// Reads a whole audio file as mono float samples. Throws std::runtime_error naming the file.
std::vector<float> readAudioFileMono(const std::string& path, double* sampleRate);

}  // namespace autolume::audio
