// Generator: loads a TorchScript archive that follows the model contract (docs/ARCHITECTURE.md),
// checks it with a dry run, and runs mapping -> truncation -> synthesis -> RGBA8 every frame
// with tensors allocated once at load (per output size: on first use of that size).
//
// CUDA (only reached when torch::cuda::is_available()): the model runs on its own stream from
// torch's pool, so a model warming up on a loader thread does not queue behind (or in front
// of) the one rendering; inputs go up from pinned staging buffers and frames come down into
// pinned buffers with non-blocking copies, then one wait on that stream per frame. Everything
// here uses device-generic c10 APIs, so the same source builds against a CPU-only LibTorch.
#include "autolume/model/generator.hpp"

#include "autolume/io/file_hash.hpp"

#include "autolume/io/json_read.hpp"
#include "autolume/model/archive_check.hpp"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <c10/core/Stream.h>
#include <c10/core/StreamGuard.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <torch/cuda.h>
#include <torch/script.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>

namespace autolume::model {

namespace {

constexpr const char* kMetaFile = "meta.json";
constexpr int kWarmupRuns = 3;  // the profiling executor specializes the graphs on run 2
constexpr int kMaxLog2Resolution = 15;

using Clock = std::chrono::steady_clock;

[[noreturn]] void throwModelError(const std::string& path, const std::string& problem) {
    throw ModelError("model '" + path + "': " + problem);
}

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// c10::Error messages carry a C++ backtrace; the user needs the first line.
std::string firstLine(std::string_view text) {
    const auto end = text.find('\n');
    return std::string(text.substr(0, end));
}

std::string torchMessage(const c10::Error& e) {
    return firstLine(e.what_without_backtrace());
}

std::string shapeString(const torch::Tensor& t) {
    std::string s = "[";
    for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
    return s + "]";
}

int log2Exact(int value) {
    int log2 = 0;
    while ((1 << log2) < value && log2 < 30) ++log2;
    return (1 << log2) == value ? log2 : -1;
}

class ContractChecker {
  public:
    ContractChecker(const std::string& path, torch::jit::Module& module)
        : m_path(path), m_module(module) {}

    [[noreturn]] void fail(const std::string& problem) const { throwModelError(m_path, problem); }

    int intAttr(const char* name) const {
        if (!m_module.hasattr(name)) fail(std::string("missing attribute '") + name + "'");
        const c10::IValue v = m_module.attr(name);
        if (!v.isInt()) fail(std::string("attribute '") + name + "' is not an int");
        const int64_t value = v.toInt();
        if (value < 0 || value > (1 << 20))
            fail(std::string("attribute '") + name + "' = " + std::to_string(value) +
                 " is out of range");
        return static_cast<int>(value);
    }

    std::vector<std::string> stringListAttr(const char* name) const {
        if (!m_module.hasattr(name)) fail(std::string("missing attribute '") + name + "'");
        const c10::IValue v = m_module.attr(name);
        if (!v.isList()) fail(std::string("attribute '") + name + "' is not a list");
        std::vector<std::string> out;
        for (const c10::IValue& item : v.toListRef()) {
            if (!item.isString()) fail(std::string("attribute '") + name + "' is not List[str]");
            out.push_back(item.toStringRef());
        }
        return out;
    }

    std::vector<int> intListAttr(const char* name) const {
        if (!m_module.hasattr(name)) fail(std::string("missing attribute '") + name + "'");
        const c10::IValue v = m_module.attr(name);
        if (!v.isIntList()) fail(std::string("attribute '") + name + "' is not List[int]");
        std::vector<int> out;
        for (int64_t x : v.toIntVector()) out.push_back(static_cast<int>(x));
        return out;
    }

    torch::jit::Method method(const char* name) const {
        std::optional<torch::jit::Method> m;
        if (auto found = m_module.find_method(name)) m.emplace(*found);
        if (!m) fail(std::string("missing method '") + name + "' (not a generator archive?)");
        return *m;
    }

    void expectShape(const char* what, const torch::Tensor& t,
                     const std::vector<int64_t>& expected) const {
        if (t.sizes().vec() != expected || t.scalar_type() != torch::kFloat32) {
            std::string want = "[";
            for (size_t i = 0; i < expected.size(); ++i)
                want += (i ? ", " : "") + std::to_string(expected[i]);
            fail(std::string(what) + " returned " + shapeString(t) + " " +
                 std::string(c10::toString(t.scalar_type())) + ", expected float32 " + want + "]");
        }
    }

