// Command-line options of the live mode, shared by `autolume` and `autolume live`.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace autolume::app {

struct LiveOptions {
    std::string model;        // empty: the default model
    std::string audioDevice;  // empty: the default input
    std::string audioFile;
    std::string audioChannels;  // 1-based list ("1,2", "3-4"); empty: the source's default
    std::string audioOutput;    // where a file plays; empty: the default output
    bool demo = false;
    std::string midiPort;       // "virtual": ports for others to connect to; empty: MIDI off
    std::string midiProfile;    // file or shipped name; empty: chosen by the port's name
    std::string presetsDir;     // root of the preset folders; empty: the user's data folder
    std::string paramsFile;     // parameters read at start, autosaved, written at exit
    double autosaveSec = 30.0;  // parameters written this often while they change; 0: at exit
    std::string keyframes;      // seeds and preset slots: "3,7,p2"
    std::string keyframeTiming = "free";
    std::string transition = "linear";
    int outputMonitor = -1;  // >= 0: fullscreen on that monitor; -1: automatic
    bool fullscreen = false;
    std::string windows = "auto";  // auto: two with two monitors; 1: one with the panel; 2
    std::string fit = "fill";      // fit, fill, stretch, tile
    int canvasWidth = 0;           // output resolution; 0: the output window's
    int canvasHeight = 0;
    std::string postDir;  // user post stages (GLSL); empty: shaders/post/user
    int width = 1280;     // the output's windowed size
    int height = 720;
    double durationSec = 0.0;  // > 0: quit after this many seconds (tests, installations)
    std::string screenshotDir;
    double screenshotIntervalSec = 0.5;
    std::string recordFile;   // record the output and the audio from the start (Matroska)
    std::string streamUrl;    // send the output with audio (udp://, srt:// MPEG-TS; rtmp:// FLV)
    std::string v4l2Device;   // write the output to a v4l2loopback device (a camera for others)
    double recordFps = 30.0;  // frames per second of recordings, streams and the camera
    int recordWidth = 0;      // their size; 0: the output canvas' size when they start
    int recordHeight = 0;
    std::string statsFile;   // CSV, one row per displayed frame
    std::string presentLog;  // CSV, one row per present: its time on the audio clock, the flash
    std::string healthFile;  // CSV, one row per interval: presents, frame gaps, RSS, counters
    double healthIntervalSec = 1.0;
    std::uint64_t seed = 0;
    int threads = 0;        // CPU inference threads, 0: automatic
    double maxFps = 0.0;    // generator frame cap (saves CPU, costs latency); 0: none
    std::string shaderDir;  // empty: the built-in shaders/ folder
    // Scripting: at each time (seconds since start), load that model in the background and
    // switch to it, as the panel's Load button does (shows, installations, tests).
    std::vector<std::pair<double, std::string>> modelSwitches;
};

// Runs the live mode; returns the process exit code.
int runLive(const LiveOptions& options);

// The default model: $AUTOLUME_MODEL, models/default.pt, else the build's placeholder.
std::string defaultModelPath();
std::string defaultShaderDir();

}  // namespace autolume::app
