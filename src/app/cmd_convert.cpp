// `autolume convert`: not built yet.
#include "commands.hpp"

namespace autolume::app {

Command addConvert(CLI::App& app) {
    return addPlanned(app, "convert",
                      "convert an official StyleGAN2-ADA pickle: convert IN.pkl OUT.pt");
}

}  // namespace autolume::app
