// The generator behind the model contract (docs/ARCHITECTURE.md): a TorchScript archive with
// mapping(z, c) -> ws, synthesis(ws, noise_gain) -> image in [-1, 1] and, in archives written
// by this version of tools/, synthesis_until(ws, noise_gain, bends, bend_active, max_resolution)
// for network bending and early exit. Torch stays behind this PIMPL interface: nothing outside
// src/model includes a torch header.
//
// Device: CUDA when available (fp16 blocks and channels-last activations where the model
// allows, its own CUDA stream, pinned host buffers), else the CPU (oneDNN fast path).
//
// Thread contract: load() from any thread (it also warms the model up, so a background thread
// can prepare a model while another one renders); after that one Generator belongs to one
// thread at a time (the inference thread in the app). info() and wAvg() are immutable after
// load and may be read from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace autolume::model {

// A model file that cannot be used, or a run-time failure of the model (e.g. out of GPU
// memory). The message names the file and what is wrong, in one line.
class ModelError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Auto and Cuda pick the first CUDA device when there is one, else the CPU.
enum class DevicePreference { Auto, Cpu, Cuda };

// Auto: on CUDA, the highest-resolution blocks in fp16 with channels-last activations where
// the model allows it (conv_clamp set), as upstream does; Fp32: fp32 everywhere (the
// reference numbers, and the fp32 column of benchmarks). The CPU always runs fp32.
enum class Precision { Auto, Fp32 };

// One synthesis convolution that carries noise (upstream name, e.g. "b64.conv1").
struct LayerInfo {
    std::string name;
    int resolution = 0;
    int channels = 0;
};

struct ModelInfo {
    std::string path;
    std::string sha256;       // of the file's bytes, lowercase hex (as sha256sum prints)
    std::string name;         // from the archive's metadata, else the file name
    std::string description;  // one line for the UI ("placeholder: random weights", ...)
    bool placeholder = false;
    int zDim = 0;
    int wDim = 0;
    int cDim = 0;  // number of classes of a conditional model (one-hot labels), else 0
    int numWs = 0;
    int resolution = 0;
    int numLayers = 0;                 // noise-carrying synthesis layers, in ws order
    std::vector<LayerInfo> layers;     // [numLayers]
    std::vector<int> exitResolutions;  // 4, 8, ..., resolution: valid early-exit sizes
    bool hasSynthesisUntil = false;    // bending and early exit available (newer archives)
    std::string license;               // from the metadata, empty if none
    std::string source;                // where the weights came from, empty if none
    std::string device;                // "cpu" or "cuda:0"
    bool fp16 = false;                 // reduced-precision synthesis blocks (CUDA only)
    bool channelsLast = false;         // NHWC activations (CUDA with fp16 only)
};

struct StageTimes {
    double mappingMs = 0.0;
    double truncationMs = 0.0;  // w_avg + psi (w - w_avg), with the ws upload when given ws
    double synthesisMs = 0.0;
    double copyMs = 0.0;  // image -> host RGBA8 (or float CHW)
};

// Network bending of one conv layer: an affine transform of its output activations, about
// the centre of the image; zoom, then rotate, then translate. Identity costs nothing: such
// layers are not resampled at all.
struct LayerBend {
    float translateX = 0.0f;  // fraction of the width; positive moves the content right
    float translateY = 0.0f;  // fraction of the height; positive moves the content down
    float rotateRad = 0.0f;   // positive turns clockwise on screen
    float zoom = 1.0f;        // > 1 magnifies; must be > 0

    bool isIdentity() const noexcept {
        return translateX == 0.0f && translateY == 0.0f && rotateRad == 0.0f && zoom == 1.0f;
    }
};

// The [2, 3] affine_grid matrix (output -> input sampling, normalized coordinates, row-major)
// of a bend: the same numbers as tools/autolume_model/networks.py bend_matrix().
std::array<float, 6> bendMatrix(const LayerBend& bend) noexcept;

