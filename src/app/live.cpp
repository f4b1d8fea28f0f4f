// Live mode: model + audio source + engine threads + the window on the main thread.
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "autolume/audio/capture.hpp"
#include "autolume/io/image.hpp"
#include "autolume/io/text_file.hpp"
#include "autolume/model/generator.hpp"
#include "autolume/model/model_loader.hpp"
#include "autolume/render/frame_view.hpp"
#include "autolume/render/panel.hpp"
#include "autolume/render/window.hpp"
#include "desk.hpp"
#include "engine.hpp"
#include "options.hpp"
#include "session_setup.hpp"
#include "sources.hpp"

namespace autolume::app {

namespace fs = std::filesystem;

namespace {

std::atomic<bool> g_quit{false};

void onSignal(int) {
    g_quit = true;
}

// Rising-edge key detection by polling (ImGui's backend owns the GLFW key callback).
class KeyEdge {
  public:
    explicit KeyEdge(int key) : m_key(key) {}
    bool pressed(GLFWwindow* window) {
        const bool down = glfwGetKey(window, m_key) == GLFW_PRESS;
        const bool edge = down && !m_down;
        m_down = down;
        return edge;
    }

  private:
    int m_key;
    bool m_down = false;
};

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

}  // namespace

int runLive(const LiveOptions& options) {
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);

    auto generator = loadModel(options);
    if (!generator) return 1;
    if (options.threads > 0) model::setCpuThreads(options.threads);
    logModel("model", generator->info());

    // The performance: presets of this model, parameters, keyframes, MIDI.
    EngineConfig engineConfig;
    engineConfig.seed = options.seed;
    auto bank = std::make_unique<control::PresetBank>(
        presetDirFor(options.presetsDir, generator->info().path), modelIdentity(generator->info()));
    for (const std::string& error : bank->load()) spdlog::error("{}", error);
    std::string paramsError;
    nlohmann::json params;
    if (!options.paramsFile.empty()) {
        params = readParamsFile(options.paramsFile, paramsError);
        if (!paramsError.empty())
            spdlog::error("{} (starting with default parameters; the file is left as it is)",
                          paramsError);
    }
    try {
        engineConfig.control.keyframeTiming = keyframeTimingFrom(options.keyframeTiming);
        engineConfig.control.transition = transitionFrom(options.transition);
        if (!options.keyframes.empty()) {
            engineConfig.control.keyframes = keyframesFrom(options.keyframes, *generator, *bank);
            enableKeyframes(params);
        }
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return 2;
    }
    if (!params.is_null()) {
        // Wrong types: one line naming the file, default parameters, the file left as it is.
        try {
            control::ParameterRegistry check;
            control::registerControllerParams(check, latentShape(generator->info()));
            for (const std::string& name : check.fromJson(params))
                spdlog::warn("{}: unknown parameter '{}' ignored", options.paramsFile, name);
        } catch (const std::exception& e) {
            paramsError = options.paramsFile + ": " + e.what();
            spdlog::error("{} (starting with default parameters; the file is left as it is)",
                          paramsError);
            params = nullptr;
        }
    }
    engineConfig.control.params = params;
    std::optional<MidiProfileChoice> midi;
    if (!options.midiPort.empty()) {
        try {
            midi = chooseMidiProfile(options.midiProfile, options.midiPort);
            for (const std::string& note : midi->notes) spdlog::info("{}", note);
            engineConfig.control.midiProfile = midi->profile;
            midi::MidiDeviceConfig device;
            device.inputPort = device.outputPort =
                options.midiPort == "virtual" ? std::string() : options.midiPort;
            engineConfig.midi = device;
        } catch (const std::exception& e) {
            spdlog::error("{} (running without MIDI)", e.what());
            midi.reset();
        }
    }

    audio::SampleRing ring(1 << 16);  // 1.4 s at 48 kHz: room for a stalled analysis thread
    OpenedSource opened = openSource(options);
    std::unique_ptr<audio::AudioSource> source = std::move(opened.source);

