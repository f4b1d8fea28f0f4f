"""A plain reference forward pass of the official StyleGAN2-ADA generator (G_ema), for tests.

Written from the official semantics with elementary operations (matrix products, slicing and
explicit loops over kernel taps), one sample at a time; independent of the project's
tools/autolume_model/networks.py. It runs in the precision of its inputs (float32 by default,
like the official fp32 path) and follows the official order of operations:

* FullyConnectedLayer: weight * (lr / sqrt(in)), bias * lr, then lrelu(0.2) * sqrt(2) for the
  mapping layers.
* mapping: 2nd-moment normalized z and embed(c), concatenated; broadcast to num_ws; truncation
  w_avg.lerp(w, psi) when psi != 1.
* SynthesisLayer: styles = affine(w); modulated weights, demodulated (eps 1e-8); conv0 is a
  stride-2 transposed convolution followed by upfirdn2d(f, pad 1, gain 4); noise_const *
  noise_strength added; bias, lrelu(0.2) * sqrt(2), clamp to +-conv_clamp.
* ToRGBLayer: styles * 1/sqrt(C), 1x1 modulated conv without demodulation, bias, clamp.
* skip architecture: img = upfirdn2d(img, f, up 2, pad (2, 1), gain 4) + torgb(x).
"""

import math
from dataclasses import dataclass
from typing import Dict, Optional

import torch
from torch import Tensor

SQRT2 = math.sqrt(2)


@dataclass
class Stats:
    """How often each clamp bit, so tests can show that conv_clamp is really exercised."""

    clamped: int = 0


def fully_connected(x: Tensor, weight: Tensor, bias: Tensor, lr: float, lrelu: bool) -> Tensor:
    w = weight * (lr / math.sqrt(weight.shape[1]))
    b = bias * lr if lr != 1 else bias
    x = x @ w.t() + b
    if lrelu:
        x = torch.where(x >= 0, x, x * 0.2) * SQRT2
    return x


def normalize_2nd_moment(x: Tensor) -> Tensor:
    return x * (x.square().mean(dim=1, keepdim=True) + 1e-8).rsqrt()


def mapping(t: Dict[str, Tensor], num_layers: int, num_ws: int, z: Tensor, c: Tensor,
            psi: float) -> Tensor:
    """z [B, z_dim], c [B, c_dim] -> ws [B, num_ws, w_dim], truncated as the official code."""
    x = normalize_2nd_moment(z.to(t['mapping.w_avg'].dtype))
    if 'mapping.embed.weight' in t:
        y = fully_connected(c.to(x.dtype), t['mapping.embed.weight'], t['mapping.embed.bias'],
                            1.0, lrelu=False)
        x = torch.cat([x, normalize_2nd_moment(y)], dim=1)
    for i in range(num_layers):
        x = fully_connected(x, t[f'mapping.fc{i}.weight'], t[f'mapping.fc{i}.bias'], 0.01,
                            lrelu=True)
    ws = x.unsqueeze(1).repeat([1, num_ws, 1])
    if psi != 1:
        ws = t['mapping.w_avg'].lerp(ws, psi)
    return ws


def upfirdn2d(x: Tensor, f: Tensor, up: int, pad0: int, pad1: int, gain: float) -> Tensor:
    """x [C, H, W]: insert up-1 zeros after each pixel, zero-pad (pad0 before, pad1 after),
    then convolve (flipped filter) with f * gain, one tap at a time."""
    channels, h, w = x.shape
    if up > 1:
        z = torch.zeros([channels, h * up, w * up], dtype=x.dtype)
        z[:, ::up, ::up] = x
        x = z
    x = torch.nn.functional.pad(x, [pad0, pad1, pad0, pad1])
    taps = f.shape[0]
    k = (f * gain).to(x.dtype).flip([0, 1])
    out_h = x.shape[1] - taps + 1
    out_w = x.shape[2] - taps + 1
    out = torch.zeros([channels, out_h, out_w], dtype=x.dtype)
    for a in range(taps):
        for b in range(taps):
            out += k[a, b] * x[:, a:a + out_h, b:b + out_w]
    return out


def conv2d(x: Tensor, w: Tensor, padding: int) -> Tensor:
    """Correlation. x [I, H, W], w [O, I, k, k] -> [O, H', W']."""
    k = w.shape[2]
    x = torch.nn.functional.pad(x, [padding] * 4)
    out_h = x.shape[1] - k + 1
    out_w = x.shape[2] - k + 1
    out = torch.zeros([w.shape[0], out_h, out_w], dtype=x.dtype)
    for a in range(k):
        for b in range(k):
            patch = x[:, a:a + out_h, b:b + out_w].reshape(x.shape[0], -1)
            out += (w[:, :, a, b] @ patch).reshape(w.shape[0], out_h, out_w)
    return out


