// The content hash of a file: SHA-256 in lowercase hex, the same text `sha256sum` prints, so
// a performer can tell which model file a presets folder belongs to.
//
// Thread contract: free function; any non-real-time thread (it reads the whole file).
#pragma once

#include <filesystem>
#include <string>

namespace autolume::io {

// Throws std::runtime_error "<path>: cannot read (<reason>)".
std::string sha256File(const std::filesystem::path& path);

}  // namespace autolume::io
