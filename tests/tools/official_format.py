"""Writes pickles with the structure of official StyleGAN2-ADA training snapshots, for tests.

Project-written: nothing here comes from NVIDIA's code. The layout follows the format facts
(a dict of networks; each network `torch_utils.persistence._reconstruct_persistent_obj(meta)`
with module_src, class_name and the module's __dict__ as state; EasyDict init kwargs; tensors
and parameters pickled by torch itself, whose storages are legacy `torch.save` byte streams;
numpy float64 gains). The globals the format names are provided by stand-in modules that exist
in sys.modules only while a pickle is written.

`module_src` is test code that creates a marker file when executed, so tests can prove that the
converter never runs it.
"""

import contextlib
import copy
import math
import pickle
import sys
import types
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Tuple

import numpy as np
import torch

PERSISTENCE_VERSION = 6


@dataclass
class Config:
    """A G_ema architecture (the official Generator's init arguments)."""

    resolution: int
    z_dim: int = 16
    w_dim: int = 16
    c_dim: int = 0
    channel_base: int = 256
    channel_max: int = 32
    mapping_layers: int = 2
    conv_clamp: Optional[float] = 256
    num_fp16_res: int = 0
    resample_filter: Tuple[float, ...] = (1, 3, 3, 1)
    extra_mapping_kwargs: Dict[str, Any] = field(default_factory=dict)
    extra_synthesis_kwargs: Dict[str, Any] = field(default_factory=dict)

    def channels(self, res: int) -> int:
        return min(self.channel_base // res, self.channel_max)

    @property
    def block_resolutions(self) -> List[int]:
        return [2 ** i for i in range(2, int(math.log2(self.resolution)) + 1)]

    @property
    def num_ws(self) -> int:
        return 2 * len(self.block_resolutions)

    def layer_names(self) -> List[str]:
        """Noise-carrying conv layers in w order."""
        names = []
        for res in self.block_resolutions:
            names += [f'b{res}.conv1'] if res == 4 else [f'b{res}.conv0', f'b{res}.conv1']
        return names


def marker_module_src(marker_path: str) -> str:
    """Python source that announces its execution by writing marker_path."""
    return ('"""Stand-in for the networks.py source an official snapshot embeds."""\n'
            'import pathlib\n'
            f'pathlib.Path({marker_path!r}).write_text("module_src was executed")\n'
            '\n'
            'class Generator:\n'
            '    pass\n')


def filter_2d(taps: Tuple[float, ...]) -> torch.Tensor:
    """The official setup_filter for a 4-tap list: outer product, normalized to sum 1."""
    f = torch.as_tensor(taps, dtype=torch.float32)
    f = torch.outer(f, f)
    return f / f.sum()


def make_weights(cfg: Config, seed: int, torgb_scale: float = 1.0) -> Dict[str, torch.Tensor]:
    """Random G_ema tensors with official names and shapes. Official initialization, then
    perturbed so that no term is trivially zero or one (noise strengths, biases, w_avg).
    torgb_scale < 1 keeps images inside [-1, 1] (for tests that look at uint8 pictures)."""
    g = torch.Generator().manual_seed(seed)

    def randn(*shape: int, scale: float = 1.0, offset: float = 0.0) -> torch.Tensor:
        return torch.randn(list(shape), generator=g) * scale + offset

    t: Dict[str, torch.Tensor] = {}
    lr = 0.01
    features = cfg.z_dim + (cfg.w_dim if cfg.c_dim > 0 else 0)
    if cfg.c_dim > 0:
        t['mapping.embed.weight'] = randn(cfg.w_dim, cfg.c_dim)
        t['mapping.embed.bias'] = randn(cfg.w_dim, scale=0.2)
    for i in range(cfg.mapping_layers):
        t[f'mapping.fc{i}.weight'] = randn(cfg.w_dim, features, scale=1 / lr)
        t[f'mapping.fc{i}.bias'] = randn(cfg.w_dim, scale=10.0)
        features = cfg.w_dim
    t['mapping.w_avg'] = randn(cfg.w_dim, scale=0.5)
    f = filter_2d(cfg.resample_filter)
    for res in cfg.block_resolutions:
        p = f'synthesis.b{res}.'
        out_ch = cfg.channels(res)
        if res == 4:
            t[p + 'const'] = randn(out_ch, 4, 4)
        t[p + 'resample_filter'] = f.clone()
        layers = [('conv1', out_ch)] if res == 4 else [('conv0', cfg.channels(res // 2)),
                                                        ('conv1', out_ch)]
        for name, in_ch in layers:
            q = p + name + '.'
            t[q + 'weight'] = randn(out_ch, in_ch, 3, 3)
            t[q + 'noise_strength'] = randn(scale=0.2, offset=0.1)
            t[q + 'bias'] = randn(out_ch, scale=0.2)
            t[q + 'resample_filter'] = f.clone()
            t[q + 'noise_const'] = randn(res, res)
            t[q + 'affine.weight'] = randn(in_ch, cfg.w_dim)
            t[q + 'affine.bias'] = randn(in_ch, scale=0.2, offset=1.0)
        q = p + 'torgb.'
        t[q + 'weight'] = randn(3, out_ch, 1, 1, scale=torgb_scale)
        t[q + 'bias'] = randn(3, scale=0.2)
        t[q + 'affine.weight'] = randn(out_ch, cfg.w_dim)
        t[q + 'affine.bias'] = randn(out_ch, scale=0.2, offset=1.0)
    return t


# --------------------------------------------------------------------------------------------
# Stand-ins for the globals of the format that are not torch, numpy or collections.

class EasyDict(dict):
    """Same pickled form as dnnlib.util.EasyDict (a dict subclass with attribute access)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        del self[name]


def _reconstruct_persistent_obj(meta: Dict[str, Any]) -> Any:
    raise RuntimeError('stand-in: only its pickled name is used')


EasyDict.__module__ = 'dnnlib.util'
EasyDict.__qualname__ = 'EasyDict'
_reconstruct_persistent_obj.__module__ = 'torch_utils.persistence'
_reconstruct_persistent_obj.__qualname__ = '_reconstruct_persistent_obj'


@contextlib.contextmanager
def _official_globals() -> Iterator[None]:
    """Makes pickle find the stand-ins under the official module names, then removes them."""
    modules = {name: types.ModuleType(name) for name in
               ('torch_utils', 'torch_utils.persistence', 'dnnlib', 'dnnlib.util')}
    modules['torch_utils.persistence']._reconstruct_persistent_obj = _reconstruct_persistent_obj
    modules['dnnlib.util'].EasyDict = EasyDict
    clash = [name for name in modules if name in sys.modules]
    if clash:
        raise RuntimeError(f'modules {clash} are already imported')
    sys.modules.update(modules)
    try:
        yield
    finally:
        for name in modules:
            del sys.modules[name]


class Persistent:
    """Pickles as _reconstruct_persistent_obj(dict(type, version, module_src, class_name,
    state)), like an instance of an official @persistent_class."""

    def __init__(self, class_name: str, state: Dict[str, Any], module_src: str):
        self.meta = dict(type='class', version=PERSISTENCE_VERSION, module_src=module_src,
                         class_name=class_name, state=state)

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_reconstruct_persistent_obj, (self.meta,))


def module_state(parameters: Dict[str, torch.Tensor], buffers: Dict[str, torch.Tensor],
                 modules: Dict[str, Persistent], attributes: Dict[str, Any],
                 init_args: Tuple[Any, ...], init_kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """A module __dict__ as this torch version has it, in eval mode without gradients (as the
    training loop stores snapshots), plus the official attributes."""
    state = dict(torch.nn.Module().eval().__dict__)
    state['_parameters'] = OrderedDict(
        (k, torch.nn.Parameter(v.clone(), requires_grad=False)) for k, v in parameters.items())
    state['_buffers'] = OrderedDict((k, v.clone()) for k, v in buffers.items())
    state['_modules'] = OrderedDict(modules)
    state.update(attributes)
    state['_init_args'] = copy.deepcopy(init_args)
    state['_init_kwargs'] = copy.deepcopy(init_kwargs)
    return state


def _fc(t: Dict[str, torch.Tensor], prefix: str, in_features: int, activation: str,
        lr: float, bias_init: float, src: str) -> Persistent:
    kwargs: Dict[str, Any] = dict(activation=activation)
    if lr != 1:
        kwargs['lr_multiplier'] = lr
    if bias_init:
        kwargs['bias_init'] = bias_init
    attributes = dict(activation=activation, weight_gain=np.float64(lr) / np.sqrt(in_features),
                      bias_gain=lr)
    out_features = t[prefix + 'weight'].shape[0]
    return Persistent('FullyConnectedLayer', module_state(
        {'weight': t[prefix + 'weight'], 'bias': t[prefix + 'bias']}, {}, {}, attributes,
        (in_features, out_features), kwargs), src)


def generator_object(cfg: Config, t: Dict[str, torch.Tensor], src: str,
                     class_name: str = 'Generator') -> Persistent:
    """G_ema as the official code pickles it, with the tensors t."""
    mapping_kwargs = EasyDict(num_layers=cfg.mapping_layers, **cfg.extra_mapping_kwargs)
    synthesis_kwargs = EasyDict(channel_base=cfg.channel_base, channel_max=cfg.channel_max,
                                num_fp16_res=cfg.num_fp16_res, conv_clamp=cfg.conv_clamp,
                                **cfg.extra_synthesis_kwargs)
    if tuple(cfg.resample_filter) != (1, 3, 3, 1):
        synthesis_kwargs['resample_filter'] = list(cfg.resample_filter)
    # The training loop's construct_class_by_name(**G_kwargs, **common_kwargs) order.
    init_kwargs = dict(z_dim=cfg.z_dim, w_dim=cfg.w_dim, mapping_kwargs=mapping_kwargs,
                       synthesis_kwargs=synthesis_kwargs, c_dim=cfg.c_dim,
                       img_resolution=cfg.resolution, img_channels=3)

    fcs: Dict[str, Persistent] = {}
    if cfg.c_dim > 0:
        fcs['embed'] = _fc(t, 'mapping.embed.', cfg.c_dim, 'linear', 1, 0, src)
    features = cfg.z_dim + (cfg.w_dim if cfg.c_dim > 0 else 0)
    for i in range(cfg.mapping_layers):
        fcs[f'fc{i}'] = _fc(t, f'mapping.fc{i}.', features, 'lrelu', 0.01, 0, src)
        features = cfg.w_dim
    mapping = Persistent('MappingNetwork', module_state(
        {}, {'w_avg': t['mapping.w_avg']}, fcs,
        dict(z_dim=cfg.z_dim, c_dim=cfg.c_dim, w_dim=cfg.w_dim, num_ws=cfg.num_ws,
             num_layers=cfg.mapping_layers, w_avg_beta=0.995),
        (), dict(z_dim=cfg.z_dim, c_dim=cfg.c_dim, w_dim=cfg.w_dim, num_ws=cfg.num_ws,
                 **mapping_kwargs)), src)

    blocks: Dict[str, Persistent] = {}
    for res in cfg.block_resolutions:
        p = f'synthesis.b{res}.'
        out_ch = cfg.channels(res)
        in_ch = cfg.channels(res // 2) if res > 4 else 0
        layers: Dict[str, Persistent] = {}
        for name, cin, up in (('conv0', in_ch, 2), ('conv1', out_ch, 1)):
            if res == 4 and name == 'conv0':
                continue
            q = p + name + '.'
            layers[name] = Persistent('SynthesisLayer', module_state(
                {'weight': t[q + 'weight'], 'noise_strength': t[q + 'noise_strength'],
                 'bias': t[q + 'bias']},
                {'resample_filter': t[q + 'resample_filter'], 'noise_const': t[q + 'noise_const']},
                {'affine': _fc(t, q + 'affine.', cfg.w_dim, 'linear', 1, 1, src)},
                dict(resolution=res, up=up, use_noise=True, activation='lrelu',
                     conv_clamp=cfg.conv_clamp, padding=1, act_gain=np.float64(np.sqrt(2))),
                (cin, out_ch), dict(w_dim=cfg.w_dim, resolution=res, up=up,
                                    conv_clamp=cfg.conv_clamp, channels_last=False)), src)
        q = p + 'torgb.'
        layers['torgb'] = Persistent('ToRGBLayer', module_state(
            {'weight': t[q + 'weight'], 'bias': t[q + 'bias']}, {},
            {'affine': _fc(t, q + 'affine.', cfg.w_dim, 'linear', 1, 1, src)},
            dict(conv_clamp=cfg.conv_clamp, weight_gain=1 / np.sqrt(np.float64(out_ch))),
            (out_ch, 3), dict(w_dim=cfg.w_dim, conv_clamp=cfg.conv_clamp, channels_last=False)),
            src)
        params = {'const': t[p + 'const']} if res == 4 else {}
        blocks[f'b{res}'] = Persistent('SynthesisBlock', module_state(
            params, {'resample_filter': t[p + 'resample_filter']}, layers,
            dict(in_channels=in_ch, w_dim=cfg.w_dim, resolution=res, img_channels=3,
                 is_last=res == cfg.resolution, architecture='skip', use_fp16=False,
                 channels_last=False, num_conv=1 if res == 4 else 2, num_torgb=1),
            (in_ch, out_ch), dict(w_dim=cfg.w_dim, resolution=res, img_channels=3,
                                  is_last=res == cfg.resolution, use_fp16=False,
                                  conv_clamp=cfg.conv_clamp)), src)
    synthesis = Persistent('SynthesisNetwork', module_state(
        {}, {}, blocks,
        dict(w_dim=cfg.w_dim, img_resolution=cfg.resolution,
             img_resolution_log2=int(math.log2(cfg.resolution)), img_channels=3,
             block_resolutions=cfg.block_resolutions, num_ws=cfg.num_ws),
        (), dict(w_dim=cfg.w_dim, img_resolution=cfg.resolution, img_channels=3,
                 **synthesis_kwargs)), src)
    return Persistent(class_name, module_state(
        {}, {}, {'synthesis': synthesis, 'mapping': mapping},
        dict(z_dim=cfg.z_dim, c_dim=cfg.c_dim, w_dim=cfg.w_dim, img_resolution=cfg.resolution,
             img_channels=3, num_ws=cfg.num_ws),
        (), init_kwargs), src)


def discriminator_object(seed: int, src: str) -> Persistent:
    """A small network of another class (the snapshot's D), with a tensor or two."""
    g = torch.Generator().manual_seed(seed)
    fc = Persistent('FullyConnectedLayer', module_state(
        {'weight': torch.randn([4, 8], generator=g), 'bias': torch.zeros([4])}, {}, {},
        dict(activation='lrelu', weight_gain=np.float64(1) / np.sqrt(8), bias_gain=1),
        (8, 4), dict(activation='lrelu')), src)
    return Persistent('Discriminator', module_state(
        {}, {}, {'b4': fc}, dict(c_dim=0, img_resolution=4, img_channels=3), (),
        dict(c_dim=0, img_resolution=4, img_channels=3)), src)


def snapshot(cfg: Config, weights: Dict[str, torch.Tensor], marker_path: str,
             **replace: Any) -> Dict[str, Any]:
    """The training loop's snapshot dict. G gets other weights than G_ema (as in training).
    Keyword arguments replace or add entries (e.g. G_ema=..., or drop one with None)."""
    src = marker_module_src(marker_path)
    other = {k: v + 0.5 for k, v in weights.items()}
    data: Dict[str, Any] = dict(
        training_set_kwargs=dict(class_name='training.dataset.ImageFolderDataset',
                                 path='/data/datasets/test-set.zip', use_labels=cfg.c_dim > 0,
                                 max_size=1000, xflip=False, resolution=cfg.resolution),
        G=generator_object(cfg, other, src),
        D=discriminator_object(1, src),
        G_ema=generator_object(cfg, weights, src),
        augment_pipe=None)
    for key, value in replace.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def dumps(obj: Any, protocol: Optional[int] = None) -> bytes:
    """Pickles obj as the training loop does (pickle.dump, by default with this Python's default
    protocol; NVIDIA's released files were written with protocol 3), with the official global
    names available."""
    with _official_globals():
        return pickle.dumps(obj, protocol=protocol)


def write_snapshot(path: str, cfg: Config, weights: Dict[str, torch.Tensor], marker_path: str,
                   **replace: Any) -> None:
    with open(path, 'wb') as f:
        f.write(dumps(snapshot(cfg, weights, marker_path, **replace)))