// Per-frame synthesis settings beyond ws. Spans are read during the call only.
struct SynthesisOptions {
    float noiseGain = 1.0f;             // scales every layer's constant noise (1: upstream)
    std::span<const float> layerNoise;  // [numLayers] per-layer factors on top; empty: all 1
    std::span<const LayerBend> bends;   // [numLayers]; empty: nothing bent
    int resolution = 0;                 // early exit: one of exitResolutions; 0: full size
    // Benchmarks only: run the archive's plain synthesis(ws, noise_gain), which has no bending
    // code at all (needs no bends and the full size). Measures what the bend plumbing costs.
    bool plainSynthesis = false;
};

// Threads torch may use for CPU inference (intra-op); call before the first generate().
// Process-wide; 0 or less leaves torch's default. The library never changes it by itself.
void setCpuThreads(int threads);
int cpuThreads();  // torch's intra-op thread count for the calling thread

// The thread count for `--threads requested`: `requested` itself when > 0; 0 or less means
// automatic, the count that holds the frame rate when the machine is busy (docs/BENCHMARKS.md,
// "CPU inference threads"): 1 on up to 4 hardware threads, half of them (at most 8) above.
// Live mode: setCpuThreads(resolveCpuThreads(options.threads)). Any thread.
int resolveCpuThreads(int requested);
int resolveCpuThreads(int requested, unsigned hardwareThreads) noexcept;  // the rule, testable

// Whether a CUDA device can be used (what DevicePreference::Auto will pick).
bool cudaAvailable() noexcept;

class Generator {
  public:
    // Loads, validates the contract and warms up. Throws ModelError naming `path`.
    static std::unique_ptr<Generator> load(const std::string& path,
                                           DevicePreference device = DevicePreference::Auto,
                                           Precision precision = Precision::Auto);
    ~Generator();
    Generator(const Generator&) = delete;
    Generator& operator=(const Generator&) = delete;

    const ModelInfo& info() const noexcept;
    const std::vector<float>& wAvg() const noexcept;  // [wDim]

    // Class label used by mapping() and generate() from now on: one-hot class `classIndex`
    // (conditional models start with class 0). Throws ModelError if the model has no such
    // class (an unconditional model has none).
    void setClass(int classIndex);
    // The same with an arbitrary label vector c [cDim] (e.g. a mix of classes).
    void setClassLabel(const float* c);

    // Run-time failures (e.g. out of GPU memory) throw ModelError from the calls below; a
    // wrong span size or early-exit resolution throws std::invalid_argument.
    // z [zDim] -> ws [numWs * wDim] (no truncation), with the current class label.
    void mapping(const float* z, float* ws);
    // The same with the label c [cDim] for this call only (nullptr: the current label).
    void mapping(const float* z, const float* c, float* ws);

    // ws [numWs * wDim] (one w per layer: style mixing is a mix of rows) -> image
    // [3, r, r] floats in about [-1, 1], r = outputResolution(options). No truncation.
    void synthesis(const float* ws, const SynthesisOptions& options, float* chw);
    void synthesis(const float* ws, float noiseGain, float* chw);  // full size, no bends

    // ws (untruncated) -> truncated with w_avg (w_avg + psi (w - w_avg), every row) ->
    // synthesis -> RGBA8 [r, r, 4] with alpha 255, converted as upstream generate.py.
    void render(const float* ws, float psi, const SynthesisOptions& options, std::uint8_t* rgba);
    // z -> mapping -> render.
    void generate(const float* z, float psi, const SynthesisOptions& options, std::uint8_t* rgba);
    void generate(const float* z, float psi, float noiseGain, std::uint8_t* rgba);

    // The image size a call with `options` produces; throws std::invalid_argument if
    // options.resolution is not 0 or one of info().exitResolutions, or asks an archive without
    // synthesis_until for an early exit (such archives also refuse bends, in the calls).
    int outputResolution(const SynthesisOptions& options) const;

    // Times of the last call, per stage. On CUDA each stage is synchronized when stage timing
    // is on (the default); the app turns it off to keep the GPU queue full.
    StageTimes lastTimes() const noexcept;
    void setStageTiming(bool on) noexcept;

  private:
    struct Impl;
    explicit Generator(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace autolume::model
