#include "stage.hpp"

#include <glad/gl.h>
// GLFW after glad: glad provides the GL declarations.
#include <GLFW/glfw3.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace autolume::app {

namespace {

std::int64_t steadyNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::string monitorText(const render::MonitorInfo& m) {
    return std::to_string(m.index) + " (" + m.name + ")";
}

const render::MonitorInfo* byName(const std::vector<render::MonitorInfo>& monitors,
                                  const std::string& name) {
    for (const render::MonitorInfo& m : monitors)
        if (m.name == name) return &m;
    return nullptr;
}

std::vector<std::uint8_t> readBackBuffer(int width, int height) {
    std::vector<std::uint8_t> rgb(static_cast<std::size_t>(width) * height * 3);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, rgb.data());
    // OpenGL's rows start at the bottom; image files start at the top.
    const std::size_t row = static_cast<std::size_t>(width) * 3;
    for (int y = 0; y < height / 2; ++y)
        std::swap_ranges(rgb.begin() + y * row, rgb.begin() + (y + 1) * row,
                         rgb.begin() + (height - 1 - y) * row);
    return rgb;
}

}  // namespace

std::vector<control::ParamSpec> stageParamSpecs() {
    std::vector<control::ParamSpec> specs;
    for (const render::PostParam& p : render::postParams())
        specs.push_back({p.name, p.min, p.max, p.defaultValue, 0.05f, p.help});
    return specs;
}

render::PostInput postInputFrom(const control::ControlInput& in, double timeSec) {
    render::PostInput p;
    p.timeSec = static_cast<float>(timeSec);
    p.level = in.level;
    p.bass = in.bass;
    p.mid = in.mid;
    p.high = in.high;
    p.onset = in.onsetStrength;
    p.onsetEnvelope = in.onsetEnvelope;
    p.beatEnvelope = in.beatEnvelope;
    p.beatPhase = in.beatPhase;
    p.bpm = in.bpm;
    return p;
}

Stage::Stage(const StageConfig& config) : m_config(config) {
    m_monitors = render::listMonitors();
    spdlog::info("monitors {}: {}", m_monitors.size(), render::describeMonitors(m_monitors));
    openWindows(m_monitors);
    m_output->makeCurrent();
    m_post = std::make_unique<render::PostChain>(config.postDir, config.userDir);
    m_panel.fit = config.fit;
    for (int i = 0; i < static_cast<int>(std::size(render::kCanvasSizes)); ++i)
        if (render::kCanvasSizes[i].width == config.canvasWidth &&
            render::kCanvasSizes[i].height == config.canvasHeight)
            m_panel.canvas = i;
    m_panel.twoWindows = twoWindows();
    refreshMonitorNames();
    describe();
}

Stage::~Stage() {
    if (m_fence) glDeleteSync(static_cast<GLsync>(m_fence));
    m_output->makeCurrent();
    m_post.reset();
    m_control.reset();
    m_output.reset();
}

void Stage::openWindows(const std::vector<render::MonitorInfo>& monitors) {
    render::Placement start = render::placeAtStart(monitors, m_config.outputMonitor);
    if (!start.error.empty()) spdlog::error("{}", start.error);
    bool two = start.twoWindows();
    if (m_config.windows == "1") two = false;
    if (m_config.windows == "2") two = true;

    render::WindowConfig output;
    output.title = "autolume output";
    output.width = m_config.width;
    output.height = m_config.height;
    output.ui = !two;
    if (!two) {
        output.title = "autolume";
        m_output = std::make_unique<render::Window>(output);
        const bool fullscreen = start.outputMonitor >= 0 || m_config.fullscreen;
        const int monitor = start.outputMonitor >= 0 ? start.outputMonitor : start.controlMonitor;
        if (const render::MonitorInfo* m = render::findMonitor(monitors, monitor)) {
            m_controlMeantFor = m->name;
            if (fullscreen) m_outputMeantFor = m->name;
        }
        if (fullscreen) placeOutput(monitor);
        return;
    }
    // The control window first, so the output (created last) is on top and has the focus.
    const render::MonitorInfo* controlMonitor = render::findMonitor(monitors, start.controlMonitor);
    render::WindowConfig control;
    control.title = "autolume control";
    control.width = 1280;
    control.height = 800;
    control.ui = true;
    control.vsync = false;  // never makes the output wait for a vertical blank
    if (controlMonitor) {
        control.width = std::min(control.width, controlMonitor->width - 80);
        control.height = std::min(control.height, controlMonitor->height - 80);
        control.x = controlMonitor->x + 40;
        control.y = controlMonitor->y + 40;
        m_controlMeantFor = controlMonitor->name;
    }
    m_control = std::make_unique<render::Window>(control);
    // Windowed output (one monitor, or --windows 2): right of the control window where it
    // fits on the monitor, else in the monitor's bottom-right corner (over the lower part of
    // the stage window, never over the panel).
    if (controlMonitor) {
        const render::MonitorInfo& m = *controlMonitor;
        const int beside = control.x + control.width + 20;
        if (beside + output.width <= m.x + m.width) {
            output.x = beside;
            output.y = control.y;
        } else {
            output.x = std::max(m.x, m.x + m.width - output.width - 20);
            output.y = std::max(m.y, m.y + m.height - output.height - 20);
        }
    }
    m_output = std::make_unique<render::Window>(output, m_control.get());
    if (start.outputMonitor >= 0 && start.outputMonitor != start.controlMonitor) {
        placeOutput(start.outputMonitor);
    } else if (m_config.fullscreen && controlMonitor) {
        placeOutput(controlMonitor->index);
    }
}

