// The post chain in real OpenGL (a hidden GLFW window; under Xvfb: Mesa llvmpipe): every stage
// moves the picture and is the identity at its neutral value, the fit modes, edges and texel
// centres of the upscale, user stages (order, uniforms, a broken one bypassed, hot reload), and
// drawing the output from a shared context. No timings here: see tests/bench/post_bench.cpp.
#include <glad/gl.h>
// GLFW after glad: glad provides the GL declarations.
#include <GLFW/glfw3.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "autolume/render/post_chain.hpp"

namespace fs = std::filesystem;
using autolume::render::FitMode;
using autolume::render::PostChain;
using autolume::render::PostInput;
using autolume::render::PostParam;
using autolume::render::postParams;

namespace {

using Image = std::vector<std::uint8_t>;

// AUTOLUME_POST_SHADERS overrides the built-in shaders (to check that the tests can fail).
const fs::path kShaders = std::getenv("AUTOLUME_POST_SHADERS")
                              ? std::getenv("AUTOLUME_POST_SHADERS")
                              : AUTOLUME_POST_SHADER_DIR;

// RGBA, top row first, from a function of the pixel giving RGB.
template <typename F>
Image makeFrame(int w, int h, F&& rgb) {
    Image out(static_cast<std::size_t>(w) * h * 4);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const std::array<int, 3> c = rgb(x, y);
            std::uint8_t* p = &out[(static_cast<std::size_t>(y) * w + x) * 4];
            for (int k = 0; k < 3; ++k) p[k] = static_cast<std::uint8_t>(std::clamp(c[k], 0, 255));
            p[3] = 255;
        }
    return out;
}

// Detail for the stages to act on: ramps and a 4 px checker.
Image pattern(int w = 64, int h = 64, int shift = 0) {
    return makeFrame(w, h, [&](int x, int y) {
        const int checker = (((x + shift) / 4 + y / 4) % 2) * 150 + 50;
        return std::array<int, 3>{x * 255 / (w - 1), 255 - y * 255 / (h - 1), checker};
    });
}

Image rgbOf(const Image& rgba) {
    Image rgb;
    for (std::size_t i = 0; i < rgba.size(); i += 4) rgb.insert(rgb.end(), &rgba[i], &rgba[i + 3]);
    return rgb;
}

int maxDiff(const Image& a, const Image& b) {
    EXPECT_EQ(a.size(), b.size());
    int worst = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        worst = std::max(worst, std::abs(int(a[i]) - int(b[i])));
    return worst;
}

double meanDiff(const Image& a, const Image& b) {
    double sum = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) sum += std::abs(a[i] - b[i]);
    return sum / static_cast<double>(std::max<std::size_t>(a.size(), 1));
}

std::vector<float> neutralParams() {
    std::vector<float> v;
    for (const auto& p : postParams()) v.push_back(p.neutral);
    return v;
}

std::vector<float> defaultParams() {
    std::vector<float> v;
    for (const auto& p : postParams()) v.push_back(p.defaultValue);
    return v;
}

int paramIndex(std::string_view name);

// Every stage neutral but the upscale's sharpening, at its default.
std::vector<float> upscaleOnly() {
    std::vector<float> v = neutralParams();
    v[paramIndex("post.upscale.sharpen")] =
        postParams()[paramIndex("post.upscale.sharpen")].defaultValue;
    return v;
}

int paramIndex(std::string_view name) {
    const auto params = postParams();
    for (std::size_t i = 0; i < params.size(); ++i)
        if (name == params[i].name) return static_cast<int>(i);
    ADD_FAILURE() << "no parameter " << name;
    return 0;
}

// One pixel of an RGB image (top row first).
std::array<int, 3> at(const Image& rgb, int w, int x, int y) {
    const std::size_t i = (static_cast<std::size_t>(y) * w + x) * 3;
    return {rgb[i], rgb[i + 1], rgb[i + 2]};
}

