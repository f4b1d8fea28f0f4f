#include "autolume/io/json_read.hpp"

#include <cfloat>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace autolume::io {

namespace {

// nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 7: ..." without
// the bracketed id.
std::string plain(const char* what) {
    std::string_view s(what);
    if (!s.empty() && s.front() == '[') {
        const auto close = s.find("] ");
        if (close != std::string_view::npos) s.remove_prefix(close + 2);
    }
    return std::string(s);
}

}  // namespace

nlohmann::json parseJsonLimited(const std::string& text) {
    if (text.size() > kMaxJsonBytes)
        throw std::runtime_error(std::to_string(text.size()) + " bytes, more than " +
                                 std::to_string(kMaxJsonBytes >> 20) + " MiB");
    std::vector<std::string> keys;  // the object keys down to the value being parsed
    std::string problem;
    auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        using E = nlohmann::json::parse_event_t;
        if ((event == E::object_start || event == E::array_start) && depth >= kMaxJsonDepth) {
            problem = "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
            throw std::length_error(problem);
        }
        if (event == E::object_start) keys.emplace_back();
        if (event == E::object_end && !keys.empty()) keys.pop_back();
        if (event == E::key && !keys.empty()) keys.back() = parsed.get<std::string>();
        if (event == E::value && parsed.is_number_float() &&
            !(std::fabs(parsed.get<double>()) <= FLT_MAX)) {
            std::string key;
            for (const std::string& k : keys)
                if (!k.empty()) key += (key.empty() ? "" : ".") + k;
            problem = (key.empty() ? std::string("a number") : "\"" + key + "\"") + ": " +
                      parsed.dump() + " is beyond a float's range";
            throw std::range_error(problem);
        }
        return true;
    };
    try {
        return nlohmann::json::parse(text, callback, true);
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error("not valid JSON (" + plain(e.what()) + ")");
    } catch (const std::length_error&) {
        throw std::runtime_error(problem);
    } catch (const std::range_error&) {
        throw std::runtime_error(problem);
    }
}

nlohmann::json readJsonFile(const std::filesystem::path& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) throw std::runtime_error(path.string() + ": cannot read (" + ec.message() + ")");
    if (size > kMaxJsonBytes)
        throw std::runtime_error(path.string() + ": " + std::to_string(size) +
                                 " bytes, more than " + std::to_string(kMaxJsonBytes >> 20) +
                                 " MiB");
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) throw std::runtime_error(path.string() + ": cannot read");
    try {
        return parseJsonLimited(text.str());
    } catch (const std::exception& e) {
        throw std::runtime_error(path.string() + ": " + e.what());
    }
}

}  // namespace autolume::io
