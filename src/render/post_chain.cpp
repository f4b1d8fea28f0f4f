// The post chain's passes, its targets (ping-pong, history, the stable output texture), GPU
// timers that never stall, and the user stages' hot reload. See post_chain.hpp.
#include "autolume/render/post_chain.hpp"

#include <glad/gl.h>
// GLFW after glad: glad provides the GL declarations.
#include <GLFW/glfw3.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "autolume/render/shader_program.hpp"

namespace autolume::render {

namespace fs = std::filesystem;

namespace {

enum Param : int {
    kSharpen,
    kZoomAmount,
    kZoomScale,
    kZoomRotate,
    kTrails,
    kKaleidoSegments,
    kKaleidoRotate,
    kHue,
    kSaturation,
    kContrast,
    kBrightness,
    kFlash,
    kInvert,
    kStrobe,
    kParamCount
};

// The default look: a little sharpening, short trails, a touch more colour and contrast, a soft
// flash on onsets. Zoom feedback, kaleidoscope, invert and strobe wait for the performer.
constexpr std::array<PostParam, kParamCount> kParams = {{
    {"post.upscale.sharpen", 0, 2, 0.35f, 0, "unsharp mask before the Lanczos upscale"},
    {"post.zoom_feedback.amount", 0, 1, 0, 0, "weight of the zoomed last output (tunnels)"},
    {"post.zoom_feedback.scale", 0.9f, 1.1f, 1.02f, 1, "zoom per frame (> 1: in)"},
    {"post.zoom_feedback.rotate", -5, 5, 0.5f, 0, "rotation per frame, degrees"},
    {"post.trails.amount", 0, 0.95f, 0.25f, 0, "weight of the last output (motion trails)"},
    {"post.kaleido.segments", 0, 16, 0, 0, "kaleidoscope wedges (0: off, 1: a mirror)"},
    {"post.kaleido.rotate", -180, 180, 0, 0, "rotation of the wedges, degrees"},
    {"post.color.hue", -180, 180, 0, 0, "hue rotation, degrees"},
    {"post.color.saturation", 0, 2, 1.1f, 1, "saturation (1: as generated)"},
    {"post.color.contrast", 0, 2, 1.05f, 1, "contrast about mid grey (1: as generated)"},
    {"post.color.brightness", -0.5f, 0.5f, 0, 0, "brightness added"},
    {"post.flash.amount", 0, 1, 0.15f, 0, "flash to white on onsets (by the onset envelope)"},
    {"post.invert.amount", 0, 1, 0, 0, "inverts the colours"},
    {"post.strobe.amount", 0, 1, 0, 0, "white strobe on beats (beat envelope above 1/2)"},
}};

constexpr float kRadiansPerDegree = std::numbers::pi_v<float> / 180.0f;

enum Builtin : int { kUpscale, kFeedback, kKaleido, kColor, kFlashStage, kBuiltinCount };
constexpr std::array<const char*, kBuiltinCount> kBuiltinNames = {"upscale", "feedback", "kaleido",
                                                                  "color", "flash"};

// An RGBA8 texture with its framebuffer.
struct Target {
    unsigned texture = 0;
    unsigned framebuffer = 0;
    int width = 0;
    int height = 0;

    Target() = default;
    Target(const Target&) = delete;
    Target& operator=(const Target&) = delete;
    ~Target() {
        if (framebuffer) glDeleteFramebuffers(1, &framebuffer);
        if (texture) glDeleteTextures(1, &texture);
    }
    // Returns true when the size changed (the contents are then undefined).
    bool resize(int w, int h) {
        if (w == width && h == height) return false;
        if (!texture) glGenTextures(1, &texture);
        if (!framebuffer) glGenFramebuffers(1, &framebuffer);
        glBindTexture(GL_TEXTURE_2D, texture);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        glBindFramebuffer(GL_FRAMEBUFFER, framebuffer);
        glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture, 0);
        width = w;
        height = h;
        return true;
    }
};

// GL_TIME_ELAPSED over a stage's passes. Results are read only once available (a few frames
// later), so the GL thread never waits for the GPU.
class GpuTimer {
  public:
    GpuTimer() = default;
    GpuTimer(const GpuTimer&) = delete;
    GpuTimer& operator=(const GpuTimer&) = delete;
    ~GpuTimer() {
        if (m_queries[0]) glDeleteQueries(kSlots, m_queries.data());
    }
    void begin() {
        if (!m_queries[0]) glGenQueries(kSlots, m_queries.data());
        poll();
        m_idle = false;
        m_active = !m_pending[m_next];  // all slots in flight: skip one measurement
        if (m_active) glBeginQuery(GL_TIME_ELAPSED, m_queries[m_next]);
    }
    void end() {
        if (!m_active) return;
        glEndQuery(GL_TIME_ELAPSED);
        m_pending[m_next] = true;
        m_next = (m_next + 1) % kSlots;
        m_active = false;
    }
    void skipped() {
        poll();
        m_idle = true;
        m_ms = 0.0f;
    }
    float ms() const { return m_ms; }

