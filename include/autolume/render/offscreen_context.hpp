// An OpenGL 3.3 core context with no window and no display server (EGL), for rendering
// offline (`autolume render`): on a GPU's EGL device when there is one (NVIDIA's headless
// EGL), else Mesa's surfaceless platform (llvmpipe on a machine without a GPU), else EGL's
// default display. Draw into framebuffer objects; there is no default framebuffer.
//
// Thread contract: made and used on one thread (it is made current on construction).
#pragma once

#include <string>

namespace autolume::render {

class OffscreenContext {
  public:
    // Throws std::runtime_error (one line: which EGL step failed) when no context can be made.
    OffscreenContext();
    ~OffscreenContext();
    OffscreenContext(const OffscreenContext&) = delete;
    OffscreenContext& operator=(const OffscreenContext&) = delete;

    void makeCurrent();
    const std::string& description() const noexcept { return m_description; }  // GL renderer

  private:
    void* m_display = nullptr;
    void* m_context = nullptr;
    std::string m_description;
};

}  // namespace autolume::render
