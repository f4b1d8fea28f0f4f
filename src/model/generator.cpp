// Generator: loads a TorchScript archive that follows the model contract (docs/ARCHITECTURE.md),
// checks it with a dry run, and runs mapping -> truncation -> synthesis -> RGBA8 every frame
// with tensors allocated once at load.
#include "autolume/model/generator.hpp"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/script.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string_view>
#include <utility>

namespace autolume::model {

namespace {

constexpr const char* kMetaFile = "meta.json";
constexpr int kWarmupRuns = 3;  // the profiling executor specializes the graphs on run 2

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
    if (preference != DevicePreference::Cpu && torch::cuda::is_available())
        return torch::Device(torch::kCUDA, 0);
    return torch::Device(torch::kCPU);
}

void setBoolAttrIfPresent(torch::jit::Module& module, const char* name, bool value) {
    if (module.hasattr(name) && module.attr(name).isBool()) module.setattr(name, value);
}

}  // namespace

void setCpuThreads(int threads) {
    if (threads > 0) at::set_num_threads(threads);
}

int cpuThreads() {
    return at::get_num_threads();
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
    torch::Device device{torch::kCPU};

    // Allocated once at load, on the model's device; reused every frame.
    torch::Tensor z;          // [1, zDim]
    torch::Tensor c;          // [1, cDim]
    torch::Tensor wAvg;       // [wDim]
    torch::Tensor noiseGain;  // [numLayers]
    float noiseGainValue = std::nanf("");
    torch::Tensor scaled;      // [3, res, res] float: image * 127.5 + 128, clamped
    torch::Tensor rgbaDevice;  // [res, res, 4] uint8 (CUDA only), alpha preset to 255

    StageTimes times;

    [[noreturn]] void fail(const std::string& what, const c10::Error& e) const {
        throw ModelError("model '" + info.path + "': " + what + ": " + torchMessage(e));
    }

    void sync() const {
        // Stage times mean something on CUDA only after the queued kernels ran.
        if (device.is_cuda()) torch::cuda::synchronize();
    }

    void setNoiseGain(float gain) {
        if (gain == noiseGainValue) return;
        noiseGain.fill_(gain);
        noiseGainValue = gain;
    }

    torch::Tensor runMapping(const float* zIn) {
        z.copy_(torch::from_blob(const_cast<float*>(zIn), {1, info.zDim}, torch::kFloat32));
        return (*mappingMethod)({z, c}).toTensor();
    }

    torch::Tensor runSynthesis(const torch::Tensor& ws) {
        return (*synthesisMethod)({ws, noiseGain}).toTensor();
    }

    void toRgba(const torch::Tensor& img, std::uint8_t* rgba) {
        // As upstream generate.py: (img * 127.5 + 128).clamp(0, 255) truncated to uint8.
        scaled.copy_(img.select(0, 0)).mul_(127.5).add_(128.0).clamp_(0.0, 255.0);
        torch::Tensor hostOut = torch::from_blob(rgba, {info.resolution, info.resolution, 4},
                                                 torch::TensorOptions().dtype(torch::kUInt8));
        if (device.is_cpu()) {
            // Straight into the caller's buffer: the float -> uint8 copy truncates like .to().
            hostOut.narrow(2, 0, 3).copy_(scaled.permute({1, 2, 0}));
            hostOut.select(2, 3).fill_(255);
            return;
        }
        rgbaDevice.narrow(2, 0, 3).copy_(scaled.permute({1, 2, 0}));
        hostOut.copy_(rgbaDevice);  // synchronous device -> host copy of the finished frame
    }
};

