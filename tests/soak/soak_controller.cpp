// A scripted Korg nanoKONTROL2 for the soak (tests/soak/soak.sh): two RtMidi JACK clients,
// "<name>" with a virtual output port "out" (the controls) and "<name> leds" with an input
// "in" (the LEDs the app sends back), so the app binds them by name with `--midi <name>`.
//
// It prints "ready" once its ports are open, waits for the app to bind (the first LED message:
// the app sends every LED when it binds), then plays for --duration seconds what a performer
// does, in the factory CC map of presets/midi/korg_nanokontrol2.json: all eight faders
// (GANSpace) and the knobs (bend strengths, bent layers, noise, truncation) move continuously;
// every 2 s a button action: a bend or mode switched on or off (R buttons), a preset stored
// (cycle + S), recalled (S or M), two recalled together (their average), released (stop).
// The script is fixed: the same run sends the same messages. At the end it prints one line:
// "sent N messages, received M LED messages".
//
// Exit codes: 0 after playing, 1 when the app never bound (--bind-timeout), 2 usage.
#include <jack/jack.h>
#include <rtmidi/RtMidi.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::atomic<bool> g_stop{false};
std::atomic<unsigned long> g_leds{0};

void onSignal(int) {
    g_stop = true;
}

// RtMidi's input thread.
void onLed(double, std::vector<unsigned char>*, void*) {
    g_leds.fetch_add(1, std::memory_order_relaxed);
}

// nanoKONTROL2 factory CCs (channel 1).
constexpr int kFader = 0;    // 0..7: GANSpace 0..7
constexpr int kKnob = 16;    // 16..19 bend strengths, 20/21 bent layers, 22 noise, 23 psi
constexpr int kSolo = 32;    // S1..S8: preset slots 1..8
constexpr int kMute = 48;    // M1..M8: slots 9..16
constexpr int kRecord = 64;  // R1..R4 bends on/off, R5..R8 anchors, loop, routing, keyframes
constexpr int kCycle = 46;   // shift
constexpr int kStop = 42;    // release

class Controller {
  public:
    Controller(RtMidiOut& out) : m_out(out) {}

    void cc(int controller, int value) {
        std::vector<unsigned char> bytes{0xB0, static_cast<unsigned char>(controller),
                                         static_cast<unsigned char>(value)};
        m_out.sendMessage(&bytes);
        ++m_sent;
    }
    // A continuous control sends only when its value changes, as a real one does.
    void move(int controller, int value) {
        int& last = m_last[static_cast<std::size_t>(controller)];
        if (value == last) return;
        last = value;
        cc(controller, value);
    }
    void press(int controller, std::chrono::milliseconds hold = 60ms) {
        cc(controller, 127);
        std::this_thread::sleep_for(hold);
        cc(controller, 0);
    }
    unsigned long sent() const { return m_sent; }

  private:
    RtMidiOut& m_out;
    unsigned long m_sent = 0;
    std::vector<int> m_last = std::vector<int>(128, -1);
};

int wave(double tSec, double periodSec, int centre, int depth) {
    const double v = centre + depth * std::sin(2.0 * M_PI * tSec / periodSec);
    return static_cast<int>(std::lround(std::fmin(127.0, std::fmax(0.0, v))));
}

// Continuous controls at time t (seconds since playing started).
void moveControls(Controller& c, double t) {
    for (int i = 0; i < 8; ++i) c.move(kFader + i, wave(t, 7.0 + 3.0 * i, 64, 63));
    for (int i = 0; i < 4; ++i) c.move(kKnob + i, wave(t, 11.0 + 2.0 * i, 64, 40));
    const int step = static_cast<int>(t / 15.0);
    c.move(kKnob + 4, 20 * (step % 4));        // first bent layer
    c.move(kKnob + 5, 127 - 20 * (step % 3));  // last bent layer
    c.move(kKnob + 6, wave(t, 31.0, 64, 63));  // noise
    c.move(kKnob + 7, wave(t, 23.0, 64, 32));  // truncation psi 0.5..1.5
}

