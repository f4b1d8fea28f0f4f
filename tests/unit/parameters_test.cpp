#include "autolume/control/parameters.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace autolume::control;

TEST(Parameters, RangeDefaultAndSmoothing) {
    ParameterRegistry r;
    const ParamId id = r.add({"speed", 0.0f, 2.0f, 0.5f, 0.1f, ""});
    EXPECT_EQ(r.find("speed"), id);
    EXPECT_FALSE(r.find("nope"));
    EXPECT_THROW(r.add({"speed", 0, 1, 0, 0, ""}), std::invalid_argument);
    EXPECT_THROW(r.at("nope"), std::out_of_range);
    EXPECT_EQ(r.value(id), 0.5f);

    r.setBase(id, 5.0f);  // clamped
    EXPECT_EQ(r.base(id), 2.0f);
    ControlInput in;
    r.update(in, 0.1);  // one time constant: 63 % of the way
    EXPECT_NEAR(r.value(id), 0.5f + 1.5f * (1.0f - std::exp(-1.0f)), 1e-5);
    for (int i = 0; i < 100; ++i) r.update(in, 0.1);
    EXPECT_NEAR(r.value(id), 2.0f, 1e-5);

    r.setNormalized(id, 0.25f);
    r.jumpTo(id, r.base(id));
    EXPECT_EQ(r.value(id), 0.5f);
}

TEST(Parameters, ModulationByAFeatureWithGainAndCurve) {
    ParameterRegistry r;
    const ParamId id = r.add({"noise", 0.0f, 4.0f, 1.0f, 0.0f, ""});
    r.setModulation(id, {Feature::OnsetStrength, 0.25f, Curve::Square});
    ControlInput in;
    in.onsetStrength = 0.5f;
    r.update(in, 0.01);
    EXPECT_FLOAT_EQ(r.value(id), 1.0f + 0.25f * 0.25f * 4.0f);  // base + gain * curve * range
    in.onsetStrength = 1.0f;
    r.setModulation(id, {Feature::OnsetStrength, 2.0f, Curve::Linear});
    r.update(in, 0.01);
    EXPECT_EQ(r.value(id), 4.0f);  // clamped to the range
    EXPECT_FLOAT_EQ(applyCurve(Curve::Smooth, 0.5f), 0.5f);
    EXPECT_FLOAT_EQ(applyCurve(Curve::Sqrt, 0.25f), 0.5f);
}

TEST(Parameters, JsonRoundTripAndBadFieldsAreRefusedOneByOne) {
    ParameterRegistry a;
    const ParamId x = a.add({"x", -1, 1, 0, 0, ""});
    a.add({"y", 0, 10, 3, 0, ""});
    a.setBase(x, 0.75f);
    a.setModulation(x, {Feature::Bass, 0.5f, Curve::Sqrt});
    const nlohmann::json saved = a.toJson();

    ParameterRegistry b;
    b.add({"x", -1, 1, 0, 0, ""});
    const ParamId y = b.add({"y", 0, 10, 3, 0, ""});
    nlohmann::json withUnknown = saved;
    withUnknown["z"] = {{"value", 1}};
    const auto report = b.fromJson(withUnknown);
    EXPECT_EQ(report.unknown, std::vector<std::string>{"z"});
    EXPECT_TRUE(report.refused.empty());
    EXPECT_EQ(b.toJson(), saved);

    // Each bad field is refused with its name; the good ones still apply.
    b.setBase(y, 7);
    nlohmann::json bad = saved;
    bad["y"] = {{"value", 11}};                     // outside 0..10
    bad["x"]["value"] = -0.5;                       // fine
    bad["x"]["mod"]["source"] = "no_such_feature";  // refused, the value stands
    const auto refused = b.fromJson(bad);
    ASSERT_EQ(refused.refused.size(), 2u);
    EXPECT_EQ(refused.refused[0], "'x.mod': needs a known \"source\"");
    EXPECT_EQ(refused.refused[1], "'y.value': 11 is outside 0..10");
    EXPECT_EQ(b.base(y), 7.0f) << "a refused value must leave the parameter as it was";
    EXPECT_EQ(b.base(0), -0.5f);
    EXPECT_EQ(b.modulation(0).source, Feature::Bass) << "a refused mod keeps the old one";

    for (const nlohmann::json& wrong :
         {nlohmann::json{{"y", {{"value", "high"}}}}, nlohmann::json{{"y", 3}},
          nlohmann::json{{"y", {{"value", 1e30}}}},
          nlohmann::json{{"y", {{"value", 5}, {"mod", {{"source", "bass"}, {"gain", 9}}}}}},
          nlohmann::json{
              {"y", {{"value", 5}, {"mod", {{"source", "bass"}, {"curve", 3}, {"gain", 1}}}}}}}) {
        const auto r = b.fromJson(wrong);
        ASSERT_EQ(r.refused.size(), 1u) << wrong.dump();
        EXPECT_EQ(r.refused[0].rfind("'y", 0), 0u) << r.refused[0];
    }
    EXPECT_EQ(b.base(y), 5.0f) << "the value beside a refused mod applies";
    EXPECT_THROW(b.fromJson(nlohmann::json::array()), std::invalid_argument);
}

