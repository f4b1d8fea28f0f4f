// Live mode: model + audio source + engine threads + the window on the main thread.
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "autolume/audio/capture.hpp"
#include "autolume/io/image.hpp"
#include "autolume/io/text_file.hpp"
#include "autolume/model/generator.hpp"
#include "autolume/model/model_loader.hpp"
#include "autolume/render/panel.hpp"
#include "autolume/render/scopes.hpp"
#include "autolume/render/stage_panel.hpp"
#include "autolume/util/frame_pacing.hpp"
#include "desk.hpp"
#include "engine.hpp"
#include "health_log.hpp"
#include "live_outputs.hpp"
#include "options.hpp"
#include "params_file.hpp"
#include "session_setup.hpp"
#include "sources.hpp"
#include "stage.hpp"

namespace autolume::app {

namespace fs = std::filesystem;

namespace {

std::atomic<bool> g_quit{false};

void onSignal(int) {
    g_quit = true;
}

// Counts events per second over roughly one-second windows.
class RateMeter {
  public:
    void tick(std::uint64_t total, std::int64_t nowNs) {
        if (m_startNs == 0) {
            m_startNs = nowNs;
            m_startCount = total;
        }
        const double elapsed = (nowNs - m_startNs) / 1e9;
        if (elapsed >= 1.0) {
            m_rate = static_cast<float>((total - m_startCount) / elapsed);
            m_startNs = nowNs;
            m_startCount = total;
        }
    }
    float rate() const { return m_rate; }

