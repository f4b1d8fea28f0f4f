// NumPy .npy files (format 1.0/2.0, little-endian float32, C order): latents, features and
// reference tensors exchanged with the Python tools.
//
// Thread contract: free functions, no shared state; call from any non-real-time thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace autolume::io {

struct NpyArray {
    std::vector<std::int64_t> shape;
    std::vector<float> data;  // row-major
};

// Throws std::runtime_error naming the file if it is missing, not .npy, or not float32/float64.
// float64 arrays are converted to float32.
NpyArray readNpy(const std::string& path);

// Writes atomically (temporary file, then rename). Throws std::runtime_error naming the file.
void writeNpy(const std::string& path, const std::vector<std::int64_t>& shape, const float* data);

}  // namespace autolume::io
