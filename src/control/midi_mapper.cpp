#include "autolume/control/midi_mapper.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

namespace autolume::control {

namespace {

// Positions to 0..1 with the centre exact: controllers centre knobs and pitch wheels on 64 and
// 8192, and bipolar targets (GANSpace -3..3, translate -1..1) must rest exactly on zero there.
float unit7(int v) noexcept {
    return v <= 64 ? static_cast<float>(v) / 128.0f : 0.5f + static_cast<float>(v - 64) / 126.0f;
}

float unit14(int v) noexcept {
    return v <= 8192 ? static_cast<float>(v) / 16384.0f
                     : 0.5f + static_cast<float>(v - 8192) / 16382.0f;
}

// Encoder ticks from a relative CC value.
int relativeTicks(MidiMode mode, int v) noexcept {
    switch (mode) {
        case MidiMode::RelativeTwos:
            return v < 64 ? v : v - 128;
        case MidiMode::RelativeOffset:
            return v - 64;
        case MidiMode::RelativeSign:
            return (v & 0x40) ? -(v & 0x3F) : (v & 0x3F);
        default:
            return 0;
    }
}

bool isRelative(MidiMode mode) noexcept {
    return mode == MidiMode::RelativeTwos || mode == MidiMode::RelativeOffset ||
           mode == MidiMode::RelativeSign;
}

// The inverse of applyCurve on 0..1, so encoders move evenly in the control's own space.
float inverseCurve(Curve curve, float y) noexcept {
    y = std::clamp(y, 0.0f, 1.0f);
    switch (curve) {
        case Curve::Linear:
            return y;
        case Curve::Square:
            return std::sqrt(y);
        case Curve::Sqrt:
            return y * y;
        case Curve::Smooth:
            return 0.5f - std::sin(std::asin(1.0f - 2.0f * y) / 3.0f);
    }
    return y;
}

bool hasLed(const MidiBinding& b) noexcept {
    if (!b.ledEnabled || b.source == MidiSource::PitchBend) return false;
    switch (b.action) {
        case BindingAction::Preset:
        case BindingAction::Transform:
        case BindingAction::Shift:
            return true;
        case BindingAction::Release:
        case BindingAction::Record:
            return false;
        case BindingAction::None:
            return b.isButton();
    }
    return false;
}

bool gated(const MidiBinding& b) noexcept {
    return b.action == BindingAction::None && !b.transform.empty();
}

}  // namespace

int firstSlot(std::uint32_t slots) noexcept {
    return slots == 0 ? -1 : std::countr_zero(slots);
}

MidiMapper::MidiMapper(MidiProfile profile, ParameterRegistry& registry)
    : m_profile(std::move(profile)), m_registry(registry) {
    m_profile.validate();
    if (m_profile.bindings.size() > kMaxBindings)
        throw std::invalid_argument("more than " + std::to_string(kMaxBindings) + " bindings");
    rebuild();
}

void MidiMapper::rebuild() {
    // Transform states survive a rebuild (after a learn) by name.
    std::vector<std::string> wasOn;
    for (std::size_t t = 0; t < m_transforms.size(); ++t)
        if (m_transformOn & (1u << t)) wasOn.push_back(m_transforms[t]);
    m_transforms.clear();
    m_transformOn = 0;
    m_warnings.clear();
    std::vector<Runtime> old = std::move(m_runtime);
    m_runtime.assign(m_profile.bindings.size(), Runtime{});

    auto transformIndex = [this](const std::string& name) {
        const auto it = std::find(m_transforms.begin(), m_transforms.end(), name);
        if (it != m_transforms.end()) return static_cast<int>(it - m_transforms.begin());
        m_transforms.push_back(name);
        return static_cast<int>(m_transforms.size() - 1);
    };

    const std::string who = "MIDI profile '" + m_profile.name + "'";
    for (std::size_t i = 0; i < m_profile.bindings.size(); ++i) {
        const MidiBinding& b = m_profile.bindings[i];
        Runtime& rt = m_runtime[i];
        if (!b.transform.empty()) rt.transform = transformIndex(b.transform);
        if (b.action != BindingAction::None) continue;
        const auto id = m_registry.find(b.param);
        if (!id) {
            m_warnings.push_back(who + ": binding " + std::to_string(i + 1) + " (" +
                                 b.describeControl() + "): no parameter '" + b.param +
                                 "' here, skipped");
            continue;
        }
        rt.param = *id;
        rt.strength = m_registry.spec(*id).defaultValue;
        if (i < old.size() && old[i].param == rt.param) rt.strength = old[i].strength;
    }
    for (const std::string& name : wasOn) {
        const auto it = std::find(m_transforms.begin(), m_transforms.end(), name);
        if (it != m_transforms.end()) m_transformOn |= 1u << (it - m_transforms.begin());
    }
    for (std::size_t t = 0; t < m_transforms.size(); ++t) {
        bool button = false, target = false;
        for (const MidiBinding& b : m_profile.bindings) {
            if (b.transform != m_transforms[t]) continue;
            button = button || b.action == BindingAction::Transform;
            target = target || b.action == BindingAction::None;
        }
        if (!button)
            m_warnings.push_back(who + ": transform '" + m_transforms[t] +
                                 "' has no button to switch it on");
        if (!target)
            m_warnings.push_back(who + ": transform '" + m_transforms[t] +
                                 "' has no control for its strength");
    }

    m_ccPlain.fill(-1);
    m_ccGated.fill(-1);
    m_ccLsb.fill(-1);
    m_notePlain.fill(-1);
    m_noteGated.fill(-1);
    m_bendPlain.fill(-1);
    m_bendGated.fill(-1);
    for (std::size_t i = 0; i < m_profile.bindings.size(); ++i) {
        const MidiBinding& b = m_profile.bindings[i];
        if (b.action == BindingAction::None && m_runtime[i].param < 0) continue;
        const bool g = gated(b);
        const auto index = static_cast<std::int16_t>(i);
        for (int ch = 0; ch < 16; ++ch) {
            if (b.channel >= 0 && b.channel != ch) continue;
            const int cell = ch * 128 + b.number;
            switch (b.source) {
                case MidiSource::ControlChange:
                    (g ? m_ccGated : m_ccPlain)[cell] = index;
                    if (b.lsbNumber >= 0) m_ccLsb[ch * 128 + b.lsbNumber] = index;
                    break;
                case MidiSource::Note:
                    (g ? m_noteGated : m_notePlain)[cell] = index;
                    break;
                case MidiSource::PitchBend:
                    (g ? m_bendGated : m_bendPlain)[ch] = index;
                    break;
            }
        }
    }
}

int MidiMapper::lookup(const Table& plain, const Table& gatedTable, int channel,
                       int number) const noexcept {
    const int cell = channel * 128 + number;
    const int g = gatedTable[cell];
    if (g >= 0 && (m_transformOn & (1u << m_runtime[g].transform))) return g;
    if (plain[cell] >= 0) return plain[cell];
    return g;  // transform off: the gated binding only remembers the strength
}

void MidiMapper::handle(const MidiMessage& message, double timeSec) noexcept {
    m_nowSec = timeSec;
    ++m_stats.received;
    const MidiParse parsed = parseMidi(message);
    if (parsed.error != MidiError::None) {
        ++m_stats.malformed;
        ++m_stats.byError[static_cast<std::size_t>(parsed.error)];
        m_stats.lastError = parsed.error;
        return;
    }
    const MidiEvent& e = parsed.event;
    if (m_learning && (e.kind == MidiKind::ControlChange || e.kind == MidiKind::NoteOn ||
                       e.kind == MidiKind::PitchBend)) {
        learnFrom(e);
        updateLeds();
        return;
    }

    int index = -1;
    switch (e.kind) {
        case MidiKind::ControlChange: {
            index = lookup(m_ccPlain, m_ccGated, e.channel, e.number);
            if (index >= 0) {
                const MidiBinding& b = m_profile.bindings[index];
                if (b.isButton()) {
                    onButton(index, e.value >= 64, timeSec);
                } else if (isRelative(b.mode)) {
                    onRelative(index, relativeTicks(b.mode, e.value));
                } else if (b.lsbNumber >= 0) {
                    // MSB first: the low bits restart at zero until their CC arrives.
                    m_runtime[index].msb = static_cast<std::uint8_t>(e.value);
                    onPosition(index, unit14(e.value << 7));
                } else {
                    onPosition(index, unit7(e.value));
                }
            } else if ((index = m_ccLsb[e.channel * 128 + e.number]) >= 0) {
                onPosition(index, unit14((m_runtime[index].msb << 7) | e.value));
            }
            break;
        }
        case MidiKind::NoteOn:
        case MidiKind::NoteOff:
            index = lookup(m_notePlain, m_noteGated, e.channel, e.number);
            if (index >= 0) onButton(index, e.kind == MidiKind::NoteOn, timeSec);
            break;
        case MidiKind::PitchBend: {
            const int g = m_bendGated[e.channel];
            index = (g >= 0 && (m_transformOn & (1u << m_runtime[g].transform))) ||
                            m_bendPlain[e.channel] < 0
                        ? g
                        : m_bendPlain[e.channel];
            if (index >= 0) onPosition(index, unit14(e.value));
            break;
        }
        default:
            break;
    }
    if (index >= 0)
        ++m_stats.applied;
    else
        ++m_stats.unmapped;
    checkLongPress(timeSec);
    updateLeds();
}

void MidiMapper::tick(double timeSec) noexcept {
    m_nowSec = timeSec;
    checkLongPress(timeSec);
    updateLeds();
}

float MidiMapper::rangeMin(int index) const noexcept {
    const MidiBinding& b = m_profile.bindings[index];
    return b.min ? *b.min : m_registry.spec(static_cast<ParamId>(m_runtime[index].param)).min;
}

float MidiMapper::rangeMax(int index) const noexcept {
    const MidiBinding& b = m_profile.bindings[index];
    return b.max ? *b.max : m_registry.spec(static_cast<ParamId>(m_runtime[index].param)).max;
}

float MidiMapper::currentValue(int index) const noexcept {
    const Runtime& rt = m_runtime[index];
    if (gated(m_profile.bindings[index])) return rt.strength;
    return m_registry.base(static_cast<ParamId>(rt.param));
}

void MidiMapper::applyValue(int index, float value) noexcept {
    Runtime& rt = m_runtime[index];
    if (rt.param < 0) return;
    const auto id = static_cast<ParamId>(rt.param);
    const ParamSpec& spec = m_registry.spec(id);
    value = std::clamp(value, spec.min, spec.max);
    if (gated(m_profile.bindings[index])) {
        rt.strength = value;
        if (!(m_transformOn & (1u << rt.transform))) return;
    }
    m_registry.setBase(id, value);
}

void MidiMapper::onPosition(int index, float unit) noexcept {
    Runtime& rt = m_runtime[index];
    if (rt.param < 0) return;
    const MidiBinding& b = m_profile.bindings[index];
    const float lo = rangeMin(index), hi = rangeMax(index);
    const float target = lo + applyCurve(b.curve, unit) * (hi - lo);
    if (m_profile.pickup) {
        const float current = currentValue(index);
        const bool engaged = rt.engaged && current == rt.lastSet;
        const bool reached = std::fabs(target - current) <= std::fabs(hi - lo) / 64.0f;
        const bool passed = rt.hasTarget && (rt.lastTarget - current) * (target - current) <= 0;
        rt.lastTarget = target;
        rt.hasTarget = true;
        if (!engaged && !reached && !passed) {
            rt.engaged = false;
            return;
        }
        applyValue(index, target);
        rt.engaged = true;
        rt.lastSet = currentValue(index);
        return;
    }
    applyValue(index, target);
}

void MidiMapper::onRelative(int index, int ticks) noexcept {
    if (m_runtime[index].param < 0 || ticks == 0) return;
    const MidiBinding& b = m_profile.bindings[index];
    const float lo = rangeMin(index), hi = rangeMax(index);
    float u = inverseCurve(b.curve, (currentValue(index) - lo) / (hi - lo));
    u = std::clamp(u + static_cast<float>(ticks) * b.step, 0.0f, 1.0f);
    applyValue(index, lo + applyCurve(b.curve, u) * (hi - lo));
}

void MidiMapper::onButton(int index, bool pressed, double timeSec) noexcept {
    Runtime& rt = m_runtime[index];
    if (rt.pressed == pressed) return;  // CC buttons repeat their state; only edges count
    rt.pressed = pressed;
    const MidiBinding& b = m_profile.bindings[index];
    switch (b.action) {
        case BindingAction::None: {
            if (rt.param < 0) return;
            const float lo = rangeMin(index), hi = rangeMax(index);
            if (b.mode == MidiMode::Momentary) {
                applyValue(index, pressed ? hi : lo);
            } else if (b.mode == MidiMode::Toggle && pressed) {
                const float cur = currentValue(index);
                applyValue(index, std::fabs(cur - hi) < std::fabs(cur - lo) ? lo : hi);
            } else if (b.mode == MidiMode::Set && pressed) {
                applyValue(index, b.value);
            }
            return;
        }
        case BindingAction::Preset:
            if (pressed)
                onSlotPress(b.slot, timeSec);
            else
                onSlotRelease(b.slot);
            return;
        case BindingAction::Shift:
            m_shiftHeld = pressed;
            return;
        case BindingAction::Transform: {
            const bool on = (m_transformOn >> rt.transform) & 1u;
            if (b.mode == MidiMode::Momentary)
                setTransformIndex(rt.transform, pressed);
            else if (pressed)
                setTransformIndex(rt.transform, !on);
            return;
        }
        case BindingAction::Release:
            if (pressed) {
                emit({MidiAction::Kind::Release, 0, 0});
                m_active = 0;
                m_pendingRelease = 0;
            }
            return;
        case BindingAction::Record:
            if (pressed) emit({MidiAction::Kind::Record, 0, 0});
            return;
    }
}

void MidiMapper::onSlotPress(int slot, double timeSec) noexcept {
    const std::uint32_t bit = 1u << slot;
    m_held |= bit;
    m_pressSec[slot] = timeSec;
    if (m_shiftHeld) {
        emit({MidiAction::Kind::Store, bit, 0});
        m_stored |= bit;
        m_consumed |= bit;
        return;
    }
    m_consumed &= ~bit;
    const std::uint32_t candidates = m_held & m_stored;
    if (candidates == 0) return;  // an empty slot: a long press will store into it
    if (m_held == bit && m_active == bit) {
        // Pressing the slot on show releases it, but only when it comes up alone: it may be the
        // first finger of a chord that recalls an average.
        m_pendingRelease = bit;
        return;
    }
    m_pendingRelease = 0;
    emit({MidiAction::Kind::Recall, candidates, 0});
    m_active = candidates;
}

void MidiMapper::onSlotRelease(int slot) noexcept {
    const std::uint32_t bit = 1u << slot;
    m_held &= ~bit;
    m_consumed &= ~bit;
    if (m_pendingRelease == bit) {
        m_pendingRelease = 0;
        if (m_active == bit) {
            emit({MidiAction::Kind::Release, 0, 0});
            m_active = 0;
        }
    }
}

void MidiMapper::checkLongPress(double timeSec) noexcept {
    if (std::popcount(m_held) != 1) return;
    const std::uint32_t bit = m_held;
    if ((m_consumed | m_stored) & bit) return;
    const int slot = firstSlot(bit);
    if (timeSec - m_pressSec[slot] < m_profile.longPressSec) return;
    emit({MidiAction::Kind::Store, bit, 0});
    m_stored |= bit;
    m_consumed |= bit;
}

void MidiMapper::setTransformIndex(int transform, bool on) noexcept {
    if (transform < 0) return;
    const std::uint32_t bit = 1u << transform;
    if (((m_transformOn & bit) != 0) == on) return;
    m_transformOn = on ? (m_transformOn | bit) : (m_transformOn & ~bit);
    for (std::size_t i = 0; i < m_profile.bindings.size(); ++i) {
        const Runtime& rt = m_runtime[i];
        if (rt.transform != transform || rt.param < 0 || !gated(m_profile.bindings[i])) continue;
        const auto id = static_cast<ParamId>(rt.param);
        m_registry.setBase(id, on ? rt.strength : m_registry.spec(id).defaultValue);
    }
}

bool MidiMapper::setTransform(std::string_view name, bool on) noexcept {
    for (std::size_t t = 0; t < m_transforms.size(); ++t) {
        if (m_transforms[t] == name) {
            setTransformIndex(static_cast<int>(t), on);
            updateLeds();
            return true;
        }
    }
    return false;
}

bool MidiMapper::transformOn(std::string_view name) const noexcept {
    for (std::size_t t = 0; t < m_transforms.size(); ++t)
        if (m_transforms[t] == name) return (m_transformOn >> t) & 1u;
    return false;
}

void MidiMapper::setStoredSlots(std::uint32_t slots) noexcept {
    m_stored = slots & ((1u << MidiProfile::kMaxSlots) - 1);
    updateLeds();
}

void MidiMapper::setActiveSlots(std::uint32_t slots) noexcept {
    m_active = slots & ((1u << MidiProfile::kMaxSlots) - 1);
    updateLeds();
}

int MidiMapper::ledValue(int index) const noexcept {
    const MidiBinding& b = m_profile.bindings[index];
    const Runtime& rt = m_runtime[index];
    const LedStyle& style = b.led ? *b.led : m_profile.leds;
    switch (b.action) {
        case BindingAction::Preset: {
            const std::uint32_t bit = 1u << b.slot;
            if (m_active & bit) {
                const auto phase =
                    static_cast<long long>(std::floor(m_nowSec * m_profile.blinkHz * 2.0));
                return (style.blink && (phase & 1)) ? style.off : style.active;
            }
            return (m_stored & bit) ? style.stored : style.off;
        }
        case BindingAction::Transform:
            return ((m_transformOn >> rt.transform) & 1u) ? style.on : style.off;
        case BindingAction::Shift:
            return m_shiftHeld ? style.on : style.off;
        case BindingAction::Release:
        case BindingAction::Record:
            return style.off;
        case BindingAction::None: {
            if (rt.param < 0) return style.off;
            const float cur = currentValue(index);
            const float lo = rangeMin(index), hi = rangeMax(index);
            if (b.mode == MidiMode::Set)
                return std::fabs(cur - b.value) <= 1e-4f * std::fabs(hi - lo) ? style.on
                                                                              : style.off;
            return std::fabs(cur - hi) < std::fabs(cur - lo) ? style.on : style.off;
        }
    }
    return style.off;
}

void MidiMapper::updateLeds() noexcept {
    for (std::size_t i = 0; i < m_profile.bindings.size(); ++i) {
        const MidiBinding& b = m_profile.bindings[i];
        if (!hasLed(b)) continue;
        if (b.action == BindingAction::None && m_runtime[i].param < 0) continue;
        const int v = ledValue(static_cast<int>(i));
        if (v == m_runtime[i].lastLed) continue;
        const int ch = b.channel < 0 ? 0 : b.channel;
        const MidiMessage m = b.source == MidiSource::Note
                                  ? MidiMessage::noteOn(ch, b.number, v)
                                  : MidiMessage::controlChange(ch, b.number, v);
        if (m_nLeds == m_leds.size()) {
            ++m_stats.outputDropped;  // left unsent: retried on the next update
            continue;
        }
        m_leds[m_nLeds++] = m;
        m_runtime[i].lastLed = v;
    }
}

void MidiMapper::refreshLeds() noexcept {
    m_nLeds = 0;  // whatever was pending is superseded by the full state
    for (Runtime& rt : m_runtime) rt.lastLed = -1;
    updateLeds();
}

void MidiMapper::emit(const MidiAction& action) noexcept {
    if (m_nActions == m_actions.size()) {
        ++m_stats.outputDropped;
        return;
    }
    m_actions[m_nActions++] = action;
}

void MidiMapper::clearOutput() noexcept {
    m_nActions = 0;
    m_nLeds = 0;
}

void MidiMapper::clearActions() noexcept {
    m_nActions = 0;
}

void MidiMapper::clearLeds() noexcept {
    m_nLeds = 0;
}

void MidiMapper::learn(ParamId param) {
    if (param >= m_registry.size())
        throw std::invalid_argument("learn: no parameter with id " + std::to_string(param));
    MidiBinding b;
    b.param = m_registry.spec(param).name;
    b.mode = MidiMode::Absolute;  // chosen per source when the control moves
    b.label = "learned";
    m_learning = b;
}

void MidiMapper::learn(const MidiBinding& binding) {
    if (binding.action == BindingAction::None && !m_registry.find(binding.param))
        throw std::invalid_argument("learn: no parameter '" + binding.param + "'");
    m_learning = binding;
}

void MidiMapper::learnFrom(const MidiEvent& e) {
    MidiBinding b = *m_learning;
    m_learning.reset();
    b.channel = e.channel;
    b.number = e.number;
    b.lsbNumber = -1;
    switch (e.kind) {
        case MidiKind::ControlChange:
            b.source = MidiSource::ControlChange;
            break;
        case MidiKind::NoteOn:
            b.source = MidiSource::Note;
            // A note has no position: a parameter learned on a pad or key toggles.
            if (b.action == BindingAction::None && !b.isButton()) b.mode = MidiMode::Toggle;
            break;
        default:
            b.source = MidiSource::PitchBend;
            b.number = 0;
            if (b.action != BindingAction::None) return;  // a wheel is no button
            b.mode = MidiMode::Absolute;
            break;
    }
    if (b.source == MidiSource::PitchBend && b.mode != MidiMode::Absolute)
        b.mode = MidiMode::Absolute;
    try {
        MidiProfile next = m_profile;
        // The control now does only this (a gated binding beside it stays for plain ones).
        std::erase_if(next.bindings, [&b](const MidiBinding& o) {
            const bool clash = o.sameControl(b) && gated(o) == gated(b);
            const bool pairClash = o.lsbNumber >= 0 && b.source == MidiSource::ControlChange &&
                                   (o.channel < 0 || o.channel == b.channel) &&
                                   o.lsbNumber == b.number;
            return clash || pairClash;
        });
        next.bindings.push_back(b);
        next.validate();
        if (next.bindings.size() > kMaxBindings) return;
        m_profile = std::move(next);
        rebuild();
    } catch (const std::exception&) {
        return;  // out of memory or an impossible binding: the profile stays as it was
    }
    MidiAction done{MidiAction::Kind::Learned, 0, 0};
    if (b.action == BindingAction::None) {
        if (const auto id = m_registry.find(b.param)) done.param = *id;
    } else if (b.action == BindingAction::Preset) {
        done.slots = 1u << b.slot;
    }
    emit(done);
}

}  // namespace autolume::control
