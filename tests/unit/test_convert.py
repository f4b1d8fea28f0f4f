"""tools/convert.py: official StyleGAN2-ADA snapshots -> the project's TorchScript generator.

Pickles are written by tests/tools/official_format.py (the official structure, project-written)
and images compared with tests/tools/reference_stylegan2.py (a plain reference forward pass of
the official semantics). Run: /usr/bin/python3 -m pytest -q tests/unit/test_convert.py
"""

import datetime
import hashlib
import importlib.util
import io
import json
import os
import pickle
import random
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'tests' / 'tools'))

import official_format as OF  # noqa: E402
import reference_stylegan2 as REF  # noqa: E402

CONVERT = ROOT / 'tools' / 'convert.py'
TOLERANCE = 1e-4
PSIS = (0.5, 1.0, 1.5)


def load_convert_module():
    spec = importlib.util.spec_from_file_location('autolume_convert', CONVERT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


convert_tool = load_convert_module()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE='1')
    return subprocess.run([sys.executable, str(CONVERT), *args], capture_output=True, text=True,
                          env=env, timeout=300)


def class_labels(cfg: OF.Config, batch: int, gen: torch.Generator,
                 one_hot: bool = True) -> torch.Tensor:
    """One-hot labels as the official generate.py (first and last class), or random vectors."""
    if cfg.c_dim == 0:
        return torch.zeros([batch, 0])
    if not one_hot:
        return torch.rand([batch, cfg.c_dim], generator=gen)
    c = torch.zeros([batch, cfg.c_dim])
    for i in range(batch):
        c[i, (cfg.c_dim - 1) * (i % 2)] = 1
    return c


def app_images(model: torch.jit.ScriptModule, z: torch.Tensor, c: torch.Tensor, psi: float,
               noise_gain: float = 1.0) -> torch.Tensor:
    """What the app does: mapping, then w_avg + psi (w - w_avg), then synthesis."""
    with torch.no_grad():
        ws = model.mapping(z, c)
        w_avg = model.get_w_avg()
        ws = w_avg + psi * (ws - w_avg)
        return model.synthesis(ws, torch.full([model.num_layers], noise_gain))


# (id, config). Small channel counts keep the suite fast; between them: resolutions 4, 8, 32,
# 64, 256 and 1024, channel_base not a power of two, channel_max cutting in at different
# resolutions, 1-8 mapping layers, z_dim != w_dim, conditional and not, conv_clamp None, 256
# (trained models) and small enough to clip, an asymmetric resampling filter, fp16 settings.
CONFIGS: List[Tuple[str, OF.Config]] = [
    ('res4', OF.Config(4, z_dim=8, w_dim=8, channel_base=64, channel_max=16, mapping_layers=1)),
    ('res8_cond_clip', OF.Config(8, z_dim=16, w_dim=16, c_dim=3, channel_base=128,
                                 channel_max=32, mapping_layers=2, conv_clamp=0.5)),
    ('res32_noclamp', OF.Config(32, z_dim=32, w_dim=24, channel_base=1000, channel_max=24,
                                mapping_layers=4, conv_clamp=None)),
    ('res32_cond_filter', OF.Config(32, z_dim=16, w_dim=16, c_dim=5, channel_base=512,
                                    channel_max=64, mapping_layers=8, conv_clamp=1.0,
                                    resample_filter=(1, 2, 3, 4))),
    ('res64_cond', OF.Config(64, z_dim=64, w_dim=48, c_dim=10, channel_base=2048, channel_max=64,
                             mapping_layers=3, conv_clamp=256, num_fp16_res=4)),
    ('res256_cond', OF.Config(256, z_dim=32, w_dim=32, c_dim=4, channel_base=512, channel_max=32,
                              mapping_layers=8, conv_clamp=256, num_fp16_res=4)),
    ('res1024_clip', OF.Config(1024, z_dim=16, w_dim=16, channel_base=2048, channel_max=16,
                               mapping_layers=2, conv_clamp=1.0)),
]


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """The file module_src would create if anything executed it; checked after each test."""
    path = tmp_path / 'module_src_was_executed'
    yield path
    assert not path.exists(), 'module_src from the pickle was executed'


