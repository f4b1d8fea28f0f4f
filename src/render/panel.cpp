#include "autolume/render/panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <string>

namespace autolume::render {

namespace {

void levelMeter(float level, bool onset) {
    const ImVec4 color = onset ? ImVec4(1.0f, 0.55f, 0.1f, 1.0f) : ImVec4(0.2f, 0.8f, 0.4f, 1.0f);
    ImGui::PushStyleColor(ImGuiCol_PlotHistogram, color);
    ImGui::ProgressBar(std::clamp(level, 0.0f, 1.0f), ImVec2(-1, 0), "");
    ImGui::PopStyleColor();
}

}  // namespace

bool drawPanel(PanelState& s) {
    if (!s.visible) return false;
    ImGui::SetNextWindowPos(ImVec2(10, 10), ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowSize(ImVec2(330, 0), ImGuiCond_FirstUseEver);
    bool changed = false;
    if (!ImGui::Begin("autolume", &s.visible)) {
        ImGui::End();
        return false;
    }

    ImGui::Text("model   %s  (%d px, %s)", s.modelName.c_str(), s.resolution, s.device.c_str());
    if (s.modelPlaceholder)
        ImGui::TextColored(ImVec4(1.0f, 0.75f, 0.2f, 1.0f), "PLACEHOLDER: random weights");
    // Live model switching: the running model goes on until the new one is ready.
    ImGui::SetNextItemWidth(-60.0f);
    const bool entered = ImGui::InputText("##model", s.modelPath.data(), s.modelPath.size(),
                                          ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    if ((ImGui::Button("Load") || entered) && s.modelPath[0] != '\0') s.loadRequested = true;
    if (s.modelLoading) ImGui::TextDisabled("loading...");
    if (!s.modelError.empty())
        ImGui::TextColored(ImVec4(1.0f, 0.4f, 0.4f, 1.0f), "%s", s.modelError.c_str());
    ImGui::TextDisabled("%s", s.ganSpaceStatus.c_str());
    ImGui::Text("audio   %s: %s", s.sourceKind.c_str(), s.sourceName.c_str());
    if (!s.sourceError.empty())
        ImGui::TextColored(ImVec4(1.0f, 0.4f, 0.4f, 1.0f), "%s", s.sourceError.c_str());

    ImGui::Separator();
    ImGui::Text("display %5.1f fps   generator %5.1f fps", s.displayFps, s.generatorFps);
    ImGui::Text("generator %6.2f ms   audio->photon %6.1f ms", s.generatorMs, s.latencyMs);
    if (!s.drops.empty())
        ImGui::TextColored(ImVec4(1.0f, 0.7f, 0.3f, 1.0f), "dropped: %s", s.drops.c_str());

    // Recording (R, MIDI "record"), stream and v4l2 outputs.
    if (ImGui::Button(s.recording ? "Stop recording" : "Record")) s.recordRequested = true;
    ImGui::SameLine();
    ImGui::TextDisabled("(R)");
    for (const std::string& line : s.outputStatus)
        ImGui::TextColored(line.rfind("REC", 0) == 0 ? ImVec4(1.0f, 0.35f, 0.35f, 1.0f)
                                                     : ImVec4(0.6f, 0.85f, 1.0f, 1.0f),
                           "%s", line.c_str());

    ImGui::Separator();
    ImGui::Text("level %6.1f dB", s.levelDb);
    levelMeter(s.level, s.onset);
    ImGui::Text("onset strength");
    levelMeter(s.onsetStrength, s.onset);
    ImGui::Text("walk speed %.2f rad/s", s.walkSpeed);

    ImGui::Separator();
    ImGui::Text("beats %.1f", s.beats);
    ImGui::TextDisabled("%s", s.midiStatus.c_str());
    if (s.midiReceived)
        ImGui::TextDisabled("MIDI messages %llu (malformed %llu)", s.midiReceived, s.midiMalformed);

    ImGui::Separator();
    ImGui::Checkbox("parameters", &s.showParameters);
    ImGui::SameLine();
    ImGui::Checkbox("presets", &s.showPresets);
    if (s.exitResolutions.size() > 1) {
        // Early exit: a lower block's image, for hardware that cannot keep up.
        const int full = s.exitResolutions.back();
        const int current = s.params.outputResolution > 0 ? s.params.outputResolution : full;
        if (ImGui::BeginCombo("output", (std::to_string(s.frameResolution) + " px").c_str())) {
            for (int r : s.exitResolutions) {
                if (r < 16 && r != full) continue;  // 4 and 8 px are not worth showing
                const std::string label = std::to_string(r) + " px";
                if (ImGui::Selectable(label.c_str(), r == current)) {
                    s.params.outputResolution = r == full ? 0 : r;
                    changed = true;
                }
            }
            ImGui::EndCombo();
        }
    }

    if (!s.shaderError.empty())
        ImGui::TextColored(ImVec4(1.0f, 0.4f, 0.4f, 1.0f), "%s", s.shaderError.c_str());
    ImGui::TextDisabled("Tab: panel   F: fullscreen   Ctrl+Q: quit");
    ImGui::End();
    return changed;
}

}  // namespace autolume::render