void writeFile(const fs::path& path, const std::string& text) {
    std::ofstream(path) << text;
    // A later write within the file system's timestamp granularity must still count as new.
    static int bump = 0;
    fs::last_write_time(path, fs::file_time_type::clock::now() + std::chrono::seconds(++bump));
}

fs::path freshDir(const std::string& name) {
    const fs::path dir = fs::path(AUTOLUME_TEST_TMP) / "post_chain" / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

class PostChainTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (!glfwInit()) return;
        glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
        glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
        glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
        glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
        glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
        s_window = glfwCreateWindow(64, 64, "post chain test", nullptr, nullptr);
        if (!s_window) return;
        glfwMakeContextCurrent(s_window);
        if (!gladLoadGL(glfwGetProcAddress)) {
            glfwDestroyWindow(s_window);
            s_window = nullptr;
        }
    }
    static void TearDownTestSuite() {
        if (s_window) glfwDestroyWindow(s_window);
        s_window = nullptr;
        glfwTerminate();
    }
    void SetUp() override {
        if (!s_window) GTEST_SKIP() << "no OpenGL 3.3 window (run under xvfb-run -a)";
        glfwMakeContextCurrent(s_window);
    }
    void TearDown() override {
        if (s_window) {
            EXPECT_EQ(glGetError(), static_cast<GLenum>(GL_NO_ERROR));
        }
    }

    // Renders `frames` in turn (one render each) and returns the last output.
    static Image run(PostChain& chain, const std::vector<Image>& frames, int w, int h, int outW,
                     int outH, FitMode fit, const std::vector<float>& params,
                     const PostInput& in = {}) {
        chain.setParams(params);
        for (const Image& frame : frames) {
            chain.upload(frame.data(), w, h);
            chain.render(outW, outH, fit, in);
        }
        return chain.readOutput();
    }

    static inline GLFWwindow* s_window = nullptr;
};

TEST(PostParams, NamesRangesDefaultsAndNeutrals) {
    const std::vector<std::string> required = {
        "post.upscale.sharpen",     "post.zoom_feedback.amount",
        "post.zoom_feedback.scale", "post.zoom_feedback.rotate",
        "post.trails.amount",       "post.kaleido.segments",
        "post.kaleido.rotate",      "post.color.hue",
        "post.color.saturation",    "post.color.contrast",
        "post.color.brightness",    "post.flash.amount",
        "post.invert.amount",       "post.strobe.amount"};
    std::vector<std::string> names;
    for (const auto& p : postParams()) {
        names.emplace_back(p.name);
        EXPECT_LE(p.min, p.neutral) << p.name;
        EXPECT_LE(p.neutral, p.max) << p.name;
        EXPECT_LE(p.min, p.defaultValue) << p.name;
        EXPECT_LE(p.defaultValue, p.max) << p.name;
        EXPECT_LT(p.min, p.max) << p.name;
        EXPECT_NE(std::string(p.help), "") << p.name;
    }
    EXPECT_EQ(names, required);
    // The default look (issue 11): some sharpening, trails, colour and a flash on onsets.
    EXPECT_NEAR(postParams()[paramIndex("post.upscale.sharpen")].defaultValue, 0.35f, 1e-6f);
    EXPECT_NEAR(postParams()[paramIndex("post.trails.amount")].defaultValue, 0.25f, 1e-6f);
    EXPECT_NEAR(postParams()[paramIndex("post.flash.amount")].defaultValue, 0.15f, 1e-6f);
}

TEST(PostFitMode, NamesRoundTrip) {
    for (FitMode m : {FitMode::Fit, FitMode::Fill, FitMode::Stretch, FitMode::Tile})
        EXPECT_EQ(autolume::render::fitModeFromName(autolume::render::fitModeName(m)), m);
    EXPECT_STREQ(autolume::render::fitModeName(FitMode::Fill), "fill");
    EXPECT_EQ(autolume::render::fitModeFromName("tile"), FitMode::Tile);
    EXPECT_FALSE(autolume::render::fitModeFromName("zoom").has_value());
}

