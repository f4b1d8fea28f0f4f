#include "autolume/io/video_writer.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace autolume::io {
namespace {

std::string avError(int code) {
    char text[AV_ERROR_MAX_STRING_SIZE] = {};
    av_make_error_string(text, sizeof text, code);
    return text;
}

const AVCodec* findEncoder(const std::string& name) {
    if (const AVCodec* codec = avcodec_find_encoder_by_name(name.c_str())) return codec;
    if (const AVCodecDescriptor* d = avcodec_descriptor_get_by_name(name.c_str()))
        return avcodec_find_encoder(d->id);
    return nullptr;
}

struct CodecContextDeleter {
    void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameDeleter {
    void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketDeleter {
    void operator()(AVPacket* p) const { av_packet_free(&p); }
};
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;

// x264's CPU flags without AVX-512, on a CPU that has it; empty: leave x264's own detection.
// With its AVX-512 code (Debian's x264 0.164) the same frames encode to different bitstreams
// depending on what the process allocated and freed before (mb-tree rate control): renders
// were not reproducible. AVX2 and below are: measured by VideoWriter.SameInputGivesTheSameBytes.
std::string x264CpuFlagsWithoutAvx512() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f")) return {};
    std::string flags;
    auto add = [&](bool has, const char* name) {
        if (!has) return;
        if (!flags.empty()) flags += ',';
        flags += name;
    };
    add(__builtin_cpu_supports("sse"), "MMX2");
    add(__builtin_cpu_supports("sse"), "SSE");
    add(__builtin_cpu_supports("sse2"), "SSE2");
    add(__builtin_cpu_supports("sse2"), "SSE2Fast");
    add(__builtin_cpu_supports("sse3"), "SSE3");
    add(__builtin_cpu_supports("ssse3"), "SSSE3");
    add(__builtin_cpu_supports("sse4.1"), "SSE4.1");
    add(__builtin_cpu_supports("sse4.2"), "SSE4.2");
    add(__builtin_cpu_supports("avx"), "AVX");
    add(__builtin_cpu_supports("fma"), "FMA3");
    add(__builtin_cpu_supports("bmi"), "BMI1");
    add(__builtin_cpu_supports("bmi2"), "BMI2");
    add(__builtin_cpu_supports("avx2"), "AVX2");
    return flags;
#else
    return {};
#endif
}

}  // namespace

struct VideoWriter::Impl {
    std::string target;
    AVFormatContext* format = nullptr;
    bool opened = false;  // avio opened (closed in the destructor)
    bool finished = false;

    CodecContextPtr video;
    AVStream* videoStream = nullptr;
    SwsContext* swsRgb = nullptr;  // made on first use, per input layout
    SwsContext* swsRgba = nullptr;
    std::vector<std::uint8_t> input;  // the picture with padding, top row first
    FramePtr videoFrame;
    std::int64_t nextVideo = 0;  // the smallest index the next frame may have
    std::int64_t videoCount = 0;

    CodecContextPtr audio;
    AVStream* audioStream = nullptr;
    SwrContext* swr = nullptr;
    AVAudioFifo* fifo = nullptr;
    FramePtr audioFrame;
    int inChannels = 0;
    std::int64_t audioPts = 0;  // in the encoder's samples
    std::int64_t audioIn = 0;   // input samples per channel
    std::vector<std::uint8_t*> convertPlanes;
    std::vector<std::uint8_t> convertBuffer;

    PacketPtr packet{av_packet_alloc()};

    [[noreturn]] void fail(const std::string& what, int code = 0) const {
        throw std::runtime_error(target + ": " + what + (code ? " (" + avError(code) + ")" : ""));
    }

    ~Impl() {
        sws_freeContext(swsRgb);
        sws_freeContext(swsRgba);
        swr_free(&swr);
        if (fifo) av_audio_fifo_free(fifo);
        if (format) {
            if (opened) avio_closep(&format->pb);
            avformat_free_context(format);
        }
    }

