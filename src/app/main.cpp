// autolume: one binary, subcommands (docs/ARCHITECTURE.md). Wiring only.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>

#include "autolume/audio/capture.hpp"
#include "options.hpp"

namespace {

using autolume::app::LiveOptions;

void addLiveOptions(CLI::App& app, LiveOptions& o) {
    app.add_option("-m,--model", o.model, "TorchScript model (.pt); default: the shipped model");
    auto* device = app.add_option("--audio-device", o.audioDevice,
                                  "capture device: name (or part of it) or index, see `devices`");
    auto* file = app.add_option("--audio-file", o.audioFile, "play and analyse an audio file");
    auto* demo = app.add_flag("--demo", o.demo, "use the built-in demo music");
    device->excludes(file)->excludes(demo);
    file->excludes(demo);
    app.add_option("--midi", o.midiPort, "MIDI input port (not built yet)");
    app.add_option("--output-monitor", o.outputMonitor, "fullscreen on this monitor index");
    app.add_flag("--fullscreen", o.fullscreen, "start fullscreen (F toggles)");
    app.add_option("--size", o.width, "window width")->check(CLI::Range(64, 16384));
    app.add_option("--height", o.height, "window height")->check(CLI::Range(64, 16384));
    app.add_option("--seed", o.seed, "seed of the latent walk");
    app.add_option("--threads", o.threads, "CPU inference threads (0: automatic)")
        ->check(CLI::Range(0, 256));
    app.add_option("--duration", o.durationSec, "quit after this many seconds")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--screenshot-dir", o.screenshotDir, "write PNG screenshots of the output here");
    app.add_option("--screenshot-interval", o.screenshotIntervalSec, "seconds between screenshots")
        ->check(CLI::PositiveNumber);
    app.add_option("--stats", o.statsFile, "write per-frame timings (CSV) to this file");
    app.add_option("--shader-dir", o.shaderDir, "folder with frame.vert and frame.frag");
}

// Subcommands of the design that later work will build: they say so and exit 2 (usage).
void addPlanned(CLI::App& app, const char* name, const char* what, bool& chosen) {
    auto* sub = app.add_subcommand(name, std::string(what) + " (not built yet)");
    sub->allow_extras();
    sub->callback([&chosen] { chosen = true; });
}

int listDevices() {
    const auto devices = autolume::audio::listCaptureDevices();
    std::printf("audio inputs:\n");
    if (devices.empty()) std::printf("  (none: `autolume` will play its built-in demo music)\n");
    for (const auto& d : devices)
        std::printf("  %2d %s %s [%s] %d ch, %.0f Hz\n", d.index, d.isDefault ? "*" : " ",
                    d.name.c_str(), d.hostApi.c_str(), d.maxInputChannels, d.defaultSampleRate);
    std::printf("MIDI ports: not built yet\n");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    spdlog::set_pattern("autolume: %^%l%$: %v");
    spdlog::set_level(spdlog::level::info);

    CLI::App app{"autolume: live music to GAN visuals. Without a subcommand: live mode."};
    app.set_version_flag("--version", "autolume 0.1.0");
    app.require_subcommand(0, 1);
    LiveOptions live;
    addLiveOptions(app, live);
    auto* liveCmd = app.add_subcommand("live", "live mode (the default): audio in, visuals out");
    addLiveOptions(*liveCmd, live);
    auto* devicesCmd = app.add_subcommand("devices", "list audio input devices");

    bool planned = false;
    addPlanned(app, "convert", "convert an official StyleGAN2-ADA pickle: convert IN.pkl OUT.pt",
               planned);
    addPlanned(app, "generate", "stills from seeds: generate -m M --seeds 0-7 --outdir D", planned);
    addPlanned(app, "analyze", "feature dump per hop: analyze AUDIO -o features.csv", planned);
    addPlanned(app, "render", "offline music video: render AUDIO -m M -o video.mp4", planned);
    addPlanned(app, "bench", "per-stage timings: bench [-m M]", planned);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    if (planned) {
        const std::string name = app.get_subcommands().front()->get_name();
        std::fprintf(stderr, "autolume: '%s' is not built yet in this version\n", name.c_str());
        return 2;
    }
    if (devicesCmd->parsed()) return listDevices();
    return autolume::app::runLive(live);
}
