"""Differentiable forward pass of a `Generator` for training.

The contract path in networks.py computes in place and fuses modulation into one grouped
convolution per sample, which is fast at batch 1 but cannot be back-propagated. This module runs
the same parameters the way upstream trains them (fused_modconv=False): the styles scale the
input activations, one shared convolution serves the whole batch, and the demodulation
coefficients scale its output. Up-sampling uses the polyphase forms from networks.py (four 3x3
phase kernels at the input resolution, then pixel_shuffle): on the CPU a transposed convolution
and its gradient are ~7x slower. With constant noise the result equals `G.synthesis` to float
rounding, so a trained Generator exports unchanged through export.py."""

from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from .networks import (FullyConnectedLayer, Generator, SynthesisLayer, ToRGBLayer,
                       polyphase_conv_up_kernel, polyphase_upsample_kernel)

SQRT2 = 1.4142135623730951


def affine(fc: FullyConnectedLayer, x: Tensor) -> Tensor:
    """The layer's linear map without its in-place fast paths (linear activation only)."""
    return torch.addmm(fc.bias * fc.bias_gain, x * fc.weight_gain, fc.weight.t())


def synthesis_layer(layer: SynthesisLayer, x: Tensor, w: Tensor, noise: str) -> Tensor:
    """noise: 'random' (fresh per sample, as in training), 'const' (the contract's) or 'none'."""
    styles = affine(layer.affine, w)
    weight = layer.weight
    dcoefs = ((weight.unsqueeze(0) * styles[:, None, :, None, None]).square().sum([2, 3, 4])
              + 1e-8).rsqrt()
    x = x * styles[:, :, None, None]
    if layer.up == 2:
        kernel = polyphase_conv_up_kernel(weight, layer.resample_filter)
        x = F.pixel_shuffle(F.conv2d(x, kernel, padding=1), 2)
    else:
        x = F.conv2d(x, weight, padding=layer.padding)
    x = x * dcoefs[:, :, None, None]
    if noise == 'random':
        x = x + torch.randn([x.shape[0], 1, x.shape[2], x.shape[3]], device=x.device) \
            * layer.noise_strength
    elif noise == 'const':
        x = x + layer.noise_const * layer.noise_strength
    x = F.leaky_relu(x + layer.bias.reshape(1, -1, 1, 1), 0.2) * SQRT2
    if layer.use_clamp:
        x = x.clamp(-layer.conv_clamp, layer.conv_clamp)
    return x


def torgb_layer(layer: ToRGBLayer, x: Tensor, w: Tensor) -> Tensor:
    styles = affine(layer.affine, w) * layer.weight_gain
    x = F.conv2d(x * styles[:, :, None, None], layer.weight) + layer.bias.reshape(1, -1, 1, 1)
    if layer.use_clamp:
        x = x.clamp(-layer.conv_clamp, layer.conv_clamp)
    return x


def upsample_image(resample_filter: Tensor, img: Tensor) -> Tensor:
    channels = img.shape[1]
    kernel = polyphase_upsample_kernel(resample_filter, channels).to(img.device)
    return F.pixel_shuffle(F.conv2d(img, kernel, padding=1, groups=channels), 2)


def synthesis(G: Generator, ws: Tensor, noise: str = 'random') -> Tensor:
    """ws [B, num_ws, w_dim] -> img [B, C, R, R]; conv layer i uses ws[:, i] as in the contract."""
    blocks = G.synthesis.blocks()
    b4 = blocks[0]
    x = b4.const.unsqueeze(0).expand(ws.shape[0], -1, -1, -1)
    x = synthesis_layer(b4.conv1, x, ws[:, 0], noise)
    img = torgb_layer(b4.torgb, x, ws[:, 1])
    i = 1
    for block in blocks[1:]:
        x = synthesis_layer(block.conv0, x, ws[:, i], noise)
        x = synthesis_layer(block.conv1, x, ws[:, i + 1], noise)
        img = upsample_image(block.resample_filter, img) + torgb_layer(block.torgb, x, ws[:, i + 2])
        i += 2
    return img


def mapping(G: Generator, z: Tensor, c: Optional[Tensor] = None,
            style_mixing: float = 0.0) -> Tensor:
    """z -> ws with upstream's style mixing regularization: with probability style_mixing, a
    second z's w replaces the ws from a random layer on."""
    if c is None:
        c = torch.zeros([z.shape[0], G.c_dim], device=z.device)
    ws = G.mapping(z, c)
    if style_mixing > 0 and torch.rand([]).item() < style_mixing:
        cut = int(torch.randint(1, G.num_ws, []).item())
        ws2 = G.mapping(torch.randn_like(z), c)
        ws = torch.cat([ws[:, :cut], ws2[:, cut:]], dim=1)
    return ws