@pytest.mark.parametrize('name,cfg', CONFIGS, ids=[name for name, _ in CONFIGS])
def test_fidelity(name: str, cfg: OF.Config, tmp_path: Path, marker: Path) -> None:
    weights = OF.make_weights(cfg, seed=len(name))
    pkl = tmp_path / f'{name}.pkl'
    out = tmp_path / f'{name}.pt'
    OF.write_snapshot(str(pkl), cfg, weights, str(marker))
    meta = convert_tool.convert(str(pkl), str(out))
    assert meta['config']['num_ws'] == cfg.num_ws
    model = torch.jit.load(str(out))
    assert model.num_layers == len(cfg.layer_names())
    assert list(model.layer_names) == cfg.layer_names()
    assert torch.equal(model.get_w_avg(), weights['mapping.w_avg'])

    gen = torch.Generator().manual_seed(7)
    clamped = 0
    worst = 0.0
    for psi in PSIS:
        z = torch.randn([2, cfg.z_dim], generator=gen)
        c = class_labels(cfg, 2, gen, one_hot=psi != 1.5)
        stats = REF.Stats()
        ref = REF.generate(weights, cfg.resolution, cfg.mapping_layers, cfg.conv_clamp, z, c,
                           psi, stats=stats)
        clamped += stats.clamped
        assert ref.shape == (2, 3, cfg.resolution, cfg.resolution)
        assert (ref[0] - ref[1]).abs().max() > 1e-2, 'the two samples should differ'
        for fast in (True, False):  # the CPU fast path (oneDNN, polyphase) and the plain one
            model.cpu_fast_path = fast
            diff = (app_images(model, z, c, psi) - ref).abs().max().item()
            worst = max(worst, diff)
            assert diff <= TOLERANCE, f'psi {psi}, fast path {fast}: max abs diff {diff:.3g}'
    if cfg.conv_clamp is not None and cfg.conv_clamp < 10:
        assert clamped > 0, 'conv_clamp should clip some activations in this config'
    print(f'{name}: max abs diff {worst:.3g}')


def test_noise_gain_zero_is_noise_mode_none(tmp_path: Path, marker: Path) -> None:
    cfg = OF.Config(16, c_dim=2, conv_clamp=256)
    weights = OF.make_weights(cfg, seed=3)
    OF.write_snapshot(str(tmp_path / 'n.pkl'), cfg, weights, str(marker))
    convert_tool.convert(str(tmp_path / 'n.pkl'), str(tmp_path / 'n.pt'))
    model = torch.jit.load(str(tmp_path / 'n.pt'))
    z = torch.randn([1, cfg.z_dim], generator=torch.Generator().manual_seed(1))
    c = torch.tensor([[0.0, 1.0]])
    ref_none = REF.generate(weights, 16, cfg.mapping_layers, 256, z, c, 0.7, noise_gain=0.0)
    ref_const = REF.generate(weights, 16, cfg.mapping_layers, 256, z, c, 0.7)
    assert (ref_none - ref_const).abs().max() > 1e-3
    assert (app_images(model, z, c, 0.7, noise_gain=0.0) - ref_none).abs().max() <= TOLERANCE


def test_protocol_3_snapshot(tmp_path: Path, marker: Path) -> None:
    """NVIDIA's released pickles were written by Python 3.7 with protocol 3, where the empty
    sets in module state are pickled as builtins.set."""
    cfg = OF.Config(16, c_dim=2, channel_base=128)
    weights = OF.make_weights(cfg, seed=11)
    data = OF.dumps(OF.snapshot(cfg, weights, str(marker)), protocol=3)
    assert data[:2] == b'\x80\x03' and b'builtins\nset' in data
    (tmp_path / 'p3.pkl').write_bytes(data)
    convert_tool.convert(str(tmp_path / 'p3.pkl'), str(tmp_path / 'p3.pt'))
    model = torch.jit.load(str(tmp_path / 'p3.pt'))
    z = torch.randn([2, cfg.z_dim], generator=torch.Generator().manual_seed(2))
    c = torch.eye(2)
    ref = REF.generate(weights, 16, cfg.mapping_layers, cfg.conv_clamp, z, c, 0.7)
    assert (app_images(model, z, c, 0.7) - ref).abs().max() <= TOLERANCE


