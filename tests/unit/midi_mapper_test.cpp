// MidiMapper: controls to parameters (absolute, relative, 14-bit, pitch bend, buttons, curves
// and ranges), transforms, preset presses and the LED messages, with the caller's clock.
#include "autolume/control/midi_mapper.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <vector>

using namespace autolume::control;
using nlohmann::json;

namespace {

MidiMessage cc(int controller, int value, int channel = 0) {
    return MidiMessage::controlChange(channel, controller, value);
}
MidiMessage noteOn(int note, int velocity = 100) {
    return MidiMessage::noteOn(0, note, velocity);
}
MidiMessage noteOff(int note) {
    return MidiMessage::noteOff(0, note);
}

MidiProfile profileWith(json bindings, json extra = json::object()) {
    json doc = {{"format", "autolume-midi-profile"},
                {"version", 1},
                {"name", "test"},
                {"channel", 1},
                {"bindings", std::move(bindings)}};
    for (auto& [k, v] : extra.items()) doc[k] = v;
    return MidiProfile::fromJson(doc);
}

// A registry like the app's, with a few parameters of known ranges.
struct Fixture {
    ParameterRegistry registry;
    ParamId bipolar = registry.add({"g", -3.0f, 3.0f, 0.0f, 0.0f, ""});
    ParamId unipolar = registry.add({"psi", 0.0f, 2.0f, 1.0f, 0.0f, ""});
    ParamId shift = registry.add({"tx", -1.0f, 1.0f, 0.0f, 0.0f, ""});
    ParamId zoom = registry.add({"zoom", 0.25f, 4.0f, 1.0f, 0.0f, ""});
};

std::vector<MidiAction> takeActions(MidiMapper& m) {
    std::vector<MidiAction> out(m.actions().begin(), m.actions().end());
    m.clearActions();
    return out;
}

std::vector<MidiMessage> takeLeds(MidiMapper& m) {
    std::vector<MidiMessage> out(m.ledMessages().begin(), m.ledMessages().end());
    m.clearLeds();
    return out;
}

MidiAction recall(std::uint32_t slots) {
    return {MidiAction::Kind::Recall, slots, 0};
}
MidiAction store(int slot) {
    return {MidiAction::Kind::Store, 1u << slot, 0};
}
MidiAction release() {
    return {MidiAction::Kind::Release, 0, 0};
}

}  // namespace

TEST(MidiMapper, AbsoluteCcSpansTheRangeWithAnExactCentre) {
    Fixture f;
    MidiMapper m(profileWith(json::array({{{"cc", 0}, {"param", "g"}}})), f.registry);
    m.handle(cc(0, 0), 0.0);
    EXPECT_EQ(f.registry.base(f.bipolar), -3.0f);
    m.handle(cc(0, 64), 0.0);
    EXPECT_EQ(f.registry.base(f.bipolar), 0.0f);  // a centred knob rests on zero
    m.handle(cc(0, 127), 0.0);
    EXPECT_EQ(f.registry.base(f.bipolar), 3.0f);
    m.handle(cc(0, 32), 0.0);
    EXPECT_FLOAT_EQ(f.registry.base(f.bipolar), -3.0f + 6.0f * 32.0f / 128.0f);
    m.handle(cc(0, 96), 0.0);
    EXPECT_FLOAT_EQ(f.registry.base(f.bipolar), 6.0f * (0.5f + 32.0f / 126.0f) - 3.0f);
    EXPECT_EQ(m.stats().applied, 5u);
}