// Button action number k (one every 2 s).
void buttonAction(Controller& c, long k) {
    const int slot = static_cast<int>((k / 10) % 8);
    switch (k % 10) {
        case 0:  // a bend on or off
            c.press(kRecord + static_cast<int>((k / 10) % 4));
            break;
        case 1:  // store the picture on screen (shift + S)
            c.cc(kCycle, 127);
            c.press(kSolo + slot);
            c.cc(kCycle, 0);
            break;
        case 2:  // recall it
            c.press(kSolo + slot);
            break;
        case 3:  // two slots held together: their average
            c.cc(kSolo + slot, 127);
            c.cc(kSolo + (slot + 3) % 8, 127);
            std::this_thread::sleep_for(150ms);
            c.cc(kSolo + slot, 0);
            c.cc(kSolo + (slot + 3) % 8, 0);
            break;
        case 4:  // back to the music
            c.press(kStop);
            break;
        case 5:  // chroma anchors, beat loop, layer routing, keyframes on or off
            c.press(kRecord + 4 + static_cast<int>((k / 10) % 4));
            break;
        case 6:  // a slot of the second row (mostly empty: a short press does nothing)
            c.press(kMute + slot);
            break;
        case 7:  // recall, then the same again: released
            c.press(kSolo + slot);
            std::this_thread::sleep_for(300ms);
            c.press(kSolo + slot);
            break;
        case 8:
            c.press(kStop);
            break;
        default:
            break;
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string name = "soak nanoKONTROL2";
    double durationSec = 60.0;
    double bindTimeoutSec = 120.0;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--name" && i + 1 < argc) {
            name = argv[++i];
        } else if (a == "--duration" && i + 1 < argc) {
            durationSec = std::atof(argv[++i]);
        } else if (a == "--bind-timeout" && i + 1 < argc) {
            bindTimeoutSec = std::atof(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: %s [--name NAME] [--duration SEC] [--bind-timeout SEC]\n",
                         argv[0]);
            return 2;
        }
    }
    ::signal(SIGINT, onSignal);
    ::signal(SIGTERM, onSignal);
    // The soak's jackd runs with -v (for its "ready" line), which makes every client verbose.
    jack_set_info_function([](const char*) {});
    try {
        RtMidiOut out(RtMidi::UNIX_JACK, name);
        out.openVirtualPort("out");
        RtMidiIn leds(RtMidi::UNIX_JACK, name + " leds");
        leds.setCallback(&onLed, nullptr);
        leds.openVirtualPort("in");
        std::printf("ready\n");
        std::fflush(stdout);

        const auto bindDeadline = Clock::now() + std::chrono::duration<double>(bindTimeoutSec);
        while (g_leds.load() == 0 && !g_stop) {
            if (Clock::now() > bindDeadline) {
                std::printf("the app did not bind within %.0f s (no LED message)\n",
                            bindTimeoutSec);
                return 1;
            }
            std::this_thread::sleep_for(20ms);
        }
        // The app binds its input and output together; give it a moment before playing.
        std::this_thread::sleep_for(1s);
        std::printf("bound\n");
        std::fflush(stdout);

        Controller c(out);
        const auto start = Clock::now();
        auto next = start;
        long actions = 0;
        while (!g_stop) {
            const double t = std::chrono::duration<double>(Clock::now() - start).count();
            if (t >= durationSec) break;
            moveControls(c, t);
            if (t >= 2.0 * static_cast<double>(actions + 1)) buttonAction(c, actions++);
            // After a button action (or a stall) the next step starts from now: no burst.
            next = std::max(next + 100ms, Clock::now());
            std::this_thread::sleep_until(next);
        }
        // Let the last messages leave the JACK ring before the ports close.
        std::this_thread::sleep_for(500ms);
        std::printf("sent %lu messages, received %lu LED messages\n", c.sent(), g_leds.load());
        std::fflush(stdout);
    } catch (const std::exception& e) {
        std::printf("MIDI error: %s\n", e.what());
        return 1;
    }
    return 0;
}