  private:
    const std::string& m_path;
    torch::jit::Module& m_module;
};

torch::Device chooseDevice(DevicePreference preference) {
    if (preference != DevicePreference::Cpu && cudaAvailable())
        return torch::Device(torch::kCUDA, 0);
    return torch::Device(torch::kCPU);
}

void setBoolAttrIfPresent(torch::jit::Module& module, const char* name, bool value) {
    if (module.hasattr(name) && module.attr(name).isBool()) module.setattr(name, value);
}

// Makes a model's CUDA stream current for the calling thread for one call (CPU: nothing).
class StreamScope {
  public:
    explicit StreamScope(const std::optional<c10::Stream>& stream) {
        if (stream) m_guard.emplace(*stream);
    }

  private:
    std::optional<c10::StreamGuard> m_guard;
};

// Buffers for one output size, made on first use of that size.
struct OutputBuffers {
    torch::Tensor scaled;      // [3, r, r] float on the device: image * 127.5 + 128, clamped
    torch::Tensor rgbaDevice;  // [r, r, 4] uint8 on CUDA, alpha preset to 255
    torch::Tensor rgbaPinned;  // [r, r, 4] uint8 pinned host memory (CUDA)
    torch::Tensor chwPinned;   // [3, r, r] float pinned host memory (CUDA synthesis())
};

}  // namespace

std::array<float, 6> bendMatrix(const LayerBend& bend) noexcept {
    // Inverse of p_out = zoom R(rotate) p_in + 2 t (normalized coordinates span 2 units), as
    // networks.py bend_matrix() computes it.
    const double c = std::cos(static_cast<double>(bend.rotateRad)) / bend.zoom;
    const double s = std::sin(static_cast<double>(bend.rotateRad)) / bend.zoom;
    const double tx = 2.0 * bend.translateX;
    const double ty = 2.0 * bend.translateY;
    return {static_cast<float>(c),  static_cast<float>(s), static_cast<float>(-(c * tx + s * ty)),
            static_cast<float>(-s), static_cast<float>(c), static_cast<float>(-(-s * tx + c * ty))};
}

void setCpuThreads(int threads) {
    if (threads > 0) at::set_num_threads(threads);
}

int cpuThreads() {
    return at::get_num_threads();
}

// Measured on 2 cores (docs/BENCHMARKS.md): with the machine busy, 2 torch threads took a
// 64 px frame from 7 ms to a mean of 25-140 ms (p90 up to 0.7 s) while 1 thread stayed at
// 8-12 ms; idle, 2 threads were no faster than 1. An OpenMP team waits at each layer's
// barrier for its slowest worker, so a team as wide as the machine stalls whenever another
// thread (audio, analysis, rendering, a model load, another program) takes a core. Hence
// one thread on small machines and half the hardware threads on larger ones; above 8 the
// 64-256 px models gain little from more (not measured here: the rule above 4 is a guess
// that keeps half the machine free for everything else).
int resolveCpuThreads(int requested, unsigned hardwareThreads) noexcept {
    if (requested > 0) return requested;
    if (hardwareThreads <= 4) return 1;
    return static_cast<int>(std::min(hardwareThreads / 2, 8u));
}

int resolveCpuThreads(int requested) {
    return resolveCpuThreads(requested, std::thread::hardware_concurrency());
}

bool cudaAvailable() noexcept {
    try {
        return torch::cuda::is_available();
    } catch (...) {
        return false;  // a broken driver is "no CUDA" for the app
    }
}

struct Generator::Impl {
    ModelInfo info;
    std::vector<float> wAvgHost;

    torch::jit::Module module;
    std::optional<torch::jit::Method> mappingMethod;
    std::optional<torch::jit::Method> synthesisMethod;
    std::optional<torch::jit::Method> untilMethod;  // synthesis_until, if the archive has it
    torch::Device device{torch::kCPU};
    std::optional<c10::Stream> stream;  // CUDA only: this model's stream
    bool stageTiming = true;

