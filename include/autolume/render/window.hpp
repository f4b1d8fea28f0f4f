// The app's window: GLFW + an OpenGL 3.3 core context (glad) + Dear ImGui.
//
// Thread contract: main thread only. The GL context and the ImGui context live on the thread
// that created the Window and are never touched from another.
#pragma once

#include <string>

struct GLFWwindow;

namespace autolume::render {

struct WindowConfig {
    std::string title = "autolume";
    int width = 1280;
    int height = 720;
    bool fullscreen = false;
    int monitor = 0;  // for fullscreen: index into glfwGetMonitors()
    bool vsync = true;
};

class Window {
  public:
    // Throws std::runtime_error with a one-line reason (no display, no OpenGL 3.3).
    explicit Window(const WindowConfig& config);
    ~Window();
    Window(const Window&) = delete;
    Window& operator=(const Window&) = delete;

    bool shouldClose() const;
    void requestClose();
    void pollEvents();
    void toggleFullscreen();

    // A frame: beginFrame() clears; draw the picture; then beginUi(); ImGui calls; present().
    void beginFrame();
    void beginUi();
    void present();

    int framebufferWidth() const;
    int framebufferHeight() const;
    std::string glRenderer() const;
    // Refresh rate of the monitor the window is on (or the primary one), 60 if unknown.
    int refreshRate() const;
    GLFWwindow* handle() const { return m_window; }

  private:
    GLFWwindow* m_window = nullptr;
    WindowConfig m_config;
    int m_windowedPos[2] = {100, 100};
    int m_windowedSize[2] = {1280, 720};
};

}  // namespace autolume::render
