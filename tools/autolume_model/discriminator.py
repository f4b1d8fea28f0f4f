"""StyleGAN2's residual discriminator, for training the project's own models (tools/train.py).

Same structure as upstream's 'resnet' D without the conditioning: FromRGB at the top
resolution, then per block two 3x3 convolutions (the second one down-sampling) plus a
down-sampled 1x1 skip, summed with a gain of sqrt(1/2); at 4x4 a minibatch standard deviation
channel, a 3x3 convolution and two fully connected layers. Weights use upstream's equalized
learning rate (N(0, 1) storage, 1/sqrt(fan_in) gain at run time) and lrelu with gain sqrt(2).
Down-sampling blurs with the [1, 3, 3, 1] filter, as the generator's up-sampling does."""

import math
from typing import List

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .networks import channels_for, setup_filter

SQRT2 = 1.4142135623730951


class Conv(nn.Module):
    """Equalized-lr convolution, optionally followed by a blurred down-sampling by 2."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, bias: bool = True,
                 activation: bool = True, down: bool = False, conv_clamp: float = 256.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn([out_ch, in_ch, kernel, kernel]))
        self.bias = nn.Parameter(torch.zeros([out_ch])) if bias else None
        self.gain = 1.0 / math.sqrt(in_ch * kernel * kernel)
        self.padding = kernel // 2
        self.activation = activation
        self.down = down
        self.conv_clamp = conv_clamp
        self.register_buffer('blur', setup_filter([1.0, 3.0, 3.0, 1.0]))

    def downsample(self, x: Tensor) -> Tensor:
        channels = x.shape[1]
        k = self.blur.reshape(1, 1, 4, 4).expand(channels, 1, 4, 4)
        return F.conv2d(x, k, stride=2, padding=1, groups=channels)

    def forward(self, x: Tensor) -> Tensor:
        if self.down and self.weight.shape[-1] == 1:
            x = self.downsample(x)  # cheaper before a 1x1 convolution (same result)
        x = F.conv2d(x, self.weight * self.gain, self.bias, padding=self.padding)
        if self.down and self.weight.shape[-1] != 1:
            x = self.downsample(x)
        if self.activation:
            x = F.leaky_relu(x, 0.2) * SQRT2
        return x.clamp(-self.conv_clamp, self.conv_clamp) if self.conv_clamp else x


class Dense(nn.Module):
    def __init__(self, in_features: int, out_features: int, activation: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn([out_features, in_features]))
        self.bias = nn.Parameter(torch.zeros([out_features]))
        self.gain = 1.0 / math.sqrt(in_features)
        self.activation = activation

    def forward(self, x: Tensor) -> Tensor:
        x = F.linear(x, self.weight * self.gain, self.bias)
        return F.leaky_relu(x, 0.2) * SQRT2 if self.activation else x


class DiscriminatorBlock(nn.Module):
    def __init__(self, in_ch: int, tmp_ch: int, out_ch: int, from_rgb: bool, img_channels: int):
        super().__init__()
        self.fromrgb = Conv(img_channels, in_ch, 1) if from_rgb else None
        self.conv0 = Conv(in_ch, tmp_ch, 3)
        self.conv1 = Conv(tmp_ch, out_ch, 3, down=True)
        self.skip = Conv(in_ch, out_ch, 1, bias=False, activation=False, down=True)

    def forward(self, x: Tensor) -> Tensor:
        if self.fromrgb is not None:
            x = self.fromrgb(x)
        y = self.skip(x)
        x = self.conv1(self.conv0(x))
        return (x + y) * math.sqrt(0.5)


def minibatch_std(x: Tensor, group_size: int = 4) -> Tensor:
    """Appends one channel: the std over groups of samples, averaged over features and pixels."""
    b, c, h, w = x.shape
    g = min(group_size, b)
    while b % g:
        g -= 1
    y = x.reshape(g, -1, c, h, w)
    y = (y - y.mean(0)).square().mean(0).add(1e-8).sqrt()
    y = y.mean(dim=[1, 2, 3]).reshape(-1, 1, 1, 1).repeat(g, 1, h, w)
    return torch.cat([x, y], dim=1)


class Discriminator(nn.Module):
    """img [B, C, R, R] in [-1, 1] -> logits [B, 1]. Channel counts follow the generator's
    rule (channel_base // resolution, at most channel_max)."""

    def __init__(self, img_resolution: int, img_channels: int = 3, channel_base: int = 32768,
                 channel_max: int = 512, mbstd_group: int = 4):
        super().__init__()
        self.img_resolution = img_resolution
        log2 = int(round(math.log2(img_resolution)))
        resolutions: List[int] = [2 ** i for i in range(log2, 2, -1)]
        blocks = []
        for res in resolutions:
            in_ch = channels_for(res, channel_base, channel_max)
            out_ch = channels_for(res // 2, channel_base, channel_max)
            blocks.append(DiscriminatorBlock(in_ch, in_ch, out_ch, res == img_resolution,
                                             img_channels))
        self.blocks = nn.ModuleList(blocks)
        ch4 = channels_for(4, channel_base, channel_max)
        self.mbstd_group = mbstd_group
        self.conv = Conv(ch4 + 1, ch4, 3)
        self.fc = Dense(ch4 * 16, ch4)
        self.out = Dense(ch4, 1, activation=False)

    def forward(self, img: Tensor) -> Tensor:
        x = img
        for block in self.blocks:
            x = block(x)
        x = self.conv(minibatch_std(x, self.mbstd_group))
        return self.out(self.fc(x.flatten(1)))
