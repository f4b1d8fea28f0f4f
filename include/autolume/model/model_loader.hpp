// Loads models on a thread of its own, so that live model switching never stalls the frames:
// the loader reads, validates and warms up the new model while the old model keeps rendering;
// the rendering thread picks the new one up between two frames with takeReady() and hands the
// old one back with retire(), to be destroyed here rather than on the rendering thread. A
// model that fails to load is reported as an event and changes nothing. A second thread then
// computes (or reads the cached) GANSpace of each loaded model, so that never delays a load;
// it runs at a lower priority (nice +10 on Linux), with the CPU time the frames leave over,
// and a newer request cancels the computation for an older model. Both threads use one CPU
// thread for torch, leaving the others to the frames.
//
// Thread contract: request() and requestGanSpace() from any thread (latest request wins);
// takeReady() and retire() from the one rendering thread (wait-free when nothing is ready:
// one atomic load); pollEvent() from one consumer thread (the UI). The destructor cancels a
// GANSpace in progress and joins both threads; it waits for a load in progress to finish.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "autolume/model/ganspace.hpp"
#include "autolume/model/generator.hpp"

namespace autolume::model {

struct ModelLoaderConfig {
    DevicePreference device = DevicePreference::Auto;
    bool ganSpace = true;  // compute (or read the cached) GANSpace after each load
    GanSpaceConfig ganSpaceConfig;
    // Called on the loader thread, without locks held, each time a model becomes ready: lets
    // a rendering thread that sleeps between inputs wake up and take it.
    std::function<void()> onReady;
};

struct ModelEvent {
    enum class Kind { Loaded, Failed, GanSpaceReady, GanSpaceFailed };
    Kind kind = Kind::Loaded;
    std::string path;
    std::string message;   // Failed/GanSpaceFailed: one line naming the file; else a summary
    double seconds = 0.0;  // how long the load or the GANSpace took
    std::shared_ptr<const GanSpace> ganSpace;  // GanSpaceReady only
};

class ModelLoader {
  public:
    explicit ModelLoader(const ModelLoaderConfig& config = {});
    ~ModelLoader();
    ModelLoader(const ModelLoader&) = delete;
    ModelLoader& operator=(const ModelLoader&) = delete;

    // Loads `path` in the background. A request that arrives while another one waits replaces
    // it; one already loading finishes first (and is superseded as soon as the newer is ready).
    void request(const std::string& path);
    // GANSpace only (e.g. for the model the app started with). Cancels one in progress.
    void requestGanSpace(const std::string& path);

    // Rendering thread: the newest loaded model, or nullptr (one atomic load when none).
    std::unique_ptr<Generator> takeReady();
    // Rendering thread: a model no longer used, destroyed on the loader thread.
    void retire(std::unique_ptr<Generator> old);

    // Consumer thread: the next event, in order; false when there is none.
    bool pollEvent(ModelEvent& out);
    // Any thread: a load is queued or in progress.
    bool loading() const noexcept { return m_loading.load(std::memory_order_relaxed); }

  private:
    void loadLoop();
    void ganSpaceLoop();
    void pushLocked(ModelEvent event);

    ModelLoaderConfig m_config;
    mutable std::mutex m_mutex;  // guards everything below up to the threads
    std::condition_variable m_wakeLoader;
    std::condition_variable m_wakeGanSpace;
    bool m_stop = false;
    std::string m_pendingPath;      // load request not started yet
    std::string m_pendingGanSpace;  // GANSpace request not started yet
    std::unique_ptr<Generator> m_ready;
    std::vector<std::unique_ptr<Generator>> m_retired;
    std::deque<ModelEvent> m_events;
    std::atomic<bool> m_hasReady{false};
    std::atomic<std::size_t> m_eventCount{0};
    std::atomic<bool> m_loading{false};
    std::atomic<bool> m_cancelGanSpace{false};
    // Last: they start after everything above exists.
    std::thread m_loadThread;
    std::thread m_ganSpaceThread;
};

}  // namespace autolume::model
