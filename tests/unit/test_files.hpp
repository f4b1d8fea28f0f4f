// Files for unit tests: a fresh folder under the build's test tmp (AUTOLUME_TEST_TMP, defined
// by each test target) and a whole file read back as text.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace autolume::test {

inline std::filesystem::path freshDir(const std::string& name) {
    const std::filesystem::path dir = std::filesystem::path(AUTOLUME_TEST_TMP) / name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

inline std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace autolume::test