  private:
    static constexpr int kSlots = 4;
    void poll() {
        for (int k = 0; k < kSlots; ++k) {  // oldest first
            const int slot = (m_next + k) % kSlots;
            if (!m_pending[slot]) continue;
            int available = 0;
            glGetQueryObjectiv(m_queries[slot], GL_QUERY_RESULT_AVAILABLE, &available);
            if (!available) break;
            GLuint64 ns = 0;
            glGetQueryObjectui64v(m_queries[slot], GL_QUERY_RESULT, &ns);
            m_pending[slot] = false;
            if (!m_idle) m_ms = static_cast<float>(static_cast<double>(ns) * 1e-6);
        }
    }
    std::array<unsigned, kSlots> m_queries{};
    std::array<bool, kSlots> m_pending{};
    int m_next = 0;
    bool m_active = false;
    bool m_idle = false;
    float m_ms = 0.0f;
};

struct UserStage {
    fs::path path;
    std::string name;  // the file name
    std::unique_ptr<ShaderProgram> program;
    std::string error;
    fs::file_time_type time{};  // of the last failed first build
    std::uintmax_t size = 0;
    bool enabled = true;
    std::unique_ptr<GpuTimer> timer = std::make_unique<GpuTimer>();

    bool runs() const { return enabled && program && error.empty(); }
};

std::string firstLine(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

// Saves the GL state that the chain changes and puts it back, so that the app's own drawing
// (ImGui included) is not disturbed.
class StateGuard {
  public:
    StateGuard() {
        glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &m_draw);
        glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &m_read);
        glGetIntegerv(GL_VIEWPORT, m_viewport.data());
        glGetIntegerv(GL_CURRENT_PROGRAM, &m_program);
        glGetIntegerv(GL_ACTIVE_TEXTURE, &m_activeTexture);
        glGetIntegerv(GL_UNPACK_ALIGNMENT, &m_unpack);
        glGetIntegerv(GL_PACK_ALIGNMENT, &m_pack);
        m_blend = glIsEnabled(GL_BLEND);
        m_scissor = glIsEnabled(GL_SCISSOR_TEST);
        m_depth = glIsEnabled(GL_DEPTH_TEST);
        m_cull = glIsEnabled(GL_CULL_FACE);
        glDisable(GL_BLEND);
        glDisable(GL_SCISSOR_TEST);
        glDisable(GL_DEPTH_TEST);
        glDisable(GL_CULL_FACE);
    }
    StateGuard(const StateGuard&) = delete;
    StateGuard& operator=(const StateGuard&) = delete;
    ~StateGuard() {
        glBindFramebuffer(GL_DRAW_FRAMEBUFFER, static_cast<unsigned>(m_draw));
        glBindFramebuffer(GL_READ_FRAMEBUFFER, static_cast<unsigned>(m_read));
        glViewport(m_viewport[0], m_viewport[1], m_viewport[2], m_viewport[3]);
        glUseProgram(static_cast<unsigned>(m_program));
        glActiveTexture(static_cast<unsigned>(m_activeTexture));
        glPixelStorei(GL_UNPACK_ALIGNMENT, m_unpack);
        glPixelStorei(GL_PACK_ALIGNMENT, m_pack);
        if (m_blend) glEnable(GL_BLEND);
        if (m_scissor) glEnable(GL_SCISSOR_TEST);
        if (m_depth) glEnable(GL_DEPTH_TEST);
        if (m_cull) glEnable(GL_CULL_FACE);
    }

  private:
    int m_draw = 0, m_read = 0, m_program = 0, m_activeTexture = 0, m_unpack = 4, m_pack = 4;
    std::array<int, 4> m_viewport{};
    unsigned char m_blend = 0, m_scissor = 0, m_depth = 0, m_cull = 0;
};

// How the frame maps onto the output along one axis: target = offset + source * scale.
struct AxisMap {
    float scale;
    float offset;
};

