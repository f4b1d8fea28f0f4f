// Generator against the placeholder model and the reference data that
// tools/export_placeholder.py computed in Python with the same TorchScript archive.
#include "autolume/model/generator.hpp"

#include "autolume/io/npy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace autolume::model {
namespace {

namespace fs = std::filesystem;

const std::string kModelDir = AUTOLUME_MODEL_DIR;
const std::string kPlaceholder = kModelDir + "/placeholder.pt";
const std::string kReference = kModelDir + "/reference";

io::NpyArray reference(const std::string& name) {
    return io::readNpy(kReference + "/" + name);
}

float maxAbsDiff(const float* a, const float* b, size_t n) {
    float m = 0.0f;
    for (size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(a[i] - b[i]));
    return m;
}

// Upstream generate.py's conversion: (img * 127.5 + 128).clamp(0, 255) truncated to uint8.
std::uint8_t toByte(float v) {
    return static_cast<std::uint8_t>(std::clamp(v * 127.5f + 128.0f, 0.0f, 255.0f));
}

class ModelTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { s_generator = Generator::load(kPlaceholder); }
    static void TearDownTestSuite() { s_generator.reset(); }

    Generator& gen() { return *s_generator; }
    std::vector<float> z(int index) {
        const io::NpyArray zs = reference("z.npy");
        const size_t zDim = static_cast<size_t>(zs.shape.at(1));
        return {zs.data.begin() + index * zDim, zs.data.begin() + (index + 1) * zDim};
    }
    std::vector<std::uint8_t> generate(const std::vector<float>& zIn, float psi, float noise) {
        const int res = gen().info().resolution;
        std::vector<std::uint8_t> rgba(static_cast<size_t>(res * res * 4), 0);
        gen().generate(zIn.data(), psi, noise, rgba.data());
        return rgba;
    }

    static std::unique_ptr<Generator> s_generator;
};

std::unique_ptr<Generator> ModelTest::s_generator;

TEST_F(ModelTest, LoadsPlaceholderAndInfoMatchesMetadata) {
    const ModelInfo& info = gen().info();
    EXPECT_EQ(info.path, kPlaceholder);
    EXPECT_EQ(info.name, "placeholder");
    EXPECT_TRUE(info.placeholder);
    EXPECT_NE(info.description.find("random weights"), std::string::npos) << info.description;
    EXPECT_FALSE(info.license.empty());
    EXPECT_EQ(info.source, "tools/export_placeholder.py");
    EXPECT_EQ(info.zDim, 512);
    EXPECT_EQ(info.wDim, 512);
    EXPECT_EQ(info.cDim, 0);
    EXPECT_EQ(info.resolution, 64);
    EXPECT_EQ(info.numWs, 10);  // 2 log2(64) - 2
    ASSERT_EQ(info.numLayers, 9);
    ASSERT_EQ(info.layers.size(), 9u);
    EXPECT_EQ(info.layers.front().name, "b4.conv1");
    EXPECT_EQ(info.layers.front().resolution, 4);
    EXPECT_EQ(info.layers[1].name, "b8.conv0");
    EXPECT_EQ(info.layers.back().name, "b64.conv1");
    EXPECT_EQ(info.layers.back().resolution, 64);
    EXPECT_GT(info.layers.back().channels, 0);
    EXPECT_FALSE(info.device.empty());

    const io::NpyArray wAvg = reference("w_avg.npy");
    ASSERT_EQ(gen().wAvg().size(), wAvg.data.size());
    EXPECT_LE(maxAbsDiff(gen().wAvg().data(), wAvg.data.data(), wAvg.data.size()), 1e-6f);
}

TEST_F(ModelTest, MappingMatchesPythonReference) {
    const io::NpyArray ws = reference("ws.npy");
    ASSERT_EQ(ws.shape, (std::vector<std::int64_t>{2, 10, 512}));
    const size_t n = 10 * 512;
    std::vector<float> out(n);
    for (int i = 0; i < 2; ++i) {
        gen().mapping(z(i).data(), out.data());
        EXPECT_LE(maxAbsDiff(out.data(), ws.data.data() + i * n, n), 1e-4f) << "seed " << i;
    }
    EXPECT_GT(gen().lastTimes().mappingMs, 0.0);
}