TEST(MidiMapper, PickupWaitsForTheFaderToReachTheValueSetElsewhere) {
    Fixture f;
    MidiMapper m(
        profileWith(json::array({{{"cc", 0}, {"param", "psi"}}}), {{"takeover", "pickup"}}),
        f.registry);
    EXPECT_TRUE(m.profile().pickup);
    // psi is 1 (the centre); the fader starts at the bottom: nothing happens on the way up...
    m.handle(cc(0, 0), 0.0);
    m.handle(cc(0, 40), 0.0);
    EXPECT_EQ(f.registry.base(f.unipolar), 1.0f);
    // ...until it passes the value; from then on it drives psi.
    m.handle(cc(0, 70), 0.0);
    EXPECT_FLOAT_EQ(f.registry.base(f.unipolar), 2.0f * (0.5f + 6.0f / 126.0f));
    m.handle(cc(0, 20), 0.0);
    EXPECT_FLOAT_EQ(f.registry.base(f.unipolar), 2.0f * 20.0f / 128.0f);
    // The panel sets psi to 1.8: the fader (at 20) lets go until it comes back up there.
    f.registry.setBase(f.unipolar, 1.8f);
    m.handle(cc(0, 30), 0.0);
    EXPECT_EQ(f.registry.base(f.unipolar), 1.8f);
    m.handle(cc(0, 114), 0.0);  // within 1/64 of the range: picked up
    EXPECT_FLOAT_EQ(f.registry.base(f.unipolar), 2.0f * (0.5f + 50.0f / 126.0f));
    // Saved and loaded with the profile; "jump" is the default and anything else is refused.
    EXPECT_EQ(m.profile().toJson()["takeover"], "pickup");
    EXPECT_FALSE(profileWith(json::array()).pickup);
    EXPECT_THROW(profileWith(json::array(), {{"takeover", "soft"}}), std::invalid_argument);
}

TEST(MidiMapper, RangeCurveInversionAndChannel) {
    Fixture f;
    MidiMapper m(
        profileWith(json::array(
            {{{"cc", 1}, {"param", "psi"}, {"min", 0.5}, {"max", 1.5}, {"curve", "square"}},
             {{"cc", 2}, {"param", "tx"}, {"min", 1}, {"max", -1}},
             {{"cc", 3}, {"param", "g"}, {"channel", 2}}})),
        f.registry);
    m.handle(cc(1, 64), 0.0);
    EXPECT_FLOAT_EQ(f.registry.base(f.unipolar), 0.5f + 0.25f);  // 0.5 squared of the range
    m.handle(cc(1, 127), 0.0);
    EXPECT_FLOAT_EQ(f.registry.base(f.unipolar), 1.5f);
    m.handle(cc(2, 0), 0.0);
    EXPECT_EQ(f.registry.base(f.shift), 1.0f);  // min > max turns the fader around
    m.handle(cc(2, 127), 0.0);
    EXPECT_EQ(f.registry.base(f.shift), -1.0f);

    m.handle(cc(3, 127, 0), 0.0);  // channel 1: not this binding
    EXPECT_EQ(f.registry.base(f.bipolar), 0.0f);
    EXPECT_EQ(m.stats().unmapped, 1u);
    m.handle(cc(3, 127, 1), 0.0);  // channel 2
    EXPECT_EQ(f.registry.base(f.bipolar), 3.0f);
}

TEST(MidiMapper, RelativeEncodersInAllThreeCodings) {
    Fixture f;
    MidiMapper m(profileWith(json::array(
                     {{{"cc", 10}, {"param", "g"}, {"mode", "relative_twos"}, {"step", 0.01}},
                      {{"cc", 11}, {"param", "g"}, {"mode", "relative_offset"}, {"step", 0.01}},
                      {{"cc", 12}, {"param", "g"}, {"mode", "relative_sign"}, {"step", 0.01}}})),
                 f.registry);
    const float tick = 0.01f * 6.0f;  // a step is a fraction of the range
    m.handle(cc(10, 1), 0.0);
    EXPECT_NEAR(f.registry.base(f.bipolar), tick, 1e-5);
    m.handle(cc(10, 127), 0.0);  // -1 in two's complement
    EXPECT_NEAR(f.registry.base(f.bipolar), 0.0f, 1e-5);
    m.handle(cc(10, 3), 0.0);
    EXPECT_NEAR(f.registry.base(f.bipolar), 3 * tick, 1e-5);
    m.handle(cc(11, 63), 0.0);  // offset 64: -1
    EXPECT_NEAR(f.registry.base(f.bipolar), 2 * tick, 1e-5);
    m.handle(cc(11, 66), 0.0);  // +2
    EXPECT_NEAR(f.registry.base(f.bipolar), 4 * tick, 1e-5);
    m.handle(cc(12, 0x40 | 4), 0.0);  // sign bit: -4
    EXPECT_NEAR(f.registry.base(f.bipolar), 0.0f, 1e-5);
    // Encoders follow edits from elsewhere (the panel) and stop at the ends.
    f.registry.setBase(f.bipolar, 2.99f);
    m.handle(cc(10, 20), 0.0);
    EXPECT_EQ(f.registry.base(f.bipolar), 3.0f);
}

