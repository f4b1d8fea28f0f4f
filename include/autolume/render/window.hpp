// The app's windows: GLFW + OpenGL 3.3 core contexts (glad), Dear ImGui on the one window
// that has the UI.
//
// The stage has an output window (the picture only; the cursor hidden when fullscreen) and a
// control window (panel, preview, scopes). Their contexts share objects, so the control
// window shows the output's texture. One-screen laptops use one window with the UI.
//
// Keys arrive through GLFW's key callback into a queue (takeKeys()), so a tap shorter than a
// frame is never lost; ImGui's callbacks are chained after ours.
//
// Thread contract: main thread only (GLFW's rule for windows and events). Display first,
// windows after; destroy windows before the Display. At most one window has `ui`.
#pragma once

#include <string>
#include <vector>

struct GLFWwindow;

namespace autolume::render {

// GLFW for the process, and whether the monitors changed (plugged or unplugged).
class Display {
  public:
    // Throws std::runtime_error with a one-line reason (no display).
    Display();
    ~Display();
    Display(const Display&) = delete;
    Display& operator=(const Display&) = delete;

    void pollEvents();
    // True once after each change of the monitor list.
    bool takeMonitorsChanged();
};

struct WindowConfig {
    std::string title = "autolume";
    int width = 1280;  // windowed size
    int height = 720;
    int x = -1;  // windowed position on the desktop; -1: where the window manager puts it
    int y = -1;
    int monitor = -1;  // >= 0: fullscreen on that monitor (index into glfwGetMonitors())
    bool vsync = true;
    bool visible = true;
    bool ui = false;  // owns the ImGui context
    bool hideCursorWhenFullscreen = true;
};

struct KeyPress {
    int key = 0;   // GLFW_KEY_*
    int mods = 0;  // GLFW_MOD_*
};

class Window {
  public:
    // Throws std::runtime_error with a one-line reason (no OpenGL 3.3). `share`: a window
    // whose textures this one's context shares.
    explicit Window(const WindowConfig& config, const Window* share = nullptr);
    ~Window();
    Window(const Window&) = delete;
    Window& operator=(const Window&) = delete;

    bool shouldClose() const;
    void requestClose();
    void makeCurrent();

    // Fullscreen on monitor `index` (index into glfwGetMonitors()), or windowed at the last
    // windowed place when index < 0. An index that does not exist: windowed.
    void setMonitor(int index);
    // The monitor index it is fullscreen on, -1 when windowed.
    int monitor() const;
    bool fullscreen() const { return monitor() >= 0; }
    void setWindowedPlace(int x, int y, int width, int height);

    // Key presses since the last call, in order (repeats left out).
    std::vector<KeyPress> takeKeys();
    // True while an ImGui text field has the keyboard (keys are the field's, not shortcuts).
    bool typing() const;

    // A frame: beginFrame() makes the context current and clears; draw; beginUi(); ImGui calls
    // (ui windows only); present() renders the UI and swaps.
    void beginFrame();
    void beginUi();
    void present();

    int framebufferWidth() const;
    int framebufferHeight() const;
    std::string glRenderer() const;
    // Refresh rate of the monitor the window is on (or the primary one), 60 if unknown.
    int refreshRate() const;
    GLFWwindow* handle() const { return m_window; }
    bool hasUi() const { return m_config.ui; }

  private:
    static void onKey(GLFWwindow* window, int key, int scancode, int action, int mods);
    void applyCursor();

    GLFWwindow* m_window = nullptr;
    WindowConfig m_config;
    int m_windowedPos[2] = {100, 100};
    int m_windowedSize[2] = {1280, 720};
    std::vector<KeyPress> m_keys;
};

}  // namespace autolume::render
