#include "autolume/control/preset_bank.hpp"

#include "test_files.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using autolume::test::freshDir;
using autolume::test::readFile;
using namespace autolume::control;

namespace {

Preset makePreset(int numWs, int wDim, float base) {
    Preset p;
    for (int i = 0; i < numWs * wDim; ++i) p.ws.push_back(base + 0.001f * i - 1.0f / 3.0f);
    return p;
}

}  // namespace

TEST(PresetBank, RoundTripsThroughFilesExactly) {
    const fs::path dir = freshDir("presets_roundtrip");
    const ModelIdentity model{"test-model", 4, 3};
    PresetBank bank(dir, model);
    Preset p = makePreset(4, 3, 0.1f);
    p.label = "intro";
    p.params = nlohmann::json{{"truncation", {{"value", 0.7}}}};
    bank.store(0, p);
    bank.store(15, makePreset(4, 3, -2.0f));
    EXPECT_TRUE(fs::exists(dir / "slot_01.json"));
    EXPECT_TRUE(fs::exists(dir / "slot_16.json"));
    EXPECT_NE(readFile(dir / "slot_01.json").find("\"version\": 1"), std::string::npos);

    PresetBank again(dir, model);
    EXPECT_TRUE(again.load().empty());
    ASSERT_TRUE(again.has(0));
    EXPECT_EQ(again.get(0).ws, p.ws);  // bit-exact floats through JSON
    EXPECT_EQ(again.get(0).label, "intro");
    EXPECT_EQ(*again.get(0).params, *p.params);
    EXPECT_FALSE(again.has(1));
    EXPECT_THROW(again.get(1), std::out_of_range);
    EXPECT_THROW(again.store(16, p), std::out_of_range);
}

TEST(PresetBank, AverageIsTheExactMean) {
    PresetBank bank(freshDir("presets_average"), {"m", 2, 2});
    bank.store(0, {{1.0f, 2.0f, 3.0f, 4.0f}, std::nullopt, ""});
    bank.store(1, {{3.0f, 2.0f, -3.0f, 0.5f}, std::nullopt, ""});
    bank.store(2, {{2.0f, 5.0f, 0.0f, 0.0f}, std::nullopt, ""});
    EXPECT_EQ(bank.average({0, 1}), (std::vector<float>{2.0f, 2.0f, 0.0f, 2.25f}));
    EXPECT_EQ(bank.average({0, 1, 2}), (std::vector<float>{2.0f, 3.0f, 0.0f, 1.5f}));
    EXPECT_EQ(bank.average({2}), bank.get(2).ws);
    EXPECT_THROW(bank.average({}), std::invalid_argument);
    EXPECT_THROW(bank.average({0, 5}), std::invalid_argument);
}

TEST(PresetBank, BrokenOrForeignFilesAreReportedAndLeftUntouched) {
    const fs::path dir = freshDir("presets_broken");
    const ModelIdentity model{"mine", 2, 2};
    PresetBank writer(dir, model);
    writer.store(0, {{1, 2, 3, 4}, std::nullopt, "good"});
    std::ofstream(dir / "slot_02.json") << "{ not json";
    PresetBank other(dir, {"someone-else", 2, 2});
    other.store(2, {{5, 6, 7, 8}, std::nullopt, ""});
    std::ofstream(dir / "slot_04.json") << R"({"format": "autolume-preset", "version": 99})";
    const std::string broken = readFile(dir / "slot_02.json");
    const std::string foreign = readFile(dir / "slot_03.json");

    PresetBank bank(dir, model);
    const auto errors = bank.load();
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_NE(errors[0].find("slot_02.json: not valid JSON"), std::string::npos) << errors[0];
    EXPECT_NE(errors[1].find("slot_03.json: made for model 'someone-else'"), std::string::npos)
        << errors[1];
    EXPECT_NE(errors[2].find("slot_04.json: preset format version 99"), std::string::npos)
        << errors[2];
    EXPECT_TRUE(bank.has(0));
    EXPECT_FALSE(bank.has(1));
    EXPECT_EQ(readFile(dir / "slot_02.json"), broken);
    EXPECT_EQ(readFile(dir / "slot_03.json"), foreign);
}