void Stage::placeOutput(int monitor) {
    const render::MonitorInfo* m = render::findMonitor(m_monitors, monitor);
    m_output->setMonitor(m ? monitor : -1);
    m_outputMeantFor = m ? m->name : std::string();
}

void Stage::placeControl(const render::MonitorInfo* monitor) {
    if (!m_control || !monitor) return;
    m_control->setWindowedPlace(monitor->x + 40, monitor->y + 40,
                                std::min(1280, monitor->width - 80),
                                std::min(800, monitor->height - 80));
}

void Stage::describe() {
    const int out = m_output->monitor();
    const render::MonitorInfo* outMonitor = render::findMonitor(m_monitors, out);
    std::string text;
    if (!m_control) {
        text = outMonitor ? "one window: fullscreen on " + monitorText(*outMonitor)
                          : std::string("one window: windowed");
    } else {
        text = outMonitor ? "output: fullscreen on " + monitorText(*outMonitor)
                          : std::string("output: windowed");
        const render::MonitorInfo* c = byName(m_monitors, m_controlMeantFor);
        text += c ? "; control: window on " + monitorText(*c) : std::string("; control: window");
    }
    int x = 0, y = 0, w = 0, h = 0;
    glfwGetWindowPos(m_output->handle(), &x, &y);
    glfwGetWindowSize(m_output->handle(), &w, &h);
    text += " (output at " + std::to_string(x) + " " + std::to_string(y) + " " + std::to_string(w) +
            "x" + std::to_string(h) + ")";
    if (text != m_panel.placement) spdlog::info("{}", text);
    m_panel.placement = text;
    m_panel.outputMonitor = out;
}

void Stage::refreshMonitorNames() {
    m_panel.monitors.clear();
    for (const render::MonitorInfo& m : m_monitors)
        m_panel.monitors.push_back(std::to_string(m.index) + ": " + m.name + " " +
                                   std::to_string(m.width) + "x" + std::to_string(m.height));
}

void Stage::monitorsChanged() {
    m_monitors = render::listMonitors();
    spdlog::info("monitors changed: {}", render::describeMonitors(m_monitors));
    refreshMonitorNames();
    const render::Placement p =
        render::placeAfterHotplug(m_outputMeantFor, m_controlMeantFor, m_monitors);
    const std::string meant = m_outputMeantFor;  // placeOutput() rewrites it
    if (!meant.empty()) {
        // Fullscreen by choice: on its monitor while it is there, else on one that is left.
        m_output->setMonitor(p.outputMonitor);
        if (p.outputMonitor < 0 && !m_control && p.controlMonitor >= 0)
            m_output->setMonitor(p.controlMonitor);
    }
    if (m_control) {
        if (const render::MonitorInfo* c = render::findMonitor(m_monitors, p.controlMonitor))
            if (c->name != m_controlMeantFor || !byName(m_monitors, m_controlMeantFor))
                placeControl(c);
    }
    describe();
}

void Stage::nextMonitor() {
    if (m_monitors.empty()) return;
    const int current = m_output->monitor();
    const int next = (current + 1) % static_cast<int>(m_monitors.size());
    placeOutput(next);
    describe();
}

void Stage::toggleFullscreen() {
    if (m_output->fullscreen()) {
        placeOutput(-1);
    } else {
        // Back where it was meant to be, else the monitor the window is on (the primary).
        const render::MonitorInfo* m = byName(m_monitors, m_outputMeantFor);
        int target = m ? m->index : 0;
        if (!m && m_control && m_monitors.size() > 1) {
            const render::MonitorInfo* c = byName(m_monitors, m_controlMeantFor);
            for (const render::MonitorInfo& other : m_monitors)
                if (!c || other.name != c->name) {
                    target = other.index;
                    break;
                }
        }
        placeOutput(target);
    }
    describe();
}

