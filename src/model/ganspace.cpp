// GANSpace: PCA of mapped w, with a cache beside the model keyed by the model file's hash.
#include "autolume/model/ganspace.hpp"

#include "autolume/io/json_read.hpp"
#include "autolume/model/archive_check.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "autolume/io/npy.hpp"
#include "autolume/model/generator.hpp"

namespace autolume::model {

namespace fs = std::filesystem;

namespace {

constexpr int kCacheFormat = 1;
constexpr std::int64_t kMappingChunk = 1000;  // bounds the [chunk, num_ws, w_dim] mapping output

[[noreturn]] void throwModelError(const std::string& path, const std::string& problem) {
    throw ModelError("model '" + path + "': " + problem);
}

std::string firstLine(std::string_view text) {
    return std::string(text.substr(0, text.find('\n')));
}

std::string jsonPathFor(const std::string& npyPath) {
    return fs::path(npyPath).replace_extension(".json").string();
}

// FNV-1a, 64 bit, over the whole file: cheap (~0.1 s for a 1024 px model) and enough to notice
// a replaced or re-exported model; not a security measure.
std::optional<std::uint64_t> fileHash(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::uint64_t hash = 0xcbf29ce484222325ull;
    std::vector<char> buffer(1 << 20);
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const std::streamsize n = in.gcount();
        for (std::streamsize i = 0; i < n; ++i) {
            hash ^= static_cast<unsigned char>(buffer[static_cast<size_t>(i)]);
            hash *= 0x100000001b3ull;
        }
    }
    return hash;
}

std::string hex(std::uint64_t value) {
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
    return text;
}

nlohmann::json cacheKey(const std::string& modelPath, std::uint64_t hash,
                        const GanSpaceConfig& config) {
    std::error_code ec;
    return {{"format", kCacheFormat},
            {"model_file", fs::path(modelPath).filename().string()},
            {"model_size", static_cast<std::uint64_t>(fs::file_size(modelPath, ec))},
            {"model_fnv1a64", hex(hash)},
            {"samples", config.samples},
            {"components", config.components},
            {"seed", config.seed}};
}

// The cached GANSpace if its header matches `key` and the arrays have the promised shapes.
std::optional<GanSpace> readCache(const std::string& npyPath, const nlohmann::json& key,
                                  std::string& note) {
    std::error_code ec;
    if (!fs::exists(jsonPathFor(npyPath), ec)) return std::nullopt;  // no cache yet
    nlohmann::json header;
    try {
        header = io::readJsonFile(jsonPathFor(npyPath));
    } catch (const std::exception& e) {
        note = std::string(e.what()) + "; recomputing";
        return std::nullopt;
    }
    if (!header.is_object()) {
        note = jsonPathFor(npyPath) + ": not a JSON object; recomputing";
        return std::nullopt;
    }
    for (const auto& [name, value] : key.items()) {
        if (!header.contains(name) || header[name] != value) {
            note = "GANSpace cache " + npyPath + " is for another " +
                   (name == "model_fnv1a64" || name == "model_size" ? "model file" : "setting") +
                   " (" + name + "); recomputing";
            return std::nullopt;
        }
    }
    try {
        GanSpace space;
        space.wDim = header.at("w_dim").get<int>();
        space.samples = header.at("samples").get<int>();
        space.seed = header.at("seed").get<std::uint64_t>();
        space.mean = header.at("mean").get<std::vector<float>>();
        space.stddevs = header.at("stddevs").get<std::vector<float>>();
        io::NpyArray comps = io::readNpy(npyPath);
        const auto k = static_cast<std::int64_t>(space.stddevs.size());
        if (comps.shape != std::vector<std::int64_t>{k, space.wDim} ||
            space.mean.size() != static_cast<size_t>(space.wDim))
            throw std::runtime_error(npyPath + ": shapes do not match the header");
        space.components = std::move(comps.data);
        return space;
    } catch (const std::exception& e) {
        note = "GANSpace cache unreadable (" + firstLine(e.what()) + "); recomputing";
        return std::nullopt;
    }
}

void writeCache(const std::string& npyPath, nlohmann::json header, const GanSpace& space) {
    io::writeNpy(npyPath, {space.count(), space.wDim}, space.components.data());
    header["w_dim"] = space.wDim;
    header["stddevs"] = space.stddevs;
    header["mean"] = space.mean;
    header["note"] = "GANSpace of the model beside it (autolume); components in the .npy";
    // Written after the .npy and renamed into place, so a reader never sees a header that
    // promises arrays which are not there yet.
    const std::string path = jsonPathFor(npyPath);
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp);
        out << header.dump(1) << '\n';
        if (!out) throw std::runtime_error(tmp + ": cannot write");
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
        fs::remove(tmp, ec);
        throw std::runtime_error(path + ": cannot write");
    }
}

// Sample covariance (ddof 1) of centred rows x [n, d] as float64 [d, d]. The product runs in
// float32 through oneDNN where ATen has it: a 1x1 convolution with n input channels is the
// GEMM x^T x, 15x faster than the reference BLAS that Debian's LibTorch may use, and float32
// sums of centred values are accurate to ~1e-7 relative here.
torch::Tensor covariance(const torch::Tensor& x) {
    const std::int64_t n = x.size(0);
    const std::int64_t d = x.size(1);
    torch::Tensor product;
    if (at::hasMKLDNN()) {
        const torch::Tensor xc = x.contiguous();
        product = torch::mkldnn_convolution(xc.reshape({1, n, d, 1}),
                                            xc.t().contiguous().reshape({d, n, 1, 1}), {}, {0, 0},
                                            {1, 1}, {1, 1}, 1)
                      .reshape({d, d});
    } else {
        product = x.t().matmul(x);
    }
    product = product.to(torch::kFloat64);
    return (product + product.t()) / (2.0 * static_cast<double>(n - 1));
}

}  // namespace

