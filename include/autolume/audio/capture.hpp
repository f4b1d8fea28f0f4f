// Live capture (PortAudio devices, and JACK natively). Kept out of the headless core: only
// this part of `audio` talks to a sound system, so tests and the GPU build can link the core
// without one.
//
// Thread contract: everything here is called from the app thread (a reopening source also
// works from its own supervisor thread); the audio callbacks only route samples into the ring
// and count overruns.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "autolume/audio/audio_source.hpp"
#include "autolume/audio/channel_router.hpp"

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
// initializes, so while a PortAudio stream is open this list is as old as that stream.
std::vector<CaptureDevice> listCaptureDevices();

struct CaptureOptions {
    std::string device;         // empty: the default input; an index; or a name (exact match
                                // first, then the first case-insensitive substring match)
    double sampleRate = 0.0;    // 0: the device's default (under JACK: the server's rate)
    ChannelSelection channels;  // default: the device's first two channels, mixed to mono
};

// Opens an input device. Throws std::runtime_error with one line naming the device (and listing
// the available inputs) if it cannot be opened, or naming a selected channel it does not have.
//
// Devices of PortAudio's JACK host API are captured with JACK directly: a client named
// "autolume_capture" with one input port per captured channel ("autolume_capture:in_1", ...),
// connected to the device's ports on start(). PortAudio 19.6 cannot let go of a JACK stream
// whose server went away (stopping waits 10 minutes, closing or Pa_Terminate fails an assert),
// which made a JACK device impossible to reopen in the same process; a plain JACK client can be
// closed after its server died and opened again when it returns.
//
// failed() turns true when callbacks stop (device unplugged, sound server quit).
std::unique_ptr<AudioSource> makeCaptureSource(const CaptureOptions& options);
std::unique_ptr<AudioSource> makeCaptureSource(const std::string& device, double sampleRate = 0.0);

struct ReopenOptions {
    double pollSec = 0.1;   // how often the supervisor looks at the device
    double retrySec = 1.0;  // how often it tries to open it again while it is gone
};

// A capture source that survives its device: a supervisor thread watches failed(); when the
// device goes away it closes it, plays silence into the ring in real time (so the features
// decay to rest instead of freezing), and tries to open the same device (same name, channels
// and rate) again every retrySec until it returns, then resumes capture into the same ring.
// While the device is gone failed() is true and error() says so; reopenCount() counts returns.
// Throws like makeCaptureSource() if the device cannot be opened the first time.
class ReopeningSource : public AudioSource {
  public:
    virtual std::uint64_t reopenCount() const = 0;
};
std::unique_ptr<ReopeningSource> makeReopeningCaptureSource(const CaptureOptions& options,
                                                            const ReopenOptions& reopen = {});

}  // namespace autolume::audio
