// Whole text files: read, and written atomically (a temporary file beside the target, flushed,
// then renamed over it), so a crash or a full disk never leaves a half-written preset, profile
// or parameter file: readers see the old file or the new one.
//
// Thread contract: free functions; any non-real-time thread.
#pragma once

#include <filesystem>
#include <string>

namespace autolume::io {

// Creates missing parent folders. Throws std::runtime_error, one line naming the file:
// "<path>: cannot write (<reason>)" or "<path>: cannot replace (<reason>)"; the target is then
// unchanged and no temporary file is left behind.
void writeTextFileAtomic(const std::filesystem::path& path, const std::string& text);

}  // namespace autolume::io
