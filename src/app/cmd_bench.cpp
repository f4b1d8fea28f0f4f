// `autolume bench [-m M] [--device cpu|cuda|all] [--precision auto|fp32|all] [--frames N]
// [--seconds S] [--threads N] [--json FILE]`: per-stage timings of the generator at batch 1
// (mapping, truncation, synthesis at every output size through the early exit, copy to host
// RGBA8), frames per second, and what network bending costs: identity bends against the
// archive's plain synthesis() (which has no bending code), measured alternately in the same
// run so machine noise hits both alike, and one or all layers bent. On the CPU, and on CUDA
// when there is a device (there with fp16 blocks and in fp32).
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "autolume/model/generator.hpp"
#include "commands.hpp"
#include "options.hpp"

namespace autolume::app {

namespace {

using Clock = std::chrono::steady_clock;

struct BenchOptions {
    std::string model;  // empty: the default model
    std::string device = "all";
    std::string precision = "all";  // CUDA: auto (fp16 where allowed), fp32, or both
    int frames = 50;                // per measurement, at most ...
    double seconds = 10.0;          // ... or this long (at least kMinFrames)
    int warmup = 3;
    int threads = 0;   // 0: automatic (model::resolveCpuThreads)
    std::string json;  // "-": stdout
};

constexpr int kMinFrames = 3;

// The human-readable table: stdout, or stderr when the JSON goes to stdout.
std::FILE*& textOut() {
    static std::FILE* out = stdout;
    return out;
}

struct Summary {
    double median = 0.0;
    double mean = 0.0;
    double p90 = 0.0;
    int count = 0;
};

Summary summarize(std::vector<double> v) {
    Summary s;
    s.count = static_cast<int>(v.size());
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    s.median = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
    double sum = 0.0;
    for (double x : v) sum += x;
    s.mean = sum / static_cast<double>(v.size());
    s.p90 = v[std::min(v.size() - 1, static_cast<size_t>(std::ceil(0.9 * v.size())) - 1)];
    return s;
}

nlohmann::json toJson(const Summary& s) {
    return {{"median_ms", s.median}, {"mean_ms", s.mean}, {"p90_ms", s.p90}, {"n", s.count}};
}

// Runs `body` (one frame, returns the number to record) warm-up times, then until `frames`
// frames or `seconds` have passed (at least kMinFrames).
std::vector<double> measure(const BenchOptions& o, const std::function<double()>& body) {
    for (int i = 0; i < o.warmup; ++i) body();
    std::vector<double> samples;
    const auto start = Clock::now();
    while (static_cast<int>(samples.size()) < o.frames) {
        samples.push_back(body());
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        if (static_cast<int>(samples.size()) >= kMinFrames && elapsed > o.seconds) break;
    }
    return samples;
}

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string cpuName() {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            return colon == std::string::npos ? line : line.substr(colon + 2);
        }
    return "unknown CPU";
}

std::string utcNow() {
    const std::time_t now = std::time(nullptr);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    return text;
}

// One device: everything measured, printed as it goes, returned as JSON.
nlohmann::json benchDevice(const BenchOptions& o, const std::string& path,
                           model::DevicePreference preference, model::Precision precision) {
    const auto loadStart = Clock::now();
    std::unique_ptr<model::Generator> gen = model::Generator::load(path, preference, precision);
    const double loadSec = msSince(loadStart) / 1000.0;
    const model::ModelInfo& info = gen->info();
    const int res = info.resolution;
    std::fprintf(textOut(),
                 "\n== %s: %s (%d px, %d layers), %d CPU threads, fp16 %s, channels-last %s; "
                 "load + warm-up %.2f s\n",
                 info.device.c_str(), info.name.c_str(), res, info.numLayers, model::cpuThreads(),
                 info.fp16 ? "on" : "off", info.channelsLast ? "on" : "off", loadSec);

    std::vector<float> z(static_cast<size_t>(info.zDim));
    for (size_t i = 0; i < z.size(); ++i) z[i] = std::sin(1.3f * static_cast<float>(i) + 0.5f);
    std::vector<float> ws(static_cast<size_t>(info.numWs) * info.wDim);
    gen->mapping(z.data(), ws.data());
    std::vector<std::uint8_t> rgba(static_cast<size_t>(res) * res * 4);
    const float psi = 0.7f;

    nlohmann::json out = {{"device", info.device},
                          {"cpu_threads", model::cpuThreads()},
                          {"fp16", info.fp16},
                          {"channels_last", info.channelsLast},
                          {"load_and_warmup_s", loadSec}};

    // Whole frames, z -> RGBA8, stage times from the generator (synchronized per stage).
    std::vector<double> mapping, truncation, synthesis, copy;
    const std::vector<double> frame = measure(o, [&] {
        const auto start = Clock::now();
        gen->generate(z.data(), psi, model::SynthesisOptions{}, rgba.data());
        const double ms = msSince(start);
        const model::StageTimes t = gen->lastTimes();
        mapping.push_back(t.mappingMs);
        truncation.push_back(t.truncationMs);
        synthesis.push_back(t.synthesisMs);
        copy.push_back(t.copyMs);
        return ms;
    });
    const auto keep = [&](std::vector<double>& v) {  // drop the warm-up frames' stage times
        v.erase(v.begin(), v.begin() + std::min<std::ptrdiff_t>(o.warmup, v.size()));
        return summarize(v);
    };
    const Summary frameS = summarize(frame);
    const Summary mappingS = keep(mapping), truncS = keep(truncation), synthS = keep(synthesis),
                  copyS = keep(copy);
    std::fprintf(textOut(), "%-34s %10s %10s %10s\n", "stage (batch 1)", "median ms", "mean ms",
                 "p90 ms");
    auto row = [](const std::string& name, const Summary& s) {
        std::fprintf(textOut(), "%-34s %10.3f %10.3f %10.3f\n", name.c_str(), s.median, s.mean,
                     s.p90);
    };
    row("mapping", mappingS);
    row("truncation", truncS);
    row("synthesis " + std::to_string(res) + " px", synthS);
    row("copy to host (RGBA8)", copyS);
    row("frame: z -> RGBA8 on host", frameS);
    const double fps = frameS.median > 0.0 ? 1000.0 / frameS.median : 0.0;
    std::fprintf(textOut(), "frames per second (batch 1): %.1f\n", fps);
    out["stages"] = {{"mapping", toJson(mappingS)},
                     {"truncation", toJson(truncS)},
                     {"synthesis", toJson(synthS)},
                     {"copy_rgba8", toJson(copyS)},
                     {"frame", toJson(frameS)}};
    out["fps"] = fps;

    // Synthesis at every output size (early exit), from the same ws.
    nlohmann::json bySize = nlohmann::json::object();
    if (info.hasSynthesisUntil) {
        for (int r : info.exitResolutions) {
            model::SynthesisOptions options;
            options.resolution = r;
            const Summary s = summarize(measure(o, [&] {
                gen->render(ws.data(), psi, options, rgba.data());
                return gen->lastTimes().synthesisMs;
            }));
            row("synthesis, exit at " + std::to_string(r) + " px", s);
            bySize[std::to_string(r)] = toJson(s);
        }
    }
    out["synthesis_by_output_size"] = bySize;

    // Bending: plain synthesis() vs synthesis_until with identity bends, interleaved.
    if (info.hasSynthesisUntil) {
        model::SynthesisOptions plain;
        plain.plainSynthesis = true;
        const std::vector<model::LayerBend> identity(static_cast<size_t>(info.numLayers));
        model::SynthesisOptions ident;
        ident.bends = identity;
        // The plain method was not part of the load's warm-up: its graph executor profiles
        // and optimizes on its first runs.
        for (int i = 0; i < 3; ++i) gen->render(ws.data(), psi, plain, rgba.data());
        // Order A B B A: on the CPU, frame times can alternate between two levels (glibc
        // returning big activation buffers to the system and faulting them in again on the
        // next frame); a strict A B alternation would pin one level on each side.
        std::vector<double> plainMs, identMs;
        int call = 0;
        BenchOptions both = o;
        both.frames = 2 * o.frames;
        both.seconds = 2.0 * o.seconds;
        both.warmup = 0;
        for (int i = 0; i < 2 * o.warmup; ++i)
            gen->render(ws.data(), psi, i % 2 ? ident : plain, rgba.data());
        measure(both, [&] {
            const int k = call++ % 4;
            const bool isPlain = k == 0 || k == 3;
            gen->render(ws.data(), psi, isPlain ? plain : ident, rgba.data());
            (isPlain ? plainMs : identMs).push_back(gen->lastTimes().synthesisMs);
            return 0.0;
        });
        const Summary plainS = summarize(plainMs), identS = summarize(identMs);
        std::vector<model::LayerBend> one(identity);
        one[one.size() / 2] = model::LayerBend{0.05f, 0.0f, 0.2f, 1.1f};
        std::vector<model::LayerBend> all(identity.size(),
                                          model::LayerBend{0.05f, 0.0f, 0.2f, 1.1f});
        model::SynthesisOptions oneOpt, allOpt;
        oneOpt.bends = one;
        allOpt.bends = all;
        const Summary oneS = summarize(measure(o, [&] {
            gen->render(ws.data(), psi, oneOpt, rgba.data());
            return gen->lastTimes().synthesisMs;
        }));
        const Summary allS = summarize(measure(o, [&] {
            gen->render(ws.data(), psi, allOpt, rgba.data());
            return gen->lastTimes().synthesisMs;
        }));
        row("synthesis, plain (no bend code)", plainS);
        row("synthesis, identity bends", identS);
        row("synthesis, 1 layer bent", oneS);
        row("synthesis, all layers bent", allS);
        const double ratio = plainS.median > 0.0 ? identS.median / plainS.median : 0.0;
        const double meanRatio = plainS.mean > 0.0 ? identS.mean / plainS.mean : 0.0;
        std::fprintf(textOut(),
                     "identity bends / plain synthesis (interleaved): %.3f (medians), %.3f "
                     "(means)\n",
                     ratio, meanRatio);
        out["bending"] = {{"plain", toJson(plainS)},      {"identity", toJson(identS)},
                          {"identity_over_plain", ratio}, {"identity_over_plain_means", meanRatio},
                          {"one_layer", toJson(oneS)},    {"all_layers", toJson(allS)}};
    }
    return out;
}

int runBench(const BenchOptions& o) {
    const std::string path = o.model.empty() ? defaultModelPath() : o.model;
    if (o.device != "cpu" && o.device != "cuda" && o.device != "all") {
        std::fprintf(stderr, "autolume bench: --device must be cpu, cuda or all\n");
        return 2;
    }
    if (o.precision != "auto" && o.precision != "fp32" && o.precision != "all") {
        std::fprintf(stderr, "autolume bench: --precision must be auto, fp32 or all\n");
        return 2;
    }
    if (o.device == "cuda" && !model::cudaAvailable()) {
        std::fprintf(stderr, "autolume bench: no CUDA device (this LibTorch sees none)\n");
        return 1;
    }
    model::setCpuThreads(model::resolveCpuThreads(o.threads));  // as live mode does
    if (o.json == "-") textOut() = stderr;

    nlohmann::json report = {{"date", utcNow()},
                             {"model", path},
                             {"machine",
                              {{"cpu", cpuName()},
                               {"hardware_threads", std::thread::hardware_concurrency()},
                               {"cuda_available", model::cudaAvailable()}}},
                             {"runs", nlohmann::json::array()}};
    std::fprintf(textOut(), "autolume bench: %s, %s, %u hardware threads, CUDA %s, %s\n",
                 path.c_str(), cpuName().c_str(), std::thread::hardware_concurrency(),
                 model::cudaAvailable() ? "available" : "not available", utcNow().c_str());
    using Run = std::pair<model::DevicePreference, model::Precision>;
    std::vector<Run> runs;
    if (o.device != "cuda") runs.emplace_back(model::DevicePreference::Cpu, model::Precision::Auto);
    if (o.device == "cuda" || (o.device == "all" && model::cudaAvailable())) {
        if (o.precision != "fp32")
            runs.emplace_back(model::DevicePreference::Cuda, model::Precision::Auto);
        if (o.precision != "auto")
            runs.emplace_back(model::DevicePreference::Cuda, model::Precision::Fp32);
    }
    try {
        for (const auto& [device, precision] : runs)
            report["runs"].push_back(benchDevice(o, path, device, precision));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "autolume bench: %s\n", e.what());
        return 1;
    }
    if (!o.json.empty()) {
        if (o.json == "-") {
            std::cout << report.dump(2) << '\n';
        } else {
            std::ofstream out(o.json);
            out << report.dump(2) << '\n';
            if (!out) {
                std::fprintf(stderr, "autolume bench: %s: cannot write\n", o.json.c_str());
                return 1;
            }
        }
    }
    return 0;
}

}  // namespace

