// Test helper: decodes a whole video file (or what a kill left of it) with libavformat and
// libavcodec, to check what io::VideoWriter and `autolume render` wrote: codecs, every video
// frame as RGB with its time, every audio sample as float.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace autolume::test {

struct DecodedVideo {
    std::string videoCodec, audioCodec, pixelFormat;
    int width = 0, height = 0;
    double fps = 0.0;
    std::vector<std::vector<std::uint8_t>> frames;  // RGB, top row first
    std::vector<double> frameTimes;                 // seconds
    int sampleRate = 0, channels = 0;
    std::vector<float> audio;  // interleaved
    double audioStartSec = 0.0;
};

inline DecodedVideo decodeVideo(const std::string& path, bool keepFrames = true) {
    DecodedVideo out;
    AVFormatContext* format = nullptr;
    if (avformat_open_input(&format, path.c_str(), nullptr, nullptr) < 0)
        throw std::runtime_error(path + ": cannot open");
    avformat_find_stream_info(format, nullptr);
    AVCodecContext* contexts[2] = {nullptr, nullptr};
    int indices[2] = {av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0),
                      av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0)};
    for (int k = 0; k < 2; ++k) {
        if (indices[k] < 0) continue;
        const AVCodecParameters* par = format->streams[indices[k]]->codecpar;
        const AVCodec* codec = avcodec_find_decoder(par->codec_id);
        contexts[k] = avcodec_alloc_context3(codec);
        avcodec_parameters_to_context(contexts[k], par);
        contexts[k]->thread_count = 1;
        avcodec_open2(contexts[k], codec, nullptr);
        (k == 0 ? out.videoCodec : out.audioCodec) = avcodec_get_name(par->codec_id);
    }
    if (contexts[0]) {
        out.width = contexts[0]->width;
        out.height = contexts[0]->height;
        out.pixelFormat = av_get_pix_fmt_name(contexts[0]->pix_fmt);
        out.fps = av_q2d(format->streams[indices[0]]->avg_frame_rate);
    }
    if (contexts[1]) {
        out.sampleRate = contexts[1]->sample_rate;
        out.channels = contexts[1]->ch_layout.nb_channels;
    }
    SwsContext* sws = nullptr;
    SwrContext* swr = nullptr;
    AVPacket* packet = av_packet_alloc();
    AVFrame* frame = av_frame_alloc();
    bool firstAudio = true;
    auto receive = [&](int k) {
        while (avcodec_receive_frame(contexts[k], frame) >= 0) {
            const AVRational tb = format->streams[indices[k]]->time_base;
            const double t = frame->best_effort_timestamp == AV_NOPTS_VALUE
                                 ? 0.0
                                 : frame->best_effort_timestamp * av_q2d(tb);
            if (k == 0) {
                out.frameTimes.push_back(t);
                if (keepFrames) {
                    sws = sws_getCachedContext(sws, frame->width, frame->height,
                                               static_cast<AVPixelFormat>(frame->format),
                                               frame->width, frame->height, AV_PIX_FMT_RGB24,
                                               SWS_BICUBIC, nullptr, nullptr, nullptr);
                    const int* bt709 = sws_getCoefficients(SWS_CS_ITU709);
                    sws_setColorspaceDetails(sws, bt709, 0, bt709, 1, 0, 1 << 16, 1 << 16);
                    std::vector<std::uint8_t> rgb(static_cast<std::size_t>(frame->width) *
                                                  frame->height * 3);
                    std::uint8_t* dst[1] = {rgb.data()};
                    const int stride[1] = {frame->width * 3};
                    sws_scale(sws, frame->data, frame->linesize, 0, frame->height, dst, stride);
                    out.frames.push_back(std::move(rgb));
                }
            } else {
                if (firstAudio) out.audioStartSec = t;
                firstAudio = false;
                if (!swr) {
                    swr_alloc_set_opts2(&swr, &frame->ch_layout, AV_SAMPLE_FMT_FLT,
                                        frame->sample_rate, &frame->ch_layout,
                                        static_cast<AVSampleFormat>(frame->format),
                                        frame->sample_rate, 0, nullptr);
                    swr_init(swr);
                }
                const std::size_t at = out.audio.size();
                out.audio.resize(at + static_cast<std::size_t>(frame->nb_samples) * out.channels);
                std::uint8_t* dst[1] = {reinterpret_cast<std::uint8_t*>(out.audio.data() + at)};
                const int got = swr_convert(swr, dst, frame->nb_samples,
                                            const_cast<const std::uint8_t**>(frame->extended_data),
                                            frame->nb_samples);
                out.audio.resize(at + static_cast<std::size_t>(std::max(got, 0)) * out.channels);
            }
        }
    };
    while (av_read_frame(format, packet) >= 0) {
        for (int k = 0; k < 2; ++k)
            if (contexts[k] && packet->stream_index == indices[k]) {
                avcodec_send_packet(contexts[k], packet);
                receive(k);
            }
        av_packet_unref(packet);
    }
    for (int k = 0; k < 2; ++k)
        if (contexts[k]) {
            avcodec_send_packet(contexts[k], nullptr);
            receive(k);
            avcodec_free_context(&contexts[k]);
        }
    av_frame_free(&frame);
    av_packet_free(&packet);
    sws_freeContext(sws);
    swr_free(&swr);
    avformat_close_input(&format);
    return out;
}

// Peak signal-to-noise ratio of two RGB images of the same size, in dB (99 when identical).
inline double psnr(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
    if (a.size() != b.size() || a.empty()) throw std::invalid_argument("psnr: sizes differ");
    double sum = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double d = static_cast<double>(a[i]) - b[i];
        sum += d * d;
    }
    const double mse = sum / static_cast<double>(a.size());
    return mse == 0.0 ? 99.0 : 10.0 * std::log10(255.0 * 255.0 / mse);
}

}  // namespace autolume::test
