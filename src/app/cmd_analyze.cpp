// `autolume analyze`: not built yet.
#include "commands.hpp"

namespace autolume::app {

Command addAnalyze(CLI::App& app) {
    return addPlanned(app, "analyze", "feature dump per hop: analyze AUDIO -o features.csv");
}

}  // namespace autolume::app
