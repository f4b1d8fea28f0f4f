"""Self-checks of the generator's numerics: `/usr/bin/python3 -m autolume_model.selftest`
(from tools/). Exits non-zero on failure.

The up-sampling operations are checked in float64 against their textbook definitions (zero
insertion, padding, correlation with the flipped filter), so the transposed-convolution and
polyphase forms are shown to compute the official upfirdn2d / conv2d_resample results.
Network bending is checked against exact pixel moves and quarter turns, and the early exit
against the running skip image of the full eager pass."""

import math
import sys

import torch
import torch.nn.functional as F

from . import networks as N


def upfirdn_reference(x: torch.Tensor, f: torch.Tensor, up: int, pad0: int, pad1: int,
                      gain: float) -> torch.Tensor:
    """Literal up-sample (zero insertion) -> zero pad -> FIR (flipped filter, correlation)."""
    b, c, h, w = x.shape
    if up > 1:
        z = torch.zeros([b, c, h, up, w, up], dtype=x.dtype)
        z[:, :, :, 0, :, 0] = x
        x = z.reshape(b, c, h * up, w * up)
    x = F.pad(x, [pad0, pad1, pad0, pad1])
    k = (f * gain).flip([0, 1]).to(x.dtype)
    k = k.reshape(1, 1, *f.shape).repeat(c, 1, 1, 1)
    return F.conv2d(x, k, groups=c)


