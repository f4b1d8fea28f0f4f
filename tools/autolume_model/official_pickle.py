"""Reads official StyleGAN2-ADA snapshot pickles without running anything from them.

An official snapshot (`network-snapshot-*.pkl`) is a pickled dict of networks. Each network is
`torch_utils.persistence._reconstruct_persistent_obj(meta)`, where meta carries the Python
source of the module that defined it (`module_src`); the official loader executes that source.
This reader never does: a whitelist unpickler maps the handful of globals the format uses to
inert stand-ins written here, every network becomes a `PersistentObject` record (class name +
state), and tensor bytes (legacy `torch.save` streams) are parsed by a restricted reader of our
own into numpy arrays. Any other global, opcode trick or malformed structure is a
`FormatError` with a one-line message.

Nothing here imports torch: the caller builds the project's generator from `GeneratorSpec`.
"""

import io
import math
import pickle
import pickletools
import struct
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np


class FormatError(Exception):
    """The file is not a usable StyleGAN2-ADA snapshot; str() is a one-line reason."""


def _describe(e: BaseException) -> str:
    text = str(e).splitlines()[0] if str(e) else ''
    return f'{type(e).__name__}: {text}' if text else type(e).__name__


# Opcodes the format never uses: out-of-band buffers and bytearrays (protocol 5), the copyreg
# extension registry, persistent ids, and protocol 0/1 instance creation.
FORBIDDEN_OPCODES = frozenset(['BYTEARRAY8', 'NEXT_BUFFER', 'READONLY_BUFFER', 'EXT1', 'EXT2',
                               'EXT4', 'PERSID', 'BINPERSID', 'INST', 'OBJ'])
MEMO_PUT_OPCODES = frozenset(['PUT', 'BINPUT', 'LONG_BINPUT'])


def _check_opcodes(f: io.BytesIO, allow_persistent_ids: bool = False) -> None:
    """Walks one pickle's opcodes from f's position without building anything, then rewinds.
    Besides refusing opcodes the format never uses, this checks every length-prefixed argument
    against the bytes that are really there: the C unpickler allocates a claimed length before
    reading it, so a corrupt length could otherwise ask for gigabytes. Persistent ids are only
    allowed in the storage record of tensor data."""
    forbidden = FORBIDDEN_OPCODES - {'BINPERSID'} if allow_persistent_ids else FORBIDDEN_OPCODES
    start = f.tell()
    try:
        for count, (opcode, arg, _) in enumerate(pickletools.genops(f)):
            if opcode.name in forbidden:
                raise FormatError(f'uses pickle opcode {opcode.name}, which is not part of the '
                                  'StyleGAN2-ADA snapshot format')
            # The C unpickler grows its memo table to the index a PUT names (8 bytes per
            # slot, zeroed): LONG_BINPUT 0x7fffffff in an 18 KB file took 16 GiB. Picklers
            # number memo entries in order, so an index never exceeds the opcodes before it.
            if opcode.name in MEMO_PUT_OPCODES and arg >= count:
                raise FormatError(f'memo index {arg} at opcode {count} is beyond the objects '
                                  'before it (a corrupt pickle)')
    except FormatError:
        raise
    except Exception as e:
        raise FormatError(f'truncated or corrupt pickle ({_describe(e)})') from None
    f.seek(start)


# --------------------------------------------------------------------------------------------
# Tensor data: the legacy torch.save stream inside torch.storage._load_from_bytes(bytes).
# Layout: pickle(magic) pickle(protocol) pickle(sys_info) pickle(storage with a persistent id)
# pickle(sorted storage keys), then per key an int64 little-endian element count and the raw
# little-endian elements.

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
STORAGE_DTYPES = {
    'FloatStorage': np.dtype('<f4'),
    'DoubleStorage': np.dtype('<f8'),
    'HalfStorage': np.dtype('<f2'),
    'LongStorage': np.dtype('<i8'),
    'IntStorage': np.dtype('<i4'),
    'ShortStorage': np.dtype('<i2'),
    'CharStorage': np.dtype('i1'),
    'ByteStorage': np.dtype('u1'),
    'BoolStorage': np.dtype('?'),
}


