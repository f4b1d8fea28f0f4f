#include "autolume/render/scopes.hpp"

#include <imgui.h>

#include <algorithm>
#include <cfloat>
#include <cstdio>

namespace autolume::render {

namespace {

// The ring's values oldest first into `out` (ImGui plots take an offset, but the chroma heat
// map and the ticks are simpler in order).
template <typename Ring>
int ordered(const Ring& ring, float* out) {
    const int n = ring.count;
    const int size = static_cast<int>(ring.values.size());
    const int start = (ring.next - n + size) % size;
    for (int i = 0; i < n; ++i) out[i] = ring.values[(start + i) % size];
    return n;
}

template <typename Ring>
float quantile(const Ring& ring, float q) {
    std::array<float, 512> sorted{};
    const int n = ordered(ring, sorted.data());
    if (n == 0) return 0.0f;
    std::sort(sorted.begin(), sorted.begin() + n);
    return sorted[std::min(n - 1, static_cast<int>(q * static_cast<float>(n)))];
}

// Width: the region left of the label (ImGui 1.86's plots take no negative sizes).
float plotWidth() {
    return std::max(60.0f, ImGui::GetContentRegionAvail().x - 60.0f);
}

void plot(const char* label, const float* values, int n, float max, ImU32 color) {
    ImGui::PushStyleColor(ImGuiCol_PlotLines, color);
    ImGui::PlotLines(label, values, n, 0, nullptr, 0.0f, max, ImVec2(plotWidth(), 36));
    ImGui::PopStyleColor();
}

}  // namespace

void Scopes::push(const ScopeSample& s, double timeSec) {
    m_level.push(s.level);
    m_bass.push(s.bass);
    m_mid.push(s.mid);
    m_high.push(s.high);
    m_onsetStrength.push(s.onsetStrength);
    m_onsetTick.push(s.onsets != m_lastOnsets ? 1.0f : 0.0f);
    m_beatTick.push(s.beats != m_lastBeats ? 1.0f : 0.0f);
    m_lastOnsets = s.onsets;
    m_lastBeats = s.beats;
    for (int k = 0; k < 12; ++k) m_chroma[k].push(s.chroma[k]);
    m_bpm = s.bpm;
    m_levelDb = s.levelDb;
    if (s.levelDb > kSilenceDb || !m_started) m_loudSec = timeSec;
    m_started = true;
    m_silent = timeSec - m_loudSec >= kSilenceSec;
}

void Scopes::addLatency(float ms) {
    m_latency.push(ms);
    const int bin = std::clamp(static_cast<int>(ms / 10.0f), 0, kLatencyBins - 1);
    m_latencyBins[bin] += 1.0f;
}

void Scopes::addOutputPeriod(float ms) {
    m_outputPeriod.push(ms);
}

float Scopes::latencyMedianMs() const {
    return quantile(m_latency, 0.5f);
}

float Scopes::outputPeriodP99Ms() const {
    return quantile(m_outputPeriod, 0.99f);
}

void Scopes::draw() {
    std::array<float, kHistory> values{};
    // The BPM first and large: the performer looks for it between two songs.
    if (m_bpm > 0.0f)
        ImGui::Text("%.1f BPM", m_bpm);
    else
        ImGui::TextDisabled("--- BPM");
    ImGui::SameLine(0, 30);
    if (m_silent)
        ImGui::TextColored(ImVec4(1.0f, 0.75f, 0.2f, 1.0f), "silence (%.0f dB)", m_levelDb);
    else
        ImGui::Text("%.0f dB", m_levelDb);

    int n = ordered(m_level, values.data());
    plot("level", values.data(), n, 1.0f, IM_COL32(90, 220, 120, 255));
    n = ordered(m_bass, values.data());
    plot("bass", values.data(), n, 1.0f, IM_COL32(240, 110, 80, 255));
    n = ordered(m_mid, values.data());
    plot("mid", values.data(), n, 1.0f, IM_COL32(240, 200, 80, 255));
    n = ordered(m_high, values.data());
    plot("high", values.data(), n, 1.0f, IM_COL32(110, 170, 250, 255));

    // Onset strength with onset (orange) and beat (white) ticks on top.
    n = ordered(m_onsetStrength, values.data());
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float width = plotWidth();  // the plot's frame, not its label
    plot("onsets", values.data(), n, 1.0f, IM_COL32(200, 200, 200, 255));
    const float height = ImGui::GetItemRectSize().y;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    std::array<float, kHistory> onsets{}, beats{};
    ordered(m_onsetTick, onsets.data());
    ordered(m_beatTick, beats.data());
    const float step = n > 1 ? width / static_cast<float>(n - 1) : width;
    for (int i = 0; i < n; ++i) {
        const float x = origin.x + step * static_cast<float>(i);
        if (onsets[i] > 0.0f)
            draw->AddLine(ImVec2(x, origin.y), ImVec2(x, origin.y + height * 0.5f),
                          IM_COL32(255, 140, 30, 255), 2.0f);
        if (beats[i] > 0.0f)
            draw->AddLine(ImVec2(x, origin.y + height * 0.5f), ImVec2(x, origin.y + height),
                          IM_COL32(255, 255, 255, 255), 2.0f);
    }

    // Chroma: 12 rows (C at the bottom), time to the right.
    ImGui::TextDisabled("chroma");
    const ImVec2 top = ImGui::GetCursorScreenPos();
    const float rowHeight = 5.0f;
    const float chromaWidth = plotWidth();
    ImGui::Dummy(ImVec2(chromaWidth, rowHeight * 12));
    for (int k = 0; k < 12; ++k) {
        const int count = ordered(m_chroma[k], values.data());
        const float cell = count > 0 ? chromaWidth / static_cast<float>(count) : chromaWidth;
        const float y = top.y + rowHeight * static_cast<float>(11 - k);
        for (int i = 0; i < count; ++i) {
            // Dark blue (0) to warm yellow (1): a silent heat map stays quiet.
            const float v = std::clamp(values[i], 0.0f, 1.0f);
            const auto mix = [v](float a, float b) { return static_cast<int>(a + (b - a) * v); };
            draw->AddRectFilled(ImVec2(top.x + cell * static_cast<float>(i), y),
                                ImVec2(top.x + cell * static_cast<float>(i + 1), y + rowHeight),
                                IM_COL32(mix(25, 255), mix(25, 190), mix(50, 60), 255));
        }
    }

    ImGui::Text("audio->photon  median %.0f ms", latencyMedianMs());
    ImGui::PlotHistogram("latency", m_latencyBins.data(), kLatencyBins, 0, "0 .. 250 ms", 0.0f,
                         FLT_MAX, ImVec2(plotWidth(), 36));
    ImGui::Text("output frame period p99 %.1f ms", outputPeriodP99Ms());
}

}  // namespace autolume::render