std::array<AxisMap, 2> fitMapping(FitMode fit, int srcW, int srcH, int outW, int outH) {
    const float sx = static_cast<float>(outW) / static_cast<float>(srcW);
    const float sy = static_cast<float>(outH) / static_cast<float>(srcH);
    float scaleX = sx, scaleY = sy;  // stretch
    if (fit == FitMode::Fit || fit == FitMode::Tile) scaleX = scaleY = std::min(sx, sy);
    if (fit == FitMode::Fill) scaleX = scaleY = std::max(sx, sy);
    return {AxisMap{scaleX, 0.5f * (static_cast<float>(outW) - srcW * scaleX)},
            AxisMap{scaleY, 0.5f * (static_cast<float>(outH) - srcH * scaleY)}};
}

// Rotation by `degrees` about the grey axis (Rodrigues), column-major for glUniformMatrix3fv.
std::array<float, 9> hueRotation(float degrees) {
    const double a = degrees * std::numbers::pi / 180.0, c = std::cos(a), s = std::sin(a);
    const double k = 1.0 / std::sqrt(3.0), t = (1.0 - c) / 3.0;
    // R = c I + s [k]x + (1 - c) k k^T with k = (1, 1, 1) / sqrt(3)
    const double d = c + t, p = t + s * k, m = t - s * k;
    return {static_cast<float>(d), static_cast<float>(p), static_cast<float>(m),
            static_cast<float>(m), static_cast<float>(d), static_cast<float>(p),
            static_cast<float>(p), static_cast<float>(m), static_cast<float>(d)};
}

int modeOf(FitMode fit) {
    return fit == FitMode::Fit ? 1 : fit == FitMode::Tile ? 2 : 0;
}

// Lanczos-3 taps along one axis, as a texture that upscale.frag reads: row g (the target
// pixel along the axis, in GL order) holds pairs (source index, weight). Target pixel centre
// t maps to source coordinate u = (t - offset) / scale, source texel i's centre being i + 0.5.
// Built in double precision once per mapping; at 1:1 the weights are exactly 1 and ~0.
class LanczosTable {
  public:
    LanczosTable() = default;
    LanczosTable(const LanczosTable&) = delete;
    LanczosTable& operator=(const LanczosTable&) = delete;
    ~LanczosTable() {
        if (m_texture) glDeleteTextures(1, &m_texture);
    }
    // Returns the number of pairs per row; rebuilds only when the mapping changed.
    int update(int targetSize, int sourceSize, AxisMap map, int mode, bool flip) {
        const Key key{targetSize, sourceSize, map.scale, map.offset, mode, flip};
        if (m_texture && key == m_key) return m_pairs;
        m_key = key;
        build(key);
        return m_pairs;
    }
    unsigned texture() const { return m_texture; }

  private:
    struct Key {
        int target = 0, source = 0;
        float scale = 0, offset = 0;
        int mode = 0;
        bool flip = false;
        bool operator==(const Key&) const = default;
    };
    static double lanczos3(double x) {
        constexpr double kPi = std::numbers::pi;
        if (std::abs(x) < 1e-9) return 1.0;
        if (std::abs(x) >= 3.0) return 0.0;
        return 3.0 * std::sin(kPi * x) * std::sin(kPi * x / 3.0) / (kPi * kPi * x * x);
    }
    static int tap(int i, int n, int mode) {
        if (mode != 2) return std::clamp(i, 0, n - 1);
        int m = i % (2 * n);
        if (m < 0) m += 2 * n;
        return m < n ? m : 2 * n - 1 - m;
    }
    void build(const Key& k) {
        // Shrinking widens the kernel (no aliasing), up to 32x.
        const double f = std::clamp(static_cast<double>(k.scale), 1.0 / 32.0, 1.0);
        const double radius = 3.0 / f;
        // floor(x + r) - floor(x - r) <= ceil(2 r) taps have non-zero weight; pairs: even.
        const int taps = (static_cast<int>(std::ceil(2.0 * radius - 1e-9)) + 1) / 2 * 2;
        m_pairs = taps / 2;
        std::vector<float> data(static_cast<std::size_t>(k.target) * taps * 2, 0.0f);
        std::vector<double> weights(taps);
        for (int g = 0; g < k.target; ++g) {
            const double t = k.flip ? k.target - (g + 0.5) : g + 0.5;
            const double u = (t - k.offset) / k.scale;
            if (k.mode == 1 && (u < 0.0 || u >= k.source)) continue;  // letterbox: black
            const int first = static_cast<int>(std::floor(u - 0.5 - radius)) + 1;
            double sum = 0.0;
            for (int j = 0; j < taps; ++j) sum += weights[j] = lanczos3((first + j + 0.5 - u) * f);
            float* row = &data[static_cast<std::size_t>(g) * taps * 2];
            for (int j = 0; j < taps; ++j) {
                row[2 * j] = static_cast<float>(tap(first + j, k.source, k.mode));
                row[2 * j + 1] = static_cast<float>(weights[j] / sum);
            }
        }
        if (!m_texture) glGenTextures(1, &m_texture);
        glBindTexture(GL_TEXTURE_2D, m_texture);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
        glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA32F, m_pairs, k.target, 0, GL_RGBA, GL_FLOAT,
                     data.data());
    }
    Key m_key;
    unsigned m_texture = 0;
    int m_pairs = 0;
};

}  // namespace