    // Allocated once at load, on the model's device; reused every frame.
    torch::Tensor z;          // [1, zDim]
    torch::Tensor c;          // [1, cDim]: the current class label
    torch::Tensor cOnce;      // [1, cDim]: a label for one mapping() call
    torch::Tensor ws;         // [1, numWs, wDim]: ws given to render()/synthesis()
    torch::Tensor wAvg;       // [wDim]
    torch::Tensor noiseGain;  // [numLayers]
    torch::Tensor bends;      // [numLayers, 2, 3]
    c10::List<bool> bendActive;
    // Host side: the values last uploaded (uploads only happen on change), and pinned staging
    // buffers for the uploads on CUDA (plain CPU tensors otherwise, unused).
    std::vector<float> noiseHost;
    std::vector<float> noiseScratch;
    std::vector<LayerBend> bendHost;
    torch::Tensor stageZ, stageC, stageWs, stageNoise, stageBends;
    std::array<OutputBuffers, kMaxLog2Resolution + 1> outputs;

    StageTimes times;

    [[noreturn]] void fail(const std::string& what, const c10::Error& e) const {
        throw ModelError("model '" + info.path + "': " + what + ": " + torchMessage(e));
    }

    // Waits for this model's queued work (the other streams keep running).
    void sync() const {
        if (stream) {
            stream->synchronize();
        } else if (device.is_cuda()) {
            torch::cuda::synchronize();
        }
    }

    // Stage times mean something on CUDA only after the queued kernels ran.
    void stageSync() const {
        if (stageTiming && device.is_cuda()) sync();
    }

    torch::Tensor makeStaging(at::IntArrayRef sizes, torch::ScalarType type) const {
        auto options = torch::TensorOptions().dtype(type);
        if (device.is_cuda()) options = options.pinned_memory(true);
        return torch::empty(sizes, options);
    }

    // Copies n host floats into the device tensor dst (contiguous): straight in on the CPU,
    // through the pinned staging tensor and a non-blocking copy on CUDA. Every public call
    // ends with a wait on the stream, so a staging buffer is free again by the next call.
    void upload(torch::Tensor& dst, torch::Tensor& staging, const float* src, size_t n) {
        if (n == 0) return;
        if (device.is_cpu()) {
            std::memcpy(dst.data_ptr<float>(), src, n * sizeof(float));
            return;
        }
        std::memcpy(staging.data_ptr<float>(), src, n * sizeof(float));
        dst.copy_(staging, /*non_blocking=*/true);
    }

    void setNoise(const SynthesisOptions& options) {
        const auto layers = static_cast<size_t>(info.numLayers);
        if (!options.layerNoise.empty() && options.layerNoise.size() != layers)
            throw std::invalid_argument("model '" + info.path + "': layerNoise has " +
                                        std::to_string(options.layerNoise.size()) +
                                        " entries, expected " + std::to_string(layers));
        for (size_t i = 0; i < layers; ++i)
            noiseScratch[i] =
                options.noiseGain * (options.layerNoise.empty() ? 1.0f : options.layerNoise[i]);
        if (noiseScratch == noiseHost) return;
        noiseHost = noiseScratch;
        upload(noiseGain, stageNoise, noiseHost.data(), layers);
    }

    // Returns whether any layer is bent. Only changed matrices are recomputed; the tensor is
    // uploaded only when something changed. Validates everything before changing anything.
    bool setBends(std::span<const LayerBend> in) {
        const auto layers = static_cast<size_t>(info.numLayers);
        if (in.empty()) {
            for (size_t i = 0; i < layers; ++i)
                if (bendActive.get(i)) bendActive.set(i, false);
            return false;
        }
        if (in.size() != layers)
            throw std::invalid_argument("model '" + info.path + "': bends has " +
                                        std::to_string(in.size()) + " entries, expected " +
                                        std::to_string(layers));
        for (size_t i = 0; i < layers; ++i) {
            const LayerBend& bend = in[i];
            if (!bend.isIdentity() &&
                !(bend.zoom > 0.0f && std::isfinite(bend.zoom) && std::isfinite(bend.translateX) &&
                  std::isfinite(bend.translateY) && std::isfinite(bend.rotateRad)))
                throw std::invalid_argument("model '" + info.path + "': bend of layer " +
                                            std::to_string(i) +
                                            " needs a zoom > 0 and finite values");
        }
        bool any = false;
        bool changed = false;
        float* matrices = (device.is_cpu() ? bends : stageBends).data_ptr<float>();
        for (size_t i = 0; i < layers; ++i) {
            const LayerBend& bend = in[i];
            const bool active = !bend.isIdentity();
            any |= active;
            if (bendActive.get(i) != active) bendActive.set(i, active);
            const LayerBend& old = bendHost[i];
            if (active && (old.translateX != bend.translateX || old.translateY != bend.translateY ||
                           old.rotateRad != bend.rotateRad || old.zoom != bend.zoom)) {
                const std::array<float, 6> m = bendMatrix(bend);
                std::memcpy(matrices + i * 6, m.data(), sizeof m);
                bendHost[i] = bend;
                changed = true;
            }
        }
        if (changed && device.is_cuda()) bends.copy_(stageBends, /*non_blocking=*/true);
        return any;
    }