std::string ganSpaceCachePath(const std::string& modelPath) {
    const fs::path model(modelPath);
    return (model.parent_path() / (model.stem().string() + ".ganspace.npy")).string();
}

GanSpace computeGanSpace(const std::string& modelPath, const GanSpaceConfig& config,
                         const std::atomic<bool>* cancel) {
    if (config.samples < 2 || config.components < 1)
        throw std::invalid_argument("GANSpace needs at least 2 samples and 1 component");
    std::error_code ec;
    if (!fs::is_regular_file(modelPath, ec)) throwModelError(modelPath, "file not found");

    const ArchiveCheck check = checkTorchScriptArchive(modelPath);
    if (!check.ok()) throwModelError(modelPath, check.message());

    c10::InferenceMode inferenceMode;
    torch::jit::Module module;
    try {
        module = torch::jit::load(modelPath, torch::Device(torch::kCPU));
    } catch (const c10::Error& e) {
        throwModelError(
            modelPath, "not a TorchScript archive (" + firstLine(e.what_without_backtrace()) + ")");
    }
    module.eval();
    auto intAttr = [&](const char* name) {
        if (!module.hasattr(name) || !module.attr(name).isInt())
            throwModelError(modelPath, std::string("missing int attribute '") + name + "'");
        return module.attr(name).toInt();
    };
    const std::int64_t zDim = intAttr("z_dim");
    const std::int64_t wDim = intAttr("w_dim");
    const std::int64_t cDim = intAttr("c_dim");
    if (config.components > wDim)
        throw std::invalid_argument("GANSpace: " + std::to_string(config.components) +
                                    " components asked of w_dim " + std::to_string(wDim));
    if (!module.find_method("mapping")) throwModelError(modelPath, "missing method 'mapping'");
    if (module.hasattr("cpu_fast_path") && module.attr("cpu_fast_path").isBool())
        module.setattr("cpu_fast_path", at::hasMKLDNN());

    GanSpace space;
    space.wDim = static_cast<int>(wDim);
    space.samples = config.samples;
    space.seed = config.seed;
    try {
        // All z at once, so the numbers do not depend on the chunking below.
        at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(config.seed);
        const torch::Tensor z = torch::randn({config.samples, zDim}, gen);
        torch::Tensor c = torch::zeros({kMappingChunk, cDim});
        if (cDim > 0) c.select(1, 0).fill_(1.0f);  // class 0, as the app starts
        torch::Tensor w = torch::empty({config.samples, wDim}, torch::kFloat64);  // exact mean
        for (std::int64_t start = 0; start < config.samples; start += kMappingChunk) {
            if (cancel != nullptr && cancel->load(std::memory_order_relaxed))
                throw GanSpaceCancelled("GANSpace of '" + modelPath + "' cancelled");
            const std::int64_t n = std::min<std::int64_t>(kMappingChunk, config.samples - start);
            torch::Tensor ws =
                module.get_method("mapping")({z.narrow(0, start, n), c.narrow(0, 0, n)}).toTensor();
            w.narrow(0, start, n).copy_(ws.select(1, 0));
        }
        const torch::Tensor mean = w.mean(0);
        const torch::Tensor cov = covariance(w.to(torch::kFloat32) - mean.to(torch::kFloat32));
        auto [values, vectors] = torch::linalg_eigh(cov);  // ascending
        const std::int64_t k = config.components;
        torch::Tensor top = vectors.flip({1}).narrow(1, 0, k).t().contiguous();  // [k, wDim]
        torch::Tensor stds = values.flip({0}).narrow(0, 0, k).clamp_min(0.0).sqrt();
        // Sign: largest-magnitude entry positive, so the directions are stable across runs.
        const torch::Tensor peak = top.abs().argmax(1, /*keepdim=*/true);
        top = top * top.gather(1, peak).sign();
        const torch::Tensor top32 = top.to(torch::kFloat32).contiguous();
        const torch::Tensor stds32 = stds.to(torch::kFloat32).contiguous();
        const torch::Tensor mean32 = mean.to(torch::kFloat32).contiguous();
        space.components.assign(top32.data_ptr<float>(), top32.data_ptr<float>() + k * wDim);
        space.stddevs.assign(stds32.data_ptr<float>(), stds32.data_ptr<float>() + k);
        space.mean.assign(mean32.data_ptr<float>(), mean32.data_ptr<float>() + wDim);
    } catch (const c10::Error& e) {
        throwModelError(modelPath,
                        "GANSpace mapping/PCA failed: " + firstLine(e.what_without_backtrace()));
    }
    return space;
}

GanSpaceResult loadOrComputeGanSpace(const std::string& modelPath, const GanSpaceConfig& config,
                                     const std::atomic<bool>* cancel) {
    GanSpaceResult result;
    const std::string npyPath = ganSpaceCachePath(modelPath);
    const std::optional<std::uint64_t> hash = fileHash(modelPath);
    if (!hash) throwModelError(modelPath, "cannot read the file");
    const nlohmann::json key = cacheKey(modelPath, *hash, config);
    if (std::optional<GanSpace> cached = readCache(npyPath, key, result.cacheNote)) {
        result.space = std::move(*cached);
        result.fromCache = true;
        return result;
    }
    result.space = computeGanSpace(modelPath, config, cancel);
    try {
        writeCache(npyPath, key, result.space);
    } catch (const std::exception& e) {
        result.cacheNote = "GANSpace not cached (" + firstLine(e.what()) + ")";
    }
    return result;
}

}  // namespace autolume::model