const char* fitModeName(FitMode mode) noexcept {
    switch (mode) {
        case FitMode::Fit:
            return "fit";
        case FitMode::Fill:
            return "fill";
        case FitMode::Stretch:
            return "stretch";
        case FitMode::Tile:
            return "tile";
    }
    return "fill";
}

std::optional<FitMode> fitModeFromName(std::string_view name) noexcept {
    for (FitMode mode : {FitMode::Fit, FitMode::Fill, FitMode::Stretch, FitMode::Tile})
        if (name == fitModeName(mode)) return mode;
    return std::nullopt;
}

std::span<const PostParam> postParams() noexcept {
    return kParams;
}

struct PostChain::Impl {
    fs::path shaderDir;
    fs::path userDir;
    GLFWwindow* context = nullptr;  // current at construction: owns the vertex array
    unsigned vertexArray = 0;
    unsigned frame = 0;                  // the generated frame, rows top-down
    Target sharpened;                    // frame size
    Target across;                       // output width x frame height: the upscale's first pass
    std::array<LanczosTable, 2> tables;  // x, y
    std::array<Target, 2> ping;
    std::array<Target, 2> history;  // the feedback stage's outputs, this frame's and last
    int historyLast = 0;
    bool historyValid = false;
    Target output;  // the chain's result, always the same texture
    int pingNext = 0;
    std::unique_ptr<ShaderProgram> upscale, bilinear, sharpen, feedback, kaleido, color, flash,
        present;
    std::array<float, kParamCount> params{};
    std::array<bool, kBuiltinCount> enabled{};
    std::array<GpuTimer, kBuiltinCount> timers;
    std::vector<UserStage> users;

    std::unique_ptr<ShaderProgram> load(const char* name) const {
        return std::make_unique<ShaderProgram>(shaderDir / "post.vert", shaderDir / name);
    }
    float p(Param k) const { return params[k]; }
    bool neutral(Param k) const { return params[k] == kParams[k].neutral; }
    void draw(const Target& out) const {
        glBindFramebuffer(GL_FRAMEBUFFER, out.framebuffer);
        glViewport(0, 0, out.width, out.height);
        glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    }
    static void bindSource(unsigned unit, unsigned texture, const ShaderProgram& program,
                           const char* name) {
        glActiveTexture(GL_TEXTURE0 + unit);
        glBindTexture(GL_TEXTURE_2D, texture);
        glUniform1i(program.uniform(name), static_cast<int>(unit));
    }
    // The next stage's target: the output for the last pass, else the next ping-pong buffer.
    Target& targetFor(bool last) {
        if (last) return output;
        Target& t = ping[pingNext];
        pingNext = 1 - pingNext;
        return t;
    }

    // Each stage reads the last stage's result and returns the target holding its own.
    const Target& runUpscale(int frameW, int frameH, FitMode fit, const Target& out);
    void lanczosAxis(unsigned source, int sourceSize, int axis, AxisMap map, int mode,
                     const Target& out);
    const Target& runBilinear(int frameW, int frameH, FitMode fit, const Target& out);
    const Target& runFeedback(const Target& source);
    const Target& runKaleido(const Target& source, const Target& out);
    const Target& runColor(const Target& source, const PostInput& in, const Target& out);
    const Target& runFlash(const Target& source, const PostInput& in, const Target& out);
    const Target& runUser(const UserStage& stage, const Target& source, const PostInput& in,
                          const Target& out);
    const Target& runBuiltin(int stage, const Target& source, FitMode fit, const PostInput& in,
                             const Target& out, int frameW, int frameH);
    bool flashActive(const PostInput& in) const;
    std::array<bool, kBuiltinCount> plan(const PostInput& in);  // which stages run
    bool flashInColor = false;  // this frame the colour pass does the flash stage's work
    // A flash under half an 8-bit step shows nothing but rounding flicker (a decaying envelope
    // keeps flipping pixels near a half for seconds): off, so silence is a still picture.
    float flashAmount(const PostInput& in) const {
        const float amount = p(kFlash) * in.onsetEnvelope;
        return amount < 0.5f / 255.0f ? 0.0f : amount;
    }
    float strobeAmount(const PostInput& in) const {
        return in.beatEnvelope > 0.5f ? p(kStrobe) : 0.0f;
    }
    float whiteAmount(const PostInput& in) const {
        return std::min(1.0f, flashAmount(in) + strobeAmount(in));
    }
};

