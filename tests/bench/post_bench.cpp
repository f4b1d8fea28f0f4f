// The post chain's cost and its upscale's quality (issue 11), in a hidden GLFW window (under
// Xvfb: Mesa llvmpipe). Figures go to docs/BENCHMARKS.md; nothing here gates a test.
//
//   autolume_post_bench [--timing] [--quality] [--frames N] [--size WxH] [--source S]
//                       [--write DIR]
//
// --timing: per configuration (one stage more each time, then the default look), the median
//   wall time of upload + render + glFinish and each stage's GL_TIME_ELAPSED, at WxH
//   (1920x1080) from an SxS frame (256).
// --quality: a 512x512 procedural reference (smooth colour, hard-edged shapes, thin lines, a
//   chirp, value noise; 4x4 supersampled), box-downscaled 4x, upscaled back by GL bilinear and
//   by the Lanczos-3 stage at several sharpen amounts: PSNR against the reference and the
//   sharpness ratio (mean luma gradient magnitude of the upscale over the reference's).
//   --write DIR also writes the images as PPM.
// Both parts run when neither is named.
#include <glad/gl.h>
// GLFW after glad: glad provides the GL declarations.
#include <GLFW/glfw3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "autolume/render/post_chain.hpp"

namespace fs = std::filesystem;
using autolume::render::FitMode;
using autolume::render::PostChain;
using autolume::render::PostInput;
using autolume::render::postParams;

namespace {

using Image = std::vector<std::uint8_t>;  // RGB or RGBA, top row first

struct Options {
    bool timing = false;
    bool quality = false;
    int frames = 100;
    int width = 1920;
    int height = 1080;
    int source = 256;
    fs::path writeDir;
};

// ---- the reference image ------------------------------------------------------------------

double hash01(int x, int y, int seed) {
    std::uint32_t h = static_cast<std::uint32_t>(x) * 374761393u +
                      static_cast<std::uint32_t>(y) * 668265263u +
                      static_cast<std::uint32_t>(seed) * 2246822519u;
    h = (h ^ (h >> 13)) * 1274126177u;
    return static_cast<double>((h ^ (h >> 16)) & 0xffffffu) / 16777215.0;
}

double valueNoise(double x, double y, int seed) {
    const int xi = static_cast<int>(std::floor(x)), yi = static_cast<int>(std::floor(y));
    const double fx = x - xi, fy = y - yi;
    const double sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy);
    const double a = hash01(xi, yi, seed), b = hash01(xi + 1, yi, seed);
    const double c = hash01(xi, yi + 1, seed), d = hash01(xi + 1, yi + 1, seed);
    return (a + (b - a) * sx) + ((c + (d - c) * sx) - (a + (b - a) * sx)) * sy;
}

// Colour at (u, v) in [0, 1)^2 of the reference.
std::array<double, 3> referenceAt(double u, double v) {
    constexpr double kTau = 6.283185307179586;
    std::array<double, 3> c = {0.5 + 0.3 * std::sin(kTau * (1.3 * u + 0.4 * v)),
                               0.5 + 0.3 * std::cos(kTau * (1.1 * v - 0.6 * u)),
                               0.5 + 0.3 * std::sin(kTau * 0.7 * (u + v))};
    auto paint = [&](bool inside, std::array<double, 3> colour) {
        if (inside) c = colour;
    };
    // Value noise (two octaves) top right, a chirp bottom left.
    if (u > 0.55 && v < 0.45) {
        const double n = 0.6 * valueNoise(u * 40, v * 40, 1) + 0.4 * valueNoise(u * 90, v * 90, 2);
        c = {n, 0.3 + 0.5 * n, 1.0 - n};
    }
    const double r2 = (u - 0.22) * (u - 0.22) + (v - 0.78) * (v - 0.78);
    if (r2 < 0.04) {
        const double z = 0.5 + 0.5 * std::cos(kTau * 120.0 * r2);  // up to 0.094 cycles/px
        c = {z, z, 0.2 + 0.6 * z};
    }
    paint((u - 0.35) * (u - 0.35) + (v - 0.3) * (v - 0.3) < 0.012, {0.95, 0.2, 0.1});
    paint((u - 0.75) * (u - 0.75) + (v - 0.72) * (v - 0.72) < 0.02, {0.1, 0.15, 0.6});
    const double ru = 0.707 * (u - 0.6) + 0.707 * (v - 0.62),
                 rv = -0.707 * (u - 0.6) + 0.707 * (v - 0.62);
    paint(std::abs(ru) < 0.07 && std::abs(rv) < 0.07, {0.98, 0.9, 0.2});
    for (int k = 0; k < 6; ++k)  // thin lines, 1.5 to 4 px wide
        paint(std::abs(u - 0.08 - 0.035 * k * (1 + 0.3 * k) - 0.3 * v) < 0.003 + 0.0008 * k,
              {0.05, 0.05, 0.05});
    return c;
}

