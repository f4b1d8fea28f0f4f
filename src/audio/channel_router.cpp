// Channel selection and routing; see channel_router.hpp.
#include "autolume/audio/channel_router.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace autolume::audio {
namespace {

[[noreturn]] void badList(const std::string& text, const std::string& why) {
    throw std::invalid_argument("audio channels '" + text + "': " + why +
                                " (expected 1-based channel numbers such as 1,2 or 1-4)");
}

int parseNumber(const std::string& text, const std::string& part) {
    if (part.empty() || part.size() > 4 ||
        !std::all_of(part.begin(), part.end(), [](unsigned char c) { return std::isdigit(c); })) {
        badList(text, "'" + part + "' is not a channel number");
    }
    const int n = std::stoi(part);
    if (n < 1) badList(text, "channels count from 1");
    return n;
}

}  // namespace

ChannelSelection parseChannelList(const std::string& text, bool stems) {
    ChannelSelection selection;
    selection.stems = stems;
    std::string spaceless;
    for (const char c : text) {
        if (!std::isspace(static_cast<unsigned char>(c))) spaceless += c;
    }
    if (spaceless.empty()) badList(text, "no channels given");
    std::size_t start = 0;
    while (start <= spaceless.size()) {
        const std::size_t comma = std::min(spaceless.find(',', start), spaceless.size());
        const std::string part = spaceless.substr(start, comma - start);
        const std::size_t dash = part.find('-');
        int first = 0;
        int last = 0;
        if (dash == std::string::npos) {
            first = last = parseNumber(text, part);
        } else {
            first = parseNumber(text, part.substr(0, dash));
            last = parseNumber(text, part.substr(dash + 1));
            if (last < first) badList(text, "range '" + part + "' runs backwards");
        }
        for (int c = first; c <= last; ++c) {
            if (std::find(selection.channels.begin(), selection.channels.end(), c - 1) !=
                selection.channels.end()) {
                badList(text, "channel " + std::to_string(c) + " is listed twice");
            }
            selection.channels.push_back(c - 1);
        }
        start = comma + 1;
    }
    return selection;
}

std::string describeChannels(const ChannelSelection& selection) {
    if (selection.channels.empty()) return "default";
    std::string text;
    for (const int c : selection.channels) {
        if (!text.empty()) text += ',';
        text += std::to_string(c + 1);
    }
    return text;
}

ChannelRouter::ChannelRouter(int sourceChannels, const ChannelSelection& selection,
                             int defaultCount)
    : m_sourceChannels(sourceChannels), m_channels(selection.channels), m_stems(selection.stems) {
    if (sourceChannels < 1) throw std::invalid_argument("audio source has no channels");
    if (m_channels.empty()) {
        for (int c = 0; c < std::min(sourceChannels, std::max(defaultCount, 1)); ++c) {
            m_channels.push_back(c);
        }
    }
    for (const int c : m_channels) {
        if (c < 0 || c >= sourceChannels) {
            throw std::invalid_argument("audio channel " + std::to_string(c + 1) +
                                        " does not exist (the source has " +
                                        std::to_string(sourceChannels) + " channel" +
                                        (sourceChannels == 1 ? "" : "s") + ")");
        }
    }
    m_mixScale = 1.0f / static_cast<float>(m_channels.size());
}

void ChannelRouter::route(const float* in, std::size_t frames, float* out) const noexcept {
    const auto source = static_cast<std::size_t>(m_sourceChannels);
    const std::size_t selected = m_channels.size();
    if (m_stems) {
        for (std::size_t f = 0; f < frames; ++f) {
            const float* frame = in + f * source;
            for (std::size_t s = 0; s < selected; ++s) out[f * selected + s] = frame[m_channels[s]];
        }
        return;
    }
    for (std::size_t f = 0; f < frames; ++f) {
        const float* frame = in + f * source;
        float sum = 0.0f;
        for (const int c : m_channels) sum += frame[c];
        out[f] = sum * m_mixScale;
    }
}

}  // namespace autolume::audio
