// numpy's legacy RandomState (numpy/random/src/mt19937 and legacy/legacy-distributions.c),
// reimplemented from its published algorithm: MT19937 by Matsumoto and Nishimura with
// init_genrand seeding, numpy's 53-bit double, and legacy_gauss.
#include "autolume/model/seeds.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

namespace autolume::model {

namespace {

constexpr int kShift = 397;  // MT19937's middle word offset
constexpr std::uint32_t kMatrixA = 0x9908b0dfU;
constexpr std::uint32_t kUpperMask = 0x80000000U;
constexpr std::uint32_t kLowerMask = 0x7fffffffU;
// More PNGs than anyone wants from one command; guards against a typo like 0-4000000000.
constexpr std::uint64_t kMaxSeeds = 1000000;

std::uint32_t parseSeed(const std::string& text, const std::string& part) {
    if (text.empty() || text.size() > 10)
        throw std::invalid_argument("'" + part + "' is not a seed (0 to 4294967295)");
    std::uint64_t value = 0;
    for (char ch : text) {
        if (!std::isdigit(static_cast<unsigned char>(ch)))
            throw std::invalid_argument("'" + part + "' is not a seed (0 to 4294967295)");
        value = value * 10 + static_cast<std::uint64_t>(ch - '0');
    }
    if (value > 0xffffffffULL)
        throw std::invalid_argument("'" + part + "' is out of range (seeds are 0 to 4294967295)");
    return static_cast<std::uint32_t>(value);
}

}  // namespace

NumpyRandomState::NumpyRandomState(std::uint32_t seed) noexcept {
    // init_genrand: what numpy's legacy seeding does for an integer (not init_by_array).
    m_state[0] = seed;
    for (int i = 1; i < kStateSize; ++i) {
        const std::uint32_t prev = m_state[i - 1];
        m_state[i] = 1812433253U * (prev ^ (prev >> 30)) + static_cast<std::uint32_t>(i);
    }
}

void NumpyRandomState::regenerate() noexcept {
    for (int i = 0; i < kStateSize; ++i) {
        const std::uint32_t y =
            (m_state[i] & kUpperMask) | (m_state[(i + 1) % kStateSize] & kLowerMask);
        m_state[i] = m_state[(i + kShift) % kStateSize] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
    }
    m_pos = 0;
}

std::uint32_t NumpyRandomState::nextUint32() noexcept {
    if (m_pos == kStateSize) regenerate();
    std::uint32_t y = m_state[m_pos++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= y >> 18;
    return y;
}

double NumpyRandomState::nextDouble() noexcept {
    // Two draws in this order (separate statements: argument order is unspecified in C++).
    const std::uint32_t a = nextUint32() >> 5;
    const std::uint32_t b = nextUint32() >> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
}

double NumpyRandomState::nextGaussian() noexcept {
    if (m_hasGauss) {
        m_hasGauss = false;
        return m_gauss;
    }
    double x1 = 0.0;
    double x2 = 0.0;
    double r2 = 0.0;
    do {
        x1 = 2.0 * nextDouble() - 1.0;
        x2 = 2.0 * nextDouble() - 1.0;
        r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    const double f = std::sqrt(-2.0 * std::log(r2) / r2);
    // numpy returns f * x2 now and keeps f * x1 for the next call.
    m_gauss = f * x1;
    m_hasGauss = true;
    return f * x2;
}

std::vector<float> seedLatent(std::uint32_t seed, int zDim) {
    NumpyRandomState rng(seed);
    std::vector<float> z(static_cast<size_t>(zDim > 0 ? zDim : 0));
    for (float& v : z) v = static_cast<float>(rng.nextGaussian());
    return z;
}

std::vector<std::uint32_t> parseSeedList(const std::string& text) {
    if (text.empty()) throw std::invalid_argument("no seeds given (e.g. 0-7,12)");
    std::vector<std::uint32_t> seeds;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t comma = std::min(text.find(',', start), text.size());
        const std::string part = text.substr(start, comma - start);
        const size_t dash = part.find('-');
        if (dash == std::string::npos) {
            seeds.push_back(parseSeed(part, part));
        } else {
            const std::uint32_t first = parseSeed(part.substr(0, dash), part);
            const std::uint32_t last = parseSeed(part.substr(dash + 1), part);
            if (last < first)
                throw std::invalid_argument("'" + part + "' is an empty range (first > last)");
            if (seeds.size() + (static_cast<std::uint64_t>(last) - first + 1) > kMaxSeeds)
                throw std::invalid_argument("'" + text + "' is more than " +
                                            std::to_string(kMaxSeeds) + " seeds");
            for (std::uint64_t s = first; s <= last; ++s)
                seeds.push_back(static_cast<std::uint32_t>(s));
        }
        if (seeds.size() > kMaxSeeds)
            throw std::invalid_argument("'" + text + "' is more than " + std::to_string(kMaxSeeds) +
                                        " seeds");
        start = comma + 1;
    }
    return seeds;
}

}  // namespace autolume::model