const Target& PostChain::Impl::runUpscale(int frameW, int frameH, FitMode fit, const Target& out) {
    unsigned source = frame;
    if (!neutral(kSharpen)) {
        sharpened.resize(frameW, frameH);
        glUseProgram(sharpen->id());
        bindSource(0, frame, *sharpen, "uSource");
        glUniform1f(sharpen->uniform("uAmount"), p(kSharpen));
        draw(sharpened);
        source = sharpened.texture;
    }
    const std::array<AxisMap, 2> map = fitMapping(fit, frameW, frameH, out.width, out.height);
    across.resize(out.width, frameH);
    glUseProgram(upscale->id());
    lanczosAxis(source, frameW, 0, map[0], modeOf(fit), across);
    lanczosAxis(across.texture, frameH, 1, map[1], modeOf(fit), out);
    return out;
}

void PostChain::Impl::lanczosAxis(unsigned source, int sourceSize, int axis, AxisMap map, int mode,
                                  const Target& out) {
    // The frame's rows run top-down, GL's bottom-up: the y table flips.
    const int pairs =
        tables[axis].update(axis == 0 ? out.width : out.height, sourceSize, map, mode, axis == 1);
    const ShaderProgram& s = *upscale;
    bindSource(0, source, s, "uSource");
    bindSource(1, tables[axis].texture(), s, "uTable");
    glUniform1i(s.uniform("uAxis"), axis);
    glUniform1i(s.uniform("uPairs"), pairs);
    draw(out);
    glActiveTexture(GL_TEXTURE0);
}

const Target& PostChain::Impl::runBilinear(int frameW, int frameH, FitMode fit, const Target& out) {
    const std::array<AxisMap, 2> map = fitMapping(fit, frameW, frameH, out.width, out.height);
    const ShaderProgram& s = *bilinear;
    glUseProgram(s.id());
    bindSource(0, frame, s, "uSource");
    glUniform2f(s.uniform("uScale"), map[0].scale, map[1].scale);
    glUniform2f(s.uniform("uOffset"), map[0].offset, map[1].offset);
    glUniform1i(s.uniform("uMode"), modeOf(fit));
    glUniform1f(s.uniform("uTargetHeight"), static_cast<float>(out.height));
    draw(out);
    return out;
}

// Writes the history buffer that is not last frame's; that buffer is the stage's result.
const Target& PostChain::Impl::runFeedback(const Target& source) {
    Target& last = history[historyLast];
    Target& next = history[1 - historyLast];
    if (!historyValid) {  // first frame (or after a resize or a pause): no trails from stale data
        glBindFramebuffer(GL_READ_FRAMEBUFFER, source.framebuffer);
        glBindFramebuffer(GL_DRAW_FRAMEBUFFER, last.framebuffer);
        glBlitFramebuffer(0, 0, last.width, last.height, 0, 0, last.width, last.height,
                          GL_COLOR_BUFFER_BIT, GL_NEAREST);
    }
    const ShaderProgram& s = *feedback;
    glUseProgram(s.id());
    bindSource(0, source.texture, s, "uFrame");
    bindSource(1, last.texture, s, "uHistory");
    glUniform1f(s.uniform("uTrails"), p(kTrails));
    glUniform1f(s.uniform("uZoomAmount"), p(kZoomAmount));
    const float angle = p(kZoomRotate) * kRadiansPerDegree, zoom = p(kZoomScale);
    const float cs = std::cos(angle) / zoom, sn = std::sin(angle) / zoom;
    const std::array<float, 4> turn = {cs, sn, -sn, cs};  // column-major
    glUniformMatrix2fv(s.uniform("uZoom"), 1, GL_FALSE, turn.data());
    glUniform2f(s.uniform("uResolution"), static_cast<float>(next.width),
                static_cast<float>(next.height));
    draw(next);
    glActiveTexture(GL_TEXTURE0);
    historyLast = 1 - historyLast;
    historyValid = true;
    return next;
}

