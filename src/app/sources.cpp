// The live audio source from the options: a file is played on the default output and analysed
// as it is heard (or, without an output, analysed in real time unheard); a capture device is
// reopened by a supervisor when it goes away and comes back. Anything that cannot be used falls
// back to the demo music with a one-line reason.
#include "sources.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "autolume/audio/capture.hpp"
#include "autolume/audio/channel_router.hpp"
#include "autolume/audio/playback.hpp"

namespace autolume::app {

OpenedSource openSource(const LiveOptions& options) {
    OpenedSource opened;
    try {
        // The live engine analyses one mono signal: the chosen channels are mixed down.
        const audio::ChannelSelection channels =
            options.audioChannels.empty() ? audio::ChannelSelection{}
                                          : audio::parseChannelList(options.audioChannels);
        if (!options.audioFile.empty()) {
            audio::PlaybackOptions playback;
            playback.outputDevice = options.audioOutput;
            playback.channels = channels;
            opened.source = audio::makePlaybackSource(options.audioFile, playback);
        } else if (options.demo) {
            opened.source = audio::makeDemoSource();
        } else if (!options.audioDevice.empty()) {
            audio::CaptureOptions capture;
            capture.device = options.audioDevice;
            capture.channels = channels;
            opened.source = audio::makeReopeningCaptureSource(capture);
        } else {
            const auto devices = audio::listCaptureDevices();
            const bool haveDefault =
                std::any_of(devices.begin(), devices.end(), [](auto& d) { return d.isDefault; });
            if (haveDefault) {
                audio::CaptureOptions capture;
                capture.channels = channels;
                opened.source = audio::makeReopeningCaptureSource(capture);
            } else {
                spdlog::info("no audio input device found; playing the built-in demo music");
                opened.source = audio::makeDemoSource();
            }
        }
    } catch (const std::exception& e) {
        spdlog::error("{}; playing the built-in demo music instead", e.what());
        opened.error = e.what();
        opened.source = audio::makeDemoSource();
    }
    const audio::SourceInfo& info = opened.source->info();
    spdlog::info("audio source: {} '{}' ({} Hz, {} channel{})", info.kind, info.name,
                 info.sampleRate, info.channels, info.channels == 1 ? "" : "s");
    if (!info.note.empty()) spdlog::info("audio source: {}", info.note);
    return opened;
}

}  // namespace autolume::app
