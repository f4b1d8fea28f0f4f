#include "autolume/render/post_chain.hpp"

#include <glad/gl.h>

#include <algorithm>
#include <array>
#include <map>
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

constexpr float kPi = std::numbers::pi_v<float>;

// The default look: a little sharpening, short trails, a touch of colour and a soft flash on
// onsets. Every stage is the identity at its neutral value.
constexpr std::array<PostParam, kParamCount> kParams = {{
    {"post.upscale.sharpen", 0, 2, 0.35f, 0, "unsharp mask after the Lanczos upscale"},
    {"post.zoom_feedback.amount", 0, 1, 0, 0, "weight of the zoomed last frame (tunnels)"},
    {"post.zoom_feedback.scale", 0.9f, 1.2f, 1.02f, 1.02f, "zoom of the feedback per frame"},
    {"post.zoom_feedback.rotate", -0.2f, 0.2f, 0, 0, "rotation of the feedback, rad per frame"},
    {"post.trails.amount", 0, 0.98f, 0.25f, 0, "weight of the last frame (motion trails)"},
    {"post.kaleido.segments", 0, 16, 0, 0, "kaleidoscope wedges (0: off, 1: a mirror)"},
    {"post.kaleido.rotate", -kPi, kPi, 0, 0, "rotation of the kaleidoscope, rad"},
    {"post.color.hue", -0.5f, 0.5f, 0, 0, "hue rotation, turns"},
    {"post.color.saturation", 0, 3, 1.1f, 1, "saturation (1: as generated)"},
    {"post.color.contrast", 0, 3, 1.05f, 1, "contrast about mid grey (1: as generated)"},
    {"post.color.brightness", -1, 1, 0, 0, "brightness added"},
    {"post.flash.amount", 0, 1, 0.15f, 0, "flash to white on onsets (by the onset envelope)"},
    {"post.invert.amount", 0, 1, 0, 0, "inverts the colours"},
    {"post.strobe.amount", 0, 1, 0, 0, "black between beats (by the beat envelope)"},
}};

struct Target {
    unsigned texture = 0;
    unsigned framebuffer = 0;
    int width = 0;
    int height = 0;

    void resize(int w, int h, int filter) {
        if (w == width && h == height) return;
        if (!texture) glGenTextures(1, &texture);
        if (!framebuffer) glGenFramebuffers(1, &framebuffer);
        glBindTexture(GL_TEXTURE_2D, texture);
        // RGBA8: half the fill cost of RGBA16F on llvmpipe, and the generator gives 8 bits.
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        glBindFramebuffer(GL_FRAMEBUFFER, framebuffer);
        glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture, 0);
        width = w;
        height = h;
    }
    ~Target() {
        if (framebuffer) glDeleteFramebuffers(1, &framebuffer);
        if (texture) glDeleteTextures(1, &texture);
    }
};

struct UserStage {
    fs::path path;
    std::string name;
    std::unique_ptr<ShaderProgram> program;
    std::string error;
    fs::file_time_type time{};
    bool enabled = true;
};

const char* kBuiltins[] = {"upscale", "sharpen", "feedback", "kaleido", "color", "flash"};

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
    unsigned vertexArray = 0;
    unsigned frame = 0;
    Target across;  // the upscale's first pass: output width x frame height
    std::array<Target, 2> ping;
    Target history;
    int current = 0;  // ping[current] holds the newest result
    bool historyValid = false;
    std::unique_ptr<ShaderProgram> upscale, sharpen, feedback, kaleido, color, flash, present;
    std::array<float, kParamCount> params{};
    std::map<std::string, bool, std::less<>> builtinOn;
    std::vector<UserStage> users;

    std::unique_ptr<ShaderProgram> load(const char* name) {
        return std::make_unique<ShaderProgram>(shaderDir / "post.vert", shaderDir / name);
    }
    bool on(const char* name) const {
        auto it = builtinOn.find(name);
        return it == builtinOn.end() || it->second;
    }
    float p(Param k) const { return params[k]; }
    bool neutral(Param k) const { return params[k] == kParams[k].neutral; }

    // One full-target pass from `source` into the other ping-pong target.
    void pass(ShaderProgram& program, unsigned source) {
        Target& out = ping[1 - current];
        glBindFramebuffer(GL_FRAMEBUFFER, out.framebuffer);
        glViewport(0, 0, out.width, out.height);
        glActiveTexture(GL_TEXTURE0);
        glBindTexture(GL_TEXTURE_2D, source);
        glUniform1i(program.uniform("uFrame"), 0);
        glBindVertexArray(vertexArray);
        glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
        current = 1 - current;
    }
    unsigned result() const { return ping[current].texture; }
};

