// Column names and values of a FeatureFrame; see feature_table.hpp.
#include "autolume/features/feature_table.hpp"

#include <array>
#include <cassert>

namespace autolume::features {
namespace {

constexpr std::array<std::string_view, 32> kColumns = {
    "time",           "hop",        "rms",          "rms_db",
    "level",          "bass",       "mid",          "high",
    "onset_strength", "onset",      "beat",         "bpm",
    "bpm_confidence", "beat_phase", "harmonic",     "percussive",
    "chroma_C",       "chroma_Cs",  "chroma_D",     "chroma_Ds",
    "chroma_E",       "chroma_F",   "chroma_Fs",    "chroma_G",
    "chroma_Gs",      "chroma_A",   "chroma_As",    "chroma_B",
    "beat_linear",    "beat_exp",   "onset_linear", "onset_exp"};

}  // namespace

std::span<const std::string_view> featureColumns() noexcept {
    return kColumns;
}

void featureRow(const FeatureFrame& f, std::span<double> row) noexcept {
    assert(row.size() >= kColumns.size());
    std::size_t i = 0;
    row[i++] = f.timeSec;
    row[i++] = static_cast<double>(f.hop);
    row[i++] = f.rms;
    row[i++] = f.rmsDb;
    row[i++] = f.level;
    row[i++] = f.bass;
    row[i++] = f.mid;
    row[i++] = f.high;
    row[i++] = f.onsetStrength;
    row[i++] = f.onset ? 1.0 : 0.0;
    row[i++] = f.beat ? 1.0 : 0.0;
    row[i++] = f.bpm;
    row[i++] = f.bpmConfidence;
    row[i++] = f.beatPhase;
    row[i++] = f.harmonic;
    row[i++] = f.percussive;
    for (const float c : f.chroma) row[i++] = c;
    row[i++] = f.beatLinear;
    row[i++] = f.beatExp;
    row[i++] = f.onsetLinear;
    row[i++] = f.onsetExp;
}

}  // namespace autolume::features