TEST(MidiMapper, RelativeEncoderMovesEvenlyThroughACurve) {
    Fixture f;
    MidiMapper m(profileWith(json::array({{{"cc", 10},
                                           {"param", "psi"},
                                           {"mode", "relative_offset"},
                                           {"curve", "smooth"},
                                           {"step", 0.25}}})),
                 f.registry);
    f.registry.setBase(f.unipolar, 0.0f);
    const float expected[] = {0.25f, 0.5f, 0.75f, 1.0f};
    for (float u : expected) {
        m.handle(cc(10, 65), 0.0);
        EXPECT_NEAR(f.registry.base(f.unipolar), 2.0f * u * u * (3.0f - 2.0f * u), 1e-4) << u;
    }
}

TEST(MidiMapper, FourteenBitCcAndPitchBend) {
    Fixture f;
    MidiMapper m(profileWith(json::array({{{"cc", 1}, {"lsb", 33}, {"param", "g"}},
                                          {{"pitch_bend", true}, {"param", "tx"}}})),
                 f.registry);
    m.handle(cc(1, 64), 0.0);  // MSB alone: LSB 0
    EXPECT_EQ(f.registry.base(f.bipolar), 0.0f);
    m.handle(cc(33, 127), 0.0);
    EXPECT_FLOAT_EQ(f.registry.base(f.bipolar), -3.0f + 6.0f * (0.5f + 127.0f / 16382.0f));
    m.handle(cc(1, 127), 0.0);
    m.handle(cc(33, 127), 0.0);
    EXPECT_EQ(f.registry.base(f.bipolar), 3.0f);
    m.handle(cc(1, 0), 0.0);
    m.handle(cc(33, 1), 0.0);
    EXPECT_FLOAT_EQ(f.registry.base(f.bipolar), -3.0f + 6.0f / 16384.0f);

    m.handle(MidiMessage::pitchBend(0, 8192), 0.0);
    EXPECT_EQ(f.registry.base(f.shift), 0.0f);
    m.handle(MidiMessage::pitchBend(0, 0), 0.0);
    EXPECT_EQ(f.registry.base(f.shift), -1.0f);
    m.handle(MidiMessage::pitchBend(0, 16383), 0.0);
    EXPECT_EQ(f.registry.base(f.shift), 1.0f);
}

TEST(MidiMapper, ButtonsMomentaryToggleAndSetWithLeds) {
    Fixture f;
    MidiMapper m(
        profileWith(json::array(
            {{{"note", 36}, {"param", "tx"}},  // momentary
             {{"note", 37}, {"param", "g"}, {"mode", "toggle"}},
             {{"cc", 40}, {"param", "psi"}, {"mode", "set"}, {"value", 0.7}, {"led", {{"on", 3}}}},
             {{"cc", 41}, {"param", "psi"}, {"mode", "set"}, {"value", 1.5}}})),
        f.registry);
    m.refreshLeds();
    EXPECT_EQ(takeLeds(m),
              (std::vector<MidiMessage>{MidiMessage::noteOn(0, 36, 0),
                                        MidiMessage::noteOn(0, 37, 0), cc(40, 0), cc(41, 0)}));
    m.handle(noteOn(36), 0.0);
    EXPECT_EQ(f.registry.base(f.shift), 1.0f);
    EXPECT_EQ(takeLeds(m), std::vector<MidiMessage>{MidiMessage::noteOn(0, 36, 127)});
    m.handle(noteOff(36), 0.0);
    EXPECT_EQ(f.registry.base(f.shift), -1.0f);
    EXPECT_EQ(takeLeds(m), std::vector<MidiMessage>{MidiMessage::noteOn(0, 36, 0)});

    m.handle(noteOn(37), 0.0);
    EXPECT_EQ(f.registry.base(f.bipolar), 3.0f);
    m.handle(noteOff(37), 0.0);
    EXPECT_EQ(f.registry.base(f.bipolar), 3.0f);  // a toggle ignores the release
    m.handle(noteOn(37), 0.0);
    EXPECT_EQ(f.registry.base(f.bipolar), -3.0f);
    takeLeds(m);

    m.handle(cc(40, 127), 0.0);
    EXPECT_FLOAT_EQ(f.registry.base(f.unipolar), 0.7f);
    EXPECT_EQ(takeLeds(m), std::vector<MidiMessage>{cc(40, 3)});  // the binding's own LED value
    m.handle(cc(40, 127), 0.0);  // repeated CC state: not a new press
    m.handle(cc(40, 0), 0.0);
    m.handle(cc(41, 127), 0.0);
    EXPECT_FLOAT_EQ(f.registry.base(f.unipolar), 1.5f);
    EXPECT_EQ(takeLeds(m), (std::vector<MidiMessage>{cc(40, 0), cc(41, 127)}));  // radio
    EXPECT_TRUE(takeLeds(m).empty());  // only changes are sent
}

