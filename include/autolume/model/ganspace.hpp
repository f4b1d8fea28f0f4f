// GANSpace (Härkönen et al. 2020): principal components of w over many mapped samples, the
// directions a performer steers along. Computed once per model and cached beside it:
// <dir>/<model stem>.ganspace.npy (components [count, wDim], float32) and
// <dir>/<model stem>.ganspace.json (the model file's size and FNV-1a 64 hash, the settings,
// the standard deviations and the mean w), so a changed model or setting recomputes.
//
// Samples: z = torch.randn(samples, zDim) from a CPU generator seeded with `seed` (the same
// numbers as torch.randn(..., generator=torch.Generator().manual_seed(seed)) in Python),
// w = mapping(z, class 0 for conditional models)[:, 0]. Components are unit eigenvectors of
// the sample covariance (ddof 1, float64), largest variance first, each signed so that its
// largest-magnitude entry is positive.
//
// Thread contract: free functions, no shared state but the cache files; they load their own
// CPU copy of the model's mapping network, so any thread may call them while a Generator
// renders elsewhere (the app runs them on its model loader thread).
#pragma once

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace autolume::model {

struct GanSpaceConfig {
    int samples = 10000;
    int components = 32;  // at most wDim
    std::uint64_t seed = 0;
};

struct GanSpace {
    int wDim = 0;
    int samples = 0;
    std::uint64_t seed = 0;
    std::vector<float> mean;        // [wDim] mean w of the samples
    std::vector<float> components;  // [count() * wDim] row-major, orthonormal rows
    std::vector<float> stddevs;     // [count()] std of w along each component, descending

    int count() const noexcept { return static_cast<int>(stddevs.size()); }
    const float* component(int k) const noexcept {
        return components.data() + static_cast<std::size_t>(k) * wDim;
    }
};

struct GanSpaceResult {
    GanSpace space;
    bool fromCache = false;
    std::string cacheNote;  // why the cache was not used or not written; empty when all went well
};

// Thrown when `cancel` was set during a computation (e.g. the model was replaced meanwhile).
class GanSpaceCancelled : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Throws ModelError naming the file if the model cannot be loaded or mapped, and
// std::invalid_argument for settings out of range. `cancel`, if given, is polled between
// chunks of samples.
GanSpace computeGanSpace(const std::string& modelPath, const GanSpaceConfig& config = {},
                         const std::atomic<bool>* cancel = nullptr);

// The cached result when it belongs to this model file and these settings, else computes it and
// writes the cache (a cache that cannot be read or written is noted, not an error).
GanSpaceResult loadOrComputeGanSpace(const std::string& modelPath,
                                     const GanSpaceConfig& config = {},
                                     const std::atomic<bool>* cancel = nullptr);

// <dir>/<stem>.ganspace.npy for <dir>/<stem>.<ext>; the JSON header is the same with .json.
std::string ganSpaceCachePath(const std::string& modelPath);

}  // namespace autolume::model