TEST_F(ModelTest, SynthesisMatchesPythonReference) {
    const io::NpyArray ws = reference("ws.npy");
    const io::NpyArray img = reference("img.npy");
    const io::NpyArray img0 = reference("img_noise0.npy");
    ASSERT_EQ(img.shape, (std::vector<std::int64_t>{2, 3, 64, 64}));
    const size_t wsSize = 10 * 512;
    const size_t n = 3 * 64 * 64;
    std::vector<float> out(n);
    for (int i = 0; i < 2; ++i) {
        gen().synthesis(ws.data.data() + i * wsSize, 1.0f, out.data());
        EXPECT_LE(maxAbsDiff(out.data(), img.data.data() + i * n, n), 1e-4f) << "seed " << i;
        gen().synthesis(ws.data.data() + i * wsSize, 0.0f, out.data());
        EXPECT_LE(maxAbsDiff(out.data(), img0.data.data() + i * n, n), 1e-4f) << "seed " << i;
    }
    EXPECT_GT(gen().lastTimes().synthesisMs, 0.0);
}

TEST_F(ModelTest, GenerateGivesOpaqueRgbaMatchingTheReference) {
    const io::NpyArray img = reference("img.npy");
    const std::vector<std::uint8_t> rgba = generate(z(0), 1.0f, 1.0f);
    std::set<std::uint32_t> colours;
    int offByMore = 0;
    for (int p = 0; p < 64 * 64; ++p) {
        EXPECT_EQ(rgba[p * 4 + 3], 255) << "pixel " << p;
        colours.insert(rgba[p * 4] | rgba[p * 4 + 1] << 8 | rgba[p * 4 + 2] << 16);
        for (int ch = 0; ch < 3; ++ch) {
            // psi 1 and noise 1 are exactly the reference; rounding may flip a byte by one.
            const int want = toByte(img.data[ch * 64 * 64 + p]);
            if (std::abs(rgba[p * 4 + ch] - want) > 1) ++offByMore;
        }
    }
    EXPECT_EQ(offByMore, 0);
    EXPECT_GT(colours.size(), 500u) << "a flat picture";

    const StageTimes t = gen().lastTimes();
    EXPECT_GT(t.mappingMs, 0.0);
    EXPECT_GT(t.synthesisMs, 0.0);
    EXPECT_GE(t.copyMs, 0.0);
}

TEST_F(ModelTest, DifferentZGivesDifferentImages) {
    const std::vector<std::uint8_t> a = generate(z(0), 1.0f, 1.0f);
    const std::vector<std::uint8_t> b = generate(z(1), 1.0f, 1.0f);
    double meanDiff = 0.0;
    for (size_t i = 0; i < a.size(); ++i) meanDiff += std::abs(a[i] - b[i]);
    meanDiff /= static_cast<double>(a.size());
    EXPECT_GT(meanDiff, 10.0);
    // The same z twice is the same picture: nothing random at inference.
    EXPECT_EQ(generate(z(0), 1.0f, 1.0f), a);
}

TEST_F(ModelTest, PsiZeroGivesTheWAvgImageForAnyZ) {
    const std::vector<std::uint8_t> a = generate(z(0), 0.0f, 1.0f);
    const std::vector<std::uint8_t> b = generate(z(1), 0.0f, 1.0f);
    EXPECT_EQ(a, b);

    // ... and it is synthesis(w_avg repeated num_ws times).
    const ModelInfo& info = gen().info();
    std::vector<float> ws;
    for (int i = 0; i < info.numWs; ++i)
        ws.insert(ws.end(), gen().wAvg().begin(), gen().wAvg().end());
    std::vector<float> chw(static_cast<size_t>(3 * info.resolution * info.resolution));
    gen().synthesis(ws.data(), 1.0f, chw.data());
    const int plane = info.resolution * info.resolution;
    int offByMore = 0;
    for (int p = 0; p < plane; ++p)
        for (int ch = 0; ch < 3; ++ch)
            if (std::abs(a[p * 4 + ch] - toByte(chw[ch * plane + p])) > 1) ++offByMore;
    EXPECT_EQ(offByMore, 0);
}

