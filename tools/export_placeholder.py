#!/usr/bin/env python3
"""Exports the placeholder model: a small StyleGAN2-shaped generator with random weights,
used until a trained model is converted. Run at build time (deterministic for a given torch).

    export_placeholder.py --out models/placeholder.pt [--reference-dir DIR] [--preview P.png]

--reference-dir also writes data for the C++ tests (float32 .npy): z.npy [2, z_dim] (seeds 0
and 1 as in the official generate.py), ws.npy [2, num_ws, w_dim] = mapping(z), img.npy
[2, 3, R, R] = synthesis(ws, ones), img_noise0.npy = synthesis(ws, zeros), w_avg.npy [w_dim];
network bending and early exit through synthesis_until: bend_params.npy [num_layers, 4]
(translate x, translate y, rotate, zoom per layer; identity rows are not bent), img_bent.npy,
img_exit16.npy [2, 3, 16, 16]; per-layer noise: layer_noise.npy [num_layers],
img_layer_noise.npy; GANSpace of GANSPACE_SAMPLES ws from torch.randn with GANSPACE_SEED
(numpy PCA in float64): ganspace_mean.npy [w_dim], ganspace_components.npy [K, w_dim],
ganspace_stddevs.npy [K]; not_a_generator.pt, a valid TorchScript archive that breaks the
contract; and conditional.pt, a small class-conditional model (32 px, 4 classes) with
cond_ws.npy [4, num_ws, w_dim] and cond_img.npy [4, 3, 32, 32] for seed 0 and classes 0-3.
"""

import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autolume_model import export, png  # noqa: E402
from autolume_model.networks import (Generator, bend_matrix, identity_bends,  # noqa: E402
                                     normalize_2nd_moment)

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

# The conditional test model: a different resolution and w_dim (the same z_dim) than the
# placeholder, so it also serves the app's model-switching test.
COND_SEED = 20240502
COND_CLASSES = 4
COND_RESOLUTION = 32
COND_W_DIM = 128
COND_MAPPING_LAYERS = 2
COND_CHANNEL_BASE = 512
COND_CHANNEL_MAX = 32
COND_W_AVG_SAMPLES = 2000

# Reference GANSpace for the C++ test (autolume::model::computeGanSpace with the same settings).
GANSPACE_SAMPLES = 2000
GANSPACE_COMPONENTS = 8
GANSPACE_SEED = 7


def sample_ws(G: Generator, n: int) -> torch.Tensor:
    """[n, w_dim] mapped w of random z (and random classes for a conditional G)."""
    z = torch.randn(n, G.z_dim)
    if G.c_dim == 0:
        # Through the oneDNN path: a reference-BLAS GEMM takes ~15 s for 10 000 samples.
        x = normalize_2nd_moment(z)
        for fc in G.mapping.layers():
            x = fc(x, fast=True)
        return x
    c = torch.nn.functional.one_hot(torch.randint(0, G.c_dim, [n]), G.c_dim).float()
    return G.mapping(z, c)[:, 0]


