#!/usr/bin/env python3
"""Trains a StyleGAN2 generator on a folder of images and exports it as an autolume model.

    train.py --data DIR --out RUN_DIR [--resolution 64] [--kimg 500] [--minutes 0]
             [--device cpu|cuda] [--resume] [--export models/my.pt]
    train.py --export-from RUN_DIR/checkpoint.pt --export models/my.pt

StyleGAN2 as upstream trains it: non-saturating logistic loss, lazy R1 on real images, style
mixing, an exponential moving average of G's weights (G_ema, which is what gets exported), and
lazy path length regularization. DiffAugment (tools/autolume_model/augment.py) keeps
the discriminator from memorising small data sets. G is tools/autolume_model/networks.py's
Generator, trained through the differentiable forward of training.py, so the export is the
same model contract as the placeholder and converted pickles.

RUN_DIR gets checkpoint.pt (G, D, G_ema, both optimisers, images seen, elapsed time; written
every --checkpoint-kimg and at the end; --resume continues from it, with its architecture),
samples_<kimg>.png grids of fixed seeds, and log.txt. Training stops after --kimg thousand
images or --minutes of wall time, whichever comes first; with --export the EMA generator is
then written as a .pt."""

import argparse
import json
import math
import os
import platform
import sys
import time
from typing import Any, Dict

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from autolume_model import augment, export, images, png, training  # noqa: E402
from autolume_model.discriminator import Discriminator  # noqa: E402
from autolume_model.networks import Generator, normalize_2nd_moment  # noqa: E402

CHECKPOINT = 'checkpoint.pt'
# Taken from the checkpoint on --resume, whatever the command line says.
ARCH_KEYS = ('resolution', 'z_dim', 'w_dim', 'mapping_layers', 'channel_base', 'channel_max',
             'd_channel_base', 'd_channel_max', 'num_fp16_res')
W_AVG_SAMPLES = 10000
SAMPLE_SEEDS = 32
# meta.json fields settable from the command line (at training or at --export-from time).
META_DEFAULTS = {'name': 'custom', 'description': 'StyleGAN2 trained with tools/train.py',
                 'license': 'as the training images', 'data_description': ''}


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    io = ap.add_argument_group('data and output')
    io.add_argument('--data', help='folder of training images (any format ImageMagick reads)')
    io.add_argument('--out', help='run folder: checkpoint, sample grids, log')
    io.add_argument('--resume', action='store_true', help='continue from OUT/checkpoint.pt')
    io.add_argument('--export', help='write the EMA generator as a model contract .pt here')
    io.add_argument('--export-from', help='only export this checkpoint (no training)')
    io.add_argument('--name', help=f'model name in meta.json (default {META_DEFAULTS["name"]})')
    io.add_argument('--description', help='meta.json description')
    io.add_argument('--license', help='licence of the weights in meta.json '
                    f'(default: {META_DEFAULTS["license"]})')
    io.add_argument('--data-description', help='training set, for meta.json')
    io.add_argument('--limit', type=int, default=0, help='use only the first N images')
    arch = ap.add_argument_group('architecture')
    arch.add_argument('--resolution', type=int, default=64, help='power of two')
    arch.add_argument('--z-dim', type=int, default=128)
    arch.add_argument('--w-dim', type=int, default=128)
    arch.add_argument('--mapping-layers', type=int, default=4)
    arch.add_argument('--channel-base', type=int, default=1024,
                      help='channels at resolution R: min(base / R, max)')
    arch.add_argument('--channel-max', type=int, default=64)
    arch.add_argument('--d-channel-base', type=int, default=0, help='0: as G')
    arch.add_argument('--d-channel-max', type=int, default=0, help='0: as G')
    arch.add_argument('--num-fp16-res', type=int, default=0,
                      help='blocks the exported model may run in fp16 on CUDA')
    tr = ap.add_argument_group('training')
    tr.add_argument('--batch', type=int, default=32)
    tr.add_argument('--kimg', type=float, default=500.0, help='stop after this many k images')
    tr.add_argument('--minutes', type=float, default=0.0, help='stop after this wall time (0: no)')
    tr.add_argument('--glr', type=float, default=0.0025)
    tr.add_argument('--dlr', type=float, default=0.0025)
    tr.add_argument('--gamma', type=float, default=0.05, help='R1 weight')
    tr.add_argument('--r1-interval', type=int, default=16)
    tr.add_argument('--pl-weight', type=float, default=2.0,
                    help='path length regularization weight (0: off, ~10%% faster)')
    tr.add_argument('--pl-interval', type=int, default=4)
    tr.add_argument('--style-mixing', type=float, default=0.9)
    tr.add_argument('--ema-kimg', type=float, default=5.0, help='EMA half-life in k images')
    tr.add_argument('--ema-rampup', type=float, default=0.05,
                    help='half-life at most this fraction of the images seen (0: off)')
    tr.add_argument('--augment', default='color,translation,cutout',
                    help='DiffAugment policy: comma-separated color, translation, cutout, flip '
                         '(empty: none)')
    tr.add_argument('--mirror', action='store_true',
                    help='also train on horizontally mirrored real images')
    tr.add_argument('--device', default='cpu', help='cpu, cuda or cuda:N')
    tr.add_argument('--threads', type=int, default=0, help='CPU threads (0: torch default)')
    tr.add_argument('--seed', type=int, default=0)
    tr.add_argument('--checkpoint-kimg', type=float, default=10.0)
    tr.add_argument('--sample-kimg', type=float, default=20.0)
    tr.add_argument('--log-every', type=int, default=20, help='iterations between log lines')
    args = ap.parse_args(argv)
    if args.export_from:
        if not args.export:
            ap.error('--export-from needs --export')
    elif not args.data or not args.out:
        ap.error('--data and --out are required for training')
    return args