Generator::Generator(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Generator::~Generator() = default;

std::unique_ptr<Generator> Generator::load(const std::string& path, DevicePreference preference) {
    auto impl = std::make_unique<Impl>();
    ModelInfo& info = impl->info;
    info.path = path;
    auto fail = [&path](const std::string& problem) { throwModelError(path, problem); };

    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) fail("file not found");
    if (!std::filesystem::is_regular_file(path, ec)) fail("not a regular file");

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
        nlohmann::json meta = nlohmann::json::parse(extra[kMetaFile], nullptr, false);
        if (meta.is_discarded() || !meta.is_object()) fail("meta.json is not a JSON object");
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
    info.zDim = check.intAttr("z_dim");
    info.wDim = check.intAttr("w_dim");
    info.cDim = check.intAttr("c_dim");
    info.numWs = check.intAttr("num_ws");
    info.resolution = check.intAttr("img_resolution");
    info.numLayers = check.intAttr("num_layers");
    if (info.zDim == 0 || info.wDim == 0 || info.numWs == 0 || info.resolution == 0)
        fail("z_dim, w_dim, num_ws and img_resolution must be positive");
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
    try {
        if (device.is_cuda()) {
            module.to(device);
            // Upstream runs the highest-resolution blocks in fp16 when conv_clamp bounds the
            // activations; without a clamp fp16 can overflow, so stay in fp32.
            const bool clamped = module.hasattr("conv_clamp") &&
                                 module.attr("conv_clamp").isDouble() &&
                                 module.attr("conv_clamp").toDouble() > 0.0;
            info.fp16 = clamped && module.hasattr("use_fp16");
            setBoolAttrIfPresent(module, "use_fp16", info.fp16);
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
        impl->z = torch::zeros({1, info.zDim}, f32);
        // Conditional models get class 0 until the app has a class control.
        impl->c = torch::zeros({1, info.cDim}, f32);
        if (info.cDim > 0) impl->c.index_put_({0, 0}, 1.0f);
        impl->noiseGain = torch::ones({info.numLayers}, f32);
        impl->noiseGainValue = 1.0f;
        impl->scaled = torch::empty({3, info.resolution, info.resolution}, f32);
        if (device.is_cuda()) {
            impl->rgbaDevice =
                torch::full({info.resolution, info.resolution, 4}, 255, f32.dtype(torch::kUInt8));
        }
    } catch (const c10::Error& e) {
        impl->fail("preparing the model on " + info.device + " failed", e);
    }

    // Dry run: checks the output shapes the contract promises, then warms up (first runs
    // profile and optimize the TorchScript graphs and build derived kernels).
    std::vector<float> z(static_cast<size_t>(info.zDim));
    for (size_t i = 0; i < z.size(); ++i) z[i] = std::sin(0.7f * static_cast<float>(i));
    for (int run = 0; run < kWarmupRuns; ++run) {
        torch::Tensor ws;
        torch::Tensor img;
        try {
            ws = impl->runMapping(z.data());
        } catch (const c10::Error& e) {
            impl->fail("mapping(z, c) failed", e);
        }
        check.expectShape("mapping(z, c)", ws, {1, info.numWs, info.wDim});
        try {
            img = impl->runSynthesis(ws);
        } catch (const c10::Error& e) {
            impl->fail("synthesis(ws, noise_gain) failed", e);
        }
        check.expectShape("synthesis(ws, noise_gain)", img,
                          {1, 3, info.resolution, info.resolution});
        if (run == 0 && !torch::isfinite(img).all().item<bool>())
            fail("synthesis(ws, noise_gain) returned non-finite values");
    }
    return std::unique_ptr<Generator>(new Generator(std::move(impl)));
}

const ModelInfo& Generator::info() const noexcept {
    return m_impl->info;
}

const std::vector<float>& Generator::wAvg() const noexcept {
    return m_impl->wAvgHost;
}

void Generator::mapping(const float* z, float* ws) {
    Impl& impl = *m_impl;
    c10::InferenceMode inferenceMode;
    try {
        const auto start = Clock::now();
        torch::Tensor out = impl.runMapping(z).cpu().contiguous();
        std::memcpy(ws, out.data_ptr<float>(), sizeof(float) * out.numel());
        impl.times.mappingMs = msSince(start);
    } catch (const c10::Error& e) {
        impl.fail("mapping failed", e);
    }
}

void Generator::synthesis(const float* ws, float noiseGain, float* chw) {
    Impl& impl = *m_impl;
    const ModelInfo& info = impl.info;
    c10::InferenceMode inferenceMode;
    try {
        const auto start = Clock::now();
        torch::Tensor wsIn =
            torch::from_blob(const_cast<float*>(ws), {1, info.numWs, info.wDim}, torch::kFloat32)
                .to(impl.device);
        impl.setNoiseGain(noiseGain);
        torch::Tensor img = impl.runSynthesis(wsIn).cpu().contiguous();
        std::memcpy(chw, img.data_ptr<float>(), sizeof(float) * img.numel());
        impl.times.synthesisMs = msSince(start);
    } catch (const c10::Error& e) {
        impl.fail("synthesis failed", e);
    }
}

void Generator::generate(const float* z, float psi, float noiseGain, std::uint8_t* rgba) {
    Impl& impl = *m_impl;
    c10::InferenceMode inferenceMode;
    try {
        auto start = Clock::now();
        torch::Tensor ws = impl.runMapping(z);
        // Truncation in place on the fresh mapping output: w_avg + psi (w - w_avg).
        ws.sub_(impl.wAvg).mul_(psi).add_(impl.wAvg);
        impl.sync();
        impl.times.mappingMs = msSince(start);

        start = Clock::now();
        impl.setNoiseGain(noiseGain);
        torch::Tensor img = impl.runSynthesis(ws);
        impl.sync();
        impl.times.synthesisMs = msSince(start);

        start = Clock::now();
        impl.toRgba(img, rgba);
        impl.times.copyMs = msSince(start);
    } catch (const c10::Error& e) {
        impl.fail("generate failed", e);
    }
}

StageTimes Generator::lastTimes() const noexcept {
    return m_impl->times;
}

}  // namespace autolume::model
