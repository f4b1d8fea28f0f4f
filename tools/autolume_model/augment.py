"""Differentiable augmentation for GAN training on small data sets (DiffAugment, Zhao et al.
2020): the same random transforms are applied to real and generated images before the
discriminator, and gradients flow through them to the generator, so D cannot overfit the few
real images while G is not taught the augmentations.

Policies (comma-separated): color (brightness, saturation, contrast), translation (integer
shifts up to 1/8 of the size, zero fill), cutout (one zero square of half the size), flip
(random horizontal and vertical mirroring: leak-free for data sets whose mirrored images are
equally valid, such as abstract patterns)."""

from typing import Callable, Dict, List

import torch
import torch.nn.functional as F
from torch import Tensor


def color(x: Tensor) -> Tensor:
    b = x.shape[0]
    x = x + (torch.rand([b, 1, 1, 1], device=x.device) - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (torch.rand([b, 1, 1, 1], device=x.device) * 2.0) + mean
    mean = x.mean(dim=[1, 2, 3], keepdim=True)
    return (x - mean) * (torch.rand([b, 1, 1, 1], device=x.device) + 0.5) + mean


def translation(x: Tensor, ratio: float = 0.125) -> Tensor:
    b, _, h, w = x.shape
    max_dx = int(w * ratio + 0.5)
    max_dy = int(h * ratio + 0.5)
    dx = torch.randint(-max_dx, max_dx + 1, [b, 1, 1], device=x.device)
    dy = torch.randint(-max_dy, max_dy + 1, [b, 1, 1], device=x.device)
    # Indexing into a zero-padded copy (not grid_sample): R1 needs a second derivative.
    rows = (torch.arange(h, device=x.device).reshape(1, h, 1) - dy + 1).clamp(0, h + 1)
    cols = (torch.arange(w, device=x.device).reshape(1, 1, w) - dx + 1).clamp(0, w + 1)
    batch = torch.arange(b, device=x.device).reshape(b, 1, 1)
    padded = F.pad(x, [1, 1, 1, 1]).permute(0, 2, 3, 1)
    return padded[batch, rows, cols].permute(0, 3, 1, 2)


def cutout(x: Tensor, ratio: float = 0.5) -> Tensor:
    b, _, h, w = x.shape
    ch = int(h * ratio + 0.5)
    cw = int(w * ratio + 0.5)
    cy = torch.randint(0, h + (1 - ch % 2), [b, 1, 1], device=x.device)
    cx = torch.randint(0, w + (1 - cw % 2), [b, 1, 1], device=x.device)
    ys = torch.arange(h, device=x.device).reshape(1, h, 1) - cy + ch // 2
    xs = torch.arange(w, device=x.device).reshape(1, 1, w) - cx + cw // 2
    inside = (ys >= 0) & (ys < ch) & (xs >= 0) & (xs < cw)
    return x * (~inside).unsqueeze(1).to(x.dtype)


def flip(x: Tensor) -> Tensor:
    b = x.shape[0]
    fx = torch.rand([b, 1, 1, 1], device=x.device) < 0.5
    fy = torch.rand([b, 1, 1, 1], device=x.device) < 0.5
    x = torch.where(fx, x.flip(3), x)
    return torch.where(fy, x.flip(2), x)


POLICIES: Dict[str, Callable[[Tensor], Tensor]] = {
    'color': color, 'translation': translation, 'cutout': cutout, 'flip': flip,
}


def parse_policy(policy: str) -> List[str]:
    names = [p for p in policy.split(',') if p]
    unknown = [p for p in names if p not in POLICIES]
    if unknown:
        raise ValueError(f'unknown augmentations {unknown}; known: {sorted(POLICIES)}')
    return names


def augment(x: Tensor, policy: List[str]) -> Tensor:
    """Applies each named transform in order, with fresh randomness per sample."""
    for name in policy:
        x = POLICIES[name](x)
    return x
