// Asynchronous read-back through pixel buffer objects; see frame_reader.hpp.
#include "autolume/render/frame_reader.hpp"

#include <glad/gl.h>

#include <stdexcept>
#include <string>

namespace autolume::render {

FrameReader::FrameReader(int width, int height) : m_width(width), m_height(height) {
    if (width <= 0 || height <= 0)
        throw std::runtime_error("frame reader: size " + std::to_string(width) + "x" +
                                 std::to_string(height));
    const auto bytes = static_cast<GLsizeiptr>(width) * height * 4;
    for (Slot& s : m_slots) {
        glGenBuffers(1, &s.pbo);
        glBindBuffer(GL_PIXEL_PACK_BUFFER, s.pbo);
        glBufferData(GL_PIXEL_PACK_BUFFER, bytes, nullptr, GL_STREAM_READ);
    }
    glBindBuffer(GL_PIXEL_PACK_BUFFER, 0);
    glGenFramebuffers(1, &m_sourceFbo);
}

FrameReader::~FrameReader() {
    unmap();
    for (Slot& s : m_slots) {
        if (s.fence) glDeleteSync(static_cast<GLsync>(s.fence));
        glDeleteBuffers(1, &s.pbo);
    }
    glDeleteFramebuffers(1, &m_sourceFbo);
    if (m_scaleFbo) glDeleteFramebuffers(1, &m_scaleFbo);
    if (m_scaleRb) glDeleteRenderbuffers(1, &m_scaleRb);
}

bool FrameReader::start(unsigned texture, int texWidth, int texHeight, std::int64_t tag) {
    if (m_pending == kSlots || m_mapped >= 0 || texture == 0) return false;
    GLint drawFbo = 0, readFbo = 0;
    glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &drawFbo);
    glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &readFbo);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, m_sourceFbo);
    glFramebufferTexture2D(GL_READ_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture, 0);
    if (texWidth != m_width || texHeight != m_height) {
        // Another canvas size than the recording's: scaled on the GPU, the file keeps its size.
        if (!m_scaleFbo) {
            glGenRenderbuffers(1, &m_scaleRb);
            glBindRenderbuffer(GL_RENDERBUFFER, m_scaleRb);
            glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, m_width, m_height);
            glGenFramebuffers(1, &m_scaleFbo);
            glBindFramebuffer(GL_DRAW_FRAMEBUFFER, m_scaleFbo);
            glFramebufferRenderbuffer(GL_DRAW_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER,
                                      m_scaleRb);
        }
        glBindFramebuffer(GL_DRAW_FRAMEBUFFER, m_scaleFbo);
        glBlitFramebuffer(0, 0, texWidth, texHeight, 0, 0, m_width, m_height, GL_COLOR_BUFFER_BIT,
                          GL_LINEAR);
        glBindFramebuffer(GL_READ_FRAMEBUFFER, m_scaleFbo);
    }
    Slot& s = m_slots[static_cast<std::size_t>(m_next)];
    glReadBuffer(GL_COLOR_ATTACHMENT0);
    glPixelStorei(GL_PACK_ALIGNMENT, 4);
    glBindBuffer(GL_PIXEL_PACK_BUFFER, s.pbo);
    glReadPixels(0, 0, m_width, m_height, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
    glBindBuffer(GL_PIXEL_PACK_BUFFER, 0);
    s.fence = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
    s.tag = tag;
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, static_cast<GLuint>(drawFbo));
    glBindFramebuffer(GL_READ_FRAMEBUFFER, static_cast<GLuint>(readFbo));
    m_next = (m_next + 1) % kSlots;
    ++m_pending;
    return true;
}

const std::uint8_t* FrameReader::collect(std::int64_t& tag) {
    if (m_pending == 0 || m_mapped >= 0) return nullptr;
    Slot& s = m_slots[static_cast<std::size_t>(m_oldest)];
    // Zero timeout: only asks whether the copy is done, never waits for it.
    const GLenum state = glClientWaitSync(static_cast<GLsync>(s.fence), 0, 0);
    if (state != GL_ALREADY_SIGNALED && state != GL_CONDITION_SATISFIED) return nullptr;
    glDeleteSync(static_cast<GLsync>(s.fence));
    s.fence = nullptr;
    glBindBuffer(GL_PIXEL_PACK_BUFFER, s.pbo);
    const auto bytes = static_cast<GLsizeiptr>(m_width) * m_height * 4;
    void* data = glMapBufferRange(GL_PIXEL_PACK_BUFFER, 0, bytes, GL_MAP_READ_BIT);
    glBindBuffer(GL_PIXEL_PACK_BUFFER, 0);
    m_mapped = m_oldest;
    m_oldest = (m_oldest + 1) % kSlots;
    --m_pending;
    tag = s.tag;
    if (!data) {
        unmap();
        return nullptr;
    }
    return static_cast<const std::uint8_t*>(data);
}

void FrameReader::finishAll() {
    glFinish();
}

void FrameReader::unmap() {
    if (m_mapped < 0) return;
    glBindBuffer(GL_PIXEL_PACK_BUFFER, m_slots[static_cast<std::size_t>(m_mapped)].pbo);
    glUnmapBuffer(GL_PIXEL_PACK_BUFFER);
    glBindBuffer(GL_PIXEL_PACK_BUFFER, 0);
    m_mapped = -1;
}

}  // namespace autolume::render
