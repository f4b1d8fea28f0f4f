// The model file check (archive_check.hpp): every file the project's exporters make passes;
// the code scanner and the pickle walk refuse what could reach files or the process, however
// it is spelled. The hostile archives themselves are tests/integration/model_hostile.sh.
#include "autolume/model/archive_check.hpp"

#include <gtest/gtest.h>

#include <string>

namespace am = autolume::model;

namespace {

const std::string kModules =
    "__torch__\n__torch__.net\nclass __torch__.net.Gen\nclass __torch__.Top\n";

std::string code(const std::string& src) {
    return am::checkTorchScriptCode(src, "code/__torch__/net.py", kModules);
}

}  // namespace

TEST(ArchiveCheck, EveryExportedModelPasses) {
    const std::string dir = AUTOLUME_MODEL_DIR;
    for (const std::string& path :
         {std::string(AUTOLUME_DEFAULT_MODEL), dir + "/placeholder.pt",
          dir + "/reference/conditional.pt", dir + "/reference/not_a_generator.pt"}) {
        const am::ArchiveCheck check = am::checkTorchScriptArchive(path);
        EXPECT_TRUE(check.ok()) << path << ": " << check.problem;
        EXPECT_GE(check.codeFiles, 1) << path;
        EXPECT_GE(check.globals, 1) << path;
    }
    // The shipped model: its networks, containers, functional and grad_mode code files.
    const am::ArchiveCheck shipped = am::checkTorchScriptArchive(AUTOLUME_DEFAULT_MODEL);
    EXPECT_EQ(shipped.codeFiles, 5);
    EXPECT_EQ(shipped.entries, 113);
}

TEST(ArchiveCheck, NotAZipIsNamedAsSuch) {
    const am::ArchiveCheck check = am::checkTorchScriptArchive(AUTOLUME_TEST_SOURCE);
    EXPECT_FALSE(check.ok());
    EXPECT_TRUE(check.notAnArchive);
    EXPECT_EQ(check.message().rfind("not a TorchScript archive (zip: ", 0), 0u) << check.message();
    const am::ArchiveCheck missing = am::checkTorchScriptArchive("/no/such/model.pt");
    EXPECT_FALSE(missing.ok());
    EXPECT_NE(missing.problem.find("cannot read the file"), std::string::npos);
}

TEST(ArchiveCheck, PureCodeIsAccepted) {
    EXPECT_EQ(code("def f(x: Tensor) -> Tensor:\n  _0 = torch.mul(torch.add(x, 1.5e-08), 2)\n"
                   "  ops.prim.RaiseException(\"no\", \"builtins.ValueError\")\n"
                   "  y = (self).mapping(x, )\n  w = self.w_avg\n"
                   "  g = __torch__.net.Gen\n  return CONSTANTS.c0\n"),
              "");
    // Strings and comments may say anything.
    EXPECT_EQ(code("s = \"torch.save(x, 'p')\"  # torch.save\nt = '''import os\n"
                   "torch.load'''\nu = r'\\d'\n"),
              "");
}

TEST(ArchiveCheck, FileAndProcessOperationsAreRefusedHoweverSpelled) {
    struct Case {
        const char* src;
        const char* found;
    };
    for (const Case& c : {
             Case{"torch.save(x, \"/tmp/p\")\n", "operation 'torch.save'"},
             Case{"torch . save(x, p)\n", "operation 'torch.save'"},
             Case{"torch.\\\n  save(x, p)\n", "operation 'torch.save'"},
             Case{"x = torch.from_file(p, False, 4)\n", "operation 'torch.from_file'"},
             Case{"torch.load(p)\n", "operation 'torch.load'"},
             Case{"torch.ops.aten.save(x, p)\n", "operation 'torch.ops.aten.save'"},
             Case{"torch.classes.evil.Thing()\n", "operation 'torch.classes.evil.Thing'"},
             Case{"ops.aten.save(x, p)\n", "operation 'ops.aten.save'"},
             Case{"ops.evil.run(x)\n", "operation 'ops.evil.run'"},
             Case{"getattr(torch, \"save\")(x, p)\n", "'torch' used as a value"},
             Case{"(torch).save(x, p)\n", "'torch' used as a value"},
             Case{"f = ops\n", "'ops' used as a value"},
             Case{"fut = fork(f, x)\n", "forbidden name 'fork'"},
             Case{"import os\n", "forbidden name 'import'"},
             Case{"y = __torch__.elsewhere.Thing()\n", "is not code of this archive"},
             Case{"s = f\"{torch.save(x, p)}\"\n", "string prefix 'f'"},
             Case{"s = \"open\n", "line break in a string"},
             Case{"s = '''never closed\n", "unterminated string"},
             Case{"x = 1\xc2\xa0+ 2\n", "byte 194 in the code"},
         }) {
        const std::string problem = code(c.src);
        EXPECT_NE(problem.find(c.found), std::string::npos)
            << "source: " << c.src << "\nproblem: " << problem;
        EXPECT_EQ(problem.rfind("code/__torch__/net.py line ", 0), 0u) << problem;
    }
}

TEST(ArchiveCheck, PickleWalkAcceptsTorchScriptsGlobalsOnly) {
    auto walk = [](const std::string& bytes) {
        return am::checkTorchScriptPickle(bytes, "data.pkl", kModules);
    };
    using namespace std::string_literals;
    int globals = -1;
    EXPECT_EQ(am::checkTorchScriptPickle("\x80\x02}q\x00."s, "data.pkl", kModules, &globals), "");
    EXPECT_EQ(globals, 0);
    EXPECT_EQ(walk("\x80\x02"
                   "ccollections\nOrderedDict\n)R."s),
              "");
    EXPECT_EQ(walk("\x80\x02"
                   "c__torch__.net\nGen\n)\x81."s),
              "");
    EXPECT_EQ(walk("\x80\x02X\x03\x00\x00\x00"
                   "abc."s),
              "");
    EXPECT_NE(walk("\x80\x02"
                   "cposix\nsystem\nX\x02\x00\x00\x00id\x85R."s)
                  .find("GLOBAL 'posix.system'"),
              std::string::npos);
    EXPECT_NE(walk("\x80\x02"
                   "c__torch__.net\nOther\n)\x81."s)
                  .find("GLOBAL '__torch__.net.Other'"),
              std::string::npos);
    EXPECT_NE(walk("\x80\x02"
                   "c__torch__.elsewhere\nGen\n)\x81."s)
                  .find("GLOBAL"),
              std::string::npos);
    EXPECT_NE(walk("(iposix\nsystem\n."s).find("opcode 105"), std::string::npos);  // INST
    EXPECT_NE(walk("\x80\x04\x93."s).find("opcode 147"), std::string::npos);       // STACK_GLOBAL
    EXPECT_NE(walk("\x80\x02X\xff\xff\xff\x7f"
                   "abc."s)
                  .find("past the end"),
              std::string::npos);
    EXPECT_NE(walk("\x80\x02}"s).find("no STOP"), std::string::npos);
    EXPECT_NE(walk("\x80\x02}.junk"s).find("data after STOP"), std::string::npos);
    EXPECT_NE(walk("\x80\x02"
                   "ccollections\nOrderedDict"s)
                  .find("broken GLOBAL"),
              std::string::npos);
}