TEST_F(PostChainTest, MissingBuiltinShaderThrowsNamingTheFile) {
    try {
        PostChain chain(fs::path(AUTOLUME_TEST_TMP) / "no_such_shaders", {});
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("no_such_shaders"), std::string::npos) << e.what();
    }
}

TEST_F(PostChainTest, NeutralChainIsTheFrameAtOneToOneInEveryFitMode) {
    PostChain chain(kShaders, {});
    EXPECT_FALSE(chain.hasFrame());
    const Image frame = pattern();
    for (FitMode fit : {FitMode::Fit, FitMode::Fill, FitMode::Stretch, FitMode::Tile}) {
        const Image out = run(chain, {frame}, 64, 64, 64, 64, fit, neutralParams());
        EXPECT_TRUE(chain.hasFrame());
        EXPECT_EQ(chain.outputWidth(), 64);
        EXPECT_EQ(chain.outputHeight(), 64);
        EXPECT_LE(maxDiff(out, rgbOf(frame)), 1) << autolume::render::fitModeName(fit);
    }
}

struct StageCase {
    const char* param;
    float value;                                      // moved to
    std::vector<std::pair<const char*, float>> also;  // set in both runs (enables the stage)
    PostInput in;
};

PostInput onsetInput() {
    PostInput in;
    in.onsetEnvelope = 1.0f;
    in.beatEnvelope = 1.0f;
    return in;
}

TEST_F(PostChainTest, EachStageMovesThePictureAndIsTheIdentityAtNeutral) {
    const std::vector<StageCase> cases = {
        {"post.upscale.sharpen", 1.5f, {}, {}},
        {"post.zoom_feedback.amount", 0.8f, {}, {}},
        {"post.zoom_feedback.scale", 1.08f, {{"post.zoom_feedback.amount", 0.8f}}, {}},
        {"post.zoom_feedback.rotate", 4.0f, {{"post.zoom_feedback.amount", 0.8f}}, {}},
        {"post.trails.amount", 0.6f, {}, {}},
        {"post.kaleido.segments", 6.0f, {}, {}},
        {"post.kaleido.rotate", 30.0f, {{"post.kaleido.segments", 6.0f}}, {}},
        {"post.color.hue", 90.0f, {}, {}},
        {"post.color.saturation", 0.2f, {}, {}},
        {"post.color.contrast", 1.8f, {}, {}},
        {"post.color.brightness", 0.2f, {}, {}},
        {"post.flash.amount", 1.0f, {}, onsetInput()},
        {"post.invert.amount", 1.0f, {}, {}},
        {"post.strobe.amount", 1.0f, {}, onsetInput()},
    };
    // Two different frames in turn, so that feedback and trails have a history to show.
    const std::vector<Image> frames = {pattern(64, 64, 0), pattern(64, 64, 3)};
    const Image last = rgbOf(frames[1]);
    for (const StageCase& c : cases) {
        SCOPED_TRACE(c.param);
        const int k = paramIndex(c.param);
        std::vector<float> base = neutralParams();
        for (const auto& [name, value] : c.also) base[paramIndex(name)] = value;
        std::vector<float> moved = base;
        moved[k] = c.value;
        PostChain a(kShaders, {}), b(kShaders, {});
        const Image atBase = run(a, frames, 64, 64, 64, 64, FitMode::Fill, base, c.in);
        const Image atMoved = run(b, frames, 64, 64, 64, 64, FitMode::Fill, moved, c.in);
        EXPECT_GT(meanDiff(atBase, atMoved), 4.0) << "the parameter does not move the picture";
        if (!c.also.empty()) continue;
        EXPECT_LE(maxDiff(atBase, last), 1) << "not the identity at neutral";
        // Just off neutral the pass runs: its shader is the identity there too (no jump).
        const PostParam& spec = postParams()[k];
        if (std::string_view(c.param) == "post.kaleido.segments") continue;  // whole numbers
        std::vector<float> near = base;
        near[k] = spec.neutral + 1e-4f * (spec.max - spec.min);
        PostChain n(kShaders, {});
        EXPECT_LE(maxDiff(run(n, frames, 64, 64, 64, 64, FitMode::Fill, near, c.in), last), 1)
            << "the pass is not the identity near neutral";
        EXPECT_EQ(glGetError(), static_cast<GLenum>(GL_NO_ERROR));
    }
}

