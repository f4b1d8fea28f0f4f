// The monitor policy on made-up monitor lists: the one-line description, placement at start
// for --output-monitor, and re-placement after a monitor is unplugged or plugged back.
#include <gtest/gtest.h>

#include "autolume/render/monitors.hpp"

namespace autolume::render {
namespace {

MonitorInfo monitor(int index, const char* name, int width, int height, int x, int refreshHz,
                    bool primary = false) {
    MonitorInfo m;
    m.index = index;
    m.name = name;
    m.width = width;
    m.height = height;
    m.x = x;
    m.refreshHz = refreshHz;
    m.primary = primary;
    return m;
}

// A laptop panel (primary) and a projector to its right.
std::vector<MonitorInfo> laptopAndProjector() {
    return {monitor(0, "eDP-1", 1920, 1080, 0, 60, true),
            monitor(1, "HDMI-1", 1280, 720, 1920, 50)};
}

std::vector<MonitorInfo> three() {
    return {monitor(0, "DP-1", 2560, 1440, 0, 144, true),
            monitor(1, "HDMI-1", 1920, 1080, 2560, 60), monitor(2, "DP-2", 1024, 768, 4480, 75)};
}

// What GLFW's list looks like after one monitor of `all` went away: indexes shift down.
std::vector<MonitorInfo> without(std::vector<MonitorInfo> all, const std::string& name) {
    std::vector<MonitorInfo> left;
    for (MonitorInfo& m : all) {
        if (m.name == name) continue;
        m.index = static_cast<int>(left.size());
        left.push_back(m);
    }
    return left;
}

TEST(DescribeMonitors, OneLineWithPositionRefreshAndPrimary) {
    EXPECT_EQ(describeMonitors(laptopAndProjector()),
              "0: eDP-1 1920x1080+0+0 60 Hz (primary), 1: HDMI-1 1280x720+1920+0 50 Hz");
}

TEST(DescribeMonitors, UnknownRefreshNegativePositionAndEmpty) {
    MonitorInfo left = monitor(0, "screen", 800, 600, -800, 0);
    left.y = -100;
    EXPECT_EQ(describeMonitors({left}), "0: screen 800x600-800-100");
    EXPECT_EQ(describeMonitors({}), "none");
}

TEST(PlaceAtStart, AutomaticPutsOutputOnTheNonPrimaryAndControlOnThePrimary) {
    Placement p = placeAtStart(laptopAndProjector(), -1);
    EXPECT_EQ(p.outputMonitor, 1);
    EXPECT_EQ(p.controlMonitor, 0);
    EXPECT_TRUE(p.twoWindows());
    EXPECT_EQ(p.error, "");

    // The primary need not be first in a made-up list: the output still avoids it.
    std::vector<MonitorInfo> list = laptopAndProjector();
    list[0].primary = false;
    list[1].primary = true;
    p = placeAtStart(list, -1);
    EXPECT_EQ(p.outputMonitor, 0);
    EXPECT_EQ(p.controlMonitor, 1);

    p = placeAtStart(three(), -1);
    EXPECT_EQ(p.outputMonitor, 1);  // the first non-primary
    EXPECT_EQ(p.controlMonitor, 0);
}

TEST(PlaceAtStart, AutomaticWithOneMonitorIsOneWindow) {
    Placement p = placeAtStart({monitor(0, "eDP-1", 1920, 1080, 0, 60, true)}, -1);
    EXPECT_EQ(p.outputMonitor, -1);
    EXPECT_EQ(p.controlMonitor, 0);
    EXPECT_FALSE(p.twoWindows());
    EXPECT_EQ(p.error, "");
}

TEST(PlaceAtStart, NoMonitorsAtAll) {
    Placement p = placeAtStart({}, -1);
    EXPECT_EQ(p.outputMonitor, -1);
    EXPECT_EQ(p.controlMonitor, -1);
    EXPECT_FALSE(p.twoWindows());
    EXPECT_EQ(p.error, "");

    p = placeAtStart({}, 0);
    EXPECT_EQ(p.outputMonitor, -1);
    EXPECT_EQ(p.error,
              "--output-monitor 0: no such monitor (there are none); the output stays windowed");
}

TEST(PlaceAtStart, RequestedMonitorGetsTheOutput) {
    Placement p = placeAtStart(laptopAndProjector(), 1);
    EXPECT_EQ(p.outputMonitor, 1);
    EXPECT_EQ(p.controlMonitor, 0);
    EXPECT_TRUE(p.twoWindows());

    // On the primary: the control window moves to the other monitor.
    p = placeAtStart(laptopAndProjector(), 0);
    EXPECT_EQ(p.outputMonitor, 0);
    EXPECT_EQ(p.controlMonitor, 1);
    EXPECT_TRUE(p.twoWindows());

    p = placeAtStart(three(), 2);
    EXPECT_EQ(p.outputMonitor, 2);
    EXPECT_EQ(p.controlMonitor, 0);
}

TEST(PlaceAtStart, RequestedOnlyMonitorSharesIt) {
    Placement p = placeAtStart({monitor(0, "eDP-1", 1920, 1080, 0, 60, true)}, 0);
    EXPECT_EQ(p.outputMonitor, 0);
    EXPECT_EQ(p.controlMonitor, 0);
    EXPECT_FALSE(p.twoWindows());  // one fullscreen window with the panel on it
    EXPECT_EQ(p.error, "");
}

TEST(PlaceAtStart, MissingMonitorIsNamedWithTheOnesThereAre) {
    Placement p = placeAtStart(laptopAndProjector(), 3);
    EXPECT_EQ(p.outputMonitor, -1);
    EXPECT_EQ(p.controlMonitor, 0);
    EXPECT_FALSE(p.twoWindows());
    EXPECT_EQ(p.error,
              "--output-monitor 3: no such monitor (there are 0: eDP-1 1920x1080+0+0 60 Hz "
              "(primary), 1: HDMI-1 1280x720+1920+0 50 Hz); the output stays windowed");
}

TEST(PlaceAfterHotplug, NothingChangedKeepsBothWhereTheyAre) {
    Placement p = placeAfterHotplug("HDMI-1", "eDP-1", laptopAndProjector());
    EXPECT_EQ(p.outputMonitor, 1);
    EXPECT_EQ(p.controlMonitor, 0);
    EXPECT_TRUE(p.twoWindows());
    EXPECT_EQ(p.error, "");
}

TEST(PlaceAfterHotplug, OutputMonitorUnpluggedThenPluggedBack) {
    // Only the control monitor is left: the output is windowed.
    Placement p = placeAfterHotplug("HDMI-1", "eDP-1", without(laptopAndProjector(), "HDMI-1"));
    EXPECT_EQ(p.outputMonitor, -1);
    EXPECT_EQ(p.controlMonitor, 0);
    EXPECT_FALSE(p.twoWindows());

    // Plugged back: it returns.
    p = placeAfterHotplug("HDMI-1", "eDP-1", laptopAndProjector());
    EXPECT_EQ(p.outputMonitor, 1);
    EXPECT_EQ(p.controlMonitor, 0);
}

TEST(PlaceAfterHotplug, OutputGoesToAnotherRemainingMonitorAndReturnsToItsOwn) {
    // DP-1 control, HDMI-1 output, DP-2 spare: HDMI-1 goes, the output moves to DP-2 (now 1).
    Placement p = placeAfterHotplug("HDMI-1", "DP-1", without(three(), "HDMI-1"));
    EXPECT_EQ(p.outputMonitor, 1);
    EXPECT_EQ(p.controlMonitor, 0);
    EXPECT_TRUE(p.twoWindows());

    p = placeAfterHotplug("HDMI-1", "DP-1", three());
    EXPECT_EQ(p.outputMonitor, 1);  // HDMI-1 again
    EXPECT_EQ(p.controlMonitor, 0);
    p = placeAfterHotplug("DP-2", "DP-1", three());
    EXPECT_EQ(p.outputMonitor, 2);
}

TEST(PlaceAfterHotplug, IndexesShiftButNamesHold) {
    // The first monitor goes: the output's monitor HDMI-1 is now index 0, DP-2 index 1.
    std::vector<MonitorInfo> left = without(three(), "DP-1");
    left[0].primary = true;  // GLFW's first monitor is its primary
    Placement p = placeAfterHotplug("HDMI-1", "DP-2", left);
    EXPECT_EQ(p.outputMonitor, 0);
    EXPECT_EQ(p.controlMonitor, 1);
    EXPECT_TRUE(p.twoWindows());
}

TEST(PlaceAfterHotplug, ControlMonitorUnplugged) {
    // Two left, neither the control's: control on the primary, output keeps its own.
    std::vector<MonitorInfo> left = without(three(), "DP-1");
    left[0].primary = true;  // HDMI-1
    Placement p = placeAfterHotplug("DP-2", "DP-1", left);
    EXPECT_EQ(p.outputMonitor, 1);
    EXPECT_EQ(p.controlMonitor, 0);

    // The primary is the output's: control goes to the other one.
    p = placeAfterHotplug("HDMI-1", "DP-1", left);
    EXPECT_EQ(p.outputMonitor, 0);
    EXPECT_EQ(p.controlMonitor, 1);

    // Only the output's monitor is left: the output stays, the control window shares it.
    std::vector<MonitorInfo> projector = without(laptopAndProjector(), "eDP-1");
    projector[0].primary = true;
    p = placeAfterHotplug("HDMI-1", "eDP-1", projector);
    EXPECT_EQ(p.outputMonitor, 0);
    EXPECT_EQ(p.controlMonitor, 0);
    EXPECT_FALSE(p.twoWindows());
}

TEST(PlaceAfterHotplug, OutputWithoutAMonitorTakesANewlyPluggedOne) {
    // Started on one monitor (windowed output), then a projector arrives.
    Placement p = placeAfterHotplug("", "eDP-1", laptopAndProjector());
    EXPECT_EQ(p.outputMonitor, 1);
    EXPECT_EQ(p.controlMonitor, 0);
    p = placeAfterHotplug("", "eDP-1", without(laptopAndProjector(), "HDMI-1"));
    EXPECT_EQ(p.outputMonitor, -1);
    EXPECT_EQ(p.controlMonitor, 0);
}

TEST(PlaceAfterHotplug, BothMonitorsGoneLeavesOneWindowOnWhatIsThere) {
    Placement p = placeAfterHotplug("HDMI-1", "eDP-1", {monitor(0, "DP-3", 800, 600, 0, 60, true)});
    EXPECT_EQ(p.outputMonitor, -1);
    EXPECT_EQ(p.controlMonitor, 0);
    p = placeAfterHotplug("HDMI-1", "eDP-1", {});
    EXPECT_EQ(p.outputMonitor, -1);
    EXPECT_EQ(p.controlMonitor, -1);
}

TEST(FindMonitor, ByIndexField) {
    std::vector<MonitorInfo> list = laptopAndProjector();
    ASSERT_NE(findMonitor(list, 1), nullptr);
    EXPECT_EQ(findMonitor(list, 1)->name, "HDMI-1");
    EXPECT_EQ(findMonitor(list, 2), nullptr);
    EXPECT_EQ(findMonitor(list, -1), nullptr);
}

}  // namespace
}  // namespace autolume::render
