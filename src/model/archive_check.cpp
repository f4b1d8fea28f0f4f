#include "autolume/model/archive_check.hpp"

#include <zip.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <string_view>
#include <vector>

namespace autolume::model {

namespace {

// Pure operations (tensors, scalars, lists, strings) that the project's networks and
// TorchScript's own helpers use, and their close relatives. Nothing here touches a file, the
// network, the process or another library; as_strided and friends (raw memory views) and
// anything with "save", "load", "file", "fork" or "classes" in it are left out on purpose.
const std::set<std::string_view>& pureOperations() {
    static const std::set<std::string_view> ops{"__and__",
                                                "__contains__",
                                                "__derive_index",
                                                "__getitem__",
                                                "__interpolate",
                                                "__is__",
                                                "__isnot__",
                                                "__not__",
                                                "__or__",
                                                "__range_length",
                                                "__xor__",
                                                "_set_item",
                                                "_unwrap_optional",
                                                "abs",
                                                "abs_",
                                                "acos",
                                                "adaptive_avg_pool2d",
                                                "add",
                                                "add_",
                                                "addcmul",
                                                "addmm",
                                                "affine_grid_generator",
                                                "all",
                                                "allclose",
                                                "any",
                                                "append",
                                                "arange",
                                                "argmax",
                                                "argmin",
                                                "asin",
                                                "atan",
                                                "atan2",
                                                "avg_pool2d",
                                                "baddbmm",
                                                "batch_norm",
                                                "bmm",
                                                "bool",
                                                "cat",
                                                "ceil",
                                                "chunk",
                                                "clamp",
                                                "clamp_",
                                                "clamp_max",
                                                "clamp_min",
                                                "clear",
                                                "clone",
                                                "constant_pad_nd",
                                                "contiguous",
                                                "conv1d",
                                                "conv2d",
                                                "conv3d",
                                                "conv_transpose1d",
                                                "conv_transpose2d",
                                                "convolution",
                                                "copy_",
                                                "cos",
                                                "cosh",
                                                "cumsum",
                                                "detach",
                                                "device",
                                                "dim",
                                                "div",
                                                "div_",
                                                "dropout",
                                                "einsum",
                                                "elu",
                                                "embedding",
                                                "empty",
                                                "empty_like",
                                                "eq",
                                                "erf",
                                                "exp",
                                                "expand",
                                                "expand_as",
                                                "extend",
                                                "fill_",
                                                "flatten",
                                                "flip",
                                                "float",
                                                "floor",
                                                "floor_divide",
                                                "floordiv",
                                                "fmod",
                                                "format",
                                                "full",
                                                "full_like",
                                                "gather",
                                                "ge",
                                                "gelu",
                                                "get",
                                                "grid_sampler",
                                                "group_norm",
                                                "gt",
                                                "hardtanh",
                                                "index",
                                                "index_put_",
                                                "index_select",
                                                "insert",
                                                "instance_norm",
                                                "int",
                                                "is_floating_point",
                                                "is_grad_enabled",
                                                "isfinite",
                                                "isinf",
                                                "isnan",
                                                "item",
                                                "items",
                                                "keys",
                                                "layer_norm",
                                                "le",
                                                "leaky_relu",
                                                "leaky_relu_",
                                                "len",
                                                "lerp",
                                                "linear",
                                                "linspace",
                                                "list",
                                                "log",
                                                "log_softmax",
                                                "logsumexp",
                                                "lt",
                                                "masked_fill",
                                                "matmul",
                                                "max",
                                                "max_pool2d",
                                                "maximum",
                                                "mean",
                                                "min",
                                                "minimum",
                                                "mkldnn_convolution",
                                                "mm",
                                                "mul",
                                                "mul_",
                                                "narrow",
                                                "ne",
                                                "neg",
                                                "new_empty",
                                                "new_zeros",
                                                "norm",
                                                "normal",
                                                "normal_",
                                                "numel",
                                                "ones",
                                                "ones_like",
                                                "pad",
                                                "permute",
                                                "pixel_shuffle",
                                                "pop",
                                                "pow",
                                                "rand",
                                                "rand_like",
                                                "randn",
                                                "randn_like",
                                                "reciprocal",
                                                "relu",
                                                "relu_",
                                                "remainder",
                                                "repeat",
                                                "requires_grad_",
                                                "reshape",
                                                "roll",
                                                "round",
                                                "rsqrt",
                                                "scalar_tensor",
                                                "select",
                                                "set_grad_enabled",
                                                "sigmoid",
                                                "sign",
                                                "silu",
                                                "sin",
                                                "sinh",
                                                "size",
                                                "slice",
                                                "softmax",
                                                "softplus",
                                                "split",
                                                "sqrt",
                                                "square",
                                                "squeeze",
                                                "stack",
                                                "std",
                                                "str",
                                                "sub",
                                                "sub_",
                                                "sum",
                                                "t",
                                                "tanh",
                                                "tensor",
                                                "to",
                                                "transpose",
                                                "tril",
                                                "triu",
                                                "type_as",
                                                "unbind",
                                                "uniform_",
                                                "unsqueeze",
                                                "upsample_bilinear2d",
                                                "upsample_nearest2d",
                                                "values",
                                                "var",
                                                "view",
                                                "view_as",
                                                "warn",
                                                "where",
                                                "zero_",
                                                "zeros",
                                                "zeros_like"};
    return ops;
}

const std::set<std::string_view>& primOperations() {
    static const std::set<std::string_view> ops{
        "NumToTensor", "RaiseException", "abs",    "data", "device", "dtype",
        "is_cuda",     "is_quantized",   "layout", "max",  "min",    "unchecked_unwrap_optional"};
    return ops;
}

// Bare names that reach the process from TorchScript or that Python would use for that.
const std::set<std::string_view>& forbiddenNames() {
    static const std::set<std::string_view> names{
        "__import__", "_fork", "breakpoint", "compile", "eval", "exec", "fork", "import", "open"};
    return names;
}

bool isNameStart(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool isNameChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// The archive's modules: "__torch__.a.b" for code/__torch__/a/b.py, plus "MODULE.Class" for
// each `class Class` at the start of a line in it.
struct Modules {
    std::set<std::string> modules;
    std::set<std::string> classes;
};

Modules parseModuleList(const std::string& list) {
    Modules m;
    std::istringstream in(list);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        if (line.rfind("class ", 0) == 0)
            m.classes.insert(line.substr(6));
        else
            m.modules.insert(line);
    }
    return m;
}

// "__torch__.a.b.C[.x]": the longest module of the archive that is a whole prefix of the
// chain defines C (a class or a function at the start of a line).
bool namesArchiveModule(const std::string& chain, const Modules& m) {
    for (std::size_t dot = chain.rfind('.'); dot != std::string::npos && dot > 0;
         dot = chain.rfind('.', dot - 1)) {
        const std::string module = chain.substr(0, dot);
        if (!m.modules.count(module)) continue;
        const std::size_t end = chain.find('.', dot + 1);
        return m.classes.count(module + "." + chain.substr(dot + 1, end - dot - 1)) > 0;
    }
    return false;
}

std::string shown(std::string_view s) {
    std::string out = "'";
    for (char c : s.substr(0, 80)) out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
    return out + "'";
}

}  // namespace

std::string checkTorchScriptCode(const std::string& src, const std::string& fileName,
                                 const std::string& moduleList) {
    const Modules modules = parseModuleList(moduleList);
    const std::size_t n = src.size();
    int line = 1;
    auto at = [&](const std::string& what) {
        return fileName + " line " + std::to_string(line) + ": " + what;
    };
    auto skipSpace = [&](std::size_t i) {
        while (i < n) {
            if (src[i] == ' ' || src[i] == '\t') {
                ++i;
            } else if (src[i] == '\\' && i + 1 < n && src[i + 1] == '\n') {
                i += 2;
                ++line;
            } else {
                break;
            }
        }
        return i;
    };
    std::size_t i = 0;
    bool afterDot = false;  // the previous token was '.': a name here is an attribute
    while (i < n) {
        const char c = src[i];
        if (c == '\n') {
            ++line;
            ++i;
            afterDot = false;
            continue;
        }
        if (c == '#') {
            while (i < n && src[i] != '\n') ++i;
            continue;
        }
        if (c == '"' || c == '\'') {
            const bool triple = i + 2 < n && src[i + 1] == c && src[i + 2] == c;
            const std::size_t quote = triple ? 3 : 1;
            i += quote;
            for (;;) {
                if (i >= n) return at("unterminated string");
                if (src[i] == '\\') {
                    if (i + 1 < n && src[i + 1] == '\n') ++line;
                    i += 2;
                    continue;
                }
                if (src[i] == '\n') {
                    if (!triple) return at("line break in a string");
                    ++line;
                }
                if (src[i] == c && (!triple || (i + 2 < n && src[i + 1] == c && src[i + 2] == c))) {
                    i += quote;
                    break;
                }
                ++i;
            }
            afterDot = false;
            continue;
        }
        if (isNameStart(c)) {
            std::size_t end = i;
            while (end < n && isNameChar(src[end])) ++end;
            const std::string first = src.substr(i, end - i);
            if (end < n && (src[end] == '"' || src[end] == '\'')) {
                // A string prefix: f-strings would hide expressions; raw/bytes strings do not.
                if (first != "r" && first != "b" && first != "u" && first != "br" && first != "rb")
                    return at("string prefix " + shown(first));
                i = end;
                continue;
            }
            if (afterDot) {  // an attribute of an expression, e.g. (self).mapping
                i = end;
                afterDot = false;
                continue;
            }
            // A dotted chain NAME(.NAME)*, spaces allowed around the dots.
            std::string chain = first;
            std::size_t j = skipSpace(end);
            while (j < n && src[j] == '.') {
                const std::size_t k = skipSpace(j + 1);
                if (k >= n || !isNameStart(src[k])) break;
                std::size_t e = k;
                while (e < n && isNameChar(src[e])) ++e;
                chain += "." + src.substr(k, e - k);
                end = e;
                j = skipSpace(e);
            }
            const std::string root = chain.substr(0, chain.find('.'));
            if (forbiddenNames().count(root) && chain == root)
                return at("forbidden name " + shown(root));
            if (root == "torch") {
                const std::string op = chain.size() > 6 ? chain.substr(6) : std::string();
                if (op.empty()) return at("'torch' used as a value");
                if (!pureOperations().count(op)) return at("operation " + shown(chain));
            } else if (root == "ops") {
                const auto dot1 = chain.find('.');
                const auto dot2 = chain.find('.', dot1 + 1);
                if (dot1 == std::string::npos || dot2 == std::string::npos)
                    return at("'ops' used as a value");
                const std::string ns = chain.substr(dot1 + 1, dot2 - dot1 - 1);
                const std::string op = chain.substr(dot2 + 1);
                const bool ok = (ns == "prim" && primOperations().count(op)) ||
                                (ns == "aten" && pureOperations().count(op));
                if (!ok) return at("operation " + shown(chain));
            } else if (root == "__torch__") {
                if (chain == root && !modules.modules.count("__torch__"))
                    return at("'__torch__' used as a value");
                if (chain != root && !namesArchiveModule(chain, modules))
                    return at(shown(chain) + " is not code of this archive");
            }
            i = end;
            afterDot = false;
            continue;
        }
        if (std::isdigit(static_cast<unsigned char>(c))) {
            while (i < n && (isNameChar(src[i]) || src[i] == '.')) ++i;  // 1.5e-08, 0x1f
            afterDot = false;
            continue;
        }
        if (c == '.') {
            afterDot = true;
            ++i;
            continue;
        }
        if (static_cast<unsigned char>(c) >= 0x80 || (c < 0x20 && c != '\t' && c != '\r'))
            return at("byte " + std::to_string(static_cast<unsigned char>(c)) + " in the code");
        if (c != ' ' && c != '\t' && c != '\r') afterDot = false;
        ++i;
    }
    return {};
}

std::string checkTorchScriptPickle(const std::string& bytes, const std::string& fileName,
                                   const std::string& moduleList, int* globals) {
    const Modules modules = parseModuleList(moduleList);
    static const std::set<std::string> allowed{"torch._utils._rebuild_tensor_v2",
                                               "collections.OrderedDict",
                                               "torch.jit._pickle.build_intlist",
                                               "torch.jit._pickle.build_doublelist",
                                               "torch.jit._pickle.build_boollist",
                                               "torch.jit._pickle.build_tensorlist",
                                               "torch.jit._pickle.build_genericlist",
                                               "torch.jit._pickle.restore_type_tag",
                                               "torch.FloatStorage",
                                               "torch.DoubleStorage",
                                               "torch.HalfStorage",
                                               "torch.BFloat16Storage",
                                               "torch.LongStorage",
                                               "torch.IntStorage",
                                               "torch.ShortStorage",
                                               "torch.CharStorage",
                                               "torch.ByteStorage",
                                               "torch.BoolStorage"};
    const std::size_t n = bytes.size();
    std::size_t i = 0;
    auto at = [&](const std::string& what) {
        return fileName + " byte " + std::to_string(i) + ": " + what;
    };
    auto need = [&](std::size_t count) { return i + count <= n; };
    auto le = [&](std::size_t pos, int width) {
        std::uint64_t v = 0;
        for (int k = width - 1; k >= 0; --k)
            v = (v << 8) | static_cast<unsigned char>(bytes[pos + k]);
        return v;
    };
    auto line = [&]() -> std::string {  // a text argument up to '\n'
        const std::size_t e = bytes.find('\n', i);
        if (e == std::string::npos) return {};
        std::string s = bytes.substr(i, e - i);
        i = e + 1;
        return s;
    };
    int seen = 0;
    while (i < n) {
        const auto op = static_cast<unsigned char>(bytes[i]);
        const std::size_t opAt = i++;
        std::size_t skip = 0;         // fixed-size argument
        std::size_t lengthWidth = 0;  // length-prefixed argument
        switch (op) {
            case '.':
                if (globals) *globals = seen;
                if (opAt + 1 != n) {
                    i = opAt + 1;
                    return at("data after STOP");
                }
                return {};
            case '(':
            case '0':
            case '1':
            case '2':
            case 'N':
            case 'Q':
            case 'R':
            case 'a':
            case 'b':
            case 'd':
            case '}':
            case 'e':
            case 'l':
            case ']':
            case 's':
            case 't':
            case ')':
            case 'u':
            case 0x81:
            case 0x85:
            case 0x86:
            case 0x87:
            case 0x88:
            case 0x89:
            case 0x8f:
            case 0x90:
            case 0x91:
            case 0x94:
                break;
            case 'K':
            case 'h':
            case 'q':
            case 0x80:
                skip = 1;
                break;
            case 'M':
                skip = 2;
                break;
            case 'J':
            case 'j':
            case 'r':
                skip = 4;
                break;
            case 'G':
            case 0x95:
                skip = 8;
                break;
            case 'U':
            case 'C':
            case 0x8a:
            case 0x8c:
                lengthWidth = 1;
                break;
            case 'T':
            case 'X':
            case 'B':
            case 0x8b:
                lengthWidth = 4;
                break;
            case 0x8d:
            case 0x8e:
                lengthWidth = 8;
                break;
            case 'F':
            case 'I':
            case 'L':
            case 'S':
            case 'V':
            case 'g':
            case 'p': {
                const std::size_t before = i;
                line();
                if (i == before) return at("unterminated text argument");
                break;
            }
            case 'c': {
                const std::string module = line();
                const std::string name = line();
                if (module.empty() || name.empty()) return at("broken GLOBAL");
                ++seen;
                const std::string full = module + "." + name;
                const bool ok = allowed.count(full) ||
                                (module.rfind("__torch__", 0) == 0 &&
                                 modules.modules.count(module) && modules.classes.count(full));
                if (!ok) return at("GLOBAL " + shown(full));
                break;
            }
            default:
                i = opAt;
                return at("opcode " + std::to_string(op) +
                          " (INST, OBJ, EXT, STACK_GLOBAL, PERSID or unknown) is not accepted");
        }
        if (lengthWidth) {
            if (!need(lengthWidth)) return at("truncated length");
            const std::uint64_t length = le(i, static_cast<int>(lengthWidth));
            i += lengthWidth;
            if (length > n - i) return at("length " + std::to_string(length) + " past the end");
            i += static_cast<std::size_t>(length);
        } else if (skip) {
            if (!need(skip)) return at("truncated argument");
            i += skip;
        }
    }
    return at("no STOP");
}

namespace {

struct ZipCloser {
    void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
    void operator()(zip_file_t* f) const { zip_fclose(f); }
};

bool plainPart(std::string_view part) {
    if (part.empty() || part == "." || part == "..") return false;
    return std::all_of(part.begin(), part.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
    });
}

bool allDigits(std::string_view s) {
    return !s.empty() && s.size() <= 9 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

enum class Kind { Skip, Code, Pickle, Other };

// The entry's kind, or "" with a problem. `rest` is the name after the top-level folder.
Kind kindOf(const std::string& rest, std::string& problem) {
    if (rest == "data.pkl" || rest == "constants.pkl") return Kind::Pickle;
    if (rest == "version" || rest == "byteorder" || rest == ".data/version" ||
        rest == ".data/serialization_id" || rest == "extra/meta.json")
        return Kind::Other;
    if (rest.rfind("data/", 0) == 0 && allDigits(rest.substr(5))) return Kind::Skip;
    if (rest.rfind("code/__torch__", 0) == 0) {
        const auto ends = [&rest](std::string_view tail) {
            return rest.size() >= tail.size() &&
                   rest.compare(rest.size() - tail.size(), tail.size(), tail) == 0;
        };
        if (ends(".py.debug_pkl")) return Kind::Pickle;
        if (ends(".py")) return Kind::Code;
    }
    problem = "unexpected entry " + shown(rest);
    return Kind::Other;
}

}  // namespace

ArchiveCheck checkTorchScriptArchive(const std::string& path) {
    ArchiveCheck result;
    auto refuse = [&result](const std::string& problem) {
        result.problem = problem;
        return result;
    };
    std::error_code ec;
    const auto fileSize = std::filesystem::file_size(path, ec);
    if (ec) return refuse("cannot read the file (" + ec.message() + ")");

    int error = 0;
    std::unique_ptr<zip_t, ZipCloser> zip(
        zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error));
    if (!zip) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, error);
        std::string message = zip_error_strerror(&ze);
        zip_error_fini(&ze);
        if (error != ZIP_ER_NOZIP && error != ZIP_ER_OPEN && error != ZIP_ER_READ)
            return refuse("a broken zip (" + message + ")");
        result.notAnArchive = true;
        return refuse("not a TorchScript archive (zip: " + message + ")");
    }
    const zip_int64_t count = zip_get_num_entries(zip.get(), 0);
    if (count <= 0) return refuse("an empty archive");
    if (count > kMaxArchiveEntries)
        return refuse(std::to_string(count) + " entries (at most " +
                      std::to_string(kMaxArchiveEntries) + ")");
    result.entries = static_cast<int>(count);

    struct Entry {
        zip_uint64_t index;
        std::string rest;
        Kind kind;
        zip_uint64_t size;
    };
    std::vector<Entry> entries;
    std::string prefix;
    std::set<std::string> names;
    zip_uint64_t total = 0;
    std::string moduleList;
    for (zip_int64_t k = 0; k < count; ++k) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(zip.get(), static_cast<zip_uint64_t>(k), ZIP_FL_ENC_RAW, &st) != 0 ||
            !(st.valid & ZIP_STAT_NAME) || !(st.valid & ZIP_STAT_SIZE) ||
            !(st.valid & ZIP_STAT_COMP_SIZE) || !(st.valid & ZIP_STAT_COMP_METHOD))
            return refuse("entry " + std::to_string(k) + " cannot be read");
        const std::string name = st.name;
        // Plain relative names: parts of [A-Za-z0-9_.-], no "..", no empty part.
        std::vector<std::string_view> parts;
        for (std::size_t start = 0;;) {
            const std::size_t slash = name.find('/', start);
            parts.emplace_back(std::string_view(name).substr(start, slash - start));
            if (slash == std::string::npos) break;
            start = slash + 1;
        }
        if (parts.size() < 2 || !std::all_of(parts.begin(), parts.end(), plainPart))
            return refuse("entry name " + shown(name) + " is not a plain relative path");
        const std::string top(parts[0]);
        if (prefix.empty()) prefix = top;
        if (top != prefix)
            return refuse("entries under two top folders (" + shown(prefix) + ", " + shown(top) +
                          ")");
        if (!names.insert(name).second) return refuse("entry " + shown(name) + " twice");
        if (st.comp_size > fileSize || total + st.comp_size > fileSize)
            return refuse("entry " + shown(name) + " declares " + std::to_string(st.comp_size) +
                          " bytes, more than the file holds");
        if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
            return refuse("entry " + shown(name) + " is encrypted");
        total += st.comp_size;
        const std::string rest = name.substr(prefix.size() + 1);
        std::string problem;
        const Kind kind = kindOf(rest, problem);
        if (!problem.empty()) return refuse(problem);
        // Tensor bytes are stored as they are; code, pickles and metadata may be deflated
        // (TorchScript compresses its code), within their size limits and deflate's ratio.
        const bool stored = st.comp_method == ZIP_CM_STORE && st.size == st.comp_size;
        const std::int64_t limit = kind == Kind::Code     ? kMaxCodeBytes
                                   : kind == Kind::Pickle ? kMaxPickleBytes
                                   : kind == Kind::Skip   ? static_cast<std::int64_t>(fileSize)
                                                          : kMaxCodeBytes;
        if (!stored && (kind == Kind::Skip || st.comp_method != ZIP_CM_DEFLATE))
            return refuse("entry " + shown(name) + " is compressed (tensor data is stored)");
        if (static_cast<std::int64_t>(st.size) > limit)
            return refuse("entry " + shown(name) + " declares " + std::to_string(st.size) +
                          " bytes (at most " + std::to_string(limit) + ")");
        if (!stored && st.size > 1032 * st.comp_size + 64)
            return refuse("entry " + shown(name) + " declares " + std::to_string(st.size) +
                          " bytes from " + std::to_string(st.comp_size) + " compressed");
        if (kind == Kind::Code) {
            // code/__torch__/a/b.py -> module __torch__.a.b
            std::string module = rest.substr(5, rest.size() - 5 - 3);
            std::replace(module.begin(), module.end(), '/', '.');
            moduleList += module + "\n";
        }
        entries.push_back({static_cast<zip_uint64_t>(k), rest, kind, st.size});
    }
    if (!names.count(prefix + "/data.pkl")) return refuse("no data.pkl");

    auto read = [&zip](const Entry& e, std::string& out) {
        std::unique_ptr<zip_file_t, ZipFileCloser> f(zip_fopen_index(zip.get(), e.index, 0));
        if (!f) return false;
        out.resize(e.size);
        zip_uint64_t got = 0;
        while (got < e.size) {
            const zip_int64_t r = zip_fread(f.get(), out.data() + got, e.size - got);
            if (r <= 0) return false;
            got += static_cast<zip_uint64_t>(r);
        }
        return true;
    };

    // The code first: it defines the classes the pickles may name.
    std::vector<std::pair<const Entry*, std::string>> code;
    for (const Entry& e : entries) {
        if (e.kind != Kind::Code) continue;
        if (static_cast<std::int64_t>(e.size) > kMaxCodeBytes)
            return refuse(e.rest + ": " + std::to_string(e.size) + " bytes of code");
        std::string text;
        if (!read(e, text)) return refuse(e.rest + " cannot be read");
        std::string module = e.rest.substr(5, e.rest.size() - 5 - 3);
        std::replace(module.begin(), module.end(), '/', '.');
        std::istringstream in(text);
        std::string line;
        while (std::getline(in, line)) {
            const std::size_t start = line.rfind("class ", 0) == 0 ? 6
                                      : line.rfind("def ", 0) == 0 ? 4
                                                                   : 0;
            if (start == 0) continue;
            std::size_t end = start;
            while (end < line.size() && isNameChar(line[end])) ++end;
            moduleList += "class " + module + "." + line.substr(start, end - start) + "\n";
        }
        code.emplace_back(&e, std::move(text));
    }
    std::set<std::string> operations;
    for (const auto& [e, text] : code) {
        std::string problem = checkTorchScriptCode(text, e->rest, moduleList);
        if (!problem.empty()) return refuse(problem);
        ++result.codeFiles;
        // Count the distinct operations named (for the log line).
        for (std::size_t p = text.find("torch."); p != std::string::npos;
             p = text.find("torch.", p + 6)) {
            if (p > 0 && (isNameChar(text[p - 1]) || text[p - 1] == '.')) continue;
            std::size_t end = p + 6;
            while (end < text.size() && isNameChar(text[end])) ++end;
            operations.insert(text.substr(p, end - p));
        }
    }
    result.operations = static_cast<int>(operations.size());
    for (const Entry& e : entries) {
        if (e.kind != Kind::Pickle) continue;
        if (static_cast<std::int64_t>(e.size) > kMaxPickleBytes)
            return refuse(e.rest + ": " + std::to_string(e.size) + " bytes of pickle");
        std::string bytes;
        if (!read(e, bytes)) return refuse(e.rest + " cannot be read");
        int globals = 0;
        std::string problem = checkTorchScriptPickle(bytes, e.rest, moduleList, &globals);
        if (!problem.empty()) return refuse(problem);
        result.globals += globals;
    }
    return result;
}

}  // namespace autolume::model
