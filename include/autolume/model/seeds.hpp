// Seeds that mean what they mean in the official StyleGAN2-ADA generate.py:
// z = np.random.RandomState(seed).randn(1, z_dim). numpy's legacy RandomState is reproduced
// bit for bit (MT19937 seeded by init_genrand, 53-bit doubles, polar Box-Muller with the second
// value cached), so a seed shared by an artist gives the same image here. Pure C++, no torch.
//
// Thread contract: NumpyRandomState is a plain value, used by one thread at a time; the free
// functions keep no state and may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace autolume::model {

class NumpyRandomState {
  public:
    // np.random.RandomState(seed) with an integer seed (numpy accepts 0 .. 2^32 - 1).
    explicit NumpyRandomState(std::uint32_t seed) noexcept;

    std::uint32_t nextUint32() noexcept;  // one raw MT19937 output
    double nextDouble() noexcept;         // random_sample(): [0, 1) with 53 random bits
    double nextGaussian() noexcept;       // standard_normal() / randn(): legacy_gauss

  private:
    static constexpr int kStateSize = 624;
    void regenerate() noexcept;

    std::array<std::uint32_t, kStateSize> m_state{};
    int m_pos = kStateSize;
    bool m_hasGauss = false;
    double m_gauss = 0.0;
};

// np.random.RandomState(seed).randn(1, zDim) as float32: the generator casts z to float32 first.
std::vector<float> seedLatent(std::uint32_t seed, int zDim);

// Seed lists as the official generate.py takes them: "0-7,12" -> 0, 1, ..., 7, 12 (in order,
// ranges inclusive). Throws std::invalid_argument naming the part at fault.
std::vector<std::uint32_t> parseSeedList(const std::string& text);

}  // namespace autolume::model
