#include "health_log.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace autolume::app {

HealthLog::HealthLog(const std::string& path) : m_out(path) {
    m_ok = static_cast<bool>(m_out);
    if (!m_ok) return;
    m_out << "time_s,unix_s,presents,period_p50_ms,period_p99_ms,period_max_ms,gaps_over_100ms,"
             "control_presents,control_p99_ms,control_max_ms,frames_generated,frames_shown,"
             "generator_ms,hops,audio_overruns,midi_received,midi_malformed,generator_errors,"
             "rss_kib\n"
          << std::flush;
}

void HealthLog::write(const HealthSample& s) {
    if (!m_ok) return;
    const double unixSec =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    const util::FramePacing& out = *s.output;
    char line[512];
    const int n = std::snprintf(
        line, sizeof line,
        "%.3f,%.3f,%llu,%.2f,%.2f,%.2f,%llu,%llu,%.2f,%.2f,%llu,%llu,%.2f,%llu,%llu,%llu,%llu,"
        "%llu,%llu\n",
        s.timeSec, unixSec, static_cast<unsigned long long>(out.count()), out.quantileMs(0.5),
        out.quantileMs(0.99), out.maxMs(), static_cast<unsigned long long>(out.gaps()),
        static_cast<unsigned long long>(s.control ? s.control->count() : 0),
        s.control ? s.control->quantileMs(0.99) : 0.0, s.control ? s.control->maxMs() : 0.0,
        static_cast<unsigned long long>(s.framesGenerated),
        static_cast<unsigned long long>(s.framesShown), static_cast<double>(s.generatorMs),
        static_cast<unsigned long long>(s.hops), static_cast<unsigned long long>(s.audioOverruns),
        static_cast<unsigned long long>(s.midiReceived),
        static_cast<unsigned long long>(s.midiMalformed),
        static_cast<unsigned long long>(s.generatorErrors),
        static_cast<unsigned long long>(residentKib()));
    if (n > 0) m_out.write(line, std::min<int>(n, sizeof line - 1));
    m_out.flush();
}

std::uint64_t residentKib() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    unsigned long long sizePages = 0, residentPages = 0;
    const int read = std::fscanf(f, "%llu %llu", &sizePages, &residentPages);
    std::fclose(f);
    if (read != 2) return 0;
    return residentPages * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)) / 1024;
}

}  // namespace autolume::app
