// Fuzz target: the model file check (archive_check.hpp), the gate before LibTorch runs anything
// from a .pt file. A zip ("PK\3\4...") goes through checkTorchScriptArchive from an in-memory
// file: entry names, sizes, compression, then the code and pickle checks on what it reads.
// Anything else is given to the two inner checks directly, as a code file and as a pickle,
// with the module list of the shipped model: inside a zip, libzip's CRC check stops most
// mutations before they reach them.
//
// Refusals are fine (a one-line problem). Findings: a sanitizer report, any exception (the
// check is a pure function that reports, never throws), a multi-line problem, an accepted
// archive without entries or data.pkl's walk.
#include <cstring>
#include <string>

#include "autolume/model/archive_check.hpp"
#include "fuzz_support.hpp"

namespace {

using autolume::fuzz::check;

// The modules and classes of models/default.pt, as checkTorchScriptArchive lists them.
const std::string kModules =
    "__torch__.autolume_model.networks\n"
    "__torch__.torch.autograd.grad_mode\n"
    "__torch__.torch.nn.functional\n"
    "__torch__.torch.nn.modules.container\n"
    "__torch__.torch.nn.modules.container.___torch_mangle_0\n"
    "class __torch__.autolume_model.networks.ContractGenerator\n"
    "class __torch__.autolume_model.networks.FullyConnectedLayer\n"
    "class __torch__.autolume_model.networks.SynthesisBlock\n"
    "class __torch__.autolume_model.networks.SynthesisInputBlock\n"
    "class __torch__.autolume_model.networks.SynthesisLayer\n"
    "class __torch__.autolume_model.networks.ToRGBLayer\n"
    "class __torch__.autolume_model.networks.modulated_conv2d\n"
    "class __torch__.autolume_model.networks.upsample_2d\n"
    "class __torch__.torch.autograd.grad_mode.no_grad\n"
    "class __torch__.torch.nn.functional.leaky_relu\n"
    "class __torch__.torch.nn.modules.container.ModuleList\n"
    "class __torch__.torch.nn.modules.container.___torch_mangle_0.ModuleList\n";

void checkProblem(const char* what, const std::string& problem) {
    if (!problem.empty()) autolume::fuzz::checkOneLine(what, problem);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        if (size >= 4 && std::memcmp(data, "PK\3\4", 4) == 0) {
            static autolume::fuzz::MemFile file("fuzz_archive");
            const auto result = autolume::model::checkTorchScriptArchive(file.write(data, size));
            checkProblem("checkTorchScriptArchive", result.problem);
            if (result.ok())
                check(result.entries > 0 && result.codeFiles >= 0 && result.globals >= 0,
                      "accepted archive counts");
            return 0;
        }
        const std::string bytes(reinterpret_cast<const char*>(data), size);
        checkProblem("checkTorchScriptCode",
                     autolume::model::checkTorchScriptCode(bytes, "code/fuzz.py", kModules));
        int globals = -1;
        const std::string problem =
            autolume::model::checkTorchScriptPickle(bytes, "data.pkl", kModules, &globals);
        checkProblem("checkTorchScriptPickle", problem);
        if (problem.empty()) check(globals >= 0, "accepted pickle without a global count");
    } catch (const std::exception& e) {
        autolume::fuzz::undocumented("the archive check", e);
    }
    return 0;
}
