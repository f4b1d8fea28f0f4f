// MIDI profiles: the shipped ones against the app's real parameter registry, learned maps
// saved and loaded back, and broken files refused in one line naming the file.
#include "autolume/control/midi_profile.hpp"

#include "test_files.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "autolume/control/latent_controller.hpp"
#include "autolume/control/midi_mapper.hpp"

namespace fs = std::filesystem;
using autolume::test::freshDir;
using autolume::test::readFile;
using namespace autolume::control;
using nlohmann::json;

namespace {

fs::path shipped(const std::string& file) {
    return fs::path(AUTOLUME_SOURCE_DIR) / "presets" / "midi" / file;
}

// The registry the live app has: every controller parameter, 8 GANSpace directions.
LatentShape smallShape() {
    LatentShape shape;
    shape.zDim = shape.wDim = 8;
    shape.numWs = 4;
    shape.numLayers = 5;
    shape.ganspaceCount = 8;
    return shape;
}

struct AppRegistry {
    ParameterRegistry registry;
    LatentController controller{smallShape(), 1, registry};
};

json minimal(json bindings) {
    return {{"format", "autolume-midi-profile"}, {"version", 1}, {"bindings", bindings}};
}

std::string loadError(const fs::path& path) {
    try {
        MidiProfile::load(path);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(MidiProfile, ShippedProfilesLoadAndBindEveryControl) {
    std::set<std::string> files;
    for (const auto& entry : fs::directory_iterator(shipped("")))
        if (entry.path().extension() == ".json") files.insert(entry.path().filename().string());
    EXPECT_EQ(files, (std::set<std::string>{"akai_apc_mini.json", "generic.json",
                                            "korg_nanokontrol2.json"}));
    for (const std::string& file : files) {
        SCOPED_TRACE(file);
        const MidiProfile p = MidiProfile::load(shipped(file));
        AppRegistry app;
        const MidiMapper mapper(p, app.registry);
        EXPECT_TRUE(mapper.warnings().empty()) << mapper.warnings().front();

        // The seed's layout: GANSpace 0-7 and truncation on continuous controls, the four bend
        // transforms with a button each, preset slots with a shift.
        std::set<std::string> continuous, transformButtons, gatedParams;
        std::set<int> slots;
        int shifts = 0;
        for (const MidiBinding& b : p.bindings) {
            if (b.action == BindingAction::None && !b.isButton()) {
                continuous.insert(b.param);
                if (!b.transform.empty()) gatedParams.insert(b.param);
            }
            if (b.action == BindingAction::Transform) transformButtons.insert(b.transform);
            if (b.action == BindingAction::Preset) slots.insert(b.slot);
            shifts += b.action == BindingAction::Shift;
        }
        for (int k = 0; k < 8; ++k) EXPECT_TRUE(continuous.count("ganspace." + std::to_string(k)));
        EXPECT_TRUE(continuous.count("truncation"));
        for (const char* t : {"translate_x", "translate_y", "rotate", "zoom"}) {
            EXPECT_TRUE(transformButtons.count(t)) << t;
            EXPECT_TRUE(gatedParams.count(std::string("bend.") + t)) << t;
        }
        EXPECT_TRUE(continuous.count("bend.first_layer"));
        EXPECT_TRUE(continuous.count("bend.last_layer"));
        EXPECT_GE(slots.size(), 8u);
        EXPECT_EQ(shifts, 1);

        // What is saved reads back as the same profile.
        EXPECT_EQ(MidiProfile::fromJson(p.toJson()).toJson(), p.toJson());
    }
}

TEST(MidiProfile, NanoKontrol2FactoryMapDrivesTheSeedLayout) {
    AppRegistry app;
    MidiMapper m(MidiProfile::load(shipped("korg_nanokontrol2.json")), app.registry);
    const ControllerParams& p = app.controller.params();
    m.handle(MidiMessage::controlChange(0, 7, 127), 0.0);  // fader 8
    EXPECT_EQ(app.registry.base(p.ganspace[7]), 3.0f);
    m.handle(MidiMessage::controlChange(0, 23, 127), 0.0);  // knob 8
    EXPECT_EQ(app.registry.base(p.truncation), 2.0f);
    m.handle(MidiMessage::controlChange(0, 19, 127), 0.0);  // knob 4: zoom strength
    EXPECT_EQ(app.registry.base(p.bendZoom), 1.0f);
    m.handle(MidiMessage::controlChange(0, 67, 127), 0.0);  // R4: zoom on
    EXPECT_EQ(app.registry.base(p.bendZoom), 1.5f);
    m.handle(MidiMessage::controlChange(0, 46, 127), 0.0);  // cycle = shift
    m.handle(MidiMessage::controlChange(0, 48, 127), 0.0);  // M1 = slot 9
    ASSERT_EQ(m.actions().size(), 1u);
    EXPECT_EQ(m.actions()[0], (MidiAction{MidiAction::Kind::Store, 1u << 8, 0}));
    // An LED message for M1 (stored) and the shift's own LED.
    bool m1 = false;
    for (const MidiMessage& led : m.ledMessages())
        m1 = m1 || led == MidiMessage::controlChange(0, 48, 127);
    EXPECT_TRUE(m1);
}

TEST(MidiProfile, LearnedMapSavesAtomicallyAndLoadsBack) {
    const fs::path dir = freshDir("midi_learn");
    AppRegistry app;
    MidiMapper m(MidiProfile::load(shipped("generic.json")), app.registry);
    const ParamId noise = app.controller.params().noise;
    m.learn(noise);
    m.handle(MidiMessage::controlChange(4, 74, 10), 0.0);  // channel 5, CC 74
    ASSERT_EQ(m.actions().size(), 1u);
    EXPECT_EQ(m.actions()[0].kind, MidiAction::Kind::Learned);
    EXPECT_EQ(m.actions()[0].param, noise);

    const fs::path file = dir / "learned.json";
    m.profile().save(file);
    for (const auto& entry : fs::directory_iterator(dir))
        EXPECT_EQ(entry.path().filename(), "learned.json") << "a temporary file was left";
    const MidiProfile back = MidiProfile::load(file);
    EXPECT_EQ(back.toJson(), m.profile().toJson());
    EXPECT_EQ(back.bindings.size(), m.profile().bindings.size());

    AppRegistry fresh;
    MidiMapper again(back, fresh.registry);
    again.handle(MidiMessage::controlChange(4, 74, 127), 0.0);
    EXPECT_EQ(fresh.registry.base(fresh.controller.params().noise), 3.0f);
    again.handle(MidiMessage::controlChange(0, 74, 127), 0.0);  // other channel: not learned
    EXPECT_EQ(again.stats().unmapped, 1u);

    // Saving over an existing file replaces it whole; saving where nothing can be written names
    // the file and leaves nothing behind.
    m.learn(noise);
    m.handle(MidiMessage::controlChange(4, 75, 10), 0.0);
    m.profile().save(file);
    EXPECT_EQ(MidiProfile::load(file).bindings.size(), back.bindings.size() + 1);
    const fs::path blocked = dir / "not_a_dir";
    std::ofstream(blocked) << "x";
    try {
        m.profile().save(blocked / "learned.json");
        FAIL() << "expected an exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("learned.json"), std::string::npos) << e.what();
    }
}

TEST(MidiProfile, BrokenFilesGetOneLineNamingTheFile) {
    const fs::path dir = freshDir("midi_broken");
    const std::map<std::string, std::string> cases = {
        {"not_json.json", "{ \"format\": "},
        {"foreign.json", R"({"format": "something-else", "version": 1, "bindings": []})"},
        {"newer.json", R"({"format": "autolume-midi-profile", "version": 7, "bindings": []})"},
        {"typo.json", minimal(json::array({{{"cc", 1}, {"pram", "noise"}}})).dump()},
        {"no_target.json", minimal(json::array({{{"cc", 1}}})).dump()},
        {"two_sources.json",
         minimal(json::array({{{"cc", 1}, {"note", 2}, {"param", "x"}}})).dump()},
        {"cc_range.json", minimal(json::array({{{"cc", 128}, {"param", "x"}}})).dump()},
        {"channel.json",
         minimal(json::array({{{"cc", 1}, {"channel", 0}, {"param", "x"}}})).dump()},
        {"slot.json",
         minimal(json::array({{{"note", 1}, {"action", "preset"}, {"slot", 17}}})).dump()},
        {"no_slot.json", minimal(json::array({{{"note", 1}, {"action", "preset"}}})).dump()},
        {"action.json", minimal(json::array({{{"note", 1}, {"action", "explode"}}})).dump()},
        {"curve.json",
         minimal(json::array({{{"cc", 1}, {"param", "x"}, {"curve", "cubic"}}})).dump()},
        {"note_abs.json",
         minimal(json::array({{{"note", 1}, {"param", "x"}, {"mode", "absolute"}}})).dump()},
        {"set_value.json",
         minimal(json::array({{{"cc", 1}, {"param", "x"}, {"mode", "set"}}})).dump()},
        {"twice.json",
         minimal(json::array({{{"cc", 1}, {"param", "x"}}, {{"cc", 1}, {"param", "y"}}})).dump()},
        {"lsb_clash.json", minimal(json::array({{{"cc", 1}, {"lsb", 33}, {"param", "x"}},
                                                {{"cc", 33}, {"param", "y"}}}))
                               .dump()},
        {"empty_range.json",
         minimal(json::array({{{"cc", 1}, {"param", "x"}, {"min", 1}, {"max", 1}}})).dump()},
        {"bindings.json", R"({"format": "autolume-midi-profile", "version": 1})"},
    };
    for (const auto& [name, text] : cases) {
        std::ofstream(dir / name) << text;
        const std::string error = loadError(dir / name);
        EXPECT_EQ(error.rfind((dir / name).string() + ": ", 0), 0u) << name << ": " << error;
        EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    }
    EXPECT_NE(loadError(dir / "typo.json").find("\"pram\""), std::string::npos);
    EXPECT_NE(loadError(dir / "twice.json").find("binding 2"), std::string::npos);
    EXPECT_NE(loadError(dir / "missing.json").find("missing.json: cannot read (No such file"),
              std::string::npos);
}

TEST(MidiProfile, ChannelsDefaultsAndJsonRoundTrip) {
    const MidiProfile p = MidiProfile::fromJson(
        {{"format", "autolume-midi-profile"},
         {"version", 1},
         {"name", "x"},
         {"channel", 10},
         {"leds", {{"stored", 5}}},
         {"bindings",
          json::array({{{"cc", 1}, {"param", "a"}},
                       {{"cc", 2}, {"param", "a"}, {"channel", "any"}, {"curve", "sqrt"}},
                       {{"note", 3},
                        {"action", "transform"},
                        {"transform", "zoom"},
                        {"mode", "momentary"},
                        {"led", {{"on", 4}}}},
                       {{"note", 4}, {"action", "release"}, {"led", false}}})}});
    EXPECT_EQ(p.bindings[0].channel, 9);
    EXPECT_EQ(p.bindings[1].channel, -1);
    EXPECT_EQ(p.bindings[1].curve, Curve::Sqrt);
    EXPECT_EQ(p.bindings[2].mode, MidiMode::Momentary);
    ASSERT_TRUE(p.bindings[2].led);
    EXPECT_EQ(p.bindings[2].led->on, 4);
    EXPECT_EQ(p.bindings[2].led->stored, 5);  // the rest from the profile's
    EXPECT_FALSE(p.bindings[3].ledEnabled);
    EXPECT_EQ(p.bindings[0].describeControl(), "CC 1 ch 10");
    EXPECT_EQ(p.bindings[1].describeControl(), "CC 2 any ch");
    const MidiProfile back = MidiProfile::fromJson(p.toJson());
    EXPECT_EQ(back.toJson(), p.toJson());
    EXPECT_EQ(back.bindings[2].led->on, 4);
}

// Found by fuzz_json: a "format" that is not a string escaped fromJson as nlohmann's
// type_error, not the documented std::invalid_argument; 2^32 + 1 read as version 1 and channel 1.
TEST(MidiProfile, WrongTypesAndHugeIntegersAreInvalidArguments) {
    const json cases[] = {
        json::parse(R"({"format": 1, "version": 1, "bindings": []})"),
        json::parse(R"({"format": ["autolume-midi-profile"], "version": 1, "bindings": []})"),
        json::parse(R"({"format": "autolume-midi-profile", "version": 4294967297,
                        "bindings": []})"),
        minimal(json::array({{{"cc", 1}, {"channel", 4294967297LL}, {"param", "x"}}})),
    };
    for (const json& doc : cases) {
        EXPECT_THROW(MidiProfile::fromJson(doc), std::invalid_argument) << doc.dump();
    }
}
