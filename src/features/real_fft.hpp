// Private to src/features: a real-to-complex FFTW plan with its own aligned buffers, planned
// once at construction.
//
// Thread contract: construct and destroy on any non-real-time thread (planning is serialized
// here because FFTW's planner is not thread-safe); execute() from the owning thread only.
#pragma once

#include <fftw3.h>

#include <mutex>

namespace autolume::features {

class RealFft {
  public:
    explicit RealFft(int size) : m_size(size) {
        std::lock_guard lock(plannerMutex());
        m_in = fftwf_alloc_real(static_cast<std::size_t>(size));
        m_out = fftwf_alloc_complex(static_cast<std::size_t>(size / 2 + 1));
        m_plan = fftwf_plan_dft_r2c_1d(size, m_in, m_out, FFTW_ESTIMATE);
    }
    ~RealFft() {
        std::lock_guard lock(plannerMutex());
        fftwf_destroy_plan(m_plan);
        fftwf_free(m_in);
        fftwf_free(m_out);
    }
    RealFft(const RealFft&) = delete;
    RealFft& operator=(const RealFft&) = delete;

    int size() const noexcept { return m_size; }
    int bins() const noexcept { return m_size / 2 + 1; }
    float* input() noexcept { return m_in; }
    const fftwf_complex* output() const noexcept { return m_out; }
    void execute() noexcept { fftwf_execute(m_plan); }

  private:
    static std::mutex& plannerMutex() {
        static std::mutex mutex;
        return mutex;
    }

    int m_size;
    float* m_in = nullptr;
    fftwf_complex* m_out = nullptr;
    fftwf_plan m_plan = nullptr;
};

}  // namespace autolume::features
