// The model file check: a TorchScript archive (.pt) is read as data and checked before
// torch::jit::load sees it, because loading runs the archive's code (`__setstate__` of every
// object while unpickling, then the methods we call). Only what the project's exporters write
// is accepted:
//
//   - the zip: every entry stored (no compression, as TorchScript writes), under one top-level
//     folder, names of plain ASCII path parts (no "..", no absolute or empty parts), declared
//     sizes that fit inside the file, at most kMaxEntries entries, and only these entries:
//     data.pkl, constants.pkl, version, byteorder, .data/version, .data/serialization_id,
//     data/N (tensor bytes), code/__torch__[/...].py and their .py.debug_pkl, extra/meta.json;
//   - the code (a Python subset): every `torch.X` and `ops.NS.X` it names is in an allow-list
//     of pure tensor and scalar operations (nothing that reads or writes files, opens sockets,
//     starts processes, loads libraries or forks tasks: no torch.save, torch.load,
//     torch.from_file, torch.ops.*, torch.classes.*, fork); every `__torch__.M.N` names a
//     module file of the archive; no `import`;
//   - the pickles (data.pkl, constants.pkl, the debug pickles): a walk over their opcodes
//     (protocol 2, as TorchScript writes), where every GLOBAL is one the TorchScript unpickler
//     uses for tensors and lists, or a class defined in the archive's own code.
//
// What is trusted after the check: LibTorch's own parsing of what passed (the TorchScript
// compiler and unpickler) and the allow-listed operations. What is not: anything else in the
// file.
//
// Thread contract: pure function, any thread.
#pragma once

#include <cstdint>
#include <string>

namespace autolume::model {

inline constexpr std::int64_t kMaxArchiveEntries = 100'000;
inline constexpr std::int64_t kMaxCodeBytes = 16 << 20;     // one code file
inline constexpr std::int64_t kMaxPickleBytes = 256 << 20;  // data.pkl and friends

struct ArchiveCheck {
    std::string problem;  // empty: accepted; else what was found, for "model 'PATH': ..."
    int entries = 0;
    int codeFiles = 0;
    int operations = 0;         // distinct torch/ops names seen in the code
    int globals = 0;            // GLOBAL opcodes seen in the pickles
    bool notAnArchive = false;  // not a zip at all (a pickle, text, a truncated download)
    bool ok() const { return problem.empty(); }
    // "refused: PROBLEM" or, for a file that is no archive, "not a TorchScript archive (...)".
    std::string message() const { return notAnArchive ? problem : "refused: " + problem; }
};

// Reads the file at `path` (never writes, never runs anything from it).
ArchiveCheck checkTorchScriptArchive(const std::string& path);

// The code check alone, for one code file's text (tests, fuzzing). `modules` lists the
// archive's module names ("__torch__", "__torch__.autolume_model.networks", ...).
std::string checkTorchScriptCode(const std::string& source, const std::string& fileName,
                                 const std::string& moduleList);

// The pickle walk alone. `modules` as above (newline-separated).
std::string checkTorchScriptPickle(const std::string& bytes, const std::string& fileName,
                                   const std::string& moduleList, int* globals = nullptr);

}  // namespace autolume::model
