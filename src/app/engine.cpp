#include "engine.hpp"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cmath>
#include <exception>
#include <optional>

#include <utility>
#include "autolume/control/feature_input.hpp"

namespace autolume::app {

std::int64_t nowNs() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

namespace {

control::ControlFrame controlPrototype(const control::LatentShape& shape) {
    control::ControlFrame frame;
    frame.resize(shape.zDim, shape.wDim, shape.numWs, shape.ganspaceCount);
    return frame;
}

VideoFrame videoPrototype(const model::ModelInfo& info) {
    VideoFrame frame;
    frame.width = frame.height = info.resolution;
    frame.rgba.assign(static_cast<std::size_t>(info.resolution) * info.resolution * 4, 0);
    frame.numWs = info.numWs;
    frame.wDim = info.wDim;
    frame.ws.assign(static_cast<std::size_t>(info.numWs) * info.wDim, 0.0f);
    return frame;
}

ControlSessionConfig sessionConfig(ControlSessionConfig config, const model::ModelInfo& info,
                                   ControlEventQueue* events) {
    config.shape = latentShape(info);
    config.events = events;
    return config;
}

ControlSnapshot snapshotPrototype(const ControlSession& session) {
    ControlSnapshot snapshot;
    session.prepareSnapshot(snapshot);
    session.snapshot(snapshot);
    return snapshot;
}

std::unique_ptr<midi::MidiDevice> openMidi(const EngineConfig& config) {
    if (!config.midi || !config.control.midiProfile) return nullptr;
    return std::make_unique<midi::MidiDevice>(*config.midi);
}

}  // namespace

control::LatentShape latentShape(const model::ModelInfo& info) {
    control::LatentShape shape;
    shape.zDim = info.zDim;
    shape.wDim = info.wDim;
    shape.numWs = info.numWs;
    shape.numLayers = info.numLayers;
    shape.ganspaceCount = control::kGanspaceParams;
    return shape;
}

Engine::Engine(std::unique_ptr<model::Generator> generator, audio::AudioSource& source,
               audio::SampleRing& ring, EngineConfig config)
    : m_generator(std::move(generator)),
      m_source(source),
      m_ring(ring),
      m_config(std::move(config)),
      m_session(sessionConfig(m_config.control, m_generator->info(), &m_events)),
      m_midi(openMidi(m_config)),
      m_controls(controlPrototype(m_session.shape())),
      m_frames(videoPrototype(m_generator->info())),
      m_snapshots(snapshotPrototype(m_session)),
      m_modelInfo(m_generator->info()),
      m_loader(model::ModelLoaderConfig{m_config.device, m_config.ganSpace, {}, [this] {
                                            // Wake the inference thread to take the model.
                                            m_controlSeq.fetch_add(1, std::memory_order_release);
                                            m_controlSeq.notify_all();
                                        }}) {
    const model::ModelInfo& info = m_generator->info();
    m_latents.resize(info);
    m_nextShape = m_session.shape();
    // Per-stage synchronization only costs GPU throughput here; the frame time is measured.
    m_generator->setStageTiming(false);
}

Engine::~Engine() {
    stop();
}

void Engine::start() {
    if (m_running.exchange(true)) return;
    m_loader.requestGanSpace(m_generator->info().path);
    m_analysisThread = std::thread([this] { analysisLoop(); });
    m_inferenceThread = std::thread([this] { inferenceLoop(); });
}

void Engine::stop() {
    if (!m_running.exchange(false)) return;
    m_controlSeq.fetch_add(1);
    m_controlSeq.notify_all();
    m_analysisThread.join();
    m_inferenceThread.join();
}

std::string Engine::lastGeneratorError() const {
    std::lock_guard lock(m_errorMutex);
    return m_lastError;
}

std::string Engine::midiStatus() const {
    return m_midi ? m_midi->status() : std::string("MIDI off");
}

bool Engine::send(ControlMessage message) {
    if (m_messages.try_enqueue(std::move(message))) return true;
    m_stats.messagesDropped.fetch_add(1, std::memory_order_relaxed);
    assert(!"control message queue full: the control thread stopped");
    return false;
}

std::uint64_t Engine::midiInputDropped() const {
    return m_midi ? m_midi->inputDropped() : 0;
}

std::uint64_t Engine::midiOutputDropped() const {
    return m_midi ? m_midi->outputDropped() : 0;
}

model::ModelInfo Engine::modelInfo() const {
    std::lock_guard lock(m_infoMutex);
    return m_modelInfo;
}

bool Engine::pollModelEvent(model::ModelEvent& event) {
    if (!m_loader.pollEvent(event)) return false;
    if (event.kind == model::ModelEvent::Kind::GanSpaceReady && event.ganSpace) {
        std::lock_guard lock(m_ganSpaceMutex);
        m_ganSpacePending = event.ganSpace;
        m_ganSpacePendingPath = event.path;
        m_ganSpaceFlag.store(true, std::memory_order_release);
    }
    return true;
}

// Analysis + control: one hop at a time, on audio time. Everything it needs is allocated
// before the loop, except on a switch to a model of another shape.
void Engine::analysisLoop() noexcept {
    const double sampleRate = m_source.info().sampleRate;
    features::AnalyzerConfig analyzerConfig;
    analyzerConfig.sampleRate = sampleRate;
    analyzerConfig.fftSize = m_config.fftSize;
    analyzerConfig.hopSize = m_config.hopSize;
    features::Analyzer analyzer(analyzerConfig);
    std::vector<float> hop(m_config.hopSize);
    const double hopSec = m_config.hopSize / sampleRate;
    const auto idle =
        std::chrono::microseconds(std::clamp<long>(std::lround(hopSec * 1e6 / 4), 500, 5000));
    double lastOnsetSec = -1.0;
    std::uint64_t seq = 0;
    std::uint64_t shapeGeneration = 0;
    const std::int64_t startNs = nowNs();

    while (m_running.load(std::memory_order_relaxed)) {
        const std::uint64_t generation = m_shapeGeneration.load(std::memory_order_acquire);
        if (generation != shapeGeneration) {
            shapeGeneration = generation;
            control::LatentShape shape;
            {
                std::lock_guard lock(m_shapeMutex);
                shape = m_nextShape;
            }
            try {
                m_session.reshape(shape);  // allocates, once per switch to another shape
            } catch (const std::exception& e) {
                std::lock_guard lock(m_errorMutex);
                m_lastError = e.what();
            }
        }
        ControlMessage message;
        while (m_messages.try_dequeue(message)) m_session.handle(message);

        if (m_ring.readAvailable() < hop.size()) {
            std::this_thread::sleep_for(idle);
            continue;
        }
        m_ring.pop(hop.data(), hop.size());
        // The hop's last sample arrived about `backlog` samples ago.
        const auto backlog = static_cast<double>(m_ring.readAvailable());
        const std::int64_t arrivedNs =
            nowNs() - static_cast<std::int64_t>(backlog / sampleRate * 1e9);

        const features::FeatureFrame& f = analyzer.process(hop.data());
        if (f.onset) lastOnsetSec = f.timeSec;

        control::ControlFrame& out = m_controls.back();
        const control::LatentShape& shape = m_session.shape();
        if (out.zDim != shape.zDim || out.wDim != shape.wDim || out.numWs != shape.numWs)
            out.resize(shape.zDim, shape.wDim, shape.numWs, shape.ganspaceCount);  // a switch
        // MIDI times run on the steady clock: long presses are the performer's seconds.
        m_session.step(control::toControlInput(f), hopSec, (nowNs() - startNs) / 1e9, m_midi.get(),
                       out);
        out.seq = ++seq;
        out.audioTimeSec = f.timeSec;
        out.audioWallNs = arrivedNs;
        out.lastOnsetSec = lastOnsetSec;
        out.midiWallNs = m_session.lastMidiNs();
        m_controls.publish();
        m_controlSeq.fetch_add(1, std::memory_order_release);
        m_controlSeq.notify_one();

        m_session.snapshot(m_snapshots.back());
        m_snapshots.back().audioWallNs = arrivedNs;
        m_snapshots.publish();
        m_stats.level.store(f.level, std::memory_order_relaxed);
        m_stats.levelDb.store(f.rmsDb, std::memory_order_relaxed);
        m_stats.onsetStrength.store(f.onsetStrength, std::memory_order_relaxed);
        m_stats.onset.store(f.onset, std::memory_order_relaxed);
        m_stats.walkSpeed.store(out.speed, std::memory_order_relaxed);
        m_stats.hops.fetch_add(1, std::memory_order_relaxed);
    }
}

// Inference thread: the newest GANSpace result, if one came.
void Engine::takeGanSpace() noexcept {
    if (!m_ganSpaceFlag.exchange(false, std::memory_order_acquire)) return;
    std::shared_ptr<const model::GanSpace> space;
    std::string path;
    {
        std::lock_guard lock(m_ganSpaceMutex);
        space = std::move(m_ganSpacePending);
        path.swap(m_ganSpacePendingPath);
    }
    m_ganSpace = std::move(space);
    m_ganSpacePath.swap(path);
}

// Inference: newest control frame in, newest video frame out. Sleeps only while there is
// nothing new to draw; a slow generator simply skips the control frames it could not reach.
// Between two frames it takes a newly loaded model (the loader wakes it), and draws the last
// control frame with it at once.
void Engine::inferenceLoop() noexcept {
    std::uint64_t seen = m_controlSeq.load(std::memory_order_acquire);
    bool haveControl = false;
    std::int64_t lastStartNs = 0;
    while (m_running.load(std::memory_order_relaxed)) {
        m_controlSeq.wait(seen, std::memory_order_acquire);
        // The frame-rate cap: wait out the period, then draw the newest control frame.
        const std::int64_t early =
            lastStartNs + m_minFramePeriodNs.load(std::memory_order_relaxed) - nowNs();
        if (early > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(early));
        seen = m_controlSeq.load(std::memory_order_acquire);
        if (!m_running.load(std::memory_order_relaxed)) break;
        bool switched = false;
        if (std::unique_ptr<model::Generator> next = m_loader.takeReady()) {
            adoptModel(std::move(next));
            switched = true;
        }
        takeGanSpace();
        const bool fresh = m_controls.fetch();
        haveControl = haveControl || fresh;
        if (!haveControl || !(fresh || switched)) continue;
        const control::ControlFrame& in = m_controls.front();
        model::Generator& generator = *m_generator;
        const model::ModelInfo& info = generator.info();
        if (in.zDim != info.zDim || in.wDim != info.wDim || in.numWs != info.numWs) {
            // Made before the control thread saw a switch to another shape.
            m_stats.skippedControlFrames.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        VideoFrame& out = m_frames.back();
        const int resolution = outputResolutionFor(info);
        if (out.width != resolution || out.height != resolution) {
            // A new model or output size: this slot is resized once (the other two when they
            // come round); the render thread re-creates its texture on the new size.
            out.width = out.height = resolution;
            out.rgba.resize(static_cast<std::size_t>(resolution) * resolution * 4);
        }
        if (out.numWs != info.numWs || out.wDim != info.wDim) {
            out.numWs = info.numWs;
            out.wDim = info.wDim;
            out.ws.resize(static_cast<std::size_t>(info.numWs) * info.wDim);
        }
        const model::SynthesisOptions options = m_latents.synthesisOptions(in, info, resolution);
        const model::GanSpace* ganSpace = nullptr;
        if (m_ganSpace && m_ganSpacePath == info.path && m_ganSpace->wDim == info.wDim) {
            ganSpace = m_ganSpace.get();
            m_stats.ganSpaceFrames.fetch_add(1, std::memory_order_relaxed);
        }
        try {
            const std::int64_t startNs = nowNs();
            lastStartNs = startNs;
            const float* ws = m_latents.compose(generator, in, ganSpace, out.ws.data());
            generator.render(ws, in.psi, options, out.rgba.data());
            out.doneWallNs = nowNs();
            out.generatorMs = static_cast<float>((out.doneWallNs - startNs) / 1e6);
        } catch (const std::exception& e) {
            // Keep the stage running: report, skip this frame, try the next one.
            m_stats.generatorErrors.fetch_add(1, std::memory_order_relaxed);
            std::lock_guard lock(m_errorMutex);
            m_lastError = e.what();
            continue;
        }
        out.seq = in.seq;
        out.audioTimeSec = in.audioTimeSec;
        out.audioWallNs = in.audioWallNs;
        out.lastOnsetSec = in.lastOnsetSec;
        out.midiWallNs = in.midiWallNs;
        m_frames.publish();
        m_stats.frames.fetch_add(1, std::memory_order_relaxed);
    }
}

// Inference thread, between frames. The old model goes to the loader thread to be destroyed.
void Engine::adoptModel(std::unique_ptr<model::Generator> next) noexcept {
    try {
        next->setStageTiming(false);
        const model::ModelInfo& info = next->info();
        FrameLatents latents;
        latents.resize(info);
        model::ModelInfo infoCopy = info;
        // Everything allocated: from here on nothing throws.
        m_latents = std::move(latents);
        {
            std::lock_guard lock(m_infoMutex);
            m_modelInfo = std::move(infoCopy);
        }
        {
            std::lock_guard lock(m_shapeMutex);
            m_nextShape = latentShape(info);
        }
        m_shapeGeneration.fetch_add(1, std::memory_order_release);
        m_loader.retire(std::exchange(m_generator, std::move(next)));
        m_stats.modelSwitches.fetch_add(1, std::memory_order_relaxed);
    } catch (const std::exception& e) {
        // Out of memory copying names: keep whichever model is in place, say why.
        std::lock_guard lock(m_errorMutex);
        m_lastError = e.what();
    }
}

int Engine::outputResolutionFor(const model::ModelInfo& info) const noexcept {
    const int wanted = m_outputResolution.load(std::memory_order_relaxed);
    if (wanted <= 0 || !info.hasSynthesisUntil || wanted >= info.resolution) return info.resolution;
    int best = info.exitResolutions.front();
    for (int r : info.exitResolutions)
        if (r <= wanted) best = r;
    return best;
}

}  // namespace autolume::app
