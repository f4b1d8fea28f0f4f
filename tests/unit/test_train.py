"""The default model's tooling: the procedural data set (tools/make_dataset.py), differentiable
augmentation, the training forward pass, tools/train.py end to end at 16 px with its export to
the model contract, and tools/evaluate_model.py's measures.

Run: /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/unit/test_train.py
"""

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / 'tools'
sys.path.insert(0, str(TOOLS))

import evaluate_model  # noqa: E402
import make_dataset  # noqa: E402
import train  # noqa: E402
from autolume_model import augment, images, selftest, training  # noqa: E402
from autolume_model.discriminator import Discriminator  # noqa: E402
from autolume_model.networks import Generator  # noqa: E402
from dataset import FAMILIES, render  # noqa: E402

SIZE = 16


def digest(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope='module')
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp('data')
    make_dataset.make_dataset(str(out), 2 * len(FAMILIES), SIZE, seed=3,
                              families=list(FAMILIES), jobs=1)
    return out


def test_dataset_is_deterministic(dataset: Path, tmp_path: Path) -> None:
    make_dataset.make_dataset(str(tmp_path), 2 * len(FAMILIES), SIZE, seed=3,
                              families=list(FAMILIES), jobs=2)
    assert digest(tmp_path) == digest(dataset)
    names = sorted(p.name for p in dataset.iterdir())
    assert names[0] == '000000_warp.png' and len(names) == 2 * len(FAMILIES)


def test_dataset_seeds_and_families_differ() -> None:
    for family in FAMILIES:
        a, b = render(family, 1, 32), render(family, 2, 32)
        assert a.shape == (32, 32, 3) and a.dtype == np.uint8
        assert np.abs(a.astype(int) - b.astype(int)).mean() > 5, family
        assert a.std() > 5, f'{family} gave a flat image'
    # Families differ in kind, not only in colour: compare mean local gradient energy and
    # colour statistics across many seeds.
    stats = {}
    for family in FAMILIES:
        imgs = np.stack([render(family, s, 32) for s in range(6)]).astype(np.float64)
        grad = np.abs(np.diff(imgs, axis=2)).mean()
        stats[family] = np.array([grad, imgs.mean(), imgs.std()])
    names = list(FAMILIES)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert np.abs(stats[a] - stats[b]).max() > 1.0, (a, b)


def test_png_reader_matches_writer(dataset: Path) -> None:
    path = sorted(dataset.iterdir())[0]
    family = path.stem.split('_')[1]
    img = images.read_png(str(path))
    assert np.array_equal(img, render(family, make_dataset.image_seed(3, 0), SIZE))
    batch = images.load_folder(str(dataset), SIZE)
    assert batch.shape == (2 * len(FAMILIES), 3, SIZE, SIZE)


def test_augment_shapes_and_gradients() -> None:
    torch.manual_seed(0)
    x = torch.randn(6, 3, SIZE, SIZE, requires_grad=True)
    for name in augment.POLICIES:
        y = augment.augment(x, [name])
        assert y.shape == x.shape, name
        grad, = torch.autograd.grad(y.square().sum(), x, create_graph=True)
        assert grad.abs().sum() > 0, name
        # R1 needs a second derivative through the augmentation.
        grad.square().sum().backward()
    # Translation moves whole pixels: the content is a shifted copy with zeros at the border.
    y = augment.translation(x)
    for i in range(x.shape[0]):
        found = False
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                shifted = torch.roll(x[i], (dy, dx), (1, 2))
                inner = (slice(None), slice(2, SIZE - 2), slice(2, SIZE - 2))
                found |= bool(torch.equal(y[i][inner], shifted[inner]))
        assert found
    with pytest.raises(ValueError):
        augment.parse_policy('color,blur')


def test_training_forward_matches_contract() -> None:
    torch.manual_seed(1)
    G = Generator(32, 0, 32, SIZE, 3, dict(num_layers=2),
                  dict(channel_base=256, channel_max=32, conv_clamp=256)).eval()
    with torch.no_grad():
        for name, p in G.named_parameters():
            if name.endswith('noise_strength'):
                p.fill_(0.3)
        ws = G.mapping(torch.randn(3, 32), torch.zeros(3, 0))
        ws = ws + 0.5 * torch.randn_like(ws)  # distinct w per layer
        expected = G.synthesis(ws, torch.ones(G.num_ws - 1))
        got = training.synthesis(G, ws, noise='const')
    assert (got - expected).abs().max().item() < 1e-4
    D = Discriminator(SIZE, 3, 256, 32)
    assert D(got).shape == (3, 1)


