#include "autolume/render/window.hpp"

#include <glad/gl.h>
// GLFW after glad: glad provides the GL declarations.
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <stdexcept>
#include <utility>

namespace autolume::render {

namespace {

std::string g_glfwError;
bool g_monitorsChanged = false;

void onGlfwError(int, const char* description) {
    g_glfwError = description;
}

void onMonitor(GLFWmonitor*, int) {
    g_monitorsChanged = true;
}

GLFWmonitor* monitorAt(int index) {
    int count = 0;
    GLFWmonitor** monitors = glfwGetMonitors(&count);
    return index >= 0 && index < count ? monitors[index] : nullptr;
}

}  // namespace

Display::Display() {
    glfwSetErrorCallback(onGlfwError);
    if (!glfwInit())
        throw std::runtime_error("cannot open a window: " +
                                 (g_glfwError.empty() ? std::string("no display") : g_glfwError) +
                                 " (is DISPLAY set? use xvfb-run on a headless machine)");
    glfwSetMonitorCallback(onMonitor);
}

Display::~Display() {
    glfwTerminate();
}

void Display::pollEvents() {
    glfwPollEvents();
}

bool Display::takeMonitorsChanged() {
    return std::exchange(g_monitorsChanged, false);
}

Window::Window(const WindowConfig& config, const Window* share) : m_config(config) {
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    // Created hidden and shown once in place: no window flashing up at the wrong spot.
    glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
    // A fullscreen output stays up when the performer clicks into the control window.
    glfwWindowHint(GLFW_AUTO_ICONIFY, GLFW_FALSE);
    m_windowedSize[0] = config.width;
    m_windowedSize[1] = config.height;
    if (config.x >= 0 && config.y >= 0) {
        m_windowedPos[0] = config.x;
        m_windowedPos[1] = config.y;
    }
    m_window = glfwCreateWindow(config.width, config.height, config.title.c_str(), nullptr,
                                share ? share->m_window : nullptr);
    if (!m_window)
        throw std::runtime_error("cannot create an OpenGL 3.3 core window: " + g_glfwError);
    if (config.x >= 0 && config.y >= 0) glfwSetWindowPos(m_window, config.x, config.y);
    glfwSetWindowUserPointer(m_window, this);
    // Ours first: ImGui's backend chains to the callback installed before it.
    glfwSetKeyCallback(m_window, onKey);
    glfwMakeContextCurrent(m_window);
    if (!gladLoadGL(glfwGetProcAddress)) {
        glfwDestroyWindow(m_window);
        throw std::runtime_error("cannot load OpenGL 3.3 core functions");
    }
    glfwSwapInterval(config.vsync ? 1 : 0);
    if (config.monitor >= 0) setMonitor(config.monitor);
    if (config.visible) glfwShowWindow(m_window);

    if (config.ui) {
        IMGUI_CHECKVERSION();
        ImGui::CreateContext();
        ImGui::GetIO().IniFilename = nullptr;  // the layout is ours; no imgui.ini in the cwd
        ImGui::StyleColorsDark();
        ImGui::GetStyle().Alpha = 0.92f;
        ImGui_ImplGlfw_InitForOpenGL(m_window, true);
        ImGui_ImplOpenGL3_Init("#version 330 core");
        // ImGui 1.86's backend replaces the monitor callback with an empty one (it is for the
        // docking branch) and does not chain it: ours again.
        glfwSetMonitorCallback(onMonitor);
    }
}

Window::~Window() {
    glfwMakeContextCurrent(m_window);
    if (m_config.ui) {
        ImGui_ImplOpenGL3_Shutdown();
        ImGui_ImplGlfw_Shutdown();
        ImGui::DestroyContext();
    }
    glfwDestroyWindow(m_window);
}

void Window::onKey(GLFWwindow* window, int key, int, int action, int mods) {
    if (action != GLFW_PRESS) return;
    auto* self = static_cast<Window*>(glfwGetWindowUserPointer(window));
    if (self) self->m_keys.push_back({key, mods});
}

std::vector<KeyPress> Window::takeKeys() {
    return std::exchange(m_keys, {});
}

bool Window::typing() const {
    return m_config.ui && ImGui::GetCurrentContext() && ImGui::GetIO().WantTextInput;
}

bool Window::shouldClose() const {
    return glfwWindowShouldClose(m_window);
}
void Window::requestClose() {
    glfwSetWindowShouldClose(m_window, GLFW_TRUE);
}
void Window::makeCurrent() {
    if (glfwGetCurrentContext() != m_window) glfwMakeContextCurrent(m_window);
}

int Window::monitor() const {
    GLFWmonitor* current = glfwGetWindowMonitor(m_window);
    if (!current) return -1;
    int count = 0;
    GLFWmonitor** monitors = glfwGetMonitors(&count);
    for (int i = 0; i < count; ++i)
        if (monitors[i] == current) return i;
    return -1;
}

void Window::setWindowedPlace(int x, int y, int width, int height) {
    m_windowedPos[0] = x;
    m_windowedPos[1] = y;
    m_windowedSize[0] = width;
    m_windowedSize[1] = height;
    if (!fullscreen()) {
        glfwSetWindowPos(m_window, x, y);
        glfwSetWindowSize(m_window, width, height);
    }
}

void Window::setMonitor(int index) {
    GLFWmonitor* target = monitorAt(index);
    const bool wasFullscreen = glfwGetWindowMonitor(m_window) != nullptr;
    if (!wasFullscreen) {
        glfwGetWindowPos(m_window, &m_windowedPos[0], &m_windowedPos[1]);
        glfwGetWindowSize(m_window, &m_windowedSize[0], &m_windowedSize[1]);
    }
    if (target) {
        const GLFWvidmode* mode = glfwGetVideoMode(target);
        glfwSetWindowMonitor(m_window, target, 0, 0, mode->width, mode->height, mode->refreshRate);
    } else if (wasFullscreen) {
        glfwSetWindowMonitor(m_window, nullptr, m_windowedPos[0], m_windowedPos[1],
                             m_windowedSize[0], m_windowedSize[1], 0);
    }
    applyCursor();
}

void Window::applyCursor() {
    const bool hide = m_config.hideCursorWhenFullscreen && fullscreen();
    glfwSetInputMode(m_window, GLFW_CURSOR, hide ? GLFW_CURSOR_HIDDEN : GLFW_CURSOR_NORMAL);
}

void Window::beginFrame() {
    makeCurrent();
    glViewport(0, 0, framebufferWidth(), framebufferHeight());
    glClearColor(0.0f, 0.0f, 0.0f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
}

void Window::beginUi() {
    if (!m_config.ui) return;
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
}

void Window::present() {
    makeCurrent();
    if (m_config.ui) {
        ImGui::Render();
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    }
    glfwSwapBuffers(m_window);
}

int Window::framebufferWidth() const {
    int w = 0, h = 0;
    glfwGetFramebufferSize(m_window, &w, &h);
    return w;
}

int Window::framebufferHeight() const {
    int w = 0, h = 0;
    glfwGetFramebufferSize(m_window, &w, &h);
    return h;
}

int Window::refreshRate() const {
    GLFWmonitor* monitor = glfwGetWindowMonitor(m_window);
    if (!monitor) monitor = glfwGetPrimaryMonitor();
    const GLFWvidmode* mode = monitor ? glfwGetVideoMode(monitor) : nullptr;
    return mode && mode->refreshRate > 0 ? mode->refreshRate : 60;
}

std::string Window::glRenderer() const {
    const auto* renderer = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
    const auto* version = reinterpret_cast<const char*>(glGetString(GL_VERSION));
    return std::string(renderer ? renderer : "?") + ", OpenGL " + (version ? version : "?");
}

}  // namespace autolume::render
