// Frames to a V4L2 output device (a v4l2loopback /dev/videoN), so that OBS, browsers and other
// video software on Linux take the picture as a camera. Plain ioctls from linux/videodev2.h:
// the output format is set to YUYV (4:2:2, BT.601 limited range) and each frame is one write().
//
// Thread contract: one thread (the recorder's). Throws std::runtime_error with one line naming
// the device.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace autolume::io {

class V4l2Writer {
  public:
    V4l2Writer(const std::string& device, int width, int height, double fps);
    ~V4l2Writer();
    V4l2Writer(const V4l2Writer&) = delete;
    V4l2Writer& operator=(const V4l2Writer&) = delete;

    // RGBA, bottom row first (a GL read-back).
    void write(const std::uint8_t* rgbaBottomUp);

    // The /dev/video* devices that take output (v4l2loopback); empty when there are none.
    static std::vector<std::string> outputDevices();

  private:
    std::string m_device;
    int m_fd = -1;
    int m_width;
    int m_height;
    std::vector<std::uint8_t> m_yuyv;
};

}  // namespace autolume::io
