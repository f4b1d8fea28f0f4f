// The performer's ImGui panel. Immediate mode: it shows PanelState and edits its `params` in
// place; the caller sends changed values to the control thread as messages.
//
// Thread contract: main thread only, between Window::beginUi() and Window::present().
#pragma once

#include <array>
#include <string>
#include <vector>

namespace autolume::render {

// The controller's parameters have their own window (parameter_panel.hpp); this one holds
// what belongs to the machine rather than to the performance.
struct PanelParams {
    int outputResolution = 0;  // early exit for weak hardware; 0: the model's full size
};

struct PanelState {
    // shown
    std::string modelName;
    std::string modelDescription;
    bool modelPlaceholder = false;
    int resolution = 0;
    std::string device;
    std::string sourceKind;
    std::string sourceName;
    std::string sourceError;
    double sampleRate = 0.0;
    float displayFps = 0.0f;
    float generatorFps = 0.0f;
    float generatorMs = 0.0f;
    float latencyMs = 0.0f;  // audio of the shown frame reached us -> shown
    float level = 0.0f;
    float levelDb = -120.0f;
    float onsetStrength = 0.0f;
    bool onset = false;
    float walkSpeed = 0.0f;
    std::string drops;  // what was lost and how much ("audio samples 512, MIDI in 3"), or empty
    std::string shaderError;
    std::vector<int> exitResolutions;  // output sizes the model offers, smallest first
    int frameResolution = 0;           // size of the frame on screen
    bool modelLoading = false;
    std::string modelError;      // the last failed load (the running model goes on)
    std::string ganSpaceStatus;  // "GANSpace: 32 components", "GANSpace: computing..."
    std::string midiStatus;      // "MIDI off", "MIDI (JACK) in: ..., out: ..."
    unsigned long long midiReceived = 0;
    unsigned long long midiMalformed = 0;
    double beats = 0.0;  // beats counted by the controller
    // Recording, stream, v4l2: one line each ("REC 00:12 set.mkv, 0 dropped frames, ...").
    std::vector<std::string> outputStatus;
    bool recording = false;  // a file is being recorded (the button says Stop)
    // edited
    PanelParams params;
    std::array<char, 1024> modelPath{};  // the "Load" field
    bool loadRequested = false;          // set by the Load button; the caller clears it
    bool recordRequested = false;        // the Record/Stop button; the caller clears it
    bool visible = true;
    bool showParameters = true;  // the parameter and preset windows (checkboxes here)
    bool showPresets = true;
};

// Draws the panel; returns true if the performer changed a parameter this frame.
bool drawPanel(PanelState& state);

}  // namespace autolume::render