def transposed_conv_reference(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Stride-2 transposed convolution by definition: zero insertion, full padding, correlation
    with the spatially flipped kernel. w: [O, I, k, k]."""
    b, c, h, wd = x.shape
    k = w.shape[-1]
    z = torch.zeros([b, c, h, 2, wd, 2], dtype=x.dtype)
    z[:, :, :, 0, :, 0] = x
    z = z.reshape(b, c, 2 * h, 2 * wd)[:, :, :2 * h - 1, :2 * wd - 1]
    return F.conv2d(z, w.flip([2, 3]), padding=k - 1)


def check_equal(name: str, a: torch.Tensor, b: torch.Tensor) -> bool:
    ok = a.shape == b.shape and torch.equal(a, b)
    print(f'{"ok  " if ok else "FAIL"} {name}: bitwise equal')
    return ok


def check(name: str, a: torch.Tensor, b: torch.Tensor, tol: float) -> bool:
    diff = (a - b).abs().max().item() if a.shape == b.shape else float('inf')
    ok = diff <= tol
    print(f'{"ok  " if ok else "FAIL"} {name}: max abs diff {diff:.3g} (tol {tol:g})')
    return ok


@torch.no_grad()
def check_bending_and_early_exit(G: N.Generator, S: torch.jit.ScriptModule, ws: torch.Tensor,
                                 ng: torch.Tensor) -> bool:
    ok = True
    # bend_activations on its own: whole-pixel moves and quarter turns land on pixel centres.
    x = torch.randn(2, 5, 16, 16)
    y = N.bend_activations(x, torch.tensor(N.bend_matrix(3 / 16, -2 / 16)))
    ok &= check('bend: move right 3 px, up 2 px', y[:, :, 0:14, 3:16], x[:, :, 2:16, 0:13], 1e-5)
    y = N.bend_activations(x, torch.tensor(N.bend_matrix(rotate=math.pi / 2)))
    ok &= check('bend: rotate pi/2 is a clockwise quarter turn', y, torch.rot90(x, -1, [2, 3]),
                1e-5)
    y = N.bend_activations(x, torch.tensor(N.bend_matrix(zoom=2.0)))
    # Magnified 2x about the centre (pixel coordinate 8): output pixel 8 reads input 7.75 on
    # both axes, i.e. bilinear weights 3/4 and 1/4.
    ok &= check('bend: zoom 2 about the centre', y[:, :, 8, 8], 0.0625 * (
        9 * x[:, :, 8, 8] + 3 * x[:, :, 7, 8] + 3 * x[:, :, 8, 7] + x[:, :, 7, 7]), 1e-5)

    layers = S.num_layers
    res = S.img_resolution
    eye = N.identity_bends(layers)
    none = [False] * layers
    full = S.synthesis(ws, ng)
    ok &= check_equal('synthesis_until, nothing bent, full size == synthesis',
                      S.synthesis_until(ws, ng, eye, none, res), full)
    ok &= check('identity matrices on every layer (resampled) ~ synthesis',
                S.synthesis_until(ws, ng, eye, [True] * layers, res), full, 1e-5)

    # Early exit: the running skip image of the full (eager, upstream-shaped) pass.
    running = {}
    hooks = [b.register_forward_hook(lambda m, i, o, r=r: running.__setitem__(r, o[1].clone()))
             for r, b in zip(G.synthesis.block_resolutions, G.synthesis.blocks())]
    G.synthesis(ws, ng)
    for h in hooks:
        h.remove()
    for r in S.block_resolutions:
        out = S.synthesis_until(ws, ng, eye, none, r)
        ok &= check(f'early exit at {r} px == running image of the full pass', out, running[r],
                    1e-4)
    try:
        S.synthesis_until(ws, ng, eye, none, 12)
        ok &= check_equal('early exit at 12 px is refused', torch.ones(1), torch.zeros(1))
    except Exception:  # noqa: BLE001 (TorchScript raises its own error type)
        print('ok   early exit at a non-block resolution is refused')

    # Whole network: move the last conv layer's output by whole pixels. ToRGB is per pixel, so
    # its contribution t = full - upsample(running image below) moves by the same pixels.
    last = layers - 1
    k = 2
    bends = eye.clone()
    bends[last] = torch.tensor(N.bend_matrix(k / res, 0.0))
    active = [i == last for i in range(layers)]
    bent = S.synthesis_until(ws, ng, bends, active, res)
    below = getattr(G.synthesis, f'b{res}').upsample_image(running[res // 2], False)
    t = full - below
    ok &= check(f'last layer moved {k} px right moves its ToRGB term', bent[..., k:],
                below[..., k:] + t[..., :-k], 1e-4)
    changed = (bent - full).abs().mean().item()
    print(f'{"ok  " if changed > 1e-3 else "FAIL"} a bend changes the image (mean {changed:.3g})')
    ok &= changed > 1e-3
    # A bend reaches only the blocks from its layer on: the 16 px exit ignores a 32 px bend.
    ok &= check_equal('exit below a bent layer is unaffected',
                      S.synthesis_until(ws, ng, bends, active, res // 2),
                      S.synthesis_until(ws, ng, eye, none, res // 2))
    # Rotation and zoom on a middle layer, all layers active: finite and different.
    bends[2] = torch.tensor(N.bend_matrix(0.1, -0.05, 0.3, 1.3))
    active[2] = True
    out = S.synthesis_until(ws, ng, bends, active, res)
    ok &= bool(torch.isfinite(out).all()) and (out - bent).abs().mean().item() > 1e-3
    print(f'{"ok  " if ok else "FAIL"} rotate/zoom bend on layer 2')
    return ok


def main() -> int:
    torch.manual_seed(1)
    ok = True
    d = torch.float64
    f_sym = N.setup_filter([1, 3, 3, 1]).to(d)
    f_asym = torch.rand(4, 4, dtype=d)  # catches a missing or extra flip
    for fname, f in (('[1,3,3,1]', f_sym), ('asymmetric', f_asym)):
        x = torch.randn(2, 3, 5, 7, dtype=d)
        ref = upfirdn_reference(x, f, up=2, pad0=2, pad1=1, gain=4.0)
        ok &= check(f'upsample_2d {fname}', N.upsample_2d(x, f), ref, 1e-12)
        k = N.polyphase_upsample_kernel(f, 3)
        poly = F.pixel_shuffle(F.conv2d(x, k, padding=1, groups=3), 2)
        ok &= check(f'polyphase upsample {fname}', poly, ref, 1e-12)

        x = torch.randn(1, 6, 5, 4, dtype=d)
        w = torch.randn(4, 6, 3, 3, dtype=d)
        ref = upfirdn_reference(transposed_conv_reference(x, w), f, up=1, pad0=1, pad1=1,
                                gain=4.0)
        ones = torch.ones(1, 6, dtype=d)
        std = N.modulated_conv2d(x, w, ones, demodulate=False, up=2, padding=1,
                                 resample_filter=f, fast=False, up_kernel=None)
        ok &= check(f'conv0 transposed+FIR {fname}', std, ref, 1e-12)
        k = N.polyphase_conv_up_kernel(w, f)
        poly = F.pixel_shuffle(F.conv2d(x, k, padding=1), 2)
        ok &= check(f'conv0 polyphase {fname}', poly, ref, 1e-12)

    # State-dict names and shapes as in upstream G_ema, so converted pickles load strictly.
    G = N.Generator(64, 5, 48, 16, 3, dict(num_layers=3),
                    dict(channel_base=256, channel_max=32, conv_clamp=256))
    want = {'mapping.w_avg': [48], 'mapping.embed.weight': [48, 5], 'mapping.embed.bias': [48]}
    for i, (fin, fout) in enumerate([(64 + 48, 48), (48, 48), (48, 48)]):
        want[f'mapping.fc{i}.weight'] = [fout, fin]
        want[f'mapping.fc{i}.bias'] = [fout]
    chans = {4: 32, 8: 32, 16: 16}
    for res in (4, 8, 16):
        p = f'synthesis.b{res}.'
        want[p + 'resample_filter'] = [4, 4]
        convs = ['conv1'] if res == 4 else ['conv0', 'conv1']
        if res == 4:
            want[p + 'const'] = [32, 4, 4]
        for name in convs:
            cin = chans[res // 2] if name == 'conv0' else chans[res]
            q = p + name + '.'
            want.update({q + 'weight': [chans[res], cin, 3, 3], q + 'bias': [chans[res]],
                         q + 'noise_strength': [], q + 'resample_filter': [4, 4],
                         q + 'noise_const': [res, res], q + 'affine.weight': [cin, 48],
                         q + 'affine.bias': [cin]})
        q = p + 'torgb.'
        want.update({q + 'weight': [3, chans[res], 1, 1], q + 'bias': [3],
                     q + 'affine.weight': [chans[res], 48], q + 'affine.bias': [chans[res]]})
    got = {k: list(v.shape) for k, v in G.state_dict().items()}
    names_ok = got == want
    print(f'{"ok  " if names_ok else "FAIL"} state_dict names and shapes follow upstream G_ema')
    if not names_ok:
        print('  missing:', sorted(set(want) - set(got)), 'extra:', sorted(set(got) - set(want)),
              'shape:', sorted(k for k in set(want) & set(got) if want[k] != got[k]))
    ok &= names_ok
    G.load_state_dict(N.Generator(64, 5, 48, 16, 3, dict(num_layers=3),
                                  dict(channel_base=256, channel_max=32)).state_dict())

    # Whole network: scripted contract (CPU fast path) against the eager upstream-shaped path,
    # batch 2 with distinct samples, conditional mapping included.
    G = N.Generator(64, 5, 64, 32, 3, dict(num_layers=2),
                    dict(channel_base=512, channel_max=32, conv_clamp=256, num_fp16_res=2)).eval()
    with torch.no_grad():
        for p in G.parameters():
            p.add_(0.1 * torch.randn_like(p))
        G.mapping.w_avg.normal_()
    S = torch.jit.script(N.ContractGenerator(G).eval())
    z = torch.randn(2, 64)
    c = F.one_hot(torch.tensor([1, 3]), 5).float()
    ng = torch.rand(S.num_layers)
    with torch.no_grad():
        ws = S.mapping(z, c)
        ok &= check('mapping scripted vs eager', ws, G.mapping(z, c), 1e-5)
        eager = G.synthesis(ws, ng)
        ok &= check('synthesis scripted fast path vs eager', S.synthesis(ws, ng), eager, 1e-4)
        S.cpu_fast_path = False
        ok &= check('synthesis scripted plain path vs eager', S.synthesis(ws, ng), eager, 1e-5)
        S.cpu_fast_path = True
        single = torch.cat([S.synthesis(ws[i:i + 1], ng) for i in range(2)])
        ok &= check('batch 2 vs two batch-1 calls', S.synthesis(ws, ng), single, 1e-4)
        # Reduced-precision blocks (fp16 on CUDA), exercised with bfloat16 on the CPU. Batch 1:
        # torch 1.13's CPU bf16 grouped transposed convolution rejects valid shapes.
        S.use_fp16 = True
        S.fp16_dtype = torch.bfloat16
        ok &= check('bf16 blocks vs fp32 (coarse)', S.synthesis(ws[:1], ng), eager[:1], 0.25)
        S.use_fp16 = False
        # NHWC activations (set with fp16 on CUDA): same numbers in either layout.
        S.channels_last = True
        ok &= check('channels_last fast path vs eager', S.synthesis(ws, ng), eager, 1e-4)
        S.cpu_fast_path = False
        ok &= check('channels_last plain path vs eager', S.synthesis(ws, ng), eager, 1e-5)
        S.cpu_fast_path = True
        S.channels_last = False
    ok &= check_bending_and_early_exit(G, S, ws, ng)
    print('all checks passed' if ok else 'SOME CHECKS FAILED')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
