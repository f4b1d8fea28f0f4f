#include "desk.hpp"

#include <spdlog/spdlog.h>

#include <utility>

namespace autolume::app {

namespace {

std::vector<int> slotList(std::uint32_t slots) {
    std::vector<int> list;
    for (int s = 0; s < control::PresetBank::kSlots; ++s)
        if (slots & (1u << s)) list.push_back(s);
    return list;
}

std::string slotNames(std::uint32_t slots) {
    std::string names;
    for (int s : slotList(slots)) names += (names.empty() ? "" : "+") + std::to_string(s + 1);
    return names;
}

}  // namespace

Desk::Desk(Engine& engine, const model::ModelInfo& info, std::string presetsRoot,
           std::unique_ptr<control::PresetBank> bank, std::optional<MidiProfileChoice> midi,
           const nlohmann::json& params)
    : m_engine(engine),
      m_presetsRoot(std::move(presetsRoot)),
      m_bank(std::move(bank)),
      m_midi(std::move(midi)) {
    for (int f = 0; f <= static_cast<int>(control::Feature::Percussive); ++f)
        m_parameterPanel.features.emplace_back(
            control::featureName(static_cast<control::Feature>(f)));
    for (int c = 0; c <= static_cast<int>(control::Curve::Smooth); ++c)
        m_parameterPanel.curves.emplace_back(control::curveName(static_cast<control::Curve>(c)));
    m_wsSize = static_cast<std::size_t>(info.numWs) * info.wDim;
    rebuildSpecs(latentShape(info));
    if (!params.is_null()) {
        try {
            m_specs.fromJson(params);
        } catch (const std::exception&) {
            // The engine refused them already and said why.
        }
    }
    refreshSlots();
    sendStoredSlots();
}

void Desk::rebuildSpecs(const control::LatentShape& shape) {
    const nlohmann::json values = m_specs.size() ? m_specs.toJson() : nlohmann::json();
    m_specs = control::ParameterRegistry();
    m_ids = control::registerControllerParams(m_specs, shape);
    for (const control::ParamSpec& spec : m_engine.stageParams()) m_specs.add(spec);
    if (!values.is_null()) m_specs.fromJson(values);
    m_parameterPanel.entries.clear();
    for (control::ParamId id = 0; id < m_specs.size(); ++id) {
        const control::ParamSpec& spec = m_specs.spec(id);
        render::ParameterEntry e;
        e.name = spec.name;
        e.help = spec.help;
        e.min = spec.min;
        e.max = spec.max;
        e.base = e.live = m_specs.base(id);
        const control::Modulation& m = m_specs.modulation(id);
        e.modSource = static_cast<int>(m.source);
        e.modGain = m.gain;
        e.modCurve = static_cast<int>(m.curve);
        m_parameterPanel.entries.push_back(std::move(e));
    }
    refreshBindings();
}

void Desk::refreshBindings() {
    for (render::ParameterEntry& e : m_parameterPanel.entries) e.midiBinding.clear();
    if (!m_midi) return;
    for (const control::MidiBinding& b : m_midi->profile.bindings) {
        if (b.param.empty()) continue;
        if (const auto id = m_specs.find(b.param)) {
            std::string& text = m_parameterPanel.entries[*id].midiBinding;
            text += (text.empty() ? "" : ", ") + b.describeControl() +
                    (b.transform.empty() ? "" : " [" + b.transform + "]");
        }
    }
}

void Desk::refreshSlots() {
    m_presetPanel.slots.resize(control::PresetBank::kSlots);
    for (int s = 0; s < control::PresetBank::kSlots; ++s) {
        m_presetPanel.slots[s].stored = m_bank->has(s);
        m_presetPanel.slots[s].problem = m_bank->problem(s);
        m_presetPanel.slots[s].active = (m_active >> s) & 1u;
    }
}

void Desk::sendStoredSlots() {
    std::uint32_t stored = 0;
    for (int s = 0; s < control::PresetBank::kSlots; ++s)
        if (m_bank->has(s)) stored |= 1u << s;
    m_engine.send({.kind = ControlMessage::Kind::SetStoredSlots, .slots = stored});
}

void Desk::say(const std::string& line, bool error) {
    if (error)
        spdlog::error("{}", line);
    else
        spdlog::info("{}", line);
    m_presetPanel.message = line;
}

void Desk::showKeyframes(int count, control::KeyframeTiming timing,
                         control::Transition transition) {
    m_presetPanel.keyframeCount = count;
    m_presetPanel.keyframeTiming = static_cast<int>(timing);
    m_presetPanel.transition = static_cast<int>(transition);
}

void Desk::modelSwitched(const model::ModelInfo& info) {
    // The control thread drops keyframes of another shape.
    const std::size_t wsSize = static_cast<std::size_t>(info.numWs) * info.wDim;
    if (wsSize != m_wsSize) m_presetPanel.keyframeCount = 0;
    m_wsSize = wsSize;
    rebuildSpecs(latentShape(info));
    const std::filesystem::path dir = presetDirFor(m_presetsRoot, info);
    m_bank = openPresetBank(m_presetsRoot, info);
    m_active = 0;
    sendStoredSlots();
    m_engine.send({.kind = ControlMessage::Kind::SetActiveSlots, .slots = 0});
    refreshSlots();
    spdlog::info("presets of {} in {}", info.name, dir.string());
}

void Desk::storeShown(int slot, bool overwriteUnread) {
    const VideoFrame& frame = m_engine.frame();
    if (frame.seq == 0) {
        say("nothing on screen yet to store in preset " + std::to_string(slot + 1), true);
        return;
    }
    control::Preset preset;
    preset.ws = frame.ws;
    preset.params = m_specs.toJson();
    try {
        m_bank->store(slot, preset, overwriteUnread);
        say("stored preset " + std::to_string(slot + 1) + " in " + m_bank->pathOf(slot).string(),
            false);
    } catch (const control::UnreadableSlot& e) {
        // From the panel or a long press on the controller: the presets window asks.
        say(std::string(e.what()) + ": confirm in the presets window", true);
        m_presetPanel.confirmSlot = slot;
    } catch (const std::exception& e) {
        // The file on disk and the slot are unchanged; the LEDs go back to the truth.
        say(e.what(), true);
    }
    sendStoredSlots();
    refreshSlots();
}

void Desk::recall(std::uint32_t slots) {
    std::vector<int> stored;
    for (int s : slotList(slots))
        if (m_bank->has(s)) stored.push_back(s);
    if (stored.empty()) return;
    ControlMessage m{.kind = ControlMessage::Kind::Recall, .value = -1.0f};
    m.ws = m_bank->average(stored);
    m_active = 0;
    for (int s : stored) m_active |= 1u << s;
    m_engine.send(std::move(m));
    m_engine.send({.kind = ControlMessage::Kind::SetActiveSlots, .slots = m_active});
    say("recall preset " + slotNames(m_active), false);
    refreshSlots();
}

void Desk::release() {
    m_active = 0;
    m_engine.send({.kind = ControlMessage::Kind::Release, .value = -1.0f});
    m_engine.send({.kind = ControlMessage::Kind::SetActiveSlots, .slots = 0});
    refreshSlots();
}

void Desk::learned(const ControlEvent& event) {
    m_learning = -1;
    if (!m_midi || !event.profile) return;
    m_midi->profile = *event.profile;
    refreshBindings();
    const std::string name = event.param < m_specs.size() ? m_specs.spec(event.param).name : "?";
    if (m_midi->savePath.empty()) {
        spdlog::warn("MIDI learn: {} bound (not saved: see the profile error above)", name);
        return;
    }
    try {
        m_midi->profile.save(m_midi->savePath);
        spdlog::info("MIDI learn: {} bound; map saved to {}", name, m_midi->savePath.string());
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
    }
}

void Desk::update(bool snapshotFresh) {
    if (snapshotFresh) {
        const ControlSnapshot& snap = m_engine.snapshot();
        const std::size_t n = std::min(snap.base.size(), m_parameterPanel.entries.size());
        for (std::size_t i = 0; i < n; ++i) {
            render::ParameterEntry& e = m_parameterPanel.entries[i];
            e.base = snap.base[i];
            e.live = snap.value[i];
            e.learning = static_cast<int>(i) == m_learning && snap.learning;
            m_specs.jumpTo(static_cast<control::ParamId>(i), snap.base[i]);
        }
        // MIDI recalls and releases light the slots through the mapper.
        if (m_engine.midiOn() && snap.activeSlots != m_active) {
            m_active = snap.activeSlots;
            refreshSlots();
        }
    }
    ControlEvent event;
    while (m_engine.pollEvent(event)) {
        switch (event.kind) {
            case ControlEvent::Kind::Recall:
                recall(event.slots);
                break;
            case ControlEvent::Kind::Store:
                if (const int slot = control::firstSlot(event.slots); slot >= 0) storeShown(slot);
                break;
            case ControlEvent::Kind::Release:
                m_active = 0;
                refreshSlots();
                break;
            case ControlEvent::Kind::Learned:
                learned(event);
                break;
            case ControlEvent::Kind::Record:
                ++m_recordPresses;
                break;
        }
    }
}

void Desk::draw(bool showParameters, bool showPresets) {
    m_parameterPanel.visible = showParameters;
    m_presetPanel.visible = showPresets;
    m_parameterEdits.clear();
    render::drawParameterPanel(m_parameterPanel, m_parameterEdits);
    for (const render::ParameterEdit& edit : m_parameterEdits) {
        const auto id = static_cast<control::ParamId>(edit.index);
        render::ParameterEntry& e = m_parameterPanel.entries[edit.index];
        switch (edit.kind) {
            case render::ParameterEdit::Kind::Value:
                m_specs.jumpTo(id, e.base);
                m_engine.send(
                    {.kind = ControlMessage::Kind::SetParam, .param = id, .value = e.base});
                break;
            case render::ParameterEdit::Kind::Modulation: {
                const control::Modulation m{static_cast<control::Feature>(e.modSource), e.modGain,
                                            static_cast<control::Curve>(e.modCurve)};
                m_specs.setModulation(id, m);
                m_engine.send(
                    {.kind = ControlMessage::Kind::SetModulation, .param = id, .modulation = m});
                break;
            }
            case render::ParameterEdit::Kind::Learn:
                if (!m_engine.midiOn()) {
                    say("MIDI learn needs a controller: start with --midi PORT", true);
                } else if (m_learning == edit.index) {
                    m_learning = -1;
                    m_engine.send({.kind = ControlMessage::Kind::CancelLearn});
                } else {
                    m_learning = edit.index;
                    e.learning = true;
                    m_engine.send({.kind = ControlMessage::Kind::Learn, .param = id});
                    spdlog::info("MIDI learn: move a control for {}", e.name);
                }
                break;
        }
    }
    m_presetEdits.clear();
    render::drawPresetPanel(m_presetPanel, m_presetEdits);
    for (const render::PresetEdit& edit : m_presetEdits) {
        std::uint32_t mask = 0;
        for (int s : edit.slots) mask |= 1u << s;
        switch (edit.kind) {
            case render::PresetEdit::Kind::Recall:
            case render::PresetEdit::Kind::RecallAverage:
                recall(mask);
                break;
            case render::PresetEdit::Kind::Store:
                storeShown(edit.slots.at(0));
                break;
            case render::PresetEdit::Kind::StoreConfirmed:
                storeShown(edit.slots.at(0), true);
                break;
            case render::PresetEdit::Kind::Clear:
                try {
                    m_bank->clear(edit.slots.at(0));
                    say("cleared preset " + std::to_string(edit.slots.at(0) + 1), false);
                } catch (const std::exception& e) {
                    say(e.what(), true);
                }
                sendStoredSlots();
                refreshSlots();
                break;
            case render::PresetEdit::Kind::Release:
                release();
                break;
            case render::PresetEdit::Kind::Keyframes: {
                ControlMessage m{.kind = ControlMessage::Kind::SetKeyframes};
                for (int s : edit.slots)
                    if (m_bank->has(s)) m.keyframes.push_back(m_bank->get(s).ws);
                m_presetPanel.keyframeCount = static_cast<int>(m.keyframes.size());
                say(std::to_string(m.keyframes.size()) + " keyframes from presets " +
                        slotNames(mask),
                    false);
                m_engine.send(std::move(m));
                break;
            }
            case render::PresetEdit::Kind::KeyframeTiming:
                m_engine.send({.kind = ControlMessage::Kind::SetKeyframeTiming,
                               .option = m_presetPanel.keyframeTiming});
                break;
            case render::PresetEdit::Kind::Transition:
                m_engine.send({.kind = ControlMessage::Kind::SetTransition,
                               .option = m_presetPanel.transition});
                break;
        }
    }
}

}  // namespace autolume::app
