#include "engine.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <optional>
#include <utility>

namespace autolume::app {

std::int64_t nowNs() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

namespace {

control::ControlFrame controlPrototype(int zDim) {
    control::ControlFrame frame;
    frame.z.assign(zDim, 0.0f);
    return frame;
}

VideoFrame videoPrototype(int resolution) {
    VideoFrame frame;
    frame.width = frame.height = resolution;
    frame.rgba.assign(static_cast<std::size_t>(resolution) * resolution * 4, 0);
    return frame;
}

}  // namespace

Engine::Engine(std::unique_ptr<model::Generator> generator, audio::AudioSource& source,
               audio::SampleRing& ring, const EngineConfig& config)
    : m_generator(std::move(generator)),
      m_source(source),
      m_ring(ring),
      m_config(config),
      m_controls(controlPrototype(m_generator->info().zDim)),
      m_frames(videoPrototype(m_generator->info().resolution)),
      m_activeZDim(m_generator->info().zDim),
      m_bends(static_cast<std::size_t>(m_generator->info().numLayers)),
      m_modelInfo(m_generator->info()),
      m_loader(model::ModelLoaderConfig{config.device, config.ganSpace, {}, [this] {
                                            // Wake the inference thread to take the model.
                                            m_controlSeq.fetch_add(1, std::memory_order_release);
                                            m_controlSeq.notify_all();
                                        }}) {
    m_config.walk.zDim = m_generator->info().zDim;
    m_config.walk.seed = config.seed;
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

model::ModelInfo Engine::modelInfo() const {
    std::lock_guard lock(m_infoMutex);
    return m_modelInfo;
}

void Engine::applyParam(const ParamChange& change) noexcept {
    auto& walk = m_config.walk;
    switch (change.param) {
        case Param::Psi:
            m_config.psi = change.value;
            break;
        case Param::NoiseGain:
            m_config.noiseGain = change.value;
            break;
        case Param::LevelSpeed:
            walk.levelSpeed = change.value;
            break;
        case Param::ChangeSpeed:
            walk.changeSpeed = change.value;
            break;
        case Param::OnsetKick:
            walk.onsetKick = change.value;
            break;
    }
}

// Analysis + control: one hop at a time, on audio time. Everything it needs is allocated
// before the loop.
void Engine::analysisLoop() noexcept {
    const double sampleRate = m_source.info().sampleRate;
    features::AnalyzerConfig analyzerConfig;
    analyzerConfig.sampleRate = sampleRate;
    analyzerConfig.fftSize = m_config.fftSize;
    analyzerConfig.hopSize = m_config.hopSize;
    features::Analyzer analyzer(analyzerConfig);
    std::optional<control::RandomWalk> walk(std::in_place, m_config.walk);
    std::vector<float> hop(m_config.hopSize);
    const double hopSec = m_config.hopSize / sampleRate;
    const auto idle =
        std::chrono::microseconds(std::clamp<long>(std::lround(hopSec * 1e6 / 4), 500, 5000));
    double lastOnsetSec = -1.0;
    std::uint64_t seq = 0;

    while (m_running.load(std::memory_order_relaxed)) {
        ParamChange change;
        while (m_paramQueue.try_dequeue(change)) applyParam(change);
        const int zDim = m_activeZDim.load(std::memory_order_relaxed);
        if (zDim != m_config.walk.zDim) {
            // A model with another z_dim was switched in: a fresh walk of its size (allocates,
            // once per such switch). Same-size switches keep walking where they were.
            m_config.walk.zDim = zDim;
            walk.emplace(m_config.walk);
        }
        walk->config() = m_config.walk;

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
        walk->step(f, hopSec);

        control::ControlFrame& out = m_controls.back();
        out.seq = ++seq;
        out.audioTimeSec = f.timeSec;
        out.audioWallNs = arrivedNs;
        out.level = f.level;
        out.onsetStrength = f.onsetStrength;
        out.onset = f.onset;
        out.lastOnsetSec = lastOnsetSec;
        out.psi = m_config.psi;
        out.noiseGain = m_config.noiseGain;
        out.speed = walk->lastSpeed();
        out.zDim = zDim;
        if (out.z.size() != walk->z().size()) out.z.resize(walk->z().size());  // after a switch
        std::copy(walk->z().begin(), walk->z().end(), out.z.begin());
        m_controls.publish();
        m_controlSeq.fetch_add(1, std::memory_order_release);
        m_controlSeq.notify_one();

        m_stats.level.store(f.level, std::memory_order_relaxed);
        m_stats.levelDb.store(f.rmsDb, std::memory_order_relaxed);
        m_stats.onsetStrength.store(f.onsetStrength, std::memory_order_relaxed);
        m_stats.onset.store(f.onset, std::memory_order_relaxed);
        m_stats.walkSpeed.store(walk->lastSpeed(), std::memory_order_relaxed);
        m_stats.hops.fetch_add(1, std::memory_order_relaxed);
    }
}

// Inference: newest control frame in, newest video frame out. Sleeps only while there is
// nothing new to draw; a slow generator simply skips the control frames it could not reach.
// Between two frames it takes a newly loaded model (the loader wakes it), and draws the last
// control frame with it at once.
void Engine::inferenceLoop() noexcept {
    std::uint64_t seen = m_controlSeq.load(std::memory_order_acquire);
    bool haveControl = false;
    while (m_running.load(std::memory_order_relaxed)) {
        m_controlSeq.wait(seen, std::memory_order_acquire);
        seen = m_controlSeq.load(std::memory_order_acquire);
        if (!m_running.load(std::memory_order_relaxed)) break;
        bool switched = false;
        if (std::unique_ptr<model::Generator> next = m_loader.takeReady()) {
            adoptModel(std::move(next));
            switched = true;
        }
        const bool fresh = m_controls.fetch();
        haveControl = haveControl || fresh;
        if (!haveControl || !(fresh || switched)) continue;
        const control::ControlFrame& in = m_controls.front();
        model::Generator& generator = *m_generator;
        const model::ModelInfo& info = generator.info();
        if (in.zDim != info.zDim || in.z.size() < static_cast<std::size_t>(info.zDim)) {
            // Made before the analysis thread saw a switch to another z_dim.
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
        model::SynthesisOptions options;
        options.noiseGain = in.noiseGain;
        options.resolution = resolution;
        if (info.hasSynthesisUntil && !in.bend.isIdentity()) {
            for (std::size_t i = 0; i < m_bends.size(); ++i) {
                const auto layer = static_cast<int>(i);
                const bool bent = layer >= in.bendFirstLayer && layer <= in.bendLastLayer;
                m_bends[i] = bent ? model::LayerBend{in.bend.translateX, in.bend.translateY,
                                                     in.bend.rotate, in.bend.zoom}
                                  : model::LayerBend{};
            }
            options.bends = m_bends;
        }
        try {
            const std::int64_t startNs = nowNs();
            generator.generate(in.z.data(), in.psi, options, out.rgba.data());
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
        m_frames.publish();
        m_stats.frames.fetch_add(1, std::memory_order_relaxed);
    }
}

// Inference thread, between frames. The old model goes to the loader thread to be destroyed.
void Engine::adoptModel(std::unique_ptr<model::Generator> next) noexcept {
    try {
        next->setStageTiming(false);
        const model::ModelInfo& info = next->info();
        m_bends.assign(static_cast<std::size_t>(info.numLayers), model::LayerBend{});
        {
            std::lock_guard lock(m_infoMutex);
            m_modelInfo = info;
        }
        m_loader.retire(std::exchange(m_generator, std::move(next)));
        m_activeZDim.store(m_generator->info().zDim, std::memory_order_relaxed);
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
