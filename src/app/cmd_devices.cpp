// `autolume devices`: what the app can listen to (audio inputs) and play with (MIDI ports).
#include <cstdio>

#include "autolume/audio/capture.hpp"
#include "autolume/midi/midi_device.hpp"
#include "commands.hpp"

namespace autolume::app {

namespace {

void printMidiPorts() {
    const midi::MidiPorts ports = midi::listPorts();
    if (!ports.available) {
        std::printf("MIDI off: %s\n", ports.reason.c_str());
        return;
    }
    auto list = [](const char* title, const char* api, const std::vector<std::string>& names) {
        std::printf("%s (%s):\n", title, api);
        if (names.empty()) std::printf("  (none)\n");
        for (const std::string& name : names) std::printf("  %s\n", name.c_str());
    };
    list("MIDI inputs (controllers)", ports.api.c_str(), ports.inputs);
    list("MIDI outputs (controller LEDs)", ports.api.c_str(), ports.outputs);
}

}  // namespace

Command addDevices(CLI::App& app) {
    Command command;
    command.cli = app.add_subcommand("devices", "list audio input devices and MIDI ports");
    command.run = [] {
        const auto devices = audio::listCaptureDevices();
        std::printf("audio inputs:\n");
        if (devices.empty())
            std::printf("  (none: `autolume` will play its built-in demo music)\n");
        for (const auto& d : devices)
            std::printf("  %2d %s %s [%s] %d ch, %.0f Hz\n", d.index, d.isDefault ? "*" : " ",
                        d.name.c_str(), d.hostApi.c_str(), d.maxInputChannels, d.defaultSampleRate);
        printMidiPorts();
        return 0;
    };
    return command;
}

}  // namespace autolume::app
