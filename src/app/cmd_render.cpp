// `autolume render`: not built yet.
#include "commands.hpp"

namespace autolume::app {

Command addRender(CLI::App& app) {
    return addPlanned(app, "render", "offline music video: render AUDIO -m M -o video.mp4");
}

}  // namespace autolume::app
