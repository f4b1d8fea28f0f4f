// Live capture through PortAudio in callback mode (PortAudio 19.6's blocking reads are broken
// under JACK). The callback mixes the captured channels to mono into a preallocated buffer and
// pushes it into the ring: no allocation, lock, log or exception on that thread.
//
// Without a sound card ALSA and JACK print dozens of lines while PortAudio probes them. Their
// message handlers are silenced for as long as PortAudio is initialized (the previous handlers
// come back afterwards); our own errors still say what failed, naming the device.
#include "autolume/audio/capture.hpp"

#include <alsa/asoundlib.h>
#include <jack/jack.h>
#include <pa_jack.h>
#include <portaudio.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace autolume::audio {
namespace {

using Clock = std::chrono::steady_clock;

// Mixdown uses the first two channels: the stereo pair of an interface, or the two channels
// of ALSA's plugin devices, which report up to 128 "channels".
constexpr int kMaxCaptureChannels = 2;
// Frames mixed per push; the callback loops for larger host buffers.
constexpr std::size_t kMixFrames = 1024;
// Callbacks that stop for this long mean the device is gone (JACK, for one, only flags its
// stream as inactive). The first callback may take longer to come (PulseAudio's null sink
// delivers its first buffer up to 2 s late).
constexpr std::chrono::milliseconds kStallTimeout{1000};
constexpr std::chrono::milliseconds kFirstCallbackTimeout{5000};
// The JACK client name PortAudio registers (its ports become "autolume:in_1", "autolume:in_2").
// PortAudio keeps the pointer, so this must be static.
constexpr const char* kJackClientName = "autolume";

void quietAlsa(const char*, int, const char*, int, const char*, ...) {}
void quietJack(const char*) {}

// Reference-counted Pa_Initialize/Pa_Terminate. PortAudio enumerates devices only when it
// initializes, so device lists are as fresh as the oldest living session.
class PortAudioSession {
  public:
    PortAudioSession() {
        std::lock_guard lock(s_mutex);
        if (s_refs == 0) {
            s_savedAlsa = snd_lib_error;
            s_savedJackError = jack_error_callback;
            s_savedJackInfo = jack_info_callback;
            snd_lib_error_set_handler(quietAlsa);
            jack_set_error_function(quietJack);
            jack_set_info_function(quietJack);
            PaJack_SetClientName(kJackClientName);
            const PaError err = Pa_Initialize();
            // PortAudio installs its own JACK error hook during initialization; keep ours.
            jack_set_error_function(quietJack);
            if (err != paNoError) {
                restoreHandlers();
                throw std::runtime_error(std::string("PortAudio: cannot initialize (") +
                                         Pa_GetErrorText(err) + ")");
            }
        }
        ++s_refs;
    }
    ~PortAudioSession() {
        std::lock_guard lock(s_mutex);
        if (--s_refs == 0) {
            Pa_Terminate();
            restoreHandlers();
        }
    }
    PortAudioSession(const PortAudioSession&) = delete;
    PortAudioSession& operator=(const PortAudioSession&) = delete;

  private:
    static void restoreHandlers() {
        snd_lib_error_set_handler(s_savedAlsa);
        jack_set_error_function(s_savedJackError);
        jack_set_info_function(s_savedJackInfo);
    }

