// Image files: PNG output through stb_image_write (Debian's libstb), PNG/any input through
// stb_image.
//
// Thread contract: free functions, no shared state; call from any non-real-time thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace autolume::io {

struct Image {
    int width = 0;
    int height = 0;
    int channels = 0;                  // 3 (RGB) or 4 (RGBA)
    std::vector<std::uint8_t> pixels;  // row-major, top row first
};

// Throws std::runtime_error naming the file on failure.
void writePng(const std::string& path, const Image& image);
Image readImage(const std::string& path);

}  // namespace autolume::io
