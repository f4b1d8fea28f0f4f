// Real-time safety: the audio callback paths and the per-hop analysis allocate nothing.
//
// This executable replaces the global allocator (operator new/delete and glibc's malloc family,
// which FFTW and libsndfile use) with counting wrappers. Counting is armed per thread (the test
// thread calling a real-time path directly), or for every thread at once while a live source
// runs on its own thread and the test thread only sleeps. Whatever a path allocates, however
// deep in a library, shows up as a count above zero.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <thread>
#include <vector>

#include <sndfile.h>

#include "autolume/audio/audio_source.hpp"
#include "autolume/audio/channel_router.hpp"
#include "autolume/audio/spsc_ring.hpp"
#include "autolume/features/analyzer.hpp"
#include "autolume/features/stem_analyzer.hpp"
#include "capture_callback.hpp"
#include "file_streamer.hpp"
#include "playback_callback.hpp"

// ---------------------------------------------------------------------------------------------
// The counting allocator.

extern "C" {
void* __libc_malloc(std::size_t);
void __libc_free(void*);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
}

namespace {

std::atomic<long> g_allocations{0};
std::atomic<bool> g_countEveryThread{false};
// Static TLS in the executable: reading it never allocates.
thread_local bool t_counting = false;

inline void noteAllocation() noexcept {
    if (t_counting || g_countEveryThread.load(std::memory_order_relaxed)) {
        g_allocations.fetch_add(1, std::memory_order_relaxed);
    }
}

}  // namespace