TEST_F(PostChainTest, DisabledStageIsSkipped) {
    std::vector<float> params = neutralParams();
    params[paramIndex("post.color.saturation")] = 0.2f;
    params[paramIndex("post.invert.amount")] = 1.0f;
    PostChain chain(kShaders, {});
    chain.setStageEnabled("color", false);
    chain.setStageEnabled("flash", false);
    const Image frame = pattern();
    EXPECT_LE(maxDiff(run(chain, {frame}, 64, 64, 64, 64, FitMode::Fill, params), rgbOf(frame)), 1);
    for (const auto& s : chain.stages())
        EXPECT_EQ(s.enabled, s.name != "color" && s.name != "flash") << s.name;
    chain.setStageEnabled("flash", true);
    const Image inverted = run(chain, {frame}, 64, 64, 64, 64, FitMode::Fill, params);
    EXPECT_EQ(at(inverted, 64, 0, 0)[1], 255 - frame[1]);
}

TEST_F(PostChainTest, FlashInsideTheColourPassMatchesItsOwnPass) {
    std::vector<float> colour = neutralParams();
    colour[paramIndex("post.color.saturation")] = 0.4f;
    colour[paramIndex("post.color.contrast")] = 1.3f;
    std::vector<float> both = colour;
    both[paramIndex("post.invert.amount")] = 1.0f;
    PostChain a(kShaders, {}), b(kShaders, {});
    const Image frame = pattern();
    const Image colourOnly = run(a, {frame}, 64, 64, 64, 64, FitMode::Fill, colour);
    Image inverted = colourOnly;
    for (auto& v : inverted) v = static_cast<std::uint8_t>(255 - v);
    EXPECT_LE(maxDiff(run(b, {frame}, 64, 64, 64, 64, FitMode::Fill, both), inverted), 1);
    both[paramIndex("post.flash.amount")] = 0.5f;  // half way to white on a full onset
    PostInput onset;
    onset.onsetEnvelope = 1.0f;
    const Image flashed = run(b, {frame}, 64, 64, 64, 64, FitMode::Fill, both, onset);
    Image expected = inverted;
    for (auto& v : expected) v = static_cast<std::uint8_t>(std::lround(v + 0.5 * (255 - v)));
    EXPECT_LE(maxDiff(flashed, expected), 1);
}

TEST_F(PostChainTest, FillCoversTheOutputAndFitLetterboxes) {
    // Smooth and never dark, so that any black pixel is a bar.
    const Image frame = makeFrame(64, 64, [](int x, int y) {
        return std::array<int, 3>{40 + 3 * x, 40 + 3 * y, 128};
    });
    PostChain chain(kShaders, {});
    const int w = 1920, h = 1080;
    auto darkest = [&](const Image& out, int x0, int x1) {
        int low = 255;
        for (int y = 0; y < h; ++y)
            for (int x = x0; x < x1; ++x)
                for (int v : at(out, w, x, y)) low = std::min(low, v);
        return low;
    };
    for (FitMode fit : {FitMode::Fill, FitMode::Stretch, FitMode::Tile}) {
        const Image out = run(chain, {frame}, 64, 64, w, h, fit, upscaleOnly());
        EXPECT_GE(darkest(out, 0, w), 30) << autolume::render::fitModeName(fit) << " has bars";
    }
    const Image fit = run(chain, {frame}, 64, 64, w, h, FitMode::Fit, upscaleOnly());
    int brightest = 0;  // in the bars
    for (int y = 0; y < h; ++y)
        for (int x : {0, 200, 419, 1500, 1700, 1919})
            for (int v : at(fit, w, x, y)) brightest = std::max(brightest, v);
    EXPECT_EQ(brightest, 0);
    EXPECT_GE(darkest(fit, 421, 1499), 30);
}

