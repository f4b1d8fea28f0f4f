// The parameter window of the performer's UI: every registry parameter as a slider, grouped
// by its name's prefix ("walk.", "chroma.", ...), with its audio modulation (feature, gain,
// curve) and a MIDI-learn button. It edits a main-thread mirror of the registry and reports
// each change as an edit the caller sends to the control thread.
//
// Thread contract: main thread only, between Window::beginUi() and Window::present().
#pragma once

#include <string>
#include <vector>

namespace autolume::render {

struct ParameterEntry {
    std::string name;
    std::string help;
    float min = 0.0f;
    float max = 1.0f;
    float base = 0.0f;  // what the performer set (edited here)
    float live = 0.0f;  // what the control thread uses now (modulated, smoothed)
    int modSource = 0;  // index into ParameterPanel::features (0: none)
    float modGain = 0.0f;
    int modCurve = 0;  // index into ParameterPanel::curves
    bool learning = false;
    std::string midiBinding;  // e.g. "CC 16 ch 1", empty when unbound
};

struct ParameterEdit {
    enum class Kind { Value, Modulation, Learn } kind;
    int index;  // into ParameterPanel::entries
};

struct ParameterPanel {
    std::vector<ParameterEntry> entries;
    std::vector<std::string> features;  // modulation sources, [0] = "none"
    std::vector<std::string> curves;
    bool visible = true;
};

// Draws the window; appends what the performer changed this frame to `edits`.
void drawParameterPanel(ParameterPanel& panel, std::vector<ParameterEdit>& edits);

struct PresetSlotView {
    bool stored = false;
    std::string problem;  // the slot's file could not be read: why (shown, never overwritten)
    bool active = false;
    bool selected = false;  // chosen for averaging
};

struct PresetEdit {
    enum class Kind {
        Recall,
        Store,
        StoreConfirmed,  // over a file that could not be read, after the performer said so
        Clear,
        RecallAverage,
        Release,
        Keyframes,       // the selected slots become the keyframe sequence, in slot order
        KeyframeTiming,  // PresetPanel::keyframeTiming changed
        Transition,      // PresetPanel::transition changed
    } kind;
    std::vector<int> slots;
};

struct PresetPanel {
    std::vector<PresetSlotView> slots;
    std::string message;     // the last error or confirmation, one line
    int keyframeTiming = 0;  // 0 free (onsets), 1 per beat, 2 per bar
    int transition = 0;      // 0 linear, 1 exponential
    int keyframeCount = 0;   // shown
    int confirmSlot = -1;    // >= 0: ask whether to overwrite this slot's unreadable file
    bool visible = true;
};

// Preset grid: click recalls, Shift+click stores the current latent, Ctrl+click selects slots
// to recall their average or to make them the keyframe sequence, right-click clears.
void drawPresetPanel(PresetPanel& panel, std::vector<PresetEdit>& edits);

}  // namespace autolume::render
