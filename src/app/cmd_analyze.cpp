// `autolume analyze AUDIO [-o features.csv] [--hop N] [--fft N] [--plot features.png]
//                  [--audio-channels LIST [--stems]]
//                  [--latents latents.npy [-m MODEL] [--fps 30] [--seed N] [--params FILE]
//                   [--keyframes LIST [--keyframe-timing T] [--transition T]] [--presets DIR]
//                   [--stem NAME=FILE[@CHANNELS] ...]]`
// The live analysis (the same features::Analyzer) run offline over a whole file as fast as it
// goes: one CSV row per hop, named columns (features/feature_table.hpp), and optionally a PNG
// of the features over time (stacked line plots, event ticks and a chroma heat map, labelled
// with a small built-in bitmap font). With --latents the live latent controller runs on the
// same hops and the ws of every video frame are written as [frames, num_ws, w_dim] float32:
// what the generator would draw (GANSpace offsets and truncation applied).
#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "autolume/audio/audio_file_reader.hpp"
#include "autolume/audio/channel_router.hpp"
#include "autolume/control/feature_input.hpp"
#include "autolume/control/ws_compose.hpp"
#include "autolume/features/feature_table.hpp"
#include "autolume/features/stem_analyzer.hpp"
#include "autolume/io/image.hpp"
#include "autolume/io/npy.hpp"
#include "autolume/model/ganspace.hpp"
#include "autolume/model/generator.hpp"
#include "commands.hpp"
#include "control_session.hpp"
#include "engine.hpp"
#include "offline_walk.hpp"
#include "options.hpp"
#include "session_setup.hpp"