def test_train_export_and_evaluate(dataset: Path, tmp_path: Path) -> None:
    run = tmp_path / 'run'
    model = tmp_path / 'model.pt'
    common = ['--resolution', str(SIZE), '--z-dim', '16', '--w-dim', '16', '--channel-base',
              '128', '--channel-max', '16', '--batch', '4', '--threads', '1',
              '--checkpoint-kimg', '0.008', '--log-every', '1', '--pl-weight', '2',
              '--r1-interval', '2', '--pl-interval', '2',
              '--augment', 'color,translation,cutout,flip']
    assert train.main(['--data', str(dataset), '--out', str(run), '--kimg', '0.012',
                       '--name', 'tiny', '--license', 'CC0-1.0', *common]) == 0
    state = torch.load(run / 'checkpoint.pt')
    assert state['nimg'] == 12 and state['iteration'] == 3
    # Resuming continues the count and keeps the run's metadata.
    assert train.main(['--data', str(dataset), '--out', str(run), '--kimg', '0.02', '--resume',
                       *common]) == 0
    state = torch.load(run / 'checkpoint.pt')
    assert state['nimg'] == 20
    log = (run / 'log.txt').read_text()
    assert 'resumed at 12 images' in log and 'R1' in log and 'PL' in log
    assert list(run.glob('samples_*.png'))
    assert train.main(['--export-from', str(run / 'checkpoint.pt'), '--export', str(model),
                       '--description', 'test model']) == 0

    # The exported archive is the model contract, written the placeholder's way.
    with zipfile.ZipFile(model) as archive:
        meta = json.loads(archive.read('model/extra/meta.json'))
    assert meta['name'] == 'tiny' and meta['description'] == 'test model'
    assert meta['placeholder'] is False and meta['license'] == 'CC0-1.0'
    assert meta['source'] == 'tools/train.py' and meta['training']['images_seen'] == 20
    assert meta['config']['resolution'] == SIZE
    S = torch.jit.load(str(model))
    G = Generator(**state['G_init_kwargs']).eval()
    G.load_state_dict(state['G_ema'])
    with torch.no_grad():
        G.mapping.w_avg.copy_(S.get_w_avg())
        z = torch.from_numpy(np.random.RandomState(0).randn(2, 16)).float()
        ws = S.mapping(z, torch.zeros(2, 0))
        assert ws.shape == (2, S.num_ws, 16)
        assert (S.synthesis(ws, torch.ones(S.num_layers)) - G(z, torch.zeros(2, 0))).abs().max() \
            < 1e-4
        assert S.block_resolutions == [4, 8, 16] and len(S.layer_names) == S.num_layers
    assert selftest.check_bending_and_early_exit(G, S, ws, torch.ones(S.num_layers))

    # The quality measures run on it; a model is closer to itself than to noise.
    ev = evaluate_model.Model(str(model))
    imgs = ev.images(list(range(8)))
    assert imgs.shape == (8, 3, SIZE, SIZE) and imgs.min() >= 0 and imgs.max() <= 1
    assert evaluate_model.diversity(imgs) > 0
    smooth = evaluate_model.smoothness(ev, paths=2, steps=5, seed=0)
    assert smooth['max_over_mean'] >= 1.0 and smooth['mean_step'] > 0
    feats = np.random.RandomState(0).randn(200, 4)
    assert abs(evaluate_model.frechet(feats, feats)) < 1e-6
    assert evaluate_model.frechet(feats, feats + 1.0) == pytest.approx(4.0, abs=1e-6)


def test_cli_reports_bad_arguments() -> None:
    proc = subprocess.run([sys.executable, str(TOOLS / 'train.py'), '--data', 'x'],
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONDONTWRITEBYTECODE='1'))
    assert proc.returncode == 2 and '--data and --out are required' in proc.stderr