    render::WindowConfig windowConfig;
    windowConfig.width = options.width;
    windowConfig.height = options.height;
    windowConfig.fullscreen = options.fullscreen || options.outputMonitor >= 0;
    windowConfig.monitor = std::max(options.outputMonitor, 0);
    std::unique_ptr<render::Window> window;
    std::unique_ptr<render::FrameView> view;
    const std::string shaderDir =
        options.shaderDir.empty() ? defaultShaderDir() : options.shaderDir;
    try {
        window = std::make_unique<render::Window>(windowConfig);
        view = std::make_unique<render::FrameView>(shaderDir);
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return 1;
    }
    spdlog::info("window {}x{} on {}", window->framebufferWidth(), window->framebufferHeight(),
                 window->glRenderer());

    const model::ModelInfo startInfo = generator->info();
    Engine engine(std::move(generator), *source, ring, engineConfig);
    Desk desk(engine, startInfo, options.presetsDir, std::move(bank), std::move(midi),
              engineConfig.control.params);
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
    if (!source->start(ring)) {
        spdlog::error("{}; playing the built-in demo music instead", source->error());
        opened.error = source->error();
        source = audio::makeDemoSource();
        source->start(ring);
    }
    const audio::SourceInfo& sourceInfo = source->info();

    std::ofstream stats;
    if (!options.statsFile.empty()) {
        stats.open(options.statsFile);
        if (!stats) spdlog::error("{}: cannot write the stats file", options.statsFile);
        stats << "present_s,audio_time_s,audio_wall_s,last_onset_s,generator_ms,seq,width,"
                 "midi_wall_s\n";
    }
    if (!options.screenshotDir.empty()) fs::create_directories(options.screenshotDir);

    render::PanelState panel;
    GanSpaceStatus ganSpace;
    showModel(panel, info, ganSpace);
    std::snprintf(panel.modelPath.data(), panel.modelPath.size(), "%s", info.path.c_str());
    panel.sourceKind = sourceInfo.kind;
    panel.sourceName = sourceInfo.name;
    panel.sourceError = opened.error;
    panel.sampleRate = sourceInfo.sampleRate;
    render::PanelParams sent = panel.params;

    KeyEdge tabKey(GLFW_KEY_TAB), fullscreenKey(GLFW_KEY_F), quitKey(GLFW_KEY_Q);
    RateMeter displayRate, generatorRate;
    const std::int64_t startNs = nowNs();
    auto seconds = [&](std::int64_t ns) { return (ns - startNs) / 1e9; };
    std::int64_t nextShotNs =
        startNs + static_cast<std::int64_t>(options.screenshotIntervalSec * 1e9);
    std::int64_t nextShaderCheckNs = startNs;
    std::int64_t nextMidiStatusNs = startNs;
    std::uint64_t displayed = 0, shots = 0;
    bool announcedEnd = false;
    bool announcedFailure = false;
    // Never draw faster than the display refreshes: where the swap does not wait for the
    // vertical blank (Xvfb, some drivers) the UI would otherwise take CPU from the generator.
    // 5 % slack so a loop paced by a real vsync never sleeps into the next blank.
    const auto minFrameNs = static_cast<std::int64_t>(0.95e9 / window->refreshRate());

