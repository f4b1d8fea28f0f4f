// Subcommands of `autolume`. Each lives in its own cmd_<name>.cpp: add<Name>() declares the
// subcommand and its options on `app` and returns the function that runs it once parsed.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace autolume::app {

struct Command {
    CLI::App* cli = nullptr;
    std::function<int()> run;  // returns the exit code: 0 ok, 2 usage, 1 other failure
};

Command addConvert(CLI::App& app);
Command addGenerate(CLI::App& app);
Command addAnalyze(CLI::App& app);
Command addRender(CLI::App& app);
Command addBench(CLI::App& app);
Command addDevices(CLI::App& app);

}  // namespace autolume::app
