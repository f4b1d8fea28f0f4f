// Monitors: what GLFW sees, and where the output and control windows go at start and after a
// monitor is unplugged or plugged back.
//
// listMonitors() and queryMonitorsOnce() ask GLFW. Everything else is pure policy on a list
// of MonitorInfo values (no GLFW), so unit tests can call it with made-up lists.
//
// Thread contract: listMonitors() and queryMonitorsOnce() on the main thread only (GLFW's
// rule). The policy functions are pure and may be called from any thread.
#pragma once

#include <string>
#include <vector>

namespace autolume::render {

struct MonitorInfo {
    int index = 0;  // position in glfwGetMonitors(): what --output-monitor N means
    std::string name;
    int width = 0;  // current video mode, pixels
    int height = 0;
    int x = 0;  // position on the virtual desktop, pixels
    int y = 0;
    int refreshHz = 0;  // 0 when the display does not say (Xvfb)
    bool primary = false;
};

// The monitors GLFW sees now, primary first (GLFW's order). GLFW must be initialised.
std::vector<MonitorInfo> listMonitors();

struct MonitorQuery {
    std::vector<MonitorInfo> monitors;
    std::string error;  // non-empty when there is no display to ask; says why in one line
};

// For commands without a window (`autolume devices`): initialises GLFW, lists the monitors
// and terminates GLFW again. Never call it while a Window exists.
MonitorQuery queryMonitorsOnce();

// One line: "0: DP-1 1920x1080+0+0 60 Hz (primary), 1: HDMI-1 1280x720+1920+0 60 Hz".
// The refresh rate is left out when it is unknown (0); "none" for an empty list.
std::string describeMonitors(const std::vector<MonitorInfo>& monitors);

// Where the two windows go. Monitor numbers are MonitorInfo::index values; -1 means none.
struct Placement {
    int outputMonitor = -1;   // fullscreen output on this monitor; -1: the output is windowed
    int controlMonitor = -1;  // the control window's monitor; -1 only when there are none
    std::string error;        // one line for the log when the request could not be met

    // A separate fullscreen output window beside the control window. False: one window.
    bool twoWindows() const {
        return outputMonitor >= 0 && controlMonitor >= 0 && outputMonitor != controlMonitor;
    }
};

// Placement at start for `--output-monitor requested` (-1 or any negative: automatic).
// Automatic: with two or more monitors the output goes fullscreen on the first non-primary
// one and the control window on the primary; with one monitor, one window (output -1).
// A requested monitor that exists gets the output; the control window goes on the primary,
// or on another monitor when the primary is the requested one, or shares it when it is the
// only one (twoWindows() false). A requested monitor that does not exist leaves the output
// windowed on the primary and sets `error`, e.g. "--output-monitor 3: no such monitor
// (there are 0: ..., 1: ...); the output stays windowed".
Placement placeAtStart(const std::vector<MonitorInfo>& monitors, int requested);

// Placement after the monitor list changed (GLFW's monitor callback).
// outputMeantFor: name of the monitor the output belongs on (where it was placed at start or
// last moved by the user); empty: none in particular. controlMeantFor: the control window's
// monitor by name. The output returns to its monitor while that is plugged in; else it goes to
// a remaining monitor other than the control one; else it is windowed (-1). The control
// window stays on its monitor while that is plugged in; else it goes to the primary unless the
// output is there, else another monitor, else it shares the output's (twoWindows() false).
// Names identify monitors because indexes shift when one goes away.
Placement placeAfterHotplug(const std::string& outputMeantFor, const std::string& controlMeantFor,
                            const std::vector<MonitorInfo>& monitors);

// The MonitorInfo with that index, or nullptr.
const MonitorInfo* findMonitor(const std::vector<MonitorInfo>& monitors, int index);

}  // namespace autolume::render
