// Asynchronous GPU read-back of the output picture for recordings and streams: a texture is
// copied (scaled to the reader's size when it differs) into one of a few pixel buffer objects,
// and collected a frame or two later when its fence has passed, so the stage loop never waits
// for the GPU. When every buffer is still in flight the new read is refused (the caller counts
// it as a dropped frame).
//
// Thread contract: main thread only, with the GL context that owns the texture current (the
// output window's).
#pragma once

#include <array>
#include <cstdint>

namespace autolume::render {

class FrameReader {
  public:
    static constexpr int kSlots = 3;

    // RGBA8 reads of width x height, bottom row first (GL's order).
    FrameReader(int width, int height);
    ~FrameReader();
    FrameReader(const FrameReader&) = delete;
    FrameReader& operator=(const FrameReader&) = delete;

    int width() const noexcept { return m_width; }
    int height() const noexcept { return m_height; }

    // Starts reading `texture` (texWidth x texHeight) into a free buffer, remembering `tag`.
    // False when no buffer is free.
    bool start(unsigned texture, int texWidth, int texHeight, std::int64_t tag);
    // The oldest read whose copy has finished, mapped (nullptr: none yet); give it back with
    // unmap() before the next start() or collect().
    const std::uint8_t* collect(std::int64_t& tag);
    void unmap();
    // Waits for the GPU to finish every read started (at exit only: it blocks).
    void finishAll();
    // Reads started and not yet collected.
    int inFlight() const noexcept { return m_pending; }

  private:
    struct Slot {
        unsigned pbo = 0;
        void* fence = nullptr;  // GLsync
        std::int64_t tag = 0;
    };
    int m_width;
    int m_height;
    unsigned m_sourceFbo = 0;  // the texture to read, attached
    unsigned m_scaleFbo = 0;   // the reader's size, when the texture's differs
    unsigned m_scaleRb = 0;
    std::array<Slot, kSlots> m_slots{};
    int m_next = 0;     // slot of the next start()
    int m_oldest = 0;   // slot of the next collect()
    int m_pending = 0;  // started, not collected
    int m_mapped = -1;
};

}  // namespace autolume::render
