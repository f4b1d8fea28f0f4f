// `autolume generate -m M --seeds 0-7,12 [--trunc 0.7] [--class K] [--noise-gain G] --outdir D`:
// one PNG per seed, made as the official generate.py makes it (z from numpy's RandomState(seed),
// one-hot class label, truncation, constant noise, (img * 127.5 + 128).clamp(0, 255) as uint8),
// so a seed shared by an artist gives the same picture.
// `autolume generate -m M --ws latents.npy [--frames 0-2] --outdir D`: the frames whose ws
// `analyze --latents` wrote (frame000000.png, ...): the stills `render` encodes.
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
#include "autolume/io/npy.hpp"
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
    std::string ws;      // --ws FILE.npy: frames of ws (analyze --latents) instead of seeds
    std::string frames;  // which rows of --ws; empty: all
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

std::string frameFileName(std::uint32_t frame) {
    char name[32];
    std::snprintf(name, sizeof(name), "frame%06u.png", static_cast<unsigned>(frame));
    return name;
}

int runGenerate(const GenerateOptions& o) {
    if (o.seeds.empty() == o.ws.empty()) return usageError("give --seeds or --ws (one of them)");
    if (!o.frames.empty() && o.ws.empty()) return usageError("--frames needs --ws");
    std::vector<std::uint32_t> seeds;
    io::NpyArray ws;
    try {
        if (!o.seeds.empty()) seeds = model::parseSeedList(o.seeds);
        if (!o.frames.empty()) seeds = model::parseSeedList(o.frames);
    } catch (const std::invalid_argument& e) {
        return usageError((o.seeds.empty() ? "--frames: " : "--seeds: ") + std::string(e.what()));
    }
    if (!o.ws.empty()) {
        try {
            ws = io::readNpy(o.ws);
        } catch (const std::exception& e) {
            return failure(e.what());
        }
        if (ws.shape.size() != 3 || ws.shape[0] < 1)
            return failure(o.ws + ": not [frames, num_ws, w_dim] (as analyze --latents writes)");
        if (o.frames.empty())
            for (std::int64_t i = 0; i < ws.shape[0]; ++i)
                seeds.push_back(static_cast<std::uint32_t>(i));
        for (std::uint32_t f : seeds)
            if (f >= ws.shape[0])
                return usageError("--frames: " + std::to_string(f) + " is past the last frame of " +
                                  o.ws + " (" + std::to_string(ws.shape[0] - 1) + ")");
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
    if (!o.ws.empty() && (ws.shape[1] != info.numWs || ws.shape[2] != info.wDim))
        return failure(o.ws + ": ws of " + std::to_string(ws.shape[1]) + " x " +
                       std::to_string(ws.shape[2]) + ", model '" + path + "' takes " +
                       std::to_string(info.numWs) + " x " + std::to_string(info.wDim));

    const int res = info.resolution;
    std::vector<std::uint8_t> rgba(static_cast<size_t>(res) * res * 4);
    io::Image image{res, res, 3, std::vector<std::uint8_t>(static_cast<size_t>(res) * res * 3)};
    try {
        if (o.hasClass) generator->setClass(o.classIndex);
        for (size_t i = 0; i < seeds.size(); ++i) {
            if (o.ws.empty()) {
                const std::vector<float> z = model::seedLatent(seeds[i], info.zDim);
                generator->generate(z.data(), o.truncation, o.noiseGain, rgba.data());
            } else {
                // The ws as written (truncation already applied by analyze --latents).
                model::SynthesisOptions options;
                options.noiseGain = o.noiseGain;
                const std::size_t n = static_cast<std::size_t>(info.numWs) * info.wDim;
                generator->render(ws.data.data() + seeds[i] * n, o.truncation, options,
                                  rgba.data());
            }
            for (size_t p = 0, n = static_cast<size_t>(res) * res; p < n; ++p)
                for (int ch = 0; ch < 3; ++ch) image.pixels[p * 3 + ch] = rgba[p * 4 + ch];
            const std::string file = (fs::path(o.outdir) / (o.ws.empty() ? seedFileName(seeds[i])
                                                                         : frameFileName(seeds[i])))
                                         .string();
            io::writePng(file, image);
            std::printf("%s %u (%zu/%zu) -> %s\n", o.ws.empty() ? "seed" : "frame",
                        static_cast<unsigned>(seeds[i]), i + 1, seeds.size(), file.c_str());
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
    command.cli->add_option("--seeds", o->seeds, "seeds: numbers and ranges, e.g. 0-7,12");
    command.cli->add_option("--ws", o->ws,
                            "instead of seeds: ws of frames (.npy of analyze --latents) -> "
                            "frame000000.png, ...");
    command.cli->add_option("--frames", o->frames, "which frames of --ws: e.g. 0-2 (all)");
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
