#!/usr/bin/env python3
"""Test data for tests/integration/generate.sh: official-format snapshots and the images the
official generate.py recipe gives for them, computed with the reference forward pass.

    make_generate_case.py OUTDIR

Writes OUTDIR/uncond.pkl and OUTDIR/cond.pkl, and expected images as uint8 [H, W, 3] .npy:
OUTDIR/expected/<case>/seedNNNN.npy for the cases the script runs (see CASES).
"""

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import official_format as OF  # noqa: E402
import reference_stylegan2 as REF  # noqa: E402

# z_dim 512 as trained models have, so the seeds are the ones artists share.
NETWORKS = {
    'uncond': OF.Config(32, z_dim=512, w_dim=64, channel_base=512, channel_max=32,
                        mapping_layers=4, conv_clamp=256),
    'cond': OF.Config(16, z_dim=512, w_dim=32, c_dim=4, channel_base=256, channel_max=32,
                      mapping_layers=2, conv_clamp=256),
}
# case -> (network, seeds, psi, class or None, noise gain); generate.sh runs the same.
CASES = {
    'uncond_trunc': ('uncond', [0, 1, 2], 0.7, None, 1.0),
    'uncond_nonoise': ('uncond', [5], 1.0, None, 0.0),
    'cond_class2': ('cond', [0, 1, 2], 1.0, 2, 1.0),
}


def main() -> int:
    out = sys.argv[1]
    marker = os.path.join(out, 'module_src_was_executed')
    weights = {}
    for name, cfg in NETWORKS.items():
        weights[name] = OF.make_weights(cfg, seed=len(name), torgb_scale=0.25)
        OF.write_snapshot(os.path.join(out, f'{name}.pkl'), cfg, weights[name], marker)
    for case, (name, seeds, psi, label, noise_gain) in CASES.items():
        cfg = NETWORKS[name]
        folder = os.path.join(out, 'expected', case)
        os.makedirs(folder, exist_ok=True)
        for seed in seeds:
            # generate.py: z from the seed, one-hot label, G(z, label, psi, noise_mode='const').
            z = torch.from_numpy(np.random.RandomState(seed).randn(1, cfg.z_dim))
            c = torch.zeros([1, cfg.c_dim])
            if label is not None:
                c[:, label] = 1
            img = REF.generate(weights[name], cfg.resolution, cfg.mapping_layers,
                               cfg.conv_clamp, z, c, psi, noise_gain=noise_gain)
            pixels = REF.to_uint8(img)[0].numpy()
            # A flat or saturated picture would make the comparison say little.
            if pixels.std() < 10 or (pixels == 255).mean() > 0.2 or (pixels == 0).mean() > 0.2:
                raise AssertionError(f'{case} seed {seed}: uninformative test image')
            np.save(os.path.join(folder, f'seed{seed:04d}.npy'), pixels)
    return 0


if __name__ == '__main__':
    sys.exit(main())