PostChain::PostChain(const fs::path& shaderDir, const fs::path& userDir)
    : m_impl(std::make_unique<Impl>()) {
    Impl& d = *m_impl;
    d.shaderDir = shaderDir;
    d.userDir = userDir;
    d.upscale = d.load("upscale.frag");
    d.sharpen = d.load("sharpen.frag");
    d.feedback = d.load("feedback.frag");
    d.kaleido = d.load("kaleido.frag");
    d.color = d.load("color.frag");
    d.flash = d.load("flash.frag");
    d.present = d.load("present.frag");
    for (int k = 0; k < kParamCount; ++k) d.params[k] = kParams[k].defaultValue;
    glGenVertexArrays(1, &d.vertexArray);
    glGenTextures(1, &d.frame);
    glBindTexture(GL_TEXTURE_2D, d.frame);
    // The upscale reads texel centres itself.
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    reloadUserStages();
}

PostChain::~PostChain() {
    glDeleteTextures(1, &m_impl->frame);
    glDeleteVertexArrays(1, &m_impl->vertexArray);
}

void PostChain::upload(const std::uint8_t* rgba, int width, int height) {
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
    for (int k = 0; k < kParamCount; ++k)
        m_impl->params[k] =
            k < static_cast<int>(values.size()) ? values[k] : kParams[k].defaultValue;
}

