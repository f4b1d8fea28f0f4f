#include "autolume/render/shader_program.hpp"

#include <glad/gl.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace autolume::render {

namespace fs = std::filesystem;

namespace {

bool readFile(const fs::path& path, std::string& out, std::string& error) {
    std::ifstream in(path);
    if (!in) {
        error = path.string() + ": cannot read shader";
        return false;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    out = buffer.str();
    return true;
}

unsigned compile(unsigned type, const fs::path& path, const std::string& source,
                 std::string& error) {
    const unsigned shader = glCreateShader(type);
    const char* text = source.c_str();
    glShaderSource(shader, 1, &text, nullptr);
    glCompileShader(shader);
    int ok = 0;
    glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        char log[1024] = {};
        glGetShaderInfoLog(shader, sizeof log, nullptr, log);
        std::string first(log);
        first = first.substr(0, first.find('\n'));
        error = path.string() + ": " + first;
        glDeleteShader(shader);
        return 0;
    }
    return shader;
}

fs::file_time_type modified(const fs::path& path) {
    std::error_code ec;
    const auto time = fs::last_write_time(path, ec);
    return ec ? fs::file_time_type{} : time;
}

}  // namespace

ShaderProgram::ShaderProgram(fs::path vertexPath, fs::path fragmentPath)
    : m_vertexPath(std::move(vertexPath)), m_fragmentPath(std::move(fragmentPath)) {
    m_vertexTime = modified(m_vertexPath);
    m_fragmentTime = modified(m_fragmentPath);
    if (!build()) throw std::runtime_error(m_lastError);
}

ShaderProgram::~ShaderProgram() {
    if (m_program) glDeleteProgram(m_program);
}

bool ShaderProgram::reloadIfChanged() {
    const auto vertexTime = modified(m_vertexPath);
    const auto fragmentTime = modified(m_fragmentPath);
    if (vertexTime == m_vertexTime && fragmentTime == m_fragmentTime) return true;
    m_vertexTime = vertexTime;
    m_fragmentTime = fragmentTime;
    return build();
}

int ShaderProgram::uniform(const char* name) const {
    return glGetUniformLocation(m_program, name);
}

bool ShaderProgram::build() {
    std::string vertexSource, fragmentSource, error;
    if (!readFile(m_vertexPath, vertexSource, error) ||
        !readFile(m_fragmentPath, fragmentSource, error)) {
        m_lastError = error;
        return false;
    }
    const unsigned vertex = compile(GL_VERTEX_SHADER, m_vertexPath, vertexSource, error);
    const unsigned fragment =
        vertex ? compile(GL_FRAGMENT_SHADER, m_fragmentPath, fragmentSource, error) : 0;
    if (!vertex || !fragment) {
        if (vertex) glDeleteShader(vertex);
        m_lastError = error;
        return false;
    }
    const unsigned program = glCreateProgram();
    glAttachShader(program, vertex);
    glAttachShader(program, fragment);
    glLinkProgram(program);
    glDeleteShader(vertex);
    glDeleteShader(fragment);
    int ok = 0;
    glGetProgramiv(program, GL_LINK_STATUS, &ok);
    if (!ok) {
        char log[1024] = {};
        glGetProgramInfoLog(program, sizeof log, nullptr, log);
        m_lastError = m_fragmentPath.string() + ": link failed: " + log;
        glDeleteProgram(program);
        return false;
    }
    if (m_program) glDeleteProgram(m_program);
    m_program = program;
    m_lastError.clear();
    return true;
}

}  // namespace autolume::render