def build_generator(resolution: int = RESOLUTION, c_dim: int = 0, w_dim: int = W_DIM,
                    mapping_layers: int = MAPPING_LAYERS, channel_base: int = CHANNEL_BASE,
                    channel_max: int = CHANNEL_MAX, seed: int = SEED,
                    w_avg_samples: int = W_AVG_SAMPLES) -> Generator:
    torch.manual_seed(seed)
    G = Generator(Z_DIM, c_dim, w_dim, resolution, 3,
                  mapping_kwargs=dict(num_layers=mapping_layers),
                  synthesis_kwargs=dict(channel_base=channel_base, channel_max=channel_max,
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
        # What training's running average would hold: the mean w over many z.
        x = sample_ws(G, w_avg_samples)
        G.mapping.w_avg.copy_(x.mean(0))
        # Random ToRGB weights give every image the same colour cast: cancel the mean colour
        # with the last ToRGB bias (up-sampling preserves the mean of the running image).
        ws = x[:COLOUR_CENTRE_SAMPLES].unsqueeze(1).repeat(1, G.num_ws, 1)
        img = G.synthesis(ws, torch.ones(G.num_ws - 1))
        last = getattr(G.synthesis, f'b{resolution}').torgb
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


def conditional_metadata(G: Generator) -> dict:
    meta = metadata(G)
    meta.update({
        'name': 'conditional-test',
        'description': 'test fixture: class-conditional, random weights, not a trained model',
        'details': (f'Like the placeholder (same initialization tweaks), {COND_CLASSES} '
                    f'classes, {COND_RESOLUTION} px, w_dim {COND_W_DIM}; for the tests of the '
                    'class label path and of live model switching.'),
        'torch_seed': COND_SEED,
    })
    return meta


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

    write_bending_reference(scripted, ws, out_dir)
    write_ganspace_reference(scripted, out_dir)
    write_conditional(out_dir)


def bend_table(num_layers: int) -> np.ndarray:
    """Per-layer (translate x, translate y, rotate, zoom) for the bending reference: a move on
    an 8 px layer, rotation + zoom at 32 px, a vertical move and a zoom-out on the last layer;
    the other layers identity."""
    table = np.tile(np.array([0.0, 0.0, 0.0, 1.0]), (num_layers, 1))
    table[2] = [0.25, 0.0, 0.0, 1.0]
    table[5] = [0.0, 0.0, 0.3, 1.2]
    table[num_layers - 1] = [0.0, -0.1, -0.2, 0.8]
    return table


@torch.no_grad()
def write_bending_reference(scripted: torch.jit.ScriptModule, ws: torch.Tensor,
                            out_dir: str) -> None:
    layers = scripted.num_layers
    ones = torch.ones(layers)
    table = bend_table(layers)
    bends = identity_bends(layers)
    active = []
    for i, (tx, ty, rot, zoom) in enumerate(table):
        bends[i] = torch.tensor(bend_matrix(tx, ty, rot, zoom))
        active.append(bool(tx != 0.0 or ty != 0.0 or rot != 0.0 or zoom != 1.0))
    bent = scripted.synthesis_until(ws, ones, bends, active, scripted.img_resolution)
    exit16 = scripted.synthesis_until(ws, ones, identity_bends(layers), [False] * layers, 16)
    layer_noise = torch.linspace(0.0, 2.0, layers)
    img_layer_noise = scripted.synthesis(ws, layer_noise)
    arrays = {'bend_params': torch.from_numpy(table), 'img_bent': bent, 'img_exit16': exit16,
              'layer_noise': layer_noise, 'img_layer_noise': img_layer_noise}
    for name, t in arrays.items():
        np.save(os.path.join(out_dir, f'{name}.npy'), t.numpy().astype(np.float32))


@torch.no_grad()
def write_ganspace_reference(scripted: torch.jit.ScriptModule, out_dir: str) -> None:
    """PCA of w as computeGanSpace defines it: z = torch.randn(N, z_dim) from a CPU generator
    seeded with the seed, w = mapping(z)[:, 0]; components are unit eigenvectors of the sample
    covariance (ddof 1), largest first, each signed so that its largest |entry| is positive."""
    gen = torch.Generator().manual_seed(GANSPACE_SEED)
    z = torch.randn(GANSPACE_SAMPLES, scripted.z_dim, generator=gen)
    w = scripted.mapping(z, torch.zeros(GANSPACE_SAMPLES, 0))[:, 0].double().numpy()
    mean = w.mean(0)
    cov = np.cov(w, rowvar=False)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1][:GANSPACE_COMPONENTS]
    comps = vectors[:, order].T
    signs = np.sign(comps[np.arange(len(comps)), np.abs(comps).argmax(1)])
    comps = comps * signs[:, None]
    stds = np.sqrt(np.maximum(values[order], 0.0))
    for name, a in (('ganspace_mean', mean), ('ganspace_components', comps),
                    ('ganspace_stddevs', stds)):
        np.save(os.path.join(out_dir, f'{name}.npy'), a.astype(np.float32))


@torch.no_grad()
def write_conditional(out_dir: str) -> None:
    G = build_generator(COND_RESOLUTION, COND_CLASSES, COND_W_DIM, COND_MAPPING_LAYERS,
                        COND_CHANNEL_BASE, COND_CHANNEL_MAX, COND_SEED, COND_W_AVG_SAMPLES)
    scripted = export.script_generator(G)
    z = torch.from_numpy(seed_z(0)).float().repeat(COND_CLASSES, 1)
    c = torch.eye(COND_CLASSES)
    export.check_against_eager(G, scripted, z, c, atol=1e-4)
    ws = scripted.mapping(z, c)
    img = scripted.synthesis(ws, torch.ones(scripted.num_layers))
    if (img[0] - img[1]).abs().mean().item() < 1e-3:
        raise AssertionError('the class label has no visible effect')
    np.save(os.path.join(out_dir, 'cond_ws.npy'), ws.numpy().astype(np.float32))
    np.save(os.path.join(out_dir, 'cond_img.npy'), img.numpy().astype(np.float32))
    scripted.reset_caches()
    export.save_contract(scripted, os.path.join(out_dir, 'conditional.pt'),
                         conditional_metadata(G))


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
