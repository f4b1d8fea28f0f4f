// Private to src/audio: capture from a JACK client's ports with JACK's own API (see capture.hpp
// for why not through PortAudio).
//
// Thread contract: as AudioSource; the JACK process callback only routes samples through a
// CaptureCallback.
#pragma once

#include <memory>
#include <string>

#include "autolume/audio/audio_source.hpp"
#include "autolume/audio/capture.hpp"

namespace autolume::audio {

inline constexpr const char* kJackCaptureClient = "autolume_capture";

// Captures from the ports of JACK client `client` (a PortAudio JACK device name, e.g. "system")
// on the default server ($JACK_DEFAULT_SERVER). Throws std::runtime_error naming the device.
std::unique_ptr<AudioSource> makeJackCaptureSource(const std::string& client,
                                                   const CaptureOptions& options);

// True when the default JACK server's socket has existed for at least `settledSec`: a reopening
// source waits for that before opening a client, because jackd 1.9.21 can stall a client that
// opens while the server is still starting.
bool jackServerSettled(double settledSec);

}  // namespace autolume::audio