    while (!window->shouldClose() && !g_quit) {
        window->pollEvents();
        const std::int64_t loopNs = nowNs();
        GLFWwindow* handle = window->handle();
        const bool typing = ImGui::GetCurrentContext() && ImGui::GetIO().WantCaptureKeyboard;
        if (!typing) {
            if (tabKey.pressed(handle)) panel.visible = !panel.visible;
            if (fullscreenKey.pressed(handle)) window->toggleFullscreen();
            // Ctrl+Q quits; a lone key never ends a show by accident.
            if (quitKey.pressed(handle) && glfwGetKey(handle, GLFW_KEY_LEFT_CONTROL) == GLFW_PRESS)
                window->requestClose();
        }

        bool fresh = false;
        if (engine.fetchFrame()) {
            const VideoFrame& frame = engine.frame();
            view->upload(frame.rgba.data(), frame.width, frame.height);
            fresh = true;
            ++displayed;
        }
        if (loopNs >= nextShaderCheckNs) {
            view->program().reloadIfChanged();
            panel.shaderError = view->program().lastError();
            nextShaderCheckNs = loopNs + 500'000'000;
        }

        window->beginFrame();
        const int fbWidth = window->framebufferWidth();
        const int fbHeight = window->framebufferHeight();
        view->draw(fbWidth, fbHeight, static_cast<float>(seconds(loopNs)));
        // Screenshots show what the audience sees: the picture without the panel.
        if (!options.screenshotDir.empty() && view->hasFrame() && loopNs >= nextShotNs) {
            io::Image shot{fbWidth, fbHeight, 3, render::FrameView::readPixels(fbWidth, fbHeight)};
            // The name carries the audio time of the frame shown, for tests and reports.
            char name[64];
            std::snprintf(name, sizeof name, "shot_%04llu_t%07.3f.png",
                          static_cast<unsigned long long>(shots++), engine.frame().audioTimeSec);
            try {
                io::writePng((fs::path(options.screenshotDir) / name).string(), shot);
            } catch (const std::exception& e) {
                spdlog::error("{}", e.what());
            }
            nextShotNs = loopNs + static_cast<std::int64_t>(options.screenshotIntervalSec * 1e9);
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
        panel.overruns = source->overruns();
        desk.update();
        {
            const ControlSnapshot& snap = engine.snapshot();
            panel.beats = snap.beats;
            panel.midiReceived = snap.midiReceived;
            panel.midiMalformed = snap.midiMalformed;
        }
        if (loopNs >= nextMidiStatusNs) {
            std::string status =
                engine.midiOn() ? engine.midiStatus() : "MIDI off (start with --midi PORT)";
            if (status != panel.midiStatus) spdlog::info("{}", status);
            panel.midiStatus = std::move(status);
            nextMidiStatusNs = loopNs + 500'000'000;
        }
        if (s.generatorErrors.load() > 0) panel.sourceError = engine.lastGeneratorError();
        window->beginUi();
        if (render::drawPanel(panel)) {
            const render::PanelParams& p = panel.params;
            if (p.outputResolution != sent.outputResolution)
                engine.setOutputResolution(p.outputResolution);
            sent = p;
        }
        if (panel.visible) desk.draw(panel.showParameters, panel.showPresets);
        if (panel.loadRequested) {
            panel.loadRequested = false;
            const std::string path = panel.modelPath.data();
            spdlog::info("switching to model {}", path);
            engine.requestModel(path);
        }
        window->present();
        const std::int64_t presentNs = nowNs();

        if (fresh) {
            const VideoFrame& frame = engine.frame();
            panel.latencyMs = static_cast<float>((presentNs - frame.audioWallNs) / 1e6);
            if (stats.is_open())
                stats << seconds(presentNs) << ',' << frame.audioTimeSec << ','
                      << seconds(frame.audioWallNs) << ',' << frame.lastOnsetSec << ','
                      << frame.generatorMs << ',' << frame.seq << ',' << frame.width << ','
                      << (frame.midiWallNs ? seconds(frame.midiWallNs) : -1.0) << '\n';
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
        if (options.durationSec > 0 && seconds(presentNs) >= options.durationSec) break;
        if (presentNs - loopNs < minFrameNs)
            std::this_thread::sleep_for(
                std::chrono::nanoseconds(minFrameNs - (presentNs - loopNs)));
    }

    engine.stop();
    source->stop();
    if (!options.paramsFile.empty()) {
        if (!paramsError.empty()) {
            spdlog::warn("{}: not written (it could not be read at start)", options.paramsFile);
        } else {
            // The values the control thread ended with (MIDI and panel moves included).
            if (engine.fetchSnapshot()) desk.update();
            try {
                io::writeTextFileAtomic(options.paramsFile, desk.parameters().dump(2) + "\n");
                spdlog::info("parameters saved to {}", options.paramsFile);
            } catch (const std::exception& e) {
                spdlog::error("{}", e.what());
            }
        }
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
    return 0;
}

}  // namespace autolume::app
