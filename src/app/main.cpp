// autolume: one binary, subcommands (docs/ARCHITECTURE.md). Wiring only.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <sstream>
#include <vector>

#include "commands.hpp"
#include "options.hpp"

namespace {

using autolume::app::LiveOptions;

void addLiveOptions(CLI::App& app, LiveOptions& o) {
    app.add_option("-m,--model", o.model, "TorchScript model (.pt); default: the shipped model");
    auto* device = app.add_option("--audio-device", o.audioDevice,
                                  "capture device: name (or part of it) or index, see `devices`");
    auto* file = app.add_option("--audio-file", o.audioFile, "play and analyse an audio file");
    auto* demo = app.add_flag("--demo", o.demo, "use the built-in demo music");
    app.add_option("--audio-channels", o.audioChannels,
                   "input or file channels to analyse, 1-based: \"1,2\", \"3-4\" (mixed down)");
    app.add_option("--audio-output", o.audioOutput, "output device a file plays on");
    device->excludes(file)->excludes(demo);
    file->excludes(demo);
    app.add_option("--midi", o.midiPort,
                   "MIDI controller port (name or part of it, see `devices`; \"virtual\": "
                   "ports for others to connect to)");
    app.add_option("--midi-profile", o.midiProfile,
                   "MIDI profile: a .json file or a shipped name (korg_nanokontrol2, "
                   "akai_apc_mini, generic); default: chosen by the port's name");
    app.add_option("--presets", o.presetsDir,
                   "preset folder root (default ~/.local/share/autolume/presets)");
    app.add_option("--params", o.paramsFile,
                   "parameter file: read at start if present, saved while it changes and at exit");
    app.add_option("--autosave", o.autosaveSec,
                   "seconds between saves of the --params file while values change (0: at exit)")
        ->check(CLI::Range(0.0, 86400.0));
    app.add_option("--keyframes", o.keyframes,
                   "keyframes: seeds and preset slots, e.g. \"3,7,p2\" (sets keyframes.mix 1)");
    app.add_option("--keyframe-timing", o.keyframeTiming, "free (onsets), beat or bar")
        ->check(CLI::IsMember({"free", "beat", "bar"}));
    app.add_option("--transition", o.transition, "keyframe transition: linear or exp")
        ->check(CLI::IsMember({"linear", "exp"}));
    app.add_option("--output-monitor", o.outputMonitor,
                   "the output fullscreen on this monitor (autolume devices lists them; "
                   "default: the second monitor when there are two)")
        ->group("Stage");
    app.add_flag("--fullscreen", o.fullscreen, "start the output fullscreen (F toggles)")
        ->group("Stage");
    app.add_option("--windows", o.windows,
                   "auto (output and control windows with two monitors), 1 (one window, the "
                   "panel as an overlay, Tab hides it) or 2")
        ->check(CLI::IsMember({"auto", "1", "2"}))
        ->group("Stage");
    app.add_option("--fit", o.fit,
                   "how the picture fills the output: fill (crop), fit "
                   "(letterbox), stretch or tile (mirrored)")
        ->check(CLI::IsMember({"fill", "fit", "stretch", "tile"}))
        ->group("Stage");
    app.add_option_function<std::string>(
           "--output-size",
           [&o](const std::string& size) {
               if (std::sscanf(size.c_str(), "%dx%d", &o.canvasWidth, &o.canvasHeight) != 2 ||
                   o.canvasWidth < 16 || o.canvasHeight < 16 || o.canvasWidth > 16384 ||
                   o.canvasHeight > 16384)
                   throw CLI::ValidationError("--output-size",
                                              "'" + size + "' is not WxH (e.g. 1920x1080)");
           },
           "output resolution WxH, independent of the model's (default: the window's)")
        ->group("Stage");
    app.add_option("--post-dir", o.postDir,
                   "folder of user post stages (*.frag, hot reloaded; default shaders/post/user)")
        ->group("Stage");
    app.add_option("--size", o.width, "output window width")->check(CLI::Range(64, 16384));
    app.add_option("--height", o.height, "output window height")->check(CLI::Range(64, 16384));
    app.add_option("--seed", o.seed, "seed of the latent walk");
    app.add_option("--threads", o.threads, "CPU inference threads (0: automatic)")
        ->check(CLI::Range(0, 256));
    app.add_option("--max-fps", o.maxFps,
                   "generate at most this many frames per second, to spare the CPU "
                   "(default 0: one frame per audio hop, the lowest latency)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--duration", o.durationSec, "quit after this many seconds")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--screenshot-dir", o.screenshotDir, "write PNG screenshots of the output here");
    app.add_option("--screenshot-interval", o.screenshotIntervalSec, "seconds between screenshots")
        ->check(CLI::PositiveNumber);
    app.add_option("--record", o.recordFile,
                   "record the output and the audio from the start into this file (Matroska: "
                   "playable up to the last second after a crash; .mp4: fragmented MP4); "
                   "R or the panel's Record button starts and stops recordings")
        ->group("Recording and streaming");
    app.add_option("--stream", o.streamUrl,
                   "send the output with audio to this URL: udp://HOST:PORT or srt://... "
                   "(MPEG-TS), rtmp://... (FLV); low-latency H.264 + AAC")
        ->group("Recording and streaming");
    app.add_option("--v4l2", o.v4l2Device,
                   "write the output to a v4l2loopback device (/dev/videoN) that other "
                   "programs open as a camera")
        ->group("Recording and streaming");
    app.add_option("--record-fps", o.recordFps, "frames per second of --record/--stream/--v4l2")
        ->check(CLI::Range(1.0, 240.0))
        ->group("Recording and streaming");
    app.add_option_function<std::string>(
           "--record-size",
           [&o](const std::string& text) {
               int w = 0, h = 0;
               char x = 0;
               std::istringstream in(text);
               if (!(in >> w >> x >> h) || (x != 'x' && x != 'X') || w < 16 || h < 16 || w > 8192 ||
                   h > 8192)
                   throw CLI::ValidationError("--record-size", "WxH, e.g. 1280x720: " + text);
               o.recordWidth = w;
               o.recordHeight = h;
           },
           "size of recordings, streams and the camera (WxH); default: the output canvas")
        ->group("Recording and streaming");
    app.add_option("--stats", o.statsFile, "write per-frame timings (CSV) to this file");
    app.add_option("--present-log", o.presentLog,
                   "write one CSV row per present of the output: seconds since start, the "
                   "position of the audio heard then (s, the recordings' clock), the onset "
                   "envelope the flash followed (tests of the recording's alignment)")
        ->group("Scripting");
    app.add_option("--health", o.healthFile,
                   "write one CSV row per interval: presents, frame period p50/p99/max, gaps "
                   "over 100 ms, frames, MIDI and audio counters, resident memory");
    app.add_option("--health-interval", o.healthIntervalSec, "seconds per --health row")
        ->check(CLI::Range(0.1, 3600.0));
    app.add_option("--shader-dir", o.shaderDir,
                   "shader folder (post/ holds the post chain's stages)");
    app.add_option("--switch-model-after", o.modelSwitches,
                   "SEC PATH: load model PATH in the background SEC seconds after start and "
                   "switch to it (repeatable)")
        ->group("Scripting");
}

}  // namespace

int main(int argc, char** argv) {
    namespace app = autolume::app;
    spdlog::set_pattern("autolume: %^%l%$: %v");
    spdlog::set_level(spdlog::level::info);

    CLI::App cli{"autolume: live music to GAN visuals. Without a subcommand: live mode."};
    cli.set_version_flag("--version", "autolume 0.1.0");
    cli.require_subcommand(0, 1);
    LiveOptions live;
    addLiveOptions(cli, live);
    addLiveOptions(*cli.add_subcommand("live", "live mode (the default): audio in, visuals out"),
                   live);
    const std::vector<app::Command> commands = {app::addDevices(cli),  app::addConvert(cli),
                                                app::addGenerate(cli), app::addAnalyze(cli),
                                                app::addRender(cli),   app::addBench(cli)};

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli.exit(e) == 0 ? 0 : 2;
    }
    for (const app::Command& command : commands)
        if (command.cli->parsed()) return command.run();
    return app::runLive(live);
}