TEST_F(PostChainTest, TileMirrorsAtTheSeams) {
    PostChain chain(kShaders, {});
    const int w = 1920, h = 1080;
    const Image out = run(chain, {pattern()}, 64, 64, w, h, FitMode::Tile, neutralParams());
    int worst = 0;  // the fitted square spans x 420..1499; left of it, its mirror image
    for (int y = 0; y < h; y += 7)
        for (int k = 0; k < 300; ++k) {
            const auto l = at(out, w, 419 - k, y), r = at(out, w, 420 + k, y);
            for (int c = 0; c < 3; ++c) worst = std::max(worst, std::abs(l[c] - r[c]));
        }
    EXPECT_LE(worst, 2);
}

TEST_F(PostChainTest, UpscaleHasNoBrightOrDarkEdgeLines) {
    PostChain chain(kShaders, {});
    const int w = 1920, h = 1080;
    const Image flat = makeFrame(64, 64, [](int, int) { return std::array<int, 3>{90, 160, 220}; });
    for (FitMode fit : {FitMode::Fill, FitMode::Stretch, FitMode::Tile}) {
        const Image out = run(chain, {flat}, 64, 64, w, h, fit, upscaleOnly());
        int worst = 0;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const auto p = at(out, w, x, y);
                worst = std::max(
                    {worst, std::abs(p[0] - 90), std::abs(p[1] - 160), std::abs(p[2] - 220)});
            }
        EXPECT_LE(worst, 1) << autolume::render::fitModeName(fit);
    }
    // A ramp across: every row the same (border rows included), no overshoot at the ends.
    const Image across = makeFrame(64, 64, [](int x, int) {
        return std::array<int, 3>{4 * x, 128, 252 - 4 * x};
    });
    const Image out = run(chain, {across}, 64, 64, w, h, FitMode::Stretch, neutralParams());
    int rowsDiffer = 0, backwards = 0;
    for (int x = 0; x < w; ++x) {
        const auto mid = at(out, w, x, h / 2);
        for (int y : {0, 1, h - 2, h - 1})
            rowsDiffer = std::max(rowsDiffer, std::abs(at(out, w, x, y)[0] - mid[0]));
        if (x > 0) backwards = std::max(backwards, at(out, w, x - 1, h / 2)[0] - mid[0]);
    }
    EXPECT_LE(rowsDiffer, 1);
    EXPECT_LE(backwards, 1);
    EXPECT_LE(at(out, w, 0, h / 2)[0], 2);
    EXPECT_GE(at(out, w, w - 1, h / 2)[0], 249);
    // A ramp down the frame (top row first): the output's top row is the frame's top row.
    const Image down = makeFrame(64, 64, [](int, int y) {
        return std::array<int, 3>{128, 4 * y, 128};
    });
    const Image outDown = run(chain, {down}, 64, 64, w, h, FitMode::Stretch, neutralParams());
    EXPECT_LE(at(outDown, w, w / 2, 0)[1], 2);
    EXPECT_GE(at(outDown, w, w / 2, h - 1)[1], 249);
    EXPECT_LE(std::abs(at(outDown, w, 0, h - 1)[1] - at(outDown, w, w / 2, h - 1)[1]), 1);
}

TEST_F(PostChainTest, TexelCentresKeepASymmetricFrameSymmetric) {
    // Symmetric about the frame's centre (31.5, 31.5): a half-texel error breaks the symmetry.
    const Image frame = makeFrame(64, 64, [](int x, int y) {
        const int dx = std::abs(2 * x - 63), dy = std::abs(2 * y - 63);
        return std::array<int, 3>{dx * 4, dy * 4, ((dx / 8 + dy / 8) % 2) * 200};
    });
    PostChain chain(kShaders, {});
    for (auto [w, h, fit] : {std::tuple{1920, 1080, FitMode::Fill},
                             {1280, 720, FitMode::Fit},
                             {333, 199, FitMode::Stretch},
                             {160, 160, FitMode::Fill}}) {
        const Image out = run(chain, {frame}, 64, 64, w, h, fit, upscaleOnly());
        int worst = 0;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                for (int c = 0; c < 3; ++c) {
                    const int v = at(out, w, x, y)[c];
                    worst = std::max({worst, std::abs(v - at(out, w, w - 1 - x, y)[c]),
                                      std::abs(v - at(out, w, x, h - 1 - y)[c])});
                }
        EXPECT_LE(worst, 1) << w << "x" << h;
    }
}

