"""StyleGAN2(-ADA) generator written for autolume.

Two views of the same weights:

* `Generator` mirrors the official G_ema module tree, so its state_dict() keys are the official
  ones (mapping.fc{i}, mapping.w_avg, mapping.embed, synthesis.b{R}.const/conv0/conv1/torgb,
  resample_filter, noise_const, noise_strength, affine). A converted pickle is loaded with
  `load_state_dict`. Its containers run in eager Python only.
* `ContractGenerator` wraps a `Generator` (sharing its parameters) and is what gets scripted
  and saved: the model contract of docs/ARCHITECTURE.md. TorchScript cannot iterate over
  submodules named b4, b8, ... so it holds them in ModuleLists; the per-layer code is shared.

The math follows the official architecture (lr-multiplied FC layers with 1/sqrt(fan_in) weight
gain, 2nd-moment normalized z, modulated 3x3 convolutions with demodulation, transposed-conv
up-sampling followed by a [1,3,3,1] FIR filter, constant noise before the bias, lrelu with gain
sqrt(2) and conv_clamp, "skip" ToRGB architecture). Numerics match the official fp32 path to
float rounding: gains are applied to the small input vectors rather than to the weight
matrices, which changes only the rounding order.
"""

import math
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# lrelu(0.2) followed by a gain of sqrt(2) everywhere upstream uses 'lrelu'. Written as literals
# below because TorchScript cannot close over module-level floats.


def normalize_2nd_moment(x: Tensor, eps: float = 1e-8) -> Tensor:
    return x * (x.square().mean(dim=1, keepdim=True) + eps).rsqrt()


def setup_filter(taps: List[float]) -> Tensor:
    """Separable FIR taps -> normalized 2-D filter (outer product, sum 1)."""
    f = torch.tensor(taps, dtype=torch.float32)
    f = torch.outer(f, f)
    return f / f.sum()


def use_mkldnn(x: Tensor, fast: bool) -> bool:
    # The CPU fast path calls oneDNN directly: ATen's own heuristics send batch-1 convolutions
    # with small inputs, 1x1 kernels and all transposed convolutions to its im2col + BLAS code,
    # which is 5-20x slower with a reference BLAS (Debian's default libblas3).
    return fast and not x.is_cuda and x.dtype == torch.float32


def use_polyphase(x: Tensor, fast: bool) -> bool:
    # Any CPU dtype: this also avoids torch 1.13's broken bf16 CPU transposed convolution.
    return fast and not x.is_cuda


def conv2d(x: Tensor, w: Tensor, padding: int, groups: int, fast: bool,
           bias: Optional[Tensor] = None) -> Tensor:
    if use_mkldnn(x, fast):
        return torch.mkldnn_convolution(x, w, bias, [padding, padding], [1, 1], [1, 1], groups)
    return F.conv2d(x, w, bias, padding=padding, groups=groups)


def fir_filter_2d(x: Tensor, f: Tensor, gain: float) -> Tensor:
    """upfirdn2d(x, f, padding=1, gain) for a 4x4 filter: depthwise correlation with the
    flipped filter (the official op convolves), zero padding of 1 on every side."""
    channels = x.shape[1]
    k = (f * gain).flip([0, 1]).to(x.dtype)
    k = k.reshape(1, 1, f.shape[0], f.shape[1]).expand(channels, 1, f.shape[0], f.shape[1])
    return F.conv2d(x, k, padding=1, groups=channels)


def upsample_2d(x: Tensor, f: Tensor) -> Tensor:
    """Official upsample2d(x, f, up=2): zero insertion, pad (2, 1), FIR with gain 4.

    A stride-2 transposed convolution with the (unflipped) filter and padding 1 computes
    exactly the same sums without materializing the zeros."""
    channels = x.shape[1]
    k = (f * 4.0).to(x.dtype)
    k = k.reshape(1, 1, f.shape[0], f.shape[1]).expand(channels, 1, f.shape[0], f.shape[1])
    return F.conv_transpose2d(x, k, stride=2, padding=1, groups=channels)


# Polyphase forms of the two up-sampling operations, used by the CPU fast path. Output pixel
# (2m + py, 2n + px) of an up-by-2 FIR stage only ever sees input pixels m-1..m+1, n-1..n+1, so
# each of the four phases is a 3x3 correlation at the input resolution; the four phase outputs
# are interleaved as by pixel_shuffle. With ff = flip(f) * 4 (the filter as upfirdn2d applies it)
# and ff zero outside 0..3:
#   image up-sampling (pad 2, 1):   Q[py, px, a, b] = ff[2a - py, 2b - px]
#   conv0 (transposed 3x3 conv, then FIR with pad 1), per (out, in) channel pair:
#                                   P[py, px, a, b] = sum_k w[ky, kx] ff[2a-1-py+ky, 2b-1-px+kx]
# Same sums as the transposed-convolution form, so the results agree to float rounding.