void PostChain::render(int outWidth, int outHeight, FitMode fit, const PostInput& in) {
    if (!hasFrame() || outWidth <= 0 || outHeight <= 0) return;
    Impl& d = *m_impl;
    m_width = outWidth;
    m_height = outHeight;
    d.across.resize(outWidth, m_frameHeight, GL_NEAREST);
    for (Target& t : d.ping) t.resize(outWidth, outHeight, GL_LINEAR);

    // Upscale with the fit mode: per axis, the part of the source that the output spans
    // (> 1: letterbox or tiles; < 1: cropped), centred.
    const float ratio = (static_cast<float>(outWidth) / static_cast<float>(outHeight)) /
                        (static_cast<float>(m_frameWidth) / static_cast<float>(m_frameHeight));
    float sx = 1.0f, sy = 1.0f;
    if (fit == FitMode::Fit || fit == FitMode::Tile) {
        sx = std::max(1.0f, ratio);
        sy = std::max(1.0f, 1.0f / ratio);
    } else if (fit == FitMode::Fill) {
        sx = std::min(1.0f, ratio);
        sy = std::min(1.0f, 1.0f / ratio);
    }
    ShaderProgram& up = *d.upscale;
    glUseProgram(up.id());
    glUniform1i(up.uniform("uTile"), fit == FitMode::Tile ? 1 : 0);
    glUniform2f(up.uniform("uAxis"), 1.0f, 0.0f);
    glUniform1f(up.uniform("uScale"), sx);
    glUniform1f(up.uniform("uOffset"), 0.5f - 0.5f * sx);
    glUniform1i(up.uniform("uFlip"), 0);
    glBindFramebuffer(GL_FRAMEBUFFER, d.across.framebuffer);
    glViewport(0, 0, d.across.width, d.across.height);
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, d.frame);
    glUniform1i(up.uniform("uFrame"), 0);
    glBindVertexArray(d.vertexArray);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    glUniform2f(up.uniform("uAxis"), 0.0f, 1.0f);
    glUniform1f(up.uniform("uScale"), sy);
    glUniform1f(up.uniform("uOffset"), 0.5f - 0.5f * sy);
    glUniform1i(up.uniform("uFlip"), 1);
    d.pass(up, d.across.texture);

    if (d.on("sharpen") && !d.neutral(kSharpen)) {
        glUseProgram(d.sharpen->id());
        glUniform1f(d.sharpen->uniform("uAmount"), d.p(kSharpen));
        d.pass(*d.sharpen, d.result());
    }
    const bool feedbackOn = d.on("feedback") && (!d.neutral(kZoomAmount) || !d.neutral(kTrails));
    if (feedbackOn) {
        d.history.resize(outWidth, outHeight, GL_LINEAR);
        if (!d.historyValid) {
            glBindFramebuffer(GL_READ_FRAMEBUFFER, d.ping[d.current].framebuffer);
            glBindFramebuffer(GL_DRAW_FRAMEBUFFER, d.history.framebuffer);
            glBlitFramebuffer(0, 0, outWidth, outHeight, 0, 0, outWidth, outHeight,
                              GL_COLOR_BUFFER_BIT, GL_NEAREST);
        }
        ShaderProgram& f = *d.feedback;
        glUseProgram(f.id());
        glUniform1f(f.uniform("uZoomAmount"), d.p(kZoomAmount));
        glUniform1f(f.uniform("uZoomScale"), d.p(kZoomScale));
        glUniform1f(f.uniform("uZoomRotate"), d.p(kZoomRotate));
        glUniform1f(f.uniform("uTrails"), d.p(kTrails));
        glActiveTexture(GL_TEXTURE1);
        glBindTexture(GL_TEXTURE_2D, d.history.texture);
        glUniform1i(f.uniform("uHistory"), 1);
        d.pass(f, d.result());
    }
    if (d.on("kaleido") && d.p(kKaleidoSegments) >= 1.0f) {
        glUseProgram(d.kaleido->id());
        glUniform1f(d.kaleido->uniform("uSegments"), d.p(kKaleidoSegments));
        glUniform1f(d.kaleido->uniform("uRotate"), d.p(kKaleidoRotate));
        d.pass(*d.kaleido, d.result());
    }
    if (d.on("color") && !(d.neutral(kHue) && d.neutral(kSaturation) && d.neutral(kContrast) &&
                           d.neutral(kBrightness))) {
        ShaderProgram& c = *d.color;
        glUseProgram(c.id());
        glUniform1f(c.uniform("uHue"), d.p(kHue));
        glUniform1f(c.uniform("uSaturation"), d.p(kSaturation));
        glUniform1f(c.uniform("uContrast"), d.p(kContrast));
        glUniform1f(c.uniform("uBrightness"), d.p(kBrightness));
        d.pass(c, d.result());
    }
    if (d.on("flash") && !(d.neutral(kFlash) && d.neutral(kInvert) && d.neutral(kStrobe))) {
        ShaderProgram& f = *d.flash;
        glUseProgram(f.id());
        glUniform1f(f.uniform("uFlash"), d.p(kFlash));
        glUniform1f(f.uniform("uInvert"), d.p(kInvert));
        glUniform1f(f.uniform("uStrobe"), d.p(kStrobe));
        glUniform1f(f.uniform("uOnsetEnv"), in.onsetEnvelope);
        glUniform1f(f.uniform("uBeatEnv"), in.beatEnvelope);
        d.pass(f, d.result());
    }
    for (UserStage& stage : d.users) {
        if (!stage.enabled || !stage.program) continue;
        ShaderProgram& u = *stage.program;
        glUseProgram(u.id());
        glUniform2f(u.uniform("uResolution"), static_cast<float>(outWidth),
                    static_cast<float>(outHeight));
        glUniform1f(u.uniform("uTime"), in.timeSec);
        glUniform1f(u.uniform("uLevel"), in.level);
        glUniform1f(u.uniform("uBass"), in.bass);
        glUniform1f(u.uniform("uMid"), in.mid);
        glUniform1f(u.uniform("uHigh"), in.high);
        glUniform1f(u.uniform("uOnset"), in.onset);
        glUniform1f(u.uniform("uOnsetEnv"), in.onsetEnvelope);
        glUniform1f(u.uniform("uBeatEnv"), in.beatEnvelope);
        glUniform1f(u.uniform("uBeatPhase"), in.beatPhase);
        glUniform1f(u.uniform("uBpm"), in.bpm);
        d.pass(u, d.result());
    }
    if (feedbackOn) {
        glBindFramebuffer(GL_READ_FRAMEBUFFER, d.ping[d.current].framebuffer);
        glBindFramebuffer(GL_DRAW_FRAMEBUFFER, d.history.framebuffer);
        glBlitFramebuffer(0, 0, outWidth, outHeight, 0, 0, outWidth, outHeight, GL_COLOR_BUFFER_BIT,
                          GL_NEAREST);
    }
    d.historyValid = feedbackOn;
    glBindVertexArray(0);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    glActiveTexture(GL_TEXTURE0);
}