def build_networks(args: argparse.Namespace):
    G = Generator(args.z_dim, 0, args.w_dim, args.resolution, 3,
                  mapping_kwargs=dict(num_layers=args.mapping_layers),
                  synthesis_kwargs=dict(channel_base=args.channel_base,
                                        channel_max=args.channel_max,
                                        num_fp16_res=args.num_fp16_res, conv_clamp=256))
    D = Discriminator(args.resolution, 3, args.d_channel_base or args.channel_base,
                      args.d_channel_max or args.channel_max)
    return G, D


def count_params(m: torch.nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


class Trainer:
    """One training run: networks, optimisers, data on the device, and the counters that go
    into a checkpoint."""

    def __init__(self, args: argparse.Namespace, data: np.ndarray):
        self.args = args
        self.device = torch.device(args.device)
        self.policy = augment.parse_policy(args.augment)
        self.G, self.D = build_networks(args)
        self.G.train().requires_grad_(True)
        self.G_ema = Generator(**self.G.init_kwargs).eval().requires_grad_(False)
        self.G_ema.load_state_dict(self.G.state_dict())
        for m in (self.G, self.D, self.G_ema):
            m.to(self.device)
        # Lazy regularization: scale lr and betas so the interval does not change their meaning.
        c_d = args.r1_interval / (args.r1_interval + 1)
        c_g = args.pl_interval / (args.pl_interval + 1) if args.pl_weight > 0 else 1.0
        self.opt_G = torch.optim.Adam(self.G.parameters(), lr=args.glr * c_g,
                                      betas=(0.0, 0.99 ** c_g), eps=1e-8)
        self.opt_D = torch.optim.Adam(self.D.parameters(), lr=args.dlr * c_d,
                                      betas=(0.0, 0.99 ** c_d), eps=1e-8)
        self.data = torch.from_numpy(data).to(self.device)
        self.nimg = 0
        self.iteration = 0
        self.elapsed_s = 0.0
        self.pl_mean = torch.zeros([], device=self.device)
        self.sample_z = torch.from_numpy(
            np.random.RandomState(args.seed).randn(SAMPLE_SEEDS, args.z_dim)).float()

    def state(self) -> Dict[str, Any]:
        return {'G': self.G.state_dict(), 'D': self.D.state_dict(),
                'G_ema': self.G_ema.state_dict(), 'opt_G': self.opt_G.state_dict(),
                'opt_D': self.opt_D.state_dict(), 'nimg': self.nimg,
                'iteration': self.iteration, 'elapsed_s': self.elapsed_s,
                'pl_mean': self.pl_mean.cpu(), 'args': vars(self.args),
                'G_init_kwargs': self.G.init_kwargs, 'data_count': int(self.data.shape[0])}

    def load(self, state: Dict[str, Any]) -> None:
        self.G.load_state_dict(state['G'])
        self.D.load_state_dict(state['D'])
        self.G_ema.load_state_dict(state['G_ema'])
        self.opt_G.load_state_dict(state['opt_G'])
        self.opt_D.load_state_dict(state['opt_D'])
        self.nimg = state['nimg']
        self.iteration = state['iteration']
        self.elapsed_s = state['elapsed_s']
        self.pl_mean = state['pl_mean'].to(self.device)
        # meta.json texts given when the run started carry over unless given again.
        for key in META_DEFAULTS:
            if getattr(self.args, key) is None:
                setattr(self.args, key, state['args'].get(key))

    def real_batch(self) -> torch.Tensor:
        idx = torch.randint(0, self.data.shape[0], [self.args.batch], device=self.device)
        x = self.data[idx].to(torch.float32) / 127.5 - 1.0
        if self.args.mirror:
            flip = torch.rand([x.shape[0], 1, 1, 1], device=self.device) < 0.5
            x = torch.where(flip, x.flip(3), x)
        return x

    def discriminate(self, img: torch.Tensor) -> torch.Tensor:
        return self.D(augment.augment(img, self.policy))

    def z(self, n: int) -> torch.Tensor:
        return torch.randn([n, self.args.z_dim], device=self.device)

    def step(self) -> Dict[str, float]:
        """One iteration: a D step (+ R1 every r1_interval), a G step (+ path length every
        pl_interval), the EMA update."""
        args = self.args
        stats: Dict[str, float] = {}
        batch = args.batch

        # Discriminator: logistic loss on fakes (G frozen) and augmented reals.
        self.D.requires_grad_(True)
        with torch.no_grad():
            fake = training.synthesis(self.G, training.mapping(self.G, self.z(batch), None,
                                                                args.style_mixing))
        real = self.real_batch()
        do_r1 = args.gamma > 0 and self.iteration % args.r1_interval == 0
        if do_r1:
            real.requires_grad_(True)
        real_logits = self.discriminate(real)
        fake_logits = self.discriminate(fake)
        loss_d = F.softplus(fake_logits).mean() + F.softplus(-real_logits).mean()
        stats['loss_D'] = loss_d.item()
        stats['D_real'] = real_logits.mean().item()
        stats['D_fake'] = fake_logits.mean().item()
        if do_r1:
            grad, = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
            penalty = grad.square().sum(dim=[1, 2, 3]).mean()
            loss_d = loss_d + penalty * (args.gamma / 2) * args.r1_interval
            stats['R1'] = penalty.item()
        self.opt_D.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_D.step()

        # Generator: non-saturating loss through the (frozen) discriminator.
        self.D.requires_grad_(False)
        ws = training.mapping(self.G, self.z(batch), None, args.style_mixing)
        with torch.no_grad():
            # Upstream tracks w_avg (the truncation centre) during training, beta 0.995.
            self.G.mapping.w_avg.lerp_(ws[:, 0].mean(0), 1.0 - 0.995)
        fake = training.synthesis(self.G, ws)
        loss_g = F.softplus(-self.discriminate(fake)).mean()
        stats['loss_G'] = loss_g.item()
        if args.pl_weight > 0 and self.iteration % args.pl_interval == 0:
            loss_g = loss_g + self.path_length_penalty(stats) * args.pl_interval
        self.opt_G.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_G.step()

        self.nimg += batch
        self.iteration += 1
        self.update_ema()
        return stats

    def path_length_penalty(self, stats: Dict[str, float]) -> torch.Tensor:
        n = max(self.args.batch // 2, 1)
        ws = training.mapping(self.G, self.z(n), None, self.args.style_mixing)
        img = training.synthesis(self.G, ws)
        noise = torch.randn_like(img) / math.sqrt(img.shape[2] * img.shape[3])
        grad, = torch.autograd.grad((img * noise).sum(), ws, create_graph=True)
        lengths = grad.square().sum(2).mean(1).sqrt()
        self.pl_mean = self.pl_mean.lerp(lengths.mean().detach(), 0.01)
        penalty = (lengths - self.pl_mean).square().mean()
        stats['PL'] = penalty.item()
        return penalty * self.args.pl_weight

    @torch.no_grad()
    def update_ema(self) -> None:
        args = self.args
        ema_nimg = args.ema_kimg * 1000
        if args.ema_rampup > 0:
            ema_nimg = min(ema_nimg, self.nimg * args.ema_rampup)
        beta = 0.5 ** (args.batch / max(ema_nimg, 1e-8))
        for p_ema, p in zip(self.G_ema.parameters(), self.G.parameters()):
            p_ema.copy_(p.detach().lerp(p_ema, beta))
        for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers()):
            b_ema.copy_(b)

    @torch.no_grad()
    def write_samples(self, path: str) -> None:
        G = self.G_ema
        ws = G.mapping(self.sample_z.to(self.device), torch.zeros([SAMPLE_SEEDS, 0],
                                                                   device=self.device))
        img = training.synthesis(G, ws, noise='const')
        png.write_png(path, png.grid(img.cpu().numpy(), cols=8))

    def save(self, path: str) -> None:
        tmp = path + '.tmp'
        torch.save(self.state(), tmp)
        os.replace(tmp, path)


@torch.no_grad()
def mean_w(G: Generator, samples: int = W_AVG_SAMPLES, seed: int = 0) -> torch.Tensor:
    """The mean w of many random z: the truncation centre, measured rather than tracked."""
    gen = torch.Generator().manual_seed(seed)
    x = normalize_2nd_moment(torch.randn(samples, G.z_dim, generator=gen))
    for fc in G.mapping.layers():
        x = fc(x, fast=True)
    return x.mean(0)


def export_checkpoint(state: Dict[str, Any], path: str, overrides: argparse.Namespace) -> None:
    """Scripts the checkpoint's G_ema (on the CPU, fp32) and writes the model contract. The
    meta.json texts come from `overrides` where given there, else from the run's arguments."""
    G = Generator(**state['G_init_kwargs'])
    G.load_state_dict(state['G_ema'])
    G.eval().requires_grad_(False)
    G.mapping.w_avg.copy_(mean_w(G))
    scripted = export.script_generator(G)
    z = torch.from_numpy(np.random.RandomState(0).randn(2, G.z_dim)).float()
    export.check_against_eager(G, scripted, z, atol=1e-4)
    scripted.reset_caches()
    args = state['args']
    text = {k: getattr(overrides, k) or args.get(k) or v for k, v in META_DEFAULTS.items()}
    meta = {
        'name': text['name'],
        'description': text['description'],
        'placeholder': False,
        'license': text['license'],
        'source': 'tools/train.py',
        'training_set': {'folder': os.path.basename(os.path.normpath(args['data'])),
                         'images': state['data_count'],
                         'description': text['data_description']},
        'training': {'images_seen': state['nimg'], 'iterations': state['iteration'],
                     'wall_time_s': round(state['elapsed_s'], 1), 'batch': args['batch'],
                     'augment': args['augment'], 'gamma': args['gamma'],
                     'pl_weight': args['pl_weight'], 'device': args['device'],
                     'glr': args['glr'], 'dlr': args['dlr'], 'ema_kimg': args['ema_kimg'],
                     'style_mixing': args['style_mixing'], 'mirror': args['mirror']},
        'config': export.generator_config(G),
    }
    export.save_contract(scripted, path, meta)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if args.export_from:
        state = torch.load(args.export_from, map_location='cpu')
        export_checkpoint(state, args.export, args)
        print(f'wrote {args.export} ({state["nimg"]} images seen)')
        return 0

    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    log = open(os.path.join(args.out, 'log.txt'), 'a')

    def say(text: str) -> None:
        print(text, flush=True)
        log.write(text + '\n')
        log.flush()

    ckpt_path = os.path.join(args.out, CHECKPOINT)
    state = None
    if args.resume and os.path.exists(ckpt_path):
        state = torch.load(ckpt_path, map_location=args.device)
        for key in ARCH_KEYS:
            setattr(args, key, state['args'][key])
    t0 = time.time()
    data = images.load_folder(args.data, args.resolution, args.limit)
    say(f'{len(data)} images from {args.data} at {args.resolution} px '
        f'({time.time() - t0:.1f} s to load)')
    trainer = Trainer(args, data)
    if state is not None:
        trainer.load(state)
        torch.manual_seed(args.seed + trainer.nimg)  # new batches, not a replay of the start
        say(f'resumed at {trainer.nimg} images')
    say(f'G {count_params(trainer.G)} parameters, D {count_params(trainer.D)}; device '
        f'{args.device}, {torch.get_num_threads()} threads, {platform.processor() or "cpu"}; '
        f'args {json.dumps(vars(args))}')

    start = time.time()
    start_elapsed = trainer.elapsed_s
    next_ckpt = trainer.nimg + args.checkpoint_kimg * 1000
    next_sample = trainer.nimg
    window: Dict[str, float] = {}
    window_n = 0

    def out_of_time() -> bool:
        return args.minutes > 0 and trainer.elapsed_s >= args.minutes * 60

    while trainer.nimg < args.kimg * 1000 and not out_of_time():
        if trainer.nimg >= next_sample:
            trainer.write_samples(os.path.join(args.out,
                                               f'samples_{trainer.nimg // 1000:06d}.png'))
            next_sample += args.sample_kimg * 1000
        stats = trainer.step()
        trainer.elapsed_s = start_elapsed + time.time() - start
        for k, v in stats.items():
            window[k] = window.get(k, 0.0) + v
        window_n += 1
        if trainer.iteration % args.log_every == 0:
            means = ' '.join(f'{k} {v / window_n:.3f}' for k, v in sorted(window.items())
                             if k not in ('R1', 'PL'))
            extra = ' '.join(f'{k} {stats[k]:.4f}' for k in ('R1', 'PL') if k in stats)
            say(f'kimg {trainer.nimg / 1000:.1f} it {trainer.iteration} '
                f'time {trainer.elapsed_s / 60:.1f} min '
                f'({trainer.elapsed_s / max(trainer.nimg, 1) * 1000:.1f} s/kimg) {means} {extra}')
            window, window_n = {}, 0
        if trainer.nimg >= next_ckpt:
            trainer.save(ckpt_path)
            next_ckpt += args.checkpoint_kimg * 1000
    trainer.save(ckpt_path)
    trainer.write_samples(os.path.join(args.out, f'samples_{trainer.nimg // 1000:06d}.png'))
    say(f'done: {trainer.nimg} images, {trainer.iteration} iterations, '
        f'{trainer.elapsed_s / 60:.1f} min')
    if args.export:
        export_checkpoint(trainer.state(), args.export, args)
        say(f'wrote {args.export}')
    log.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
