// JSON that cannot hurt (io/json_read.hpp): nesting, size and float-range limits with one-line
// messages, on text and on files; a deep or out-of-range preset is reported and left alone.
#include "autolume/io/json_read.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "autolume/control/preset_bank.hpp"

namespace fs = std::filesystem;
using autolume::io::kMaxJsonDepth;
using autolume::io::parseJsonLimited;
using autolume::io::readJsonFile;

namespace {

std::string nested(int levels) {
    return std::string(static_cast<std::size_t>(levels), '[') +
           std::string(static_cast<std::size_t>(levels), ']');
}

std::string problemOf(const std::string& text) {
    try {
        (void)parseJsonLimited(text);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(JsonRead, NestingIsLimitedWithoutCrashing) {
    EXPECT_EQ(problemOf(nested(kMaxJsonDepth)), "");
    EXPECT_EQ(problemOf(nested(kMaxJsonDepth + 1)), "nested deeper than 64 levels");
    // What used to crash the app (recursive copies of a 200 000-level document).
    EXPECT_EQ(problemOf(nested(200'000)), "nested deeper than 64 levels");
    std::string objects;
    for (int i = 0; i < 200'000; ++i) objects += "{\"a\":";
    EXPECT_EQ(problemOf(objects), "nested deeper than 64 levels");
}

TEST(JsonRead, NumbersBeyondAFloatAreRefusedByName) {
    EXPECT_EQ(problemOf(R"({"gain": 1e39})"), "\"gain\": 1e+39 is beyond a float's range");
    EXPECT_EQ(problemOf(R"({"ws": [0.5, -3.4e38, -1e300]})"),
              "\"ws\": -1e+300 is beyond a float's range");
    EXPECT_EQ(problemOf("[1e39]"), "a number: 1e+39 is beyond a float's range");
    EXPECT_EQ(problemOf(R"({"gain": 3.4e38, "n": 123456789012})"), "");
    const std::string overflow = problemOf("[1e400]");
    EXPECT_EQ(overflow.rfind("not valid JSON (", 0), 0u) << overflow;
    EXPECT_NE(overflow.find("1e400"), std::string::npos) << overflow;
}

TEST(JsonRead, SyntaxErrorsAndSizeAreOneLine) {
    const std::string broken = problemOf(R"({"truncation": )");
    EXPECT_EQ(broken.rfind("not valid JSON (parse error at line 1, column 16", 0), 0u) << broken;
    EXPECT_EQ(broken.find('\n'), std::string::npos);
    const std::string big(autolume::io::kMaxJsonBytes + 1, ' ');
    EXPECT_EQ(problemOf(big), "16777217 bytes, more than 16 MiB");
}

TEST(JsonRead, FileErrorsNameTheFile) {
    const fs::path dir = fs::path(AUTOLUME_TEST_TMP) / "json_read";
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "deep.json") << nested(150'000);
    try {
        (void)readJsonFile(dir / "deep.json");
        FAIL() << "deep.json was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()),
                  (dir / "deep.json").string() + ": nested deeper than 64 levels");
    }
    EXPECT_THROW((void)readJsonFile(dir / "missing.json"), std::runtime_error);
    std::ofstream(dir / "ok.json") << R"({"a": [1, 2.5, "x"]})";
    EXPECT_EQ(readJsonFile(dir / "ok.json")["a"][1].get<double>(), 2.5);
}

TEST(JsonRead, HostilePresetsAreReportedAndLeftUntouched) {
    using namespace autolume::control;
    const fs::path dir = fs::path(AUTOLUME_TEST_TMP) / "json_presets";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const ModelIdentity model{"mine", 1, 2};
    PresetBank(dir, model).store(0, {{1, 2}, std::nullopt, "good"});
    const std::string deep =
        R"({"format": "autolume-preset", "version": 1, "x": )" + nested(180'000) + "}";
    std::ofstream(dir / "slot_02.json") << deep;
    std::ofstream(dir / "slot_03.json")
        << R"({"format": "autolume-preset", "version": 1, "slot": 3, "label": "",
               "model": {"name": "mine", "num_ws": 1, "w_dim": 2}, "ws": [[1e300, 0]]})";
    PresetBank bank(dir, model);
    const auto errors = bank.load();
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_NE(errors[0].find("slot_02.json: nested deeper than 64 levels"), std::string::npos)
        << errors[0];
    EXPECT_NE(errors[1].find("slot_03.json: \"ws\": 1e+300 is beyond a float's range"),
              std::string::npos)
        << errors[1];
    EXPECT_TRUE(bank.has(0));
    EXPECT_FALSE(bank.has(1));
    EXPECT_FALSE(bank.has(2));
    std::ifstream in(dir / "slot_02.json");
    const std::string back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(back, deep);
}
