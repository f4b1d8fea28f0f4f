#include <cstdlib>
#include <filesystem>

#include "options.hpp"

namespace autolume::app {

namespace fs = std::filesystem;

std::string defaultModelPath() {
    if (const char* env = std::getenv("AUTOLUME_MODEL"); env && *env) return env;
    for (const fs::path& candidate : {fs::path(AUTOLUME_SOURCE_MODEL_DIR) / "default.pt",
                                      fs::path(AUTOLUME_BUILD_MODEL_DIR) / "placeholder.pt"})
        if (fs::exists(candidate)) return candidate.string();
    return (fs::path(AUTOLUME_BUILD_MODEL_DIR) / "placeholder.pt").string();
}

std::string defaultShaderDir() {
    if (const char* env = std::getenv("AUTOLUME_SHADERS"); env && *env) return env;
    return AUTOLUME_SHADER_DIR;
}

}  // namespace autolume::app
