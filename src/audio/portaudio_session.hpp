// Private to src/audio: PortAudio's life cycle and device lookup, shared by capture and
// playback.
//
// Without a sound card ALSA and JACK print dozens of lines while PortAudio probes them. Their
// message handlers are silenced for as long as PortAudio is initialized (the previous handlers
// come back afterwards); our own errors still say what failed, naming the device.
//
// Thread contract: sessions may be made and dropped from any non-real-time thread (a mutex
// serializes Pa_Initialize/Pa_Terminate); the lookup functions need a live session.
#pragma once

#include <portaudio.h>

#include <string>
#include <vector>

namespace autolume::audio {

// Reference-counted Pa_Initialize/Pa_Terminate. PortAudio enumerates devices only when it
// initializes, so device lists are as fresh as the oldest living session.
class PortAudioSession {
  public:
    PortAudioSession();  // throws std::runtime_error if PortAudio cannot initialize
    ~PortAudioSession();
    PortAudioSession(const PortAudioSession&) = delete;
    PortAudioSession& operator=(const PortAudioSession&) = delete;
};

// The JACK client name PortAudio registers (its ports become "autolume:in_1", "autolume:out_1").
inline constexpr const char* kPortAudioJackClient = "autolume";

struct PaDevice {
    PaDeviceIndex index = paNoDevice;
    std::string name;
    std::string hostApi;
    bool isJack = false;
    int maxInputChannels = 0;
    int maxOutputChannels = 0;
    double defaultSampleRate = 0.0;
    bool isDefaultInput = false;
    bool isDefaultOutput = false;
};

std::string paErrorText(PaError err);
std::vector<PaDevice> enumerateDevices();

// Finds an input (or output) by index, exact name, or first case-insensitive substring; empty
// means the default one. Throws std::runtime_error with one line naming `device` and listing
// what is available.
PaDevice resolveDevice(const std::string& device, bool input);

}  // namespace autolume::audio