const Target& PostChain::Impl::runKaleido(const Target& source, const Target& out) {
    const ShaderProgram& s = *kaleido;
    glUseProgram(s.id());
    bindSource(0, source.texture, s, "uFrame");
    glUniform1f(s.uniform("uSegments"), std::round(p(kKaleidoSegments)));
    glUniform1f(s.uniform("uRotate"), p(kKaleidoRotate) * kRadiansPerDegree);
    glUniform2f(s.uniform("uResolution"), static_cast<float>(out.width),
                static_cast<float>(out.height));
    draw(out);
    return out;
}

const Target& PostChain::Impl::runColor(const Target& source, const PostInput& in,
                                        const Target& out) {
    const ShaderProgram& s = *color;
    glUseProgram(s.id());
    bindSource(0, source.texture, s, "uFrame");
    glUniformMatrix3fv(s.uniform("uHue"), 1, GL_FALSE, hueRotation(p(kHue)).data());
    glUniform1f(s.uniform("uSaturation"), p(kSaturation));
    glUniform1f(s.uniform("uContrast"), p(kContrast));
    glUniform1f(s.uniform("uBrightness"), p(kBrightness));
    glUniform1f(s.uniform("uInvert"), flashInColor ? p(kInvert) : 0.0f);
    glUniform1f(s.uniform("uFlash"), flashInColor ? whiteAmount(in) : 0.0f);
    draw(out);
    return out;
}

bool PostChain::Impl::flashActive(const PostInput& in) const {
    return flashAmount(in) > 0.0f || !neutral(kInvert) || strobeAmount(in) > 0.0f;
}

const Target& PostChain::Impl::runFlash(const Target& source, const PostInput& in,
                                        const Target& out) {
    const ShaderProgram& s = *flash;
    glUseProgram(s.id());
    bindSource(0, source.texture, s, "uFrame");
    glUniform1f(s.uniform("uInvert"), p(kInvert));
    glUniform1f(s.uniform("uFlash"), whiteAmount(in));
    draw(out);
    return out;
}

const Target& PostChain::Impl::runUser(const UserStage& stage, const Target& source,
                                       const PostInput& in, const Target& out) {
    const ShaderProgram& s = *stage.program;
    glUseProgram(s.id());
    bindSource(0, source.texture, s, "uFrame");
    glUniform2f(s.uniform("uResolution"), static_cast<float>(out.width),
                static_cast<float>(out.height));
    const std::pair<const char*, float> values[] = {{"uTime", in.timeSec},
                                                    {"uLevel", in.level},
                                                    {"uBass", in.bass},
                                                    {"uMid", in.mid},
                                                    {"uHigh", in.high},
                                                    {"uOnset", in.onset},
                                                    {"uOnsetEnv", in.onsetEnvelope},
                                                    {"uBeatEnv", in.beatEnvelope},
                                                    {"uBeatPhase", in.beatPhase},
                                                    {"uBpm", in.bpm}};
    for (const auto& [name, value] : values) glUniform1f(s.uniform(name), value);
    draw(out);
    return out;
}

std::array<bool, kBuiltinCount> PostChain::Impl::plan(const PostInput& in) {
    std::array<bool, kBuiltinCount> runs{};
    runs[kUpscale] = true;  // off: bilinear, timed under the same name
    runs[kFeedback] = enabled[kFeedback] && !(neutral(kTrails) && neutral(kZoomAmount));
    runs[kKaleido] = enabled[kKaleido] && std::round(p(kKaleidoSegments)) >= 1.0f;
    runs[kColor] = enabled[kColor] && !(neutral(kHue) && neutral(kSaturation) &&
                                        neutral(kContrast) && neutral(kBrightness));
    runs[kFlashStage] = enabled[kFlashStage] && flashActive(in);
    // One full-screen pass fewer on onset frames: the colour pass flashes too.
    flashInColor = runs[kColor] && runs[kFlashStage];
    if (flashInColor) runs[kFlashStage] = false;
    return runs;
}

const Target& PostChain::Impl::runBuiltin(int stage, const Target& source, FitMode fit,
                                          const PostInput& in, const Target& out, int frameW,
                                          int frameH) {
    switch (stage) {
        case kUpscale:
            return enabled[kUpscale] ? runUpscale(frameW, frameH, fit, out)
                                     : runBilinear(frameW, frameH, fit, out);
        case kFeedback:
            return runFeedback(source);
        case kKaleido:
            return runKaleido(source, out);
        case kColor:
            return runColor(source, in, out);
        default:
            return runFlash(source, in, out);
    }
}

