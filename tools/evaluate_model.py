#!/usr/bin/env python3
"""Quality numbers for an exported model (the .pt contract), and its sample grid.

    evaluate_model.py -m models/default.pt --data DATA_DIR [--reference placeholder.pt]
                      [--json out.json] [--grid docs/images/default_model_grid.png]

Images are rendered as `autolume generate` does: z = RandomState(seed).randn(1, z_dim),
ws = mapping(z), synthesis(ws, noise_gain = 1), no truncation; pixels in [0, 1].

Measures (each also for --reference, e.g. the random-weights placeholder, as a ceiling):
  diversity      mean RMS pixel distance between the images of two different seeds, on 32x32
                 box-downsampled images, over all pairs of --diversity-seeds seeds (0 if every
                 seed gave the same image; the data set's own value is the target).
  smoothness     --paths linear interpolations in w between random seed pairs, --steps images
                 each: step = RMS pixel distance between consecutive 64 px images. Reports the
                 mean step and the mean over paths of max step / mean step (1: perfectly even
                 motion; large: the image jumps somewhere along the path).
  closeness      how near the model's images are to half B of the data set (a random half,
                 permutation seed 0), from --samples images of each:
                 pca: Frechet distance between Gaussian fits of 16x16 box-downsampled RGB
                 projected on the data set's top 32 principal components (fitted on all
                 images) and whitened (each component scaled to unit variance over the data
                 set), so coarse layout and fine detail weigh the same and a blurry model
                 (too little variance in some components) is penalised;
                 colour: total variation distance (half the L1 norm, 0..1) between the joint
                 RGB histograms (8 bins per channel) of all pixels of either set.
                 Floor: half A of the data set against the same images of half B (what a
                 perfect model would get with this many samples); ceiling: --reference.
"""

import argparse
import json
import os
import sys
from typing import Dict, List

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autolume_model import images, png  # noqa: E402

PCA_SIZE = 16
PCA_COMPONENTS = 32
HIST_BINS = 8
DIVERSITY_SIZE = 32


class Model:
    """A loaded contract and how `autolume generate` renders seeds with it."""

    def __init__(self, path: str):
        self.path = path
        self.module = torch.jit.load(path, map_location='cpu').eval()
        self.z_dim = int(self.module.z_dim)
        self.c_dim = int(self.module.c_dim)
        self.ones = torch.ones(int(self.module.num_layers))

    @torch.no_grad()
    def ws(self, seeds: List[int]) -> torch.Tensor:
        z = np.concatenate([np.random.RandomState(s).randn(1, self.z_dim) for s in seeds])
        z = torch.from_numpy(z).float()
        return self.module.mapping(z, torch.zeros(len(seeds), self.c_dim))

    @torch.no_grad()
    def render(self, ws: torch.Tensor, batch: int = 64) -> np.ndarray:
        """ws [N, num_ws, w_dim] -> float32 [N, 3, R, R] in [0, 1]."""
        out = []
        for i in range(0, ws.shape[0], batch):
            img = self.module.synthesis(ws[i:i + batch], self.ones)
            out.append(((img + 1.0) / 2.0).clamp(0.0, 1.0))
        return torch.cat(out).numpy()

    def images(self, seeds: List[int]) -> np.ndarray:
        return self.render(self.ws(seeds))


def box_downsample(x: np.ndarray, size: int) -> np.ndarray:
    """[N, 3, R, R] -> [N, 3, size, size] (area average; R a multiple of size)."""
    return F.adaptive_avg_pool2d(torch.from_numpy(x), size).numpy()


