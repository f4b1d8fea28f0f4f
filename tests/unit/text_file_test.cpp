#include "autolume/io/text_file.hpp"

#include "test_files.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using autolume::io::removeStaleTemporaries;
using autolume::io::writeTextFileAtomic;
using autolume::test::freshDir;
using autolume::test::readFile;

namespace {

int temporariesIn(const fs::path& dir) {
    int n = 0;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().filename().string().find(".tmp") != std::string::npos) ++n;
    return n;
}

// A process id that is certainly not running: a child that has exited and been reaped.
pid_t deadPid() {
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ::waitpid(child, nullptr, 0);
    return child;
}

}  // namespace

TEST(TextFile, KillDuringSavesLeavesTheOldFileOrTheNewNeverHalf) {
    const fs::path dir = freshDir("text_file_kill");
    const fs::path target = dir / "params.json";
    // Large enough that a save takes several write calls and an fsync.
    const std::string a(400'000, 'a');
    const std::string b(600'000, 'b');
    writeTextFileAtomic(target, a);
    std::mt19937 rng(7);
    int killedMidSave = 0;
    for (int round = 0; round < 40; ++round) {
        const pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            for (int i = 0;; ++i) writeTextFileAtomic(target, i % 2 ? a : b);
        }
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 20'000));
        ::kill(child, SIGKILL);
        int status = 0;
        ::waitpid(child, &status, 0);
        ASSERT_TRUE(WIFSIGNALED(status));
        const std::string now = readFile(target);
        ASSERT_TRUE(now == a || now == b) << "round " << round << ": " << now.size() << " bytes";
        if (temporariesIn(dir) > 0) ++killedMidSave;
        // The next save removes the dead process's temporary.
        if (round % 2 == 0) {
            writeTextFileAtomic(target, a);
            EXPECT_EQ(temporariesIn(dir), 0) << "round " << round;
        }
    }
    // Most kills land inside a save (the write and fsync are most of a save's time).
    EXPECT_GE(killedMidSave, 5);
}

TEST(TextFile, StaleTemporariesOfGoneProcessesAreRemovedOthersKept) {
    const fs::path dir = freshDir("text_file_stale");
    const std::string dead = std::to_string(deadPid());
    std::ofstream(dir / ("slot_01.json.tmp" + dead)) << "half";
    std::ofstream(dir / ("slot_02.json.tmp" + dead)) << "half";
    std::ofstream(dir / "slot_03.json.tmp1") << "pid 1 runs";  // init: alive
    std::ofstream(dir / "notes.tmpfile") << "not ours";        // not <name>.tmp<PID>
    std::ofstream(dir / ("slot_04.json.tmp" + std::to_string(::getpid()))) << "ours, saving";
    EXPECT_EQ(removeStaleTemporaries(dir), 2);
    EXPECT_FALSE(fs::exists(dir / ("slot_01.json.tmp" + dead)));
    EXPECT_FALSE(fs::exists(dir / ("slot_02.json.tmp" + dead)));
    EXPECT_TRUE(fs::exists(dir / ("slot_04.json.tmp" + std::to_string(::getpid()))));
    EXPECT_TRUE(fs::exists(dir / "slot_03.json.tmp1"));
    EXPECT_TRUE(fs::exists(dir / "notes.tmpfile"));
    EXPECT_EQ(removeStaleTemporaries(dir / "missing"), 0);
}

TEST(TextFile, AFailedSaveLeavesTheTargetAndNoTemporary) {
    const fs::path dir = freshDir("text_file_fail");
    writeTextFileAtomic(dir / "keep.json", "good\n");
    fs::create_directory(dir / "folder.json");  // rename over a folder fails
    std::ofstream(dir / "folder.json" / "inside") << "x";
    EXPECT_THROW(writeTextFileAtomic(dir / "folder.json", "new"), std::runtime_error);
    EXPECT_EQ(temporariesIn(dir), 0);
    EXPECT_EQ(readFile(dir / "keep.json"), "good\n");
}
