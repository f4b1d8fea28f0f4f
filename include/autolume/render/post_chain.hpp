// The GPU post chain between the generator and the output: a Lanczos-3 upscale to the output
// resolution with a fit mode, sharpening, zoom feedback and trails, a kaleidoscope, colour,
// flash / invert / strobe, then user stages (GLSL files in a folder, hot reloaded). Each
// built-in stage has named parameters (postParams(), registered as "post.*" in the parameter
// registry) and is skipped, exactly the identity, at its neutral values. A user stage that does
// not compile is bypassed with its compiler's message; the show never goes black.
//
// Thread contract: one thread, with the GL context that was current at construction (or one
// sharing its objects) current on every call.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace autolume::render {

enum class FitMode { Fit, Fill, Stretch, Tile };  // letterbox, crop, stretch, mirrored tile
const char* fitModeName(FitMode mode) noexcept;
std::optional<FitMode> fitModeFromName(std::string_view name) noexcept;

// What the music gives the shaders this frame.
struct PostInput {
    float timeSec = 0.0f;
    float level = 0.0f;
    float bass = 0.0f;
    float mid = 0.0f;
    float high = 0.0f;
    float onset = 0.0f;  // onset strength
    float onsetEnvelope = 0.0f;
    float beatEnvelope = 0.0f;
    float beatPhase = 0.0f;
    float bpm = 0.0f;
};

struct PostParam {
    const char* name;
    float min;
    float max;
    float defaultValue;
    float neutral;  // the stage is the identity (and skipped) here
    const char* help;
};

// Every built-in stage parameter, in the order setParams() takes them.
std::span<const PostParam> postParams() noexcept;

struct PostStageStatus {
    std::string name;
    bool enabled = true;
    bool user = false;
    float gpuMs = 0.0f;  // last measured (GL_TIME_ELAPSED, read a few frames late)
    std::string error;   // a user stage that does not compile: why (naming the file)
};

class PostChain {
  public:
    // Throws std::runtime_error naming the file if a built-in shader does not build.
    PostChain(const std::filesystem::path& shaderDir, const std::filesystem::path& userDir);
    ~PostChain();
    PostChain(const PostChain&) = delete;
    PostChain& operator=(const PostChain&) = delete;

    void upload(const std::uint8_t* rgba, int width, int height);  // top row first
    bool hasFrame() const { return m_frameWidth > 0; }
    void setParams(std::span<const float> values);  // postParams() order; missing: defaults
    void render(int outWidth, int outHeight, FitMode fit, const PostInput& input);
    unsigned outputTexture() const;  // bottom row first (GL)
    int outputWidth() const { return m_width; }
    int outputHeight() const { return m_height; }
    // The result into the bound framebuffer's viewport.
    void drawOutput(int viewportWidth, int viewportHeight);
    std::vector<std::uint8_t> readOutput() const;  // RGB, top row first
    void reloadUserStages();
    std::vector<PostStageStatus> stages() const;
    void setStageEnabled(std::string_view name, bool on);

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    int m_frameWidth = 0;
    int m_frameHeight = 0;
    int m_width = 0;
    int m_height = 0;
};

}  // namespace autolume::render