    static inline std::mutex s_mutex;
    static inline int s_refs = 0;
    static inline snd_lib_error_handler_t s_savedAlsa = nullptr;
    static inline void (*s_savedJackError)(const char*) = nullptr;
    static inline void (*s_savedJackInfo)(const char*) = nullptr;
};

std::string paErrorText(PaError err) {
    std::string text = Pa_GetErrorText(err);
    if (err == paUnanticipatedHostError) {
        const PaHostErrorInfo* host = Pa_GetLastHostErrorInfo();
        if (host && host->errorText && host->errorText[0])
            text += std::string(": ") + host->errorText;
    }
    return text;
}

std::string hostApiName(PaHostApiIndex index) {
    const PaHostApiInfo* api = Pa_GetHostApiInfo(index);
    return api && api->name ? api->name : "unknown host API";
}

std::vector<CaptureDevice> enumerateInputs() {
    std::vector<CaptureDevice> devices;
    const PaDeviceIndex defaultInput = Pa_GetDefaultInputDevice();
    const PaDeviceIndex count = Pa_GetDeviceCount();
    for (PaDeviceIndex i = 0; i < count; ++i) {
        const PaDeviceInfo* info = Pa_GetDeviceInfo(i);
        if (!info || info->maxInputChannels < 1) continue;
        devices.push_back(CaptureDevice{i, info->name ? info->name : "", hostApiName(info->hostApi),
                                        info->maxInputChannels, info->defaultSampleRate,
                                        i == defaultInput});
    }
    return devices;
}

// "0 system (JACK Audio Connection Kit), 3 pulse (ALSA)" or "none".
std::string describeInputs(const std::vector<CaptureDevice>& devices) {
    if (devices.empty()) return "none";
    std::string text;
    for (const CaptureDevice& d : devices) {
        if (!text.empty()) text += ", ";
        text += std::to_string(d.index) + " '" + d.name + "' (" + d.hostApi + ")";
    }
    return text;
}

std::string lowercase(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool isIndex(const std::string& s) {
    return !s.empty() && s.size() < 9 &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// Returns the PortAudio device index of an input, or throws naming `device`.
PaDeviceIndex resolveInput(const std::string& device) {
    const std::vector<CaptureDevice> inputs = enumerateInputs();
    auto notFound = [&](const std::string& what) {
        return std::runtime_error(what + " (available inputs: " + describeInputs(inputs) + ")");
    };
    if (device.empty()) {
        const PaDeviceIndex index = Pa_GetDefaultInputDevice();
        if (index == paNoDevice) throw notFound("no default audio input device");
        return index;
    }
    if (isIndex(device)) {
        const int index = std::stoi(device);
        for (const CaptureDevice& d : inputs) {
            if (d.index == index) return index;
        }
        throw notFound("audio input " + device + " does not exist or has no input channels");
    }
    for (const CaptureDevice& d : inputs) {
        if (d.name == device) return d.index;
    }
    const std::string wanted = lowercase(device);
    for (const CaptureDevice& d : inputs) {
        if (lowercase(d.name).find(wanted) != std::string::npos) return d.index;
    }
    throw notFound("audio input '" + device + "' not found");
}

std::int64_t nowNs() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

// Everything the PortAudio callbacks touch. Heap-allocated so that it can be left behind, with
// the stream, when the stream cannot be closed safely (see CaptureSource::abandon()).
struct CallbackState {
    std::atomic<SampleRing*> ring{nullptr};
    int channels = 1;
    std::array<float, kMixFrames> mono{};  // callback thread only
    std::atomic<std::uint64_t> overruns{0};
    std::atomic<bool> streamFinished{false};
    std::atomic<std::int64_t> lastCallbackNs{0};
};

// PortAudio's callback thread: copy and count only.
int onAudio(const void* input, void*, unsigned long frames, const PaStreamCallbackTimeInfo*,
            PaStreamCallbackFlags, void* user) noexcept {
    auto* state = static_cast<CallbackState*>(user);
    state->lastCallbackNs.store(nowNs(), std::memory_order_release);
    SampleRing* ring = state->ring.load(std::memory_order_acquire);
    if (!input || !ring) return paContinue;
    const auto* in = static_cast<const float*>(input);
    const auto channels = static_cast<std::size_t>(state->channels);
    const float scale = 1.0f / static_cast<float>(channels);
    std::size_t done = 0;
    while (done < frames) {
        const std::size_t n = std::min<std::size_t>(kMixFrames, frames - done);
        const float* src = in + done * channels;
        for (std::size_t f = 0; f < n; ++f) {
            float sum = 0.0f;
            for (std::size_t c = 0; c < channels; ++c) sum += src[f * channels + c];
            state->mono[f] = sum * scale;
        }
        const std::size_t pushed = ring->push(state->mono.data(), n);
        if (pushed < n) state->overruns.fetch_add(n - pushed, std::memory_order_relaxed);
        done += n;
    }
    return paContinue;
}

// Called by PortAudio when the stream ends on its own or after an abort.
void onFinished(void* user) noexcept {
    static_cast<CallbackState*>(user)->streamFinished.store(true, std::memory_order_release);
}

class CaptureSource final : public AudioSource {
  public:
    CaptureSource(PaDeviceIndex device, double sampleRate)
        : m_session(std::make_unique<PortAudioSession>()),
          m_ownedState(std::make_unique<CallbackState>()),
          m_state(m_ownedState.get()) {
        const PaDeviceInfo* dev = Pa_GetDeviceInfo(device);
        const PaHostApiInfo* api = Pa_GetHostApiInfo(dev->hostApi);
        m_isJack = api && api->type == paJACK;
        m_state->channels = std::min(dev->maxInputChannels, kMaxCaptureChannels);
        const double rate = sampleRate > 0.0 ? sampleRate : dev->defaultSampleRate;
        m_info = SourceInfo{"capture", dev->name ? dev->name : "", rate, m_state->channels};
        m_label = "audio input '" + m_info.name + "' (" + hostApiName(dev->hostApi) + ")";

        PaStreamParameters input{};
        input.device = device;
        input.channelCount = m_state->channels;
        input.sampleFormat = paFloat32;
        input.suggestedLatency = dev->defaultLowInputLatency;
        const PaError err =
            Pa_OpenStream(&m_stream, &input, nullptr, rate, paFramesPerBufferUnspecified, paNoFlag,
                          &onAudio, m_state);
        if (err != paNoError) {
            m_stream = nullptr;
            throw std::runtime_error(m_label + ": cannot open at " +
                                     std::to_string(static_cast<long>(rate)) + " Hz (" +
                                     paErrorText(err) + ")");
        }
        Pa_SetStreamFinishedCallback(m_stream, &onFinished);
    }

    ~CaptureSource() override {
        stop();
        if (m_abandoned) return;
        if (m_stream) Pa_CloseStream(m_stream);
    }

    bool start(SampleRing& ring) override {
        if (m_abandoned) {
            m_error = m_label + ": the sound server went away; open the device again";
            return false;
        }
        if (m_started) {
            m_error = m_label + ": already started";
            return false;
        }
        m_state->streamFinished.store(false, std::memory_order_relaxed);
        m_state->lastCallbackNs.store(0, std::memory_order_relaxed);
        m_state->ring.store(&ring, std::memory_order_release);
        m_startNs.store(nowNs(), std::memory_order_relaxed);
        const PaError err = Pa_StartStream(m_stream);
        if (err != paNoError) {
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
        if (m_isJack && Pa_IsStreamActive(m_stream) == 0) {
            abandon();
            return;
        }
        // Abort rather than drain: there is nothing to play out.
        Pa_AbortStream(m_stream);
        m_state->ring.store(nullptr, std::memory_order_release);
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

    std::uint64_t overruns() const override {
        return m_state->overruns.load(std::memory_order_relaxed);
    }

    bool failed() const override {
        if (!m_running.load(std::memory_order_acquire)) return false;
        if (m_state->streamFinished.load(std::memory_order_acquire)) return true;
        const std::int64_t now = nowNs();
        const std::int64_t last = m_state->lastCallbackNs.load(std::memory_order_acquire);
        if (last == 0) {
            return now - m_startNs.load(std::memory_order_relaxed) >
                   std::chrono::nanoseconds(kFirstCallbackTimeout).count();
        }
        return now - last > std::chrono::nanoseconds(kStallTimeout).count();
    }

  private:
    // PortAudio 19.6 cannot let go of a JACK stream whose server has shut down or died: stopping
    // waits 10 minutes for a process cycle that never comes, and closing or Pa_Terminate then
    // fails an assert. So the stream, its callback state and our PortAudio reference are left
    // behind for the life of the process (a few hundred bytes; no thread is left running).
    void abandon() {
        m_abandoned = true;
        m_state->ring.store(nullptr, std::memory_order_release);
        (void)m_ownedState.release();
        (void)m_session.release();
        m_error = m_label + ": the sound server went away";
    }

    std::unique_ptr<PortAudioSession> m_session;  // PortAudio outlives the stream
    std::unique_ptr<CallbackState> m_ownedState;
    CallbackState* m_state;  // stays valid when abandoned
    PaStream* m_stream = nullptr;
    SourceInfo m_info;
    std::string m_label;
    std::string m_error;
    bool m_isJack = false;
    bool m_started = false;  // app thread only
    bool m_abandoned = false;
    std::atomic<bool> m_running{false};
    std::atomic<std::int64_t> m_startNs{0};
};

}  // namespace

std::vector<CaptureDevice> listCaptureDevices() {
    try {
        PortAudioSession session;
        return enumerateInputs();
    } catch (const std::runtime_error&) {
        return {};
    }
}

std::unique_ptr<AudioSource> makeCaptureSource(const std::string& device, double sampleRate) {
    // The session must be up while the device is resolved; the source then holds its own.
    PortAudioSession session;
    const PaDeviceIndex index = resolveInput(device);
    return std::make_unique<CaptureSource>(index, sampleRate);
}

}  // namespace autolume::audio
