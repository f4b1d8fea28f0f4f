// The MIDI tests' LED receiver: an RtMidi input callback that keeps every message the app
// sends back to the controller, for the test thread to look at.
#pragma once

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <vector>

#include "autolume/control/midi_message.hpp"

namespace autolume::test {

class LedLog {
  public:
    // RtMidiIn callback (RtMidi's thread); `user` is the LedLog.
    static void onMessage(double, std::vector<unsigned char>* bytes, void* user) {
        auto* self = static_cast<LedLog*>(user);
        std::lock_guard lock(self->m_mutex);
        self->m_messages.push_back(control::MidiMessage::fromBytes(bytes->data(), bytes->size()));
    }
    std::vector<control::MidiMessage> all() const {
        std::lock_guard lock(m_mutex);
        return m_messages;
    }
    std::size_t count(const control::MidiMessage& m) const {
        std::lock_guard lock(m_mutex);
        return static_cast<std::size_t>(std::count(m_messages.begin(), m_messages.end(), m));
    }
    std::size_t size() const {
        std::lock_guard lock(m_mutex);
        return m_messages.size();
    }
    void clear() {
        std::lock_guard lock(m_mutex);
        m_messages.clear();
    }

  private:
    mutable std::mutex m_mutex;
    std::vector<control::MidiMessage> m_messages;
};

}  // namespace autolume::test
