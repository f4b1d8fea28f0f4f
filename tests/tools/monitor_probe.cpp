// A tiny GLFW program for the monitor tests: prints the monitors GLFW sees, then each monitor
// event and the list after it, until it has seen EVENTS events or TIMEOUT seconds passed.
//   autolume_monitor_probe [EVENTS [TIMEOUT_SEC]]
// Output, one line each: "monitors N: <describeMonitors>", "event connected|disconnected NAME".
// Exit 0 after EVENTS events, 1 on a timeout or when GLFW cannot start.
#include <GLFW/glfw3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "autolume/render/monitors.hpp"

namespace {

int g_events = 0;

void printList() {
    const auto monitors = autolume::render::listMonitors();
    std::printf("monitors %zu: %s\n", monitors.size(),
                autolume::render::describeMonitors(monitors).c_str());
}

void onMonitor(GLFWmonitor* monitor, int event) {
    const char* name = glfwGetMonitorName(monitor);
    std::printf("event %s %s\n", event == GLFW_CONNECTED ? "connected" : "disconnected",
                name != nullptr ? name : "?");
    ++g_events;
}

void onError(int code, const char* description) {
    std::fprintf(stderr, "GLFW error %d: %s\n", code, description);
}

}  // namespace

int main(int argc, char** argv) {
    const int wanted = argc > 1 ? std::atoi(argv[1]) : 0;
    const double timeoutSec = argc > 2 ? std::atof(argv[2]) : 10.0;
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    glfwSetErrorCallback(onError);
    if (!glfwInit()) return 1;
    glfwSetMonitorCallback(onMonitor);
    printList();
    const auto start = std::chrono::steady_clock::now();
    int status = 0;
    while (g_events < wanted) {
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (elapsed >= timeoutSec) {
            std::printf("timeout after %d of %d events\n", g_events, wanted);
            status = 1;
            break;
        }
        // RandR events reach GLFW without a window: they are selected on the root window.
        const int before = g_events;
        glfwWaitEventsTimeout(0.1);
        if (g_events != before) printList();
    }
    glfwTerminate();
    return status;
}