class _DataOnlyUnpickler(pickle.Unpickler):
    """Plain data only: no globals, no persistent ids."""

    def find_class(self, module: str, name: str) -> Any:
        raise FormatError(f'tensor data refers to global {module}.{name}')

    def persistent_load(self, pid: Any) -> Any:
        raise FormatError('unexpected persistent id in tensor data')


@dataclass(frozen=True)
class _StorageType:
    name: str

    def __setstate__(self, state: Any) -> None:
        raise FormatError('malformed storage type in tensor data')


@dataclass
class _PendingStorage:
    dtype: np.dtype
    key: str
    numel: int

    def __setstate__(self, state: Any) -> None:
        raise FormatError('malformed storage in tensor data')


class _StorageHeaderUnpickler(_DataOnlyUnpickler):
    """The storage record: torch.<X>Storage globals and the ('storage', ...) persistent id."""

    def __init__(self, f: io.BytesIO):
        super().__init__(f)
        self.storages: Dict[str, _PendingStorage] = {}

    def find_class(self, module: str, name: str) -> Any:
        if module == 'torch' and name in STORAGE_DTYPES:
            return _StorageType(name)
        raise FormatError(f'tensor data refers to global {module}.{name}')

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == 'storage'):
            raise FormatError('malformed storage record in tensor data')
        _, storage_type, key, location, numel, view_metadata = pid
        if not isinstance(storage_type, _StorageType) or not isinstance(key, str):
            raise FormatError('malformed storage record in tensor data')
        if not isinstance(location, str) or not isinstance(numel, int) or numel < 0:
            raise FormatError('malformed storage record in tensor data')
        if view_metadata is not None:
            raise FormatError('storage views are not supported in tensor data')
        storage = _PendingStorage(STORAGE_DTYPES[storage_type.name], key, numel)
        if self.storages.setdefault(key, storage) != storage:
            raise FormatError('conflicting storage records in tensor data')
        return self.storages[key]


@dataclass(frozen=True, eq=False)
class Storage:
    """One tensor storage: a read-only 1-D numpy view into the pickle's bytes."""

    data: np.ndarray

    def __setstate__(self, state: Any) -> None:
        raise FormatError('unexpected state for a storage')


def _load_checked(f: io.BytesIO, unpickler: pickle.Unpickler) -> Any:
    _check_opcodes(f, allow_persistent_ids=isinstance(unpickler, _StorageHeaderUnpickler))
    return unpickler.load()


def read_legacy_storage(blob: Any) -> Storage:
    """Parses the bytes given to torch.storage._load_from_bytes (one storage)."""
    if not isinstance(blob, bytes):
        raise FormatError('tensor data is not bytes')
    f = io.BytesIO(blob)
    header = _StorageHeaderUnpickler(f)
    try:
        magic = _load_checked(f, _DataOnlyUnpickler(f))
        protocol = _load_checked(f, _DataOnlyUnpickler(f))
        sys_info = _load_checked(f, _DataOnlyUnpickler(f))
        root = _load_checked(f, header)
        keys = _load_checked(f, _DataOnlyUnpickler(f))
    except FormatError:
        raise
    except Exception as e:
        raise FormatError(f'corrupt tensor data ({_describe(e)})') from None
    if magic != LEGACY_MAGIC or protocol != LEGACY_PROTOCOL:
        raise FormatError('tensor data is not a legacy torch.save stream')
    if not isinstance(sys_info, dict) or sys_info.get('little_endian') is not True:
        raise FormatError('tensor data is not little-endian')
    if not isinstance(root, _PendingStorage):
        raise FormatError('tensor data does not hold a storage')
    if not isinstance(keys, list) or sorted(keys) != sorted(header.storages):
        raise FormatError('tensor data lists other storages than it defines')
    view = memoryview(blob)
    pos = f.tell()
    arrays: Dict[str, np.ndarray] = {}
    for key in keys:
        storage = header.storages[key]
        if pos + 8 > len(blob):
            raise FormatError('tensor data is truncated')
        (count,) = struct.unpack_from('<q', blob, pos)
        pos += 8
        nbytes = count * storage.dtype.itemsize
        if count != storage.numel or pos + nbytes > len(blob):
            raise FormatError('tensor data is truncated or inconsistent')
        arrays[key] = np.frombuffer(view[pos:pos + nbytes], dtype=storage.dtype)
        pos += nbytes
    if pos != len(blob):
        raise FormatError('tensor data has trailing bytes')
    return Storage(arrays[root.key])


