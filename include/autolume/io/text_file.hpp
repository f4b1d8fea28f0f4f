// Whole text files written atomically: a temporary file beside the target, written, fsync'd,
// renamed over the target, then the folder fsync'd. A crash, a kill -9 or a power cut never
// leaves a half-written preset, profile or parameter file: readers see the old file or the
// new one, and once the call returns the new one survives a power cut.
//
// Temporaries are named "<file>.tmp<PID>"; one whose process is gone (a kill during a save)
// is removed by the next save of that file, and by removeStaleTemporaries() for a folder.
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

// Removes "<name>.tmp<PID>" files in the folder whose process no longer runs; returns how many.
// Never throws (an unreadable folder removes nothing).
int removeStaleTemporaries(const std::filesystem::path& dir) noexcept;

}  // namespace autolume::io