Image makeReference(int size) {
    Image rgb(static_cast<std::size_t>(size) * size * 3);
    constexpr int kSub = 4;
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) {
            std::array<double, 3> sum{};
            for (int sy = 0; sy < kSub; ++sy)
                for (int sx = 0; sx < kSub; ++sx) {
                    const auto c =
                        referenceAt((x + (sx + 0.5) / kSub) / size, (y + (sy + 0.5) / kSub) / size);
                    for (int k = 0; k < 3; ++k) sum[k] += c[k];
                }
            for (int k = 0; k < 3; ++k)
                rgb[(static_cast<std::size_t>(y) * size + x) * 3 + k] = static_cast<std::uint8_t>(
                    std::lround(std::clamp(sum[k] / (kSub * kSub), 0.0, 1.0) * 255.0));
        }
    return rgb;
}

Image boxDownscale(const Image& rgb, int size, int factor) {
    const int small = size / factor;
    Image out(static_cast<std::size_t>(small) * small * 3);
    for (int y = 0; y < small; ++y)
        for (int x = 0; x < small; ++x)
            for (int k = 0; k < 3; ++k) {
                int sum = 0;
                for (int j = 0; j < factor; ++j)
                    for (int i = 0; i < factor; ++i)
                        sum += rgb[((static_cast<std::size_t>(y) * factor + j) * size + x * factor +
                                    i) *
                                       3 +
                                   k];
                out[(static_cast<std::size_t>(y) * small + x) * 3 + k] =
                    static_cast<std::uint8_t>((sum + factor * factor / 2) / (factor * factor));
            }
    return out;
}

Image toRgba(const Image& rgb) {
    Image out;
    out.reserve(rgb.size() / 3 * 4);
    for (std::size_t i = 0; i < rgb.size(); i += 3) {
        out.insert(out.end(), &rgb[i], &rgb[i + 3]);
        out.push_back(255);
    }
    return out;
}

double psnr(const Image& a, const Image& b) {
    double se = 0;
    for (std::size_t i = 0; i < a.size(); ++i) se += (a[i] - b[i]) * double(a[i] - b[i]);
    const double mse = se / static_cast<double>(a.size());
    return mse == 0 ? 99.0 : 10.0 * std::log10(255.0 * 255.0 / mse);
}

// Mean magnitude of the luma gradient (central differences, interior pixels).
double meanGradient(const Image& rgb, int w, int h) {
    auto luma = [&](int x, int y) {
        const std::uint8_t* p = &rgb[(static_cast<std::size_t>(y) * w + x) * 3];
        return 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];
    };
    double sum = 0;
    for (int y = 1; y < h - 1; ++y)
        for (int x = 1; x < w - 1; ++x)
            sum += std::hypot(luma(x + 1, y) - luma(x - 1, y), luma(x, y + 1) - luma(x, y - 1)) / 2;
    return sum / ((w - 2.0) * (h - 2.0));
}

