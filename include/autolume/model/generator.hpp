// The generator behind the model contract (docs/ARCHITECTURE.md): a TorchScript archive with
// mapping(z, c) -> ws and synthesis(ws, ...) -> image in [-1, 1]. Torch stays behind this
// PIMPL interface: nothing outside src/model includes a torch header.
//
// Thread contract: load() from any thread; after that one Generator belongs to one thread at
// a time (the inference thread in the app). info() and wAvg() are immutable after load and
// may be read from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace autolume::model {

// A model file that cannot be used. The message names the file and what is wrong.
class ModelError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Auto and Cuda pick the first CUDA device when there is one, else the CPU.
enum class DevicePreference { Auto, Cpu, Cuda };

// One synthesis convolution that carries noise (upstream name, e.g. "b64.conv1").
struct LayerInfo {
    std::string name;
    int resolution = 0;
    int channels = 0;
};

struct ModelInfo {
    std::string path;
    std::string name;         // from the archive's metadata, else the file name
    std::string description;  // one line for the UI ("placeholder: random weights", ...)
    bool placeholder = false;
    int zDim = 0;
    int wDim = 0;
    int cDim = 0;
    int numWs = 0;
    int resolution = 0;
    int numLayers = 0;              // noise-carrying synthesis layers, in ws order
    std::vector<LayerInfo> layers;  // [numLayers]
    std::string license;            // from the metadata, empty if none
    std::string source;             // where the weights came from, empty if none
    std::string device;             // "cpu" or "cuda:0"
    bool fp16 = false;              // reduced-precision synthesis blocks (CUDA only)
};

struct StageTimes {
    double mappingMs = 0.0;
    double synthesisMs = 0.0;
    double copyMs = 0.0;  // device -> host RGBA8
};

// Threads torch may use for CPU inference (intra-op); call before the first generate().
// Process-wide; 0 or less leaves torch's default. The library never changes it by itself.
void setCpuThreads(int threads);
int cpuThreads();  // torch's intra-op thread count for the calling thread

// Whether a CUDA device can be used (what DevicePreference::Auto will pick).
bool cudaAvailable() noexcept;

class Generator {
  public:
    // Loads, validates the contract and warms up. Throws ModelError naming `path`.
    static std::unique_ptr<Generator> load(const std::string& path,
                                           DevicePreference device = DevicePreference::Auto);
    ~Generator();

    const ModelInfo& info() const noexcept;
    const std::vector<float>& wAvg() const noexcept;  // [wDim]

    // Run-time failures (e.g. out of GPU memory) throw ModelError from these four calls.
    // z [zDim] -> ws [numWs * wDim] (no truncation).
    void mapping(const float* z, float* ws);
    // ws [numWs * wDim] -> image [3, res, res] floats in about [-1, 1] (tests, exact compare).
    // noiseGain scales every layer's constant noise (1: the upstream noise_mode='const').
    void synthesis(const float* ws, float noiseGain, float* chw);
    // z -> truncated ws (w_avg + psi (w - w_avg)) -> RGBA8 [res, res, 4], alpha 255.
    void generate(const float* z, float psi, float noiseGain, std::uint8_t* rgba);

    // Times of the last generate() (synthesis() and mapping() fill their own stage).
    StageTimes lastTimes() const noexcept;

  private:
    struct Impl;
    explicit Generator(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace autolume::model