namespace autolume::app {
namespace {

struct AnalyzeOptions {
    std::string audio;
    std::string output;
    std::string plot;
    int hop = 512;
    int fft = 2048;
    std::string channels;
    bool stems = false;
    // --latents
    std::string latents;
    WalkOptions walk;  // model, fps, seed, params, keyframes (analysis and stems set at run)
    std::vector<std::string> walkStems;  // --stem NAME=FILE[@CHANNELS] (the latent walk's)
    features::AnalyzerConfig analysis;   // filled once the audio file is open
};

int usageError(const std::string& message) {
    std::fprintf(stderr, "autolume analyze: %s\n", message.c_str());
    return 2;
}

int failure(const std::string& message) {
    std::fprintf(stderr, "autolume analyze: %s\n", message.c_str());
    return 1;
}

// ---------------------------------------------------------------------------------------------
// The plot.

struct Rgb {
    std::uint8_t r, g, b;
};

constexpr Rgb kBackground{18, 18, 22};
constexpr Rgb kPanel{30, 30, 36};
constexpr Rgb kGrid{52, 52, 60};
constexpr Rgb kText{200, 200, 205};

// 5x7 glyphs, one string per row, '#' = ink. Only what the plot's labels use.
const std::map<char, std::array<const char*, 7>>& glyphs() {
    static const std::map<char, std::array<const char*, 7>> table = {
        {'A', {" ### ", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"}},
        {'B', {"#### ", "#   #", "#   #", "#### ", "#   #", "#   #", "#### "}},
        {'C', {" ### ", "#   #", "#    ", "#    ", "#    ", "#   #", " ### "}},
        {'D', {"#### ", "#   #", "#   #", "#   #", "#   #", "#   #", "#### "}},
        {'E', {"#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#####"}},
        {'F', {"#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#    "}},
        {'G', {" ### ", "#   #", "#    ", "# ###", "#   #", "#   #", " ####"}},
        {'H', {"#   #", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"}},
        {'I', {" ### ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "}},
        {'L', {"#    ", "#    ", "#    ", "#    ", "#    ", "#    ", "#####"}},
        {'M', {"#   #", "## ##", "# # #", "# # #", "#   #", "#   #", "#   #"}},
        {'N', {"#   #", "##  #", "# # #", "#  ##", "#   #", "#   #", "#   #"}},
        {'O', {" ### ", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "}},
        {'P', {"#### ", "#   #", "#   #", "#### ", "#    ", "#    ", "#    "}},
        {'R', {"#### ", "#   #", "#   #", "#### ", "# #  ", "#  # ", "#   #"}},
        {'S', {" ####", "#    ", "#    ", " ### ", "    #", "    #", "#### "}},
        {'T', {"#####", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  "}},
        {'U', {"#   #", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "}},
        {'V', {"#   #", "#   #", "#   #", "#   #", "#   #", " # # ", "  #  "}},
        {'X', {"#   #", "#   #", " # # ", "  #  ", " # # ", "#   #", "#   #"}},
        {'Y', {"#   #", "#   #", " # # ", "  #  ", "  #  ", "  #  ", "  #  "}},
        {'0', {" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "}},
        {'1', {"  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "}},
        {'2', {" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"}},
        {'3', {"#### ", "    #", "    #", " ### ", "    #", "    #", "#### "}},
        {'4', {"   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "}},
        {'5', {"#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "}},
        {'6', {" ### ", "#    ", "#    ", "#### ", "#   #", "#   #", " ### "}},
        {'7', {"#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "}},
        {'8', {" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "}},
        {'9', {" ### ", "#   #", "#   #", " ####", "    #", "    #", " ### "}},
        {'#', {" # # ", " # # ", "#####", " # # ", "#####", " # # ", " # # "}},
        {'.', {"     ", "     ", "     ", "     ", "     ", " ##  ", " ##  "}},
        {'/', {"    #", "    #", "   # ", "  #  ", " #   ", "#    ", "#    "}},
        {' ', {"     ", "     ", "     ", "     ", "     ", "     ", "     "}},
    };
    return table;
}

class Canvas {
  public:
    Canvas(int width, int height) : m_image{width, height, 3, {}} {
        m_image.pixels.resize(static_cast<std::size_t>(width) * height * 3);
        fill(0, 0, width, height, kBackground);
    }

    int width() const { return m_image.width; }
    int height() const { return m_image.height; }
    const io::Image& image() const { return m_image; }

    void set(int x, int y, Rgb c) {
        if (x < 0 || y < 0 || x >= m_image.width || y >= m_image.height) return;
        std::uint8_t* p = &m_image.pixels[(static_cast<std::size_t>(y) * m_image.width + x) * 3];
        p[0] = c.r;
        p[1] = c.g;
        p[2] = c.b;
    }
    void fill(int x, int y, int w, int h, Rgb c) {
        for (int j = y; j < y + h; ++j)
            for (int i = x; i < x + w; ++i) set(i, j, c);
    }
    void vline(int x, int y0, int y1, Rgb c) {
        if (y0 > y1) std::swap(y0, y1);
        for (int y = y0; y <= y1; ++y) set(x, y, c);
    }
    // Text at scale `s`, left-aligned at (x, y) = its top-left corner. Unknown characters skip.
    void text(int x, int y, std::string_view s, Rgb c, int scale = 2) {
        for (const char ch : s) {
            const auto it = glyphs().find(ch);
            if (it != glyphs().end()) {
                for (int row = 0; row < 7; ++row)
                    for (int col = 0; col < 5; ++col)
                        if (it->second[row][col] == '#')
                            fill(x + col * scale, y + row * scale, scale, scale, c);
            }
            x += 6 * scale;
        }
    }

  private:
    io::Image m_image;
};

// What the plot keeps per hop (floats, so an hour of audio stays in tens of megabytes).
struct PlotSeries {
    std::vector<std::string> names;
    std::vector<std::vector<float>> values;  // one vector per name
    std::vector<float>& operator[](const std::string& name) {
        const auto it = std::find(names.begin(), names.end(), name);
        if (it != names.end()) return values[static_cast<std::size_t>(it - names.begin())];
        names.push_back(name);
        values.emplace_back();
        return values.back();
    }
};

struct Line {
    std::string name;
    std::string label;
    Rgb color;
    float lo = 0.0f;  // value at the bottom of the panel
    float hi = 1.0f;  // value at the top
};

constexpr int kWidth = 1400;
constexpr int kLeft = 150;
constexpr int kRight = 12;
constexpr int kTop = 12;
constexpr int kPanelHeight = 72;
constexpr int kGap = 10;
constexpr int kChromaRowHeight = 11;
constexpr int kBottom = 34;

// Seconds between time labels: a round step giving at most ~12 labels.
double tickStep(double seconds) {
    for (const double step : {0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0}) {
        if (seconds / step <= 12.0) return step;
    }
    return 1200.0;
}

void drawPlot(const std::string& path, PlotSeries& series, double hopSec) {
    const std::size_t hops = series["time"].size();
    const std::vector<std::vector<Line>> panels = {
        {{"level", "LEVEL", {240, 240, 240}}, {"onset_strength", "ONSET", {255, 150, 40}}},
        {{"bass", "BASS", {235, 70, 70}},
         {"mid", "MID", {90, 210, 90}},
         {"high", "HIGH", {90, 150, 255}}},
        {{"harmonic", "HARMONIC", {120, 220, 200}}, {"percussive", "PERCUSSIVE", {240, 120, 200}}},
        {{"bpm", "BPM 40/220", {250, 220, 90}, 40.0f, 220.0f},
         {"bpm_confidence", "CONFIDENCE", {160, 160, 170}}},
        {{"beat_exp", "BEAT ENV", {90, 220, 255}}, {"onset_exp", "ONSET ENV", {255, 150, 40}}},
    };
    const int eventsTop = kTop + static_cast<int>(panels.size()) * (kPanelHeight + kGap);
    const int eventsHeight = 28;
    const int chromaTop = eventsTop + eventsHeight + kGap;
    const int height = chromaTop + 12 * kChromaRowHeight + kBottom;
    Canvas canvas(kWidth, height);
    const int plotWidth = kWidth - kLeft - kRight;
    const double duration = static_cast<double>(hops) * hopSec;

    // Hops [first, last) shown in pixel column x.
    auto hopRange = [&](int x, std::size_t* first, std::size_t* last) {
        *first = static_cast<std::size_t>(static_cast<double>(x) * hops / plotWidth);
        *last = std::max(*first + 1,
                         static_cast<std::size_t>(static_cast<double>(x + 1) * hops / plotWidth));
        *last = std::min(*last, hops);
    };
    auto grid = [&](int top, int h) {
        canvas.fill(kLeft, top, plotWidth, h, kPanel);
        const double step = tickStep(duration);
        for (double t = step; t < duration; t += step) {
            canvas.vline(kLeft + static_cast<int>(t / duration * plotWidth), top, top + h - 1,
                         kGrid);
        }
    };

    for (std::size_t p = 0; p < panels.size(); ++p) {
        const int top = kTop + static_cast<int>(p) * (kPanelHeight + kGap);
        grid(top, kPanelHeight);
        int labelY = top + 2;
        for (const Line& line : panels[p]) {
            canvas.text(8, labelY, line.label, line.color);
            labelY += 18;
            const std::vector<float>& v = series[line.name];
            int previous = -1;
            for (int x = 0; x < plotWidth && hops > 0; ++x) {
                std::size_t first = 0;
                std::size_t last = 0;
                hopRange(x, &first, &last);
                if (first >= last) continue;
                float lo = v[first];
                float hi = v[first];
                for (std::size_t i = first; i < last; ++i) {
                    lo = std::min(lo, v[i]);
                    hi = std::max(hi, v[i]);
                }
                auto toY = [&](float value) {
                    const float u = std::clamp((value - line.lo) / (line.hi - line.lo), 0.0f, 1.0f);
                    return top + kPanelHeight - 1 - static_cast<int>(u * (kPanelHeight - 1));
                };
                // Screen y grows downwards; reach back to the previous column's last value so
                // that a line never breaks into dots.
                int yTop = toY(hi);
                int yBottom = toY(lo);
                if (previous >= 0) {
                    yTop = std::min(yTop, previous);
                    yBottom = std::max(yBottom, previous);
                }
                canvas.vline(kLeft + x, yTop, yBottom, line.color);
                previous = toY(v[last - 1]);
            }
        }
    }

    // Events: onsets in the upper half of the strip, beats in the lower half.
    grid(eventsTop, eventsHeight);
    canvas.text(8, eventsTop + 2, "ONSETS", {255, 150, 40}, 1);
    canvas.text(8, eventsTop + 14, "BEATS", {90, 220, 255}, 1);
    const std::vector<float>& onset = series["onset"];
    const std::vector<float>& beat = series["beat"];
    for (int x = 0; x < plotWidth && hops > 0; ++x) {
        std::size_t first = 0;
        std::size_t last = 0;
        hopRange(x, &first, &last);
        bool anyOnset = false;
        bool anyBeat = false;
        for (std::size_t i = first; i < last; ++i) {
            anyOnset = anyOnset || onset[i] > 0.5f;
            anyBeat = anyBeat || beat[i] > 0.5f;
        }
        if (anyOnset) canvas.vline(kLeft + x, eventsTop + 1, eventsTop + 12, {255, 150, 40});
        if (anyBeat) canvas.vline(kLeft + x, eventsTop + 15, eventsTop + 26, {90, 220, 255});
    }

    // Chroma heat map, C at the bottom.
    static const char* const kPitchNames[12] = {"C",  "C#", "D",  "D#", "E",  "F",
                                                "F#", "G",  "G#", "A",  "A#", "B"};
    static const char* const kChromaColumns[12] = {
        "chroma_C",  "chroma_Cs", "chroma_D",  "chroma_Ds", "chroma_E",  "chroma_F",
        "chroma_Fs", "chroma_G",  "chroma_Gs", "chroma_A",  "chroma_As", "chroma_B"};
    canvas.text(8, chromaTop + 12 * kChromaRowHeight / 2 - 7, "CHROMA", kText);
    canvas.text(8, chromaTop + 12 * kChromaRowHeight / 2 + 10, "0 TO 1", kText, 1);
    for (int pc = 0; pc < 12; ++pc) {
        const int rowTop = chromaTop + (11 - pc) * kChromaRowHeight;
        const int labelWidth = 6 * static_cast<int>(std::string_view(kPitchNames[pc]).size());
        canvas.text(kLeft - 4 - labelWidth, rowTop + 2, kPitchNames[pc], kText, 1);
        const std::vector<float>& v = series[kChromaColumns[pc]];
        for (int x = 0; x < plotWidth && hops > 0; ++x) {
            std::size_t first = 0;
            std::size_t last = 0;
            hopRange(x, &first, &last);
            float mean = 0.0f;
            for (std::size_t i = first; i < last; ++i) mean += v[i];
            mean /= static_cast<float>(last - first);
            // Dark blue -> purple -> orange -> pale yellow.
            const float u = std::clamp(mean, 0.0f, 1.0f);
            const Rgb c{static_cast<std::uint8_t>(20 + 235 * std::min(1.0f, 1.6f * u)),
                        static_cast<std::uint8_t>(15 + 225 * u * u),
                        static_cast<std::uint8_t>(60 + 120 * std::sin(3.14159f * u))};
            canvas.fill(kLeft + x, rowTop, 1, kChromaRowHeight - 1, c);
        }
    }

    // Time axis.
    const int axisY = chromaTop + 12 * kChromaRowHeight + 6;
    const double step = tickStep(duration);
    for (double t = 0.0; t <= duration + 1e-9; t += step) {
        const int x = kLeft + static_cast<int>(t / std::max(duration, 1e-9) * plotWidth);
        char label[32];
        if (step < 1.0) {
            std::snprintf(label, sizeof label, "%.1f", t);
        } else {
            std::snprintf(label, sizeof label, "%.0f", t);
        }
        canvas.vline(x, axisY - 4, axisY - 1, kText);
        canvas.text(std::min(x, kWidth - 40), axisY + 2, label, kText);
    }
    canvas.text(8, axisY + 2, "TIME S", kText);
    io::writePng(path, canvas.image());
}

// ---------------------------------------------------------------------------------------------
// The latents: the live controller on the same hops (OfflineWalk), sampled at the video rate.

class LatentRecorder {
  public:
    explicit LatentRecorder(const AnalyzeOptions& o) : m_path(o.latents), m_walk(walkOptions(o)) {}

    void hop(const features::FeatureFrame& f, double dtSec) {
        m_walk.hop(f, dtSec, [this](const WalkFrame& frame) { add(frame); });
    }
    void finish(double durationSec) {
        m_walk.finish(durationSec, [this](const WalkFrame& frame) { add(frame); });
    }
    void write() const {
        io::writeNpy(m_path, {m_walk.frames(), info().numWs, info().wDim}, m_out.data());
    }
    std::int64_t frames() const { return m_walk.frames(); }
    const model::ModelInfo& info() const { return m_walk.info(); }

  private:
    static WalkOptions walkOptions(const AnalyzeOptions& o) {
        WalkOptions w = o.walk;
        for (const std::string& stem : o.walkStems) w.stems.push_back(parseStem(stem));
        w.analysis = o.analysis;
        return w;
    }
    void add(const WalkFrame& frame) {
        const std::size_t n = static_cast<std::size_t>(info().numWs) * info().wDim;
        m_out.insert(m_out.end(), frame.ws, frame.ws + n);
    }

    std::string m_path;
    OfflineWalk m_walk;
    std::vector<float> m_out;
};

// ---------------------------------------------------------------------------------------------

int runAnalyze(const AnalyzeOptions& o) {
    if (o.output.empty() && o.latents.empty())
        return usageError("nothing to write: give -o features.csv and/or --latents latents.npy");
    if ((o.fft & (o.fft - 1)) != 0) return usageError("--fft must be a power of two");
    if (o.hop > o.fft) return usageError("--hop must not exceed --fft");
    if (o.stems && o.channels.empty()) {
        return usageError("--stems needs --audio-channels (the channels that are stems)");
    }
    audio::ChannelSelection selection;
    if (!o.channels.empty()) {
        try {
            selection = audio::parseChannelList(o.channels, o.stems);
        } catch (const std::invalid_argument& e) {
            return usageError(e.what());
        }
    }

    std::unique_ptr<audio::AudioFileReader> reader;
    try {
        reader = std::make_unique<audio::AudioFileReader>(o.audio);
    } catch (const std::exception& e) {
        return failure(e.what());
    }
    std::unique_ptr<audio::ChannelRouter> router;
    try {
        // Without a selection every channel of the file is mixed to mono.
        router = std::make_unique<audio::ChannelRouter>(reader->channels(), selection,
                                                        reader->channels());
    } catch (const std::invalid_argument& e) {
        return usageError(o.audio + ": " + e.what());
    }

    features::AnalyzerConfig config;
    config.sampleRate = reader->sampleRate();
    config.hopSize = o.hop;
    config.fftSize = o.fft;
    std::unique_ptr<features::StemAnalyzer> analyzer;
    try {
        analyzer = std::make_unique<features::StemAnalyzer>(router->outputChannels(), config);
    } catch (const std::invalid_argument& e) {
        return usageError(e.what());
    }

    std::unique_ptr<LatentRecorder> recorder;
    if (!o.latents.empty()) {
        model::setCpuThreads(model::resolveCpuThreads(0));  // automatic, as live mode
        try {
            AnalyzeOptions withAnalysis = o;
            withAnalysis.analysis = config;
            recorder = std::make_unique<LatentRecorder>(withAnalysis);
        } catch (const std::invalid_argument& e) {
            return usageError(e.what());
        } catch (const std::exception& e) {
            return failure(e.what());
        }
    }

    // Without -o the CSV goes nowhere (/dev/null keeps one code path).
    const std::string csvPath = o.output.empty() ? std::string("/dev/null") : o.output;
    std::FILE* csv = std::fopen(csvPath.c_str(), "w");
    if (!csv) return failure(o.output + ": cannot write (" + std::strerror(errno) + ")");
    std::vector<char> buffer(1 << 16);
    std::setvbuf(csv, buffer.data(), _IOFBF, buffer.size());

    const auto columns = features::featureColumns();
    const int stems = analyzer->stems();
    // time and hop once, then every other column per stem (prefixed s1_, s2_... for stems).
    std::fputs("time,hop", csv);
    for (int s = 0; s < stems; ++s) {
        for (std::size_t c = 2; c < columns.size(); ++c) {
            if (o.stems) std::fprintf(csv, ",s%d_", s + 1);
            std::fprintf(csv, o.stems ? "%.*s" : ",%.*s", static_cast<int>(columns[c].size()),
                         columns[c].data());
        }
    }
    std::fputc('\n', csv);

    PlotSeries series;
    const bool plotting = !o.plot.empty();
    std::vector<double> row(columns.size());
    std::uint64_t rows = 0;
    std::uint64_t framesRead = 0;
    const double hopSec = o.hop / reader->sampleRate();
    try {
        framesRead = analyzeFile(
            *reader, *router, *analyzer, o.hop, [&](std::span<const features::FeatureFrame> out) {
                std::fprintf(csv, "%.6f,%llu", out[0].timeSec,
                             static_cast<unsigned long long>(out[0].hop));
                for (const features::FeatureFrame& f : out) {
                    features::featureRow(f, row);
                    for (std::size_t c = 2; c < row.size(); ++c) std::fprintf(csv, ",%.6g", row[c]);
                }
                std::fputc('\n', csv);
                ++rows;
                if (recorder) recorder->hop(out[0], hopSec);
                if (plotting) {
                    features::featureRow(out[0], row);
                    for (std::size_t c = 0; c < row.size(); ++c)
                        series[std::string(columns[c])].push_back(static_cast<float>(row[c]));
                }
            });
    } catch (const std::exception& e) {
        std::fclose(csv);
        return failure(e.what());
    }
    const bool written = std::ferror(csv) == 0;
    if (std::fclose(csv) != 0 || !written) return failure(o.output + ": write failed");
    if (recorder) {
        try {
            recorder->finish(static_cast<double>(framesRead) / reader->sampleRate());
            recorder->write();
        } catch (const std::exception& e) {
            return failure(e.what());
        }
        std::fprintf(stderr,
                     "autolume analyze: %s: %llu frames at %g fps of %s (%d ws x %d) -> %s\n",
                     o.audio.c_str(), static_cast<unsigned long long>(recorder->frames()),
                     o.walk.fps, recorder->info().path.c_str(), recorder->info().numWs,
                     recorder->info().wDim, o.latents.c_str());
    }

    if (plotting) {
        if (rows == 0) return failure(o.audio + ": shorter than one hop, nothing to plot");
        try {
            drawPlot(o.plot, series, o.hop / reader->sampleRate());
        } catch (const std::exception& e) {
            return failure(e.what());
        }
    }
    if (!o.output.empty())
        std::fprintf(stderr, "autolume analyze: %s: %llu hops of %d samples at %.0f Hz -> %s%s%s\n",
                     o.audio.c_str(), static_cast<unsigned long long>(rows), o.hop,
                     reader->sampleRate(), o.output.c_str(), plotting ? ", " : "", o.plot.c_str());
    return 0;
}

}  // namespace

Command addAnalyze(CLI::App& app) {
    auto options = std::make_shared<AnalyzeOptions>();
    Command command;
    command.cli = app.add_subcommand(
        "analyze", "analyse an audio file offline: one CSV row of features per hop");
    auto* cli = command.cli;
    cli->add_option("AUDIO", options->audio, "audio file (WAV, FLAC, OGG, MP3...)")->required();
    cli->add_option("-o,--output", options->output, "CSV file of features to write");
    cli->add_option("--hop", options->hop, "hop size in samples (default 512)")
        ->check(CLI::Range(16, 65536));
    cli->add_option("--fft", options->fft, "analysis window in samples, a power of two (2048)")
        ->check(CLI::Range(64, 65536));
    cli->add_option("--plot", options->plot, "also draw the features over time into this PNG");
    cli->add_option("--audio-channels", options->channels,
                    "channels to analyse, 1-based (\"1,2\", \"3-4\"); default: all, mixed");
    cli->add_flag("--stems", options->stems,
                  "analyse each of --audio-channels on its own (columns s1_..., s2_...)");
    cli->add_option("--latents", options->latents,
                    "write the latent controller's ws per video frame: [frames, num_ws, w_dim] "
                    "float32 .npy (truncation and GANSpace applied)")
        ->group("Latents");
    cli->add_option("-m,--model", options->walk.model,
                    "model of the latents (default: the shipped one)")
        ->group("Latents");
    cli->add_option("--fps", options->walk.fps, "video frames per second of the latents (30)")
        ->check(CLI::Range(1.0, 1000.0))
        ->group("Latents");
    cli->add_option("--seed", options->walk.seed, "seed of the latent walk (as live)")
        ->group("Latents");
    cli->add_option("--params", options->walk.params, "parameter file (as saved by live --params)")
        ->group("Latents");
    cli->add_option("--keyframes", options->walk.keyframes, "seeds and preset slots: \"3,7,p2\"")
        ->group("Latents");
    cli->add_option("--keyframe-timing", options->walk.keyframeTiming, "free, beat or bar")
        ->check(CLI::IsMember({"free", "beat", "bar"}))
        ->group("Latents");
    cli->add_option("--transition", options->walk.transition, "linear or exp")
        ->check(CLI::IsMember({"linear", "exp"}))
        ->group("Latents");
    cli->add_option("--presets", options->walk.presets, "preset folder root (for p<N> keyframes)")
        ->group("Latents");
    cli->add_option("--stem", options->walkStems,
                    "NAME=FILE or NAME=FILE@CHANNELS (several): stem features for the walk's "
                    "parameters (\"NAME.level\"...)")
        ->group("Latents");
    command.run = [options] { return runAnalyze(*options); };
    return command;
}

}  // namespace autolume::app