TEST_F(PostChainTest, FeedbackStartsAfreshAfterAResize) {
    std::vector<float> params = neutralParams();
    params[paramIndex("post.trails.amount")] = 0.6f;
    PostChain chain(kShaders, {}), fresh(kShaders, {});
    const Image a = pattern(64, 64, 0), b = pattern(64, 64, 5);
    run(chain, {a, a}, 64, 64, 80, 80, FitMode::Fill, params);
    const Image resized = run(chain, {b}, 64, 64, 96, 96, FitMode::Fill, params);
    EXPECT_LE(maxDiff(resized, run(fresh, {b}, 64, 64, 96, 96, FitMode::Fill, params)), 0);
    EXPECT_EQ(chain.outputWidth(), 96);
}

class UserStageTest : public PostChainTest {};

const char* kInvert = R"(#version 330 core
uniform sampler2D uFrame;
in vec2 vUv;
out vec4 outColor;
void main() { outColor = vec4(1.0 - texture(uFrame, vUv).rgb, 1.0); }
)";

const char* kBroken = R"(#version 330 core
out vec4 outColor;
void main() { outColor = vec4(1.0) }
)";

TEST_F(UserStageTest, BrokenStageIsBypassedWithItsMessageAndAFixIsPickedUp) {
    const fs::path dir = freshDir("broken");
    writeFile(dir / "broken.frag", kBroken);
    writeFile(dir / "_off.frag", kInvert);  // '_': ignored
    writeFile(dir / "notes.txt", "not a stage");
    PostChain chain(kShaders, dir), plain(kShaders, {});
    const Image frame = pattern();
    const Image reference = run(plain, {frame}, 64, 64, 64, 64, FitMode::Fill, defaultParams());

    auto stages = chain.stages();
    ASSERT_EQ(stages.size(), 6u);
    EXPECT_EQ(stages.back().name, "broken.frag");
    EXPECT_TRUE(stages.back().user);
    const std::string error = stages.back().error;
    EXPECT_EQ(error.rfind((dir / "broken.frag").string(), 0), 0u) << error;
    EXPECT_GT(error.size(), (dir / "broken.frag").string().size() + 4) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos);
    EXPECT_EQ(
        maxDiff(run(chain, {frame}, 64, 64, 64, 64, FitMode::Fill, defaultParams()), reference), 0);

    writeFile(dir / "broken.frag", kInvert);
    chain.reloadUserStages();
    EXPECT_EQ(chain.stages().back().error, "");
    const Image fixed = run(chain, {frame}, 64, 64, 64, 64, FitMode::Fill, defaultParams());
    Image inverted = reference;
    for (auto& v : inverted) v = static_cast<std::uint8_t>(255 - v);
    EXPECT_LE(maxDiff(fixed, inverted), 1);

    writeFile(dir / "broken.frag", kBroken);  // broken again: bypassed again
    chain.reloadUserStages();
    EXPECT_NE(chain.stages().back().error, "");
    EXPECT_EQ(
        maxDiff(run(chain, {frame}, 64, 64, 64, 64, FitMode::Fill, defaultParams()), reference), 0);

    fs::remove(dir / "broken.frag");
    chain.reloadUserStages();
    EXPECT_EQ(chain.stages().size(), 5u);
}