TEST_F(ModelTest, GenerateIsInteractiveOnTheCpu) {
    const std::vector<float> z0 = z(0);
    std::vector<std::uint8_t> rgba(64 * 64 * 4);
    constexpr int kFrames = 50;
    double sumMs = 0.0;
    double mappingMs = 0.0;
    double synthesisMs = 0.0;
    double copyMs = 0.0;
    for (int i = 0; i < kFrames; ++i) {
        const auto start = std::chrono::steady_clock::now();
        gen().generate(z0.data(), 0.7f, 1.0f, rgba.data());
        sumMs += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count();
        mappingMs += gen().lastTimes().mappingMs;
        synthesisMs += gen().lastTimes().synthesisMs;
        copyMs += gen().lastTimes().copyMs;
    }
    const double perFrame = sumMs / kFrames;
    std::printf(
        "[ placeholder ] generate() %.2f ms/frame on %s (mapping %.2f, synthesis %.2f, "
        "copy %.3f), %d torch threads\n",
        perFrame, gen().info().device.c_str(), mappingMs / kFrames, synthesisMs / kFrames,
        copyMs / kFrames, cpuThreads());
    RecordProperty("generate_ms", std::to_string(perFrame));
    // Loose bound (30 fps) so a loaded CI machine passes; catches falling off the fast path.
    EXPECT_LT(perFrame, 33.0);
}

// Errors name the file and the problem.
void expectModelError(const std::string& path, const std::string& problem) {
    try {
        Generator::load(path, DevicePreference::Cpu);
        ADD_FAILURE() << "no ModelError for " << path;
    } catch (const ModelError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(path), std::string::npos) << message;
        EXPECT_NE(message.find(problem), std::string::npos) << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
    }
}

TEST(ModelErrors, MissingFileThrowsModelErrorNamingIt) {
    expectModelError(std::string(AUTOLUME_TEST_TMP) + "/no_such_model.pt", "not found");
}

TEST(ModelErrors, TextFileIsNotATorchScriptArchive) {
    fs::create_directories(AUTOLUME_TEST_TMP);
    const std::string path = std::string(AUTOLUME_TEST_TMP) + "/not_a_model.pt";
    std::ofstream(path) << "this is a text file, not a model\n";
    expectModelError(path, "not a TorchScript archive");
}

TEST(ModelErrors, ArchiveWithoutTheContractIsRejected) {
    expectModelError(kReference + "/not_a_generator.pt", "missing method 'mapping'");
}

// Label "gpu" in CTest. Compares CUDA (fp16 blocks where the model allows) with the CPU
// reference, loosely: TF32 convolutions and fp16 differ from fp32 by ~1e-2.
TEST(ModelGpu, CudaGenerateMatchesCpuReference) {
    if (!cudaAvailable()) GTEST_SKIP() << "no CUDA device";
    auto gpu = Generator::load(kPlaceholder, DevicePreference::Cuda);
    EXPECT_EQ(gpu->info().device, "cuda:0");
    const io::NpyArray zs = reference("z.npy");
    const io::NpyArray ws = reference("ws.npy");
    const io::NpyArray img = reference("img.npy");
    std::vector<float> outWs(10 * 512);
    gpu->mapping(zs.data.data(), outWs.data());
    EXPECT_LE(maxAbsDiff(outWs.data(), ws.data.data(), outWs.size()), 1e-3f);
    std::vector<float> chw(3 * 64 * 64);
    gpu->synthesis(ws.data.data(), 1.0f, chw.data());
    double mean = 0.0;
    for (size_t i = 0; i < chw.size(); ++i) mean += std::fabs(chw[i] - img.data[i]);
    mean /= static_cast<double>(chw.size());
    EXPECT_LE(maxAbsDiff(chw.data(), img.data.data(), chw.size()), 0.1f);
    EXPECT_LE(mean, 0.01);

    std::vector<std::uint8_t> rgba(64 * 64 * 4);
    for (int i = 0; i < 20; ++i) gpu->generate(zs.data.data(), 1.0f, 1.0f, rgba.data());
    for (int p = 0; p < 64 * 64; ++p) ASSERT_EQ(rgba[p * 4 + 3], 255);
    const StageTimes t = gpu->lastTimes();
    std::printf("[ placeholder ] CUDA generate: mapping %.3f ms, synthesis %.3f ms, copy %.3f ms\n",
                t.mappingMs, t.synthesisMs, t.copyMs);
}

}  // namespace
}  // namespace autolume::model
