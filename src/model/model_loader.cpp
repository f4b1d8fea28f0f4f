// ModelLoader: a load thread and a GANSpace thread; one mutex guards the hand-off slots and is
// held only to move pointers and strings, never during a load or a GANSpace computation.
#include "autolume/model/model_loader.hpp"

#include <chrono>
#include <exception>
#include <utility>

#include <ATen/Parallel.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef __linux__
#include <sys/resource.h>
#include <unistd.h>
#endif

namespace autolume::model {

namespace {

constexpr int kBackgroundNice = 10;

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// GANSpace gets the CPU time the frames leave over: on a 2-core machine it would take a core
// from rendering for seconds (and torch's OpenMP workers, which this thread creates later and
// which inherit its niceness, the other). Loads keep normal priority: they take about a second
// and a switch should not wait on whatever else runs. Linux only.
void lowerPriority() {
#ifdef __linux__
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kBackgroundNice);
#endif
}

// One CPU thread for torch on the calling thread only: two OpenMP teams on few cores make the
// rendering thread's parallel regions wait at their barriers for descheduled workers (frames
// 10x slower during a load on 2 cores). at::set_num_threads() would also change the default
// of every thread that starts using torch later, so this sets only this thread's OpenMP
// setting, after ATen's per-thread initialization (which would overwrite it).
void useOneCpuThread() {
    at::get_num_threads();
#ifdef _OPENMP
    omp_set_num_threads(1);
#endif
}

}  // namespace

ModelLoader::ModelLoader(const ModelLoaderConfig& config)
    : m_config(config),
      m_loadThread([this] { loadLoop(); }),
      m_ganSpaceThread([this] { ganSpaceLoop(); }) {}

ModelLoader::~ModelLoader() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
        m_cancelGanSpace.store(true, std::memory_order_relaxed);  // no waiting for a GANSpace
    }
    m_wakeLoader.notify_all();
    m_wakeGanSpace.notify_all();
    m_loadThread.join();
    m_ganSpaceThread.join();
}

void ModelLoader::request(const std::string& path) {
    {
        std::lock_guard lock(m_mutex);
        m_pendingPath = path;
        m_loading.store(true, std::memory_order_relaxed);
    }
    m_wakeLoader.notify_all();
}

void ModelLoader::requestGanSpace(const std::string& path) {
    if (!m_config.ganSpace) return;
    {
        std::lock_guard lock(m_mutex);
        m_pendingGanSpace = path;
        m_cancelGanSpace.store(true, std::memory_order_relaxed);
    }
    m_wakeGanSpace.notify_all();
}

std::unique_ptr<Generator> ModelLoader::takeReady() {
    if (!m_hasReady.load(std::memory_order_acquire)) return nullptr;
    std::lock_guard lock(m_mutex);
    m_hasReady.store(false, std::memory_order_relaxed);
    return std::move(m_ready);
}

void ModelLoader::retire(std::unique_ptr<Generator> old) {
    if (!old) return;
    {
        std::lock_guard lock(m_mutex);
        m_retired.push_back(std::move(old));
    }
    m_wakeLoader.notify_all();
}

bool ModelLoader::pollEvent(ModelEvent& out) {
    if (m_eventCount.load(std::memory_order_acquire) == 0) return false;
    std::lock_guard lock(m_mutex);
    if (m_events.empty()) return false;
    out = std::move(m_events.front());
    m_events.pop_front();
    m_eventCount.store(m_events.size(), std::memory_order_release);
    return true;
}

void ModelLoader::pushLocked(ModelEvent event) {
    m_events.push_back(std::move(event));
    m_eventCount.store(m_events.size(), std::memory_order_release);
}

void ModelLoader::loadLoop() {
    useOneCpuThread();
    std::unique_lock lock(m_mutex);
    while (true) {
        m_wakeLoader.wait(
            lock, [this] { return m_stop || !m_pendingPath.empty() || !m_retired.empty(); });
        if (m_stop) break;
        if (!m_retired.empty()) {
            // Destroyed here, unlocked: freeing a big model takes a while.
            std::vector<std::unique_ptr<Generator>> retired = std::move(m_retired);
            m_retired.clear();
            lock.unlock();
            retired.clear();
            lock.lock();
            continue;
        }
        const std::string path = std::move(m_pendingPath);
        m_pendingPath.clear();
        lock.unlock();
        const auto start = std::chrono::steady_clock::now();
        std::unique_ptr<Generator> generator;
        ModelEvent event;
        event.path = path;
        try {
            generator = Generator::load(path, m_config.device);
            event.kind = ModelEvent::Kind::Loaded;
            const ModelInfo& info = generator->info();
            event.message =
                info.name + " (" + std::to_string(info.resolution) + " px, " + info.device + ")";
        } catch (const std::exception& e) {
            event.kind = ModelEvent::Kind::Failed;
            event.message = e.what();
        }
        event.seconds = secondsSince(start);
        lock.lock();
        const bool ready = generator != nullptr;
        if (ready) {
            // Superseded and never taken: retire it (destroyed on the next pass).
            if (m_ready) m_retired.push_back(std::move(m_ready));
            m_ready = std::move(generator);
            m_hasReady.store(true, std::memory_order_release);
            if (m_config.ganSpace) {
                // The running model is about to be replaced: its GANSpace can stop.
                m_pendingGanSpace = path;
                m_cancelGanSpace.store(true, std::memory_order_relaxed);
                m_wakeGanSpace.notify_all();
            }
        }
        m_loading.store(!m_pendingPath.empty(), std::memory_order_relaxed);
        pushLocked(std::move(event));
        if (ready && m_config.onReady) {
            lock.unlock();
            m_config.onReady();
            lock.lock();
        }
    }
}

void ModelLoader::ganSpaceLoop() {
    lowerPriority();
    useOneCpuThread();
    std::unique_lock lock(m_mutex);
    while (true) {
        m_wakeGanSpace.wait(lock, [this] { return m_stop || !m_pendingGanSpace.empty(); });
        if (m_stop) break;
        const std::string path = std::move(m_pendingGanSpace);
        m_pendingGanSpace.clear();
        m_cancelGanSpace.store(false, std::memory_order_relaxed);
        lock.unlock();
        const auto start = std::chrono::steady_clock::now();
        ModelEvent event;
        event.path = path;
        try {
            GanSpaceResult result =
                loadOrComputeGanSpace(path, m_config.ganSpaceConfig, &m_cancelGanSpace);
            event.kind = ModelEvent::Kind::GanSpaceReady;
            event.message = std::to_string(result.space.count()) + " GANSpace components" +
                            (result.fromCache ? " (cached)" : "") +
                            (result.cacheNote.empty() ? "" : "; " + result.cacheNote);
            event.ganSpace = std::make_shared<const GanSpace>(std::move(result.space));
        } catch (const GanSpaceCancelled&) {
            lock.lock();
            continue;  // a newer model's GANSpace is pending
        } catch (const std::exception& e) {
            event.kind = ModelEvent::Kind::GanSpaceFailed;
            event.message = e.what();
        }
        event.seconds = secondsSince(start);
        lock.lock();
        pushLocked(std::move(event));
    }
}

}  // namespace autolume::model
