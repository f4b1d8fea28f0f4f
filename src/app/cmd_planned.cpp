#include <cstdio>
#include <string>

#include "commands.hpp"

namespace autolume::app {

Command addPlanned(CLI::App& app, const char* name, const char* what) {
    Command command;
    command.cli = app.add_subcommand(name, std::string(what) + " (not built yet)");
    command.cli->allow_extras();
    const std::string label = name;
    command.run = [label] {
        std::fprintf(stderr, "autolume: '%s' is not built yet in this version\n", label.c_str());
        return 2;
    };
    return command;
}

}  // namespace autolume::app