Command addBench(CLI::App& app) {
    auto options = std::make_shared<BenchOptions>();
    Command command;
    command.cli = app.add_subcommand(
        "bench", "per-stage generator timings at batch 1 (CPU, and CUDA when available)");
    CLI::App& c = *command.cli;
    c.add_option("-m,--model", options->model, "TorchScript model (.pt); default: the shipped one");
    c.add_option("--device", options->device, "cpu, cuda or all (all: CUDA too when available)")
        ->capture_default_str();
    c.add_option("--precision", options->precision,
                 "on CUDA: auto (fp16 blocks where the model allows), fp32, or all (both)")
        ->capture_default_str();
    c.add_option("--frames", options->frames, "frames per measurement, at most")
        ->check(CLI::Range(kMinFrames, 100000))
        ->capture_default_str();
    c.add_option("--seconds", options->seconds, "stop a measurement after this long")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    c.add_option("--warmup", options->warmup, "untimed frames before each measurement")
        ->check(CLI::Range(0, 1000))
        ->capture_default_str();
    c.add_option("--threads", options->threads,
                 "CPU inference threads (0: automatic, as live mode)")
        ->check(CLI::Range(0, 256));
    c.add_option("--json", options->json,
                 "also write the results as JSON to this file (-: stdout)");
    command.run = [options] { return runBench(*options); };
    return command;
}

}  // namespace autolume::app
