// PNG through stb (Debian's libstb provides the implementation in libstb.so).
#include "autolume/io/image.hpp"

#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include <stdexcept>

namespace autolume::io {

void writePng(const std::string& path, const Image& image) {
    if (image.width <= 0 || image.height <= 0 || (image.channels != 3 && image.channels != 4) ||
        image.pixels.size() !=
            static_cast<std::size_t>(image.width) * image.height * image.channels)
        throw std::runtime_error(path + ": invalid image to write");
    if (!stbi_write_png(path.c_str(), image.width, image.height, image.channels,
                        image.pixels.data(), image.width * image.channels))
        throw std::runtime_error(path + ": cannot write PNG");
}

Image readImage(const std::string& path) {
    Image image;
    int fileChannels = 0;
    unsigned char* data = stbi_load(path.c_str(), &image.width, &image.height, &fileChannels, 4);
    if (!data)
        throw std::runtime_error(path + ": cannot read image (" + stbi_failure_reason() + ")");
    image.channels = 4;
    image.pixels.assign(data, data + static_cast<std::size_t>(image.width) * image.height * 4);
    stbi_image_free(data);
    return image;
}

}  // namespace autolume::io
