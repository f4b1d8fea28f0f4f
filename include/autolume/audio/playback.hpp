// File playback on an output device, analysed in sync: one PortAudio output stream whose
// callback sends the same frames to the output and to the analysis ring, so that what is
// analysed is what is heard (SourceInfo::outputLatencySec later). Without a usable output (no
// sound card, as on a build machine) the file is analysed in real time by a paced thread
// instead, not heard, and SourceInfo::note says so.
//
// Thread contract: as AudioSource (app thread); the output callback copies from memory that a
// decoder thread fills ahead, routes into the ring and counts: no disk, allocation, lock, log
// or exception on it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "autolume/audio/audio_source.hpp"
#include "autolume/audio/channel_router.hpp"

namespace autolume::audio {

struct OutputDevice {
    int index = -1;
    std::string name;
    std::string hostApi;
    int maxOutputChannels = 0;
    double defaultSampleRate = 0.0;
    bool isDefault = false;
};

// Output devices PortAudio sees (empty if there is no sound system).
std::vector<OutputDevice> listOutputDevices();

struct PlaybackOptions {
    std::string outputDevice;    // empty: the default output; an index; or a name (as capture)
    ChannelSelection channels;   // what the analysis hears (default: all channels, mixed); the
                                 // output plays the file's first two channels
    bool requireOutput = false;  // throw instead of falling back to unheard analysis
};

// Plays and analyses `path`. A file that cannot be read throws std::runtime_error naming it;
// an output that cannot be opened falls back (see above) unless requireOutput, when it throws
// naming the device. A file whose rate the output cannot run at is resampled to the output's
// rate (libsamplerate, in the decoder thread); SourceInfo::sampleRate is then the output's.
std::unique_ptr<AudioSource> makePlaybackSource(const std::string& path,
                                                const PlaybackOptions& options = {});

}  // namespace autolume::audio
