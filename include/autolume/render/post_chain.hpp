// The GPU post chain between the generator and the output (issue 11). Stages, in order:
//   upscale  separable Lanczos-3 from the frame to the output size with a fit mode, after an
//            unsharp mask at the frame's own resolution (off: GL bilinear, for comparison);
//   feedback trails and zoom feedback from a history texture (ping-pong);
//   kaleido  mirror / kaleidoscope wedges;
//   color    hue, saturation, contrast, brightness;
//   flash    flash on onsets, invert, strobe on beats (inside the colour pass when that runs
//            too: one 1080p pass fewer on onset frames; its time is then the colour stage's);
// then user stages: *.frag files in a folder, hot reloaded, sorted by name ('_' first: off).
// Each built-in parameter (postParams(), registry names "post.*") has a neutral value; a stage
// whose parameters are all neutral is skipped, so it is exactly the identity. A user stage that
// does not compile or link is bypassed with its compiler's message; the show never goes black.
// Targets are RGBA8 (RGBA16F measured twice as slow on llvmpipe; the generator gives 8 bits).
//
// Thread contract: one thread, the one whose GL context was current at construction; that
// context (drawOutput: or one sharing its objects) must be current on every call.
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

// Fit letterboxes with black, Fill crops to cover (the stage default), Stretch ignores the
// aspect, Tile repeats the fitted picture mirrored (seamless).
enum class FitMode { Fit, Fill, Stretch, Tile };
const char* fitModeName(FitMode mode) noexcept;  // "fit", "fill", "stretch", "tile"
std::optional<FitMode> fitModeFromName(std::string_view name) noexcept;

// What the music gives the shaders this frame (filled by the app from control::ControlInput).
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
    float neutral;  // this parameter has no effect here; all of a stage's: the stage is skipped
    const char* help;
};

// Every built-in stage parameter, in the order setParams() takes them.
std::span<const PostParam> postParams() noexcept;

struct PostStageStatus {
    std::string name;
    bool enabled = true;
    bool user = false;
    float gpuMs = 0.0f;  // GL_TIME_ELAPSED of its passes, a few frames old; 0 when skipped
    std::string error;   // why a user stage is bypassed: one line naming the file first
};

class PostChain {
  public:
    // shaderDir: the built-in shaders (shaders/post); userDir: user stages (empty: none).
    // Throws std::runtime_error naming the file if a built-in shader does not build.
    PostChain(const std::filesystem::path& shaderDir, const std::filesystem::path& userDir);
    ~PostChain();
    PostChain(const PostChain&) = delete;
    PostChain& operator=(const PostChain&) = delete;

    void upload(const std::uint8_t* rgba, int width, int height);  // top row first
    bool hasFrame() const { return m_frameWidth > 0; }
    // postParams() order; missing values take the defaults, values are clamped to the range.
    void setParams(std::span<const float> values);
    // Runs the chain into an RGBA8 texture of outWidth x outHeight (independent of the frame).
    void render(int outWidth, int outHeight, FitMode fit, const PostInput& input);
    unsigned outputTexture() const;  // the same texture every frame; bottom row first (GL)
    int outputWidth() const { return m_width; }
    int outputHeight() const { return m_height; }
    // The result into the bound framebuffer's viewport: texel for pixel when the sizes match,
    // else letterboxed. Works from another context that shares this one's objects.
    void drawOutput(int viewportWidth, int viewportHeight);
    std::vector<std::uint8_t> readOutput() const;  // RGB, top row first
    // Cheap (a directory listing and a stat per file): call a few times a second.
    void reloadUserStages();
    std::vector<PostStageStatus> stages() const;
    void setStageEnabled(std::string_view name, bool on);  // "upscale" off: bilinear

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    int m_frameWidth = 0;
    int m_frameHeight = 0;
    int m_width = 0;
    int m_height = 0;
};

}  // namespace autolume::render
