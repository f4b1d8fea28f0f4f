// The live engine without a window: analysis/control thread and inference thread, wired
// with lock-free slots as in docs/ARCHITECTURE.md.
//
//   audio source --SampleRing--> analysis+control --LatestValue<ControlFrame>--> inference
//   --LatestValue<VideoFrame>--> main thread (render)        main --ReaderWriterQueue--> control
//
// Models switch live: requestModel() loads on the model loader's thread while the old model
// keeps rendering; the inference thread swaps the new one in between two frames (the video
// frame size follows the model), and a model that fails to load changes nothing.
//
// Thread contract: construct, start(), stop() and every public method from the main thread.
// The worker threads never throw out of their loops and never wait for the main thread.
#pragma once

#include <readerwriterqueue/readerwriterqueue.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "autolume/audio/audio_source.hpp"
#include "autolume/control/control_frame.hpp"
#include "autolume/control/random_walk.hpp"
#include "autolume/features/analyzer.hpp"
#include "autolume/model/generator.hpp"
#include "autolume/model/model_loader.hpp"
#include "autolume/util/latest_value.hpp"

namespace autolume::app {

struct VideoFrame {
    std::uint64_t seq = 0;  // ControlFrame it was made from
    double audioTimeSec = 0.0;
    std::int64_t audioWallNs = 0;  // steady clock: its audio reached us
    std::int64_t doneWallNs = 0;   // steady clock: the generator finished
    double lastOnsetSec = -1.0;    // audio time of the newest onset it reflects
    float generatorMs = 0.0f;
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> rgba;
};

enum class Param : std::uint8_t { Psi, NoiseGain, LevelSpeed, ChangeSpeed, OnsetKick };

struct ParamChange {
    Param param;
    float value;
};

struct EngineConfig {
    int hopSize = 512;
    int fftSize = 2048;
    std::uint64_t seed = 0;
    float psi = 1.0f;
    float noiseGain = 1.0f;
    control::RandomWalkConfig walk;  // zDim and seed are filled from the model and `seed`
    model::DevicePreference device = model::DevicePreference::Auto;  // for models loaded live
    bool ganSpace = true;  // compute (or read the cached) GANSpace of each model, in background
};

// Latest values for the UI, written by the workers with relaxed atomics.
struct EngineStats {
    std::atomic<float> level{0.0f};
    std::atomic<float> levelDb{-120.0f};
    std::atomic<float> onsetStrength{0.0f};
    std::atomic<bool> onset{false};
    std::atomic<float> walkSpeed{0.0f};
    std::atomic<std::uint64_t> hops{0};
    std::atomic<std::uint64_t> frames{0};
    std::atomic<std::uint64_t> generatorErrors{0};
    std::atomic<std::uint64_t> modelSwitches{0};
    std::atomic<std::uint64_t> skippedControlFrames{0};  // made for another model's z_dim
};

class Engine {
  public:
    Engine(std::unique_ptr<model::Generator> generator, audio::AudioSource& source,
           audio::SampleRing& ring, const EngineConfig& config);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    void start();
    void stop();

    // Main thread: takes the newest generated frame, if a new one is ready.
    bool fetchFrame() { return m_frames.fetch(); }
    const VideoFrame& frame() const { return m_frames.front(); }

    // Main thread: a parameter change for the control thread (never blocks; drops if full).
    void send(Param param, float value) { m_paramQueue.try_enqueue({param, value}); }

    const EngineStats& stats() const { return m_stats; }
    std::string lastGeneratorError() const;

    // Loads `path` in the background and switches to it when ready (latest request wins).
    void requestModel(const std::string& path) { m_loader.request(path); }
    bool modelLoading() const { return m_loader.loading(); }
    // Load results (one line naming the file on failure) and GANSpace results, in order.
    bool pollModelEvent(model::ModelEvent& event) { return m_loader.pollEvent(event); }
    // The running model: its info changes when modelSwitches (stats) does.
    model::ModelInfo modelInfo() const;
    // Early exit for weak hardware: frames at the largest block resolution <= px (0: full).
    void setOutputResolution(int px) { m_outputResolution.store(px, std::memory_order_relaxed); }

  private:
    void analysisLoop() noexcept;
    void inferenceLoop() noexcept;
    void applyParam(const ParamChange& change) noexcept;
    void adoptModel(std::unique_ptr<model::Generator> next) noexcept;
    int outputResolutionFor(const model::ModelInfo& info) const noexcept;

    std::unique_ptr<model::Generator> m_generator;  // the inference thread's, once started
    audio::AudioSource& m_source;
    audio::SampleRing& m_ring;
    EngineConfig m_config;

    util::LatestValue<control::ControlFrame> m_controls;
    util::LatestValue<VideoFrame> m_frames;
    moodycamel::ReaderWriterQueue<ParamChange> m_paramQueue{256};
    std::atomic<std::uint64_t> m_controlSeq{0};  // bumped (and notified) on each publish
    std::atomic<bool> m_running{false};
    std::atomic<int> m_activeZDim;  // the running model's, for the analysis thread
    std::atomic<int> m_outputResolution{0};
    std::vector<model::LayerBend> m_bends;  // inference thread: per-layer bends of one frame
    EngineStats m_stats;
    std::thread m_analysisThread;
    std::thread m_inferenceThread;

    // Written by the inference thread on a failed frame (rare), read by the UI.
    mutable std::mutex m_errorMutex;
    std::string m_lastError;
    // Written by the inference thread on a switch (rare), read by the UI.
    mutable std::mutex m_infoMutex;
    model::ModelInfo m_modelInfo;

    // Last: its thread starts at construction and calls back into m_controlSeq.
    model::ModelLoader m_loader;
};

// Steady-clock nanoseconds (the engine's one time base).
std::int64_t nowNs() noexcept;

}  // namespace autolume::app
