#include "autolume/io/text_file.hpp"

#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace autolume::io {

namespace fs = std::filesystem;

void writeTextFileAtomic(const fs::path& path, const std::string& text) {
    std::error_code ec;
    if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
    // Unique per process: two programs saving to one folder never share a temporary file.
    const fs::path tmp = path.string() + ".tmp" + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << text;
        out.flush();
        if (!out) {
            const std::string reason = errno ? std::strerror(errno) : "write failed";
            fs::remove(tmp, ec);
            throw std::runtime_error(path.string() + ": cannot write (" + reason + ")");
        }
    }
    fs::rename(tmp, path, ec);  // atomic on POSIX: the old file or the new, never half
    if (ec) {
        const std::string reason = ec.message();
        fs::remove(tmp, ec);
        throw std::runtime_error(path.string() + ": cannot replace (" + reason + ")");
    }
}

}  // namespace autolume::io