PostChain::PostChain(const fs::path& shaderDir, const fs::path& userDir)
    : m_impl(std::make_unique<Impl>()) {
    Impl& d = *m_impl;
    d.shaderDir = shaderDir;
    d.userDir = userDir;
    d.upscale = d.load("upscale.frag");
    d.bilinear = d.load("bilinear.frag");
    d.sharpen = d.load("sharpen.frag");
    d.feedback = d.load("feedback.frag");
    d.kaleido = d.load("kaleido.frag");
    d.color = d.load("color.frag");
    d.flash = d.load("flash.frag");
    d.present = d.load("present.frag");
    for (int k = 0; k < kParamCount; ++k) d.params[k] = kParams[k].defaultValue;
    d.enabled.fill(true);
    d.context = glfwGetCurrentContext();
    // The vertex shader makes the quad from gl_VertexID; core profile still needs a bound
    // vertex array object.
    glGenVertexArrays(1, &d.vertexArray);
    glGenTextures(1, &d.frame);
    glBindTexture(GL_TEXTURE_2D, d.frame);
    // Linear for the bilinear path; the Lanczos passes read texel centres with texelFetch.
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    reloadUserStages();
}

PostChain::~PostChain() {
    glDeleteTextures(1, &m_impl->frame);
    glDeleteVertexArrays(1, &m_impl->vertexArray);
}

void PostChain::upload(const std::uint8_t* rgba, int width, int height) {
    if (!rgba || width <= 0 || height <= 0) return;
    StateGuard guard;
    glBindTexture(GL_TEXTURE_2D, m_impl->frame);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    if (width != m_frameWidth || height != m_frameHeight) {
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
        m_frameWidth = width;
        m_frameHeight = height;
    } else {
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
    }
}

void PostChain::setParams(std::span<const float> values) {
    for (int k = 0; k < kParamCount; ++k) {
        const PostParam& spec = kParams[k];
        const bool given = k < static_cast<int>(values.size()) && std::isfinite(values[k]);
        m_impl->params[k] = given ? std::clamp(values[k], spec.min, spec.max) : spec.defaultValue;
    }
}

void PostChain::render(int outWidth, int outHeight, FitMode fit, const PostInput& in) {
    if (!hasFrame() || outWidth <= 0 || outHeight <= 0) return;
    Impl& d = *m_impl;
    StateGuard guard;
    m_width = outWidth;
    m_height = outHeight;
    d.output.resize(outWidth, outHeight);
    for (Target& t : d.ping) t.resize(outWidth, outHeight);
    bool resized = false;
    for (Target& t : d.history) resized = t.resize(outWidth, outHeight) || resized;
    const std::array<bool, kBuiltinCount> runs = d.plan(in);
    if (resized || !runs[kFeedback]) d.historyValid = false;  // no trails from stale pictures
    // The last stage that runs writes the output texture itself.
    int lastStage = 0;
    for (int k = 0; k < kBuiltinCount; ++k)
        if (runs[k]) lastStage = k;
    for (std::size_t u = 0; u < d.users.size(); ++u)
        if (d.users[u].runs()) lastStage = kBuiltinCount + static_cast<int>(u);

    glBindVertexArray(d.vertexArray);
    d.pingNext = 0;
    const Target* result = &d.output;
    for (int k = 0; k < kBuiltinCount; ++k) {
        if (!runs[k]) {
            d.timers[k].skipped();
            continue;
        }
        d.timers[k].begin();
        // The feedback stage writes its history buffer, never a ping-pong one.
        const Target& out = k == kFeedback ? d.output : d.targetFor(k == lastStage);
        result = &d.runBuiltin(k, *result, fit, in, out, m_frameWidth, m_frameHeight);
        d.timers[k].end();
    }
    for (std::size_t u = 0; u < d.users.size(); ++u) {
        UserStage& stage = d.users[u];
        if (!stage.runs()) {
            stage.timer->skipped();
            continue;
        }
        stage.timer->begin();
        const Target& out = d.targetFor(kBuiltinCount + static_cast<int>(u) == lastStage);
        result = &d.runUser(stage, *result, in, out);
        stage.timer->end();
    }
    if (result != &d.output) {  // the feedback stage was the last: copy its history buffer
        glBindFramebuffer(GL_READ_FRAMEBUFFER, result->framebuffer);
        glBindFramebuffer(GL_DRAW_FRAMEBUFFER, d.output.framebuffer);
        glBlitFramebuffer(0, 0, outWidth, outHeight, 0, 0, outWidth, outHeight, GL_COLOR_BUFFER_BIT,
                          GL_NEAREST);
    }
    glBindVertexArray(0);
}

unsigned PostChain::outputTexture() const {
    return m_impl->output.texture;
}

