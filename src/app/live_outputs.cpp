// Recording, stream and virtual camera of the live show; see live_outputs.hpp.
#include "live_outputs.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <thread>

namespace autolume::app {

namespace fs = std::filesystem;

namespace {

std::string clock(double seconds) {
    const auto s = static_cast<long>(seconds);
    char text[32];
    if (s >= 3600)
        std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        std::snprintf(text, sizeof text, "%02ld:%02ld", s / 60, s % 60);
    return text;
}

}  // namespace

LiveOutputs::LiveOutputs(LiveOutputsConfig config, audio::RecordTap& tap)
    : m_config(std::move(config)), m_tap(tap) {}

LiveOutputs::~LiveOutputs() {
    stopAll();
}

// The frame slot of a present: the nearest grid time, so that a frame is shown in the file within
// half a frame of when it was shown live (floor would show each up to a frame early).
std::int64_t LiveOutputs::gridIndex(std::int64_t ns) const {
    return std::llround(m_tap.positionAt(ns) * m_config.fps / m_tap.sampleRate());
}

std::string LiveOutputs::nextRecordName() {
    ++m_recordings;
    if (!m_config.recordFile.empty()) {
        if (m_recordings == 1) return m_config.recordFile;
        // Later recordings of the same show: set.mkv, set-2.mkv, set-3.mkv...
        const fs::path path(m_config.recordFile);
        fs::path next =
            path.parent_path() /
            (path.stem().string() + "-" + std::to_string(m_recordings) + path.extension().string());
        return next.string();
    }
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char name[64];
    std::strftime(name, sizeof name, "autolume-%Y%m%d-%H%M%S.mkv", &local);
    return name;
}

void LiveOutputs::start(io::RecordKind kind, const std::string& target, unsigned texture, int width,
                        int height, std::int64_t nowNs) {
    if (!m_reader) {
        // The recordings' size: the canvas now (or --record-size), even for 4:2:0 chroma.
        const int w = (m_config.width > 0 ? m_config.width : width) & ~1;
        const int h = (m_config.height > 0 ? m_config.height : height) & ~1;
        if (w <= 0 || h <= 0 || texture == 0) {
            spdlog::error("{} {}: no picture to record yet", io::recordKindName(kind), target);
            return;
        }
        m_reader = std::make_unique<render::FrameReader>(w, h);
    }
    io::RecorderConfig c;
    c.kind = kind;
    c.target = target;
    c.width = m_reader->width();
    c.height = m_reader->height();
    c.fps = m_config.fps;
    c.startFrame = gridIndex(nowNs) + 1;
    c.tap = kind == io::RecordKind::V4l2 ? nullptr : &m_tap;
    c.frameBuffers = 6;
    try {
        Output output;
        output.recorder = std::make_unique<io::Recorder>(c);
        m_outputs.push_back(std::move(output));
        spdlog::info("{} {}: starting ({}x{} at {} fps, from audio {:.4f} s)",
                     io::recordKindName(kind), target, c.width, c.height, c.fps,
                     static_cast<double>(c.startFrame) / c.fps);
    } catch (const std::exception& e) {
        spdlog::error("{} {}: {}", io::recordKindName(kind), target, e.what());
    }
    updateStatus();
}

void LiveOutputs::startFromCommandLine(unsigned texture, int width, int height,
                                       std::int64_t nowNs) {
    if (m_startedFromCommandLine) return;
    m_startedFromCommandLine = true;
    if (!m_config.recordFile.empty())
        start(io::RecordKind::File, nextRecordName(), texture, width, height, nowNs);
    if (!m_config.streamUrl.empty())
        start(io::RecordKind::Stream, m_config.streamUrl, texture, width, height, nowNs);
    if (!m_config.v4l2Device.empty())
        start(io::RecordKind::V4l2, m_config.v4l2Device, texture, width, height, nowNs);
}

bool LiveOutputs::recording() const {
    for (const Output& o : m_outputs)
        if (o.recorder->config().kind == io::RecordKind::File && !o.recorder->stopRequested())
            return true;
    return false;
}

void LiveOutputs::toggleRecording(unsigned texture, int width, int height, std::int64_t nowNs) {
    for (Output& o : m_outputs) {
        if (o.recorder->config().kind != io::RecordKind::File || o.recorder->stopRequested())
            continue;
        if (m_reader) {
            collect();
            // Reads still on the GPU are not waited for (the show goes on): the file loses them,
            // counted (at most a frame or two of its last slots).
            for (int i = 0; i < m_reader->inFlight(); ++i) o.recorder->countDropped();
        }
        submitHeld(o);
        o.recorder->requestStop();
        spdlog::info("recording {}: stopping", o.recorder->config().target);
        updateStatus();
        return;
    }
    start(io::RecordKind::File, nextRecordName(), texture, width, height, nowNs);
}

void LiveOutputs::collect() {
    std::int64_t tag = 0;
    while (const std::uint8_t* pixels = m_reader->collect(tag)) {
        const std::size_t bytes =
            static_cast<std::size_t>(m_reader->width()) * m_reader->height() * 4;
        for (Output& o : m_outputs) {
            io::Recorder& r = *o.recorder;
            if (r.stopRequested() || r.done() || tag < r.config().startFrame) continue;
            if (o.heldTag >= 0 && tag != o.heldTag) submitHeld(o);
            if (std::uint8_t* buffer = r.acquire()) {
                std::memcpy(buffer, pixels, bytes);
                o.heldTag = tag;
            }
        }
        m_reader->unmap();
    }
}

void LiveOutputs::submitHeld(Output& o) {
    if (o.heldTag < 0) return;
    o.recorder->submit(o.heldTag);
    o.heldTag = -1;
}

void LiveOutputs::afterPresent(unsigned texture, int width, int height, std::int64_t presentNs,
                               std::int64_t musicNs) {
    if (m_outputs.empty()) return;
    if (m_reader) collect();
    poll();
    if (!m_reader || texture == 0) return;
    bool wanted = false;
    // The music's sample was pushed to the tap when it reached the analysis (the same callback
    // feeds both) and is heard the output latency later: its slot on the heard clock.
    const std::int64_t index =
        gridIndex(musicNs > 0 ? musicNs + m_tap.heardLatencyNs() : presentNs);
    for (const Output& o : m_outputs)
        wanted = wanted || (!o.recorder->stopRequested() && !o.recorder->done() &&
                            index >= o.recorder->config().startFrame);
    // Every present is read (a later one in the same slot replaces the earlier one).
    if (wanted && index >= m_lastIndex) {
        if (m_reader->start(texture, width, height, index)) {
            m_lastIndex = index;
        } else if (index > m_lastIndex) {
            // Every read-back buffer still on the GPU: this frame is lost to every output.
            for (Output& o : m_outputs)
                if (!o.recorder->stopRequested() && !o.recorder->done()) o.recorder->countDropped();
        }
    }
    if (presentNs - m_lastStatusNs >= 250'000'000) {
        m_lastStatusNs = presentNs;
        updateStatus();
    }
}

void LiveOutputs::retire(Output& o) {
    io::Recorder& r = *o.recorder;
    const io::RecorderConfig& c = r.config();
    std::string line =
        fmt::format("{} {}: {} frames ({:.1f} s), {} dropped frames", io::recordKindName(c.kind),
                    c.target, r.framesWritten(), r.seconds(), r.framesDropped());
    if (c.kind != io::RecordKind::V4l2)
        line += ", " + std::to_string(r.audioOverruns()) + " audio frames lost";
    if (r.state() == io::Recorder::State::Failed) line += "; failed: " + r.error();
    m_summary.push_back(line);
    m_retiredDrops.frames += r.framesDropped();
    m_retiredDrops.audio += r.audioOverruns();
}

void LiveOutputs::poll() {
    for (auto it = m_outputs.begin(); it != m_outputs.end();) {
        io::Recorder& r = *it->recorder;
        const io::RecorderConfig& c = r.config();
        if (!it->announced && r.state() == io::Recorder::State::Running) {
            spdlog::info("{} {}: {} running", io::recordKindName(c.kind), c.target, r.encoder());
            it->announced = true;
        }
        if (!r.done()) {
            ++it;
            continue;
        }
        if (r.state() == io::Recorder::State::Failed)
            // One line naming the file, stream or device; the show goes on.
            spdlog::error("{} (the show goes on without this {})", r.error(),
                          io::recordKindName(c.kind));
        else
            spdlog::info("{} {}: finished, {} frames, {} dropped", io::recordKindName(c.kind),
                         c.target, r.framesWritten(), r.framesDropped());
        retire(*it);
        it = m_outputs.erase(it);
        updateStatus();
    }
    if (m_outputs.empty() && m_reader && m_reader->inFlight() == 0) {
        m_reader.reset();  // the next recording takes the canvas' size then
        m_lastIndex = -1;
    }
}

void LiveOutputs::updateStatus() {
    ++m_statusVersion;
    m_status.clear();
    for (const Output& o : m_outputs) {
        const io::Recorder& r = *o.recorder;
        const io::RecorderConfig& c = r.config();
        std::string line;
        switch (c.kind) {
            case io::RecordKind::File:
                line = r.stopRequested() ? "REC finishing " : "REC ";
                break;
            case io::RecordKind::Stream:
                line = "STREAM ";
                break;
            case io::RecordKind::V4l2:
                line = "V4L2 ";
                break;
        }
        line += clock(r.seconds()) + " " + c.target + ", " + std::to_string(r.framesDropped()) +
                " dropped frames";
        if (c.kind != io::RecordKind::V4l2)
            line += ", " + std::to_string(r.audioOverruns()) + " audio overruns";
        if (r.state() == io::Recorder::State::Opening) line += " (opening)";
        m_status.push_back(std::move(line));
    }
}

OutputDrops LiveOutputs::drops() const {
    OutputDrops d = m_retiredDrops;
    for (const Output& o : m_outputs) {
        d.frames += o.recorder->framesDropped();
        d.audio += o.recorder->audioOverruns();
    }
    return d;
}

void LiveOutputs::stopAll() {
    if (m_reader) {
        // The reads still on the GPU are the last frames: waited for here (at exit only).
        m_reader->finishAll();
        collect();
    }
    for (Output& o : m_outputs) {
        submitHeld(o);
        o.recorder->requestStop();
    }
    for (Output& o : m_outputs) {
        while (!o.recorder->done()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    poll();
}

}  // namespace autolume::app
