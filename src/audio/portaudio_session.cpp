// PortAudio session and device lookup; see portaudio_session.hpp.
#include "portaudio_session.hpp"

#include <alsa/asoundlib.h>
#include <jack/jack.h>
#include <pa_jack.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>

namespace autolume::audio {
namespace {

void quietAlsa(const char*, int, const char*, int, const char*, ...) {}
void quietJack(const char*) {}

std::mutex g_mutex;
int g_refs = 0;
snd_lib_error_handler_t g_savedAlsa = nullptr;
void (*g_savedJackError)(const char*) = nullptr;
void (*g_savedJackInfo)(const char*) = nullptr;

void restoreHandlers() {
    snd_lib_error_set_handler(g_savedAlsa);
    jack_set_error_function(g_savedJackError);
    jack_set_info_function(g_savedJackInfo);
}

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
        g_savedAlsa = snd_lib_error;
        g_savedJackError = jack_error_callback;
        g_savedJackInfo = jack_info_callback;
        snd_lib_error_set_handler(quietAlsa);
        jack_set_error_function(quietJack);
        jack_set_info_function(quietJack);
        PaJack_SetClientName(kPortAudioJackClient);
        const PaError err = Pa_Initialize();
        // PortAudio installs its own JACK error hook during initialization; keep ours.
        jack_set_error_function(quietJack);
        if (err != paNoError) {
            restoreHandlers();
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
        restoreHandlers();
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
