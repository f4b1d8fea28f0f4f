// The live engine without a window: analysis/control thread and inference thread, wired
// with lock-free slots as in docs/ARCHITECTURE.md.
//
//   audio source --SampleRing--> analysis+control --LatestValue<ControlFrame>--> inference
//   --LatestValue<VideoFrame>--> main thread (render)
//   main --ControlMessage--> control --ControlEvent, LatestValue<ControlSnapshot>--> main
//   MIDI (RtMidi thread) --SPSC--> control (midi::MidiDevice)
//
// Models switch live: requestModel() loads on the model loader's thread while the old model
// keeps rendering; the inference thread swaps the new one in between two frames (the video
// frame size follows the model), and a model that fails to load changes nothing.
//
// Thread contract: construct, start(), stop() and every public method from the main thread.
// The worker threads never throw out of their loops and never wait for the main thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "autolume/audio/audio_source.hpp"
#include "autolume/control/control_frame.hpp"
#include "autolume/features/analyzer.hpp"
#include "autolume/midi/midi_device.hpp"
#include "autolume/model/generator.hpp"
#include "autolume/model/model_loader.hpp"
#include "autolume/util/latest_value.hpp"
#include "autolume/util/reader_writer_queue.hpp"
#include "control_session.hpp"
#include "frame_latents.hpp"

namespace autolume::app {

struct VideoFrame {
    std::uint64_t seq = 0;  // ControlFrame it was made from
    double audioTimeSec = 0.0;
    std::int64_t audioWallNs = 0;  // steady clock: its audio reached us
    std::int64_t doneWallNs = 0;   // steady clock: the generator finished
    double lastOnsetSec = -1.0;    // audio time of the newest onset it reflects
    std::int64_t midiWallNs = 0;   // steady clock: the newest MIDI message it reflects arrived
    float generatorMs = 0.0f;
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> rgba;
    // The latents it shows before GANSpace offsets and truncation (control/ws_compose.hpp):
    // what a preset stores, so recalling it with the same faders shows the same picture.
    int numWs = 0;
    int wDim = 0;
    std::vector<float> ws;  // [numWs * wDim]
};

struct EngineConfig {
    int hopSize = 512;
    int fftSize = 2048;
    std::uint64_t seed = 0;
    model::DevicePreference device = model::DevicePreference::Auto;  // for models loaded live
    bool ganSpace = true;  // compute (or read the cached) GANSpace of each model, in background
    // The control session's start (shape and events are filled by the engine).
    ControlSessionConfig control;
    std::optional<midi::MidiDeviceConfig> midi;  // set (with control.midiProfile): MIDI on
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
    std::atomic<std::uint64_t> skippedControlFrames{0};  // made for another model's shape
    std::atomic<std::uint64_t> ganSpaceFrames{0};        // drawn with GANSpace directions
    std::atomic<std::uint64_t> messagesDropped{0};       // main -> control queue full (a bug)
};

// The controller's shape for a model.
control::LatentShape latentShape(const model::ModelInfo& info);

class Engine {
  public:
    // Throws std::invalid_argument for initial parameters or keyframes that do not fit.
    Engine(std::unique_ptr<model::Generator> generator, audio::AudioSource& source,
           audio::SampleRing& ring, EngineConfig config);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    void start();
    void stop();

    // Main thread: takes the newest generated frame, if a new one is ready.
    bool fetchFrame() { return m_frames.fetch(); }
    const VideoFrame& frame() const { return m_frames.front(); }

