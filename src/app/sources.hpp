// Chooses the live audio source from the options, falling back to the demo music with a
// clear message when the asked-for file or device cannot be used.
#pragma once

#include <memory>
#include <string>

#include "autolume/audio/audio_source.hpp"
#include "options.hpp"

namespace autolume::app {

struct OpenedSource {
    std::unique_ptr<audio::AudioSource> source;
    std::string error;  // why the asked-for source is not the one playing, or empty
};

OpenedSource openSource(const LiveOptions& options);

}  // namespace autolume::app
