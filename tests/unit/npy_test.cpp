#include "autolume/io/npy.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace autolume::io;

namespace {
fs::path scratch(const std::string& name) {
    fs::create_directories(AUTOLUME_TEST_TMP);
    return fs::path(AUTOLUME_TEST_TMP) / name;
}
}  // namespace

TEST(Npy, RoundTripsShapesAndValues) {
    const std::vector<float> values = {0.5f, -1.0f, 3.25f, 7.0f, 1e-8f, -0.0f};
    for (const auto& shape : std::vector<std::vector<std::int64_t>>{{6}, {2, 3}, {1, 3, 2}}) {
        const auto path = scratch("roundtrip.npy").string();
        writeNpy(path, shape, values.data());
        const NpyArray back = readNpy(path);
        EXPECT_EQ(back.shape, shape);
        EXPECT_EQ(back.data, values);
        EXPECT_EQ(fs::file_size(path) % 64, (6 * 4) % 64) << "header must pad to 64 bytes";
    }
}

TEST(Npy, ErrorsNameTheFile) {
    const auto path = scratch("not_numpy.npy").string();
    std::ofstream(path) << "hello";
    try {
        readNpy(path);
        FAIL() << "expected an error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
    EXPECT_THROW(readNpy(scratch("missing.npy").string()), std::runtime_error);
}