TEST(PresetBank, AFailedWriteKeepsTheOldFileAndSlot) {
    const fs::path dir = freshDir("presets_failed_write");
    PresetBank bank(dir, {"m", 1, 2});
    bank.store(0, {{1, 2}, std::nullopt, "old"});
    const std::string before = readFile(dir / "slot_01.json");
    // A wrong-sized latent is refused before anything is written.
    EXPECT_THROW(bank.store(0, {{1, 2, 3}, std::nullopt, "bad"}), std::runtime_error);
    // A folder standing where the temporary file goes makes the write itself fail.
    fs::create_directories(dir / ("slot_01.json.tmp" + std::to_string(::getpid())));
    EXPECT_THROW(bank.store(0, {{9, 9}, std::nullopt, "new"}), std::runtime_error);
    EXPECT_EQ(readFile(dir / "slot_01.json"), before);
    EXPECT_EQ(bank.get(0).label, "old");
}

TEST(PresetBank, AnUnreadSlotIsOverwrittenOnlyWhenConfirmedAndTheOldFileKept) {
    const fs::path dir = freshDir("presets_confirm");
    const ModelIdentity model{"mine", 1, 2};
    std::ofstream(dir / "slot_02.json") << "{ broken by hand";
    PresetBank other(dir, {"theirs", 1, 2});
    other.store(2, {{5, 6}, std::nullopt, "theirs"});
    const std::string theirs = readFile(dir / "slot_03.json");

    PresetBank bank(dir, model);
    EXPECT_EQ(bank.load().size(), 2u);
    EXPECT_NE(bank.problem(1).find("not valid JSON"), std::string::npos) << bank.problem(1);
    EXPECT_NE(bank.problem(2).find("made for model 'theirs'"), std::string::npos);
    EXPECT_TRUE(bank.problem(0).empty());
    const Preset mine{{1, 2}, std::nullopt, "mine"};
    EXPECT_THROW(bank.store(1, mine), UnreadableSlot);
    EXPECT_THROW(bank.store(2, mine), UnreadableSlot);
    EXPECT_EQ(readFile(dir / "slot_02.json"), "{ broken by hand");
    EXPECT_EQ(readFile(dir / "slot_03.json"), theirs);
    EXPECT_FALSE(bank.has(1));
    // A file that appeared after load() (another program) is not ours to overwrite either.
    std::ofstream(dir / "slot_05.json") << "{}";
    EXPECT_THROW(bank.store(4, mine), UnreadableSlot);
    bank.store(0, mine);  // an empty slot: no question
    bank.store(0, mine);  // our own file: no question

    bank.store(2, mine, true);
    EXPECT_EQ(readFile(dir / "slot_03.json.replaced"), theirs);
    EXPECT_TRUE(bank.has(2));
    EXPECT_TRUE(bank.problem(2).empty());
    PresetBank again(dir, model);
    again.load();
    EXPECT_EQ(again.get(2).label, "mine");
}

TEST(PresetBank, TheModelFilesHashAndTheLatentRangeAreChecked) {
    const fs::path dir = freshDir("presets_hash");
    PresetBank a(dir, {"m", 1, 2, "aaaa0000aaaa0000"});
    a.store(0, {{1, 2}, std::nullopt, ""});
    EXPECT_NE(readFile(dir / "slot_01.json").find("\"sha256\": \"aaaa0000aaaa0000\""),
              std::string::npos);
    PresetBank b(dir, {"m", 1, 2, "bbbb1111bbbb1111"});
    const auto errors = b.load();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("made for another file of model 'm' (sha256 aaaa0000aaaa..."),
              std::string::npos)
        << errors[0];
    // Files from before the hash (none recorded) are read by any file of the model.
    PresetBank legacy(dir, {"m", 1, 2, ""});
    legacy.store(1, {{3, 4}, std::nullopt, ""});
    EXPECT_EQ(b.load().size(), 1u);
    EXPECT_TRUE(b.has(1));

    std::ofstream(dir / "slot_03.json")
        << R"({"format": "autolume-preset", "version": 1, "model": {"name": "m", "num_ws": 1,
              "w_dim": 2}, "ws": [[1e30, 0]]})";
    const auto far = b.load();
    ASSERT_EQ(far.size(), 2u);
    EXPECT_NE(far[1].find("slot_03.json: \"ws\" holds 1e+30, beyond +-1000"), std::string::npos)
        << far[1];
}