    torch::Tensor runMapping(const float* zIn, const torch::Tensor& label) {
        upload(z, stageZ, zIn, static_cast<size_t>(info.zDim));
        return (*mappingMethod)({z, label}).toTensor();
    }

    // ws on the device -> image [1, 3, r, r] on the device.
    torch::Tensor runSynthesis(const torch::Tensor& wsIn, const SynthesisOptions& options,
                               int resolution) {
        setNoise(options);
        const bool bent = setBends(options.bends);
        if (options.plainSynthesis || !untilMethod) {
            if (bent || resolution != info.resolution)
                throw std::invalid_argument("model '" + info.path +
                                            "': plain synthesis has no bends and no early exit");
            return (*synthesisMethod)({wsIn, noiseGain}).toTensor();
        }
        return (*untilMethod)({wsIn, noiseGain, bends, bendActive, resolution}).toTensor();
    }

    OutputBuffers& outputFor(int resolution) {
        OutputBuffers& out = outputs[static_cast<size_t>(log2Exact(resolution))];
        if (out.scaled.defined()) return out;
        const auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(device);
        out.scaled = torch::empty({3, resolution, resolution}, f32);
        if (device.is_cuda()) {
            out.rgbaDevice =
                torch::full({resolution, resolution, 4}, 255, f32.dtype(torch::kUInt8));
            out.rgbaPinned = makeStaging({resolution, resolution, 4}, torch::kUInt8);
            out.chwPinned = makeStaging({3, resolution, resolution}, torch::kFloat32);
        }
        return out;
    }

    void toRgba(const torch::Tensor& img, std::uint8_t* rgba) {
        const int res = static_cast<int>(img.size(2));
        OutputBuffers& out = outputFor(res);
        // As upstream generate.py: (img * 127.5 + 128).clamp(0, 255) truncated to uint8.
        out.scaled.copy_(img.select(0, 0)).mul_(127.5).add_(128.0).clamp_(0.0, 255.0);
        torch::Tensor hostOut =
            torch::from_blob(rgba, {res, res, 4}, torch::TensorOptions().dtype(torch::kUInt8));
        if (device.is_cpu()) {
            // Straight into the caller's buffer: the float -> uint8 copy truncates like .to().
            hostOut.narrow(2, 0, 3).copy_(out.scaled.permute({1, 2, 0}));
            hostOut.select(2, 3).fill_(255);
            return;
        }
        out.rgbaDevice.narrow(2, 0, 3).copy_(out.scaled.permute({1, 2, 0}));
        out.rgbaPinned.copy_(out.rgbaDevice, /*non_blocking=*/true);
        sync();
        std::memcpy(rgba, out.rgbaPinned.data_ptr(), static_cast<size_t>(res) * res * 4);
    }

    void toChw(const torch::Tensor& img, float* chw) {
        const int res = static_cast<int>(img.size(2));
        const size_t bytes = sizeof(float) * 3 * static_cast<size_t>(res) * res;
        if (device.is_cpu()) {
            torch::from_blob(chw, {3, res, res}, torch::kFloat32).copy_(img.select(0, 0));
            return;
        }
        OutputBuffers& out = outputFor(res);
        out.chwPinned.copy_(img.select(0, 0), /*non_blocking=*/true);
        sync();
        std::memcpy(chw, out.chwPinned.data_ptr<float>(), bytes);
    }

