// The stage window of the control window: a live preview of the output, which monitor shows
// what, the output's monitor, fit mode and size, the post stages (on/off, GPU ms, compiler
// errors) and the scopes. Immediate mode: it edits StagePanelState in place and says what the
// performer changed.
//
// Thread contract: main thread only, between Window::beginUi() and Window::present().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "autolume/render/post_chain.hpp"
#include "autolume/render/scopes.hpp"

namespace autolume::render {

// Output sizes offered besides the window's own (0x0).
struct CanvasSize {
    int width;
    int height;
};
inline constexpr CanvasSize kCanvasSizes[] = {
    {0, 0}, {1280, 720}, {1920, 1080}, {2560, 1440}, {3840, 2160}, {1080, 1080}, {1080, 1920}};

struct StagePanelState {
    // shown
    unsigned previewTexture = 0;  // the output's texture (shared context), bottom row first
    int previewWidth = 0;
    int previewHeight = 0;
    std::string placement;              // "output: fullscreen on 1 (HDMI-1); control: ..."
    std::vector<std::string> monitors;  // "0: DP-1 1920x1080"
    std::vector<PostStageStatus> stages;
    float outputFps = 0.0f;
    float generatorMs = 0.0f;
    float latencyMs = 0.0f;
    float longestFrameMs = 0.0f;  // the output's longest frame period in the last second
    std::uint64_t stalls = 0;     // output frame periods over 100 ms since the start
    bool twoWindows = false;
    // edited
    int outputMonitor = -1;  // -1: windowed
    FitMode fit = FitMode::Fill;
    int canvas = 0;  // index into kCanvasSizes
    bool visible = true;
};

struct StagePanelChanges {
    bool monitor = false;
    bool fit = false;
    bool canvas = false;
    std::vector<std::pair<std::string, bool>> stageToggles;  // stage name, on
};

StagePanelChanges drawStagePanel(StagePanelState& state, Scopes& scopes);

}  // namespace autolume::render
