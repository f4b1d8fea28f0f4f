// Shows generated frames: an RGBA8 texture updated in place, drawn letterboxed (aspect kept)
// with the program in shaders/frame.{vert,frag}.
//
// Thread contract: main (GL) thread only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "autolume/render/shader_program.hpp"

namespace autolume::render {

class FrameView {
  public:
    explicit FrameView(const std::filesystem::path& shaderDir);
    ~FrameView();
    FrameView(const FrameView&) = delete;
    FrameView& operator=(const FrameView&) = delete;

    void upload(const std::uint8_t* rgba, int width, int height);
    void draw(int viewportWidth, int viewportHeight, float timeSec);
    bool hasFrame() const { return m_width > 0; }

    // Reads back what draw() put in the current framebuffer (RGB, top row first).
    static std::vector<std::uint8_t> readPixels(int width, int height);

    ShaderProgram& program() { return m_program; }

  private:
    ShaderProgram m_program;
    unsigned m_texture = 0;
    unsigned m_vertexArray = 0;
    int m_width = 0;
    int m_height = 0;
};

}  // namespace autolume::render
