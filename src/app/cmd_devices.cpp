// `autolume devices`: what the app can listen to.
#include <cstdio>

#include "autolume/audio/capture.hpp"
#include "commands.hpp"

namespace autolume::app {

Command addDevices(CLI::App& app) {
    Command command;
    command.cli = app.add_subcommand("devices", "list audio input devices");
    command.run = [] {
        const auto devices = audio::listCaptureDevices();
        std::printf("audio inputs:\n");
        if (devices.empty())
            std::printf("  (none: `autolume` will play its built-in demo music)\n");
        for (const auto& d : devices)
            std::printf("  %2d %s %s [%s] %d ch, %.0f Hz\n", d.index, d.isDefault ? "*" : " ",
                        d.name.c_str(), d.hostApi.c_str(), d.maxInputChannels, d.defaultSampleRate);
        std::printf("MIDI ports: not built yet\n");
        return 0;
    };
    return command;
}

}  // namespace autolume::app