TEST_F(UserStageTest, StagesRunInNameOrderAndCanBeSwitchedOff) {
    const fs::path dir = freshDir("order");
    const std::string head =
        "#version 330 core\nuniform sampler2D uFrame;\nin vec2 vUv;\n"
        "out vec4 outColor;\nvoid main() { vec3 c = texture(uFrame, vUv).rgb; ";
    writeFile(dir / "20_add.frag", head + "outColor = vec4(c + 0.25, 1.0); }\n");
    writeFile(dir / "10_half.frag", head + "outColor = vec4(c * 0.5, 1.0); }\n");
    PostChain chain(kShaders, dir);
    const auto stages = chain.stages();
    ASSERT_EQ(stages.size(), 7u);
    EXPECT_EQ(stages[5].name, "10_half.frag");
    EXPECT_EQ(stages[6].name, "20_add.frag");
    const Image frame = makeFrame(8, 8, [](int, int) { return std::array<int, 3>{200, 100, 0}; });
    const Image both = run(chain, {frame}, 8, 8, 8, 8, FitMode::Fill, neutralParams());
    EXPECT_NEAR(at(both, 8, 3, 3)[0], 200 * 0.5 + 64, 1);  // half, then add
    EXPECT_NEAR(at(both, 8, 3, 3)[2], 64, 1);
    chain.setStageEnabled("10_half.frag", false);
    const Image one = run(chain, {frame}, 8, 8, 8, 8, FitMode::Fill, neutralParams());
    EXPECT_NEAR(at(one, 8, 3, 3)[1], 100 + 64, 1);
}

TEST_F(UserStageTest, UniformsReachTheShader) {
    const fs::path dir = freshDir("uniforms");
    const std::string head =
        "#version 330 core\nuniform sampler2D uFrame;\nuniform vec2 uResolution;\n"
        "uniform float uTime, uLevel, uBass, uMid, uHigh, uOnset, uOnsetEnv, uBeatEnv, "
        "uBeatPhase, uBpm;\nout vec4 outColor;\nvoid main() { outColor = vec4(";
    const std::vector<std::pair<std::string, std::array<float, 3>>> files = {
        {"u1.frag", {0.1f, 0.2f, 0.3f}},
        {"u2.frag", {0.4f, 0.5f, 0.6f}},
        {"u3.frag", {0.7f, 0.8f, 0.9f}},
        {"u4.frag", {0.25f, 0.1f, 0.05f}}};
    writeFile(dir / "u1.frag", head + "uLevel, uBass, uMid, 1.0); }\n");
    writeFile(dir / "u2.frag", head + "uHigh, uOnset, uOnsetEnv, 1.0); }\n");
    writeFile(dir / "u3.frag", head + "uBeatEnv, uBeatPhase, uBpm / 200.0, 1.0); }\n");
    writeFile(dir / "u4.frag", head + "uTime / 100.0, uResolution / 1000.0, 1.0); }\n");
    PostChain chain(kShaders, dir);
    PostInput in;
    in.level = 0.1f, in.bass = 0.2f, in.mid = 0.3f, in.high = 0.4f, in.onset = 0.5f;
    in.onsetEnvelope = 0.6f, in.beatEnvelope = 0.7f, in.beatPhase = 0.8f, in.bpm = 180.0f;
    in.timeSec = 25.0f;
    for (const auto& [name, want] : files) {
        SCOPED_TRACE(name);
        for (const auto& [other, unused] : files) chain.setStageEnabled(other, other == name);
        const Image out =
            run(chain, {pattern()}, 64, 64, 100, 50, FitMode::Fill, neutralParams(), in);
        for (int c = 0; c < 3; ++c) EXPECT_NEAR(at(out, 100, 50, 25)[c], want[c] * 255.0f, 1.0f);
    }
    for (const auto& s : chain.stages()) EXPECT_EQ(s.error, "") << s.name;
}

