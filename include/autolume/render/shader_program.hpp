// A GLSL program loaded from files at run time and rebuilt when the files change, so a
// performer can tweak shaders/ while the show runs. A broken edit keeps the last good program.
//
// Thread contract: main (GL) thread only.
#pragma once

#include <filesystem>
#include <string>

namespace autolume::render {

class ShaderProgram {
  public:
    // Throws std::runtime_error naming the file if the first build fails.
    ShaderProgram(std::filesystem::path vertexPath, std::filesystem::path fragmentPath);
    ~ShaderProgram();
    ShaderProgram(const ShaderProgram&) = delete;
    ShaderProgram& operator=(const ShaderProgram&) = delete;

    // Rebuilds if either file changed on disk. Returns false (and keeps the old program) if
    // the new source does not compile; lastError() says why, naming the file.
    bool reloadIfChanged();
    unsigned id() const { return m_program; }
    int uniform(const char* name) const;
    const std::string& lastError() const { return m_lastError; }

  private:
    bool build();
    std::filesystem::path m_vertexPath;
    std::filesystem::path m_fragmentPath;
    std::filesystem::file_time_type m_vertexTime{};
    std::filesystem::file_time_type m_fragmentTime{};
    unsigned m_program = 0;
    std::string m_lastError;
};

}  // namespace autolume::render
