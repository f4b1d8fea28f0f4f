// What the fuzz targets share: a broken invariant or an exception outside a reader's documented
// type becomes an abort, which libFuzzer reports as a crash and saves the input for; and an
// in-memory file for readers that only take a path (libsndfile, libzip).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>

namespace autolume::fuzz {

[[noreturn]] inline void finding(const char* what, const std::string& detail = {}) {
    std::fprintf(stderr, "FUZZ FINDING: %s%s%s\n", what, detail.empty() ? "" : ": ",
                 detail.c_str());
    std::abort();
}

// For catch (const std::exception& e) after the documented types: names the type and message.
[[noreturn]] inline void undocumented(const char* call, const std::exception& e) {
    finding("undocumented exception",
            std::string(call) + " threw " + typeid(e).name() + ": " + e.what());
}

inline void check(bool ok, const char* what, const std::string& detail = {}) {
    if (!ok) finding(what, detail);
}

// The one-line errors of the readers: a message, no line break.
inline void checkOneLine(const char* call, const std::string& message) {
    check(!message.empty() && message.find('\n') == std::string::npos,
          "error message is not one line", std::string(call) + ": '" + message + "'");
}

// One memfd per process, rewritten for each input; readers open it as /proc/self/fd/N.
class MemFile {
  public:
    explicit MemFile(const char* name) : m_fd(memfd_create(name, 0)) {
        if (m_fd < 0) finding("memfd_create failed");
        m_path = "/proc/self/fd/" + std::to_string(m_fd);
    }
    MemFile(const MemFile&) = delete;
    MemFile& operator=(const MemFile&) = delete;

    const std::string& write(const std::uint8_t* data, std::size_t size) {
        if (ftruncate(m_fd, 0) != 0) finding("ftruncate failed");
        std::size_t done = 0;
        while (done < size) {
            const ssize_t n = pwrite(m_fd, data + done, size - done, static_cast<off_t>(done));
            if (n <= 0) finding("pwrite failed");
            done += static_cast<std::size_t>(n);
        }
        return m_path;
    }

  private:
    int m_fd;
    std::string m_path;
};

}  // namespace autolume::fuzz
