// A capture source that reopens its device when it returns; see capture.hpp.
//
// The supervisor thread owns the switching. It is the only thread that replaces the inner
// source or starts and stops the silence, and every switch goes through stop() of the old
// writer (which waits until its callback has left, capture_callback.hpp) before the new writer
// starts, so the ring always has exactly one writer.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "autolume/audio/capture.hpp"
#include "jack_capture.hpp"
#include "paced_pusher.hpp"
#include "portaudio_session.hpp"

namespace autolume::audio {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kSilenceBlockFrames = 256;
// jackd 1.9.21 can stall a client that opens while the server starts (TESTING.md).
constexpr double kJackSettleSec = 1.0;
// A supervisor stuck in a sound-system call (a stalled JACK open) is left behind after this.
constexpr std::chrono::seconds kStopTimeout{3};

using Opener = std::function<std::unique_ptr<AudioSource>()>;

// Everything the supervisor touches, shared so that a supervisor stuck in a sound-system call can
// be left behind safely.
struct Shared {
    Opener open;
    bool isJack = false;
    ReopenOptions options;
    std::string label;

    std::mutex mutex;  // guards the fields below against the app thread's readers
    std::condition_variable wake;
    std::unique_ptr<AudioSource> inner;
    std::unique_ptr<PacedPusher> silence;
    SampleRing* ring = nullptr;
    RecordTap* tap = nullptr;  // handed to every inner source (and the silence)
    bool stopping = false;
    bool lost = false;
    std::string lostWhy;
    std::uint64_t attempts = 0;
    std::uint64_t reopens = 0;
    std::uint64_t overrunsBefore = 0;  // of inner sources already closed
    bool done = false;                 // the supervisor has exited
};

void supervise(std::shared_ptr<Shared> s) {
    std::unique_lock lock(s->mutex);
    auto nextTry = Clock::now();
    while (!s->stopping) {
        s->wake.wait_for(lock, std::chrono::duration<double>(s->options.pollSec));
        if (s->stopping) break;
        if (!s->lost) {
            if (!s->inner || !s->inner->failed()) continue;
            // The device is gone: take the ring from it, keep time running with silence, then
            // close it (closing a client whose server died can take a while).
            s->lostWhy = s->inner->error();
            s->overrunsBefore += s->inner->overruns();
            s->inner->stop();
            s->silence->start(*s->ring);
            s->lost = true;
            std::unique_ptr<AudioSource> gone = std::move(s->inner);
            lock.unlock();
            gone.reset();
            lock.lock();
            nextTry = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(s->options.retrySec));
            continue;
        }
        if (Clock::now() < nextTry) continue;
        nextTry = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(s->options.retrySec));
        if (s->isJack && !jackServerSettled(kJackSettleSec)) continue;
        ++s->attempts;
        // Open without the lock: it can take a while, and the app thread may want to read.
        lock.unlock();
        std::unique_ptr<AudioSource> fresh;
        try {
            fresh = s->open();
        } catch (const std::exception&) {
        }
        lock.lock();
        if (!fresh || s->stopping) continue;
        s->silence->stop();
        fresh->setRecordTap(s->tap);
        if (!fresh->start(*s->ring)) {
            s->lostWhy = fresh->error();
            s->silence->start(*s->ring);
            continue;
        }
        s->inner = std::move(fresh);
        s->lost = false;
        ++s->reopens;
    }
    s->done = true;
    s->wake.notify_all();
}

class ReopeningCaptureSource final : public ReopeningSource {
  public:
    explicit ReopeningCaptureSource(std::shared_ptr<Shared> shared) : m_shared(std::move(shared)) {
        m_info = m_shared->inner->info();
        // The silence fills whole frames of every stem.
        const int channels = m_info.ringChannels;
        m_shared->silence = std::make_unique<PacedPusher>(
            m_info.sampleRate, kSilenceBlockFrames,
            [channels](float* out, std::size_t frames) {
                std::fill(out, out + frames * static_cast<std::size_t>(channels), 0.0f);
                return frames;
            },
            channels);
    }

    ~ReopeningCaptureSource() override { stop(); }

