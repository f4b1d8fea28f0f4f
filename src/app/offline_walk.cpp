#include "offline_walk.hpp"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "autolume/control/feature_input.hpp"
#include "autolume/control/ws_compose.hpp"
#include "engine.hpp"
#include "options.hpp"
#include "session_setup.hpp"

namespace autolume::app {

StemSpec parseStem(const std::string& text) {
    const std::size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
        throw std::invalid_argument("--stem '" + text + "': use NAME=FILE or NAME=FILE@CHANNELS");
    StemSpec spec{text.substr(0, eq), text.substr(eq + 1), {}};
    // FILE@1,2 unless a file of that whole name exists.
    std::error_code ec;
    const std::size_t at = spec.path.rfind('@');
    if (at != std::string::npos && !std::filesystem::exists(spec.path, ec)) {
        spec.channels = spec.path.substr(at + 1);
        spec.path.resize(at);
        audio::parseChannelList(spec.channels);  // throws quoting the list
    }
    return spec;
}

StemFeed::StemFeed(const StemSpec& spec, const features::AnalyzerConfig& config)
    : m_name(spec.name) {
    m_reader = std::make_unique<audio::AudioFileReader>(spec.path);  // throws naming the file
    if (m_reader->sampleRate() != config.sampleRate)
        throw std::runtime_error(spec.path + ": stem '" + spec.name + "' is at " +
                                 std::to_string(static_cast<int>(m_reader->sampleRate())) +
                                 " Hz, the song at " +
                                 std::to_string(static_cast<int>(config.sampleRate)) +
                                 " Hz (stems must have the song's rate)");
    audio::ChannelSelection selection;
    if (!spec.channels.empty()) selection = audio::parseChannelList(spec.channels);
    try {
        m_router = std::make_unique<audio::ChannelRouter>(m_reader->channels(), selection,
                                                          m_reader->channels());
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(spec.path + ": stem '" + spec.name + "': " + e.what());
    }
    m_analyzer = std::make_unique<features::Analyzer>(config);
    const auto hop = static_cast<std::size_t>(config.hopSize);
    m_raw.resize(hop * static_cast<std::size_t>(m_reader->channels()));
    m_mono.resize(hop);
}

const features::FeatureFrame& StemFeed::next() {
    const std::size_t hop = m_mono.size();
    std::size_t got = 0;
    while (got < hop) {
        const std::size_t n = m_reader->read(m_raw.data() + got * m_reader->channels(), hop - got);
        if (n == 0) break;
        got += n;
    }
    std::fill(m_raw.begin() + static_cast<std::ptrdiff_t>(got * m_reader->channels()), m_raw.end(),
              0.0f);
    m_router->route(m_raw.data(), hop, m_mono.data());
    return m_analyzer->process(m_mono.data());
}

OfflineWalk::OfflineWalk(const WalkOptions& o)
    : m_fps(o.fps),
      m_stage(!o.stageParams.empty()),
      m_generator(model::Generator::load(o.model.empty() ? defaultModelPath() : o.model,
                                         model::DevicePreference::Cpu)),
      m_info(m_generator->info()) {
    if (!(o.fps > 0.0 && o.fps <= 1000.0))
        throw std::invalid_argument("--fps must be above 0 and at most 1000");
    ControlSessionConfig config;
    config.shape = latentShape(m_info);
    config.seed = o.seed;
    config.keyframeTiming = keyframeTimingFrom(o.keyframeTiming);
    config.transition = transitionFrom(o.transition);
    config.stageParams = o.stageParams;
    for (const StemSpec& stem : o.stems) config.stemNames.push_back(stem.name);
    control::ParameterRegistry check;
    check.setStemNames(config.stemNames);  // throws std::invalid_argument (usage) for bad names
    for (const StemSpec& stem : o.stems)
        m_stems.push_back(std::make_unique<StemFeed>(stem, o.analysis));
    nlohmann::json params;
    if (!o.params.empty()) {
        std::string error;
        params = readParamsFile(o.params, error);
        if (!error.empty()) throw std::runtime_error(error);
        if (params.is_null()) throw std::runtime_error(o.params + ": no such file");
        // Offline, a field out of range or of a wrong type is an error, not a fallback.
        control::registerControllerParams(check, config.shape);
        for (const control::ParamSpec& spec : config.stageParams) check.add(spec);
        const auto report = check.fromJson(params);
        if (!report.refused.empty())
            throw std::runtime_error(o.params + ": " + report.refused.front());
    }
    if (!o.keyframes.empty()) {
        const auto bank = openPresetBank(o.presets, m_info);
        config.keyframes = keyframesFrom(o.keyframes, *m_generator, *bank);
        enableKeyframes(params);
    }
    if (o.stillInSilence) {
        if (!params.is_object()) params = nlohmann::json::object();
        if (!params.contains("walk.base_speed")) params["walk.base_speed"] = {{"value", 0.0}};
    }
    config.params = params;
    try {
        m_session = std::make_unique<ControlSession>(config);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error((o.params.empty() ? std::string("keyframes") : o.params) + ": " +
                                 e.what());
    }
    const control::LatentShape& shape = m_session->shape();
    m_frame.resize(shape.zDim, shape.wDim, shape.numWs, shape.ganspaceCount);
    m_session->prepareSnapshot(m_snapshot);
    m_latents.resize(m_info);
    m_blended.resize(static_cast<std::size_t>(m_info.numWs) * m_info.wDim);
    m_ws.resize(m_blended.size());
    // GANSpace directions only when the parameters steer along them.
    const control::ControllerParams& ids = m_session->controller().params();
    for (control::ParamId id : ids.ganspace)
        if (m_session->registry().base(id) != 0.0f ||
            m_session->registry().modulation(id).source != control::Feature::None)
            m_needGanSpace = true;
    if (m_needGanSpace) m_ganSpace = model::loadOrComputeGanSpace(m_info.path).space;
}

void OfflineWalk::hop(const features::FeatureFrame& f, double dtSec, const Sink& sink) {
    control::ControlInput input = control::toControlInput(f);
    for (std::size_t i = 0; i < m_stems.size(); ++i)
        control::setStemInput(input, static_cast<int>(i), m_stems[i]->next());
    m_session->step(input, dtSec, f.timeSec, nullptr, m_frame);
    if (m_stage) m_session->snapshot(m_snapshot);
    while (static_cast<double>(m_frames) / m_fps <= f.timeSec) emit(sink);
}

void OfflineWalk::finish(double durationSec, const Sink& sink) {
    while (static_cast<double>(m_frames) / m_fps < durationSec) emit(sink);
}

void OfflineWalk::emit(const Sink& sink) {
    const float* composed = m_latents.compose(
        *m_generator, m_frame, m_needGanSpace ? &m_ganSpace : nullptr, m_blended.data());
    std::copy(composed, composed + m_ws.size(), m_ws.begin());
    control::truncateWs(m_generator->wAvg().data(), m_frame.psi, m_info.numWs, m_info.wDim,
                        m_ws.data());
    WalkFrame frame;
    frame.index = m_frames;
    frame.timeSec = static_cast<double>(m_frames) / m_fps;
    frame.control = &m_frame;
    frame.ws = m_ws.data();
    frame.snapshot = m_stage ? &m_snapshot : nullptr;
    ++m_frames;
    sink(frame);
}

std::uint64_t analyzeFile(audio::AudioFileReader& reader, audio::ChannelRouter& router,
                          features::StemAnalyzer& analyzer, int hopSize,
                          const std::function<void(std::span<const features::FeatureFrame>)>& onHop,
                          const std::function<void(const float*, std::size_t)>& onAudio) {
    const auto hop = static_cast<std::size_t>(hopSize);
    const auto sourceChannels = static_cast<std::size_t>(reader.channels());
    const auto outputChannels = static_cast<std::size_t>(router.outputChannels());
    constexpr std::size_t kHopsPerRead = 64;
    std::vector<float> raw(kHopsPerRead * hop * sourceChannels);
    std::vector<float> routed(kHopsPerRead * hop * outputChannels);
    std::size_t pending = 0;  // frames read but not yet analysed (less than one hop)
    std::uint64_t total = 0;
    for (;;) {
        const std::size_t got = reader.read(raw.data(), kHopsPerRead * hop - pending);
        total += got;
        if (onAudio && got > 0) onAudio(raw.data(), got);
        router.route(raw.data(), got, routed.data() + pending * outputChannels);
        const std::size_t frames = pending + got;
        std::size_t at = 0;
        for (; at + hop <= frames; at += hop)
            onHop(analyzer.process(routed.data() + at * outputChannels));
        // Keep the incomplete hop for the next read.
        pending = frames - at;
        std::copy_n(routed.data() + at * outputChannels, pending * outputChannels, routed.data());
        if (got == 0) break;
    }
    return total;
}

}  // namespace autolume::app
