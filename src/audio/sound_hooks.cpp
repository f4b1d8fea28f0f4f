#include "autolume/audio/sound_hooks.hpp"

#include <alsa/asoundlib.h>
#include <jack/jack.h>

#include <mutex>

namespace autolume::audio {
namespace {

void quietAlsa(const char*, int, const char*, int, const char*, ...) {}
void quietJack(const char*) {}

std::mutex g_mutex;
int g_holders = 0;
snd_lib_error_handler_t g_savedAlsa = nullptr;
void (*g_savedJackError)(const char*) = nullptr;
void (*g_savedJackInfo)(const char*) = nullptr;

void install() {
    snd_lib_error_set_handler(quietAlsa);
    jack_set_error_function(quietJack);
    jack_set_info_function(quietJack);
}

}  // namespace

QuietSoundHooks::QuietSoundHooks() {
    std::lock_guard lock(g_mutex);
    if (g_holders++ == 0) {
        g_savedAlsa = snd_lib_error;
        g_savedJackError = jack_error_callback;
        g_savedJackInfo = jack_info_callback;
    }
    install();
}

QuietSoundHooks::~QuietSoundHooks() {
    std::lock_guard lock(g_mutex);
    if (--g_holders == 0) {
        snd_lib_error_set_handler(g_savedAlsa);
        jack_set_error_function(g_savedJackError);
        jack_set_info_function(g_savedJackInfo);
    }
}

void QuietSoundHooks::reinstall() {
    std::lock_guard lock(g_mutex);
    if (g_holders > 0) install();
}

}  // namespace autolume::audio
