"""Self-checks of the generator's numerics: `/usr/bin/python3 -m autolume_model.selftest`
(from tools/). Exits non-zero on failure.

The up-sampling operations are checked in float64 against their textbook definitions (zero
insertion, padding, correlation with the flipped filter), so the transposed-convolution and
polyphase forms are shown to compute the official upfirdn2d / conv2d_resample results."""

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


def check(name: str, a: torch.Tensor, b: torch.Tensor, tol: float) -> bool:
    diff = (a - b).abs().max().item() if a.shape == b.shape else float('inf')
    ok = diff <= tol
    print(f'{"ok  " if ok else "FAIL"} {name}: max abs diff {diff:.3g} (tol {tol:g})')
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
    print('all checks passed' if ok else 'SOME CHECKS FAILED')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
