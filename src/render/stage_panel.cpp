#include "autolume/render/stage_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdint>

namespace autolume::render {

namespace {

void preview(const StagePanelState& s) {
    if (s.previewTexture == 0 || s.previewWidth <= 0 || s.previewHeight <= 0) {
        ImGui::TextDisabled("(no picture yet)");
        return;
    }
    const float width = ImGui::GetContentRegionAvail().x;
    const float height =
        width * static_cast<float>(s.previewHeight) / static_cast<float>(s.previewWidth);
    // GL textures rendered by the post chain start at the bottom row.
    ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(s.previewTexture)),
                 ImVec2(width, std::min(height, width)), ImVec2(0, 1), ImVec2(1, 0));
}

bool monitorCombo(StagePanelState& s) {
    const std::string current =
        s.outputMonitor >= 0 && s.outputMonitor < static_cast<int>(s.monitors.size())
            ? s.monitors[s.outputMonitor]
            : std::string("windowed");
    bool changed = false;
    if (ImGui::BeginCombo("output on", current.c_str())) {
        if (ImGui::Selectable("windowed", s.outputMonitor < 0)) {
            s.outputMonitor = -1;
            changed = true;
        }
        for (int i = 0; i < static_cast<int>(s.monitors.size()); ++i) {
            if (ImGui::Selectable(s.monitors[i].c_str(), i == s.outputMonitor)) {
                s.outputMonitor = i;
                changed = true;
            }
        }
        ImGui::EndCombo();
    }
    return changed;
}

bool fitCombo(StagePanelState& s) {
    bool changed = false;
    if (ImGui::BeginCombo("fit", fitModeName(s.fit))) {
        for (FitMode mode : {FitMode::Fit, FitMode::Fill, FitMode::Stretch, FitMode::Tile}) {
            if (ImGui::Selectable(fitModeName(mode), mode == s.fit)) {
                s.fit = mode;
                changed = true;
            }
        }
        ImGui::EndCombo();
    }
    return changed;
}

std::string canvasLabel(const CanvasSize& size) {
    return size.width == 0 ? std::string("window size")
                           : std::to_string(size.width) + "x" + std::to_string(size.height);
}

bool canvasCombo(StagePanelState& s) {
    bool changed = false;
    if (ImGui::BeginCombo("size", canvasLabel(kCanvasSizes[s.canvas]).c_str())) {
        for (int i = 0; i < static_cast<int>(std::size(kCanvasSizes)); ++i) {
            if (ImGui::Selectable(canvasLabel(kCanvasSizes[i]).c_str(), i == s.canvas)) {
                s.canvas = i;
                changed = true;
            }
        }
        ImGui::EndCombo();
    }
    return changed;
}

void stageList(const StagePanelState& s, StagePanelChanges& changes) {
    float total = 0.0f;
    for (const PostStageStatus& stage : s.stages) {
        bool on = stage.enabled;
        if (ImGui::Checkbox(stage.name.c_str(), &on))
            changes.stageToggles.emplace_back(stage.name, on);
        ImGui::SameLine(180);
        ImGui::TextDisabled("%5.2f ms%s", stage.gpuMs, stage.user ? "  (user)" : "");
        if (!stage.error.empty())
            ImGui::TextColored(ImVec4(1.0f, 0.4f, 0.4f, 1.0f), "bypassed: %s", stage.error.c_str());
        total += stage.gpuMs;
    }
    ImGui::TextDisabled("post chain %.2f ms on the GPU", total);
}

}  // namespace

StagePanelChanges drawStagePanel(StagePanelState& s, Scopes& scopes) {
    StagePanelChanges changes;
    if (!s.visible) return changes;
    // Right of the panel, presets and parameters (their places are fixed: no imgui.ini).
    ImGui::SetNextWindowPos(ImVec2(std::max(10.0f, ImGui::GetIO().DisplaySize.x - 430.0f), 10),
                            ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowSize(ImVec2(420, ImGui::GetIO().DisplaySize.y - 20),
                             ImGuiCond_FirstUseEver);
    if (!ImGui::Begin("stage", &s.visible)) {
        ImGui::End();
        return changes;
    }
    if (s.twoWindows) preview(s);
    ImGui::TextWrapped("%s", s.placement.c_str());
    ImGui::Text("output %5.1f fps   generator %4.1f ms   latency %3.0f ms", s.outputFps,
                s.generatorMs, s.latencyMs);
    // What a soak measures, for the performer: a stall is a frame period over 100 ms.
    ImGui::Text("longest frame %3.0f ms (last second)   stalls %llu", s.longestFrameMs,
                static_cast<unsigned long long>(s.stalls));
    changes.monitor = monitorCombo(s);
    changes.fit = fitCombo(s);
    changes.canvas = canvasCombo(s);
    if (ImGui::CollapsingHeader("post chain", ImGuiTreeNodeFlags_DefaultOpen))
        stageList(s, changes);
    ImGui::TextDisabled("Tab: panel   F: fullscreen   M: next monitor   Ctrl+Q: quit");
    ImGui::End();

    // The scopes in a window of their own, under the presets and left of the stage window,
    // so that the BPM and the plots are in sight without scrolling.
    const ImVec2 display = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowPos(ImVec2(440, std::min(300.0f, display.y * 0.4f)),
                            ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowSize(ImVec2(std::max(300.0f, display.x - 440.0f - 440.0f), 0),
                             ImGuiCond_FirstUseEver);
    if (ImGui::Begin("scopes")) scopes.draw();
    ImGui::End();
    return changes;
}

}  // namespace autolume::render
