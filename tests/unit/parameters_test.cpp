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

TEST(Parameters, JsonRoundTripAndBadInputChangesNothing) {
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
    EXPECT_EQ(b.fromJson(withUnknown), std::vector<std::string>{"z"});
    EXPECT_EQ(b.toJson(), saved);

    b.setBase(y, 7);
    nlohmann::json bad = saved;
    bad["y"] = {{"value", 1}};
    bad["x"]["mod"]["source"] = "no_such_feature";
    EXPECT_THROW(b.fromJson(bad), std::invalid_argument);
    EXPECT_EQ(b.base(y), 7.0f) << "a rejected document must not apply any of its values";
}

// Found by fuzz_json: a "mod" whose source or curve is not a string escaped fromJson as
// nlohmann's type_error instead of the documented std::invalid_argument naming the parameter.
TEST(Parameters, ModulationNamesOfTheWrongTypeAreInvalidArguments) {
    ParameterRegistry r;
    const ParamId x = r.add({"x", 0, 1, 0.5f, 0, ""});
    for (const char* text : {R"({"x": {"value": 1, "mod": {"source": 3, "gain": 1}}})",
                             R"({"x": {"value": 1, "mod": {"source": "level", "gain": 1,
                                                          "curve": ["square"]}}})"}) {
        const nlohmann::json doc = nlohmann::json::parse(text);
        try {
            r.fromJson(doc);
            ADD_FAILURE() << "accepted " << text;
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("parameter 'x'"), std::string::npos) << e.what();
        }
        EXPECT_EQ(r.base(x), 0.5f);
    }
}