void writePpm(const fs::path& path, const Image& rgb, int w, int h) {
    std::ofstream out(path, std::ios::binary);
    out << "P6\n" << w << " " << h << "\n255\n";
    out.write(reinterpret_cast<const char*>(rgb.data()), static_cast<std::streamsize>(rgb.size()));
}

// ---- the chain ----------------------------------------------------------------------------

std::vector<float> withParams(std::map<std::string, float> set, bool neutral) {
    std::vector<float> v;
    for (const auto& p : postParams()) {
        const auto it = set.find(p.name);
        v.push_back(it != set.end() ? it->second : neutral ? p.neutral : p.defaultValue);
    }
    return v;
}

void quality(const Options& o) {
    constexpr int kSize = 512, kFactor = 4, kSmall = kSize / kFactor;
    const Image reference = makeReference(kSize);
    const Image small = toRgba(boxDownscale(reference, kSize, kFactor));
    const double refGradient = meanGradient(reference, kSize, kSize);
    if (!o.writeDir.empty()) {
        fs::create_directories(o.writeDir);
        writePpm(o.writeDir / "reference.ppm", reference, kSize, kSize);
    }
    std::printf("upscale quality: %dx%d procedural reference, box /%d to %dx%d, back to %dx%d\n",
                kSize, kSize, kFactor, kSmall, kSmall, kSize, kSize);
    std::printf("%-26s %9s %16s\n", "method", "PSNR dB", "sharpness ratio");
    struct Variant {
        const char* name;
        bool lanczos;
        float sharpen;
    };
    for (const Variant& v : {Variant{"GL bilinear", false, 0.0f},
                             {"Lanczos-3", true, 0.0f},
                             {"Lanczos-3 + sharpen 0.35", true, 0.35f},
                             {"Lanczos-3 + sharpen 0.7", true, 0.7f},
                             {"Lanczos-3 + sharpen 1.0", true, 1.0f}}) {
        PostChain chain(AUTOLUME_POST_SHADER_DIR, {});
        chain.setStageEnabled("upscale", v.lanczos);
        chain.setParams(withParams({{"post.upscale.sharpen", v.sharpen}}, true));
        chain.upload(small.data(), kSmall, kSmall);
        chain.render(kSize, kSize, FitMode::Stretch, {});
        const Image out = chain.readOutput();
        std::printf("%-26s %9.2f %16.3f\n", v.name, psnr(out, reference),
                    meanGradient(out, kSize, kSize) / refGradient);
        if (!o.writeDir.empty()) {
            std::string file = v.name;
            std::replace_if(
                file.begin(), file.end(), [](char ch) { return !std::isalnum(ch); }, '_');
            writePpm(o.writeDir / (file + ".ppm"), out, kSize, kSize);
        }
    }
}