unsigned PostChain::outputTexture() const {
    return m_impl->result();
}

void PostChain::drawOutput(int viewportWidth, int viewportHeight) {
    if (m_width == 0) return;
    Impl& d = *m_impl;
    glViewport(0, 0, viewportWidth, viewportHeight);
    glUseProgram(d.present->id());
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, d.result());
    glUniform1i(d.present->uniform("uFrame"), 0);
    glBindVertexArray(d.vertexArray);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    glBindVertexArray(0);
}

std::vector<std::uint8_t> PostChain::readOutput() const {
    std::vector<std::uint8_t> rgb(static_cast<std::size_t>(m_width) * m_height * 3);
    if (rgb.empty()) return rgb;
    glBindFramebuffer(GL_FRAMEBUFFER, m_impl->ping[m_impl->current].framebuffer);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, m_width, m_height, GL_RGB, GL_UNSIGNED_BYTE, rgb.data());
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    const std::size_t row = static_cast<std::size_t>(m_width) * 3;
    for (int y = 0; y < m_height / 2; ++y)
        std::swap_ranges(rgb.begin() + y * row, rgb.begin() + (y + 1) * row,
                         rgb.begin() + (m_height - 1 - y) * row);
    return rgb;
}

void PostChain::reloadUserStages() {
    Impl& d = *m_impl;
    std::vector<fs::path> files;
    std::error_code ec;
    if (!d.userDir.empty() && fs::is_directory(d.userDir, ec)) {
        for (const fs::directory_entry& e : fs::directory_iterator(d.userDir, ec)) {
            const std::string name = e.path().filename().string();
            if (e.path().extension() == ".frag" && !name.starts_with("_"))
                files.push_back(e.path());
        }
    }
    std::sort(files.begin(), files.end());
    std::vector<UserStage> next;
    for (const fs::path& file : files) {
        auto old = std::find_if(d.users.begin(), d.users.end(),
                                [&](const UserStage& s) { return s.path == file; });
        UserStage stage;
        if (old != d.users.end()) stage = std::move(*old);
        stage.path = file;
        stage.name = file.stem().string();
        const fs::file_time_type time = fs::last_write_time(file, ec);
        if (!stage.program && !stage.error.empty() && time == stage.time) {
            next.push_back(std::move(stage));  // still the same broken file
            continue;
        }
        stage.time = time;
        if (stage.program) {
            // A broken edit keeps the last good program; the message says why.
            stage.program->reloadIfChanged();
            stage.error = stage.program->lastError();
        } else {
            try {
                stage.program = std::make_unique<ShaderProgram>(d.shaderDir / "post.vert", file);
                stage.error.clear();
            } catch (const std::exception& e) {
                stage.error = e.what();
            }
        }
        next.push_back(std::move(stage));
    }
    d.users = std::move(next);
}

std::vector<PostStageStatus> PostChain::stages() const {
    std::vector<PostStageStatus> out;
    for (const char* name : kBuiltins) out.push_back({name, m_impl->on(name), false, 0.0f, {}});
    for (const UserStage& s : m_impl->users)
        out.push_back({s.name, s.enabled, true, 0.0f, s.error});
    return out;
}

void PostChain::setStageEnabled(std::string_view name, bool on) {
    for (UserStage& s : m_impl->users)
        if (s.name == name) s.enabled = on;
    for (const char* builtin : kBuiltins)
        if (name == builtin && name != "upscale") m_impl->builtinOn[builtin] = on;
}

}  // namespace autolume::render
