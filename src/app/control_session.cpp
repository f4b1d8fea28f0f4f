#include "control_session.hpp"

#include <cassert>

#include <algorithm>
#include <utility>

namespace autolume::app {

namespace {

std::size_t wsSize(const control::LatentShape& s) {
    return static_cast<std::size_t>(s.numWs) * s.wDim;
}

bool sameShape(const control::LatentShape& a, const control::LatentShape& b) {
    return a.zDim == b.zDim && a.wDim == b.wDim && a.numWs == b.numWs &&
           a.numLayers == b.numLayers && a.ganspaceCount == b.ganspaceCount;
}

// Values and modulations by name, applied at once (no glide).
void carryParams(const nlohmann::json& params, control::ParameterRegistry& registry) {
    registry.fromJson(params);
    for (control::ParamId id = 0; id < registry.size(); ++id)
        registry.jumpTo(id, registry.base(id));
}

}  // namespace

ControlSession::ControlSession(const ControlSessionConfig& config)
    : m_shape(config.shape),
      m_seed(config.seed),
      m_events(config.events),
      m_registry(std::make_unique<control::ParameterRegistry>()),
      m_controller(std::make_unique<control::LatentController>(m_shape, m_seed, *m_registry)),
      m_timing(config.keyframeTiming),
      m_transition(config.transition),
      m_stageSpecs(config.stageParams) {
    m_registry->setStemNames(config.stemNames);
    registerStage(*m_registry);
    if (!config.params.is_null()) carryParams(config.params, *m_registry);
    if (config.midiProfile) {
        m_mapper = std::make_unique<control::MidiMapper>(*config.midiProfile, *m_registry);
        m_mapper->setStoredSlots(0);
    }
    m_controller->setKeyframes(config.keyframes);
    m_keyframes = config.keyframes;
    m_controller->setKeyframeTiming(m_timing);
    m_controller->setTransition(m_transition);
}

void ControlSession::reshape(const control::LatentShape& shape) {
    if (sameShape(shape, m_shape)) return;
    const nlohmann::json params = m_registry->toJson();
    auto registry = std::make_unique<control::ParameterRegistry>();
    auto controller = std::make_unique<control::LatentController>(shape, m_seed, *registry);
    registry->setStemNames(m_registry->stemNames());
    registerStage(*registry);
    carryParams(params, *registry);
    std::unique_ptr<control::MidiMapper> mapper;
    if (m_mapper) {
        mapper = std::make_unique<control::MidiMapper>(m_mapper->profile(), *registry);
        mapper->setStoredSlots(m_mapper->storedSlots());
        mapper->setActiveSlots(0);
        mapper->refreshLeds();
    }
    const std::size_t size = wsSize(shape);
    if (std::any_of(m_keyframes.begin(), m_keyframes.end(),
                    [size](const std::vector<float>& k) { return k.size() != size; }))
        m_keyframes.clear();
    controller->setKeyframes(m_keyframes);
    controller->setKeyframeTiming(m_timing);
    controller->setTransition(m_transition);
    // The mapper refers to the registry: replace it before the registry goes.
    m_mapper = std::move(mapper);
    m_controller = std::move(controller);
    m_registry = std::move(registry);
    m_shape = shape;
}

void ControlSession::registerStage(control::ParameterRegistry& registry) {
    m_stageIds.clear();
    for (const control::ParamSpec& spec : m_stageSpecs) m_stageIds.push_back(registry.add(spec));
}

float ControlSession::morphSec(float requested) const noexcept {
    return requested >= 0.0f ? requested : m_registry->value(m_controller->params().presetMorph);
}

void ControlSession::handle(ControlMessage& m) noexcept {
    using Kind = ControlMessage::Kind;
    control::ParameterRegistry& r = *m_registry;
    try {
        switch (m.kind) {
            case Kind::SetParam:
                r.setBase(m.param, m.value);
                break;
            case Kind::SetModulation:
                r.setModulation(m.param, m.modulation);
                break;
            case Kind::LoadParams:
                if (m.params) r.fromJson(*m.params);
                break;
            case Kind::Learn:
                if (m_mapper && m.param < r.size()) m_mapper->learn(m.param);
                break;
            case Kind::CancelLearn:
                if (m_mapper) m_mapper->cancelLearn();
                break;
            case Kind::Recall:
                if (m.ws.size() == wsSize(m_shape))
                    m_controller->recall(m.ws.data(), morphSec(m.value));
                break;
            case Kind::Release:
                m_controller->release(morphSec(m.value));
                if (m_mapper) m_mapper->setActiveSlots(0);
                break;
            case Kind::SetStoredSlots:
                if (m_mapper) m_mapper->setStoredSlots(m.slots);
                break;
            case Kind::SetActiveSlots:
                if (m_mapper) m_mapper->setActiveSlots(m.slots);
                break;
            case Kind::SetKeyframes:
                m_controller->setKeyframes(m.keyframes);
                m_keyframes = std::move(m.keyframes);
                break;
            case Kind::SetKeyframeTiming:
                m_timing = static_cast<control::KeyframeTiming>(m.option);
                m_controller->setKeyframeTiming(m_timing);
                break;
            case Kind::SetTransition:
                m_transition = static_cast<control::Transition>(m.option);
                m_controller->setTransition(m_transition);
                break;
        }
    } catch (const std::exception&) {
        // Wrong sizes or types from a message made for another model: nothing was applied,
        // and it is counted (panel, exit summary).
        ++m_messagesRefused;
    }
}

void ControlSession::emit(const ControlEvent& event) noexcept {
    if (!m_events || m_events->try_enqueue(event)) return;
    ++m_eventsDropped;  // a MIDI "store preset" lost: shown, and a bug in a debug build
    assert(!"control event queue full: the main thread stopped polling events");
}

void ControlSession::applyMidiActions() noexcept {
    using Kind = control::MidiAction::Kind;
    for (const control::MidiAction& a : m_mapper->actions()) {
        switch (a.kind) {
            case Kind::Recall:
                emit({ControlEvent::Kind::Recall, a.slots, 0, nullptr});
                break;
            case Kind::Store:
                emit({ControlEvent::Kind::Store, a.slots, 0, nullptr});
                break;
            case Kind::Release:
                m_controller->release(morphSec(-1.0f));
                emit({ControlEvent::Kind::Release, 0, 0, nullptr});
                break;
            case Kind::Record:
                emit({ControlEvent::Kind::Record, 0, 0, nullptr});
                break;
            case Kind::Learned:
                try {
                    emit({ControlEvent::Kind::Learned, 0, a.param,
                          std::make_shared<const control::MidiProfile>(m_mapper->profile())});
                } catch (const std::exception&) {
                    // Out of memory copying the map: the binding works, it is just not saved.
                }
                break;
        }
    }
    m_mapper->clearActions();
}

void ControlSession::step(const control::ControlInput& input, double dtSec, double timeSec,
                          midi::MidiDevice* device, control::ControlFrame& out) noexcept {
    if (device && m_mapper) {
        m_pump.run(*device, *m_mapper, timeSec);
        applyMidiActions();
    }
    m_controller->step(input, dtSec, out);
    m_onsets += input.onset ? 1 : 0;
    m_beatTicks += input.beat ? 1 : 0;
    m_input = input;
}

void ControlSession::prepareSnapshot(ControlSnapshot& out) const {
    out.base.assign(m_registry->size(), 0.0f);
    out.value.assign(m_registry->size(), 0.0f);
    out.stage.assign(m_stageIds.size(), 0.0f);
}

void ControlSession::snapshot(ControlSnapshot& out) const noexcept {
    const control::ParameterRegistry& r = *m_registry;
    const std::size_t n = std::min<std::size_t>(r.size(), out.base.size());
    for (std::size_t i = 0; i < n; ++i) {
        const auto id = static_cast<control::ParamId>(i);
        out.base[i] = r.base(id);
        out.value[i] = r.value(id);
    }
    out.beats = m_controller->beatPosition();
    out.eventsDropped = m_eventsDropped;
    out.messagesRefused = m_messagesRefused;
    out.input = m_input;
    out.onsets = m_onsets;
    out.beatTicks = m_beatTicks;
    const std::size_t stages = std::min(m_stageIds.size(), out.stage.size());
    for (std::size_t i = 0; i < stages; ++i) out.stage[i] = r.value(m_stageIds[i]);
    if (m_mapper) {
        out.storedSlots = m_mapper->storedSlots();
        out.activeSlots = m_mapper->activeSlots();
        out.learning = m_mapper->isLearning();
        const control::MidiStats& s = m_mapper->stats();
        out.midiReceived = s.received;
        out.midiMalformed = s.malformed;
        out.midiUnmapped = s.unmapped;
    }
}

}  // namespace autolume::app