  private:
    std::int64_t m_startNs = 0;
    std::uint64_t m_startCount = 0;
    float m_rate = 0.0f;
};

std::unique_ptr<model::Generator> loadModel(const LiveOptions& options) {
    const std::string path = options.model.empty() ? defaultModelPath() : options.model;
    try {
        return model::Generator::load(path);
    } catch (const model::ModelError& e) {
        spdlog::error("{}", e.what());
        if (options.model.empty()) return nullptr;
    }
    const std::string fallback = defaultModelPath();
    spdlog::warn("falling back to the default model {}", fallback);
    try {
        return model::Generator::load(fallback);
    } catch (const model::ModelError& e) {
        spdlog::error("{}", e.what());
        return nullptr;
    }
}

void logModel(const char* what, const model::ModelInfo& info) {
    spdlog::info("{} {} ({} px, z {}, {} ws{}) on {}{}", what, info.path, info.resolution,
                 info.zDim, info.numWs, info.cDim > 0 ? ", class 0" : "", info.device,
                 info.placeholder ? " [PLACEHOLDER: random weights]" : "");
}

// The newest GANSpace result, which may arrive before or after its model is switched in.
struct GanSpaceStatus {
    std::string path;
    std::string text;
};

void showModel(render::PanelState& panel, const model::ModelInfo& info,
               const GanSpaceStatus& ganSpace) {
    panel.modelName = info.name;
    panel.modelDescription = info.description;
    panel.modelPlaceholder = info.placeholder;
    panel.resolution = info.resolution;
    panel.device = info.device;
    panel.exitResolutions =
        info.hasSynthesisUntil ? info.exitResolutions : std::vector<int>{info.resolution};
    panel.modelError.clear();
    panel.ganSpaceStatus = ganSpace.path == info.path ? ganSpace.text : "GANSpace: computing...";
}

// Main thread: results of background model loads and GANSpace computations.
void handleModelEvent(const model::ModelEvent& event, const model::ModelInfo& running,
                      render::PanelState& panel, GanSpaceStatus& ganSpace) {
    using Kind = model::ModelEvent::Kind;
    switch (event.kind) {
        case Kind::Loaded:
            spdlog::info("loaded model {} in {:.2f} s: {}", event.path, event.seconds,
                         event.message);
            break;
        case Kind::Failed:
            // One line naming the file; the running model goes on.
            spdlog::error("{} (keeping the running model)", event.message);
            panel.modelError = event.message;
            break;
        case Kind::GanSpaceReady:
            spdlog::info("{}: {} in {:.2f} s", event.path, event.message, event.seconds);
            ganSpace = {event.path,
                        "GANSpace: " + std::to_string(event.ganSpace->count()) + " components"};
            break;
        case Kind::GanSpaceFailed:
            spdlog::warn("GANSpace: {}", event.message);
            ganSpace = {event.path, "GANSpace failed: " + event.message};
            break;
    }
    if (ganSpace.path == running.path) panel.ganSpaceStatus = ganSpace.text;
}

// Seconds since this process started (the kernel's clock ticks), for "time to first frame".
double secondsSinceLaunch() {
    std::ifstream stat("/proc/self/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const std::size_t close = text.rfind(')');
    if (close == std::string::npos) return -1.0;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    // Field 22 (starttime); the fields after the name start at field 3.
    for (int i = 3; i <= 22 && fields >> field; ++i) {
    }
    std::ifstream uptime("/proc/uptime");
    double up = 0.0;
    uptime >> up;
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    return up - std::stod(field) / ticks;
}

// FNV-1a of the frame's pixels: the stats file shows which presented frames differ (tests
// tell a frame changed by a fader from one that stood still).
std::uint32_t frameHash(const std::vector<std::uint8_t>& rgba) {
    std::uint32_t h = 2166136261u;
    for (std::uint8_t byte : rgba) h = (h ^ byte) * 16777619u;
    return h;
}

// Everything the show lost, counted where it was lost: shown in the panel when any is not 0,
// and always in the exit summary.
struct DropCounts {
    std::uint64_t audioSamples = 0;     // overruns: the analysis ring was full
    std::uint64_t midiIn = 0;           // controller messages: the input queue was full
    std::uint64_t midiOut = 0;          // LED messages: the output queue was full
    std::uint64_t controlMessages = 0;  // panel -> control thread: queue full (a bug)
    std::uint64_t controlEvents = 0;    // control thread -> panel (MIDI store/recall; a bug)
    std::uint64_t refused = 0;          // messages made for another model, not applied
    std::uint64_t failedFrames = 0;     // generator errors (the last frame stays up)
    std::uint64_t recordFrames = 0;     // recording/stream/v4l2 frames: encoder or read-back behind
    std::uint64_t recordAudio = 0;      // recording/stream audio frames: its ring was full

    bool operator==(const DropCounts&) const = default;
    std::string line(bool all) const {
        std::string out;
        auto add = [&](const char* what, std::uint64_t n) {
            if (n == 0 && !all) return;
            out += (out.empty() ? "" : ", ") + std::string(what) + " " + std::to_string(n);
        };
        add("audio samples", audioSamples);
        add("MIDI in", midiIn);
        add("MIDI out", midiOut);
        add("control messages", controlMessages);
        add("control events", controlEvents);
        add("refused messages", refused);
        add("failed frames", failedFrames);
        add("recorded frames", recordFrames);
        add("recorded audio frames", recordAudio);
        return out;
    }
};

DropCounts dropCounts(const Engine& engine, const audio::AudioSource& source,
                      const ControlSnapshot& snap, const OutputDrops& outputs) {
    const EngineStats& s = engine.stats();
    return {source.overruns(),
            engine.midiInputDropped(),
            engine.midiOutputDropped(),
            s.messagesDropped.load(),
            snap.eventsDropped,
            snap.messagesRefused,
            s.generatorErrors.load(),
            outputs.frames,
            outputs.audio};
}

// The recordings' audio: what is heard (a played file: up to two of its channels) or what
// reaches the analysis (capture, an unheard file, the demo: mixed, or the first two stems).
std::unique_ptr<audio::RecordTap> makeRecordTap(const audio::SourceInfo& info) {
    const int channels = info.output.empty() ? info.ringChannels : info.channels;
    return std::make_unique<audio::RecordTap>(std::min(channels, 2),
                                              info.sampleRate > 0 ? info.sampleRate : 48000.0);
}

LiveOutputsConfig liveOutputsFrom(const LiveOptions& options) {
    LiveOutputsConfig c;
    c.recordFile = options.recordFile;
    c.streamUrl = options.streamUrl;
    c.v4l2Device = options.v4l2Device;
    c.fps = options.recordFps;
    c.width = options.recordWidth;
    c.height = options.recordHeight;
    return c;
}

// What the performance starts with: presets of the model, parameters, keyframes, MIDI.
struct Performance {
    EngineConfig engineConfig;
    std::unique_ptr<control::PresetBank> bank;
    nlohmann::json params;        // what the controller starts with (keyframes.mix added)
    nlohmann::json paramsOnDisk;  // the --params file as it was read
    std::string paramsError;      // the --params file could not be read: it is never written
    std::optional<MidiProfileChoice> midi;
};

// Returns false (after one line naming the fault) for keyframes that cannot be used.
bool preparePerformance(const LiveOptions& options, model::Generator& generator, Performance& p) {
    EngineConfig& engineConfig = p.engineConfig;
    engineConfig.seed = options.seed;
    engineConfig.control.stageParams = stageParamSpecs();
    p.bank = openPresetBank(options.presetsDir, generator.info());
    if (!options.paramsFile.empty()) {
        p.params = p.paramsOnDisk = readParamsFile(options.paramsFile, p.paramsError);
        if (!p.paramsError.empty())
            spdlog::error("{} (starting with default parameters; the file is left as it is)",
                          p.paramsError);
    }
    try {
        engineConfig.control.keyframeTiming = keyframeTimingFrom(options.keyframeTiming);
        engineConfig.control.transition = transitionFrom(options.transition);
        if (!options.keyframes.empty()) {
            engineConfig.control.keyframes = keyframesFrom(options.keyframes, generator, *p.bank);
            enableKeyframes(p.params);
        }
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return false;
    }
    if (!p.params.is_null()) {
        // Fields of a wrong type or out of range: one line each, the rest applies, and the file
        // keeps them as they are (ParamsFile::merged).
        control::ParameterRegistry check;
        control::registerControllerParams(check, latentShape(generator.info()));
        for (const control::ParamSpec& spec : engineConfig.control.stageParams) check.add(spec);
        const control::ParameterRegistry::JsonReport report = check.fromJson(p.params);
        for (const std::string& name : report.unknown)
            spdlog::warn("{}: unknown parameter '{}' not used (kept in the file)",
                         options.paramsFile, name);
        for (const std::string& field : report.refused)
            spdlog::error("{}: {} (not applied; kept in the file)", options.paramsFile, field);
    }
    engineConfig.control.params = p.params;
    if (!options.midiPort.empty()) {
        try {
            p.midi = chooseMidiProfile(options.midiProfile, options.midiPort);
            for (const std::string& note : p.midi->notes) spdlog::info("{}", note);
            engineConfig.control.midiProfile = p.midi->profile;
            midi::MidiDeviceConfig device;
            device.inputPort = device.outputPort =
                options.midiPort == "virtual" ? std::string() : options.midiPort;
            engineConfig.midi = device;
        } catch (const std::exception& e) {
            spdlog::error("{} (running without MIDI)", e.what());
            p.midi.reset();
        }
    }
    return true;
}

StageConfig stageConfigFrom(const LiveOptions& options) {
    StageConfig config;
    config.windows = options.windows;
    config.outputMonitor = options.outputMonitor;
    config.fullscreen = options.fullscreen;
    config.width = options.width;
    config.height = options.height;
    config.fit = render::fitModeFromName(options.fit).value_or(render::FitMode::Fill);
    config.canvasWidth = options.canvasWidth;
    config.canvasHeight = options.canvasHeight;
    const fs::path shaders = options.shaderDir.empty() ? defaultShaderDir() : options.shaderDir;
    config.postDir = shaders / "post";
    config.userDir =
        options.postDir.empty() ? shaders / "post" / "user" : fs::path(options.postDir);
    return config;
}

render::ScopeSample scopeSampleFrom(const ControlSnapshot& snap, float levelDb) {
    const control::ControlInput& in = snap.input;
    render::ScopeSample s;
    s.level = in.level;
    s.levelDb = levelDb;
    s.bass = in.bass;
    s.mid = in.mid;
    s.high = in.high;
    s.onsetStrength = in.onsetStrength;
    s.onsets = snap.onsets;
    s.beats = snap.beatTicks;
    s.bpm = in.bpm;
    s.chroma = in.chroma;
    return s;
}

// Screenshots show what the audience sees (the output window), and beside them, in frames/,
// the generated frame it was made from (same name), for tests and reports.
void writeShot(const std::string& dir, const Stage& stage, const VideoFrame& frame,
               std::uint64_t index) {
    char name[64];
    std::snprintf(name, sizeof name, "shot_%04llu_t%07.3f.png",
                  static_cast<unsigned long long>(index), frame.audioTimeSec);
    try {
        io::writePng((fs::path(dir) / name).string(),
                     io::Image{stage.shotWidth(), stage.shotHeight(), 3, stage.lastOutputPixels()});
        io::writePng((fs::path(dir) / "frames" / name).string(),
                     io::Image{frame.width, frame.height, 4, frame.rgba});
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
    }
}

}  // namespace

int runLive(const LiveOptions& options) {
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    std::signal(SIGHUP, onSignal);  // a closed terminal saves like a quit

    // The model loads (about a second of LibTorch) while the windows open.
    auto modelLoad = std::async(std::launch::async, [&options] {
        model::setCpuThreads(model::resolveCpuThreads(options.threads));
        return loadModel(options);
    });
    std::unique_ptr<Stage> stage;
    try {
        stage = std::make_unique<Stage>(stageConfigFrom(options));
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return 1;
    }
    spdlog::info("output {} on {}", stage->placement(), stage->glRenderer());
    std::unique_ptr<model::Generator> generator = modelLoad.get();
    if (!generator) return 1;
    logModel("model", generator->info());
    spdlog::info("model ready {:.2f} s after launch", secondsSinceLaunch());

    Performance performance;
    if (!preparePerformance(options, *generator, performance)) return 2;
    EngineConfig& engineConfig = performance.engineConfig;

    audio::SampleRing ring(1 << 16);        // 1.4 s at 48 kHz: room for a stalled analysis thread
    std::unique_ptr<audio::RecordTap> tap;  // outlives the source's running time
    OpenedSource opened = openSource(options);
    std::unique_ptr<audio::AudioSource> source = std::move(opened.source);

    const model::ModelInfo startInfo = generator->info();
    Engine engine(std::move(generator), *source, ring, engineConfig);
    Desk desk(engine, startInfo, options.presetsDir, std::move(performance.bank),
              std::move(performance.midi), engineConfig.control.params);
    ParamsFile paramsFile(options.paramsFile, performance.paramsOnDisk,
                          performance.paramsError.empty(), options.autosaveSec);
    paramsFile.started(desk.parameters());
    desk.showKeyframes(static_cast<int>(engineConfig.control.keyframes.size()),
                       engineConfig.control.keyframeTiming, engineConfig.control.transition);
    engine.setMaxFps(options.maxFps);
    engine.start();
    model::ModelInfo info = engine.modelInfo();
    std::uint64_t modelSwitches = 0;
    // Scripted switches (--switch-model-after SEC PATH), in time order.
    std::vector<std::pair<double, std::string>> scriptedSwitches = options.modelSwitches;
    std::stable_sort(scriptedSwitches.begin(), scriptedSwitches.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::size_t nextScripted = 0;
    tap = makeRecordTap(source->info());
    source->setRecordTap(tap.get());
    if (!source->start(ring)) {
        spdlog::error("{}; playing the built-in demo music instead", source->error());
        opened.error = source->error();
        source = audio::makeDemoSource();
        tap = makeRecordTap(source->info());
        source->setRecordTap(tap.get());
        source->start(ring);
    }
    LiveOutputs outputs(liveOutputsFrom(options), *tap);
    const audio::SourceInfo& sourceInfo = source->info();

    std::ofstream stats;
    if (!options.statsFile.empty()) {
        stats.open(options.statsFile);
        if (!stats) spdlog::error("{}: cannot write the stats file", options.statsFile);
        stats << "present_s,audio_time_s,audio_wall_s,last_onset_s,generator_ms,seq,width,"
                 "midi_wall_s,frame_hash\n";
    }
    std::ofstream presentLog;
    if (!options.presentLog.empty()) {
        presentLog.open(options.presentLog);
        if (!presentLog) spdlog::error("{}: cannot write the present log", options.presentLog);
        presentLog << "present_s,audio_pos_s,onset_envelope\n";
    }
    if (!options.screenshotDir.empty())
        fs::create_directories(fs::path(options.screenshotDir) / "frames");

    render::PanelState panel;
    GanSpaceStatus ganSpace;
    showModel(panel, info, ganSpace);
    std::snprintf(panel.modelPath.data(), panel.modelPath.size(), "%s", info.path.c_str());
    panel.sourceKind = sourceInfo.kind;
    panel.sourceName = sourceInfo.name;
    panel.sourceError = opened.error;
    panel.sampleRate = sourceInfo.sampleRate;
    render::PanelParams sent = panel.params;
    render::Scopes scopes;
    render::StagePanelState& stagePanel = stage->panel();

    RateMeter displayRate, generatorRate;
    util::FramePacing outputPacing, controlPacing;  // the whole run
    // The same per interval (--health-interval, 1 s by default), cleared after each: the
    // stage window's "longest frame" and the --health rows.
    util::FramePacing outputInterval, controlInterval;
    const auto intervalNs = static_cast<std::int64_t>(options.healthIntervalSec * 1e9);
    std::unique_ptr<HealthLog> health;
    if (!options.healthFile.empty()) {
        health = std::make_unique<HealthLog>(options.healthFile);
        if (!health->ok()) {
            spdlog::error("{}: cannot write the health file", options.healthFile);
            health.reset();
        }
    }
    const std::int64_t startNs = nowNs();
    auto seconds = [&](std::int64_t ns) { return (ns - startNs) / 1e9; };
    std::int64_t nextIntervalNs = startNs + intervalNs;
    std::int64_t nextShotNs =
        startNs + static_cast<std::int64_t>(options.screenshotIntervalSec * 1e9);
    std::int64_t nextMidiStatusNs = startNs;
    std::uint64_t displayed = 0, shots = 0;
    bool announcedEnd = false;
    bool announcedFailure = false;
    bool announcedFirstFrame = false;
    DropCounts drops;
    std::uint64_t outputStatusVersion = 0;
    std::int64_t lastPresentNs = 0;
    // Never draw faster than the display refreshes: where the swap does not wait for the
    // vertical blank (Xvfb, some drivers) the UI would otherwise take CPU from the generator.
    // 5 % slack so a loop paced by a real vsync never sleeps into the next blank.
    const auto minFrameNs = static_cast<std::int64_t>(0.95e9 / stage->outputRefreshRate());

    // The performer's windows: the panel, parameters, presets and the stage (preview, scopes).
    auto drawUi = [&] {
        if (render::drawPanel(panel)) {
            const render::PanelParams& p = panel.params;
            if (p.outputResolution != sent.outputResolution)
                engine.setOutputResolution(p.outputResolution);
            sent = p;
        }
        if (!panel.visible) return;
        desk.draw(panel.showParameters, panel.showPresets);
        stage->apply(render::drawStagePanel(stagePanel, scopes));
    };

    while (!stage->shouldClose() && !g_quit) {
        const StageKeys keys = stage->poll();
        const std::int64_t loopNs = nowNs();
        if (keys.togglePanel) {
            panel.visible = !panel.visible;
            stagePanel.visible = panel.visible;
            spdlog::info("key Tab: panel {}", panel.visible ? "shown" : "hidden");
        }
        if (keys.quit) break;
        int recordToggles = (keys.toggleRecord ? 1 : 0) + desk.takeRecordPresses();
        if (panel.recordRequested) {
            panel.recordRequested = false;
            ++recordToggles;
        }

        bool fresh = false;
        if (engine.fetchFrame()) {
            const VideoFrame& frame = engine.frame();
            stage->upload(frame.rgba.data(), frame.width, frame.height);
            fresh = true;
            ++displayed;
        }
        // The one fetch of this frame: `snap` stays ours until the next one (Desk::update).
        const bool freshSnapshot = engine.fetchSnapshot();
        const ControlSnapshot& snap = engine.snapshot();
        const bool shoot =
            !options.screenshotDir.empty() && stage->hasFrame() && loopNs >= nextShotNs;
        if (shoot) stage->requestShot();
        stage->drawOutput(postInputFrom(snap.input, seconds(loopNs)), snap.stage, drawUi);
        const std::int64_t presentNs = nowNs();
        if (lastPresentNs)
            scopes.addOutputPeriod(static_cast<float>((presentNs - lastPresentNs) / 1e6));
        outputPacing.tick(presentNs);
        outputInterval.tick(presentNs);
        lastPresentNs = presentNs;
        if (presentLog.is_open())
            presentLog << seconds(presentNs) << ','
                       << tap->positionAt(presentNs) / tap->sampleRate() << ','
                       << snap.input.onsetEnvelope << std::endl;  // kill -9 tests read it
        // Recording, stream, camera: the picture just presented, read back asynchronously.
        if (stage->hasFrame()) {
            const unsigned texture = stage->outputTexture();
            const int tw = stage->outputTextureWidth(), th = stage->outputTextureHeight();
            outputs.startFromCommandLine(texture, tw, th, presentNs);
            for (; recordToggles > 0; --recordToggles) {
                spdlog::info("record: {}", outputs.recording() ? "stop" : "start");
                outputs.toggleRecording(texture, tw, th, presentNs);
            }
            outputs.afterPresent(texture, tw, th, presentNs, snap.audioWallNs);
        }
        if (outputs.statusVersion() != outputStatusVersion) {
            outputStatusVersion = outputs.statusVersion();
            panel.outputStatus = outputs.status();
        }
        panel.recording = outputs.recording();
        if (stage->shotReady()) {
            writeShot(options.screenshotDir, *stage, engine.frame(), shots++);
            stage->clearShot();
            nextShotNs = loopNs + static_cast<std::int64_t>(options.screenshotIntervalSec * 1e9);
        }
        if (fresh && !announcedFirstFrame) {
            spdlog::info("first frame on the output {:.2f} s after launch", secondsSinceLaunch());
            announcedFirstFrame = true;
        }
        if (fresh) {
            const VideoFrame& frame = engine.frame();
            panel.latencyMs = static_cast<float>((presentNs - frame.audioWallNs) / 1e6);
            scopes.addLatency(panel.latencyMs);
            if (stats.is_open())
                stats << seconds(presentNs) << ',' << frame.audioTimeSec << ','
                      << seconds(frame.audioWallNs) << ',' << frame.lastOnsetSec << ','
                      << frame.generatorMs << ',' << frame.seq << ',' << frame.width << ','
                      << (frame.midiWallNs ? seconds(frame.midiWallNs) : -1.0) << ','
                      << frameHash(frame.rgba) << '\n';
        }

        while (nextScripted < scriptedSwitches.size() &&
               seconds(loopNs) >= scriptedSwitches[nextScripted].first) {
            const std::string& path = scriptedSwitches[nextScripted++].second;
            spdlog::info("switching to model {} (scripted)", path);
            engine.requestModel(path);
        }
        model::ModelEvent event;
        while (engine.pollModelEvent(event)) handleModelEvent(event, info, panel, ganSpace);
        const EngineStats& s = engine.stats();
        if (s.modelSwitches.load() != modelSwitches) {
            modelSwitches = s.modelSwitches.load();
            info = engine.modelInfo();
            logModel("switched to model", info);
            showModel(panel, info, ganSpace);
            desk.modelSwitched(info);
        }
        panel.modelLoading = engine.modelLoading();
        panel.frameResolution = engine.frame().width;
        displayRate.tick(displayed, loopNs);
        generatorRate.tick(s.frames.load(), loopNs);
        panel.displayFps = displayRate.rate();
        panel.generatorFps = generatorRate.rate();
        panel.generatorMs = engine.frame().generatorMs;
        panel.level = s.level.load();
        panel.levelDb = s.levelDb.load();
        panel.onsetStrength = s.onsetStrength.load();
        panel.onset = s.onset.load();
        panel.walkSpeed = s.walkSpeed.load();
        if (const DropCounts now = dropCounts(engine, *source, snap, outputs.drops());
            !(now == drops)) {
            drops = now;
            panel.drops = drops.line(false);
        }
        panel.beats = snap.beats;
        panel.midiReceived = snap.midiReceived;
        panel.midiMalformed = snap.midiMalformed;
        stagePanel.outputFps = panel.displayFps;
        stagePanel.generatorMs = panel.generatorMs;
        stagePanel.latencyMs = panel.latencyMs;
        desk.update(freshSnapshot);
        if (loopNs >= nextMidiStatusNs) {
            std::string status =
                engine.midiOn() ? engine.midiStatus() : "MIDI off (start with --midi PORT)";
            if (status != panel.midiStatus) spdlog::info("{}", status);
            panel.midiStatus = std::move(status);
            nextMidiStatusNs = loopNs + 500'000'000;
        }
        if (s.generatorErrors.load() > 0) panel.sourceError = engine.lastGeneratorError();
        if (stage->twoWindows() ? stage->controlDue(presentNs) : true)
            scopes.push(scopeSampleFrom(snap, panel.levelDb), seconds(presentNs));
        if (stage->controlDue(presentNs)) {
            stage->drawControl(drawUi, presentNs);
            const std::int64_t controlNs = nowNs();
            controlPacing.tick(controlNs);
            controlInterval.tick(controlNs);
        }
        if (panel.loadRequested) {
            panel.loadRequested = false;
            const std::string path = panel.modelPath.data();
            spdlog::info("switching to model {}", path);
            engine.requestModel(path);
        }
        if (source->failed() && !announcedFailure) {
            // The picture keeps going (features fall back to rest) and the panel says why.
            spdlog::error("{}", source->error());
            panel.sourceError = source->error();
            announcedFailure = true;
        }
        if (source->finished() && !announcedEnd) {
            spdlog::info("audio file {} ended", sourceInfo.name);
            announcedEnd = true;
        }
        if (paramsFile.autosaveDue(seconds(presentNs)))
            paramsFile.autosave(desk.parameters(), seconds(presentNs));
        if (presentNs >= nextIntervalNs) {
            // After a stall: one interval for the whole stall, not one per interval missed.
            nextIntervalNs = presentNs + intervalNs;
            stagePanel.longestFrameMs = static_cast<float>(outputInterval.maxMs());
            stagePanel.stalls = outputPacing.gaps();
            if (health) {
                HealthSample h;
                h.timeSec = seconds(presentNs);
                h.output = &outputInterval;
                h.control = stage->twoWindows() ? &controlInterval : nullptr;
                h.framesGenerated = s.frames.load();
                h.framesShown = displayed;
                h.generatorMs = panel.generatorMs;
                h.hops = s.hops.load();
                h.audioOverruns = source->overruns();
                h.midiReceived = snap.midiReceived;
                h.midiMalformed = snap.midiMalformed;
                h.generatorErrors = s.generatorErrors.load();
                health->write(h);
            }
            outputInterval.clear();
            controlInterval.clear();
        }
        if (options.durationSec > 0 && seconds(presentNs) >= options.durationSec) break;
        const std::int64_t busyNs = nowNs() - loopNs;
        if (busyNs < minFrameNs)
            std::this_thread::sleep_for(std::chrono::nanoseconds(minFrameNs - busyNs));
    }

    // The files are finished before anything else stops (their last frames are on screen).
    outputs.stopAll();
    engine.stop();
    source->stop();
    if (!options.paramsFile.empty()) {
        // The values the control thread ended with (MIDI and panel moves included).
        if (engine.fetchSnapshot()) desk.update(true);
        paramsFile.saveNow(desk.parameters());
    }
    if (engine.midiOn()) {
        engine.fetchSnapshot();
        const ControlSnapshot& snap = engine.snapshot();
        spdlog::info("MIDI: {} messages, {} malformed (ignored), {} unmapped", snap.midiReceived,
                     snap.midiMalformed, snap.midiUnmapped);
    }
    const EngineStats& s = engine.stats();
    const double elapsed = seconds(nowNs());
    spdlog::info(
        "ran {:.1f} s: {} hops analysed, {} frames generated ({:.1f} fps), {} shown, "
        "{} screenshots, {} audio overruns, {} model switches",
        elapsed, s.hops.load(), s.frames.load(), s.frames.load() / elapsed, displayed, shots,
        source->overruns(), s.modelSwitches.load());
    engine.fetchSnapshot();
    for (const std::string& line : outputs.summary()) spdlog::info("{}", line);
    spdlog::info("dropped: {}",
                 dropCounts(engine, *source, engine.snapshot(), outputs.drops()).line(true));
    spdlog::info(
        "output: {} presents, frame period p50 {:.2f} ms p99 {:.2f} ms max {:.1f} ms, {} over "
        "{:.0f} ms",
        stage->outputPresents(), outputPacing.quantileMs(0.5), outputPacing.quantileMs(0.99),
        outputPacing.maxMs(), outputPacing.gaps(), util::FramePacing::kGapMs);
    if (stage->twoWindows())
        spdlog::info(
            "control: {} presents, frame period p50 {:.2f} ms p99 {:.2f} ms max {:.1f} ms, {} "
            "over {:.0f} ms",
            stage->controlPresents(), controlPacing.quantileMs(0.5), controlPacing.quantileMs(0.99),
            controlPacing.maxMs(), controlPacing.gaps(), util::FramePacing::kGapMs);
    return 0;
}

}  // namespace autolume::app