def _padded_flipped_filter(f: Tensor) -> Tensor:
    """flip(f) * 4 with two zero rows/columns around it, so that index t + 2 reads ff[t]."""
    return F.pad((f * 4.0).flip([0, 1]), [2, 2, 2, 2])


def polyphase_upsample_kernel(f: Tensor, channels: int) -> Tensor:
    """[channels * 4, 1, 3, 3] depthwise kernel for upsample_2d's polyphase form."""
    ffp = _padded_flipped_filter(f)
    phase = torch.arange(2).reshape(2, 1)
    tap = torch.arange(3).reshape(1, 3)
    idx = 2 * tap - phase + 2  # [phase, a]
    q = ffp[idx.reshape(2, 1, 3, 1), idx.reshape(1, 2, 1, 3)]  # [py, px, a, b]
    return q.reshape(1, 4, 3, 3).expand(channels, 4, 3, 3).reshape(channels * 4, 1, 3, 3)


def polyphase_conv_up_kernel(weight: Tensor, f: Tensor) -> Tensor:
    """[O, I, 3, 3] transposed-conv weight + 4x4 FIR -> [O * 4, I, 3, 3] phase kernels, with
    channel o * 4 + py * 2 + px as pixel_shuffle expects."""
    out_ch = weight.shape[0]
    in_ch = weight.shape[1]
    ffp = _padded_flipped_filter(f)
    phase = torch.arange(2).reshape(2, 1, 1)
    tap = torch.arange(3).reshape(1, 3, 1)
    k = torch.arange(3).reshape(1, 1, 3)
    idx = 2 * tap - 1 - phase + k + 2  # [phase, a, k]
    m = ffp[idx.reshape(2, 1, 3, 1, 3, 1), idx.reshape(1, 2, 1, 3, 1, 3)]  # [py,px,a,b,ky,kx]
    p = torch.matmul(weight.reshape(out_ch * in_ch, 9), m.reshape(36, 9).t())
    p = p.reshape(out_ch, in_ch, 4, 3, 3).permute(0, 2, 1, 3, 4)
    return p.reshape(out_ch * 4, in_ch, 3, 3).contiguous()


def interleave_phases(x: Tensor) -> Tensor:
    """[B, C * 4, H, W] with channel c * 4 + py * 2 + px -> [B, C, 2H, 2W]: pixel_shuffle(x, 2),
    written as four strided copies, which is ~4x faster than ATen's 6-D permute on the CPU."""
    batch = x.shape[0]
    channels = x.shape[1] // 4
    h = x.shape[2]
    w = x.shape[3]
    out = torch.empty([batch, channels, 2 * h, 2 * w], dtype=x.dtype, device=x.device)
    phases = x.reshape(batch, channels, 4, h, w)
    out[:, :, 0::2, 0::2] = phases[:, :, 0]
    out[:, :, 0::2, 1::2] = phases[:, :, 1]
    out[:, :, 1::2, 0::2] = phases[:, :, 2]
    out[:, :, 1::2, 1::2] = phases[:, :, 3]
    return out


def bend_matrix(translate_x: float = 0.0, translate_y: float = 0.0, rotate: float = 0.0,
                zoom: float = 1.0) -> List[List[float]]:
    """The [2, 3] affine_grid matrix of one network bend (the C++ LayerBend computes the same).

    Forward transform of the activations, in normalized coordinates (x right, y down, the
    image spans [-1, 1]): zoom about the centre by `zoom` (> 1 magnifies), rotate by `rotate`
    radians (clockwise on screen, as y points down), then move by (translate_x, translate_y)
    fractions of the width and height (positive: right and down). affine_grid wants the
    inverse (output -> input): p_in = R(rotate)^T (p_out - 2 t) / zoom."""
    c = math.cos(rotate) / zoom
    s = math.sin(rotate) / zoom
    tx = 2.0 * translate_x
    ty = 2.0 * translate_y
    return [[c, s, -(c * tx + s * ty)], [-s, c, -(-s * tx + c * ty)]]


