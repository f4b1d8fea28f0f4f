// V4L2 output (v4l2loopback); see v4l2_writer.hpp.
#include "autolume/io/v4l2_writer.hpp"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace autolume::io {
namespace {

int xioctl(int fd, unsigned long request, void* arg) {
    int r = 0;
    do {
        r = ioctl(fd, request, arg);
    } while (r < 0 && errno == EINTR);
    return r;
}

bool takesOutput(int fd) {
    v4l2_capability cap{};
    if (xioctl(fd, VIDIOC_QUERYCAP, &cap) < 0) return false;
    const std::uint32_t caps =
        (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
    return (caps & V4L2_CAP_VIDEO_OUTPUT) != 0;
}

std::uint8_t clampByte(int v) {
    return static_cast<std::uint8_t>(std::clamp(v, 0, 255));
}

}  // namespace

V4l2Writer::V4l2Writer(const std::string& device, int width, int height, double fps)
    : m_device(device), m_width(width), m_height(height) {
    auto fail = [&](const std::string& what) {
        const std::string text = device + ": " + what;
        if (m_fd >= 0) ::close(m_fd);
        m_fd = -1;
        throw std::runtime_error(text);
    };
    if (width <= 0 || height <= 0 || width % 2)
        fail("frame size " + std::to_string(width) + "x" + std::to_string(height));
    m_fd = ::open(device.c_str(), O_RDWR | O_NONBLOCK);
    if (m_fd < 0)
        fail(std::string("cannot open (") + std::strerror(errno) +
             "; is the v4l2loopback module loaded? sudo modprobe v4l2loopback)");
    if (!takesOutput(m_fd)) fail("not a video output device (want a v4l2loopback device)");
    v4l2_format format{};
    format.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
    format.fmt.pix.width = static_cast<std::uint32_t>(width);
    format.fmt.pix.height = static_cast<std::uint32_t>(height);
    format.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
    format.fmt.pix.field = V4L2_FIELD_NONE;
    format.fmt.pix.bytesperline = static_cast<std::uint32_t>(width) * 2;
    format.fmt.pix.sizeimage = static_cast<std::uint32_t>(width) * 2 * height;
    format.fmt.pix.colorspace = V4L2_COLORSPACE_SMPTE170M;
    if (xioctl(m_fd, VIDIOC_S_FMT, &format) < 0)
        fail(std::string("cannot set YUYV ") + std::to_string(width) + "x" +
             std::to_string(height) + " (" + std::strerror(errno) + ")");
    if (format.fmt.pix.pixelformat != V4L2_PIX_FMT_YUYV ||
        format.fmt.pix.width != static_cast<std::uint32_t>(width) ||
        format.fmt.pix.height != static_cast<std::uint32_t>(height))
        fail("the device refused YUYV " + std::to_string(width) + "x" + std::to_string(height));
    v4l2_streamparm parm{};
    parm.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
    parm.parm.output.timeperframe.numerator = 1000;
    parm.parm.output.timeperframe.denominator = static_cast<std::uint32_t>(fps * 1000.0);
    xioctl(m_fd, VIDIOC_S_PARM, &parm);  // optional: v4l2loopback uses it for its clients
    // Blocking writes from here on: the recorder's thread may wait, the stage never does.
    fcntl(m_fd, F_SETFL, fcntl(m_fd, F_GETFL) & ~O_NONBLOCK);
    m_yuyv.resize(static_cast<std::size_t>(width) * height * 2);
}

V4l2Writer::~V4l2Writer() {
    if (m_fd >= 0) ::close(m_fd);
}

void V4l2Writer::write(const std::uint8_t* rgba) {
    const int w = m_width, h = m_height;
    for (int y = 0; y < h; ++y) {
        const std::uint8_t* row = rgba + static_cast<std::size_t>(h - 1 - y) * w * 4;
        std::uint8_t* out = m_yuyv.data() + static_cast<std::size_t>(y) * w * 2;
        for (int x = 0; x < w; x += 2) {
            const std::uint8_t* p = row + x * 4;
            int yy[2], u = 0, v = 0;
            for (int i = 0; i < 2; ++i) {
                const int r = p[i * 4], g = p[i * 4 + 1], b = p[i * 4 + 2];
                yy[i] = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
                u += ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128;
                v += ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128;
            }
            out[x * 2] = clampByte(yy[0]);
            out[x * 2 + 1] = clampByte(u / 2);
            out[x * 2 + 2] = clampByte(yy[1]);
            out[x * 2 + 3] = clampByte(v / 2);
        }
    }
    const ssize_t n = ::write(m_fd, m_yuyv.data(), m_yuyv.size());
    if (n != static_cast<ssize_t>(m_yuyv.size()))
        throw std::runtime_error(m_device + ": write failed (" +
                                 (n < 0 ? std::string(std::strerror(errno)) : "short write") + ")");
}

std::vector<std::string> V4l2Writer::outputDevices() {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/dev", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("video", 0) != 0) continue;
        const int fd = ::open(entry.path().c_str(), O_RDWR | O_NONBLOCK);
        if (fd < 0) continue;
        if (takesOutput(fd)) found.push_back(entry.path().string());
        ::close(fd);
    }
    std::sort(found.begin(), found.end());
    return found;
}

}  // namespace autolume::io