TEST(MidiMapper, TransformButtonActivatesAndTheKnobSetsItsStrength) {
    Fixture f;
    f.registry.setBase(f.shift, 0.0f);
    MidiMapper m(
        profileWith(json::array(
            {{{"cc", 16},
              {"param", "tx"},
              {"min", -0.5},
              {"max", 0.5},
              {"transform", "translate_x"}},
             {{"cc", 64}, {"action", "transform"}, {"transform", "translate_x"}},
             {{"note", 60}, {"action", "transform"}, {"transform", "zoom"}, {"mode", "momentary"}},
             {{"cc", 17}, {"param", "zoom"}, {"min", 1}, {"max", 3}, {"transform", "zoom"}}})),
        f.registry);
    EXPECT_TRUE(m.warnings().empty()) << m.warnings().front();
    m.refreshLeds();
    takeLeds(m);

    m.handle(cc(16, 127), 0.0);  // off: remembered, not applied
    EXPECT_EQ(f.registry.base(f.shift), 0.0f);
    m.handle(cc(64, 127), 0.0);  // press: on, at the remembered strength
    EXPECT_TRUE(m.transformOn("translate_x"));
    EXPECT_FLOAT_EQ(f.registry.base(f.shift), 0.5f);
    EXPECT_EQ(takeLeds(m), std::vector<MidiMessage>{cc(64, 127)});
    m.handle(cc(64, 0), 0.0);  // release of a toggle: stays on
    EXPECT_TRUE(m.transformOn("translate_x"));
    m.handle(cc(16, 32), 0.0);
    EXPECT_FLOAT_EQ(f.registry.base(f.shift), -0.25f);
    m.handle(cc(64, 127), 0.0);  // second press: off, back to the identity
    EXPECT_FALSE(m.transformOn("translate_x"));
    EXPECT_EQ(f.registry.base(f.shift), 0.0f);
    EXPECT_EQ(takeLeds(m), std::vector<MidiMessage>{cc(64, 0)});
    m.handle(cc(64, 0), 0.0);
    m.handle(cc(64, 127), 0.0);
    EXPECT_FLOAT_EQ(f.registry.base(f.shift), -0.25f);  // the strength was kept

    m.handle(cc(17, 127), 0.0);
    EXPECT_EQ(f.registry.base(f.zoom), 1.0f);
    m.handle(noteOn(60), 0.0);  // momentary: on while held
    EXPECT_EQ(f.registry.base(f.zoom), 3.0f);
    m.handle(noteOff(60), 0.0);
    EXPECT_EQ(f.registry.base(f.zoom), 1.0f);
    EXPECT_TRUE(m.setTransform("zoom", true));
    EXPECT_EQ(f.registry.base(f.zoom), 3.0f);
    EXPECT_FALSE(m.setTransform("nope", true));
}

