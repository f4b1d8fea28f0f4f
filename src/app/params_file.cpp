#include "params_file.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "autolume/io/text_file.hpp"

namespace autolume::app {

ParamsFile::ParamsFile(std::filesystem::path path, nlohmann::json onDisk, bool writable,
                       double autosaveSec)
    : m_path(std::move(path)),
      m_onDisk(std::move(onDisk)),
      m_writable(writable && !m_path.empty()),
      m_autosaveSec(autosaveSec) {}

ParamsFile::~ParamsFile() {
    collect();
}

void ParamsFile::started(const nlohmann::json& values) {
    m_atStart = values;
    m_lastWritten = m_onDisk;  // what the disk holds: the first autosave completes a partial file
}

nlohmann::json ParamsFile::merged(const nlohmann::json& onDisk, const nlohmann::json& atStart,
                                  const nlohmann::json& now) {
    nlohmann::json out = now;
    if (!onDisk.is_object()) return out;
    for (const auto& [name, entry] : onDisk.items()) {
        const bool known = now.contains(name);
        const bool unchanged =
            known && atStart.is_object() && atStart.contains(name) && atStart[name] == now[name];
        if (!known || unchanged) out[name] = entry;
    }
    return out;
}

bool ParamsFile::autosaveDue(double nowSec) const noexcept {
    if (!m_writable || m_autosaveSec <= 0.0 || nowSec - m_lastAutosaveSec < m_autosaveSec)
        return false;
    return !m_pending.valid() ||
           m_pending.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

void ParamsFile::collect() {
    if (!m_pending.valid()) return;
    try {
        m_pending.get();
    } catch (const std::exception& e) {
        spdlog::error("{} (autosave)", e.what());
    }
}

void ParamsFile::autosave(const nlohmann::json& values, double nowSec) {
    m_lastAutosaveSec = nowSec;
    collect();
    nlohmann::json doc = merged(m_onDisk, m_atStart, values);
    if (doc == m_lastWritten) return;
    m_lastWritten = doc;
    ++m_writes;
    // The write (an fsync of file and folder) takes milliseconds: never on the frame's time.
    m_pending = std::async(std::launch::async, [path = m_path, text = doc.dump(2) + "\n"] {
        io::writeTextFileAtomic(path, text);
    });
}

void ParamsFile::saveNow(const nlohmann::json& values) {
    collect();
    if (!m_writable) {
        if (!m_path.empty())
            spdlog::warn("{}: not written (it could not be read at start)", m_path.string());
        return;
    }
    const nlohmann::json doc = merged(m_onDisk, m_atStart, values);
    try {
        io::writeTextFileAtomic(m_path, doc.dump(2) + "\n");
        m_lastWritten = doc;
        spdlog::info("parameters saved to {} (autosaved {} time{} while running)", m_path.string(),
                     m_writes, m_writes == 1 ? "" : "s");
        ++m_writes;
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
    }
}

}  // namespace autolume::app