TEST_F(UserStageTest, TheShippedExampleCompilesAndDarkensLines) {
    const fs::path dir = freshDir("example");
    fs::copy_file(kShaders / "user" / "_scanlines.frag", dir / "scanlines.frag");
    PostChain chain(kShaders, dir), plain(kShaders, {});
    ASSERT_EQ(chain.stages().size(), 6u);
    EXPECT_EQ(chain.stages().back().error, "");
    const Image frame = pattern();
    const Image with = run(chain, {frame}, 64, 64, 128, 128, FitMode::Fill, neutralParams());
    const Image without = run(plain, {frame}, 64, 64, 128, 128, FitMode::Fill, neutralParams());
    EXPECT_GT(meanDiff(with, without), 4.0);
}

TEST_F(PostChainTest, DrawOutputIsOneToOneAlsoFromASharedContext) {
    PostChain chain(kShaders, {});
    const int w = 96, h = 54;
    const Image out = run(chain, {pattern()}, 64, 64, w, h, FitMode::Fill, defaultParams());
    auto drawn = [&](int vw, int vh) {
        unsigned tex = 0, fbo = 0;
        glGenTextures(1, &tex);
        glBindTexture(GL_TEXTURE_2D, tex);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, vw, vh, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
        glGenFramebuffers(1, &fbo);
        glBindFramebuffer(GL_FRAMEBUFFER, fbo);
        glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
        glViewport(0, 0, vw, vh);
        chain.drawOutput(vw, vh);
        Image rgb(static_cast<std::size_t>(vw) * vh * 3), flipped(rgb.size());
        glPixelStorei(GL_PACK_ALIGNMENT, 1);
        glReadPixels(0, 0, vw, vh, GL_RGB, GL_UNSIGNED_BYTE, rgb.data());
        for (int y = 0; y < vh; ++y)
            std::copy_n(&rgb[static_cast<std::size_t>(vh - 1 - y) * vw * 3], vw * 3,
                        &flipped[static_cast<std::size_t>(y) * vw * 3]);
        glBindFramebuffer(GL_FRAMEBUFFER, 0);
        glDeleteFramebuffers(1, &fbo);
        glDeleteTextures(1, &tex);
        return flipped;
    };
    EXPECT_EQ(maxDiff(drawn(w, h), out), 0);
    const Image wide = drawn(2 * w, h);  // letterboxed: bars left and right
    EXPECT_EQ(at(wide, 2 * w, 2, h / 2), (std::array<int, 3>{0, 0, 0}));
    EXPECT_EQ(at(wide, 2 * w, w, h / 2), at(out, w, w / 2, h / 2));

    glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
    GLFWwindow* other = glfwCreateWindow(32, 32, "shared", nullptr, s_window);
    ASSERT_NE(other, nullptr);
    glfwMakeContextCurrent(other);
    EXPECT_EQ(maxDiff(drawn(w, h), out), 0);
    EXPECT_EQ(glGetError(), static_cast<GLenum>(GL_NO_ERROR));
    glfwMakeContextCurrent(s_window);
    glfwDestroyWindow(other);
    glfwMakeContextCurrent(s_window);
}

TEST_F(PostChainTest, LeavesTheCallersGlStateAlone) {
    PostChain chain(kShaders, {});
    unsigned fbo = 0, tex = 0;
    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_2D, tex);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, 8, 8, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
    glGenFramebuffers(1, &fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
    glViewport(1, 2, 3, 4);
    glEnable(GL_BLEND);
    std::vector<float> params = defaultParams();
    params[paramIndex("post.kaleido.segments")] = 3;
    run(chain, {pattern()}, 64, 64, 320, 180, FitMode::Fill, params, onsetInput());
    chain.readOutput();
    int bound = 0, viewport[4] = {};
    glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &bound);
    glGetIntegerv(GL_VIEWPORT, viewport);
    EXPECT_EQ(bound, static_cast<int>(fbo));
    EXPECT_EQ(viewport[0] * 1000 + viewport[1] * 100 + viewport[2] * 10 + viewport[3], 1234);
    EXPECT_TRUE(glIsEnabled(GL_BLEND));
    glDisable(GL_BLEND);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    glDeleteFramebuffers(1, &fbo);
    glDeleteTextures(1, &tex);
}

}  // namespace