def test_cli_writes_model_and_metadata(tmp_path: Path, marker: Path) -> None:
    cfg = OF.Config(16, z_dim=12, w_dim=20, c_dim=3, channel_base=128, channel_max=16,
                    mapping_layers=3, conv_clamp=256, num_fp16_res=2)
    pkl = tmp_path / 'network-snapshot-000100.pkl'
    out = tmp_path / 'models' / 'converted.pt'
    out.parent.mkdir()  # the converter never makes folders
    OF.write_snapshot(str(pkl), cfg, OF.make_weights(cfg, seed=5), str(marker))
    result = run_cli(str(pkl), str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ''
    assert sorted(os.listdir(out.parent)) == ['converted.pt']

    with zipfile.ZipFile(out) as archive:
        meta = json.loads(archive.read('converted/extra/meta.json'))
    assert meta['source'] == pkl.name
    assert meta['source_sha256'] == hashlib.sha256(pkl.read_bytes()).hexdigest()
    assert meta['license'] == "unknown: as the source pickle's"
    assert meta['placeholder'] is False
    converted_at = datetime.datetime.fromisoformat(meta['converted_at'])
    age = datetime.datetime.now(datetime.timezone.utc) - converted_at
    assert datetime.timedelta(0) <= age < datetime.timedelta(minutes=10)
    config = meta['config']
    assert (config['resolution'], config['z_dim'], config['w_dim'], config['c_dim']) == (
        16, 12, 20, 3)
    assert (config['num_ws'], config['mapping_layers']) == (cfg.num_ws, 3)
    assert (config['channel_base'], config['channel_max'], config['conv_clamp']) == (128, 16, 256)
    assert config['num_fp16_res'] == 2
    assert meta['training_set']['name'] == 'test-set.zip'
    assert meta['official_init_kwargs']['synthesis_kwargs']['architecture'] == 'skip'

    model = torch.jit.load(str(out))
    assert (model.z_dim, model.w_dim, model.c_dim, model.num_ws, model.img_resolution) == (
        12, 20, 3, cfg.num_ws, 16)
    assert list(model.layer_channels) == [16, 16, 16, 8, 8]  # min(128 // R, 16)


def test_module_src_would_run_under_a_plain_loader(tmp_path: Path) -> None:
    """Control for the marker fixture: executing the embedded source does create the marker,
    so its absence after conversion means the source was never run."""
    path = tmp_path / 'ran'
    subprocess.run([sys.executable, '-c', OF.marker_module_src(str(path))], check=True)
    assert path.exists()


class RunsCommand:
    """Unpickling this runs fn(arg), e.g. os.system or builtins.eval: a malicious pickle."""

    def __init__(self, fn, arg: str):
        self.fn = fn
        self.arg = arg

    def __reduce__(self):
        return (self.fn, (self.arg,))


def evil_snapshot(kind: str, cfg: OF.Config, marker: Path) -> Dict:
    touch = f'touch {marker}'
    call = (RunsCommand(os.system, touch) if kind == 'system' else
            RunsCommand(eval, f"__import__('os').system({touch!r})"))
    training_set = dict(class_name='training.dataset.ImageFolderDataset', path=call)
    return OF.snapshot(cfg, OF.make_weights(cfg, 1), str(marker), training_set_kwargs=training_set)


def error_case(kind: str, tmp_path: Path, marker: Path) -> Tuple[Path, str]:
    """Writes a bad input of the given kind; returns it and a pattern its error must contain."""
    cfg = OF.Config(8)
    weights = OF.make_weights(cfg, seed=2)
    pkl = tmp_path / f'{kind}.pkl'
    if kind == 'missing':
        return pkl, 'file not found'
    if kind == 'truncated':
        data = OF.dumps(OF.snapshot(cfg, weights, str(marker)))
        pkl.write_bytes(data[:len(data) * 2 // 3])
        return pkl, 'truncated'
    if kind in ('system', 'eval'):
        pkl.write_bytes(OF.dumps(evil_snapshot(kind, cfg, marker)))
        return pkl, {'system': 'global posix.system', 'eval': 'global builtins.eval'}[kind]
    if kind == 'no_g_ema':
        OF.write_snapshot(str(pkl), cfg, weights, str(marker), G_ema=None)
        return pkl, 'no G_ema'
    if kind == 'discriminator':
        D = OF.discriminator_object(3, OF.marker_module_src(str(marker)))
        OF.write_snapshot(str(pkl), cfg, weights, str(marker), G_ema=D)
        return pkl, "'Discriminator'"
    if kind == 'resnet':
        bad = OF.Config(8, extra_synthesis_kwargs=dict(architecture='resnet'))
        OF.write_snapshot(str(pkl), bad, weights, str(marker))
        return pkl, "architecture = 'resnet'"
    if kind == 'wrong_shape':
        weights['synthesis.b8.conv1.weight'] = weights['synthesis.b8.conv1.weight'][:, :, :2]
        OF.write_snapshot(str(pkl), cfg, weights, str(marker))
        return pkl, 'synthesis.b8.conv1.weight has shape'
    if kind == 'oversized':
        # 8 px tensors under a config that claims 65 536-wide layers (hundreds of GiB).
        big = OF.Config(8, channel_base=1 << 24, channel_max=1 << 16)
        OF.write_snapshot(str(pkl), big, weights, str(marker))
        return pkl, 'config implies at least'
    if kind == 'not_a_dict':
        pkl.write_bytes(pickle.dumps([1, 2, 3]))
        return pkl, 'holds a list'
    if kind == 'torchscript':
        torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), str(pkl))
        return pkl, 'zip archive'
    raise ValueError(kind)


ERROR_KINDS = ['missing', 'truncated', 'system', 'eval', 'no_g_ema', 'discriminator', 'resnet',
               'wrong_shape', 'oversized', 'not_a_dict', 'torchscript']


@pytest.mark.parametrize('kind', ERROR_KINDS)
def test_bad_input_one_line_error_no_output(kind: str, tmp_path: Path, marker: Path) -> None:
    pkl, pattern = error_case(kind, tmp_path, marker)
    out = tmp_path / 'out' / 'model.pt'
    out.parent.mkdir()
    result = run_cli(str(pkl), str(out))
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f'{pkl}: '), lines[0]
    assert pattern in lines[0], lines[0]
    assert result.stdout == ''
    assert os.listdir(out.parent) == [], 'no output file, not even a temporary one'