def identity_bends(num_layers: int) -> Tensor:
    """[num_layers, 2, 3] identity matrices (for synthesis_until with nothing bent)."""
    return torch.eye(2, 3).unsqueeze(0).repeat(num_layers, 1, 1)


def bend_activations(x: Tensor, theta: Tensor) -> Tensor:
    """Network bending: resamples activations x [B, C, H, W] through the affine map theta [2, 3]
    (bilinear, mirrored at the borders, align_corners=False so that a move by k / W of the
    width is a move by exactly k pixels). The sampling grid is built in fp32 whatever x's
    dtype: fp16 coordinates would be off by up to half a pixel at 1024 px."""
    batch = x.shape[0]
    t = theta.to(torch.float32).unsqueeze(0).expand(batch, 2, 3)
    grid = F.affine_grid(t, [batch, x.shape[1], x.shape[2], x.shape[3]], align_corners=False)
    y = F.grid_sample(x.to(torch.float32), grid, mode='bilinear', padding_mode='reflection',
                      align_corners=False)
    return y.to(x.dtype)


def maybe_bend(x: Tensor, bends: Optional[Tensor], bend_active: Optional[List[bool]],
               layer: int, channels_last: bool) -> Tensor:
    """Bends the output of conv layer `layer` when its flag is set. An inactive layer costs one
    list lookup: no grid, no copy (identity bends are never sent through grid_sample)."""
    if bends is None:
        return x
    if bend_active is None:
        return x
    if not bend_active[layer]:
        return x
    x = bend_activations(x, bends[layer])
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    return x


