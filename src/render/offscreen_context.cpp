#include "autolume/render/offscreen_context.hpp"

#include <glad/gl.h>
// EGL after glad: glad provides the GL declarations.
#include <EGL/egl.h>
#include <EGL/eglext.h>

#include <cstring>
#include <stdexcept>
#include <vector>

namespace autolume::render {
namespace {

template <typename F>
F eglFunction(const char* name) {
    return reinterpret_cast<F>(eglGetProcAddress(name));
}

bool hasExtension(const char* list, const char* name) {
    if (!list) return false;
    const std::size_t n = std::strlen(name);
    for (const char* p = list; (p = std::strstr(p, name)); p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return true;
    return false;
}

// A display to make a context on: a hardware EGL device first, then Mesa's surfaceless
// platform, then the default display. Each candidate is initialised; the first that works wins.
EGLDisplay openDisplay(std::string& platform) {
    const char* client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
    auto getPlatformDisplay =
        eglFunction<PFNEGLGETPLATFORMDISPLAYEXTPROC>("eglGetPlatformDisplayEXT");
    auto tryDisplay = [](EGLDisplay d) {
        EGLint major = 0, minor = 0;
        if (d != EGL_NO_DISPLAY && eglInitialize(d, &major, &minor)) return d;
        return EGL_NO_DISPLAY;
    };
    if (getPlatformDisplay && hasExtension(client, "EGL_EXT_platform_device")) {
        auto queryDevices = eglFunction<PFNEGLQUERYDEVICESEXTPROC>("eglQueryDevicesEXT");
        auto queryDeviceString =
            eglFunction<PFNEGLQUERYDEVICESTRINGEXTPROC>("eglQueryDeviceStringEXT");
        EGLint count = 0;
        if (queryDevices && queryDeviceString && queryDevices(0, nullptr, &count) && count > 0) {
            std::vector<EGLDeviceEXT> devices(static_cast<std::size_t>(count));
            queryDevices(count, devices.data(), &count);
            for (EGLDeviceEXT device : devices) {
                const char* ext = queryDeviceString(device, EGL_EXTENSIONS);
                if (hasExtension(ext, "EGL_MESA_device_software")) continue;  // llvmpipe: later
                EGLDisplay d =
                    tryDisplay(getPlatformDisplay(EGL_PLATFORM_DEVICE_EXT, device, nullptr));
                if (d != EGL_NO_DISPLAY) {
                    platform = "EGL device";
                    return d;
                }
            }
        }
    }
    if (getPlatformDisplay && hasExtension(client, "EGL_MESA_platform_surfaceless")) {
        EGLDisplay d = tryDisplay(
            getPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr));
        if (d != EGL_NO_DISPLAY) {
            platform = "EGL surfaceless";
            return d;
        }
    }
    platform = "EGL default display";
    return tryDisplay(eglGetDisplay(EGL_DEFAULT_DISPLAY));
}

}  // namespace

OffscreenContext::OffscreenContext() {
    std::string platform;
    EGLDisplay display = openDisplay(platform);
    if (display == EGL_NO_DISPLAY)
        throw std::runtime_error("offscreen OpenGL: no EGL display (is libegl-mesa0 installed?)");
    m_display = display;
    if (!eglBindAPI(EGL_OPENGL_API)) {
        eglTerminate(display);
        throw std::runtime_error("offscreen OpenGL: " + platform + " has no desktop OpenGL");
    }
    // No surface is drawn to (framebuffer objects only): any config, or none where the
    // display allows contexts without one.
    const EGLint configAttributes[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_NONE};
    EGLConfig config = nullptr;
    EGLint configs = 0;
    eglChooseConfig(display, configAttributes, &config, 1, &configs);
    const bool noConfig =
        hasExtension(eglQueryString(display, EGL_EXTENSIONS), "EGL_KHR_no_config_context");
    if (configs == 0 && !noConfig) {
        eglTerminate(display);
        throw std::runtime_error("offscreen OpenGL: " + platform + " has no OpenGL config");
    }
    const EGLint contextAttributes[] = {EGL_CONTEXT_MAJOR_VERSION,
                                        3,
                                        EGL_CONTEXT_MINOR_VERSION,
                                        3,
                                        EGL_CONTEXT_OPENGL_PROFILE_MASK,
                                        EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
                                        EGL_NONE};
    EGLContext context = eglCreateContext(display, configs ? config : EGL_NO_CONFIG_KHR,
                                          EGL_NO_CONTEXT, contextAttributes);
    if (context == EGL_NO_CONTEXT) {
        eglTerminate(display);
        throw std::runtime_error("offscreen OpenGL: " + platform +
                                 " cannot make an OpenGL 3.3 core context");
    }
    m_context = context;
    makeCurrent();
    if (!gladLoadGL(reinterpret_cast<GLADloadfunc>(eglGetProcAddress))) {
        eglDestroyContext(display, context);
        eglTerminate(display);
        throw std::runtime_error("offscreen OpenGL: cannot load the OpenGL functions");
    }
    m_description = platform + ", " + reinterpret_cast<const char*>(glGetString(GL_RENDERER)) +
                    ", OpenGL " + reinterpret_cast<const char*>(glGetString(GL_VERSION));
}

OffscreenContext::~OffscreenContext() {
    eglMakeCurrent(m_display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(m_display, m_context);
    eglTerminate(m_display);
}

void OffscreenContext::makeCurrent() {
    if (!eglMakeCurrent(m_display, EGL_NO_SURFACE, EGL_NO_SURFACE, m_context))
        throw std::runtime_error("offscreen OpenGL: cannot make the context current");
}

}  // namespace autolume::render
