#!/usr/bin/env python3
"""Exports the placeholder model: a small StyleGAN2-shaped generator with random weights,
used until a trained model is converted. Run at build time (deterministic for a given torch).

    export_placeholder.py --out models/placeholder.pt [--reference-dir DIR] [--preview P.png]

--reference-dir also writes data for the C++ tests (float32 .npy): z.npy [2, z_dim] (seeds 0
and 1 as in the official generate.py), ws.npy [2, num_ws, w_dim] = mapping(z), img.npy
[2, 3, R, R] = synthesis(ws, ones), img_noise0.npy = synthesis(ws, zeros), w_avg.npy [w_dim];
and not_a_generator.pt, a valid TorchScript archive that breaks the contract.
"""

import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autolume_model import export, png  # noqa: E402
from autolume_model.networks import Generator, normalize_2nd_moment  # noqa: E402

SEED = 20240501
RESOLUTION = 64
Z_DIM = 512
W_DIM = 512
MAPPING_LAYERS = 8
# 16 channels at 64 px, 32 at 32 px, 64 below: ~4.6 ms per image at batch 1 on one core of the
# 2-core build machine (channel_base 2048: 7.4 ms), leaving CPU time for audio analysis and a
# software-rendered window when the app runs without a GPU.
CHANNEL_BASE = 1024
CHANNEL_MAX = 64
CONV_CLAMP = 256
# b32 and b64 run in fp16 on CUDA, so a GPU test exercises the reduced-precision path.
NUM_FP16_RES = 2

# Colour tweaks on top of the official initialization (see the description in meta.json).
# Upstream's init sums five unit-variance ToRGB outputs into a mostly clipped, yellow picture;
# these values were picked by looking at preview grids (--preview).
TORGB_WEIGHT_SCALE = 0.4  # brings the image into about [-1, 1]
AFFINE_WEIGHT_SCALE = 2.0  # styles depend more on w: more variety across z and under small moves
AFFINE_BIAS = 0.5  # upstream 1.0; same reason
NOISE_STRENGTH = 0.05  # upstream init 0: fine texture, and noise_gain has something to scale
W_AVG_SAMPLES = 10000
COLOUR_CENTRE_SAMPLES = 256


def build_generator() -> Generator:
    torch.manual_seed(SEED)
    G = Generator(Z_DIM, 0, W_DIM, RESOLUTION, 3,
                  mapping_kwargs=dict(num_layers=MAPPING_LAYERS),
                  synthesis_kwargs=dict(channel_base=CHANNEL_BASE, channel_max=CHANNEL_MAX,
                                        num_fp16_res=NUM_FP16_RES, conv_clamp=CONV_CLAMP))
    G.eval()
    with torch.no_grad():
        for name, module in G.synthesis.named_modules():
            if name.endswith('torgb'):
                module.weight.mul_(TORGB_WEIGHT_SCALE)
            if name.endswith('affine'):
                module.weight.mul_(AFFINE_WEIGHT_SCALE)
                module.bias.fill_(AFFINE_BIAS)
            if name.endswith('conv0') or name.endswith('conv1'):
                module.noise_strength.fill_(NOISE_STRENGTH)
        # What training's running average would hold: the mean w over many z (through the
        # oneDNN path: a reference-BLAS GEMM takes ~15 s for this).
        x = normalize_2nd_moment(torch.randn(W_AVG_SAMPLES, Z_DIM))
        for fc in G.mapping.layers():
            x = fc(x, fast=True)
        G.mapping.w_avg.copy_(x.mean(0))
        # Random ToRGB weights give every image the same colour cast: cancel the mean colour
        # with the last ToRGB bias (up-sampling preserves the mean of the running image).
        ws = x[:COLOUR_CENTRE_SAMPLES].unsqueeze(1).repeat(1, G.num_ws, 1)
        img = G.synthesis(ws, torch.ones(G.num_ws - 1))
        last = getattr(G.synthesis, f'b{RESOLUTION}').torgb
        last.bias.sub_(img.mean(dim=(0, 2, 3)))
    for p in G.parameters():
        p.requires_grad_(False)
    return G