    void setRecordTap(RecordTap* tap) override {
        std::unique_lock lock(m_shared->mutex);
        m_shared->tap = tap;
        if (m_shared->inner) m_shared->inner->setRecordTap(tap);
        m_shared->silence->setTap(tap);
    }

    bool start(SampleRing& ring) override {
        std::unique_lock lock(m_shared->mutex);
        if (m_thread.joinable()) {
            m_error = m_shared->label + ": already started";
            return false;
        }
        if (!m_shared->inner) {
            m_error = m_shared->label + ": gone, and stopped; open it again";
            return false;
        }
        m_shared->ring = &ring;
        if (!m_shared->inner->start(ring)) {
            m_error = m_shared->inner->error();
            return false;
        }
        m_error.clear();
        m_shared->stopping = false;
        m_thread = std::thread(supervise, m_shared);
        return true;
    }

    void stop() override {
        if (!m_thread.joinable()) return;
        std::unique_lock lock(m_shared->mutex);
        m_shared->stopping = true;
        m_shared->wake.notify_all();
        const bool exited =
            m_shared->wake.wait_for(lock, kStopTimeout, [this] { return m_shared->done; });
        if (m_shared->inner) m_shared->inner->stop();
        m_shared->silence->stop();
        lock.unlock();
        if (exited) {
            m_thread.join();
        } else {
            m_thread.detach();  // stuck in a sound-system call; it exits when that returns
        }
        // A stopped reopening source restarts from scratch (its device may be gone).
        m_shared->done = false;
    }

    const SourceInfo& info() const override { return m_info; }

    std::string error() const override {
        std::lock_guard lock(m_shared->mutex);
        if (!m_error.empty()) return m_error;
        if (m_shared->lost) {
            return m_shared->lostWhy + "; reopening when it returns (" +
                   std::to_string(m_shared->attempts) + " attempts so far)";
        }
        if (m_shared->inner && m_shared->inner->failed()) {
            return m_shared->inner->error() + "; reopening when it returns";
        }
        return m_shared->inner ? m_shared->inner->error() : std::string();
    }

    std::uint64_t overruns() const override {
        std::lock_guard lock(m_shared->mutex);
        return m_shared->overrunsBefore + (m_shared->inner ? m_shared->inner->overruns() : 0) +
               m_shared->silence->overruns();
    }

    bool failed() const override {
        std::lock_guard lock(m_shared->mutex);
        return m_shared->lost || (m_shared->inner && m_shared->inner->failed());
    }

    std::uint64_t reopenCount() const override {
        std::lock_guard lock(m_shared->mutex);
        return m_shared->reopens;
    }

  private:
    std::shared_ptr<Shared> m_shared;
    SourceInfo m_info;
    std::string m_error;
    std::thread m_thread;
};

}  // namespace

std::unique_ptr<ReopeningSource> makeReopeningCaptureSource(const CaptureOptions& options,
                                                            const ReopenOptions& reopen) {
    // Resolve once, then always reopen the same device by its name (indexes move when devices
    // come and go), at the rate it first had.
    PaDevice device;
    {
        PortAudioSession session;
        device = resolveDevice(options.device, true);
    }
    auto shared = std::make_shared<Shared>();
    shared->isJack = device.isJack;
    shared->options = reopen;
    CaptureOptions again = options;
    again.device = device.name;
    if (device.isJack) {
        shared->open = [again] { return makeJackCaptureSource(again.device, again); };
        shared->label = "audio input '" + device.name + "' (JACK)";
    } else {
        shared->open = [again] { return makeCaptureSource(again); };
        shared->label = "audio input '" + device.name + "' (" + device.hostApi + ")";
    }
    shared->inner = shared->open();
    // A returning device must come back at the same rate and shape, or the analysis would be
    // fed something else under the same name.
    const SourceInfo first = shared->inner->info();
    again.sampleRate = first.sampleRate;
    if (device.isJack) {
        shared->open = [again] { return makeJackCaptureSource(again.device, again); };
    } else {
        shared->open = [again] { return makeCaptureSource(again); };
    }
    return std::make_unique<ReopeningCaptureSource>(std::move(shared));
}

}  // namespace autolume::audio
