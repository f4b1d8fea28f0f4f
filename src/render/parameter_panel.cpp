#include "autolume/render/parameter_panel.hpp"

#include <imgui.h>

#include <string_view>

namespace autolume::render {

namespace {

std::string_view groupOf(const std::string& name) {
    const auto dot = name.find('.');
    return dot == std::string::npos ? std::string_view("general")
                                    : std::string_view(name).substr(0, dot);
}

bool combo(const char* label, int& index, const std::vector<std::string>& items) {
    bool changed = false;
    if (ImGui::BeginCombo(label,
                          index >= 0 && index < int(items.size()) ? items[index].c_str() : "?")) {
        for (int i = 0; i < int(items.size()); ++i) {
            const bool selected = i == index;
            if (ImGui::Selectable(items[i].c_str(), selected)) {
                index = i;
                changed = true;
            }
            if (selected) ImGui::SetItemDefaultFocus();
        }
        ImGui::EndCombo();
    }
    return changed;
}

}  // namespace

void drawParameterPanel(ParameterPanel& panel, std::vector<ParameterEdit>& edits) {
    if (!panel.visible) return;
    ImGui::SetNextWindowPos(ImVec2(10, 400), ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowSize(ImVec2(420, 300), ImGuiCond_FirstUseEver);
    if (!ImGui::Begin("parameters", &panel.visible)) {
        ImGui::End();
        return;
    }
    std::string_view openGroup;
    bool groupOpen = false;
    for (int i = 0; i < int(panel.entries.size()); ++i) {
        ParameterEntry& e = panel.entries[i];
        const std::string_view group = groupOf(e.name);
        if (group != openGroup) {
            if (groupOpen) ImGui::TreePop();
            openGroup = group;
            groupOpen = ImGui::TreeNodeEx(std::string(group).c_str(),
                                          group == "walk" ? ImGuiTreeNodeFlags_DefaultOpen : 0);
        }
        if (!groupOpen) continue;
        ImGui::PushID(i);
        // The slider shows what is set; the bar under it what the music makes of it.
        ImGui::SetNextItemWidth(200);
        if (ImGui::SliderFloat(e.name.c_str(), &e.base, e.min, e.max))
            edits.push_back({ParameterEdit::Kind::Value, i});
        if (ImGui::IsItemHovered() && !e.help.empty()) ImGui::SetTooltip("%s", e.help.c_str());
        ImGui::SameLine();
        if (ImGui::SmallButton(e.learning ? "learning" : "learn"))
            edits.push_back({ParameterEdit::Kind::Learn, i});
        if (!e.midiBinding.empty()) {
            ImGui::SameLine();
            ImGui::TextDisabled("%s", e.midiBinding.c_str());
        }
        ImGui::ProgressBar((e.live - e.min) / (e.max - e.min), ImVec2(200, 3), "");
        if (ImGui::TreeNode("modulation")) {
            bool changed = false;
            ImGui::SetNextItemWidth(140);
            changed |= combo("by", e.modSource, panel.features);
            ImGui::SameLine();
            ImGui::SetNextItemWidth(90);
            changed |= combo("curve", e.modCurve, panel.curves);
            ImGui::SetNextItemWidth(200);
            changed |= ImGui::SliderFloat("gain", &e.modGain, -2.0f, 2.0f);
            if (changed) edits.push_back({ParameterEdit::Kind::Modulation, i});
            ImGui::TreePop();
        }
        ImGui::PopID();
    }
    if (groupOpen) ImGui::TreePop();
    ImGui::End();
}

void drawPresetPanel(PresetPanel& panel, std::vector<PresetEdit>& edits) {
    if (!panel.visible) return;
    ImGui::SetNextWindowPos(ImVec2(350, 10), ImGuiCond_FirstUseEver);
    if (!ImGui::Begin("presets", &panel.visible, ImGuiWindowFlags_AlwaysAutoResize)) {
        ImGui::End();
        return;
    }
    const ImGuiIO& io = ImGui::GetIO();
    std::vector<int> selected;
    for (int i = 0; i < int(panel.slots.size()); ++i) {
        PresetSlotView& slot = panel.slots[i];
        if (slot.selected) selected.push_back(i);
        if (i % 4) ImGui::SameLine();
        const ImVec4 color = slot.active             ? ImVec4(0.9f, 0.5f, 0.1f, 1.0f)
                             : slot.stored           ? ImVec4(0.2f, 0.5f, 0.3f, 1.0f)
                             : !slot.problem.empty() ? ImVec4(0.55f, 0.12f, 0.12f, 1.0f)
                                                     : ImVec4(0.2f, 0.2f, 0.25f, 1.0f);
        ImGui::PushStyleColor(ImGuiCol_Button, color);
        if (slot.selected) ImGui::PushStyleVar(ImGuiStyleVar_FrameBorderSize, 2.0f);
        const std::string label = std::to_string(i + 1);
        if (ImGui::Button(label.c_str(), ImVec2(42, 32))) {
            if (io.KeyShift)
                edits.push_back({PresetEdit::Kind::Store, {i}});
            else if (io.KeyCtrl)
                slot.selected = !slot.selected;
            else if (slot.stored)
                edits.push_back({PresetEdit::Kind::Recall, {i}});
        }
        if (!slot.problem.empty() && ImGui::IsItemHovered())
            ImGui::SetTooltip("could not be read: %s", slot.problem.c_str());
        if (ImGui::IsItemClicked(ImGuiMouseButton_Right) && slot.stored)
            edits.push_back({PresetEdit::Kind::Clear, {i}});
        if (slot.selected) ImGui::PopStyleVar();
        ImGui::PopStyleColor();
    }
    if (ImGui::Button("average selected") && !selected.empty())
        edits.push_back({PresetEdit::Kind::RecallAverage, selected});
    ImGui::SameLine();
    if (ImGui::Button("release")) edits.push_back({PresetEdit::Kind::Release, {}});
    ImGui::TextDisabled("click recall, Shift store, Ctrl select, right-click clear");
    ImGui::Separator();
    // Keyframes (ASHA FM): the selected presets, traversed with the music.
    if (ImGui::Button("selected -> keyframes") && !selected.empty())
        edits.push_back({PresetEdit::Kind::Keyframes, selected});
    ImGui::SameLine();
    ImGui::Text("%d keyframes", panel.keyframeCount);
    static const char* const kTimings[] = {"free (onsets)", "per beat", "per bar"};
    static const char* const kTransitions[] = {"linear", "exponential"};
    ImGui::SetNextItemWidth(130);
    if (ImGui::Combo("timing", &panel.keyframeTiming, kTimings, 3))
        edits.push_back({PresetEdit::Kind::KeyframeTiming, {}});
    ImGui::SameLine();
    ImGui::SetNextItemWidth(110);
    if (ImGui::Combo("transition", &panel.transition, kTransitions, 2))
        edits.push_back({PresetEdit::Kind::Transition, {}});
    ImGui::TextDisabled("keyframes.mix (parameters) fades them in");
    if (!panel.message.empty()) ImGui::TextWrapped("%s", panel.message.c_str());
    // A slot whose file could not be read is overwritten only when the performer says so.
    if (panel.confirmSlot >= 0 && panel.confirmSlot < int(panel.slots.size())) {
        ImGui::OpenPopup("overwrite preset?");
        if (ImGui::BeginPopupModal("overwrite preset?", nullptr,
                                   ImGuiWindowFlags_AlwaysAutoResize)) {
            const PresetSlotView& slot = panel.slots[panel.confirmSlot];
            ImGui::Text("Slot %d holds a file this model could not read:", panel.confirmSlot + 1);
            ImGui::TextWrapped(
                "%s", slot.problem.empty() ? "(written by another program)" : slot.problem.c_str());
            if (ImGui::Button("overwrite (the old file is kept as .replaced)")) {
                edits.push_back({PresetEdit::Kind::StoreConfirmed, {panel.confirmSlot}});
                panel.confirmSlot = -1;
                ImGui::CloseCurrentPopup();
            }
            ImGui::SameLine();
            if (ImGui::Button("keep it")) {
                panel.confirmSlot = -1;
                ImGui::CloseCurrentPopup();
            }
            ImGui::EndPopup();
        }
    }
    ImGui::End();
}

}  // namespace autolume::render
