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
#include "autolume/features/analyzer.hpp"
#include "autolume/features/stem_analyzer.hpp"
#include "autolume/model/ganspace.hpp"
#include "autolume/model/generator.hpp"
#include "control_session.hpp"
#include "frame_latents.hpp"

namespace autolume::app {

// A stem: `name` and the audio it is, a file (all its channels mixed) or some channels of one
// ("vocals=song.wav@1,2": a multichannel file with named channel groups).
struct StemSpec {
    std::string name;
    std::string path;
    std::string channels;  // 1-based list; empty: every channel, mixed
};
// "NAME=FILE" or "NAME=FILE@LIST". Throws std::invalid_argument quoting `text`.
StemSpec parseStem(const std::string& text);

// One stem read and analysed hop by hop beside the song (the same rate and hop; zeros after
// its end, so a shorter stem falls silent).
class StemFeed {
  public:
    // Throws std::runtime_error naming the file (unreadable, another sample rate, a channel it
    // does not have).
    StemFeed(const StemSpec& spec, const features::AnalyzerConfig& config);
    const std::string& name() const noexcept { return m_name; }
    const features::FeatureFrame& next();  // the next hop's features

  private:
    std::string m_name;
    std::unique_ptr<audio::AudioFileReader> m_reader;
    std::unique_ptr<audio::ChannelRouter> m_router;
    std::unique_ptr<features::Analyzer> m_analyzer;
    std::vector<float> m_raw, m_mono;
};

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
    // Stems: their features modulate what the parameter file maps to "<name>.<feature>";
    // read hop by hop with `analysis` (the song's rate and hop).
    std::vector<StemSpec> stems;
    features::AnalyzerConfig analysis;
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

    std::vector<std::unique_ptr<StemFeed>> m_stems;
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
