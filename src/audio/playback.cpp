// File playback through a PortAudio output stream, with the paced thread as the fallback; see
// playback.hpp.
#include "autolume/audio/playback.hpp"

#include <portaudio.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "autolume/audio/audio_file_reader.hpp"
#include "file_streamer.hpp"
#include "playback_callback.hpp"
#include "portaudio_session.hpp"

namespace autolume::audio {
namespace {

constexpr int kMaxOutputChannels = 2;

int onOutput(const void*, void* output, unsigned long frames, const PaStreamCallbackTimeInfo*,
             PaStreamCallbackFlags, void* user) noexcept {
    static_cast<PlaybackCallback*>(user)->process(static_cast<float*>(output), frames);
    return paContinue;
}

class PlaybackSource final : public AudioSource {
  public:
    PlaybackSource(const std::string& path, const PaDevice& device, const PlaybackOptions& options)
        : m_session(std::make_unique<PortAudioSession>()),
          m_label("audio output '" + device.name + "' (" + device.hostApi + ")") {
        const int outputs = std::min(device.maxOutputChannels, kMaxOutputChannels);
        PaStreamParameters output{};
        output.device = device.index;
        output.channelCount = outputs;
        output.sampleFormat = paFloat32;
        output.suggestedLatency = Pa_GetDeviceInfo(device.index)->defaultLowOutputLatency;

        // Play at the file's rate if the device can, else at the device's and resample.
        const double fileRate = AudioFileReader(path).sampleRate();
        const double rate = Pa_IsFormatSupported(nullptr, &output, fileRate) == paFormatIsSupported
                                ? fileRate
                                : device.defaultSampleRate;
        m_streamer = std::make_unique<FileStreamer>(path, rate);
        try {
            m_callback = std::make_unique<PlaybackCallback>(*m_streamer, options.channels, outputs);
        } catch (const std::invalid_argument& e) {
            throw std::runtime_error(path + ": " + e.what());
        }
        const PaError err =
            Pa_OpenStream(&m_stream, nullptr, &output, rate, paFramesPerBufferUnspecified,
                          paClipOff, &onOutput, m_callback.get());
        if (err != paNoError) {
            m_stream = nullptr;
            throw std::runtime_error(m_label + ": cannot open at " +
                                     std::to_string(static_cast<long>(rate)) + " Hz (" +
                                     paErrorText(err) + ")");
        }
        m_isJack = device.isJack;
        m_info.kind = "file";
        m_info.name = path;
        m_info.sampleRate = rate;
        m_info.channels = m_streamer->channels();
        m_info.ringChannels = m_callback->router().outputChannels();
        m_info.output = device.name + " (" + device.hostApi + ")";
        if (const PaStreamInfo* stream = Pa_GetStreamInfo(m_stream)) {
            m_info.outputLatencySec = stream->outputLatency;
        }
        m_info.note = "played on " + m_label +
                      (rate != fileRate ? ", resampled from " +
                                              std::to_string(static_cast<long>(fileRate)) + " Hz"
                                        : std::string()) +
                      ", analysed as it is played";
    }

    ~PlaybackSource() override {
        stop();
        if (m_abandoned) return;
        if (m_stream) Pa_CloseStream(m_stream);
    }

    void setRecordTap(RecordTap* tap) override {
        if (m_callback) m_callback->setTap(tap, m_info.outputLatencySec);
    }
    bool start(SampleRing& ring) override {
        if (m_abandoned) {
            m_error = m_label + ": the sound server went away";
            return false;
        }
        if (m_started) {
            m_error = m_info.name + ": already playing";
            return false;
        }
        try {
            m_streamer->start();
        } catch (const std::exception& e) {
            m_error = e.what();
            return false;
        }
        m_callback->attach(&ring);
        const PaError err = Pa_StartStream(m_stream);
        if (err != paNoError) {
            m_callback->detach();
            m_error = m_label + ": cannot start (" + paErrorText(err) + ")";
            return false;
        }
        m_error.clear();
        m_started = true;
        m_running.store(true, std::memory_order_release);
        return true;
    }

    void stop() override {
        if (!m_started) return;
        m_started = false;
        m_running.store(false, std::memory_order_release);
        // PortAudio 19.6 cannot let go of a JACK stream whose server went away: stopping waits
        // 10 minutes for a process cycle that never comes, and closing fails an assert. Such a
        // stream, its callback state and our PortAudio reference are left behind for the life of
        // the process (no thread keeps running).
        if (m_isJack && Pa_IsStreamActive(m_stream) == 0) {
            m_abandoned = true;
            m_callback->detach();
            (void)m_callback.release();
            (void)m_streamer.release();
            (void)m_session.release();
            return;
        }
        Pa_AbortStream(m_stream);
        m_callback->detach();
    }

    const SourceInfo& info() const override { return m_info; }
    std::string error() const override {
        if (!m_error.empty()) return m_error;
        if (failed()) return m_label + ": stream stopped (device removed or sound server quit)";
        return m_streamer ? m_streamer->error() : std::string();
    }
    std::uint64_t overruns() const override { return m_callback ? m_callback->overruns() : 0; }
    std::uint64_t underruns() const override { return m_streamer ? m_streamer->underruns() : 0; }
    bool finished() const override { return m_callback && m_callback->finished(); }
    bool failed() const override {
        return m_running.load(std::memory_order_acquire) && !finished() &&
               Pa_IsStreamActive(m_stream) == 0;
    }

  private:
    std::unique_ptr<PortAudioSession> m_session;  // PortAudio outlives the stream
    std::string m_label;
    std::unique_ptr<FileStreamer> m_streamer;
    std::unique_ptr<PlaybackCallback> m_callback;
    PaStream* m_stream = nullptr;
    SourceInfo m_info;
    std::string m_error;
    bool m_isJack = false;
    bool m_started = false;
    bool m_abandoned = false;
    std::atomic<bool> m_running{false};
};

}  // namespace

std::vector<OutputDevice> listOutputDevices() {
    try {
        PortAudioSession session;
        std::vector<OutputDevice> outputs;
        for (const PaDevice& d : enumerateDevices()) {
            if (d.maxOutputChannels < 1) continue;
            outputs.push_back(OutputDevice{d.index, d.name, d.hostApi, d.maxOutputChannels,
                                           d.defaultSampleRate, d.isDefaultOutput});
        }
        return outputs;
    } catch (const std::runtime_error&) {
        return {};
    }
}

std::unique_ptr<AudioSource> makePlaybackSource(const std::string& path,
                                                const PlaybackOptions& options) {
    // A file that cannot be read is the file's fault, whatever the output: say so first. A
    // header with no frames would play nothing and show nothing (no hops, no frames).
    {
        AudioFileReader check(path);
        std::vector<float> first(static_cast<std::size_t>(check.channels()) * 256);
        if (check.read(first.data(), 256) == 0)
            throw std::runtime_error(path + ": holds no audio (a header and no frames)");
    }
    std::string why;
    try {
        PortAudioSession session;
        const PaDevice device = resolveDevice(options.outputDevice, false);
        return std::make_unique<PlaybackSource>(path, device, options);
    } catch (const std::runtime_error& e) {
        if (options.requireOutput) throw;
        why = e.what();
    }
    FileSourceOptions fallback;
    fallback.channels = options.channels;
    fallback.whyUnheard = why;
    return makeFileSource(path, fallback);
}

}  // namespace autolume::audio