TEST(MidiMapper, AFaderDoublesAsBendStrengthWhileItsTransformIsOn) {
    Fixture f;
    MidiMapper m(
        profileWith(json::array(
            {{{"cc", 48}, {"param", "g"}},
             {{"cc", 48}, {"param", "zoom"}, {"min", 1}, {"max", 3}, {"transform", "zoom"}},
             {{"note", 64}, {"action", "transform"}, {"transform", "zoom"}}})),
        f.registry);
    m.handle(cc(48, 127), 0.0);
    EXPECT_EQ(f.registry.base(f.bipolar), 3.0f);
    EXPECT_EQ(f.registry.base(f.zoom), 1.0f);
    m.handle(noteOn(64), 0.0);
    m.handle(cc(48, 64), 0.0);
    EXPECT_EQ(f.registry.base(f.zoom), 2.0f);
    EXPECT_EQ(f.registry.base(f.bipolar), 3.0f);  // GANSpace stays where it was
    m.handle(noteOff(64), 0.0);
    m.handle(noteOn(64), 0.0);  // off: the fader is GANSpace again
    EXPECT_EQ(f.registry.base(f.zoom), 1.0f);
    m.handle(cc(48, 0), 0.0);
    EXPECT_EQ(f.registry.base(f.bipolar), -3.0f);
}

TEST(MidiMapper, PresetPressRecallsLongPressStoresShiftStoresChordAverages) {
    Fixture f;
    MidiMapper m(profileWith(json::array({{{"cc", 32}, {"action", "preset"}, {"slot", 1}},
                                          {{"cc", 33}, {"action", "preset"}, {"slot", 2}},
                                          {{"cc", 34}, {"action", "preset"}, {"slot", 3}},
                                          {{"cc", 46}, {"action", "shift"}},
                                          {{"cc", 42}, {"action", "release"}}}),
                             {{"long_press_sec", 0.6}}),
                 f.registry);
    // A short press on an empty slot does nothing.
    m.handle(cc(32, 127), 0.0);
    m.tick(0.5);
    m.handle(cc(32, 0), 0.55);
    m.tick(2.0);
    EXPECT_TRUE(takeActions(m).empty());

    // Held for long_press_sec: stores, while still held.
    m.handle(cc(32, 127), 3.0);
    m.tick(3.59);
    EXPECT_TRUE(takeActions(m).empty());
    m.tick(3.6);
    EXPECT_EQ(takeActions(m), std::vector<MidiAction>{store(0)});
    m.tick(5.0);
    m.handle(cc(32, 0), 5.0);
    EXPECT_TRUE(takeActions(m).empty());
    EXPECT_EQ(m.storedSlots(), 1u);

    // Shift + press stores into slot 2 without recalling anything.
    m.handle(cc(46, 127), 6.0);
    m.handle(cc(33, 127), 6.0);
    m.handle(cc(33, 0), 6.1);
    m.handle(cc(46, 0), 6.2);
    EXPECT_EQ(takeActions(m), std::vector<MidiAction>{store(1)});
    EXPECT_EQ(m.storedSlots(), 3u);
    EXPECT_EQ(m.activeSlots(), 0u);

    // Press recalls; a long hold of a stored slot never overwrites it.
    m.handle(cc(32, 127), 7.0);
    m.tick(9.0);
    m.handle(cc(32, 0), 9.0);
    EXPECT_EQ(takeActions(m), std::vector<MidiAction>{recall(1)});
    EXPECT_EQ(m.activeSlots(), 1u);

    // A chord: slot 1 (already shown) then slot 2 recall their average; no release between.
    m.handle(cc(32, 127), 10.0);
    m.handle(cc(33, 127), 10.05);
    m.handle(cc(32, 0), 10.2);
    m.handle(cc(33, 0), 10.2);
    EXPECT_EQ(takeActions(m), std::vector<MidiAction>{recall(3)});
    EXPECT_EQ(m.activeSlots(), 3u);

    // Empty slot 3 in a chord with slot 2: only the stored one counts.
    m.handle(cc(34, 127), 11.0);
    m.handle(cc(33, 127), 11.0);
    m.tick(12.0);  // two held: no long-press store
    m.handle(cc(34, 0), 12.0);
    m.handle(cc(33, 0), 12.0);
    EXPECT_EQ(takeActions(m), std::vector<MidiAction>{recall(2)});

    // Pressing the only active slot again releases, when it comes up.
    m.handle(cc(33, 127), 13.0);
    EXPECT_TRUE(takeActions(m).empty());
    m.handle(cc(33, 0), 13.1);
    EXPECT_EQ(takeActions(m), std::vector<MidiAction>{release()});
    EXPECT_EQ(m.activeSlots(), 0u);

    // The release button.
    m.handle(cc(32, 127), 14.0);
    m.handle(cc(32, 0), 14.0);
    m.handle(cc(42, 127), 14.5);
    EXPECT_EQ(takeActions(m), (std::vector<MidiAction>{recall(1), release()}));
}

