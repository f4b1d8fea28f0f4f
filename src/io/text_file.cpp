#include "autolume/io/text_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace autolume::io {

namespace fs = std::filesystem;

namespace {

// The PID of "<anything>.tmp<digits>", or 0.
pid_t temporaryOwner(const std::string& name) {
    const std::size_t at = name.rfind(".tmp");
    if (at == std::string::npos || at + 4 == name.size() || name.size() - at > 14) return 0;
    long pid = 0;
    for (std::size_t i = at + 4; i < name.size(); ++i) {
        if (name[i] < '0' || name[i] > '9') return 0;
        pid = pid * 10 + (name[i] - '0');
    }
    return static_cast<pid_t>(pid);
}

bool processGone(pid_t pid) {
    return ::kill(pid, 0) != 0 && errno == ESRCH;
}

std::string errnoText() {
    return errno ? std::strerror(errno) : "write failed";
}

// Writes all of text to fd; false with errno set on failure.
bool writeAll(int fd, const std::string& text) {
    const char* p = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    return true;
}

void syncFolder(const fs::path& dir) {
    const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;  // the rename happened; only its durability is less certain
    ::fsync(fd);
    ::close(fd);
}

// Removes "<prefix>*.tmp<PID>" files in dir whose process is gone; returns how many.
int removeStale(const fs::path& dir, const std::string& prefix) noexcept {
    int removed = 0;
    std::error_code ec;
    for (fs::directory_iterator it(dir.empty() ? fs::path(".") : dir, ec), end; !ec && it != end;
         it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind(prefix, 0) != 0) continue;
        const pid_t owner = temporaryOwner(name);
        if (owner <= 0 || owner == ::getpid() || !processGone(owner)) continue;
        std::error_code removeError;
        if (fs::remove(it->path(), removeError)) ++removed;
    }
    return removed;
}

}  // namespace

int removeStaleTemporaries(const fs::path& dir) noexcept {
    return removeStale(dir, "");
}

void writeTextFileAtomic(const fs::path& path, const std::string& text) {
    std::error_code ec;
    const fs::path dir = path.parent_path();
    if (!dir.empty()) fs::create_directories(dir, ec);
    // Unique per process: two programs saving to one folder never share a temporary file.
    const fs::path tmp = path.string() + ".tmp" + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error(path.string() + ": cannot write (" + errnoText() + ")");
    errno = 0;
    const bool ok = writeAll(fd, text) && ::fsync(fd) == 0;
    const std::string reason = ok ? "" : errnoText();
    if (::close(fd) != 0 || !ok) {
        fs::remove(tmp, ec);
        throw std::runtime_error(path.string() + ": cannot write (" +
                                 (ok ? std::string("close failed") : reason) + ")");
    }
    fs::rename(tmp, path, ec);  // atomic on POSIX: the old file or the new, never half
    if (ec) {
        const std::string why = ec.message();
        fs::remove(tmp, ec);
        throw std::runtime_error(path.string() + ": cannot replace (" + why + ")");
    }
    syncFolder(dir);
    // Temporaries of saves that were killed (their process is gone) go now, of this file only.
    removeStale(dir, path.filename().string() + ".tmp");
}

}  // namespace autolume::io
