// The stage: the output window the audience sees and the control window the performer uses
// (or one window with the panel as an overlay on a one-screen laptop), the GPU post chain
// between the generator and the output, monitor placement (at start, from the panel, by key,
// and when a monitor is unplugged or plugged back) and the keys.
//
//   engine VideoFrame --upload--> PostChain (output context) --> output window
//                                      \--shared texture--> control window preview
//
// The output is drawn and swapped first in every loop; the control window is drawn at most
// kControlHz times a second without waiting for the vertical blank, so the output never
// waits for it.
//
// Thread contract: main thread only (GLFW, both GL contexts).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "autolume/control/control_input.hpp"
#include "autolume/control/parameters.hpp"
#include "autolume/render/monitors.hpp"
#include "autolume/render/post_chain.hpp"
#include "autolume/render/stage_panel.hpp"
#include "autolume/render/window.hpp"

namespace autolume::app {

struct StageConfig {
    std::string windows = "auto";  // auto (two with two monitors), 1, 2
    int outputMonitor = -1;        // requested; -1: automatic
    bool fullscreen = false;       // the output fullscreen even with one monitor
    int width = 1280;              // the output's windowed size
    int height = 720;
    render::FitMode fit = render::FitMode::Fill;
    int canvasWidth = 0;  // output resolution; 0: the output window's size
    int canvasHeight = 0;
    std::filesystem::path postDir;  // built-in post shaders
    std::filesystem::path userDir;  // user stages (GLSL files); empty: none
};

// What a key asked for, for the caller (the rest the stage does itself).
struct StageKeys {
    bool togglePanel = false;
    bool toggleRecord = false;  // R
    bool quit = false;
};

class Stage {
  public:
    static constexpr double kControlHz = 30.0;

    // Opens the windows and builds the post chain. Throws std::runtime_error with one line.
    explicit Stage(const StageConfig& config);
    ~Stage();

    bool shouldClose() const;
    // Events, monitor changes and keys (F, M and monitor moves are handled here).
    StageKeys poll();

    void upload(const std::uint8_t* rgba, int width, int height);
    bool hasFrame() const { return m_post->hasFrame(); }
    // The post chain's result (bottom row first), for the recorder's read-back; 0: none yet.
    unsigned outputTexture() const { return m_post->hasFrame() ? m_post->outputTexture() : 0; }
    int outputTextureWidth() const { return m_post->outputWidth(); }
    int outputTextureHeight() const { return m_post->outputHeight(); }
    // The output window: the post chain into its back buffer. Then, in one-window mode, the
    // UI (drawUi between beginUi and present), then the swap.
    void drawOutput(const render::PostInput& input, std::span<const float> params,
                    const std::function<void()>& drawUi);
    // The control window, when two windows are open and it is due (kControlHz).
    bool controlDue(std::int64_t nowNs) const;
    void drawControl(const std::function<void()>& drawUi, std::int64_t nowNs);

    // What the output window shows (RGB, top row first), read after the last drawOutput().
    // Only valid when called from inside drawOutput's drawUi or via readOutputAtPresent.
    const std::vector<std::uint8_t>& lastOutputPixels() const { return m_shot; }
    int shotWidth() const { return m_shotWidth; }
    int shotHeight() const { return m_shotHeight; }
    void requestShot() { m_wantShot = true; }
    bool shotReady() const { return m_shotReady; }
    void clearShot() { m_shotReady = false; }

    // The panel's stage window state (preview, placement, post stages); apply its changes.
    render::StagePanelState& panel() { return m_panel; }
    void apply(const render::StagePanelChanges& changes);

    bool twoWindows() const { return m_control != nullptr; }
    int outputRefreshRate() const { return m_output->refreshRate(); }
    std::string glRenderer() const { return m_output->glRenderer(); }
    std::string placement() const { return m_panel.placement; }
    std::uint64_t outputPresents() const { return m_outputPresents; }
    std::uint64_t controlPresents() const { return m_controlPresents; }

  private:
    void openWindows(const std::vector<render::MonitorInfo>& monitors);
    void placeOutput(int monitor);  // -1: windowed
    void placeControl(const render::MonitorInfo* monitor);
    void monitorsChanged();
    void nextMonitor();
    void toggleFullscreen();
    void describe();
    void handleKey(const render::KeyPress& key, StageKeys& keys);
    void refreshMonitorNames();
    void logStageErrors();

    StageConfig m_config;
    render::Display m_display;
    std::unique_ptr<render::Window> m_output;   // ui in one-window mode
    std::unique_ptr<render::Window> m_control;  // two-window mode only
    std::unique_ptr<render::PostChain> m_post;
    std::vector<render::MonitorInfo> m_monitors;
    std::string m_outputMeantFor;   // monitor name the output belongs on; empty: windowed
    std::string m_controlMeantFor;  // monitor name of the control window
    render::StagePanelState m_panel;
    void* m_fence = nullptr;  // GLsync: the output's frame, for the control context
    std::int64_t m_lastControlNs = 0;
    std::uint64_t m_outputPresents = 0;
    std::uint64_t m_controlPresents = 0;
    std::int64_t m_nextReloadNs = 0;
    std::string m_stageErrors;  // the errors last logged
    bool m_wantShot = false;
    bool m_shotReady = false;
    std::vector<std::uint8_t> m_shot;
    int m_shotWidth = 0;
    int m_shotHeight = 0;
};

// The post chain's parameters as registry specs (names "post.*").
std::vector<control::ParamSpec> stageParamSpecs();
// What the music gives the post chain's shaders at timeSec.
render::PostInput postInputFrom(const control::ControlInput& in, double timeSec);

}  // namespace autolume::app