void PostChain::drawOutput(int viewportWidth, int viewportHeight) {
    if (m_width == 0 || viewportWidth <= 0 || viewportHeight <= 0) return;
    Impl& d = *m_impl;
    StateGuard guard;
    const ShaderProgram& s = *d.present;
    glUseProgram(s.id());
    d.bindSource(0, d.output.texture, s, "uFrame");
    const bool exact = viewportWidth == m_width && viewportHeight == m_height;
    const float picture = static_cast<float>(m_width) / static_cast<float>(m_height);
    const float view = static_cast<float>(viewportWidth) / static_cast<float>(viewportHeight);
    glUniform1i(s.uniform("uExact"), exact ? 1 : 0);
    glUniform2f(s.uniform("uScale"), picture < view ? picture / view : 1.0f,
                picture < view ? 1.0f : view / picture);
    // Vertex arrays are not shared between contexts: another context draws with its own.
    const bool own = glfwGetCurrentContext() == d.context;
    unsigned vertexArray = d.vertexArray;
    if (!own) glGenVertexArrays(1, &vertexArray);
    glBindVertexArray(vertexArray);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    glBindVertexArray(0);
    if (!own) glDeleteVertexArrays(1, &vertexArray);
}

std::vector<std::uint8_t> PostChain::readOutput() const {
    std::vector<std::uint8_t> rgb(static_cast<std::size_t>(m_width) * m_height * 3);
    if (rgb.empty()) return rgb;
    StateGuard guard;
    glBindFramebuffer(GL_READ_FRAMEBUFFER, m_impl->output.framebuffer);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, m_width, m_height, GL_RGB, GL_UNSIGNED_BYTE, rgb.data());
    // OpenGL's rows start at the bottom; images start at the top.
    const std::size_t row = static_cast<std::size_t>(m_width) * 3;
    for (int y = 0; y < m_height / 2; ++y)
        std::swap_ranges(rgb.begin() + y * row, rgb.begin() + (y + 1) * row,
                         rgb.begin() + (m_height - 1 - y) * row);
    return rgb;
}

namespace {

std::vector<fs::path> listUserStages(const fs::path& dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    if (dir.empty() || !fs::is_directory(dir, ec)) return files;
    for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (e.path().extension() == ".frag" && !name.starts_with("_") && e.is_regular_file(ec))
            files.push_back(e.path());
    }
    std::sort(files.begin(), files.end(),
              [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
    return files;
}

// Builds a stage that has no program yet, once per change of the file.
void buildFirst(UserStage& stage, const fs::path& vertex) {
    std::error_code ec;
    const fs::file_time_type time = fs::last_write_time(stage.path, ec);
    const std::uintmax_t size = fs::file_size(stage.path, ec);
    if (!stage.error.empty() && time == stage.time && size == stage.size) return;
    stage.time = time;
    stage.size = size;
    try {
        stage.program = std::make_unique<ShaderProgram>(vertex, stage.path);
        stage.error.clear();
    } catch (const std::exception& e) {
        stage.error = firstLine(e.what());
    }
}

}  // namespace

void PostChain::reloadUserStages() {
    Impl& d = *m_impl;
    std::vector<UserStage> next;
    for (const fs::path& file : listUserStages(d.userDir)) {
        auto old = std::find_if(d.users.begin(), d.users.end(),
                                [&](const UserStage& s) { return s.path == file; });
        UserStage stage;
        if (old != d.users.end()) stage = std::move(*old);
        stage.path = file;
        stage.name = file.filename().string();
        if (stage.program) {
            // A broken edit bypasses the stage (ShaderProgram keeps the old program, unused).
            stage.program->reloadIfChanged();
            stage.error = firstLine(stage.program->lastError());
        } else {
            buildFirst(stage, d.shaderDir / "post.vert");
        }
        next.push_back(std::move(stage));
    }
    d.users = std::move(next);  // removed files go (their programs with them)
}

std::vector<PostStageStatus> PostChain::stages() const {
    const Impl& d = *m_impl;
    std::vector<PostStageStatus> out;
    for (int k = 0; k < kBuiltinCount; ++k)
        out.push_back({kBuiltinNames[k], d.enabled[k], false, d.timers[k].ms(), {}});
    for (const UserStage& s : d.users)
        out.push_back({s.name, s.enabled, true, s.timer->ms(), s.error});
    return out;
}

void PostChain::setStageEnabled(std::string_view name, bool on) {
    Impl& d = *m_impl;
    for (int k = 0; k < kBuiltinCount; ++k)
        if (name == kBuiltinNames[k]) d.enabled[k] = on;
    for (UserStage& s : d.users)
        if (s.name == name) s.enabled = on;
}

}  // namespace autolume::render
