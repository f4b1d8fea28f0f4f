// The live show's outputs besides the stage: the recording (--record, R, the panel's button,
// the MIDI "record" action), the stream (--stream URL) and the virtual camera (--v4l2 DEV).
// After each present of the output window the newest post-chain picture is read back
// asynchronously (render::FrameReader) on the frame grid of the recordings (1/fps on the audio
// clock of audio::RecordTap) and handed to each io::Recorder; reads finished a frame or two
// later are copied into the recorders' queues. Nothing here waits for the GPU or an encoder.
//
// Thread contract: main thread only, with the output window's GL context current.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "autolume/audio/record_tap.hpp"
#include "autolume/io/recorder.hpp"
#include "autolume/render/frame_reader.hpp"

namespace autolume::app {

struct LiveOutputsConfig {
    std::string recordFile;  // --record: recorded from the start; the R key's first file
    std::string streamUrl;   // --stream
    std::string v4l2Device;  // --v4l2
    double fps = 30.0;
    int width = 0;  // 0: the output canvas' size at the start of each output
    int height = 0;
};

// What each output lost, for the panel's "dropped" line and the exit summary.
struct OutputDrops {
    std::uint64_t frames = 0;  // video frames not recorded (encoder behind, read-back busy)
    std::uint64_t audio = 0;   // audio frames lost (the recorder's audio ring was full)
};

class LiveOutputs {
  public:
    LiveOutputs(LiveOutputsConfig config, audio::RecordTap& tap);
    ~LiveOutputs();  // stops every output and waits for the files to be finished

    // Starts what the command line asked for (once the output has a picture).
    void startFromCommandLine(unsigned texture, int width, int height, std::int64_t nowNs);
    // Right after the output's present: collect finished reads, start the next one. The picture
    // goes into the slot of `musicNs`, the steady time at which the audio it shows (the newest
    // hop the post chain and the generator used) reached the analysis; 0: the present's time.
    // So a flash lands on its click in the file, not the show's own latency (45-60 ms) after it.
    void afterPresent(unsigned texture, int width, int height, std::int64_t presentNs,
                      std::int64_t musicNs = 0);
    // R, the button, MIDI: starts a new file or stops the one being written.
    void toggleRecording(unsigned texture, int width, int height, std::int64_t nowNs);
    bool recording() const;
    bool active() const { return !m_outputs.empty(); }

    // One line per output ("REC 00:12 set.mkv, 0 dropped frames, 0 audio overruns").
    const std::vector<std::string>& status() const { return m_status; }
    std::uint64_t statusVersion() const { return m_statusVersion; }  // changes with status()
    OutputDrops drops() const;
    // The exit summary: one line per output that ran.
    std::vector<std::string> summary() const { return m_summary; }
    // Stops all and waits (at exit).
    void stopAll();

  private:
    struct Output {
        std::unique_ptr<io::Recorder> recorder;
        bool announced = false;
        // The newest picture of the slot, filled but not yet submitted: a later present in the
        // same slot replaces it (the file shows the last picture of each slot).
        std::int64_t heldTag = -1;
    };
    void start(io::RecordKind kind, const std::string& target, unsigned texture, int width,
               int height, std::int64_t nowNs);
    std::int64_t gridIndex(std::int64_t ns) const;
    void collect();
    void poll();
    void retire(Output& output);
    static void submitHeld(Output& output);
    void updateStatus();
    std::string nextRecordName();

    LiveOutputsConfig m_config;
    audio::RecordTap& m_tap;
    std::unique_ptr<render::FrameReader> m_reader;
    std::vector<Output> m_outputs;
    std::int64_t m_lastIndex = -1;  // grid index of the last read started
    int m_recordings = 0;           // files started
    bool m_startedFromCommandLine = false;
    std::vector<std::string> m_status;
    std::vector<std::string> m_summary;
    OutputDrops m_retiredDrops;  // of outputs already finished
    std::int64_t m_lastStatusNs = 0;
    std::uint64_t m_statusVersion = 0;
};

}  // namespace autolume::app
