// Seeds: the C++ NumpyRandomState against numpy's own output (tests/data/numpy_randn_seeds.txt,
// written by tests/tools/make_numpy_seed_fixture.py), and the seed-list syntax.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "autolume/model/seeds.hpp"

namespace {

using autolume::model::NumpyRandomState;
using autolume::model::parseSeedList;
using autolume::model::seedLatent;

struct Reference {
    std::string kind;  // "randn" or "random_sample"
    std::uint32_t seed = 0;
    std::vector<double> values;
};

std::vector<Reference> loadReferences() {
    const std::string path = std::string(AUTOLUME_TEST_DATA) + "/numpy_randn_seeds.txt";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::vector<Reference> refs;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream fields(line);
        Reference ref;
        size_t count = 0;
        fields >> ref.kind >> ref.seed >> count;
        ref.values.resize(count);
        for (double& v : ref.values) fields >> v;
        if (!fields) throw std::runtime_error("malformed line in " + path);
        refs.push_back(std::move(ref));
    }
    return refs;
}

TEST(Seeds, MatchNumpyLegacyRandomStateBitForBit) {
    const std::vector<Reference> refs = loadReferences();
    ASSERT_GE(refs.size(), 9u);
    for (const Reference& ref : refs) {
        NumpyRandomState rng(ref.seed);
        for (size_t i = 0; i < ref.values.size(); ++i) {
            const double got = ref.kind == "randn" ? rng.nextGaussian() : rng.nextDouble();
            // Same algorithm and the same libm: identical doubles, not merely close ones.
            ASSERT_EQ(got, ref.values[i]) << ref.kind << " seed " << ref.seed << " value " << i;
        }
    }
}

TEST(Seeds, LatentIsTheFloat32PrefixOfRandn) {
    for (const Reference& ref : loadReferences()) {
        if (ref.kind != "randn") continue;
        for (int zDim : {1, 3, static_cast<int>(ref.values.size())}) {
            const std::vector<float> z = seedLatent(ref.seed, zDim);
            ASSERT_EQ(z.size(), static_cast<size_t>(zDim));
            for (int i = 0; i < zDim; ++i)
                ASSERT_EQ(z[i], static_cast<float>(ref.values[i])) << "seed " << ref.seed;
        }
    }
}

TEST(Seeds, DifferentSeedsDiffer) {
    EXPECT_NE(seedLatent(0, 4), seedLatent(1, 4));
    EXPECT_EQ(seedLatent(5, 4), seedLatent(5, 4));
}

TEST(SeedList, ParsesListsAndRanges) {
    EXPECT_EQ(parseSeedList("0-7"), (std::vector<std::uint32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
    EXPECT_EQ(parseSeedList("0-2,12,5-5"), (std::vector<std::uint32_t>{0, 1, 2, 12, 5}));
    EXPECT_EQ(parseSeedList("42"), (std::vector<std::uint32_t>{42}));
    EXPECT_EQ(parseSeedList("4294967294-4294967295"),
              (std::vector<std::uint32_t>{4294967294U, 4294967295U}));
}

TEST(SeedList, RejectsBadTextNamingThePart) {
    struct Case {
        const char* text;
        const char* named;  // what the message must quote
    };
    const Case cases[] = {{"", "no seeds"},
                          {"x", "'x'"},
                          {"1,,2", "''"},
                          {"1,", "''"},
                          {"-3", "'-3'"},
                          {"3-", "'3-'"},
                          {"7-2", "'7-2'"},
                          {"1-2-3", "'1-2-3'"},
                          {" 1", "' 1'"},
                          {"1.5", "'1.5'"},
                          {"4294967296", "'4294967296' is out of range"},
                          {"0-4000000000", "'0-4000000000' is more than"}};
    for (const Case& c : cases) {
        try {
            parseSeedList(c.text);
            ADD_FAILURE() << "accepted '" << c.text << "'";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(c.named), std::string::npos)
                << "'" << c.text << "': " << e.what();
        }
    }
}

}  // namespace
