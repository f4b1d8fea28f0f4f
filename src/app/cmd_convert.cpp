// `autolume convert IN.pkl OUT.pt`: official StyleGAN2-ADA snapshot -> model contract archive.
// The work is done by tools/convert.py (Python with torch: the converter scripts the project's
// generator with TorchScript, which LibTorch cannot do from C++). This runs it directly with
// posix_spawn, no shell, so file names reach it unchanged, and passes its exit status on.
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"

extern char** environ;

namespace autolume::app {

namespace {

constexpr const char* kPython = AUTOLUME_PYTHON;
constexpr const char* kConverter = AUTOLUME_TOOLS_DIR "/convert.py";
// The tools live in the source tree: keep it free of __pycache__ folders.
constexpr const char* kNoBytecode = "PYTHONDONTWRITEBYTECODE=1";

// Runs argv[0] with argv, waits, returns its exit status (1 if it could not run or died).
int runAndWait(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (char** e = environ; *e; ++e) envp.push_back(*e);
    envp.push_back(const_cast<char*>(kNoBytecode));
    envp.push_back(nullptr);

    pid_t pid = 0;
    const int err = posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), envp.data());
    if (err != 0) {
        std::fprintf(stderr, "autolume convert: cannot run '%s': %s\n", argv[0],
                     std::strerror(err));
        return 1;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            std::fprintf(stderr, "autolume convert: waiting for '%s' failed: %s\n", argv[0],
                         std::strerror(errno));
            return 1;
        }
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        std::fprintf(stderr, "autolume convert: the converter was killed by signal %d\n",
                     WTERMSIG(status));
    return 1;
}

}  // namespace

Command addConvert(CLI::App& app) {
    auto input = std::make_shared<std::string>();
    auto output = std::make_shared<std::string>();
    Command command;
    command.cli = app.add_subcommand(
        "convert", "convert an official StyleGAN2-ADA snapshot (.pkl) into a model (.pt)");
    command.cli->add_option("input", *input, "IN.pkl: official snapshot (nothing in it is run)")
        ->required();
    command.cli->add_option("output", *output, "OUT.pt: model to write")->required();
    command.run = [input, output] { return runAndWait({kPython, kConverter, *input, *output}); };
    return command;
}

}  // namespace autolume::app
