// Live mode in a build without the windowed app (AUTOLUME_BUILD_APP=OFF, e.g. a headless
// GPU machine): the other subcommands work, live mode says why it cannot run.
#include <spdlog/spdlog.h>

#include "options.hpp"

namespace autolume::app {

int runLive(const LiveOptions&) {
    spdlog::error(
        "this build has no window support (built with AUTOLUME_BUILD_APP=OFF); "
        "rebuild with -DAUTOLUME_BUILD_APP=ON for live mode");
    return 1;
}

}  // namespace autolume::app
