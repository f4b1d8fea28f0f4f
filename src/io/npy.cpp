// .npy reader/writer: the header is a Python dict literal; we parse just the three keys.
#include "autolume/io/npy.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace autolume::io {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw std::runtime_error(path + ": " + what);
}

}  // namespace

NpyArray readNpy(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path, "cannot open file");
    char magic[8];
    if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
        fail(path, "not a .npy file");
    const int major = static_cast<unsigned char>(magic[6]);
    std::uint32_t headerLen = 0;
    if (major == 1) {
        unsigned char b[2];
        if (!in.read(reinterpret_cast<char*>(b), 2)) fail(path, "truncated header");
        headerLen = b[0] | (b[1] << 8);
    } else if (major == 2 || major == 3) {
        unsigned char b[4];
        if (!in.read(reinterpret_cast<char*>(b), 4)) fail(path, "truncated header");
        headerLen = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
    } else {
        fail(path, "unsupported .npy version " + std::to_string(major));
    }
    std::string header(headerLen, '\0');
    if (!in.read(header.data(), headerLen)) fail(path, "truncated header");

    std::smatch m;
    if (!std::regex_search(header, m, std::regex(R"('descr'\s*:\s*'([<>|]?)([fiu])(\d+)')")))
        fail(path, "header has no dtype");
    const std::string order = m[1];
    const std::string kind = m[2];
    const int bytes = std::stoi(m[3]);
    if (order == ">" || kind != "f" || (bytes != 4 && bytes != 8))
        fail(path, "dtype must be little-endian float32 or float64");
    if (std::regex_search(header, std::regex(R"('fortran_order'\s*:\s*True)")))
        fail(path, "Fortran-ordered arrays are not supported");
    if (!std::regex_search(header, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))")))
        fail(path, "header has no shape");

    NpyArray array;
    std::int64_t count = 1;
    std::stringstream dims(m[1].str());
    for (std::string dim; std::getline(dims, dim, ',');) {
        if (dim.find_first_not_of(" ") == std::string::npos) continue;
        array.shape.push_back(std::stoll(dim));
        count *= array.shape.back();
    }
    array.data.resize(static_cast<std::size_t>(count));
    if (bytes == 4) {
        if (!in.read(reinterpret_cast<char*>(array.data.data()), count * 4))
            fail(path, "truncated data");
    } else {
        std::vector<double> wide(static_cast<std::size_t>(count));
        if (!in.read(reinterpret_cast<char*>(wide.data()), count * 8)) fail(path, "truncated data");
        for (std::size_t i = 0; i < wide.size(); ++i) array.data[i] = static_cast<float>(wide[i]);
    }
    return array;
}

void writeNpy(const std::string& path, const std::vector<std::int64_t>& shape, const float* data) {
    std::string dims;
    std::int64_t count = 1;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        dims += (i ? ", " : "") + std::to_string(shape[i]);
        count *= shape[i];
    }
    if (shape.size() == 1) dims += ",";  // a 1-tuple in Python is "(n,)"
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
    // Pad so that magic(6) + version(2) + len(2) + header + '\n' is a multiple of 64.
    const std::size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header.push_back('\n');

    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) fail(path, "cannot write file");
        out.write("\x93NUMPY\x01\x00", 8);
        const auto len = static_cast<std::uint16_t>(header.size());
        const char lenBytes[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
        out.write(lenBytes, 2);
        out.write(header.data(), static_cast<std::streamsize>(header.size()));
        out.write(reinterpret_cast<const char*>(data), count * 4);
        if (!out.flush()) fail(path, "write failed");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) fail(path, "cannot replace file: " + ec.message());
}

}  // namespace autolume::io