class TensorRecord:
    """A tensor as (storage, offset, shape, stride), bounds-checked; materialized on demand so
    that networks other than G_ema never cost a copy."""

    __slots__ = ('storage', 'offset', 'shape', 'stride')

    def __init__(self, storage: Storage, offset: int, shape: Tuple[int, ...],
                 stride: Tuple[int, ...]):
        self.storage = storage
        self.offset = offset
        self.shape = shape
        self.stride = stride
        size = len(storage.data)
        if any(n == 0 for n in shape):
            if offset > size:
                raise FormatError('tensor offset lies outside its storage')
            return
        last = offset + sum((n - 1) * s for n, s in zip(shape, stride))
        if offset < 0 or last >= size:
            raise FormatError('tensor lies outside its storage')
        # Network weights never overlap themselves; a broadcast view (stride 0) of a huge shape
        # would make numpy() allocate far more memory than the file holds.
        if math.prod(shape) > size:
            raise FormatError('tensor has more elements than its storage')

    def __setstate__(self, state: Any) -> None:
        raise FormatError('unexpected state for a tensor')

    @property
    def dtype(self) -> np.dtype:
        return self.storage.data.dtype

    def numpy(self) -> np.ndarray:
        """A fresh, writable, C-contiguous native-endian copy."""
        data = self.storage.data
        native = data.dtype.newbyteorder('=')
        if any(n == 0 for n in self.shape):
            return np.zeros(self.shape, dtype=native)
        if not self.shape:
            return np.array(data[self.offset], dtype=native)
        item = data.itemsize
        view = np.lib.stride_tricks.as_strided(
            data[self.offset:], shape=self.shape, strides=[s * item for s in self.stride],
            writeable=False)
        return np.ascontiguousarray(view, dtype=native)


# --------------------------------------------------------------------------------------------
# The snapshot pickle: whitelisted globals, each mapped to an inert stand-in.

PERSISTENCE_VERSION = 6


@dataclass
class PersistentObject:
    """A network object as pickled by torch_utils.persistence: its class name and __dict__.
    The module source that came with it is checked to be a string and dropped unread."""

    class_name: str
    state: Dict[str, Any]

    def __setstate__(self, state: Any) -> None:
        raise FormatError('unexpected state for a persistent object')


def _reconstruct_persistent_obj(meta: Any) -> PersistentObject:
    if not isinstance(meta, dict):
        raise FormatError('malformed persistent object')
    if meta.get('type') != 'class' or meta.get('version') != PERSISTENCE_VERSION:
        raise FormatError(f"unsupported persistent object (type {meta.get('type')!r}, "
                          f"version {meta.get('version')!r}; expected 'class', "
                          f'{PERSISTENCE_VERSION})')
    class_name = meta.get('class_name')
    if not isinstance(class_name, str) or not isinstance(meta.get('module_src'), str):
        raise FormatError('malformed persistent object')
    state = meta.get('state')
    if not isinstance(state, dict):
        raise FormatError(f'persistent {class_name} has no state dict')
    return PersistentObject(class_name, state)


def _rebuild_tensor_v2(storage: Any, storage_offset: Any, size: Any, stride: Any,
                       requires_grad: Any, backward_hooks: Any,
                       metadata: Any = None) -> TensorRecord:
    if not isinstance(storage, Storage):
        raise FormatError('tensor without storage bytes')
    if not (isinstance(size, tuple) and isinstance(stride, tuple) and len(size) == len(stride)):
        raise FormatError('malformed tensor geometry')
    if not all(_is_int(v) and v >= 0 for v in (storage_offset, *size, *stride)):
        raise FormatError('malformed tensor geometry')
    if not isinstance(requires_grad, bool) or backward_hooks or metadata:
        raise FormatError('tensor with gradient hooks or metadata')
    return TensorRecord(storage, storage_offset, size, stride)


