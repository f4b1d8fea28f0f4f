// The model loader's hand-off between three threads, as the live app uses it: a rendering
// thread draws frames with the running model and takes the new one between two frames
// (takeReady, retire), the loader thread loads (and destroys what was retired), and the UI
// thread requests and polls the events. Built and run under ThreadSanitizer (scripts/sanitize).
#include "autolume/model/generator.hpp"
#include "autolume/model/model_loader.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace autolume::model {
namespace {

const std::string kModelDir = AUTOLUME_MODEL_DIR;
const std::string kPlaceholder = kModelDir + "/placeholder.pt";            // 64 px
const std::string kConditional = kModelDir + "/reference/conditional.pt";  // 32 px

bool allOpaque(const std::vector<std::uint8_t>& rgba) {
    for (std::size_t i = 3; i < rgba.size(); i += 4)
        if (rgba[i] != 255) return false;
    return true;
}

TEST(ModelLoaderHandoff, SwapWhileAnotherThreadRenders) {
    ModelLoaderConfig config;
    config.device = DevicePreference::Cpu;
    config.ganSpace = false;
    std::atomic<int> readyCalls{0};
    config.onReady = [&readyCalls] { readyCalls.fetch_add(1); };
    ModelLoader loader(config);

    std::unique_ptr<Generator> first = Generator::load(kPlaceholder, DevicePreference::Cpu);
    const std::vector<float> z(static_cast<std::size_t>(first->info().zDim), 0.5f);
    std::atomic<bool> quit{false};
    std::atomic<int> switches{0};
    std::atomic<int> framesAfterSecondSwitch{0};
    std::atomic<bool> badFrame{false};
    // The rendering thread: the model it owns, swapped between frames, the old one retired.
    std::thread renderer([&, running = std::move(first)]() mutable {
        std::vector<std::uint8_t> rgba;
        while (!quit.load()) {
            if (std::unique_ptr<Generator> next = loader.takeReady()) {
                loader.retire(std::exchange(running, std::move(next)));
                switches.fetch_add(1);
            }
            const int px = running->info().resolution;
            rgba.assign(static_cast<std::size_t>(px) * px * 4, 0);
            running->generate(z.data(), 1.0f, 1.0f, rgba.data());
            if (!allOpaque(rgba)) badFrame = true;
            if (switches.load() == 2) framesAfterSecondSwitch.fetch_add(1);
        }
        // The last model goes back the same way (destroyed on the loader thread).
        loader.retire(std::move(running));
    });

    // The UI thread: two switches (32 px, then back to 64 px), each awaited through events.
    std::vector<ModelEvent> events;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    for (const std::string& path : {kConditional, kPlaceholder}) {
        loader.request(path);
        ModelEvent event;
        while (std::chrono::steady_clock::now() < deadline) {
            if (loader.pollEvent(event)) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        events.push_back(event);
        while (std::chrono::steady_clock::now() < deadline &&
               switches.load() < static_cast<int>(events.size()))
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    while (std::chrono::steady_clock::now() < deadline && framesAfterSecondSwitch.load() < 3)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    quit = true;
    renderer.join();

    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].kind, ModelEvent::Kind::Loaded) << events[0].message;
    EXPECT_EQ(events[0].path, kConditional);
    EXPECT_EQ(events[1].kind, ModelEvent::Kind::Loaded) << events[1].message;
    EXPECT_EQ(events[1].path, kPlaceholder);
    EXPECT_EQ(switches.load(), 2);
    EXPECT_EQ(readyCalls.load(), 2);
    EXPECT_GE(framesAfterSecondSwitch.load(), 3);
    EXPECT_FALSE(badFrame.load());
    EXPECT_FALSE(loader.loading());
    EXPECT_EQ(loader.takeReady(), nullptr);
}

// Requests faster than loads: the newest wins, a superseded model that was ready but never
// taken is retired on the loader thread, and the renderer only ever sees complete models.
TEST(ModelLoaderHandoff, RequestsRacingTheRenderer) {
    ModelLoaderConfig config;
    config.device = DevicePreference::Cpu;
    config.ganSpace = false;
    ModelLoader loader(config);
    std::atomic<bool> quit{false};
    std::mutex mutex;
    std::string runningPath;  // the renderer's model, under `mutex`
    std::atomic<bool> badModel{false};
    std::thread renderer([&] {
        std::unique_ptr<Generator> running;
        while (!quit.load()) {
            if (std::unique_ptr<Generator> next = loader.takeReady()) {
                if (next->info().zDim <= 0 || next->info().resolution <= 0) badModel = true;
                {
                    std::lock_guard lock(mutex);
                    runningPath = next->info().path;
                }
                loader.retire(std::exchange(running, std::move(next)));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        loader.retire(std::move(running));
    });
    // conditional, placeholder, ..., placeholder: the last request names the placeholder.
    for (int i = 0; i < 7; ++i) loader.request(i % 2 == 0 ? kConditional : kPlaceholder);
    loader.request(kPlaceholder);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    int loaded = 0;
    std::string lastLoaded;
    auto renderedPath = [&] {
        std::lock_guard lock(mutex);
        return runningPath;
    };
    while (std::chrono::steady_clock::now() < deadline &&
           (loader.loading() || lastLoaded != kPlaceholder || renderedPath() != kPlaceholder)) {
        ModelEvent event;
        while (loader.pollEvent(event)) {
            EXPECT_EQ(event.kind, ModelEvent::Kind::Loaded) << event.message;
            ++loaded;
            lastLoaded = event.path;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    quit = true;
    renderer.join();
    // The first request may start at once; the others replace each other while it loads.
    EXPECT_GE(loaded, 1);
    EXPECT_LE(loaded, 8);
    EXPECT_EQ(lastLoaded, kPlaceholder);
    EXPECT_EQ(renderedPath(), kPlaceholder);
    EXPECT_FALSE(badModel.load());
    EXPECT_FALSE(loader.loading());
}

}  // namespace
}  // namespace autolume::model