TEST(MidiMapper, PresetLedsShowStoredAndActiveSlots) {
    Fixture f;
    MidiMapper steady(profileWith(json::array({{{"note", 56}, {"action", "preset"}, {"slot", 1}},
                                               {{"note", 57}, {"action", "preset"}, {"slot", 2}},
                                               {{"note", 58}, {"action", "preset"}, {"slot", 3}}}),
                                  {{"leds", {{"off", 0}, {"stored", 5}, {"active", 2}}}}),
                      f.registry);
    steady.setStoredSlots(0b011);
    steady.setActiveSlots(0b010);
    takeLeds(steady);
    steady.refreshLeds();  // everything again, as after a reconnect
    EXPECT_EQ(takeLeds(steady), (std::vector<MidiMessage>{MidiMessage::noteOn(0, 56, 5),
                                                          MidiMessage::noteOn(0, 57, 2),
                                                          MidiMessage::noteOn(0, 58, 0)}));
    steady.handle(noteOn(56), 1.0);
    EXPECT_EQ(takeLeds(steady), (std::vector<MidiMessage>{MidiMessage::noteOn(0, 56, 2),
                                                          MidiMessage::noteOn(0, 57, 5)}));

    // Single-colour LEDs: the active slot blinks (blink_hz 2: 0.25 s on, 0.25 s off).
    MidiMapper blink(profileWith(json::array({{{"cc", 32}, {"action", "preset"}, {"slot", 1}}}),
                                 {{"leds", {{"stored", 127}, {"active", 127}, {"blink", true}}},
                                  {"blink_hz", 2}}),
                     f.registry);
    blink.setStoredSlots(1);
    blink.handle(cc(32, 127), 0.0);
    EXPECT_EQ(takeLeds(blink), std::vector<MidiMessage>{cc(32, 127)});
    blink.tick(0.2);
    EXPECT_TRUE(takeLeds(blink).empty());
    blink.tick(0.3);
    EXPECT_EQ(takeLeds(blink), std::vector<MidiMessage>{cc(32, 0)});
    blink.tick(0.5);
    EXPECT_EQ(takeLeds(blink), std::vector<MidiMessage>{cc(32, 127)});
}

TEST(MidiMapper, ShiftAndToggleLedsFollowState) {
    Fixture f;
    MidiMapper m(profileWith(json::array({{{"cc", 46}, {"action", "shift"}},
                                          {{"cc", 70}, {"param", "g"}, {"mode", "toggle"}}})),
                 f.registry);
    m.refreshLeds();
    EXPECT_EQ(takeLeds(m), (std::vector<MidiMessage>{cc(46, 0), cc(70, 0)}));
    m.handle(cc(46, 127), 0.0);
    EXPECT_TRUE(m.shiftHeld());
    EXPECT_EQ(takeLeds(m), std::vector<MidiMessage>{cc(46, 127)});
    f.registry.setBase(f.bipolar, 2.9f);  // the panel moves the parameter
    m.tick(0.1);
    EXPECT_EQ(takeLeds(m), std::vector<MidiMessage>{cc(70, 127)});
}