def conv_transpose2d_stride2(x: Tensor, w: Tensor) -> Tensor:
    """Transposed convolution, stride 2, no padding: every input pixel (i, j) adds
    x[:, i, j] * w[:, :, a, b] to output pixel (2i + a, 2j + b). [I, H, W] -> [O, 2H+1, 2W+1]."""
    channels, h, wd = x.shape
    k = w.shape[2]
    out = torch.zeros([w.shape[0], 2 * (h - 1) + k, 2 * (wd - 1) + k], dtype=x.dtype)
    flat = x.reshape(channels, -1)
    for a in range(k):
        for b in range(k):
            out[:, a:a + 2 * h:2, b:b + 2 * wd:2] += (w[:, :, a, b] @ flat).reshape(-1, h, wd)
    return out


def bias_act(x: Tensor, bias: Tensor, lrelu: bool, clamp: Optional[float], stats: Stats) -> Tensor:
    x = x + bias.reshape(-1, 1, 1)
    if lrelu:
        x = torch.where(x >= 0, x, x * 0.2) * SQRT2
    if clamp is not None:
        stats.clamped += int((x.abs() > clamp).sum())
        x = x.clamp(-clamp, clamp)
    return x


def synthesis_layer(t: Dict[str, Tensor], p: str, x: Tensor, w: Tensor, up: int,
                    clamp: Optional[float], noise_gain: float, stats: Stats) -> Tensor:
    """One sample: x [I, H, W], w [w_dim]."""
    styles = fully_connected(w.unsqueeze(0), t[p + 'affine.weight'], t[p + 'affine.bias'], 1.0,
                             lrelu=False)[0]
    weight = t[p + 'weight'] * styles.reshape(1, -1, 1, 1)
    weight = weight * (weight.square().sum(dim=[1, 2, 3]) + 1e-8).rsqrt().reshape(-1, 1, 1, 1)
    if up == 2:
        x = conv_transpose2d_stride2(x, weight)
        x = upfirdn2d(x, t[p + 'resample_filter'], up=1, pad0=1, pad1=1, gain=4)
    else:
        x = conv2d(x, weight, padding=1)
    x = x + t[p + 'noise_const'] * (t[p + 'noise_strength'] * noise_gain)
    return bias_act(x, t[p + 'bias'], lrelu=True, clamp=clamp, stats=stats)


def to_rgb(t: Dict[str, Tensor], p: str, x: Tensor, w: Tensor, clamp: Optional[float],
           stats: Stats) -> Tensor:
    styles = fully_connected(w.unsqueeze(0), t[p + 'affine.weight'], t[p + 'affine.bias'], 1.0,
                             lrelu=False)[0]
    styles = styles * (1 / math.sqrt(x.shape[0]))
    weight = t[p + 'weight'] * styles.reshape(1, -1, 1, 1)
    x = conv2d(x, weight, padding=0)
    return bias_act(x, t[p + 'bias'], lrelu=False, clamp=clamp, stats=stats)


def synthesis(t: Dict[str, Tensor], resolution: int, ws: Tensor, conv_clamp: Optional[float],
              noise_gain: float = 1.0, stats: Optional[Stats] = None) -> Tensor:
    """ws [B, num_ws, w_dim] -> img [B, 3, R, R]. noise_gain 1: noise_mode 'const', 0: 'none'."""
    stats = stats if stats is not None else Stats()
    images = []
    for n in range(ws.shape[0]):
        w = ws[n]
        x = t['synthesis.b4.const']
        x = synthesis_layer(t, 'synthesis.b4.conv1.', x, w[0], 1, conv_clamp, noise_gain, stats)
        img = to_rgb(t, 'synthesis.b4.torgb.', x, w[1], conv_clamp, stats)
        idx = 1
        res = 8
        while res <= resolution:
            p = f'synthesis.b{res}.'
            x = synthesis_layer(t, p + 'conv0.', x, w[idx], 2, conv_clamp, noise_gain, stats)
            x = synthesis_layer(t, p + 'conv1.', x, w[idx + 1], 1, conv_clamp, noise_gain, stats)
            img = upfirdn2d(img, t[p + 'resample_filter'], up=2, pad0=2, pad1=1, gain=4)
            img = img + to_rgb(t, p + 'torgb.', x, w[idx + 2], conv_clamp, stats)
            idx += 2
            res *= 2
        images.append(img)
    return torch.stack(images)


def generate(t: Dict[str, Tensor], resolution: int, num_layers: int,
             conv_clamp: Optional[float], z: Tensor, c: Tensor, psi: float,
             noise_gain: float = 1.0, stats: Optional[Stats] = None) -> Tensor:
    """The official G_ema(z, c, truncation_psi=psi, noise_mode='const') in plain operations."""
    num_ws = 2 * int(round(math.log2(resolution))) - 2
    with torch.no_grad():
        ws = mapping(t, num_layers, num_ws, z, c, psi)
        return synthesis(t, resolution, ws, conv_clamp, noise_gain, stats)


def to_uint8(img: Tensor) -> Tensor:
    """The official generate.py recipe: [B, 3, H, W] -> [B, H, W, 3] uint8."""
    return (img.permute(0, 2, 3, 1) * 127.5 + 128).clamp(0, 255).to(torch.uint8)