void Stage::handleKey(const render::KeyPress& key, StageKeys& keys) {
    switch (key.key) {
        case GLFW_KEY_TAB:
            keys.togglePanel = true;
            break;
        case GLFW_KEY_F:
            spdlog::info("key F: fullscreen {}", m_output->fullscreen() ? "off" : "on");
            toggleFullscreen();
            break;
        case GLFW_KEY_M:
            spdlog::info("key M: next monitor");
            nextMonitor();
            break;
        case GLFW_KEY_R:
            if (!(key.mods & (GLFW_MOD_CONTROL | GLFW_MOD_ALT | GLFW_MOD_SUPER)))
                keys.toggleRecord = true;
            break;
        case GLFW_KEY_Q:
            // Ctrl+Q quits; a lone key never ends a show by accident.
            if (key.mods & GLFW_MOD_CONTROL) keys.quit = true;
            break;
        default:
            break;
    }
}

StageKeys Stage::poll() {
    m_display.pollEvents();
    if (m_display.takeMonitorsChanged()) monitorsChanged();
    StageKeys keys;
    for (render::Window* w : {m_output.get(), m_control.get()}) {
        if (!w) continue;
        const bool typing = w->typing();
        for (const render::KeyPress& key : w->takeKeys())
            if (!typing) handleKey(key, keys);
    }
    return keys;
}

bool Stage::shouldClose() const {
    return m_output->shouldClose() || (m_control && m_control->shouldClose());
}

void Stage::upload(const std::uint8_t* rgba, int width, int height) {
    m_output->makeCurrent();
    m_post->upload(rgba, width, height);
}

void Stage::apply(const render::StagePanelChanges& changes) {
    if (changes.monitor) {
        placeOutput(m_panel.outputMonitor);
        describe();
    }
    if (changes.fit) spdlog::info("fit: {}", render::fitModeName(m_panel.fit));
    if (changes.canvas) {
        const render::CanvasSize& size = render::kCanvasSizes[m_panel.canvas];
        m_config.canvasWidth = size.width;
        m_config.canvasHeight = size.height;
    }
    for (const auto& [name, on] : changes.stageToggles) {
        m_post->setStageEnabled(name, on);
        spdlog::info("post stage {} {}", name, on ? "on" : "off");
    }
}

void Stage::drawOutput(const render::PostInput& input, std::span<const float> params,
                       const std::function<void()>& drawUi) {
    m_output->beginFrame();
    const std::int64_t now = steadyNs();
    if (now >= m_nextReloadNs) {
        m_post->reloadUserStages();
        m_panel.stages = m_post->stages();
        logStageErrors();
        m_nextReloadNs = now + 250'000'000;
    }
    const int fbWidth = m_output->framebufferWidth();
    const int fbHeight = m_output->framebufferHeight();
    if (m_post->hasFrame() && fbWidth > 0 && fbHeight > 0) {
        const int w = m_config.canvasWidth > 0 ? m_config.canvasWidth : fbWidth;
        const int h = m_config.canvasHeight > 0 ? m_config.canvasHeight : fbHeight;
        m_post->setParams(params);
        m_post->render(w, h, m_panel.fit, input);
        glBindFramebuffer(GL_FRAMEBUFFER, 0);
        glViewport(0, 0, fbWidth, fbHeight);
        m_post->drawOutput(fbWidth, fbHeight);
        if (m_wantShot) {
            m_shot = readBackBuffer(fbWidth, fbHeight);
            m_shotWidth = fbWidth;
            m_shotHeight = fbHeight;
            m_wantShot = false;
            m_shotReady = true;
        }
        if (m_control) {
            if (m_fence) glDeleteSync(static_cast<GLsync>(m_fence));
            m_fence = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
            glFlush();
        }
        m_panel.previewTexture = m_post->outputTexture();
        m_panel.previewWidth = m_post->outputWidth();
        m_panel.previewHeight = m_post->outputHeight();
    }
    if (m_output->hasUi()) {
        m_output->beginUi();
        drawUi();
    }
    m_output->present();
    ++m_outputPresents;
}

// A stage that starts failing (or fails differently) is named once in the log; the panel shows
// its compiler message for as long as it fails.
void Stage::logStageErrors() {
    std::string errors;
    for (const render::PostStageStatus& stage : m_panel.stages)
        if (!stage.error.empty()) errors += stage.error + "\n";
    if (errors == m_stageErrors) return;
    m_stageErrors = errors;
    for (const render::PostStageStatus& stage : m_panel.stages)
        if (!stage.error.empty())
            spdlog::error("post stage {} bypassed: {}", stage.name, stage.error);
}

bool Stage::controlDue(std::int64_t nowNs) const {
    return m_control && nowNs - m_lastControlNs >= static_cast<std::int64_t>(1e9 / kControlHz);
}

void Stage::drawControl(const std::function<void()>& drawUi, std::int64_t nowNs) {
    m_lastControlNs = nowNs;
    m_control->beginFrame();
    // The preview samples the output's texture: wait (on the GPU) for its frame.
    if (m_fence) glWaitSync(static_cast<GLsync>(m_fence), 0, GL_TIMEOUT_IGNORED);
    m_control->beginUi();
    drawUi();
    m_control->present();
    ++m_controlPresents;
    m_output->makeCurrent();
}

}  // namespace autolume::app