    void openVideo(const VideoSettings& s) {
        if (s.width <= 0 || s.height <= 0 || s.width % 2 || s.height % 2)
            fail("video size " + std::to_string(s.width) + "x" + std::to_string(s.height) +
                 " must be positive and even (4:2:0 chroma)");
        if (!(s.fps > 0.0 && s.fps <= 1000.0)) fail("frame rate " + std::to_string(s.fps));
        const AVCodec* codec = findEncoder(s.codec);
        if (!codec || codec->type != AVMEDIA_TYPE_VIDEO)
            fail("unknown video codec '" + s.codec + "' (ffmpeg -encoders lists them)");
        video.reset(avcodec_alloc_context3(codec));
        AVCodecContext* c = video.get();
        c->width = s.width;
        c->height = s.height;
        const AVRational rate = av_d2q(s.fps, 1 << 20);
        c->framerate = rate;
        c->time_base = av_inv_q(rate);
        c->pix_fmt = AV_PIX_FMT_YUV420P;
        if (codec->pix_fmts) {
            bool has420 = false;
            for (const AVPixelFormat* p = codec->pix_fmts; *p != AV_PIX_FMT_NONE; ++p)
                has420 = has420 || *p == AV_PIX_FMT_YUV420P;
            if (!has420) c->pix_fmt = codec->pix_fmts[0];
        }
        c->colorspace = AVCOL_SPC_BT709;
        c->color_primaries = AVCOL_PRI_BT709;
        c->color_trc = AVCOL_TRC_BT709;
        c->color_range = AVCOL_RANGE_MPEG;
        c->gop_size = std::max(1, static_cast<int>(std::lround(s.fps * (s.lowLatency ? 1 : 2))));
        if (s.lowLatency) c->max_b_frames = 0;
        c->thread_count = s.threads;
        if (format->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
        AVDictionary* options = nullptr;
        if (s.bitrate > 0) {
            c->bit_rate = s.bitrate;
            c->rc_max_rate = s.bitrate;
            c->rc_buffer_size = static_cast<int>(std::min<std::int64_t>(s.bitrate, INT32_MAX));
        } else if (av_opt_find(c->priv_data, "crf", nullptr, 0, 0)) {
            av_dict_set_int(&options, "crf", s.crf, 0);
        } else {
            c->flags |= AV_CODEC_FLAG_QSCALE;  // mpeg4 and others: fixed quantiser
            c->global_quality = FF_QP2LAMBDA * 3;
        }
        if (!s.preset.empty()) av_dict_set(&options, "preset", s.preset.c_str(), 0);
        if (std::string(codec->name) == "libx264") {
            static const std::string cpu = x264CpuFlagsWithoutAvx512();
            if (!cpu.empty()) av_dict_set(&options, "x264-params", ("asm=" + cpu).c_str(), 0);
        }
        if (s.lowLatency && av_opt_find(c->priv_data, "tune", nullptr, 0, 0))
            av_dict_set(&options, "tune", "zerolatency", 0);
        const int r = avcodec_open2(c, codec, &options);
        const AVDictionaryEntry* unused = av_dict_get(options, "", nullptr, AV_DICT_IGNORE_SUFFIX);
        const std::string unusedName = unused ? unused->key : "";
        av_dict_free(&options);
        if (r < 0) fail(std::string("cannot open the ") + codec->name + " encoder", r);
        if (!unusedName.empty() && unusedName != "crf")
            fail(std::string("the ") + codec->name + " encoder has no option '" + unusedName + "'");
        videoStream = avformat_new_stream(format, nullptr);
        if (!videoStream) fail("no memory for a video stream");
        videoStream->time_base = c->time_base;
        videoStream->avg_frame_rate = rate;
        if (const int e = avcodec_parameters_from_context(videoStream->codecpar, c); e < 0)
            fail("video parameters", e);
        videoFrame.reset(av_frame_alloc());
        videoFrame->format = c->pix_fmt;
        videoFrame->width = c->width;
        videoFrame->height = c->height;
        if (const int e = av_frame_get_buffer(videoFrame.get(), 0); e < 0) fail("video frame", e);
    }

    void openAudio(const AudioSettings& s) {
        if (s.channels < 1) fail("audio with " + std::to_string(s.channels) + " channels");
        const AVCodec* codec = findEncoder(s.codec);
        if (!codec || codec->type != AVMEDIA_TYPE_AUDIO)
            fail("unknown audio codec '" + s.codec + "' (ffmpeg -encoders lists them)");
        audio.reset(avcodec_alloc_context3(codec));
        AVCodecContext* c = audio.get();
        c->sample_fmt = codec->sample_fmts ? codec->sample_fmts[0] : AV_SAMPLE_FMT_FLTP;
        // The source's rate when the codec takes it, else the nearest it has.
        c->sample_rate = s.sampleRate;
        if (codec->supported_samplerates) {
            int best = codec->supported_samplerates[0];
            for (const int* r = codec->supported_samplerates; *r; ++r)
                if (std::abs(*r - s.sampleRate) < std::abs(best - s.sampleRate)) best = *r;
            c->sample_rate = best;
        }
        av_channel_layout_default(&c->ch_layout, std::min(s.channels, 2));
        c->bit_rate = s.bitrate;
        c->time_base = AVRational{1, c->sample_rate};
        if (format->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
        if (const int e = avcodec_open2(c, codec, nullptr); e < 0)
            fail(std::string("cannot open the ") + codec->name + " encoder", e);
        audioStream = avformat_new_stream(format, nullptr);
        if (!audioStream) fail("no memory for an audio stream");
        audioStream->time_base = c->time_base;
        if (const int e = avcodec_parameters_from_context(audioStream->codecpar, c); e < 0)
            fail("audio parameters", e);

        inChannels = s.channels;
        AVChannelLayout inLayout;
        av_channel_layout_default(&inLayout, s.channels);
        if (const int e =
                swr_alloc_set_opts2(&swr, &c->ch_layout, c->sample_fmt, c->sample_rate, &inLayout,
                                    AV_SAMPLE_FMT_FLT, s.sampleRate, 0, nullptr);
            e < 0 || swr_init(swr) < 0)
            fail("cannot convert audio of " + std::to_string(s.channels) + " channels at " +
                 std::to_string(s.sampleRate) + " Hz");
        av_channel_layout_uninit(&inLayout);
        fifo = av_audio_fifo_alloc(c->sample_fmt, c->ch_layout.nb_channels,
                                   std::max(c->frame_size, 1024) * 4);
        audioFrame.reset(av_frame_alloc());
        audioFrame->format = c->sample_fmt;
        audioFrame->sample_rate = c->sample_rate;
        av_channel_layout_copy(&audioFrame->ch_layout, &c->ch_layout);
        audioFrame->nb_samples = c->frame_size > 0 ? c->frame_size : 1024;
        if (const int e = av_frame_get_buffer(audioFrame.get(), 0); e < 0) fail("audio frame", e);
    }

    // Sends one frame (nullptr: flush) and writes every packet the encoder gives back.
    void encode(AVCodecContext* c, AVStream* stream, AVFrame* frame) {
        if (const int e = avcodec_send_frame(c, frame); e < 0 && e != AVERROR_EOF)
            fail("encoding failed", e);
        for (;;) {
            const int e = avcodec_receive_packet(c, packet.get());
            if (e == AVERROR(EAGAIN) || e == AVERROR_EOF) return;
            if (e < 0) fail("encoding failed", e);
            av_packet_rescale_ts(packet.get(), c->time_base, stream->time_base);
            packet->stream_index = stream->index;
            if (const int w = av_interleaved_write_frame(format, packet.get()); w < 0)
                fail("write failed", w);
        }
    }

    // Whole encoder frames out of the FIFO; with `all` the last partial one padded with silence.
    void drainAudio(bool all) {
        AVCodecContext* c = audio.get();
        const int frameSize = audioFrame->nb_samples;
        while (av_audio_fifo_size(fifo) >= frameSize || (all && av_audio_fifo_size(fifo) > 0)) {
            if (const int e = av_frame_make_writable(audioFrame.get()); e < 0)
                fail("audio frame", e);
            const int got =
                av_audio_fifo_read(fifo, reinterpret_cast<void**>(audioFrame->data), frameSize);
            if (got < frameSize)
                av_samples_set_silence(audioFrame->data, got, frameSize - got,
                                       c->ch_layout.nb_channels, c->sample_fmt);
            audioFrame->pts = audioPts;
            audioPts += frameSize;
            encode(c, audioStream, audioFrame.get());
        }
    }

    void convertAudio(const float* interleaved, std::size_t frames) {
        AVCodecContext* c = audio.get();
        const int maxOut = swr_get_out_samples(swr, static_cast<int>(frames));
        if (maxOut <= 0) return;
        const int planes = av_sample_fmt_is_planar(c->sample_fmt) ? c->ch_layout.nb_channels : 1;
        convertPlanes.assign(planes, nullptr);
        const int size =
            av_samples_get_buffer_size(nullptr, c->ch_layout.nb_channels, maxOut, c->sample_fmt, 1);
        convertBuffer.resize(static_cast<std::size_t>(std::max(size, 0)));
        av_samples_fill_arrays(convertPlanes.data(), nullptr, convertBuffer.data(),
                               c->ch_layout.nb_channels, maxOut, c->sample_fmt, 1);
        const auto* in = reinterpret_cast<const std::uint8_t*>(interleaved);
        const int got = swr_convert(swr, convertPlanes.data(), maxOut, interleaved ? &in : nullptr,
                                    static_cast<int>(frames));
        if (got < 0) fail("audio conversion failed", got);
        if (got > 0 &&
            av_audio_fifo_write(fifo, reinterpret_cast<void**>(convertPlanes.data()), got) < got)
            fail("no memory for audio");
    }
};

VideoWriter::VideoWriter(const std::string& target, const VideoSettings& video,
                         const AudioSettings& audio, const std::string& format,
                         const std::string& formatHint,
                         const std::vector<std::pair<std::string, std::string>>& muxerOptions)
    : m_impl(std::make_unique<Impl>()) {
    // FFmpeg's own log lines would repeat what the one-line errors say (and x264 prints its
    // settings); AUTOLUME_FFMPEG_LOG=1 shows them for debugging.
    static const bool quiet = [] {
        av_log_set_level(std::getenv("AUTOLUME_FFMPEG_LOG") ? AV_LOG_INFO : AV_LOG_QUIET);
        return true;
    }();
    static_cast<void>(quiet);
    Impl& m = *m_impl;
    m.target = target;
    const std::string hint = formatHint.empty() ? target : formatHint;
    const int r = avformat_alloc_output_context2(
        &m.format, nullptr, format.empty() ? nullptr : format.c_str(), hint.c_str());
    if (r < 0 || !m.format)
        m.fail(format.empty() ? "no container format for this name (give one: mp4, mkv, ts...)"
                              : "unknown container format '" + format + "'");
    // The format was guessed from the hint; the muxer itself (mp4's +faststart reopens the file)
    // must see the real target.
    av_freep(&m.format->url);
    m.format->url = av_strdup(target.c_str());
    m.openVideo(video);
    if (audio.sampleRate > 0) m.openAudio(audio);
    if (!(m.format->oformat->flags & AVFMT_NOFILE)) {
        if (const int e =
                avio_open2(&m.format->pb, target.c_str(), AVIO_FLAG_WRITE, nullptr, nullptr);
            e < 0)
            m.fail("cannot open for writing", e);
        m.opened = true;
    }
    AVDictionary* options = nullptr;
    for (const auto& [key, value] : muxerOptions)
        av_dict_set(&options, key.c_str(), value.c_str(), 0);
    const int e = avformat_write_header(m.format, &options);
    av_dict_free(&options);
    if (e < 0) m.fail("cannot write the header", e);
}

VideoWriter::~VideoWriter() = default;

void VideoWriter::writeVideo(const std::uint8_t* pixels, PixelLayout layout,
                             std::int64_t frameIndex) {
    Impl& m = *m_impl;
    if (m.finished) m.fail("write after finish");
    if (frameIndex < m.nextVideo)
        m.fail("video frame " + std::to_string(frameIndex) + " after frame " +
               std::to_string(m.nextVideo - 1));
    AVCodecContext* c = m.video.get();
    // A fresh picture for every frame: with frame threads x264 may still read the last one,
    // and writing into it made renders differ from run to run.
    av_frame_unref(m.videoFrame.get());
    m.videoFrame->format = c->pix_fmt;
    m.videoFrame->width = c->width;
    m.videoFrame->height = c->height;
    if (const int e = av_frame_get_buffer(m.videoFrame.get(), 0); e < 0) m.fail("video frame", e);
    // swscale's SIMD reads up to 16 bytes past the end of a row, and what it reads there can
    // change the result (renders were not reproducible): the picture is copied into a buffer
    // with padding first. Bottom-up rows are put the right way up on the way.
    const bool rgba = layout == PixelLayout::RgbaBottomUp;
    const int stride = c->width * (rgba ? 4 : 3);
    const std::size_t bytes = static_cast<std::size_t>(stride) * c->height;
    m.input.resize(bytes + 128);
    // 64-byte aligned, always: swscale's SIMD takes other paths (other rounding) for other
    // alignments, and the heap gives what it has.
    std::uint8_t* const in =
        m.input.data() + (64 - reinterpret_cast<std::uintptr_t>(m.input.data()) % 64) % 64;
    if (rgba) {
        for (int y = 0; y < c->height; ++y)
            std::memcpy(in + static_cast<std::size_t>(y) * stride,
                        pixels + static_cast<std::size_t>(c->height - 1 - y) * stride, stride);
    } else {
        std::memcpy(in, pixels, bytes);
    }
    const std::uint8_t* src = in;
    const int srcStride = stride;
    SwsContext*& sws = rgba ? m.swsRgba : m.swsRgb;
    SwsContext* const before = sws;
    sws = sws_getCachedContext(sws, c->width, c->height, rgba ? AV_PIX_FMT_RGBA : AV_PIX_FMT_RGB24,
                               c->width, c->height, c->pix_fmt, SWS_BICUBIC, nullptr, nullptr,
                               nullptr);
    if (!sws) m.fail("no colour conversion to the encoder's pixel format");
    if (sws != before) {
        // Full-range RGB to BT.709 limited-range YUV, as players expect of H.264.
        const int* bt709 = sws_getCoefficients(SWS_CS_ITU709);
        sws_setColorspaceDetails(sws, bt709, 1, bt709, 0, 0, 1 << 16, 1 << 16);
    }
    sws_scale(sws, &src, &srcStride, 0, c->height, m.videoFrame->data, m.videoFrame->linesize);
    m.videoFrame->pts = frameIndex;
    m.encode(c, m.videoStream, m.videoFrame.get());
    m.nextVideo = frameIndex + 1;
    ++m.videoCount;
}

void VideoWriter::writeAudio(const float* interleaved, std::size_t frames) {
    Impl& m = *m_impl;
    if (!m.audio || frames == 0) return;
    if (m.finished) m.fail("write after finish");
    m.convertAudio(interleaved, frames);
    m.audioIn += static_cast<std::int64_t>(frames);
    m.drainAudio(false);
}

void VideoWriter::finish() {
    Impl& m = *m_impl;
    if (m.finished) return;
    m.encode(m.video.get(), m.videoStream, nullptr);
    if (m.audio) {
        m.convertAudio(nullptr, 0);
        m.drainAudio(true);
        m.encode(m.audio.get(), m.audioStream, nullptr);
    }
    if (const int e = av_write_trailer(m.format); e < 0) m.fail("cannot write the trailer", e);
    if (m.opened) {
        if (const int e = avio_closep(&m.format->pb); e < 0) m.fail("close failed", e);
        m.opened = false;
    }
    m.finished = true;
}

std::int64_t VideoWriter::videoFrames() const noexcept {
    return m_impl->videoCount;
}
std::int64_t VideoWriter::audioFrames() const noexcept {
    return m_impl->audioIn;
}
std::string VideoWriter::videoEncoder() const {
    return m_impl->video->codec->name;
}

}  // namespace autolume::io
