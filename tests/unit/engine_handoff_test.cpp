// The live engine's hand-offs with real threads, under ThreadSanitizer (scripts/sanitize): the
// demo music's paced thread fills the SampleRing, the control thread takes the main thread's
// ControlMessages (parameters, a recall with its latents) and publishes snapshots and control
// frames, the inference thread renders with the placeholder model and publishes video frames,
// and a model loaded in the background is swapped in while frames keep coming.
#include "engine.hpp"

#include "autolume/audio/audio_source.hpp"
#include "autolume/model/generator.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace autolume::app {
namespace {

const std::string kModelDir = AUTOLUME_MODEL_DIR;
const std::string kPlaceholder = kModelDir + "/placeholder.pt";            // 64 px
const std::string kConditional = kModelDir + "/reference/conditional.pt";  // 32 px

// A frame is whole: its buffers match its size and model, and the generator wrote every pixel.
bool wholeFrame(const VideoFrame& f) {
    if (f.width <= 0 || f.height != f.width) return false;
    if (f.rgba.size() != static_cast<std::size_t>(f.width) * f.height * 4) return false;
    if (f.ws.size() != static_cast<std::size_t>(f.numWs) * f.wDim) return false;
    for (std::size_t i = 3; i < f.rgba.size(); i += 4)
        if (f.rgba[i] != 255) return false;
    return true;
}

TEST(EngineHandoff, MessagesFramesAndALiveModelSwitch) {
    model::setCpuThreads(model::resolveCpuThreads(0));  // as live mode does
    std::unique_ptr<model::Generator> generator =
        model::Generator::load(kPlaceholder, model::DevicePreference::Cpu);
    // Where the engine's control session will put "walk.base_speed" (same registry order).
    ControlSessionConfig probeConfig;
    probeConfig.shape = latentShape(generator->info());
    const control::ParamId speed = ControlSession(probeConfig).registry().at("walk.base_speed");

    audio::SampleRing ring(1 << 16);
    std::unique_ptr<audio::AudioSource> demo = audio::makeDemoSource(48000.0);
    EngineConfig config;
    config.device = model::DevicePreference::Cpu;
    config.ganSpace = false;
    Engine engine(std::move(generator), *demo, ring, config);
    engine.setMaxFps(30.0);  // a shared 2-core machine
    engine.start();
    ASSERT_TRUE(demo->start(ring)) << demo->error();

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    int frames64 = 0;
    int frames32 = 0;
    int broken = 0;
    std::uint64_t lastSeq = 0;
    bool backwards = false;
    bool requested = false;
    bool recalled = false;
    float lastSent = 0.0f;
    int sent = 0;
    while (std::chrono::steady_clock::now() < deadline && frames32 < 5) {
        ControlMessage message;
        message.kind = ControlMessage::Kind::SetParam;
        message.param = speed;
        const float value = static_cast<float>(sent % 50) / 100.0f;
        message.value = value;
        if (engine.send(std::move(message))) {  // a full queue refuses (and keeps) the message
            lastSent = value;
            ++sent;
        }
        if (engine.fetchFrame()) {
            const VideoFrame& f = engine.frame();
            if (!wholeFrame(f)) ++broken;
            backwards |= f.seq < lastSeq;
            lastSeq = f.seq;
            if (f.width == 64) ++frames64;
            if (f.width == 32) ++frames32;
        }
        if (!requested && frames64 >= 5) {
            engine.requestModel(kConditional);
            requested = true;
        }
        if (!recalled && frames32 >= 1) {
            // A recall with latents of the new model's shape (allocated here, freed there).
            const model::ModelInfo info = engine.modelInfo();
            ControlMessage recall;
            recall.kind = ControlMessage::Kind::Recall;
            recall.value = 0.05f;
            recall.ws.assign(static_cast<std::size_t>(info.numWs) * info.wDim, 0.1f);
            recalled = engine.send(std::move(recall));
        }
        engine.fetchSnapshot();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    // The last value sent reaches the control thread and comes back in a snapshot.
    bool applied = false;
    while (std::chrono::steady_clock::now() < deadline && !applied) {
        if (engine.fetchSnapshot()) {
            const ControlSnapshot& s = engine.snapshot();
            applied = speed < s.base.size() && s.base[speed] == lastSent;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    engine.stop();
    demo->stop();

    model::ModelEvent event;
    ASSERT_TRUE(engine.pollModelEvent(event));
    EXPECT_EQ(event.kind, model::ModelEvent::Kind::Loaded) << event.message;
    EXPECT_EQ(event.path, kConditional);
    EXPECT_GE(frames64, 5);
    EXPECT_GE(frames32, 5);
    EXPECT_EQ(broken, 0);
    EXPECT_FALSE(backwards);
    EXPECT_TRUE(recalled);
    EXPECT_GT(sent, 10);
    EXPECT_TRUE(applied) << "walk.base_speed " << lastSent << " never came back";
    EXPECT_EQ(engine.stats().modelSwitches.load(), 1u);
    EXPECT_EQ(engine.stats().generatorErrors.load(), 0u) << engine.lastGeneratorError();
    EXPECT_EQ(engine.modelInfo().resolution, 32);
}

}  // namespace
}  // namespace autolume::app
