// `autolume generate -m M --seeds 0-7,12 [--trunc 0.7] [--class K] [--noise-gain G] --outdir D`:
// one PNG per seed, made as the official generate.py makes it (z from numpy's RandomState(seed),
// one-hot class label, truncation, constant noise, (img * 127.5 + 128).clamp(0, 255) as uint8),
// so a seed shared by an artist gives the same picture.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "autolume/io/image.hpp"
#include "autolume/model/generator.hpp"
#include "autolume/model/seeds.hpp"
#include "commands.hpp"
#include "options.hpp"

namespace autolume::app {

namespace {

namespace fs = std::filesystem;

struct GenerateOptions {
    std::string model;  // empty: the default model
    std::string seeds;
    float truncation = 1.0f;
    bool hasClass = false;  // --class given
    int classIndex = 0;
    float noiseGain = 1.0f;
    std::string outdir;
};

int usageError(const std::string& message) {
    std::fprintf(stderr, "autolume generate: %s\n", message.c_str());
    return 2;
}

int failure(const std::string& message) {
    std::fprintf(stderr, "autolume generate: %s\n", message.c_str());
    return 1;
}

std::string seedFileName(std::uint32_t seed) {
    char name[32];
    std::snprintf(name, sizeof(name), "seed%04u.png", static_cast<unsigned>(seed));
    return name;
}

int runGenerate(const GenerateOptions& o) {
    std::vector<std::uint32_t> seeds;
    try {
        seeds = model::parseSeedList(o.seeds);
    } catch (const std::invalid_argument& e) {
        return usageError(std::string("--seeds: ") + e.what());
    }
    if (!std::isfinite(o.truncation)) return usageError("--trunc must be a finite number");
    if (!std::isfinite(o.noiseGain)) return usageError("--noise-gain must be a finite number");

    const std::string path = o.model.empty() ? defaultModelPath() : o.model;
    std::unique_ptr<model::Generator> generator;
    model::setCpuThreads(model::resolveCpuThreads(0));  // automatic, as live mode
    try {
        generator = model::Generator::load(path);
    } catch (const model::ModelError& e) {
        return failure(e.what());
    }
    const model::ModelInfo& info = generator->info();
    // As generate.py: a conditional model needs a class, an unconditional one takes none.
    if (info.cDim > 0 && !o.hasClass)
        return usageError("model '" + path + "' is conditional (" + std::to_string(info.cDim) +
                          " classes): choose one with --class 0.." + std::to_string(info.cDim - 1));
    if (info.cDim == 0 && o.hasClass)
        return usageError("--class " + std::to_string(o.classIndex) + ": model '" + path +
                          "' is not conditional");
    if (o.hasClass && (o.classIndex < 0 || o.classIndex >= info.cDim))
        return usageError("--class " + std::to_string(o.classIndex) + " is out of range: model '" +
                          path + "' has classes 0.." + std::to_string(info.cDim - 1));

    std::error_code ec;
    fs::create_directories(o.outdir, ec);
    if (ec || !fs::is_directory(o.outdir))
        return failure("cannot create output folder '" + o.outdir + "': " + ec.message());

    const int res = info.resolution;
    std::vector<std::uint8_t> rgba(static_cast<size_t>(res) * res * 4);
    io::Image image{res, res, 3, std::vector<std::uint8_t>(static_cast<size_t>(res) * res * 3)};
    try {
        if (o.hasClass) generator->setClass(o.classIndex);
        for (size_t i = 0; i < seeds.size(); ++i) {
            const std::vector<float> z = model::seedLatent(seeds[i], info.zDim);
            generator->generate(z.data(), o.truncation, o.noiseGain, rgba.data());
            for (size_t p = 0, n = static_cast<size_t>(res) * res; p < n; ++p)
                for (int ch = 0; ch < 3; ++ch) image.pixels[p * 3 + ch] = rgba[p * 4 + ch];
            const std::string file = (fs::path(o.outdir) / seedFileName(seeds[i])).string();
            io::writePng(file, image);
            std::printf("seed %u (%zu/%zu) -> %s\n", static_cast<unsigned>(seeds[i]), i + 1,
                        seeds.size(), file.c_str());
        }
    } catch (const std::exception& e) {  // ModelError, or a PNG that cannot be written
        return failure(e.what());
    }
    return 0;
}

}  // namespace

Command addGenerate(CLI::App& app) {
    auto o = std::make_shared<GenerateOptions>();
    Command command;
    command.cli = app.add_subcommand(
        "generate", "stills from seeds, as the official generate.py: seed0000.png, ...");
    command.cli->add_option("-m,--model", o->model, "model (.pt); default: the default model");
    command.cli->add_option("--seeds", o->seeds, "seeds: numbers and ranges, e.g. 0-7,12")
        ->required();
    command.cli->add_option("--trunc", o->truncation, "truncation psi (1: none)");
    CLI::Option* classOption =
        command.cli->add_option("--class", o->classIndex, "class of a conditional model (0-based)");
    command.cli->add_option("--noise-gain", o->noiseGain,
                            "scale of the constant noise (1: as upstream 'const', 0: none)");
    command.cli->add_option("--outdir", o->outdir, "folder for the PNGs (created if needed)")
        ->required();
    command.run = [o, classOption] {
        o->hasClass = classOption->count() > 0;
        return runGenerate(*o);
    };
    return command;
}

}  // namespace autolume::app
