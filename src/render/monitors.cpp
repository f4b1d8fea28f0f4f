// Monitor listing through GLFW, and the pure placement policy (see monitors.hpp).
#include "autolume/render/monitors.hpp"

#include <GLFW/glfw3.h>

#include <cstdlib>
#include <string>

namespace autolume::render {

std::vector<MonitorInfo> listMonitors() {
    std::vector<MonitorInfo> list;
    int count = 0;
    GLFWmonitor** monitors = glfwGetMonitors(&count);
    GLFWmonitor* primary = glfwGetPrimaryMonitor();
    for (int i = 0; i < count; ++i) {
        MonitorInfo info;
        info.index = i;
        const char* name = glfwGetMonitorName(monitors[i]);
        info.name = name != nullptr ? name : "monitor " + std::to_string(i);
        if (const GLFWvidmode* mode = glfwGetVideoMode(monitors[i])) {
            info.width = mode->width;
            info.height = mode->height;
            info.refreshHz = mode->refreshRate;
        }
        glfwGetMonitorPos(monitors[i], &info.x, &info.y);
        info.primary = monitors[i] == primary;
        list.push_back(std::move(info));
    }
    return list;
}

MonitorQuery queryMonitorsOnce() {
    MonitorQuery query;
    // Debian's GLFW 3.3 speaks X11 only: without DISPLAY there is nothing to ask, and GLFW's
    // own message for it would mention a missing environment variable less plainly.
    const char* display = std::getenv("DISPLAY");
    if (display == nullptr || *display == '\0') {
        query.error = "DISPLAY unset: no X server to ask; run under X11 or set DISPLAY";
        return query;
    }
    // A window's error callback may be installed; this query reads the error itself.
    GLFWerrorfun previous = glfwSetErrorCallback(nullptr);
    if (!glfwInit()) {
        const char* description = nullptr;
        glfwGetError(&description);
        query.error = "DISPLAY=" + std::string(display) + ": " +
                      (description != nullptr ? description : "GLFW cannot initialise");
    } else {
        query.monitors = listMonitors();
        glfwTerminate();
    }
    glfwSetErrorCallback(previous);
    return query;
}

std::string describeMonitors(const std::vector<MonitorInfo>& monitors) {
    if (monitors.empty()) return "none";
    std::string line;
    for (const MonitorInfo& m : monitors) {
        if (!line.empty()) line += ", ";
        line += std::to_string(m.index) + ": " + m.name + " " + std::to_string(m.width) + "x" +
                std::to_string(m.height) + (m.x < 0 ? "" : "+") + std::to_string(m.x) +
                (m.y < 0 ? "" : "+") + std::to_string(m.y);
        if (m.refreshHz > 0) line += " " + std::to_string(m.refreshHz) + " Hz";
        if (m.primary) line += " (primary)";
    }
    return line;
}

const MonitorInfo* findMonitor(const std::vector<MonitorInfo>& monitors, int index) {
    for (const MonitorInfo& m : monitors)
        if (m.index == index) return &m;
    return nullptr;
}

namespace {

const MonitorInfo* findByName(const std::vector<MonitorInfo>& monitors, const std::string& name) {
    if (name.empty()) return nullptr;
    for (const MonitorInfo& m : monitors)
        if (m.name == name) return &m;
    return nullptr;
}

// The primary monitor; the first one when none is marked (GLFW's primary is its first).
const MonitorInfo* primaryOf(const std::vector<MonitorInfo>& monitors) {
    for (const MonitorInfo& m : monitors)
        if (m.primary) return &m;
    return monitors.empty() ? nullptr : &monitors.front();
}

// A monitor other than `avoid` (an index, or -1): non-primary ones first, in list order.
const MonitorInfo* otherThan(const std::vector<MonitorInfo>& monitors, int avoid) {
    const MonitorInfo* primary = primaryOf(monitors);
    for (const MonitorInfo& m : monitors)
        if (m.index != avoid && &m != primary) return &m;
    if (primary != nullptr && primary->index != avoid) return primary;
    return nullptr;
}

int indexOf(const MonitorInfo* m) {
    return m != nullptr ? m->index : -1;
}

}  // namespace

Placement placeAtStart(const std::vector<MonitorInfo>& monitors, int requested) {
    Placement placement;
    const MonitorInfo* primary = primaryOf(monitors);
    placement.controlMonitor = indexOf(primary);
    if (requested < 0) {
        if (monitors.size() >= 2) placement.outputMonitor = indexOf(otherThan(monitors, -1));
        // The primary keeps the control window even when otherThan found only the primary.
        if (placement.outputMonitor == placement.controlMonitor) placement.outputMonitor = -1;
        return placement;
    }
    if (findMonitor(monitors, requested) == nullptr) {
        placement.error = "--output-monitor " + std::to_string(requested) +
                          ": no such monitor (there are " +
                          (monitors.empty() ? std::string("none") : describeMonitors(monitors)) +
                          "); the output stays windowed";
        return placement;
    }
    placement.outputMonitor = requested;
    if (placement.controlMonitor == requested) {
        const MonitorInfo* other = otherThan(monitors, requested);
        if (other != nullptr) placement.controlMonitor = other->index;
    }
    return placement;
}

Placement placeAfterHotplug(const std::string& outputMeantFor, const std::string& controlMeantFor,
                            const std::vector<MonitorInfo>& monitors) {
    Placement placement;
    if (monitors.empty()) return placement;
    // The show first: the output keeps (or gets back) its own monitor whenever it is there.
    placement.outputMonitor = indexOf(findByName(monitors, outputMeantFor));
    if (const MonitorInfo* own = findByName(monitors, controlMeantFor)) {
        placement.controlMonitor = own->index;
    } else {
        const MonitorInfo* primary = primaryOf(monitors);
        const MonitorInfo* control = primary->index != placement.outputMonitor
                                         ? primary
                                         : otherThan(monitors, placement.outputMonitor);
        // Only the output's monitor is left: the control window shares it.
        placement.controlMonitor = control != nullptr ? control->index : placement.outputMonitor;
    }
    if (placement.outputMonitor < 0)
        placement.outputMonitor = indexOf(otherThan(monitors, placement.controlMonitor));
    return placement;
}

}  // namespace autolume::render