TEST(PresetBank, ReadableSlotsOfTheOldStemFolderAreCopiedOnce) {
    const fs::path root = freshDir("presets_adopt");
    const ModelIdentity legacyModel{"m", 1, 2, ""};
    PresetBank old(root / "default", legacyModel);
    old.store(0, {{1, 2}, std::nullopt, "intro"});
    old.store(3, {{3, 4}, std::nullopt, "drop"});
    std::ofstream(root / "default" / "slot_06.json") << "{ broken";
    PresetBank otherModel(root / "default", {"n", 2, 2, ""});
    otherModel.store(7, {{1, 2, 3, 4}, std::nullopt, "another default.pt"});
    const std::string intro = readFile(root / "default" / "slot_01.json");

    PresetBank bank(root / "default-0123456789ab", {"m", 1, 2, "0123456789abcdef"});
    EXPECT_EQ(bank.adoptFrom(root / "default"), 2);
    EXPECT_TRUE(bank.load().empty());
    EXPECT_EQ(bank.get(0).label, "intro");
    EXPECT_EQ(bank.get(3).label, "drop");
    EXPECT_FALSE(bank.has(5));
    EXPECT_FALSE(bank.has(7));
    EXPECT_EQ(readFile(root / "default-0123456789ab" / "slot_01.json"), intro);
    EXPECT_TRUE(fs::exists(root / "default" / "slot_01.json")) << "the old files stay";
    // Once the folder is in use, nothing is copied again (a cleared slot stays clear).
    bank.clear(0);
    EXPECT_EQ(bank.adoptFrom(root / "default"), 0);
    EXPECT_FALSE(fs::exists(root / "default-0123456789ab" / "slot_01.json"));
}

TEST(PresetBank, LoadRemovesTemporariesOfKilledSaves) {
    const fs::path dir = freshDir("presets_stale");
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ::waitpid(child, nullptr, 0);  // a process id that no longer runs
    std::ofstream(dir / ("slot_01.json.tmp" + std::to_string(child))) << "half a presè";
    PresetBank bank(dir, {"m", 1, 2});
    EXPECT_TRUE(bank.load().empty());
    EXPECT_FALSE(fs::exists(dir / ("slot_01.json.tmp" + std::to_string(child))));
}

// Found by fuzz_json: fields of the wrong type escaped parse() as nlohmann's type_error, not the
// documented one-line std::runtime_error, and "num_ws": 1e30 was converted to int (undefined
// behaviour, UBSan's report); 2^32 + 1 read as version 1.
TEST(PresetBank, FieldsOfTheWrongTypeAreOneLineErrors) {
    const PresetBank bank(freshDir("presets_types"), {"mine", 1, 2});
    const std::string head = R"({"format": "autolume-preset", "version": 1, )";
    const std::string ws = R"("ws": [[1, 2]])";
    const std::pair<std::string, std::string> cases[] = {
        {R"({"format": 1, "version": 1})", "not an autolume preset"},
        {head + R"("model": 5})", "\"model\" must be an object"},
        {head + R"("model": {"name": 7, "num_ws": 1, "w_dim": 2}})", "\"model.name\" must be"},
        {head + R"("model": {"name": "mine", "num_ws": "1", "w_dim": 2}})",
         "\"model.num_ws\" must be an integer"},
        {head + R"("model": {"name": "mine", "num_ws": 1e30, "w_dim": 2}})",
         "\"model.num_ws\" must be an integer"},
        {head + R"("model": {"name": "mine", "num_ws": 1, "w_dim": 2}, "label": 5, )" + ws + "}",
         "\"label\" must be a string"},
        {R"({"format": "autolume-preset", "version": 4294967297})", "version 4294967297"},
    };
    for (const auto& [text, expected] : cases) {
        try {
            bank.parse(text);
            ADD_FAILURE() << "accepted " << text;
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find(expected), std::string::npos)
                << text << ": " << e.what();
        }
    }
    const Preset ok =
        bank.parse(head + R"("model": {"name": "mine", "num_ws": 1, "w_dim": 2}, )" + ws + "}");
    EXPECT_EQ(ok.ws, (std::vector<float>{1, 2}));
}
