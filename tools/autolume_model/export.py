"""Scripting and saving a Generator as the model contract (a TorchScript archive + meta.json).

Shared by the placeholder export and the pickle converter, so every .pt the app loads is
written the same way."""

import json
import os
from typing import Any, Dict, Optional

import torch

from .networks import ContractGenerator, Generator

META_FILE = 'meta.json'
REQUIRED_META = ('name', 'description', 'placeholder', 'license', 'source')


def generator_config(G: Generator) -> Dict[str, Any]:
    """The architecture settings that go into meta.json (enough to rebuild G)."""
    kw = G.init_kwargs
    syn = kw['synthesis_kwargs']
    return {
        'resolution': G.img_resolution,
        'img_channels': G.img_channels,
        'z_dim': G.z_dim,
        'w_dim': G.w_dim,
        'c_dim': G.c_dim,
        'num_ws': G.num_ws,
        'mapping_layers': G.mapping.num_layers,
        'channel_base': syn.get('channel_base', 32768),
        'channel_max': syn.get('channel_max', 512),
        'num_fp16_res': syn.get('num_fp16_res', 0),
        'conv_clamp': syn.get('conv_clamp'),
        'init_kwargs': kw,
    }


def script_generator(G: Generator) -> torch.jit.ScriptModule:
    """Wraps G in the contract module and compiles it. G must be in eval mode."""
    G = G.eval()
    return torch.jit.script(ContractGenerator(G).eval())


@torch.no_grad()
def check_against_eager(G: Generator, scripted: torch.jit.ScriptModule, z: torch.Tensor,
                        c: Optional[torch.Tensor] = None, atol: float = 1e-5) -> float:
    """Compares the scripted contract with the eager, upstream-shaped code path (which indexes
    ws the upstream way). Returns the largest image difference; raises if above atol."""
    if c is None:
        c = torch.zeros([z.shape[0], G.c_dim])
    noise_gain = torch.ones([scripted.num_layers])
    ws_s = scripted.mapping(z, c)
    ws_e = G.mapping(z, c)
    if ws_s.shape != ws_e.shape or (ws_s - ws_e).abs().max().item() > atol:
        raise AssertionError('scripted mapping differs from the eager one')
    img_s = scripted.synthesis(ws_s, noise_gain)
    img_e = G.synthesis(ws_e, noise_gain)
    diff = (img_s - img_e).abs().max().item()
    if img_s.shape != img_e.shape or diff > atol:
        raise AssertionError(f'scripted synthesis differs from the eager one by {diff}')
    return diff


def save_contract(scripted: torch.jit.ScriptModule, path: str, meta: Dict[str, Any]) -> None:
    """Writes the archive atomically with meta.json as an extra file."""
    missing = [k for k in REQUIRED_META if k not in meta]
    if missing:
        raise ValueError(f'meta.json lacks {missing}')
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    extra = {META_FILE: json.dumps(meta, indent=2, sort_keys=True)}
    # torch names the archive's root folder after the file, so the temporary name is fixed
    # (<stem>.tmp -> root <stem>) to keep builds byte-for-byte reproducible.
    stem = os.path.splitext(os.path.basename(path))[0]
    tmp = os.path.join(directory, stem + '.tmp')
    try:
        torch.jit.save(scripted, tmp, _extra_files=extra)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
