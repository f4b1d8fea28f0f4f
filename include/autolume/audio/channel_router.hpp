// Which channels of a device or file the analysis hears, and how: mixed to one mono signal
// (the default) or as stems, each selected channel delivered on its own, interleaved, so that
// every stem can feed its own feature set (features::StemAnalyzer).
//
// Thread contract: parse and construct on the app thread; route() is called from the real-time
// callback and is noexcept and allocation-free.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace autolume::audio {

struct ChannelSelection {
    std::vector<int> channels;  // 0-based source channels; empty: the source's default set
    bool stems = false;         // false: mix the selected channels to mono
};

// Parses a user's 1-based channel list, "1,2" or "3" or "1-4" (ranges allowed, no repeats).
// Throws std::invalid_argument with one line quoting `text` when it is malformed.
ChannelSelection parseChannelList(const std::string& text, bool stems = false);

// "1,2" (1-based) for messages; "default" for an empty selection.
std::string describeChannels(const ChannelSelection& selection);

class ChannelRouter {
  public:
    // `sourceChannels`: channels per source frame. An empty selection uses the first
    // min(sourceChannels, defaultCount) channels. Throws std::invalid_argument naming a selected
    // channel the source does not have.
    ChannelRouter(int sourceChannels, const ChannelSelection& selection, int defaultCount);

    int sourceChannels() const noexcept { return m_sourceChannels; }
    // Samples per routed frame: 1 when mixing, the number of selected channels for stems.
    int outputChannels() const noexcept {
        return m_stems ? static_cast<int>(m_channels.size()) : 1;
    }
    const std::vector<int>& channels() const noexcept { return m_channels; }
    bool stems() const noexcept { return m_stems; }

    // in: frames x sourceChannels() interleaved; out: frames x outputChannels().
    void route(const float* in, std::size_t frames, float* out) const noexcept;

  private:
    int m_sourceChannels;
    std::vector<int> m_channels;
    bool m_stems;
    float m_mixScale;
};

}  // namespace autolume::audio