def modulated_conv2d(x: Tensor, weight: Tensor, styles: Tensor, demodulate: bool, up: int,
                     padding: int, resample_filter: Optional[Tensor], fast: bool,
                     up_kernel: Optional[Tensor]) -> Tensor:
    """Style-modulated convolution as one grouped convolution (one group per sample).

    x: [B, I, H, W] (fp32, or fp16/bf16 in reduced-precision blocks); weight: [O, I, k, k] fp32;
    styles: [B, I] fp32; up is 1 or 2. up_kernel: polyphase_conv_up_kernel(weight, filter),
    used instead of the transposed convolution on the CPU fast path."""
    batch = x.shape[0]
    out_ch = weight.shape[0]
    in_ch = weight.shape[1]
    kh = weight.shape[2]
    kw = weight.shape[3]
    weight_scale: Optional[Tensor] = None
    if demodulate and (x.dtype == torch.float16 or x.dtype == torch.bfloat16):
        # Keeps the modulated weights and the demodulation sum inside the fp16 range; the
        # scale cancels out in the demodulation (same pre-normalization as the official code).
        weight_scale = (1.0 / math.sqrt(in_ch * kh * kw)
                        / weight.norm(float('inf'), dim=[1, 2, 3], keepdim=True))
        weight = weight * weight_scale
        styles = styles / styles.norm(float('inf'), dim=1, keepdim=True)
    w = weight.unsqueeze(0) * styles.reshape(batch, 1, in_ch, 1, 1)
    dcoefs = torch.ones([batch, out_ch], dtype=w.dtype, device=w.device)
    if demodulate:
        dcoefs = (w.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()
    x = x.reshape(1, batch * in_ch, x.shape[2], x.shape[3])
    if up == 2 and up_kernel is not None and use_polyphase(x, fast):
        # Modulation and demodulation are per (out, in) scalars, so they commute with the fixed
        # phase decomposition of the raw weight (which also needs the fp16 pre-scale).
        coefs = dcoefs
        if weight_scale is not None:
            coefs = coefs * weight_scale.reshape(1, out_ch)
        k = up_kernel.reshape(1, out_ch, 4, in_ch, kh, kw)
        k = k * styles.reshape(batch, 1, 1, in_ch, 1, 1)
        k = k * coefs.reshape(batch, out_ch, 1, 1, 1, 1)
        k = k.reshape(batch * out_ch * 4, in_ch, kh, kw).to(x.dtype)
        x = conv2d(x, k, padding=1, groups=batch, fast=fast)
        return interleave_phases(x.reshape(batch, out_ch * 4, x.shape[2], x.shape[3]))
    if demodulate:
        w = w * dcoefs.reshape(batch, out_ch, 1, 1, 1)
    if up == 1:
        w = w.reshape(batch * out_ch, in_ch, kh, kw).to(x.dtype)
        x = conv2d(x, w, padding=padding, groups=batch, fast=fast)
        return x.reshape(batch, out_ch, x.shape[2], x.shape[3])
    assert resample_filter is not None
    # Transposed convolution wants [in, out / groups, k, k] per group.
    w = w.transpose(1, 2).reshape(batch * in_ch, out_ch, kh, kw).to(x.dtype)
    x = F.conv_transpose2d(x, w, stride=2, groups=batch)
    # (H - 1) * 2 + 3 = 2H + 1 rows; the 4x4 FIR with padding 1 brings it to 2H.
    x = fir_filter_2d(x, resample_filter, gain=4.0)
    return x.reshape(batch, out_ch, x.shape[2], x.shape[3])


class FullyConnectedLayer(nn.Module):
    def __init__(self, in_features: int, out_features: int, activation: str = 'linear',
                 lr_multiplier: float = 1.0, bias_init: float = 0.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn([out_features, in_features]) / lr_multiplier)
        self.bias = nn.Parameter(torch.full([out_features], float(bias_init)))
        self.use_lrelu = activation == 'lrelu'
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.bias_gain = lr_multiplier

    def forward(self, x: Tensor, fast: bool = False) -> Tensor:
        b = self.bias * self.bias_gain if self.bias_gain != 1.0 else self.bias
        x = x * self.weight_gain
        out_features = self.weight.shape[0]
        in_features = self.weight.shape[1]
        if use_mkldnn(x, fast) and x.shape[0] == 1:
            # A GEMV is memory-bound; multiply-and-reduce streams the weights 2-4x faster than
            # a reference-BLAS GEMV or a oneDNN 1x1 convolution (measured, batch 1).
            x = (self.weight * x).sum(1).unsqueeze(0).add_(b)
        elif use_mkldnn(x, fast):
            x = conv2d(x.reshape(-1, in_features, 1, 1),
                       self.weight.reshape(out_features, in_features, 1, 1), padding=0,
                       groups=1, fast=fast, bias=b)
            x = x.reshape(-1, out_features)
        else:
            x = torch.addmm(b.unsqueeze(0), x, self.weight.t())
        if self.use_lrelu:
            x = F.leaky_relu(x, 0.2) * 1.4142135623730951
        return x


class MappingNetwork(nn.Module):
    def __init__(self, z_dim: int, c_dim: int, w_dim: int, num_ws: int, num_layers: int = 8,
                 lr_multiplier: float = 0.01):
        super().__init__()
        if z_dim <= 0:
            raise ValueError('z_dim must be positive')
        self.z_dim = z_dim
        self.c_dim = c_dim
        self.w_dim = w_dim
        self.num_ws = num_ws
        self.num_layers = num_layers
        embed_features = w_dim if c_dim > 0 else 0
        features = [z_dim + embed_features] + [w_dim] * num_layers
        if c_dim > 0:
            self.embed = FullyConnectedLayer(c_dim, embed_features)
        for i in range(num_layers):
            setattr(self, f'fc{i}', FullyConnectedLayer(features[i], features[i + 1],
                                                        activation='lrelu',
                                                        lr_multiplier=lr_multiplier))
        self.register_buffer('w_avg', torch.zeros([w_dim]))

    def layers(self) -> List[FullyConnectedLayer]:
        return [getattr(self, f'fc{i}') for i in range(self.num_layers)]

    def forward(self, z: Tensor, c: Tensor) -> Tensor:
        """Eager only. z [B, z_dim], c [B, c_dim] -> ws [B, num_ws, w_dim], no truncation."""
        x = normalize_2nd_moment(z.to(torch.float32))
        if self.c_dim > 0:
            y = normalize_2nd_moment(self.embed(c.to(torch.float32)))
            x = torch.cat([x, y], dim=1)
        for fc in self.layers():
            x = fc(x)
        return x.unsqueeze(1).repeat([1, self.num_ws, 1])


class SynthesisLayer(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int,
                 up: int = 1, conv_clamp: Optional[float] = None, kernel_size: int = 3,
                 resample_filter: Tuple[float, ...] = (1, 3, 3, 1)):
        super().__init__()
        self.resolution = resolution
        self.up = up
        self.padding = kernel_size // 2
        self.use_clamp = conv_clamp is not None
        self.conv_clamp = float(conv_clamp) if conv_clamp is not None else 0.0
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(
            torch.randn([out_channels, in_channels, kernel_size, kernel_size]))
        self.bias = nn.Parameter(torch.zeros([out_channels]))
        self.register_buffer('resample_filter', setup_filter(list(resample_filter)))
        self.register_buffer('noise_const', torch.randn([resolution, resolution]))
        self.noise_strength = nn.Parameter(torch.zeros([]))
        # Derived from weight on first use by the CPU fast path (up-sampling layers only). Not
        # in the state dict; emptied before saving (reset_cache) so archives stay small.
        self.register_buffer('up_kernel_cache', torch.empty(0), persistent=False)

    @torch.jit.export
    def reset_cache(self) -> None:
        self.up_kernel_cache = torch.empty(0)

    def forward(self, x: Tensor, w: Tensor, noise_gain: Tensor, fast: bool = False) -> Tensor:
        """x [B, I, R/up, R/up], w [B, w_dim], noise_gain [] -> [B, O, R, R]."""
        styles = self.affine(w, fast)
        up_kernel: Optional[Tensor] = None
        if self.up == 2 and use_polyphase(x, fast):
            up_kernel = self.up_kernel_cache
            if up_kernel.numel() == 0:
                with torch.no_grad():
                    up_kernel = polyphase_conv_up_kernel(self.weight, self.resample_filter)
                self.up_kernel_cache = up_kernel
        x = modulated_conv2d(x, self.weight, styles, demodulate=True, up=self.up,
                             padding=self.padding, resample_filter=self.resample_filter,
                             fast=fast, up_kernel=up_kernel)
        # Constant noise, scaled per layer by the caller; added before the bias as upstream.
        x = x.add_(self.noise_const * (self.noise_strength * noise_gain))
        x = x.add_(self.bias.to(x.dtype).reshape(1, -1, 1, 1))
        x = F.leaky_relu(x, 0.2, inplace=True).mul_(1.4142135623730951)
        if self.use_clamp:
            x = x.clamp_(-self.conv_clamp, self.conv_clamp)
        return x


class ToRGBLayer(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, w_dim: int,
                 conv_clamp: Optional[float] = None, kernel_size: int = 1):
        super().__init__()
        self.use_clamp = conv_clamp is not None
        self.conv_clamp = float(conv_clamp) if conv_clamp is not None else 0.0
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(
            torch.randn([out_channels, in_channels, kernel_size, kernel_size]))
        self.bias = nn.Parameter(torch.zeros([out_channels]))
        self.weight_gain = 1.0 / math.sqrt(in_channels * kernel_size * kernel_size)

    def forward(self, x: Tensor, w: Tensor, fast: bool = False) -> Tensor:
        styles = self.affine(w, fast) * self.weight_gain
        x = modulated_conv2d(x, self.weight, styles, demodulate=False, up=1, padding=0,
                             resample_filter=None, fast=fast, up_kernel=None)
        x = x.add_(self.bias.to(x.dtype).reshape(1, -1, 1, 1))
        if self.use_clamp:
            x = x.clamp_(-self.conv_clamp, self.conv_clamp)
        return x


class SynthesisInputBlock(nn.Module):
    """b4: learned constant, one conv, ToRGB. Uses ws[:, 0:2] and noise_gain[0:1]."""

    def __init__(self, out_channels: int, w_dim: int, img_channels: int,
                 conv_clamp: Optional[float], resample_filter: Tuple[float, ...]):
        super().__init__()
        self.resolution = 4
        self.num_conv = 1
        self.num_torgb = 1
        self.const = nn.Parameter(torch.randn([out_channels, 4, 4]))
        self.conv1 = SynthesisLayer(out_channels, out_channels, w_dim, 4, conv_clamp=conv_clamp,
                                    resample_filter=resample_filter)
        self.torgb = ToRGBLayer(out_channels, img_channels, w_dim, conv_clamp=conv_clamp)
        self.register_buffer('resample_filter', setup_filter(list(resample_filter)))

    @torch.jit.export
    def reset_cache(self) -> None:
        self.conv1.reset_cache()

    def forward(self, ws: Tensor, noise_gain: Tensor, fast: bool = False,
                bends: Optional[Tensor] = None, bend_active: Optional[List[bool]] = None,
                first_layer: int = 0) -> Tuple[Tensor, Tensor]:
        """bends/bend_active: all layers' (see ContractGenerator.synthesis_until); this block's
        conv is layer first_layer."""
        x = self.const.unsqueeze(0).expand(ws.shape[0], -1, -1, -1)
        x = self.conv1(x, ws[:, 0], noise_gain[0], fast)
        x = maybe_bend(x, bends, bend_active, first_layer, False)
        img = self.torgb(x, ws[:, 1], fast).to(torch.float32)
        return x, img


class SynthesisBlock(nn.Module):
    """b8 and up: up-sampling conv0, conv1, ToRGB added to the up-sampled running image.
    Uses ws[:, 0:3] (ws[:, 2] is also the next block's conv0 w) and noise_gain[0:2]."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int,
                 img_channels: int, conv_clamp: Optional[float],
                 resample_filter: Tuple[float, ...]):
        super().__init__()
        self.resolution = resolution
        self.num_conv = 2
        self.num_torgb = 1
        self.img_channels = img_channels
        self.conv0 = SynthesisLayer(in_channels, out_channels, w_dim, resolution, up=2,
                                    conv_clamp=conv_clamp, resample_filter=resample_filter)
        self.conv1 = SynthesisLayer(out_channels, out_channels, w_dim, resolution,
                                    conv_clamp=conv_clamp, resample_filter=resample_filter)
        self.torgb = ToRGBLayer(out_channels, img_channels, w_dim, conv_clamp=conv_clamp)
        self.register_buffer('resample_filter', setup_filter(list(resample_filter)))
        self.register_buffer('img_up_kernel_cache', torch.empty(0), persistent=False)

    @torch.jit.export
    def reset_cache(self) -> None:
        self.conv0.reset_cache()
        self.conv1.reset_cache()
        self.img_up_kernel_cache = torch.empty(0)

    def upsample_image(self, img: Tensor, fast: bool) -> Tensor:
        if not use_polyphase(img, fast):
            return upsample_2d(img, self.resample_filter)
        k = self.img_up_kernel_cache
        if k.numel() == 0:
            k = polyphase_upsample_kernel(self.resample_filter, self.img_channels)
            self.img_up_kernel_cache = k
        img = conv2d(img, k, padding=1, groups=self.img_channels, fast=fast)
        return interleave_phases(img)

    def forward(self, x: Tensor, img: Tensor, ws: Tensor, noise_gain: Tensor,
                dtype: torch.dtype, fast: bool = False, bends: Optional[Tensor] = None,
                bend_active: Optional[List[bool]] = None, first_layer: int = 0,
                channels_last: bool = False) -> Tuple[Tensor, Tensor]:
        """bends/bend_active: all layers' (see ContractGenerator.synthesis_until); conv0 is layer
        first_layer. channels_last: NHWC activations (what cuDNN's fp16 kernels want)."""
        if channels_last:
            x = x.to(dtype=dtype, memory_format=torch.channels_last)
        else:
            x = x.to(dtype)
        x = self.conv0(x, ws[:, 0], noise_gain[0], fast)
        x = maybe_bend(x, bends, bend_active, first_layer, channels_last)
        x = self.conv1(x, ws[:, 1], noise_gain[1], fast)
        x = maybe_bend(x, bends, bend_active, first_layer + 1, channels_last)
        img = self.upsample_image(img, fast)
        img = img.add_(self.torgb(x, ws[:, 2], fast).to(torch.float32))
        return x, img


def channels_for(resolution: int, channel_base: int, channel_max: int) -> int:
    return min(channel_base // resolution, channel_max)


class SynthesisNetwork(nn.Module):
    def __init__(self, w_dim: int, img_resolution: int, img_channels: int = 3,
                 channel_base: int = 32768, channel_max: int = 512, num_fp16_res: int = 0,
                 conv_clamp: Optional[float] = None,
                 resample_filter: Tuple[float, ...] = (1, 3, 3, 1)):
        super().__init__()
        log2 = int(round(math.log2(img_resolution)))
        if img_resolution < 4 or 2 ** log2 != img_resolution:
            raise ValueError(f'img_resolution must be a power of two >= 4, got {img_resolution}')
        self.w_dim = w_dim
        self.img_resolution = img_resolution
        self.img_channels = img_channels
        self.block_resolutions = [2 ** i for i in range(2, log2 + 1)]
        # Same rule as upstream: the num_fp16_res highest resolutions, never below 8 px.
        self.fp16_resolution = max(2 ** (log2 + 1 - num_fp16_res), 8)
        self.num_ws = 0
        for res in self.block_resolutions:
            out_ch = channels_for(res, channel_base, channel_max)
            if res == 4:
                block = SynthesisInputBlock(out_ch, w_dim, img_channels, conv_clamp,
                                            resample_filter)
            else:
                in_ch = channels_for(res // 2, channel_base, channel_max)
                block = SynthesisBlock(in_ch, out_ch, w_dim, res, img_channels, conv_clamp,
                                       resample_filter)
            self.num_ws += block.num_conv
            setattr(self, f'b{res}', block)
        self.num_ws += 1  # the last block's ToRGB

    def blocks(self) -> List[nn.Module]:
        return [getattr(self, f'b{res}') for res in self.block_resolutions]

    def layer_table(self) -> List[Tuple[str, int, int]]:
        """(name, resolution, output channels) of each noise-carrying conv layer, in w order."""
        table = []
        for res, block in zip(self.block_resolutions, self.blocks()):
            names = ['conv1'] if res == 4 else ['conv0', 'conv1']
            for name in names:
                layer = getattr(block, name)
                table.append((f'b{res}.{name}', res, int(layer.weight.shape[0])))
        return table

    def forward(self, ws: Tensor, noise_gain: Optional[Tensor] = None) -> Tensor:
        """Eager reference path, written the upstream way (per-block w windows that overlap by
        one) and with the plain transposed-convolution up-sampling."""
        num_layers = self.num_ws - 1
        if noise_gain is None:
            noise_gain = torch.ones([num_layers])
        w_idx = 0
        x = img = None
        for block in self.blocks():
            cur_ws = ws.narrow(1, w_idx, block.num_conv + block.num_torgb)
            cur_gain = noise_gain.narrow(0, w_idx, block.num_conv)
            if x is None:
                x, img = block(cur_ws, cur_gain)
            else:
                x, img = block(x, img, cur_ws, cur_gain, torch.float32)
            w_idx += block.num_conv
        return img


class Generator(nn.Module):
    """Official G_ema layout. Constructor arguments are the pickle's _init_kwargs."""

    def __init__(self, z_dim: int, c_dim: int, w_dim: int, img_resolution: int,
                 img_channels: int = 3, mapping_kwargs: Optional[Dict] = None,
                 synthesis_kwargs: Optional[Dict] = None):
        super().__init__()
        mapping_kwargs = dict(mapping_kwargs or {})
        synthesis_kwargs = dict(synthesis_kwargs or {})
        self.init_kwargs = dict(z_dim=z_dim, c_dim=c_dim, w_dim=w_dim,
                                img_resolution=img_resolution, img_channels=img_channels,
                                mapping_kwargs=dict(mapping_kwargs),
                                synthesis_kwargs=dict(synthesis_kwargs))
        self.z_dim = z_dim
        self.c_dim = c_dim
        self.w_dim = w_dim
        self.img_resolution = img_resolution
        self.img_channels = img_channels
        self.synthesis = SynthesisNetwork(w_dim, img_resolution, img_channels,
                                          **synthesis_kwargs)
        self.num_ws = self.synthesis.num_ws
        self.mapping = MappingNetwork(z_dim, c_dim, w_dim, self.num_ws, **mapping_kwargs)

    def forward(self, z: Tensor, c: Tensor, truncation_psi: float = 1.0,
                noise_gain: Optional[Tensor] = None) -> Tensor:
        ws = self.mapping(z, c)
        w_avg = self.mapping.w_avg
        ws = w_avg + truncation_psi * (ws - w_avg)
        return self.synthesis(ws, noise_gain)


class ContractGenerator(nn.Module):
    """The scripted model contract (docs/ARCHITECTURE.md), sharing a Generator's parameters.

    Methods: mapping(z, c) -> ws; synthesis(ws, noise_gain) -> img;
    synthesis_until(ws, noise_gain, bends, bend_active, max_resolution) -> img (network bending
    and early exit); get_w_avg() -> w_avg; reset_caches(); forward(z, c, truncation_psi,
    noise_gain) -> img.
    Settable attributes (the loader's choice): cpu_fast_path (oneDNN + polyphase up-sampling
    for fp32 CPU tensors), use_fp16 (blocks at >= fp16_resolution in fp16_dtype),
    channels_last (NHWC activations in the blocks from 8 px up; set with use_fp16 on CUDA)."""

    def __init__(self, G: Generator):
        super().__init__()
        self.z_dim = G.z_dim
        self.w_dim = G.w_dim
        self.c_dim = G.c_dim
        self.num_ws = G.num_ws
        self.img_resolution = G.img_resolution
        self.img_channels = G.img_channels
        table = G.synthesis.layer_table()
        self.num_layers = len(table)
        self.layer_names: List[str] = [name for name, _, _ in table]
        self.layer_resolutions: List[int] = [res for _, res, _ in table]
        self.layer_channels: List[int] = [ch for _, _, ch in table]
        clamp = G.init_kwargs['synthesis_kwargs'].get('conv_clamp')
        self.conv_clamp = float(clamp) if clamp is not None else 0.0
        self.cpu_fast_path = bool(torch.backends.mkldnn.is_available())
        # Reduced precision for blocks at or above fp16_resolution, switched on by the loader
        # (CUDA only). fp16_dtype is an attribute so the path can be exercised with bf16 on CPU.
        self.fp16_resolution = G.synthesis.fp16_resolution
        self.use_fp16 = False
        self.fp16_dtype = torch.float16
        self.channels_last = False
        # Resolutions synthesis_until can stop at (one per block): 4, 8, ..., img_resolution.
        self.block_resolutions: List[int] = list(G.synthesis.block_resolutions)
        self.mapping_fcs = nn.ModuleList(G.mapping.layers())
        self.embed = G.mapping.embed if G.c_dim > 0 else None
        self.register_buffer('w_avg', G.mapping.w_avg)
        blocks = G.synthesis.blocks()
        self.input_block = blocks[0]
        self.blocks = nn.ModuleList(blocks[1:])

    @torch.jit.export
    def get_w_avg(self) -> Tensor:
        return self.w_avg

    @torch.jit.export
    def reset_caches(self) -> None:
        self.input_block.reset_cache()
        for block in self.blocks:
            block.reset_cache()

    @torch.jit.export
    def mapping(self, z: Tensor, c: Tensor) -> Tensor:
        fast = self.cpu_fast_path
        x = normalize_2nd_moment(z.to(torch.float32))
        embed = self.embed
        if embed is not None:
            y = normalize_2nd_moment(embed(c.to(torch.float32), fast))
            x = torch.cat([x, y], dim=1)
        for fc in self.mapping_fcs:
            x = fc(x, fast)
        return x.unsqueeze(1).expand(-1, self.num_ws, -1).contiguous()

    @torch.jit.export
    def synthesis(self, ws: Tensor, noise_gain: Tensor) -> Tensor:
        """ws [B, num_ws, w_dim], noise_gain [num_layers] -> img [B, img_channels, R, R]."""
        return self._synthesis(ws, noise_gain, None, None, self.img_resolution)

    @torch.jit.export
    def synthesis_until(self, ws: Tensor, noise_gain: Tensor, bends: Tensor,
                        bend_active: List[bool], max_resolution: int) -> Tensor:
        """synthesis() with network bending and an early exit.

        bends [num_layers, 2, 3]: per conv layer, an affine_grid matrix (bend_matrix()) that
        resamples the layer's output activations; read only where bend_active[layer] is True,
        so identity layers skip the resampling entirely. max_resolution: the last block to run
        (one of block_resolutions); returns that block's running skip image
        [B, img_channels, max_resolution, max_resolution], the same tensor the full pass adds
        the higher blocks to."""
        if len(bend_active) != self.num_layers:
            raise ValueError('bend_active must have num_layers entries')
        if bends.dim() != 3 or bends.shape[0] != self.num_layers:
            raise ValueError('bends must be [num_layers, 2, 3]')
        if max_resolution not in self.block_resolutions:
            raise ValueError('max_resolution must be one of block_resolutions')
        return self._synthesis(ws, noise_gain, bends, bend_active, max_resolution)

    def _synthesis(self, ws: Tensor, noise_gain: Tensor, bends: Optional[Tensor],
                   bend_active: Optional[List[bool]], max_resolution: int) -> Tensor:
        fast = self.cpu_fast_path
        ws = ws.to(torch.float32)
        noise_gain = noise_gain.to(torch.float32)
        # Conv layer i uses ws[:, i]; a block's ToRGB uses the w after its last conv.
        x, img = self.input_block(ws.narrow(1, 0, 2), noise_gain.narrow(0, 0, 1), fast, bends,
                                  bend_active, 0)
        layer = 1
        for block in self.blocks:
            # (A flag rather than `break`: the loop over the ModuleList is unrolled.)
            if block.resolution <= max_resolution:
                dtype = torch.float32
                if self.use_fp16 and block.resolution >= self.fp16_resolution:
                    dtype = self.fp16_dtype
                x, img = block(x, img, ws.narrow(1, layer, 3), noise_gain.narrow(0, layer, 2),
                               dtype, fast, bends, bend_active, layer, self.channels_last)
            layer += 2
        return img

    def forward(self, z: Tensor, c: Tensor, truncation_psi: float, noise_gain: Tensor) -> Tensor:
        ws = self.mapping(z, c)
        ws = self.w_avg + truncation_psi * (ws - self.w_avg)
        return self.synthesis(ws, noise_gain)