    // Main thread: a message for the control thread (never blocks; dropped and counted if the
    // queue is full, which 256 waiting messages never are at UI rates: a bug in a debug build).
    bool send(ControlMessage message);
    // Main thread: what the control thread asks (MIDI preset buttons, learned maps).
    bool pollEvent(ControlEvent& event) { return m_events.try_dequeue(event); }
    // Main thread: the newest parameter values, slots and MIDI counters.
    bool fetchSnapshot() { return m_snapshots.fetch(); }
    const ControlSnapshot& snapshot() const { return m_snapshots.front(); }
    // One line: "MIDI off", "MIDI (JACK) in: ... out: ..." (locks; not per frame).
    std::string midiStatus() const;
    bool midiOn() const { return m_midi != nullptr; }
    // MIDI messages lost to full queues: input (controller -> app), output (LEDs).
    std::uint64_t midiInputDropped() const;
    std::uint64_t midiOutputDropped() const;

    const EngineStats& stats() const { return m_stats; }
    // The stage's parameters (post chain), registered after the controller's.
    const std::vector<control::ParamSpec>& stageParams() const {
        return m_config.control.stageParams;
    }
    std::string lastGeneratorError() const;

    // Loads `path` in the background and switches to it when ready (latest request wins).
    void requestModel(const std::string& path) { m_loader.request(path); }
    bool modelLoading() const { return m_loader.loading(); }
    // Load results (one line naming the file on failure) and GANSpace results, in order. A
    // GANSpace result is also handed to the inference thread, for the model it belongs to.
    bool pollModelEvent(model::ModelEvent& event);
    // The running model: its info changes when modelSwitches (stats) does.
    model::ModelInfo modelInfo() const;
    // Early exit for weak hardware: frames at the largest block resolution <= px (0: full).
    void setOutputResolution(int px) { m_outputResolution.store(px, std::memory_order_relaxed); }
    // Generates at most `fps` frames per second (frames the display never shows cost CPU the
    // other threads need, at the price of some latency: docs/BENCHMARKS.md); 0 or less: one
    // frame per control hop.
    void setMaxFps(double fps) {
        m_minFramePeriodNs.store(fps > 0 ? static_cast<std::int64_t>(1e9 / fps) : 0,
                                 std::memory_order_relaxed);
    }

  private:
    void analysisLoop() noexcept;
    void inferenceLoop() noexcept;
    void adoptModel(std::unique_ptr<model::Generator> next) noexcept;
    int outputResolutionFor(const model::ModelInfo& info) const noexcept;
    void takeGanSpace() noexcept;

    std::unique_ptr<model::Generator> m_generator;  // the inference thread's, once started
    audio::AudioSource& m_source;
    audio::SampleRing& m_ring;
    EngineConfig m_config;

    ControlEventQueue m_events{256};
    ControlSession m_session;  // the control thread's, once started
    std::unique_ptr<midi::MidiDevice> m_midi;
    util::LatestValue<control::ControlFrame> m_controls;
    util::LatestValue<VideoFrame> m_frames;
    util::LatestValue<ControlSnapshot> m_snapshots;
    moodycamel::ReaderWriterQueue<ControlMessage> m_messages{256};
    std::atomic<std::uint64_t> m_controlSeq{0};  // bumped (and notified) on each publish
    std::atomic<bool> m_running{false};
    std::atomic<int> m_outputResolution{0};
    std::atomic<std::int64_t> m_minFramePeriodNs{0};
    EngineStats m_stats;
    std::thread m_analysisThread;
    std::thread m_inferenceThread;

    // Inference thread: per-frame buffers, sized for the running model.
    FrameLatents m_latents;
    std::shared_ptr<const model::GanSpace> m_ganSpace;

    // A model switch, for the control thread: the new shape under a lock, taken when the
    // generation changes (rare).
    std::atomic<std::uint64_t> m_shapeGeneration{0};
    std::mutex m_shapeMutex;
    control::LatentShape m_nextShape;

    // GANSpace results from the main thread (pollModelEvent) to the inference thread.
    std::mutex m_ganSpaceMutex;
    std::shared_ptr<const model::GanSpace> m_ganSpacePending;
    std::string m_ganSpacePendingPath;
    std::atomic<bool> m_ganSpaceFlag{false};
    std::string m_ganSpacePath;  // inference thread: the model m_ganSpace belongs to

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