class NotAGenerator(torch.nn.Module):
    """For the loader's error test. (nn.Linear would do, but its __constants__ set is saved
    in hash order, which makes the file differ from build to build.)"""

    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.full([4], 2.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale


def seed_z(seed: int) -> np.ndarray:
    return np.random.RandomState(seed).randn(1, Z_DIM)


def metadata(G: Generator) -> dict:
    return {
        'name': 'placeholder',
        'description': 'placeholder: random weights, not a trained model',
        'details': ('StyleGAN2-shaped network with random (seeded) weights, for running the app '
                    'before a trained model is converted. Initialization as upstream except: '
                    f'ToRGB weights x{TORGB_WEIGHT_SCALE}, affine weights x{AFFINE_WEIGHT_SCALE} '
                    f'and biases {AFFINE_BIAS} (upstream 1), noise_strength {NOISE_STRENGTH} '
                    '(upstream 0), last ToRGB bias set to cancel the mean colour, so that images '
                    'are colourful and move visibly under small changes of z; w_avg is the mean '
                    f'w of {W_AVG_SAMPLES} random z.'),
        'placeholder': True,
        'license': 'CC0-1.0 (random weights, no training data)',
        'source': 'tools/export_placeholder.py',
        'training_set': None,
        'torch_seed': SEED,
        'config': export.generator_config(G),
    }


@torch.no_grad()
def write_reference(G: Generator, scripted: torch.jit.ScriptModule, out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    z = torch.from_numpy(np.concatenate([seed_z(0), seed_z(1)])).float()
    c = torch.zeros(2, 0)
    ones = torch.ones(scripted.num_layers)
    ws = scripted.mapping(z, c)
    img = scripted.synthesis(ws, ones)
    img0 = scripted.synthesis(ws, torch.zeros(scripted.num_layers))
    # The eager, upstream-shaped code path must agree with the scripted contract.
    diff = export.check_against_eager(G, scripted, z, c, atol=1e-4)
    if (img - img0).abs().max().item() < 1e-3:
        raise AssertionError('noise_gain has no visible effect')
    arrays = {'z': z, 'ws': ws, 'img': img, 'img_noise0': img0, 'w_avg': scripted.get_w_avg()}
    for name, t in arrays.items():
        np.save(os.path.join(out_dir, f'{name}.npy'), t.numpy().astype(np.float32))
    with open(os.path.join(out_dir, 'README.txt'), 'w') as f:
        f.write('Written by tools/export_placeholder.py for tests/unit/model_test.cpp.\n'
                f'Scripted vs eager max abs image difference: {diff:.3g}\n')

    # A valid TorchScript archive that is not a generator (no mapping/synthesis).
    torch.jit.save(torch.jit.script(NotAGenerator()), os.path.join(out_dir, 'not_a_generator.pt'))


@torch.no_grad()
def write_preview(scripted: torch.jit.ScriptModule, path: str) -> None:
    """Rows: seeds 0-7; seed 0 walked by small steps; seeds 0-7 at psi 0.5; noise gain 0..3."""
    ones = torch.ones(scripted.num_layers)
    c = torch.zeros(1, 0)
    w_avg = scripted.get_w_avg()

    def render(z, psi=1.0, gain=1.0):
        ws = scripted.mapping(torch.from_numpy(z).float(), c)
        ws = w_avg + psi * (ws - w_avg)
        return scripted.synthesis(ws, ones * gain)[0].numpy()

    rows = [render(seed_z(s)) for s in range(8)]
    z0 = seed_z(0)
    step = np.random.RandomState(100).randn(1, Z_DIM)
    rows += [render(z0 + 0.05 * k * step) for k in range(8)]
    rows += [render(seed_z(s), psi=0.5) for s in range(8)]
    rows += [render(z0, gain=g) for g in np.linspace(0.0, 3.0, 8)]
    png.write_png(path, png.grid(np.stack(rows), cols=8))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--out', required=True, help='output TorchScript archive (.pt)')
    ap.add_argument('--reference-dir', help='write reference data for the C++ tests here')
    ap.add_argument('--preview', help='write a PNG grid of sample images')
    args = ap.parse_args()

    # Single-threaded: identical numbers on every build machine, and no oversubscription
    # when the build runs other jobs.
    torch.set_num_threads(1)
    G = build_generator()
    scripted = export.script_generator(G)
    if args.reference_dir:
        write_reference(G, scripted, args.reference_dir)
    if args.preview:
        write_preview(scripted, args.preview)
    scripted.reset_caches()  # derived kernels are rebuilt on first use after loading
    export.save_contract(scripted, args.out, metadata(G))
    print(f'wrote {args.out}' + (f' and {args.reference_dir}' if args.reference_dir else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
