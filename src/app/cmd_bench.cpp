// `autolume bench`: not built yet.
#include "commands.hpp"

namespace autolume::app {

Command addBench(CLI::App& app) {
    return addPlanned(app, "bench", "per-stage timings: bench [-m M]");
}

}  // namespace autolume::app
