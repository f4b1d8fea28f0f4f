// The --params file over a show: read at start, written back periodically while values change
// (autosave, in the background), and at the end (quit, SIGTERM, SIGINT, SIGHUP). What the file
// held that this run did not use, unknown names and refused fields, is written back exactly as
// it was unless the performer changed that parameter. A file that could not be read at start
// is never written.
//
// Thread contract: the main thread; the background write is the object's own.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <future>
#include <string>

namespace autolume::app {

class ParamsFile {
  public:
    // onDisk: the file's document at start (null: no file yet); writable: false when the file
    // could not be read (then nothing is ever written).
    ParamsFile(std::filesystem::path path, nlohmann::json onDisk, bool writable,
               double autosaveSec);
    ~ParamsFile();

    // The registry's values right after the file was applied: the reference for "changed".
    void started(const nlohmann::json& values);

    // Every frame: true when an autosave is due (period elapsed and no write running).
    bool autosaveDue(double nowSec) const noexcept;
    // Starts a background write if the values differ from what was last written.
    void autosave(const nlohmann::json& values, double nowSec);
    // Waits for a running write, then writes if needed. Logs one line either way.
    void saveNow(const nlohmann::json& values);

    std::uint64_t writes() const noexcept { return m_writes; }

    // What is written: the values now, with the on-disk entries kept where the value did not
    // change since start and where this run did not know the name.
    static nlohmann::json merged(const nlohmann::json& onDisk, const nlohmann::json& atStart,
                                 const nlohmann::json& now);

  private:
    void collect();  // waits for the background write and logs its error, if any

    std::filesystem::path m_path;
    nlohmann::json m_onDisk;
    nlohmann::json m_atStart;
    nlohmann::json m_lastWritten;
    bool m_writable;
    double m_autosaveSec;
    double m_lastAutosaveSec = 0.0;
    std::future<void> m_pending;
    std::uint64_t m_writes = 0;
};

}  // namespace autolume::app
