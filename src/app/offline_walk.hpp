// The live latent walk run offline over an audio file, shared by `autolume analyze --latents`
// (the ws of every video frame into a .npy) and `autolume render` (every frame drawn and
// encoded): one code path, so both give what the live app would have drawn for that music.
//
//   AudioFileReader -> ChannelRouter -> StemAnalyzer  (analyzeFile: hop by hop)
//     -> ControlSession::step -> ControlFrame          (OfflineWalk::hop)
//     -> FrameLatents::compose + truncation -> ws      (one WalkFrame per video frame)
//
// Video frame i shows time i / fps: it is made at the first hop whose last sample reaches that
// time (as `analyze --latents` always did), and the frames after the last whole hop come from
// finish() up to the audio's end: ceil(duration * fps) frames in all.
//
// Thread contract: one thread (the command's).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "autolume/audio/audio_file_reader.hpp"
#include "autolume/audio/channel_router.hpp"
#include "autolume/control/control_frame.hpp"
#include "autolume/control/parameters.hpp"
#include "autolume/features/stem_analyzer.hpp"
#include "autolume/model/ganspace.hpp"
#include "autolume/model/generator.hpp"
#include "control_session.hpp"
#include "frame_latents.hpp"

namespace autolume::app {

struct WalkOptions {
    std::string model;  // empty: the shipped default
    double fps = 30.0;
    std::uint64_t seed = 0;
    std::string params;  // parameter file (as live --params saves it)
    std::string keyframes;
    std::string keyframeTiming = "free";
    std::string transition = "linear";
    std::string presets;  // preset folder root (p<N> keyframes)
    // The post chain's parameters (render: stageParamSpecs(), so a file's post.* values and
    // their audio modulation apply); empty: none.
    std::vector<control::ParamSpec> stageParams;
    // Silence holds the picture: walk.base_speed 0 unless the parameter file sets it (render).
    bool stillInSilence = false;
};

struct WalkFrame {
    std::int64_t index = 0;
    double timeSec = 0.0;  // index / fps
    const control::ControlFrame* control = nullptr;
    const float* ws = nullptr;  // [numWs * wDim], GANSpace offsets and truncation applied
    const ControlSnapshot* snapshot = nullptr;  // with stageParams: this hop's music and stage
};

class OfflineWalk {
  public:
    using Sink = std::function<void(const WalkFrame&)>;

    // Throws std::invalid_argument for a bad option (usage) and std::runtime_error /
    // model::ModelError for files that cannot be used (one line naming the file).
    explicit OfflineWalk(const WalkOptions& options);

    // One analysed hop of dtSec; gives `sink` every video frame whose time it reached.
    void hop(const features::FeatureFrame& f, double dtSec, const Sink& sink);
    // The frames after the last whole hop, up to the end of the audio.
    void finish(double durationSec, const Sink& sink);

    model::Generator& generator() noexcept { return *m_generator; }
    const model::ModelInfo& info() const noexcept { return m_info; }
    std::int64_t frames() const noexcept { return m_frames; }
    // Synthesis options of the frame just given to the sink (valid until the next frame).
    model::SynthesisOptions synthesisOptions(const control::ControlFrame& frame, int resolution) {
        return m_latents.synthesisOptions(frame, m_info, resolution);
    }

  private:
    void emit(const Sink& sink);

    double m_fps;
    bool m_stage;
    std::unique_ptr<model::Generator> m_generator;
    model::ModelInfo m_info;
    std::unique_ptr<ControlSession> m_session;
    control::ControlFrame m_frame;
    ControlSnapshot m_snapshot;
    FrameLatents m_latents;
    std::vector<float> m_blended, m_ws;
    bool m_needGanSpace = false;
    model::GanSpace m_ganSpace;
    std::int64_t m_frames = 0;
};

// Reads `reader` to its end through `router` and `analyzer`, `hop` frames at a time: onAudio
// gets every block of source frames as read (interleaved, reader->channels()), onHop every
// analysed hop (one FeatureFrame per stem). Returns the frames read. Throws what the reader
// and the callbacks throw.
std::uint64_t analyzeFile(audio::AudioFileReader& reader, audio::ChannelRouter& router,
                          features::StemAnalyzer& analyzer, int hop,
                          const std::function<void(std::span<const features::FeatureFrame>)>& onHop,
                          const std::function<void(const float*, std::size_t)>& onAudio = {});

}  // namespace autolume::app
