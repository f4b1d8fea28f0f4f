"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/), committed as made.

Run from the repository root with Debian's Python and sox: /usr/bin/python3 tests/fuzz/make_corpus.py
The seeds are real inputs: MIDI messages of the shipped profiles' controls, the shipped MIDI
profiles and parameter/preset files in the project's formats, sox-made audio headers, and
models/default.pt with its tensor bytes emptied (code and pickles as shipped, 60 KB, not 1.6 MB).
"""

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / 'tests' / 'fuzz' / 'corpus'


def fresh(target: str) -> Path:
    d = CORPUS / target
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    return d


def midi() -> None:
    """fuzz_midi_message: byte 0 the profile, then steps (see fuzz_midi_message.cpp)."""
    d = fresh('fuzz_midi_message')

    def msg(*b: int, dt: int = 1, clear: bool = True) -> bytes:
        h = (len(b) & 7) | (dt << 3) | (0x80 if clear else 0)
        return bytes([h & 0xFF, *b]) if len(b) < 6 else bytes([(7 | (dt << 3)) & 0xFF, len(b), *b])

    def op(what: int, arg: int = 0) -> bytes:
        return bytes([6 | 0x08, what, arg & 0xFF, arg >> 8])

    seeds = {
        # generic: faders (CC 0..), a note button, pitch bend, a 14-bit pair
        'generic_cc_sweep': bytes([0]) + b''.join(msg(0xB0, 1, v) for v in (0, 64, 127)),
        'generic_notes': bytes([0]) + msg(0x90, 60, 100) + msg(0x80, 60, 0) + msg(0x90, 60, 0),
        'generic_pitch_bend': bytes([0]) + msg(0xE0, 0, 64) + msg(0xE0, 127, 127),
        # nanoKONTROL2: faders 0-7, knobs 16-23, S/M/R buttons, transport
        'nanokontrol2_faders': bytes([1]) + b''.join(msg(0xB0, cc, 100) for cc in range(8)),
        'nanokontrol2_buttons': bytes([1]) + msg(0xB0, 32, 127) + msg(0xB0, 32, 0)
        + msg(0xB0, 64, 127, dt=80) + op(0) + msg(0xB0, 64, 0),
        # APC mini: clip-launch pads (notes 0-63), shift (98), faders CC 48-56
        'apc_mini_pads': bytes([2]) + msg(0x90, 56, 127) + msg(0x80, 56, 0)
        + msg(0x90, 98, 127) + msg(0x90, 57, 127) + msg(0x80, 57, 0) + msg(0x80, 98, 0),
        'apc_mini_faders': bytes([2]) + b''.join(msg(0xB0, cc, 64) for cc in range(48, 57)),
        # learn, slot state, LED refresh, long press (time steps)
        'learn_and_slots': bytes([1]) + op(1, 3) + msg(0xB0, 5, 77) + op(3, 0x0F) + op(4, 0x03)
        + op(5) + msg(0xB0, 33, 127, dt=31) + op(0) + msg(0xB0, 33, 0),
        # real-time and system messages, SysEx, broken ones
        'system_and_broken': bytes([0]) + msg(0xF8) + msg(0xFA) + msg(0xF2, 1, 2) + msg(0xF1, 3)
        + msg(0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7) + msg(0xF4) + msg(0x40, 1) + msg(0xB0, 1)
        + msg(0xB0, 0x80, 1) + msg(0xC0, 5) + msg(0xD0, 9) + msg(0xA0, 60, 30) + msg(),
    }
    for name, data in seeds.items():
        (d / name).write_bytes(data)


def json_files() -> None:
    d = fresh('fuzz_json')
    for p in sorted((ROOT / 'presets' / 'midi').glob('*.json')):
        shutil.copy(p, d / f'profile_{p.name}')
    params = {
        'walk.weight': {'value': 0.8},
        'walk.level_speed': {'value': 0.4,
                             'mod': {'source': 'level', 'gain': 0.5, 'curve': 'square'}},
        'chroma.weight': {'value': 0.3, 'mod': {'source': 'harmonic', 'gain': -0.2,
                                                'curve': 'smooth'}},
        'truncation': {'value': 0.7},
        'noise': {'value': 0.1, 'mod': {'source': 'onset_envelope', 'gain': 1, 'curve': 'sqrt'}},
        'bend.rotate': {'value': 0.0},
        'ganspace.0': {'value': 1.5},
        'unknown.name': {'value': 2},
    }
    (d / 'params.json').write_text(json.dumps(params, indent=1) + '\n')
    # Presets for the fuzz target's model identity ("fuzz", 2 ws x 4), as PresetBank writes them.
    preset = {'format': 'autolume-preset', 'version': 1, 'slot': 3, 'label': 'drop',
              'model': {'name': 'fuzz', 'num_ws': 2, 'w_dim': 4},
              'ws': [[0.5, -1.25, 3e-05, 2.0], [1e-38, -0.0, 7, 1.5]]}
    (d / 'preset_plain.json').write_text(json.dumps(preset, indent=1) + '\n')
    preset['params'] = params
    (d / 'preset_params.json').write_text(json.dumps(preset, indent=1) + '\n')
    (d / 'deep.json').write_text('[' * 63 + ']' * 63)
    (d / 'big_float.json').write_text('{"truncation": {"value": 1e39}}')
    # Inputs that found bugs (fixed; unit tests in preset_bank_test, parameters_test and
    # midi_profile_test): wrong types escaped as nlohmann's type_error, 1e30 converted to int.
    found = {
        'found_format_number.json': '{"format": 1, "version": 1}',
        'found_preset_model_number.json': '{"format":"autolume-preset","version":1,"model":5}',
        'found_preset_num_ws_1e30.json':
            '{"format":"autolume-preset","version":1,"model":{"name":"fuzz","num_ws":1e30,'
            '"w_dim":4}}',
        'found_mod_source_number.json':
            '{"walk.weight":{"value":1,"mod":{"source":3,"gain":1}}}',
    }
    for name, text in found.items():
        (d / name).write_text(text + '\n')


def audio() -> None:
    """Short sox-made files: headers plus a few hundred frames."""
    d = fresh('fuzz_audio_header')
    cases = [('s16.wav', ['-b', '16']), ('f32.wav', ['-b', '32', '-e', 'floating-point']),
             ('u8_mono.wav', ['-b', '8', '-c', '1']), ('s24.aiff', ['-b', '24']),
             ('s16.flac', ['-b', '16']), ('s16.au', ['-b', '16']), ('ulaw.wav', ['-e', 'u-law']),
             ('s16.caf', ['-b', '16']), ('s16.w64', ['-b', '16']), ('s16.voc', ['-b', '16']),
             ('s16_stereo.wav', ['-b', '16', '-c', '2'])]
    for name, opts in cases:  # -R -D: repeatable, no dither, so the files stay the same
        subprocess.run(['sox', '-R', '-D', '-n', '-r', '8000', *opts, str(d / name), 'synth',
                        '0.02', 'sine', '440'], check=True)
    # A WAV header that claims more data than it holds (a cut-off download).
    data = (d / 's16.wav').read_bytes()
    (d / 'truncated.wav').write_bytes(data[:60])


def archive() -> None:
    d = fresh('fuzz_archive')
    src = ROOT / 'models' / 'default.pt'
    out = d / 'default_no_tensors.pt'
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, 'w') as zout:
        for info in zin.infolist():
            rest = info.filename.split('/', 1)[1]
            data = b'' if rest.startswith('data/') else zin.read(info)
            if rest.endswith('.debug_pkl') and len(data) > 1000:
                continue  # the big debug pickles: data.pkl has the same opcodes
            method = zipfile.ZIP_DEFLATED if info.compress_type == zipfile.ZIP_DEFLATED else \
                zipfile.ZIP_STORED
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = method
            zout.writestr(zi, data)
        # the inner checks directly: the shipped pickles and code files
        for member, name in [('default/data.pkl', 'data.pkl'),
                             ('default/constants.pkl', 'constants.pkl'),
                             ('default/code/__torch__/torch/nn/functional.py', 'functional.py'),
                             ('default/code/__torch__/torch/autograd/grad_mode.py',
                              'grad_mode.py')]:
            (d / name).write_bytes(zin.read(member))
        net = zin.read('default/code/__torch__/autolume_model/networks.py').decode()
        (d / 'networks_head.py').write_text(net[:6000])


if __name__ == '__main__':
    midi()
    json_files()
    audio()
    archive()
    for d in sorted(CORPUS.iterdir()):
        files = list(d.iterdir())
        print(d.name, len(files), 'files', sum(f.stat().st_size for f in files), 'bytes')
