// `autolume generate`: not built yet.
#include "commands.hpp"

namespace autolume::app {

Command addGenerate(CLI::App& app) {
    return addPlanned(app, "generate", "stills from seeds: generate -m M --seeds 0-7 --outdir D");
}

}  // namespace autolume::app
