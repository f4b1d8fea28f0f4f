// PortAudio capture (live input). Kept out of the headless core: only this part of `audio`
// talks to a sound system, so tests and the GPU build can link the core without one.
//
// Thread contract: everything here is called from the app thread; the PortAudio callback
// only copies (mixing down to mono) into the ring and counts overruns.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "autolume/audio/audio_source.hpp"

namespace autolume::audio {

struct CaptureDevice {
    int index = -1;
    std::string name;
    std::string hostApi;
    int maxInputChannels = 0;
    double defaultSampleRate = 0.0;
    bool isDefault = false;
};

// Input devices PortAudio sees right now (empty if there is no sound system).
std::vector<CaptureDevice> listCaptureDevices();

// Opens an input device. `device` is empty for the default input, an index, or a name
// (exact match first, then case-insensitive substring). sampleRate 0 uses the device's
// default. Throws std::runtime_error with a line naming the device if it cannot be opened.
std::unique_ptr<AudioSource> makeCaptureSource(const std::string& device, double sampleRate = 0.0);

}  // namespace autolume::audio