struct Config {
    const char* name;
    std::map<std::string, float> params;  // over the neutral values
    PostInput input;
    bool lanczos = true;
    bool defaults = false;  // the default look instead of neutral
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

void timing(const Options& o) {
    const int s = o.source;
    Image frame = toRgba(makeReference(s));
    Image shifted = frame;  // a second frame, so that uploads and feedback see change
    std::rotate(shifted.begin(), shifted.begin() + 4 * 7, shifted.end());
    PostInput beat;
    beat.onsetEnvelope = 1.0f;
    beat.beatEnvelope = 1.0f;
    const std::map<std::string, float> upscale = {{"post.upscale.sharpen", 0.35f}};
    auto plus = [&](std::map<std::string, float> more) {
        more.insert(upscale.begin(), upscale.end());
        return more;
    };
    const std::vector<Config> configs = {
        {"bilinear only", {}, {}, false},
        {"Lanczos-3", {}, {}},
        {"Lanczos-3 + sharpen", upscale, {}},
        {"+ feedback",
         plus({{"post.trails.amount", 0.25f}, {"post.zoom_feedback.amount", 0.3f}}),
         {}},
        {"+ kaleido", plus({{"post.kaleido.segments", 6.0f}}), {}},
        {"+ color", plus({{"post.color.saturation", 1.1f}, {"post.color.hue", 20.0f}}), {}},
        {"+ flash", plus({{"post.flash.amount", 0.15f}, {"post.invert.amount", 0.3f}}), beat},
        {"all stages",
         plus({{"post.trails.amount", 0.25f},
               {"post.zoom_feedback.amount", 0.3f},
               {"post.kaleido.segments", 6.0f},
               {"post.color.saturation", 1.1f},
               {"post.color.hue", 20.0f},
               {"post.flash.amount", 0.15f},
               {"post.invert.amount", 0.3f}}),
         beat},
        {"default look (no onset)", {}, {}, true, true},
    };
    std::printf("post chain: %dx%d frame to %dx%d, %d frames per line (after 10), %s\n", s, s,
                o.width, o.height, o.frames, glGetString(GL_RENDERER));
    std::printf("%-24s %9s | GPU ms: %7s %8s %7s %7s %7s %7s\n", "configuration", "wall ms",
                "upscale", "feedback", "kaleido", "color", "flash", "sum");
    for (const Config& c : configs) {
        PostChain chain(AUTOLUME_POST_SHADER_DIR, {});
        chain.setStageEnabled("upscale", c.lanczos);
        chain.setParams(withParams(c.params, !c.defaults));
        std::vector<double> wall;
        std::array<double, 5> gpu{};
        int measured = 0;
        for (int i = 0; i < o.frames + 10; ++i) {
            const auto t0 = std::chrono::steady_clock::now();
            chain.upload((i % 2 ? shifted : frame).data(), s, s);
            chain.render(o.width, o.height, FitMode::Fill, c.input);
            glFinish();
            const auto t1 = std::chrono::steady_clock::now();
            if (i < 10) continue;
            wall.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
            const auto stages = chain.stages();
            for (std::size_t k = 0; k < gpu.size(); ++k) gpu[k] += stages[k].gpuMs;
            ++measured;
        }
        double sum = 0;
        for (double& g : gpu) sum += g /= measured;
        std::printf("%-24s %9.2f |         %7.2f %8.2f %7.2f %7.2f %7.2f %7.2f\n", c.name,
                    median(wall), gpu[0], gpu[1], gpu[2], gpu[3], gpu[4], sum);
    }
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--timing")
            o.timing = true;
        else if (a == "--quality")
            o.quality = true;
        else if (a == "--frames")
            o.frames = std::max(1, std::atoi(next().c_str()));
        else if (a == "--source")
            o.source = std::max(4, std::atoi(next().c_str()));
        else if (a == "--write")
            o.writeDir = next();
        else if (a == "--size") {
            const std::string v = next();
            if (std::sscanf(v.c_str(), "%dx%d", &o.width, &o.height) != 2) {
                std::fprintf(stderr, "--size wants WxH, not %s\n", v.c_str());
                std::exit(2);
            }
        } else {
            std::fprintf(stderr,
                         "usage: autolume_post_bench [--timing] [--quality] [--frames N] "
                         "[--size WxH] [--source S] [--write DIR]\n");
            std::exit(2);
        }
    }
    if (!o.timing && !o.quality) o.timing = o.quality = true;
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    if (!glfwInit()) {
        std::fprintf(stderr, "no display: run under xvfb-run -a\n");
        return 1;
    }
    glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    GLFWwindow* window = glfwCreateWindow(64, 64, "post bench", nullptr, nullptr);
    if (!window) {
        std::fprintf(stderr, "no OpenGL 3.3 core context\n");
        return 1;
    }
    glfwMakeContextCurrent(window);
    if (!gladLoadGL(glfwGetProcAddress)) return 1;
    try {
        if (o.quality) quality(o);
        if (o.timing) timing(o);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    glfwDestroyWindow(window);
    glfwTerminate();
    return 0;
}