def rms(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-pair RMS distance over all but the first axis."""
    return np.sqrt(((a - b) ** 2).reshape(a.shape[0], -1).mean(1))


def diversity(x: np.ndarray) -> float:
    small = box_downsample(x, DIVERSITY_SIZE).reshape(x.shape[0], -1).astype(np.float64)
    sq = (small ** 2).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None] - 2.0 * small @ small.T, 0.0) / small.shape[1]
    iu = np.triu_indices(len(small), 1)
    return float(np.sqrt(d2[iu]).mean())


def smoothness(model: Model, paths: int, steps: int, seed: int) -> Dict[str, float]:
    rng = np.random.RandomState(seed)
    ratios = []
    means = []
    t = torch.linspace(0.0, 1.0, steps).reshape(steps, 1, 1)
    for _ in range(paths):
        a, b = model.ws([int(s) for s in rng.randint(0, 2 ** 31, 2)])
        imgs = model.render(a + t * (b - a))
        step = rms(imgs[1:], imgs[:-1])
        means.append(step.mean())
        ratios.append(step.max() / max(step.mean(), 1e-12))
    return {'mean_step': float(np.mean(means)), 'max_over_mean': float(np.mean(ratios))}


class Features:
    """Whitened PCA of downsampled pixels, fitted on a data set; pooled colour histograms."""

    def __init__(self, data: np.ndarray):
        flat = self.pixels(data)
        self.mean = flat.mean(0)
        _, sv, vt = np.linalg.svd(flat - self.mean, full_matrices=False)
        self.components = vt[:PCA_COMPONENTS]
        self.scale = sv[:PCA_COMPONENTS] / np.sqrt(len(flat) - 1)  # data std per component

    @staticmethod
    def pixels(x: np.ndarray) -> np.ndarray:
        return box_downsample(x, PCA_SIZE).reshape(x.shape[0], -1).astype(np.float64)

    def pca(self, x: np.ndarray) -> np.ndarray:
        return (self.pixels(x) - self.mean) @ self.components.T / self.scale

    @staticmethod
    def colour(x: np.ndarray) -> np.ndarray:
        """Joint RGB histogram of all pixels of x, normalised to sum 1."""
        q = np.minimum((x * HIST_BINS).astype(np.int64), HIST_BINS - 1)
        idx = (q[:, 0] * HIST_BINS + q[:, 1]) * HIST_BINS + q[:, 2]
        hist = np.bincount(idx.ravel(), minlength=HIST_BINS ** 3).astype(np.float64)
        return hist / hist.sum()


def frechet(a: np.ndarray, b: np.ndarray) -> float:
    """|mu_a - mu_b|^2 + tr(Sa + Sb - 2 (Sa Sb)^1/2), with the matrix square root through
    eigendecompositions (tr (Sa Sb)^1/2 = sum sqrt eig(Sa^1/2 Sb Sa^1/2))."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    sa, sb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    va, ua = np.linalg.eigh(sa)
    root_a = (ua * np.sqrt(np.maximum(va, 0.0))) @ ua.T
    cross = np.linalg.eigvalsh(root_a @ sb @ root_a)
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(sa) + np.trace(sb)
                 - 2.0 * np.sqrt(np.maximum(cross, 0.0)).sum())


def closeness(feats: Features, x: np.ndarray, target: np.ndarray) -> Dict[str, float]:
    return {'pca': frechet(feats.pca(x), feats.pca(target)),
            'colour': float(0.5 * np.abs(Features.colour(x) - Features.colour(target)).sum())}


def evaluate(model: Model, feats: Features, target: np.ndarray, args) -> Dict:
    div_imgs = model.images(list(range(args.diversity_seeds)))
    gen = model.images(list(range(1000, 1000 + args.samples)))
    return {'diversity': diversity(div_imgs),
            'smoothness': smoothness(model, args.paths, args.steps, args.seed),
            'closeness': closeness(feats, gen, target)}


@torch.no_grad()
def write_grid(model: Model, path: str, seeds: List[int], cols: int, scale: int) -> None:
    """Seeds in rows of `cols`, each image upscaled `scale` times (bilinear, as the app's
    texture upscale)."""
    x = torch.from_numpy(model.images(seeds))
    if scale > 1:
        x = F.interpolate(x, scale_factor=scale, mode='bilinear', align_corners=False)
    png.write_png(path, png.grid(x.numpy() * 2.0 - 1.0, cols=cols, pad=4))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument('-m', '--model', required=True)
    ap.add_argument('--data', help='the training images (needed for closeness and floors)')
    ap.add_argument('--reference', help='a second model to measure the same way (ceiling)')
    ap.add_argument('--samples', type=int, default=2000, help='images per Frechet fit')
    ap.add_argument('--diversity-seeds', type=int, default=200)
    ap.add_argument('--paths', type=int, default=50)
    ap.add_argument('--steps', type=int, default=32)
    ap.add_argument('--seed', type=int, default=0, help='for the interpolation paths')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--json', help='write the results here too')
    ap.add_argument('--grid', help='write a PNG grid of seeds 0..cols*rows-1')
    ap.add_argument('--grid-cols', type=int, default=8)
    ap.add_argument('--grid-rows', type=int, default=4)
    ap.add_argument('--grid-scale', type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    model = Model(args.model)
    if args.grid:
        write_grid(model, args.grid, list(range(args.grid_cols * args.grid_rows)),
                   args.grid_cols, args.grid_scale)
    if not args.data:
        return 0
    res = int(model.module.img_resolution)
    data = images.load_folder(args.data, res).astype(np.float32) / 255.0
    # A random split: image i is family i mod F, so an even/odd split would not be balanced.
    order = np.random.RandomState(0).permutation(len(data))
    half = len(data) // 2
    half_a = data[order[:half][:args.samples]]
    half_b = data[order[half:][:args.samples]]
    feats = Features(data)
    results = {
        'settings': {k: getattr(args, k) for k in ('samples', 'diversity_seeds', 'paths',
                                                    'steps', 'seed')},
        'data': {'images': int(len(data)), 'diversity': diversity(data[:args.diversity_seeds]),
                 'closeness_floor': closeness(feats, half_a, half_b)},
        'model': {'path': args.model, **evaluate(model, feats, half_b, args)},
    }
    if args.reference:
        results['reference'] = {'path': args.reference,
                                **evaluate(Model(args.reference), feats, half_b, args)}
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        with open(args.json, 'w') as f:
            f.write(text + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
