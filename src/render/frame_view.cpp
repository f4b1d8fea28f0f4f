#include "autolume/render/frame_view.hpp"

#include <glad/gl.h>

#include <algorithm>

namespace autolume::render {

FrameView::FrameView(const std::filesystem::path& shaderDir)
    : m_program(shaderDir / "frame.vert", shaderDir / "frame.frag") {
    // The vertex shader makes a full-screen quad from gl_VertexID; core profile still needs
    // a bound vertex array object.
    glGenVertexArrays(1, &m_vertexArray);
    glGenTextures(1, &m_texture);
    glBindTexture(GL_TEXTURE_2D, m_texture);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
}

FrameView::~FrameView() {
    glDeleteTextures(1, &m_texture);
    glDeleteVertexArrays(1, &m_vertexArray);
}

void FrameView::upload(const std::uint8_t* rgba, int width, int height) {
    glBindTexture(GL_TEXTURE_2D, m_texture);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    if (width != m_width || height != m_height) {
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
        m_width = width;
        m_height = height;
    } else {
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
    }
}

void FrameView::draw(int viewportWidth, int viewportHeight, float timeSec) {
    if (!hasFrame() || viewportWidth <= 0 || viewportHeight <= 0) return;
    // Letterbox: the largest rectangle of the frame's aspect that fits the viewport.
    const float frameAspect = static_cast<float>(m_width) / static_cast<float>(m_height);
    const float viewAspect = static_cast<float>(viewportWidth) / static_cast<float>(viewportHeight);
    const float sx = frameAspect < viewAspect ? frameAspect / viewAspect : 1.0f;
    const float sy = frameAspect < viewAspect ? 1.0f : viewAspect / frameAspect;

    glUseProgram(m_program.id());
    glUniform2f(m_program.uniform("uScale"), sx, sy);
    glUniform1f(m_program.uniform("uTime"), timeSec);
    glUniform1i(m_program.uniform("uFrame"), 0);
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, m_texture);
    glBindVertexArray(m_vertexArray);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    glBindVertexArray(0);
}

std::vector<std::uint8_t> FrameView::readPixels(int width, int height) {
    std::vector<std::uint8_t> rgb(static_cast<std::size_t>(width) * height * 3);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, rgb.data());
    // OpenGL's rows start at the bottom; image files start at the top.
    const std::size_t row = static_cast<std::size_t>(width) * 3;
    for (int y = 0; y < height / 2; ++y)
        std::swap_ranges(rgb.begin() + y * row, rgb.begin() + (y + 1) * row,
                         rgb.begin() + (height - 1 - y) * row);
    return rgb;
}

}  // namespace autolume::render
