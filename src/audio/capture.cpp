// Live capture: device lookup through PortAudio, then either a PortAudio stream in callback
// mode (ALSA, OSS; PortAudio 19.6's blocking reads are broken under JACK) or a native JACK
// client (jack_capture.cpp) for JACK devices. The callback routes the captured channels into a
// preallocated buffer and pushes it into the ring (capture_callback.hpp): no allocation, lock,
// log or exception on that thread.
#include "autolume/audio/capture.hpp"

#include <portaudio.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "capture_callback.hpp"
#include "jack_capture.hpp"
#include "portaudio_session.hpp"

namespace autolume::audio {
namespace {

// Callbacks that stop for this long mean the device is gone. The first callback may take longer
// to come (PulseAudio's null sink delivers its first buffer up to 2 s late).
constexpr std::chrono::milliseconds kStallTimeout{1000};
constexpr std::chrono::milliseconds kFirstCallbackTimeout{5000};
// Without a selection the first two channels are mixed: the stereo pair of an interface, or the
// two channels of ALSA's plugin devices, which report up to 128 "channels".
constexpr int kDefaultChannels = 2;

// PortAudio's callback thread: route and count only.
int onAudio(const void* input, void*, unsigned long frames, const PaStreamCallbackTimeInfo*,
            PaStreamCallbackFlags, void* user) noexcept {
    static_cast<CaptureCallback*>(user)->onInterleaved(static_cast<const float*>(input), frames);
    return paContinue;
}

class PortAudioCaptureSource final : public AudioSource {
  public:
    PortAudioCaptureSource(const PaDevice& device, const CaptureOptions& options)
        : m_session(std::make_unique<PortAudioSession>()),
          m_label("audio input '" + device.name + "' (" + device.hostApi + ")") {
        // Open as many channels as the selection reaches (or the default pair).
        int open = std::min(device.maxInputChannels, kDefaultChannels);
        for (const int c : options.channels.channels) open = std::max(open, c + 1);
        if (open > device.maxInputChannels) {
            throw std::runtime_error(m_label + ": audio channel " + std::to_string(open) +
                                     " does not exist (the device has " +
                                     std::to_string(device.maxInputChannels) + ")");
        }
        m_callback = std::make_unique<CaptureCallback>(open, options.channels, kDefaultChannels);
        const double rate =
            options.sampleRate > 0.0 ? options.sampleRate : device.defaultSampleRate;
        m_info.kind = "capture";
        m_info.name = device.name;
        m_info.sampleRate = rate;
        m_info.channels = open;
        m_info.ringChannels = m_callback->router().outputChannels();
        m_info.note = "captured through PortAudio (" + device.hostApi + "), channels " +
                      describeChannels(options.channels) +
                      (options.channels.stems ? " as stems" : "");

        PaStreamParameters input{};
        input.device = device.index;
        input.channelCount = open;
        input.sampleFormat = paFloat32;
        input.suggestedLatency = Pa_GetDeviceInfo(device.index)->defaultLowInputLatency;
        const PaError err =
            Pa_OpenStream(&m_stream, &input, nullptr, rate, paFramesPerBufferUnspecified, paNoFlag,
                          &onAudio, m_callback.get());
        if (err != paNoError) {
            m_stream = nullptr;
            throw std::runtime_error(m_label + ": cannot open at " +
                                     std::to_string(static_cast<long>(rate)) + " Hz (" +
                                     paErrorText(err) + ")");
        }
    }

    ~PortAudioCaptureSource() override {
        stop();
        if (m_stream) Pa_CloseStream(m_stream);
    }

    void setRecordTap(RecordTap* tap) override { m_callback->setTap(tap); }
    bool start(SampleRing& ring) override {
        if (m_started) {
            m_error = m_label + ": already started";
            return false;
        }
        m_callback->attach(&ring);
        m_startNs.store(CaptureCallback::nowNs(), std::memory_order_relaxed);
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
        m_running.store(false, std::memory_order_release);
        m_started = false;
        // Abort rather than drain: there is nothing to play out.
        Pa_AbortStream(m_stream);
        m_callback->detach();
    }

    const SourceInfo& info() const override { return m_info; }

    std::string error() const override {
        if (!m_error.empty()) return m_error;
        if (m_started && Pa_IsStreamActive(m_stream) != 1) {
            return m_label + ": stream stopped (device removed or sound server quit)";
        }
        if (failed()) return m_label + ": no audio arriving from the device";
        return {};
    }

    std::uint64_t overruns() const override { return m_callback->overruns(); }

    bool failed() const override {
        if (!m_running.load(std::memory_order_acquire)) return false;
        if (Pa_IsStreamActive(m_stream) == 0) return true;
        const std::int64_t now = CaptureCallback::nowNs();
        const std::int64_t last = m_callback->lastCallbackNs();
        if (last == 0) {
            return now - m_startNs.load(std::memory_order_relaxed) >
                   std::chrono::nanoseconds(kFirstCallbackTimeout).count();
        }
        return now - last > std::chrono::nanoseconds(kStallTimeout).count();
    }

  private:
    std::unique_ptr<PortAudioSession> m_session;  // PortAudio outlives the stream
    std::string m_label;
    std::unique_ptr<CaptureCallback> m_callback;
    PaStream* m_stream = nullptr;
    SourceInfo m_info;
    std::string m_error;
    bool m_started = false;  // app thread only
    std::atomic<bool> m_running{false};
    std::atomic<std::int64_t> m_startNs{0};
};

}  // namespace

std::vector<CaptureDevice> listCaptureDevices() {
    try {
        PortAudioSession session;
        std::vector<CaptureDevice> inputs;
        for (const PaDevice& d : enumerateDevices()) {
            if (d.maxInputChannels < 1) continue;
            inputs.push_back(CaptureDevice{d.index, d.name, d.hostApi, d.maxInputChannels,
                                           d.defaultSampleRate, d.isDefaultInput});
        }
        return inputs;
    } catch (const std::runtime_error&) {
        return {};
    }
}

std::unique_ptr<AudioSource> makeCaptureSource(const CaptureOptions& options) {
    PaDevice device;
    {
        // The session must be up while the device is resolved. It ends before a JACK device is
        // opened, so that PortAudio's own JACK client is gone by then.
        PortAudioSession session;
        device = resolveDevice(options.device, true);
        if (!device.isJack) {
            try {
                return std::make_unique<PortAudioCaptureSource>(device, options);
            } catch (const std::invalid_argument& e) {
                throw std::runtime_error("audio input '" + device.name + "': " + e.what());
            }
        }
    }
    return makeJackCaptureSource(device.name, options);
}

std::unique_ptr<AudioSource> makeCaptureSource(const std::string& device, double sampleRate) {
    CaptureOptions options;
    options.device = device;
    options.sampleRate = sampleRate;
    return makeCaptureSource(options);
}

}  // namespace autolume::audio