TEST(MidiMapper, MalformedMessagesAreIgnoredAndCounted) {
    Fixture f;
    MidiMapper m(profileWith(json::array({{{"cc", 0}, {"param", "g"}}})), f.registry);
    const std::vector<std::vector<std::uint8_t>> bad = {{},
                                                        {0x00, 0x7F},
                                                        {0xB0, 0x00},
                                                        {0xB0, 0x00, 0x7F, 0x00},
                                                        {0xB0, 0x80, 0x7F},
                                                        {0xF0, 0x01, 0xF7},
                                                        {0xF4}};
    for (const auto& b : bad) m.handle(MidiMessage::fromBytes(b.data(), b.size()), 0.0);
    EXPECT_EQ(f.registry.base(f.bipolar), 0.0f);  // nothing half-applied
    EXPECT_EQ(m.stats().malformed, bad.size());
    EXPECT_EQ(m.stats().byError[static_cast<int>(MidiError::Partial)], 1u);
    EXPECT_EQ(m.stats().byError[static_cast<int>(MidiError::BadDataByte)], 1u);
    EXPECT_EQ(m.stats().lastError, MidiError::UnknownStatus);
    m.handle(MidiMessage::noteOn(0, 1, 1), 0.0);  // well-formed, bound to nothing
    m.handle(cc(0, 127), 0.0);
    EXPECT_EQ(f.registry.base(f.bipolar), 3.0f);
    EXPECT_EQ(m.stats().received, bad.size() + 2);
    EXPECT_EQ(m.stats().unmapped, 1u);
    EXPECT_EQ(m.stats().applied, 1u);
}

TEST(MidiMapper, UnknownParametersAreSkippedWithAWarning) {
    Fixture f;
    MidiMapper m(profileWith(json::array(
                     {{{"cc", 0}, {"param", "ganspace.9"}}, {{"cc", 1}, {"param", "g"}}})),
                 f.registry);
    ASSERT_EQ(m.warnings().size(), 1u);
    EXPECT_NE(m.warnings()[0].find("'ganspace.9'"), std::string::npos) << m.warnings()[0];
    EXPECT_NE(m.warnings()[0].find("CC 0"), std::string::npos) << m.warnings()[0];
    m.handle(cc(0, 127), 0.0);
    EXPECT_EQ(m.stats().unmapped, 1u);
    m.handle(cc(1, 127), 0.0);
    EXPECT_EQ(f.registry.base(f.bipolar), 3.0f);
}

TEST(MidiMapper, LearnBindsTheNextControlAndReplacesWhatItDid) {
    Fixture f;
    MidiMapper m(profileWith(json::array({{{"cc", 5}, {"param", "g"}, {"channel", 3}}})),
                 f.registry);
    m.learn(f.unipolar);
    EXPECT_TRUE(m.isLearning());
    m.handle(cc(5, 100, 2), 0.0);  // CC 5 on channel 3
    EXPECT_FALSE(m.isLearning());
    EXPECT_EQ(takeActions(m),
              (std::vector<MidiAction>{{MidiAction::Kind::Learned, 0, f.unipolar}}));
    EXPECT_EQ(f.registry.base(f.unipolar), 1.0f);  // the learning message is not applied
    ASSERT_EQ(m.profile().bindings.size(), 1u);    // it replaced the old binding
    m.handle(cc(5, 127, 2), 0.0);
    EXPECT_EQ(f.registry.base(f.unipolar), 2.0f);
    EXPECT_EQ(f.registry.base(f.bipolar), 0.0f);

    m.learn(f.bipolar);  // a note toggles
    m.handle(noteOn(70), 1.0);
    m.handle(noteOff(70), 1.0);
    m.handle(noteOn(70), 1.1);
    EXPECT_EQ(f.registry.base(f.bipolar), 3.0f);

    MidiBinding slot;  // any binding: here a preset button
    slot.action = BindingAction::Preset;
    slot.slot = 4;
    m.learn(slot);
    m.handle(noteOn(71), 2.0);
    m.handle(noteOff(71), 2.0);
    EXPECT_EQ(takeActions(m)[1], (MidiAction{MidiAction::Kind::Learned, 1u << 4, 0}));
    m.setStoredSlots(1u << 4);
    m.handle(noteOn(71), 3.0);
    EXPECT_EQ(takeActions(m), std::vector<MidiAction>{recall(1u << 4)});

    m.learn(f.zoom);
    m.cancelLearn();
    m.handle(cc(9, 1), 4.0);
    EXPECT_EQ(m.profile().bindings.size(), 3u);
    EXPECT_THROW(m.learn(ParamId{999}), std::invalid_argument);
}
