// PortAudio session and device lookup; see portaudio_session.hpp.
#include "portaudio_session.hpp"

#include <pa_jack.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "autolume/audio/sound_hooks.hpp"

namespace autolume::audio {
namespace {

std::mutex g_mutex;
int g_refs = 0;
// Quiet ALSA and JACK while PortAudio is initialized (they print every failed probe).
std::optional<QuietSoundHooks> g_quiet;

std::string hostApiName(PaHostApiIndex index) {
    const PaHostApiInfo* api = Pa_GetHostApiInfo(index);
    return api && api->name ? api->name : "unknown host API";
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

// "0 'system' (JACK Audio Connection Kit), 3 'pulse' (ALSA)" or "none".
std::string describe(const std::vector<PaDevice>& devices) {
    if (devices.empty()) return "none";
    std::string text;
    for (const PaDevice& d : devices) {
        if (!text.empty()) text += ", ";
        text += std::to_string(d.index) + " '" + d.name + "' (" + d.hostApi + ")";
    }
    return text;
}

}  // namespace

PortAudioSession::PortAudioSession() {
    std::lock_guard lock(g_mutex);
    if (g_refs == 0) {
        g_quiet.emplace();
        PaJack_SetClientName(kPortAudioJackClient);
        const PaError err = Pa_Initialize();
        // PortAudio installs its own JACK error hook during initialization; keep ours.
        QuietSoundHooks::reinstall();
        if (err != paNoError) {
            g_quiet.reset();
            throw std::runtime_error(std::string("PortAudio: cannot initialize (") +
                                     Pa_GetErrorText(err) + ")");
        }
    }
    ++g_refs;
}

PortAudioSession::~PortAudioSession() {
    std::lock_guard lock(g_mutex);
    if (--g_refs == 0) {
        Pa_Terminate();
        g_quiet.reset();
    }
}

std::string paErrorText(PaError err) {
    std::string text = Pa_GetErrorText(err);
    if (err == paUnanticipatedHostError) {
        const PaHostErrorInfo* host = Pa_GetLastHostErrorInfo();
        if (host && host->errorText && host->errorText[0]) {
            text += std::string(": ") + host->errorText;
        }
    }
    return text;
}

std::vector<PaDevice> enumerateDevices() {
    std::vector<PaDevice> devices;
    const PaDeviceIndex defaultInput = Pa_GetDefaultInputDevice();
    const PaDeviceIndex defaultOutput = Pa_GetDefaultOutputDevice();
    const PaDeviceIndex count = Pa_GetDeviceCount();
    for (PaDeviceIndex i = 0; i < count; ++i) {
        const PaDeviceInfo* info = Pa_GetDeviceInfo(i);
        if (!info) continue;
        const PaHostApiInfo* api = Pa_GetHostApiInfo(info->hostApi);
        PaDevice d;
        d.index = i;
        d.name = info->name ? info->name : "";
        d.hostApi = hostApiName(info->hostApi);
        d.isJack = api && api->type == paJACK;
        d.maxInputChannels = info->maxInputChannels;
        d.maxOutputChannels = info->maxOutputChannels;
        d.defaultSampleRate = info->defaultSampleRate;
        d.isDefaultInput = i == defaultInput;
        d.isDefaultOutput = i == defaultOutput;
        devices.push_back(d);
    }
    return devices;
}

PaDevice resolveDevice(const std::string& device, bool input) {
    std::vector<PaDevice> candidates;
    for (const PaDevice& d : enumerateDevices()) {
        if ((input ? d.maxInputChannels : d.maxOutputChannels) > 0) candidates.push_back(d);
    }
    const std::string kind = input ? "input" : "output";
    auto notFound = [&](const std::string& what) {
        return std::runtime_error(what + " (available " + kind + "s: " + describe(candidates) +
                                  ")");
    };
    if (device.empty()) {
        for (const PaDevice& d : candidates) {
            if (input ? d.isDefaultInput : d.isDefaultOutput) return d;
        }
        throw notFound("no default audio " + kind + " device");
    }
    if (isIndex(device)) {
        const int index = std::stoi(device);
        for (const PaDevice& d : candidates) {
            if (d.index == index) return d;
        }
        throw notFound("audio " + kind + " " + device + " does not exist or has no " + kind +
                       " channels");
    }
    for (const PaDevice& d : candidates) {
        if (d.name == device) return d;
    }
    const std::string wanted = lowercase(device);
    for (const PaDevice& d : candidates) {
        if (lowercase(d.name).find(wanted) != std::string::npos) return d;
    }
    throw notFound("audio " + kind + " '" + device + "' not found");
}

}  // namespace autolume::audio