def test_oversized_config_is_refused_under_a_memory_limit(tmp_path: Path, marker: Path) -> None:
    """The size check comes before any allocation: the converter runs in 3 GiB of address
    space (LibTorch and numpy take about 1.5) and still gives its one line."""
    pkl, pattern = error_case('oversized', tmp_path, marker)
    out = tmp_path / 'model.pt'
    limit = 'ulimit -v 3000000; exec "$0" "$@"'
    result = subprocess.run(['bash', '-c', limit, sys.executable, str(CONVERT), str(pkl), str(out)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert pattern in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    assert not out.exists()


def test_huge_memo_index_is_refused_under_a_memory_limit(tmp_path: Path, marker: Path) -> None:
    """LONG_BINPUT 0x7fffffff after the snapshot's first object (found by the mutation test,
    test_pickle_mutation.py): the C unpickler would grow its memo table to 16 GiB. The opcode
    pre-check refuses the index in one line, within the 3 GiB address-space limit."""
    cfg = OF.Config(8)
    data = OF.dumps(OF.snapshot(cfg, OF.make_weights(cfg, seed=2), str(marker)), protocol=3)
    assert data[:3] == b'\x80\x03}'  # PROTO 3, EMPTY_DICT
    pkl = tmp_path / 'memo.pkl'
    pkl.write_bytes(data[:3] + b'r\xff\xff\xff\x7f' + data[3:])
    out = tmp_path / 'model.pt'
    limit = 'ulimit -v 3000000; exec "$0" "$@"'
    result = subprocess.run(['bash', '-c', limit, sys.executable, str(CONVERT), str(pkl), str(out)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert result.stderr == f'{pkl}: memo index 2147483647 at opcode 2 is beyond the objects ' \
        'before it (a corrupt pickle)\n', result.stderr
    assert not out.exists()


def test_missing_output_folder_is_not_created(tmp_path: Path, marker: Path) -> None:
    cfg = OF.Config(8)
    pkl = tmp_path / 'g.pkl'
    OF.write_snapshot(str(pkl), cfg, OF.make_weights(cfg, seed=2), str(marker))
    out = tmp_path / 'no' / 'such' / 'model.pt'
    result = run_cli(str(pkl), str(out))
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == f'{out}: no folder {out.parent}', result.stderr
    assert not (tmp_path / 'no').exists()


def test_failed_conversion_keeps_existing_output(tmp_path: Path, marker: Path) -> None:
    pkl, _ = error_case('truncated', tmp_path, marker)
    out = tmp_path / 'model.pt'
    out.write_bytes(b'previous model')
    assert run_cli(str(pkl), str(out)).returncode == 1
    assert out.read_bytes() == b'previous model'


@pytest.mark.parametrize('kind', ['system', 'eval'])
def test_malicious_pickle_would_run_under_a_plain_loader(kind: str, tmp_path: Path) -> None:
    """Control for the foreign-global cases: Python's own unpickler runs the command (and then
    fails on the unknown official modules), so these pickles really are dangerous."""
    path = tmp_path / 'pwned'
    data = OF.dumps(evil_snapshot(kind, OF.Config(4), path))
    subprocess.run([sys.executable, '-c', 'import pickle, sys\ntry:\n'
                    '    pickle.loads(sys.stdin.buffer.read())\nexcept Exception:\n    pass'],
                   input=data, check=True)
    assert path.exists()


def test_corrupted_snapshots_fail_cleanly(marker: Path, capfd: pytest.CaptureFixture) -> None:
    """Random byte corruptions of a valid snapshot: the reader either still succeeds (a weight
    changed) or raises FormatError with one line; nothing else escapes, nothing is printed and
    no claimed length makes it allocate more than the file holds (opcode pre-check)."""
    from autolume_model import official_pickle
    cfg = OF.Config(8, z_dim=4, w_dim=4, c_dim=2, channel_base=64, channel_max=8)
    data = OF.dumps(OF.snapshot(cfg, OF.make_weights(cfg, 1), str(marker)))
    rng = random.Random(1)
    failures = 0
    for _ in range(500):
        mutated = bytearray(data)
        changes = []
        for _ in range(rng.randint(1, 3)):
            pos = rng.randrange(len(data))
            changes.append((pos, data[pos]))
            mutated[pos] = rng.randrange(256)
        try:
            official_pickle.read_generator(bytes(mutated))
        except official_pickle.FormatError as e:
            assert '\n' not in str(e)
            failures += 1
        except Exception as e:  # noqa: BLE001 - the point of the test
            pytest.fail(f'corruption {changes} raised {e!r}')
    assert failures > 100
    assert capfd.readouterr() == ('', '')


def test_usage_error_exits_2() -> None:
    result = run_cli('only-one-argument.pkl')
    assert result.returncode == 2
    assert 'usage' in result.stderr


def test_tensor_reader_follows_offsets_and_strides() -> None:
    """Views pickle their whole storage plus offset and strides; the reader must honour them."""
    from autolume_model import official_pickle  # tools/ is on sys.path (convert.py puts it)
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    for view in (base[1:3, 2:5], base.t(), base[:, 1], base[2, 3]):
        record = official_pickle.SnapshotUnpickler(io.BytesIO(pickle.dumps(view))).load()
        assert record.shape == tuple(view.shape)
        np.testing.assert_array_equal(record.numpy(), view.numpy())