def _rebuild_parameter(data: Any, requires_grad: Any, backward_hooks: Any) -> TensorRecord:
    if not isinstance(data, TensorRecord) or not isinstance(requires_grad, bool):
        raise FormatError('malformed parameter')
    if backward_hooks:
        raise FormatError('parameter with hooks')
    return data


# The numeric dtypes numpy scalars in the format use (weight_gain, act_gain, ...).
NUMPY_SCALAR_TYPES = ('f2', 'f4', 'f8', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'b1')


class _NumpyDtype:
    """Stand-in for numpy.dtype(name, align, copy) + its pickled state (byte order)."""

    def __init__(self, name: Any, align: Any = False, copy: Any = True):
        if name not in NUMPY_SCALAR_TYPES:
            raise FormatError(f'unsupported numpy dtype {name!r}')
        self.dtype = np.dtype(name)

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) < 2 or state[1] not in ('<', '>', '|', '='):
            raise FormatError('malformed numpy dtype')
        self.dtype = self.dtype.newbyteorder(state[1])


def _numpy_scalar(dtype: Any, data: Any = None) -> Any:
    if not isinstance(dtype, _NumpyDtype) or not isinstance(data, bytes):
        raise FormatError('malformed numpy scalar')
    if len(data) != dtype.dtype.itemsize:
        raise FormatError('malformed numpy scalar')
    return np.frombuffer(data, dtype=dtype.dtype)[0].item()


class _EasyDict(dict):
    """dnnlib.util.EasyDict, a dict subclass pickled with NEWOBJ + SETITEMS."""

    def __setstate__(self, state: Any) -> None:
        if state:
            raise FormatError('unexpected state for an EasyDict')


# Everything the format uses (see the module docstring). builtins.set: an empty set pickled with
# protocol < 4 (Python < 3.8, e.g. NVIDIA's released files); module state holds one.
SAFE_GLOBALS: Dict[Tuple[str, str], Callable[..., Any]] = {
    ('torch_utils.persistence', '_reconstruct_persistent_obj'): _reconstruct_persistent_obj,
    ('dnnlib.util', 'EasyDict'): _EasyDict,
    ('torch._utils', '_rebuild_parameter'): _rebuild_parameter,
    ('torch._utils', '_rebuild_tensor_v2'): _rebuild_tensor_v2,
    ('torch.storage', '_load_from_bytes'): read_legacy_storage,
    ('collections', 'OrderedDict'): OrderedDict,
    ('numpy.core.multiarray', 'scalar'): _numpy_scalar,
    ('numpy', 'dtype'): _NumpyDtype,
    ('builtins', 'set'): set,
}


class SnapshotUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        found = SAFE_GLOBALS.get((module, name))
        if found is not None:
            return found
        hint = ''
        if module.startswith('dnnlib.tflib'):
            hint = ' (a TensorFlow StyleGAN pickle: convert it with the official legacy.py first)'
        raise FormatError(f'refers to global {module}.{name}, which is not part of the '
                          f'StyleGAN2-ADA snapshot format{hint}')

    def persistent_load(self, pid: Any) -> Any:
        raise FormatError('unexpected persistent id (not a StyleGAN2-ADA snapshot)')


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def load_snapshot(data: bytes) -> Dict[Any, Any]:
    """Unpickles a snapshot with the whitelist; returns the top-level dict."""
    if len(data) < 2 or data[0] != 0x80 or not 2 <= data[1] <= 5:  # PROTO 2..5
        if data[:4] == b'PK\x03\x04':
            raise FormatError('not a pickle but a zip archive (a TorchScript or torch.save '
                              'file?); expected an official StyleGAN2-ADA .pkl snapshot')
        raise FormatError('not a pickle (expected an official StyleGAN2-ADA .pkl snapshot)')
    f = io.BytesIO(data)
    _check_opcodes(f)
    try:
        snapshot = SnapshotUnpickler(f).load()
    except FormatError:
        raise
    except RecursionError:
        raise FormatError('pickle nests too deeply') from None
    except Exception as e:
        raise FormatError(f'truncated or corrupt pickle ({_describe(e)})') from None
    if not isinstance(snapshot, dict):
        raise FormatError(f'the pickle holds a {type(snapshot).__name__}, not a snapshot dict')
    return snapshot


# --------------------------------------------------------------------------------------------
# G_ema: structure, init kwargs and attributes checked against what the project implements.

