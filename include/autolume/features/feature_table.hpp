// A FeatureFrame as a row of named numbers, in one fixed column order: the CSV of
// `autolume analyze`, its plot, and anything else that tabulates features.
//
// Thread contract: pure functions; featureRow() is noexcept and allocation-free.
#pragma once

#include <span>
#include <string_view>

#include "autolume/features/analyzer.hpp"

namespace autolume::features {

// time, hop, rms, rms_db, level, bass, mid, high, onset_strength, onset, beat, bpm,
// bpm_confidence, beat_phase, harmonic, percussive, chroma_C .. chroma_B, beat_linear,
// beat_exp, onset_linear, onset_exp. Events (onset, beat) are 1 on their hop, else 0.
std::span<const std::string_view> featureColumns() noexcept;

// Writes featureColumns().size() values of `frame` into `row`.
void featureRow(const FeatureFrame& frame, std::span<double> row) noexcept;

}  // namespace autolume::features
