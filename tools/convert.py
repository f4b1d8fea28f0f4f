#!/usr/bin/env python3
"""Converts an official StyleGAN2-ADA snapshot pickle into an autolume model.

    convert.py IN.pkl OUT.pt

Reads the pickle with a whitelist unpickler (nothing from the file is executed: see
autolume_model/official_pickle.py), takes G_ema, loads its weights into the project's own
generator and writes it as the model contract (TorchScript + meta.json). Errors are one line,
`IN.pkl: <what is wrong>`, exit status 1, and leave no output file; usage errors exit 2.
"""

import argparse
import datetime
import hashlib
import os
import sys
from typing import Any, Dict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from autolume_model import export  # noqa: E402
from autolume_model.networks import Generator  # noqa: E402
from autolume_model.official_pickle import (  # noqa: E402
    FormatError, read_generator, training_set_info)

LICENSE = "unknown: as the source pickle's"


class ConvertError(Exception):
    """The input cannot be converted; str() is the one-line reason without the file name."""


class OutputError(Exception):
    """The output cannot be written; str() is the one-line reason without the file name."""


def build_generator(spec_args: Dict[str, Any], tensors: Dict[str, Any]) -> Generator:
    """The project's generator with G_ema's weights; names and shapes must match exactly."""
    G = Generator(**spec_args)
    expected = G.state_dict()
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    if missing:
        raise ConvertError(f'G_ema lacks tensor {missing[0]}')
    if extra:
        raise ConvertError(f'G_ema has unexpected tensor {extra[0]}: unsupported variant')
    for name, value in tensors.items():
        want = list(expected[name].shape)
        if list(value.shape) != want:
            raise ConvertError(f'G_ema tensor {name} has shape {list(value.shape)}, '
                               f'expected {want}')
    G.load_state_dict({name: torch.from_numpy(value) for name, value in tensors.items()})
    for p in G.parameters():
        p.requires_grad_(False)
    return G.eval()


def metadata(in_path: str, digest: str, G: Generator, official_kwargs: Dict[str, Any],
             training_set: Any) -> Dict[str, Any]:
    source = os.path.basename(in_path)
    return {
        'name': os.path.splitext(source)[0],
        'description': f'converted from {source}',
        'placeholder': False,
        'license': LICENSE,
        'source': source,
        'source_sha256': digest,
        'converted_at': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
        'converter': 'tools/convert.py',
        'training_set': training_set,
        'official_init_kwargs': official_kwargs,
        'config': export.generator_config(G),
    }


def convert(in_path: str, out_path: str) -> Dict[str, Any]:
    """Converts in_path to out_path; returns the metadata written. Raises FormatError or
    ConvertError (about the input), OutputError or OSError; never leaves a partial file."""
    if not os.path.exists(in_path):
        raise ConvertError('file not found')
    if os.path.isdir(in_path):
        raise ConvertError('is a directory, expected a .pkl file')
    if os.path.exists(out_path) and os.path.samefile(in_path, out_path):
        raise ConvertError('the output would overwrite the input')
    folder = os.path.dirname(os.path.abspath(out_path))
    if not os.path.isdir(folder):  # made by the user, never by us
        raise OutputError(f'no folder {folder}')
    with open(in_path, 'rb') as f:
        data = f.read()
    digest = hashlib.sha256(data).hexdigest()
    spec, snapshot = read_generator(data)
    del data
    G = build_generator(spec.generator_args, spec.tensors)
    meta = metadata(in_path, digest, G, spec.official_kwargs, training_set_info(snapshot))
    scripted = export.script_generator(G)
    try:
        export.save_contract(scripted, out_path, meta)
    except (OSError, RuntimeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e).splitlines()[0]
        raise OutputError(f'cannot write ({reason})') from None
    return meta


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('input', metavar='IN.pkl', help='official StyleGAN2-ADA snapshot pickle')
    ap.add_argument('output', metavar='OUT.pt', help='model to write (TorchScript archive)')
    args = ap.parse_args()
    try:
        meta = convert(args.input, args.output)
    except (FormatError, ConvertError) as e:
        print(f'{args.input}: {e}', file=sys.stderr)
        return 1
    except OutputError as e:
        print(f'{args.output}: {e}', file=sys.stderr)
        return 1
    except OSError as e:
        print(f'{e.filename or args.input}: {e.strerror or e}', file=sys.stderr)
        return 1
    except MemoryError:
        print(f'{args.input}: out of memory while converting', file=sys.stderr)
        return 1
    except Exception as e:  # a bug or an unforeseen input: still one line, still no output
        reason = str(e).splitlines()[0] if str(e) else ''
        print(f'{args.input}: conversion failed ({type(e).__name__}: {reason})', file=sys.stderr)
        return 1
    cfg = meta['config']
    print(f"{args.output}: {cfg['resolution']} px, z_dim {cfg['z_dim']}, c_dim {cfg['c_dim']}, "
          f"{cfg['num_ws']} ws, from {meta['source']} (sha256 {meta['source_sha256'][:12]})")
    return 0


if __name__ == '__main__':
    sys.exit(main())