GENERATOR_ARGS = ('z_dim', 'c_dim', 'w_dim', 'img_resolution', 'img_channels', 'mapping_kwargs',
                  'synthesis_kwargs')
# Official defaults of the keyword arguments that reach MappingNetwork and SynthesisNetwork /
# SynthesisBlock / SynthesisLayer; only these values (or the noted ranges) are supported.
MAPPING_DEFAULTS = dict(num_layers=8, embed_features=None, layer_features=None,
                        activation='lrelu', lr_multiplier=0.01, w_avg_beta=0.995)
SYNTHESIS_DEFAULTS = dict(channel_base=32768, channel_max=512, num_fp16_res=0, conv_clamp=None,
                          architecture='skip', resample_filter=[1, 3, 3, 1],
                          fp16_channels_last=False, use_noise=True, kernel_size=3,
                          activation='lrelu')
MAX_DIM = 1 << 16
MAX_RESOLUTION = 1 << 14
FC = 'FullyConnectedLayer'


@dataclass
class GeneratorSpec:
    """What the converter needs to build the project's generator.

    generator_args: keyword arguments for autolume_model.Generator.
    official_kwargs: G_ema's init kwargs with the official defaults filled in (metadata).
    tensors: state-dict name -> float32 array, official names."""

    generator_args: Dict[str, Any]
    official_kwargs: Dict[str, Any]
    tensors: Dict[str, np.ndarray]


def _plain(value: Any) -> Any:
    """EasyDicts/OrderedDicts/tuples -> JSON-friendly dicts and lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _merge_kwargs(given: Any, defaults: Dict[str, Any], what: str) -> Dict[str, Any]:
    if not isinstance(given, dict):
        raise FormatError(f'G_ema {what} is not a dict')
    unknown = sorted(str(k) for k in given if k not in defaults)
    if unknown:
        raise FormatError(f'G_ema {what} has unsupported settings {unknown}')
    merged = dict(defaults)
    merged.update(given)
    return merged


def _check_int(kw: Dict[str, Any], name: str, low: int, high: int) -> int:
    v = kw[name]
    if not _is_int(v) or not low <= v <= high:
        raise FormatError(f'G_ema {name} = {v!r} is not an integer in [{low}, {high}]')
    return v


def _generator_kwargs(state: Dict[str, Any]) -> Dict[str, Any]:
    args = state.get('_init_args', ())
    kwargs = state.get('_init_kwargs', {})
    if not isinstance(args, (tuple, list)) or not isinstance(kwargs, dict):
        raise FormatError('G_ema has malformed init arguments')
    if len(args) > len(GENERATOR_ARGS):
        raise FormatError('G_ema has too many init arguments')
    kw: Dict[str, Any] = dict(zip(GENERATOR_ARGS, args))
    for key, value in kwargs.items():
        if key not in GENERATOR_ARGS:
            raise FormatError(f'G_ema has an unsupported init argument {key!r}')
        if key in kw:
            raise FormatError(f'G_ema init argument {key!r} is given twice')
        kw[key] = value
    kw.setdefault('mapping_kwargs', {})
    kw.setdefault('synthesis_kwargs', {})
    missing = [k for k in GENERATOR_ARGS if k not in kw]
    if missing:
        raise FormatError(f'G_ema init arguments lack {missing}')
    return kw


def _validated_config(kw: Dict[str, Any]) -> Dict[str, Any]:
    """Checks G_ema's init kwargs; returns them with defaults filled in."""
    z_dim = _check_int(kw, 'z_dim', 1, MAX_DIM)
    _check_int(kw, 'c_dim', 0, MAX_DIM)
    w_dim = _check_int(kw, 'w_dim', 1, MAX_DIM)
    res = _check_int(kw, 'img_resolution', 4, MAX_RESOLUTION)
    if res & (res - 1):
        raise FormatError(f'G_ema img_resolution {res} is not a power of two')
    if kw['img_channels'] != 3:
        raise FormatError(f"G_ema img_channels = {kw['img_channels']!r}: only RGB (3) models "
                          'are supported')
    m = _merge_kwargs(kw['mapping_kwargs'], MAPPING_DEFAULTS, 'mapping_kwargs')
    s = _merge_kwargs(kw['synthesis_kwargs'], SYNTHESIS_DEFAULTS, 'synthesis_kwargs')
    _check_int(m, 'num_layers', 1, 64)
    for key in ('embed_features', 'layer_features'):
        if m[key] is not None and m[key] != w_dim:
            raise FormatError(f'G_ema mapping {key} = {m[key]!r} (only w_dim is supported)')
    if m['activation'] != 'lrelu':
        raise FormatError(f"G_ema mapping activation {m['activation']!r} is not supported")
    if not _is_number(m['lr_multiplier']) or m['lr_multiplier'] <= 0:
        raise FormatError(f"G_ema mapping lr_multiplier {m['lr_multiplier']!r} is not valid")
    if m['w_avg_beta'] is None:
        raise FormatError('G_ema has no w_avg (w_avg_beta None): truncation needs it')
    base = _check_int(s, 'channel_base', 1, 1 << 24)
    _check_int(s, 'channel_max', 1, 1 << 16)
    _check_int(s, 'num_fp16_res', 0, 64)
    if base // res < 1:
        raise FormatError(f'G_ema channel_base {base} gives no channels at {res} px')
    if s['conv_clamp'] is not None and not (_is_number(s['conv_clamp']) and s['conv_clamp'] > 0):
        raise FormatError(f"G_ema conv_clamp {s['conv_clamp']!r} is not valid")
    for key in ('architecture', 'use_noise', 'kernel_size', 'activation'):
        if s[key] != SYNTHESIS_DEFAULTS[key]:
            raise FormatError(f'G_ema synthesis {key} = {s[key]!r} is not supported '
                              f'(only {SYNTHESIS_DEFAULTS[key]!r})')
    f = s['resample_filter']
    if not isinstance(f, (list, tuple)) or len(f) != 4 or not all(_is_number(v) for v in f):
        raise FormatError(f'G_ema resample_filter {f!r} is not supported (4 taps only)')
    if sum(f) == 0:
        raise FormatError(f'G_ema resample_filter {f!r} sums to zero')
    if not isinstance(s['fp16_channels_last'], bool):
        raise FormatError('G_ema fp16_channels_last is not a bool')
    return dict(z_dim=z_dim, c_dim=kw['c_dim'], w_dim=w_dim, img_resolution=res,
                img_channels=3, mapping_kwargs=m, synthesis_kwargs=s)