    void truncate(torch::Tensor& wsIn, float psi) {
        // In place: w_avg + psi (w - w_avg). psi 1 is the identity; skipping it keeps the
        // output bit-identical to the untruncated synthesis.
        if (psi != 1.0f) wsIn.sub_(wAvg).mul_(psi).add_(wAvg);
    }

    void renderWs(torch::Tensor& wsIn, float psi, const SynthesisOptions& options,
                  std::uint8_t* rgba, Clock::time_point start) {
        truncate(wsIn, psi);
        stageSync();
        times.truncationMs = msSince(start);

        start = Clock::now();
        const int res = resolutionFor(options);
        torch::Tensor img = runSynthesis(wsIn, options, res);
        stageSync();
        times.synthesisMs = msSince(start);

        start = Clock::now();
        toRgba(img, rgba);
        times.copyMs = msSince(start);
    }

    int resolutionFor(const SynthesisOptions& options) const {
        if (options.resolution == 0 || options.resolution == info.resolution)
            return info.resolution;
        for (int r : info.exitResolutions)
            if (r == options.resolution) {
                if (!untilMethod)
                    throw std::invalid_argument("model '" + info.path +
                                                "': no synthesis_until, so no early exit "
                                                "(re-export it with tools/)");
                return r;
            }
        throw std::invalid_argument(
            "model '" + info.path + "': early exit at " + std::to_string(options.resolution) +
            " px is not one of the block resolutions 4.." + std::to_string(info.resolution));
    }
};

Generator::Generator(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Generator::~Generator() = default;

std::unique_ptr<Generator> Generator::load(const std::string& path, DevicePreference preference,
                                           Precision precision) {
    auto impl = std::make_unique<Impl>();
    ModelInfo& info = impl->info;
    info.path = path;
    auto fail = [&path](const std::string& problem) { throwModelError(path, problem); };

    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) fail("file not found");
    if (!std::filesystem::is_regular_file(path, ec)) fail("not a regular file");

    // The content hash keys the model's presets; it is made here, on the loading thread, so a
    // switch to a large model never stalls the stage.
    try {
        info.sha256 = io::sha256File(path);
    } catch (const std::runtime_error& e) {
        fail(e.what());
    }
    // Loading runs the archive's code: it is checked as data first (archive_check.hpp).
    const ArchiveCheck archive = checkTorchScriptArchive(path);
    if (!archive.ok()) {
        const bool pickle = std::filesystem::path(path).extension() == ".pkl";
        fail(archive.message() +
             (pickle ? "; convert StyleGAN2-ADA pickles with `autolume convert IN.pkl OUT.pt`"
                     : ""));
    }

    c10::InferenceMode inferenceMode;
    torch::jit::ExtraFilesMap extra{{kMetaFile, ""}};
    try {
        impl->module = torch::jit::load(path, torch::Device(torch::kCPU), extra);
    } catch (const c10::Error& e) {
        const bool pickle = std::filesystem::path(path).extension() == ".pkl";
        fail("not a TorchScript archive (" + torchMessage(e) + ")" +
             (pickle ? "; convert StyleGAN2-ADA pickles with `autolume convert IN.pkl OUT.pt`"
                     : ""));
    }
    torch::jit::Module& module = impl->module;
    module.eval();

    // Metadata: optional, but when present it must be valid JSON.
    info.name = std::filesystem::path(path).stem().string();
    if (!extra[kMetaFile].empty()) {
        nlohmann::json meta;
        try {
            meta = io::parseJsonLimited(extra[kMetaFile]);
        } catch (const std::exception& e) {
            fail(std::string("meta.json: ") + e.what());
        }
        if (!meta.is_object()) fail("meta.json is not a JSON object");
        auto str = [&meta](const char* key) {
            auto it = meta.find(key);
            return it != meta.end() && it->is_string() ? it->get<std::string>() : std::string();
        };
        if (!str("name").empty()) info.name = str("name");
        info.description = str("description");
        info.license = str("license");
        info.source = str("source");
        auto placeholder = meta.find("placeholder");
        info.placeholder =
            placeholder != meta.end() && placeholder->is_boolean() && placeholder->get<bool>();
    }

    ContractChecker check(path, module);
    impl->mappingMethod.emplace(check.method("mapping"));
    impl->synthesisMethod.emplace(check.method("synthesis"));
    if (auto until = module.find_method("synthesis_until")) impl->untilMethod.emplace(*until);
    info.hasSynthesisUntil = impl->untilMethod.has_value();
    info.zDim = check.intAttr("z_dim");
    info.wDim = check.intAttr("w_dim");
    info.cDim = check.intAttr("c_dim");
    info.numWs = check.intAttr("num_ws");
    info.resolution = check.intAttr("img_resolution");
    info.numLayers = check.intAttr("num_layers");
    if (info.zDim == 0 || info.wDim == 0 || info.numWs == 0 || info.resolution == 0)
        fail("z_dim, w_dim, num_ws and img_resolution must be positive");
    const int log2Res = log2Exact(info.resolution);
    if (log2Res < 2 || log2Res > kMaxLog2Resolution)
        fail("img_resolution " + std::to_string(info.resolution) +
             " is not a power of two from 4 to 32768");
    for (int r = 4; r <= info.resolution; r *= 2) info.exitResolutions.push_back(r);
    const std::vector<std::string> names = check.stringListAttr("layer_names");
    const std::vector<int> resolutions = check.intListAttr("layer_resolutions");
    const std::vector<int> channels = check.intListAttr("layer_channels");
    const auto numLayers = static_cast<size_t>(info.numLayers);
    if (names.size() != numLayers || resolutions.size() != numLayers ||
        channels.size() != numLayers)
        fail("layer_names/layer_resolutions/layer_channels do not have num_layers entries");
    for (size_t i = 0; i < numLayers; ++i)
        info.layers.push_back(LayerInfo{names[i], resolutions[i], channels[i]});

    impl->device = chooseDevice(preference);
    torch::Device device = impl->device;
    info.device = device.str();
    std::optional<c10::StreamGuard> streamGuard;
    try {
        if (device.is_cuda()) {
            // Its own stream from torch's pool (non-blocking streams): loading and warming up
            // here does not wait for, nor delay, a model rendering on another thread. Set
            // before the weights move, so they are ready on the stream that will use them.
            impl->stream.emplace(c10::impl::getDeviceGuardImpl(c10::DeviceType::CUDA)
                                     ->getStreamFromGlobalPool(device));
            streamGuard.emplace(*impl->stream);
            // Fixed shapes at batch 1: let cuDNN pick the fastest kernels (during warm-up).
            at::globalContext().setBenchmarkCuDNN(true);
            module.to(device);
            // Upstream runs the highest-resolution blocks in fp16 (channels-last) when
            // conv_clamp bounds the activations; without a clamp fp16 can overflow.
            const bool clamped = module.hasattr("conv_clamp") &&
                                 module.attr("conv_clamp").isDouble() &&
                                 module.attr("conv_clamp").toDouble() > 0.0;
            info.fp16 = precision == Precision::Auto && clamped && module.hasattr("use_fp16");
            info.channelsLast = info.fp16 && module.hasattr("channels_last");
            setBoolAttrIfPresent(module, "use_fp16", info.fp16);
            setBoolAttrIfPresent(module, "channels_last", info.channelsLast);
        }
        // oneDNN + polyphase up-sampling: only for CPU tensors, and only where ATen has oneDNN.
        setBoolAttrIfPresent(module, "cpu_fast_path", device.is_cpu() && at::hasMKLDNN());

        torch::Tensor wAvg;
        if (module.find_method("get_w_avg")) {
            wAvg = module.run_method("get_w_avg").toTensor();
        } else if (module.hasattr("w_avg") && module.attr("w_avg").isTensor()) {
            wAvg = module.attr("w_avg").toTensor();
        } else {
            fail("missing method 'get_w_avg' and attribute 'w_avg'");
        }
        check.expectShape("get_w_avg()", wAvg, {info.wDim});
        impl->wAvg = wAvg.to(device).contiguous();
        torch::Tensor wAvgCpu = impl->wAvg.cpu().contiguous();
        impl->wAvgHost.assign(wAvgCpu.data_ptr<float>(), wAvgCpu.data_ptr<float>() + info.wDim);

        const auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(device);
        const int64_t layers = info.numLayers;
        impl->z = torch::zeros({1, info.zDim}, f32);
        // Conditional models get class 0 until told otherwise (setClass).
        impl->c = torch::zeros({1, info.cDim}, f32);
        if (info.cDim > 0) impl->c.index_put_({0, 0}, 1.0f);
        impl->cOnce = torch::zeros({1, info.cDim}, f32);
        impl->ws = torch::zeros({1, info.numWs, info.wDim}, f32);
        impl->noiseGain = torch::ones({layers}, f32);
        impl->noiseHost.assign(numLayers, 1.0f);
        impl->noiseScratch.assign(numLayers, 1.0f);
        impl->bends = torch::eye(2, 3, f32).unsqueeze(0).repeat({layers, 1, 1}).contiguous();
        impl->bendHost.assign(numLayers, LayerBend{});
        impl->bendActive.reserve(numLayers);
        for (size_t i = 0; i < numLayers; ++i) impl->bendActive.push_back(false);
        impl->stageZ = impl->makeStaging({1, info.zDim}, torch::kFloat32);
        impl->stageC = impl->makeStaging({1, info.cDim}, torch::kFloat32);
        impl->stageWs = impl->makeStaging({1, info.numWs, info.wDim}, torch::kFloat32);
        impl->stageNoise = impl->makeStaging({layers}, torch::kFloat32);
        impl->stageBends = impl->bends.cpu().clone();
        if (device.is_cuda()) impl->stageBends = impl->stageBends.pin_memory();
    } catch (const c10::Error& e) {
        impl->fail("preparing the model on " + info.device + " failed", e);
    }

    // Dry run: checks the output shapes the contract promises, then warms up (first runs
    // profile and optimize the TorchScript graphs, build derived kernels, let cuDNN choose),
    // through the method and the output path that frames will use.
    std::vector<float> z(static_cast<size_t>(info.zDim));
    for (size_t i = 0; i < z.size(); ++i) z[i] = std::sin(0.7f * static_cast<float>(i));
    std::vector<std::uint8_t> rgba(static_cast<size_t>(info.resolution) * info.resolution * 4);
    const char* synthesisName = impl->untilMethod ? "synthesis_until" : "synthesis(ws, noise_gain)";
    for (int run = 0; run < kWarmupRuns; ++run) {
        torch::Tensor ws;
        torch::Tensor img;
        try {
            ws = impl->runMapping(z.data(), impl->c);
        } catch (const c10::Error& e) {
            impl->fail("mapping(z, c) failed", e);
        }
        check.expectShape("mapping(z, c)", ws, {1, info.numWs, info.wDim});
        try {
            img = impl->runSynthesis(ws, SynthesisOptions{}, info.resolution);
        } catch (const c10::Error& e) {
            impl->fail(std::string(synthesisName) + " failed", e);
        }
        check.expectShape(synthesisName, img, {1, 3, info.resolution, info.resolution});
        if (run == 0 && !torch::isfinite(img).all().item<bool>())
            fail(std::string(synthesisName) + " returned non-finite values");
        try {
            impl->toRgba(img, rgba.data());
        } catch (const c10::Error& e) {
            impl->fail("converting the image to RGBA failed", e);
        }
    }
    if (impl->untilMethod) {
        // Once with a bend, so the first bent frame does not pay for the resampling kernels.
        std::vector<LayerBend> bends(numLayers);
        bends.back().zoom = 1.01f;
        SynthesisOptions options;
        options.bends = bends;
        try {
            torch::Tensor ws = impl->runMapping(z.data(), impl->c);
            impl->toRgba(impl->runSynthesis(ws, options, info.resolution), rgba.data());
        } catch (const c10::Error& e) {
            impl->fail("synthesis_until with a bend failed", e);
        }
    }
    impl->sync();
    return std::unique_ptr<Generator>(new Generator(std::move(impl)));
}

const ModelInfo& Generator::info() const noexcept {
    return m_impl->info;
}

const std::vector<float>& Generator::wAvg() const noexcept {
    return m_impl->wAvgHost;
}

void Generator::setClass(int classIndex) {
    Impl& impl = *m_impl;
    const ModelInfo& info = impl.info;
    if (classIndex < 0 || classIndex >= info.cDim) {
        throwModelError(info.path, info.cDim == 0 ? "has no classes (unconditional model)"
                                                  : "class " + std::to_string(classIndex) +
                                                        " is out of range 0.." +
                                                        std::to_string(info.cDim - 1));
    }
    std::vector<float> label(static_cast<size_t>(info.cDim), 0.0f);
    label[static_cast<size_t>(classIndex)] = 1.0f;
    setClassLabel(label.data());
}

void Generator::setClassLabel(const float* c) {
    Impl& impl = *m_impl;
    c10::InferenceMode inferenceMode;
    StreamScope scope(impl.stream);
    try {
        impl.upload(impl.c, impl.stageC, c, static_cast<size_t>(impl.info.cDim));
        impl.sync();
    } catch (const c10::Error& e) {
        impl.fail("setting the class label failed", e);
    }
}

void Generator::mapping(const float* z, float* ws) {
    mapping(z, nullptr, ws);
}

void Generator::mapping(const float* z, const float* c, float* ws) {
    Impl& impl = *m_impl;
    c10::InferenceMode inferenceMode;
    StreamScope scope(impl.stream);
    try {
        const auto start = Clock::now();
        torch::Tensor label = impl.c;
        if (c != nullptr) {
            impl.upload(impl.cOnce, impl.stageC, c, static_cast<size_t>(impl.info.cDim));
            label = impl.cOnce;
        }
        torch::Tensor out = impl.runMapping(z, label).cpu().contiguous();
        std::memcpy(ws, out.data_ptr<float>(), sizeof(float) * out.numel());
        impl.times.mappingMs = msSince(start);
    } catch (const c10::Error& e) {
        impl.fail("mapping failed", e);
    }
}

void Generator::synthesis(const float* ws, const SynthesisOptions& options, float* chw) {
    Impl& impl = *m_impl;
    const ModelInfo& info = impl.info;
    const int res = impl.resolutionFor(options);
    c10::InferenceMode inferenceMode;
    StreamScope scope(impl.stream);
    try {
        auto start = Clock::now();
        impl.upload(impl.ws, impl.stageWs, ws, static_cast<size_t>(info.numWs) * info.wDim);
        torch::Tensor img = impl.runSynthesis(impl.ws, options, res);
        impl.stageSync();
        impl.times.synthesisMs = msSince(start);
        start = Clock::now();
        impl.toChw(img, chw);
        impl.times.copyMs = msSince(start);
    } catch (const c10::Error& e) {
        impl.fail("synthesis failed", e);
    }
}

void Generator::synthesis(const float* ws, float noiseGain, float* chw) {
    SynthesisOptions options;
    options.noiseGain = noiseGain;
    synthesis(ws, options, chw);
}

void Generator::render(const float* ws, float psi, const SynthesisOptions& options,
                       std::uint8_t* rgba) {
    Impl& impl = *m_impl;
    const ModelInfo& info = impl.info;
    impl.resolutionFor(options);  // argument errors before any work
    c10::InferenceMode inferenceMode;
    StreamScope scope(impl.stream);
    try {
        const auto start = Clock::now();
        impl.times.mappingMs = 0.0;
        impl.upload(impl.ws, impl.stageWs, ws, static_cast<size_t>(info.numWs) * info.wDim);
        impl.renderWs(impl.ws, psi, options, rgba, start);
    } catch (const c10::Error& e) {
        impl.fail("render failed", e);
    }
}

void Generator::generate(const float* z, float psi, const SynthesisOptions& options,
                         std::uint8_t* rgba) {
    Impl& impl = *m_impl;
    impl.resolutionFor(options);
    c10::InferenceMode inferenceMode;
    StreamScope scope(impl.stream);
    try {
        auto start = Clock::now();
        torch::Tensor ws = impl.runMapping(z, impl.c);
        impl.stageSync();
        impl.times.mappingMs = msSince(start);
        impl.renderWs(ws, psi, options, rgba, Clock::now());
    } catch (const c10::Error& e) {
        impl.fail("generate failed", e);
    }
}

void Generator::generate(const float* z, float psi, float noiseGain, std::uint8_t* rgba) {
    SynthesisOptions options;
    options.noiseGain = noiseGain;
    generate(z, psi, options, rgba);
}

int Generator::outputResolution(const SynthesisOptions& options) const {
    return m_impl->resolutionFor(options);
}

StageTimes Generator::lastTimes() const noexcept {
    return m_impl->times;
}

void Generator::setStageTiming(bool on) noexcept {
    m_impl->stageTiming = on;
}

}  // namespace autolume::model