extern "C" {
void* malloc(std::size_t n) {
    noteAllocation();
    return __libc_malloc(n);
}
void free(void* p) {
    __libc_free(p);
}
void* calloc(std::size_t count, std::size_t n) {
    noteAllocation();
    return __libc_calloc(count, n);
}
void* realloc(void* p, std::size_t n) {
    noteAllocation();
    return __libc_realloc(p, n);
}
void* memalign(std::size_t alignment, std::size_t n) {
    noteAllocation();
    return __libc_memalign(alignment, n);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
    noteAllocation();
    return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t n) {
    noteAllocation();
    void* p = __libc_memalign(alignment, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
}

void* operator new(std::size_t n) {
    noteAllocation();
    if (void* p = __libc_malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    return operator new(n);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    noteAllocation();
    return __libc_malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    noteAllocation();
    return __libc_malloc(n ? n : 1);
}
void* operator new(std::size_t n, std::align_val_t a) {
    noteAllocation();
    if (void* p = __libc_memalign(static_cast<std::size_t>(a), n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
    return operator new(n, a);
}
void operator delete(void* p) noexcept {
    __libc_free(p);
}
void operator delete[](void* p) noexcept {
    __libc_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    __libc_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    __libc_free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    __libc_free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    __libc_free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    __libc_free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    __libc_free(p);
}

namespace autolume::audio {
namespace {

namespace fs = std::filesystem;

// Allocations made on this thread between construction and count().
class CountHere {
  public:
    CountHere() noexcept : m_start(g_allocations.load()) { t_counting = true; }
    ~CountHere() { t_counting = false; }
    long count() const noexcept { return g_allocations.load() - m_start; }

  private:
    long m_start;
};

// Allocations made on any thread between construction and count().
class CountEverywhere {
  public:
    CountEverywhere() noexcept : m_start(g_allocations.load()) { g_countEveryThread = true; }
    ~CountEverywhere() { g_countEveryThread = false; }
    long count() const noexcept { return g_allocations.load() - m_start; }

  private:
    long m_start;
};

TEST(RealTimeAllocations, TheCounterSeesAllocations) {
    // The instrument works: a vector, a string and malloc each count.
    CountHere counter;
    std::vector<int> v(1000);
    void* p = std::malloc(64);
    std::free(p);
    const long n = counter.count();
    EXPECT_GE(n, 2);
}

fs::path scratch() {
    const fs::path dir = fs::path(AUTOLUME_TEST_TMP) / "rt_alloc";
    fs::create_directories(dir);
    return dir;
}

fs::path writeStereo(const std::string& name, double seconds) {
    const fs::path path = scratch() / name;
    SF_INFO info{};
    info.samplerate = 48000;
    info.channels = 2;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
    const auto frames = static_cast<std::size_t>(seconds * 48000);
    std::vector<float> x(frames * 2);
    for (std::size_t i = 0; i < frames; ++i) {
        x[2 * i] = static_cast<float>(0.4 * std::sin(0.05 * static_cast<double>(i)));
        x[2 * i + 1] = static_cast<float>(0.2 * std::sin(0.03 * static_cast<double>(i)));
    }
    sf_writef_float(file, x.data(), static_cast<sf_count_t>(frames));
    sf_close(file);
    return path;
}

TEST(RealTimeAllocations, AnalyzerProcessAllocatesNothing) {
    const std::vector<float> music = renderDemo(48000.0, 12.0);
    features::Analyzer analyzer(features::AnalyzerConfig{});
    std::vector<float> interleaved(2 * 512);
    features::StemAnalyzer stems(2, features::AnalyzerConfig{});
    CountHere counter;
    // Twelve seconds of music: onsets, a tempo lock, beats, chords, envelopes, smoothing.
    for (std::size_t at = 0; at + 512 <= music.size(); at += 512) {
        analyzer.process(music.data() + at);
    }
    for (std::size_t at = 0; at + 512 <= 48000; at += 512) {
        for (std::size_t i = 0; i < 512; ++i) {
            interleaved[2 * i] = music[at + i];
            interleaved[2 * i + 1] = -music[at + i];
        }
        stems.process(interleaved.data());
    }
    const float bpm = analyzer.tempo().estimate().bpm;
    analyzer.reset();
    EXPECT_EQ(counter.count(), 0);
    // The whole analysis ran (the demo is 120 BPM): the tempo locked without allocating.
    EXPECT_NEAR(bpm, 120.0f, 2.0f);
}

TEST(RealTimeAllocations, RingAndCaptureCallbacksAllocateNothing) {
    SampleRing ring(1 << 12);
    std::vector<float> block(4 * 1500);
    for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<float>(i % 7) * 0.1f;
    std::vector<const float*> planar = {block.data(), block.data() + 1500, block.data() + 3000,
                                        block.data() + 4500};
    CaptureCallback mixed(4, {}, 2);
    CaptureCallback stems(4, parseChannelList("1,3", true), 2);
    mixed.attach(&ring);
    std::vector<float> out(1 << 12);
    {
        CountHere counter;
        for (int i = 0; i < 50; ++i) {
            mixed.onInterleaved(block.data(), 1500);  // larger than one routing block, and
            mixed.onPlanar(planar.data(), 1500);      // soon more than the ring holds
            ring.pop(out.data(), out.size() / 2);
        }
        EXPECT_EQ(counter.count(), 0);
    }
    EXPECT_GT(mixed.overruns(), 0u) << "the overrun path ran too";
    mixed.detach();
    stems.attach(&ring);
    {
        CountHere counter;
        for (int i = 0; i < 50; ++i) {
            stems.onInterleaved(block.data(), 1000);
            stems.onPlanar(planar.data(), 1000);
            ring.pop(out.data(), out.size());
        }
        stems.detach();
        stems.onInterleaved(block.data(), 1000);  // detached: goes nowhere
        EXPECT_EQ(counter.count(), 0);
    }
}

TEST(RealTimeAllocations, PlaybackCallbackAllocatesNothing) {
    const fs::path wav = writeStereo("playback.wav", 3.0);
    FileStreamer streamer(wav.string());
    streamer.start();
    PlaybackCallback callback(streamer, parseChannelList("1,2", true), 2);
    SampleRing ring(1 << 16);
    callback.attach(&ring);
    std::vector<float> output(2 * 4096);
    std::vector<float> analysed(1 << 16);
    long allocations = 0;
    // Play the whole file in output-callback-sized pieces, as fast as the decoder keeps up,
    // through to the end of the file (and a little past it).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!callback.finished() && std::chrono::steady_clock::now() < deadline) {
        {
            CountHere counter;
            callback.process(output.data(), 4096);
            ring.pop(analysed.data(), analysed.size());
            allocations += counter.count();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    EXPECT_TRUE(callback.finished());
    {
        CountHere counter;
        callback.process(output.data(), 4096);
        allocations += counter.count();
    }
    EXPECT_EQ(allocations, 0);
    EXPECT_EQ(callback.framesPlayed(), 3u * 48000u);
    callback.detach();
}

// A live source on its own thread: while it runs, nothing in the process allocates (the test
// thread only sleeps).
TEST(RealTimeAllocations, PacedSourcesAllocateNothingWhileRunning) {
    SampleRing ring(1 << 18);
    auto demo = makeDemoSource(48000.0);
    ASSERT_TRUE(demo->start(ring));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    long demoAllocations = 0;
    {
        CountEverywhere counter;
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        demoAllocations = counter.count();
    }
    demo->stop();
    EXPECT_EQ(demoAllocations, 0) << "demo synth and its pusher";
    EXPECT_GT(ring.totalWritten(), 48000u * 4 / 10);

    // A file source: its pusher routes stems; its decoder thread reads ahead from disk.
    const fs::path wav = writeStereo("paced.wav", 3.0);
    FileSourceOptions options;
    options.channels = parseChannelList("1,2", true);
    auto file = makeFileSource(wav.string(), options);
    SampleRing fileRing(1 << 18);
    ASSERT_TRUE(file->start(fileRing));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    long fileAllocations = 0;
    {
        CountEverywhere counter;
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        fileAllocations = counter.count();
    }
    file->stop();
    EXPECT_EQ(fileAllocations, 0) << "file pusher and decoder";
}

}  // namespace
}  // namespace autolume::audio
