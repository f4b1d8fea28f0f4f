#!/usr/bin/env python3
"""Writes the procedural training set of autolume's default model: COUNT PNG images from the
families in tools/dataset/generators.py, cycled in order (image i is family i mod F).

    make_dataset.py --out DIR [--count 6000] [--size 64] [--seed 1] [--families warp,rd]
                    [--jobs 2]
    make_dataset.py --preview grid.png [--size 64] [--seed 1]   (a row of 8 per family)

Image i is a pure function of (seed, i, size): the same arguments give byte-identical files,
and a larger --count only adds images. Files: DIR/<i:06d>_<family>.png."""

import argparse
import os
import sys
from multiprocessing import Pool
from typing import List, Tuple

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autolume_model import png  # noqa: E402
from dataset import FAMILIES, render  # noqa: E402


def image_seed(seed: int, index: int) -> int:
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def image_name(index: int, family: str) -> str:
    return f'{index:06d}_{family}.png'


def _write(job: Tuple[str, str, int, int]) -> None:
    path, family, seed, size = job
    png.write_png(path, render(family, seed, size))


def make_dataset(out: str, count: int, size: int, seed: int, families: List[str],
                 jobs: int = 1) -> List[str]:
    """Writes the images and returns their paths, in index order."""
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        raise ValueError(f'unknown families {unknown}; known: {sorted(FAMILIES)}')
    os.makedirs(out, exist_ok=True)
    work = []
    for i in range(count):
        family = families[i % len(families)]
        work.append((os.path.join(out, image_name(i, family)), family, image_seed(seed, i), size))
    if jobs > 1:
        with Pool(jobs) as pool:
            for _ in pool.imap_unordered(_write, work, chunksize=16):
                pass
    else:
        for job in work:
            _write(job)
    return [job[0] for job in work]


def write_preview(path: str, size: int, seed: int, families: List[str], cols: int = 8) -> None:
    """A row per family: its first `cols` images of the data set with this seed."""
    rows = []
    for f, family in enumerate(families):
        for k in range(cols):
            index = f + k * len(families)
            rows.append(render(family, image_seed(seed, index), size))
    batch = np.stack(rows).astype(np.float32).transpose(0, 3, 1, 2) / 127.5 - 1.0
    png.write_png(path, png.grid(batch, cols=cols, pad=4))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--out', help='output folder')
    ap.add_argument('--preview', help='write a PNG with 8 images per family instead')
    ap.add_argument('--count', type=int, default=6000)
    ap.add_argument('--size', type=int, default=64, help='image width and height (px)')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--families', default=','.join(FAMILIES),
                    help=f'comma-separated subset of {",".join(FAMILIES)}')
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 1, help='worker processes')
    args = ap.parse_args()
    families = [f for f in args.families.split(',') if f]
    if args.preview:
        write_preview(args.preview, args.size, args.seed, families)
        print(f'wrote {args.preview}')
        return 0
    if not args.out:
        ap.error('--out or --preview is required')
    paths = make_dataset(args.out, args.count, args.size, args.seed, families, args.jobs)
    print(f'wrote {len(paths)} images to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
