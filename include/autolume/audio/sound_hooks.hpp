// ALSA and JACK print their failures on stderr while PortAudio and RtMidi probe them (a
// machine without a sound card prints dozens of lines). Their error and info hooks are
// process-wide globals, so they are handled in this one place, under one mutex: while any
// QuietSoundHooks lives, quiet handlers are installed; the last one to go restores the
// handlers that were there before the first.
//
// Thread contract: construct and destroy from any non-real-time thread.
#pragma once

namespace autolume::audio {

class QuietSoundHooks {
  public:
    QuietSoundHooks();
    ~QuietSoundHooks();
    QuietSoundHooks(const QuietSoundHooks&) = delete;
    QuietSoundHooks& operator=(const QuietSoundHooks&) = delete;

    // Installs the quiet handlers again while any holder lives: PortAudio's initialization
    // sets its own JACK error hook.
    static void reinstall();
};

}  // namespace autolume::audio
