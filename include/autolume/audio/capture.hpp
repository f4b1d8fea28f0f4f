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

// Input devices PortAudio sees (empty if there is no sound system). PortAudio enumerates when it
// initializes, so while a capture source is open this list is as old as that source.
std::vector<CaptureDevice> listCaptureDevices();

// Opens an input device. `device` is empty for the default input, an index, or a name
// (exact match first, then the first case-insensitive substring match). sampleRate 0 uses the
// device's default (under JACK: the server's rate). Throws std::runtime_error with one line
// naming the device and listing the available inputs if it cannot be opened.
//
// The source captures the device's first two channels and averages them to mono. Under JACK,
// PortAudio's client is named "autolume" (ports "autolume:in_1", "autolume:in_2") and is
// connected to the device's ports on start(). failed() turns true when callbacks stop (device
// unplugged, sound server quit). Reopening when the device returns is the app's job; note that
// PortAudio 19.6 cannot close a JACK stream whose server went away, so such a source is left
// behind on destruction and PortAudio stays initialized for the rest of the process.
std::unique_ptr<AudioSource> makeCaptureSource(const std::string& device, double sampleRate = 0.0);

}  // namespace autolume::audio
