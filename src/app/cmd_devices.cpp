// `autolume devices`: what the app can listen to (audio inputs), play files on (audio outputs),
// play with (MIDI ports) and show on (monitors).
#include <cstdio>

#include "autolume/audio/capture.hpp"
#include "autolume/audio/playback.hpp"
#include "autolume/midi/midi_device.hpp"
#include "commands.hpp"
#ifdef AUTOLUME_HAS_RENDER
#include "autolume/render/monitors.hpp"
#endif

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

void printAudioOutputs() {
    const auto devices = audio::listOutputDevices();
    std::printf("audio outputs (--audio-output):\n");
    if (devices.empty()) std::printf("  (none: a file is analysed without being heard)\n");
    for (const auto& d : devices)
        std::printf("  %2d %s %s [%s] %d ch, %.0f Hz\n", d.index, d.isDefault ? "*" : " ",
                    d.name.c_str(), d.hostApi.c_str(), d.maxOutputChannels, d.defaultSampleRate);
}

// One line per monitor, "*" marking the primary; or one line saying why there are none.
void printMonitors() {
#ifdef AUTOLUME_HAS_RENDER
    const render::MonitorQuery query = render::queryMonitorsOnce();
    if (!query.error.empty()) {
        std::printf("monitors: no display (%s)\n", query.error.c_str());
        return;
    }
    std::printf("monitors (--output-monitor):\n");
    if (query.monitors.empty()) std::printf("  (none)\n");
    for (const render::MonitorInfo& m : query.monitors) {
        std::printf("  %2d %s %s %dx%d at %+d%+d", m.index, m.primary ? "*" : " ", m.name.c_str(),
                    m.width, m.height, m.x, m.y);
        if (m.refreshHz > 0)
            std::printf(", %d Hz\n", m.refreshHz);
        else
            std::printf(", refresh unknown\n");
    }
#else
    std::printf("monitors: not in this build (AUTOLUME_BUILD_APP=OFF)\n");
#endif
}

}  // namespace

Command addDevices(CLI::App& app) {
    Command command;
    command.cli =
        app.add_subcommand("devices", "list audio inputs and outputs, MIDI ports and monitors");
    command.run = [] {
        const auto devices = audio::listCaptureDevices();
        std::printf("audio inputs:\n");
        if (devices.empty())
            std::printf("  (none: `autolume` will play its built-in demo music)\n");
        for (const auto& d : devices)
            std::printf("  %2d %s %s [%s] %d ch, %.0f Hz\n", d.index, d.isDefault ? "*" : " ",
                        d.name.c_str(), d.hostApi.c_str(), d.maxInputChannels, d.defaultSampleRate);
        printAudioOutputs();
        printMidiPorts();
        printMonitors();
        return 0;
    };
    return command;
}

}  // namespace autolume::app