def _expected_modules(cfg: Dict[str, Any]) -> Dict[str, str]:
    """Module path -> official class name of every submodule of G_ema."""
    modules = {'': 'Generator', 'mapping': 'MappingNetwork', 'synthesis': 'SynthesisNetwork'}
    if cfg['c_dim'] > 0:
        modules['mapping.embed'] = FC
    for i in range(cfg['mapping_kwargs']['num_layers']):
        modules[f'mapping.fc{i}'] = FC
    res = 4
    while res <= cfg['img_resolution']:
        block = f'synthesis.b{res}'
        modules[block] = 'SynthesisBlock'
        for layer in (['conv1'] if res == 4 else ['conv0', 'conv1']):
            modules[f'{block}.{layer}'] = 'SynthesisLayer'
            modules[f'{block}.{layer}.affine'] = FC
        modules[f'{block}.torgb'] = 'ToRGBLayer'
        modules[f'{block}.torgb.affine'] = FC
        res *= 2
    return modules


def _expected_attributes(cfg: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """Module path -> attributes that change the math, with the values this converter
    implements. Checked where present (the official code sets them all)."""
    m = cfg['mapping_kwargs']
    s = cfg['synthesis_kwargs']
    w_dim = cfg['w_dim']
    clamp = s['conv_clamp']
    attrs: Dict[str, Dict[str, Any]] = {}
    lr = m['lr_multiplier']
    in_features = cfg['z_dim'] + (w_dim if cfg['c_dim'] > 0 else 0)
    for i in range(m['num_layers']):
        attrs[f'mapping.fc{i}'] = dict(activation='lrelu', weight_gain=lr / math.sqrt(in_features),
                                       bias_gain=lr)
        in_features = w_dim
    if cfg['c_dim'] > 0:
        attrs['mapping.embed'] = dict(activation='linear',
                                      weight_gain=1 / math.sqrt(cfg['c_dim']), bias_gain=1)
    res = 4
    while res <= cfg['img_resolution']:
        block = f'synthesis.b{res}'
        channels = min(s['channel_base'] // res, s['channel_max'])
        in_channels = min(s['channel_base'] // (res // 2), s['channel_max']) if res > 4 else 0
        attrs[block] = dict(architecture='skip', resolution=res, in_channels=in_channels)
        for layer, up, cin in (('conv0', 2, in_channels), ('conv1', 1, channels)):
            if res == 4 and layer == 'conv0':
                continue
            attrs[f'{block}.{layer}'] = dict(up=up, padding=1, activation='lrelu', use_noise=True,
                                             conv_clamp=clamp, act_gain=math.sqrt(2),
                                             resolution=res)
            attrs[f'{block}.{layer}.affine'] = dict(activation='linear',
                                                    weight_gain=1 / math.sqrt(w_dim), bias_gain=1)
        attrs[f'{block}.torgb'] = dict(conv_clamp=clamp, weight_gain=1 / math.sqrt(channels))
        attrs[f'{block}.torgb.affine'] = dict(activation='linear',
                                              weight_gain=1 / math.sqrt(w_dim), bias_gain=1)
        res *= 2
    return attrs


def _same(value: Any, expected: Any) -> bool:
    if isinstance(expected, float) and _is_number(value):
        return math.isclose(value, expected, rel_tol=1e-6)
    if expected is None or isinstance(expected, (str, bool)):
        return value == expected and type(value) is type(expected)
    return value == expected


def _collect(obj: PersistentObject, path: str, modules: Dict[str, PersistentObject],
             tensors: Dict[str, TensorRecord]) -> None:
    if path in modules:
        raise FormatError(f'G_ema module {path} appears twice')
    modules[path] = obj
    state = obj.state
    where = path or 'G_ema'
    skip = state.get('_non_persistent_buffers_set', set())
    if not isinstance(skip, (set, frozenset, list, tuple)) or not all(
            isinstance(n, str) for n in skip):
        raise FormatError(f'{where} ({obj.class_name}): _non_persistent_buffers_set is not a set '
                          'of names')
    for group in ('_parameters', '_buffers'):
        entries = state.get(group)
        if not isinstance(entries, dict):
            raise FormatError(f'{where} ({obj.class_name}) has no {group} dict')
        for name, value in entries.items():
            if value is None or (group == '_buffers' and name in skip):
                continue
            if not isinstance(value, TensorRecord):
                raise FormatError(f'{where}.{name} is not a tensor')
            tensors[f'{path}.{name}' if path else name] = value
    children = state.get('_modules')
    if not isinstance(children, dict):
        raise FormatError(f'{where} ({obj.class_name}) has no _modules dict')
    for name, child in children.items():
        if child is None:
            continue
        child_path = f'{path}.{name}' if path else name
        if not isinstance(child, PersistentObject):
            raise FormatError(f'G_ema module {child_path} is a {type(child).__name__}, not a '
                              'StyleGAN2-ADA network')
        _collect(child, child_path, modules, tensors)


def _implied_conv_weights(cfg: Dict[str, Any]) -> int:
    """The 3x3 convolution weights the config implies (official channel rule): a strict lower
    bound of the generator's parameter count, computed without allocating anything."""
    s = cfg['synthesis_kwargs']
    base, top = int(s['channel_base']), int(s['channel_max'])
    res = int(cfg['img_resolution'])
    channels = {r: min(base // r, top) for r in (2 ** k for k in range(2, res.bit_length()))}
    total = channels[4] * channels[4] * 9  # b4.conv1
    for r in sorted(channels):
        if r > 4:
            total += channels[r] * channels[r // 2] * 9 + channels[r] * channels[r] * 9
    return total


def generator_spec(g_ema: Any) -> GeneratorSpec:
    """Validates an unpickled G_ema record and extracts its config and float32 tensors."""
    if not isinstance(g_ema, PersistentObject):
        raise FormatError(f'G_ema is a {type(g_ema).__name__}, not a StyleGAN2-ADA network')
    if g_ema.class_name != 'Generator':
        raise FormatError(f"G_ema is a '{g_ema.class_name}', not a StyleGAN2-ADA 'Generator'")
    cfg = _validated_config(_generator_kwargs(g_ema.state))

    modules: Dict[str, PersistentObject] = {}
    records: Dict[str, TensorRecord] = {}
    _collect(g_ema, '', modules, records)
    expected = _expected_modules(cfg)
    for path, cls in expected.items():
        if path not in modules:
            raise FormatError(f'G_ema lacks module {path} ({cls}) that its config implies')
        if modules[path].class_name != cls:
            raise FormatError(f"G_ema module {path or 'G_ema'} is a "
                              f"'{modules[path].class_name}', expected '{cls}'")
    extra = sorted(set(modules) - set(expected))
    if extra:
        raise FormatError(f"G_ema has unexpected module {extra[0]} "
                          f"('{modules[extra[0]].class_name}'): unsupported variant")
    for path, attrs in _expected_attributes(cfg).items():
        state = modules[path].state
        for name, want in attrs.items():
            if name in state and not _same(state[name], want):
                raise FormatError(f'G_ema {path}.{name} = {state[name]!r}, expected {want!r}: '
                                  'unsupported variant')

    # Before anything is allocated: the config must not promise more weights than the pickle
    # stores. A lower bound of what it implies (the 3x3 convolutions alone) against the stored
    # tensors' element count: a 44 KB pickle claiming 65 536-wide layers stops here, not after
    # asking for 16 GiB.
    stored = sum(int(np.prod(r.shape, dtype=np.int64)) for r in records.values())
    implied = _implied_conv_weights(cfg)
    if implied > stored:
        raise FormatError(f'G_ema config implies at least {implied:,} weights but the pickle '
                          f'stores {stored:,}: its sizes do not match its tensors')
    tensors: Dict[str, np.ndarray] = {}
    for name, record in records.items():
        if record.dtype.kind != 'f':
            raise FormatError(f'G_ema tensor {name} has dtype {record.dtype}, expected float')
        array = record.numpy().astype(np.float32)
        if not np.isfinite(array).all():
            raise FormatError(f'G_ema tensor {name} has non-finite values')
        tensors[name] = array

    m = cfg['mapping_kwargs']
    s = cfg['synthesis_kwargs']
    generator_args = dict(
        z_dim=cfg['z_dim'], c_dim=cfg['c_dim'], w_dim=cfg['w_dim'],
        img_resolution=cfg['img_resolution'], img_channels=3,
        mapping_kwargs=dict(num_layers=m['num_layers'], lr_multiplier=float(m['lr_multiplier'])),
        synthesis_kwargs=dict(channel_base=s['channel_base'], channel_max=s['channel_max'],
                              num_fp16_res=s['num_fp16_res'], conv_clamp=s['conv_clamp'],
                              resample_filter=tuple(float(v) for v in s['resample_filter'])))
    return GeneratorSpec(generator_args, _plain(cfg), tensors)


def training_set_info(snapshot: Dict[Any, Any]) -> Optional[Dict[str, Any]]:
    """The scalar settings of training_set_kwargs (its path reduced to the base name)."""
    kwargs = snapshot.get('training_set_kwargs')
    if not isinstance(kwargs, dict):
        return None
    info: Dict[str, Any] = {}
    for key, value in kwargs.items():
        if not isinstance(key, str):
            continue
        if key == 'path' and isinstance(value, str):
            info['name'] = value.replace('\\', '/').rstrip('/').rsplit('/', 1)[-1]
        elif value is None or isinstance(value, (bool, int, str)) or _is_number(value):
            info[key] = value
    return info


def read_generator(data: bytes) -> Tuple[GeneratorSpec, Dict[Any, Any]]:
    """Whole pipeline for the converter: snapshot bytes -> (G_ema spec, snapshot dict)."""
    snapshot = load_snapshot(data)
    if 'G_ema' not in snapshot:
        keys: List[str] = sorted(str(k) for k in snapshot)[:8]
        raise FormatError(f'no G_ema in the pickle (keys: {", ".join(keys) or "none"}); '
                          'expected an official StyleGAN2-ADA snapshot')
    return generator_spec(snapshot['G_ema']), snapshot
