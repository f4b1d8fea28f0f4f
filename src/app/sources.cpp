#include "sources.hpp"

#include <spdlog/spdlog.h>

#include "autolume/audio/capture.hpp"

namespace autolume::app {

OpenedSource openSource(const LiveOptions& options) {
    OpenedSource opened;
    try {
        if (!options.audioFile.empty()) {
            opened.source = audio::makeFileSource(options.audioFile);
        } else if (options.demo) {
            opened.source = audio::makeDemoSource();
        } else if (!options.audioDevice.empty()) {
            opened.source = audio::makeCaptureSource(options.audioDevice);
        } else {
            const auto devices = audio::listCaptureDevices();
            const bool haveDefault =
                std::any_of(devices.begin(), devices.end(), [](auto& d) { return d.isDefault; });
            if (haveDefault) {
                opened.source = audio::makeCaptureSource("");
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
    return opened;
}

}  // namespace autolume::app