// Found by fuzz_json: a "mod" whose source or curve is not a string escaped fromJson as
// nlohmann's type_error instead of the documented std::invalid_argument naming the parameter.
// Found by fuzz_json: names of the wrong type escaped as nlohmann's type_error.
TEST(Parameters, ModulationNamesOfTheWrongTypeAreRefusedByName) {
    ParameterRegistry r;
    const ParamId x = r.add({"x", 0, 1, 0.5f, 0, ""});
    for (const char* text : {R"({"x": {"value": 1, "mod": {"source": 3, "gain": 1}}})",
                             R"({"x": {"value": 1, "mod": {"source": "level", "gain": 1,
                                                          "curve": ["square"]}}})"}) {
        const auto report = r.fromJson(nlohmann::json::parse(text));
        ASSERT_EQ(report.refused.size(), 1u) << text;
        EXPECT_EQ(report.refused[0].rfind("'x.mod': needs a known", 0), 0u) << report.refused[0];
        EXPECT_EQ(r.modulation(x).source, Feature::None) << "a refused mod changes nothing";
        EXPECT_EQ(r.base(x), 1.0f) << "the value beside it applies";
    }
}

// Stems: "<stem>.<feature>" sources read that stem's features, round-trip through JSON, and a
// source naming a stem the registry does not have is refused with the stems it has.
TEST(Parameters, StemFeaturesModulateByName) {
    ParameterRegistry r;
    EXPECT_THROW(r.setStemNames({"Drums"}), std::invalid_argument);
    EXPECT_THROW(r.setStemNames({"drums", "drums"}), std::invalid_argument);
    EXPECT_THROW(r.setStemNames(std::vector<std::string>(kMaxStems + 1, "x")),
                 std::invalid_argument);
    r.setStemNames({"drums", "bass"});
    const ParamId flash = r.add({"flash", 0.0f, 1.0f, 0.0f, 0.0f, ""});
    const ParamId speed = r.add({"speed", 0.0f, 1.0f, 0.0f, 0.0f, ""});
    const auto report = r.fromJson(nlohmann::json::parse(R"({
        "flash": {"value": 0, "mod": {"source": "drums.onset_envelope", "gain": 1}},
        "speed": {"value": 0, "mod": {"source": "bass.level", "gain": 0.5}}})"));
    EXPECT_TRUE(report.refused.empty()) << report.refused.front();
    EXPECT_EQ(r.modulation(flash).stem, 1);
    EXPECT_EQ(r.modulation(speed).stem, 2);

    ControlInput in;
    in.onsetEnvelope = 0.9f;  // the mix's: not what "drums." reads
    in.level = 0.9f;
    in.stemCount = 2;
    in.stems[0].onsetEnvelope = 0.25f;
    in.stems[1].level = 0.5f;
    r.update(in, 0.01);
    EXPECT_FLOAT_EQ(r.value(flash), 0.25f);
    EXPECT_FLOAT_EQ(r.value(speed), 0.25f);
    in.stemCount = 1;  // a stem the input lacks reads 0
    r.update(in, 0.01);
    EXPECT_FLOAT_EQ(r.value(speed), 0.0f);

    const nlohmann::json saved = r.toJson();
    EXPECT_EQ(saved["flash"]["mod"]["source"], "drums.onset_envelope");
    EXPECT_EQ(saved["speed"]["mod"]["source"], "bass.level");

    ParameterRegistry other;  // no stems
    other.add({"flash", 0.0f, 1.0f, 0.0f, 0.0f, ""});
    const auto refused = other.fromJson(saved);
    ASSERT_EQ(refused.refused.size(), 1u);
    EXPECT_EQ(refused.refused[0],
              "'flash.mod': source 'drums.onset_envelope': no stem 'drums' (stems: none)");
}
