// Reading JSON that cannot hurt: parameter files, presets, MIDI profiles, model metadata and
// caches all come through here. A size limit before reading, a nesting limit while parsing
// (a file nested 200 000 levels deep used to crash the app through recursive copies), and no
// number beyond a float's range (1e39 became inf in a float field, then `null` when saved).
//
// Errors are one line, std::runtime_error: "<path>: not valid JSON (line 3, column 7: ...)",
// "<path>: nested deeper than 64 levels", "<path>: \"gain.value\": 1e+39
// is beyond a float's range" (the object keys down to the number), "<path>: 17 MB, more than 16
// MiB".
//
// Thread contract: free functions; any non-real-time thread.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace autolume::io {

inline constexpr int kMaxJsonDepth = 64;
inline constexpr std::size_t kMaxJsonBytes = 16u << 20;

// Throws std::runtime_error without a path prefix ("not valid JSON (...)", ...).
nlohmann::json parseJsonLimited(const std::string& text);

// Reads and parses the file; errors start with the path. A missing file is an error too.
nlohmann::json readJsonFile(const std::filesystem::path& path);

}  // namespace autolume::io
