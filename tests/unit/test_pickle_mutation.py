"""The official-pickle scanner (tools/autolume_model/official_pickle.py) under a mutation test.

Valid official-format snapshots (tests/tools/official_format.py) are mutated, seeded, a few
thousand times: byte flips, truncations, opcode insertions, GLOBAL rewrites to os.system,
builtins.eval, subprocess.Popen and friends, and whole injected calls that would touch a canary
file. For every mutant the reader either accepts it, having resolved only the globals of the
format, or raises FormatError with one line: it never runs anything (canary files, the module_src
marker), never raises anything else, never prints, never takes more than a few seconds or runs out of
2 GiB more memory.

Run: /usr/bin/python3 -m pytest -q tests/unit/test_pickle_mutation.py (ctest: pickle_mutation).
"""

import os
import pickletools
import random
import resource
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'tests' / 'tools'))
sys.path.insert(0, str(ROOT / 'tools'))

import official_format as OF  # noqa: E402
from autolume_model import official_pickle as OP  # noqa: E402

# A mutant that takes longer than this counts as a hang (a valid snapshot takes milliseconds).
CASE_LIMIT_SEC = 5.0
CASES_PER_KIND = 600

# Globals that must never be resolved: each would run something if called with the right
# arguments. The canary module's functions create a file, so do its import and its calls.
CANARY_MODULE = 'autolume_pickle_canary'
DANGEROUS = [('os', 'system'), ('posix', 'system'), ('builtins', 'eval'), ('builtins', 'exec'),
             ('builtins', '__import__'), ('builtins', 'getattr'), ('builtins', 'open'),
             ('builtins', 'compile'), ('subprocess', 'Popen'), ('subprocess', 'call'),
             ('subprocess', 'check_output'), ('os', 'popen'), ('os', 'execv'), ('os', 'remove'),
             ('shutil', 'rmtree'), ('pathlib', 'Path'), ('importlib', 'import_module'),
             ('pickle', 'loads'), ('torch', 'load'), ('numpy', 'load'), ('runpy', 'run_path'),
             ('code', 'InteractiveInterpreter'), ('torch_utils.persistence', 'persistent_class'),
             ('dnnlib.util', 'call_func_by_name'), ('collections', 'namedtuple'),
             (CANARY_MODULE, 'touch')]


class Hang(Exception):
    pass


@pytest.fixture(scope='module')
def canary(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder with the canary module on sys.path; anything executed writes into it."""
    folder = tmp_path_factory.mktemp('canary')
    hit = folder / 'hits'
    hit.mkdir()
    (folder / f'{CANARY_MODULE}.py').write_text(textwrap.dedent(f'''\
        import pathlib, uuid
        HITS = pathlib.Path({str(hit)!r})
        (HITS / ('import-' + uuid.uuid4().hex)).write_text('imported')

        def touch(*args, **kwargs):
            (HITS / ('call-' + uuid.uuid4().hex)).write_text(repr(args))
        '''))
    sys.path.insert(0, str(folder))
    yield folder
    sys.path.remove(str(folder))
    assert not list(hit.iterdir()), f'the canary ran: {sorted(p.name for p in hit.iterdir())}'


def hits(canary: Path) -> List[str]:
    return sorted(p.name for p in (canary / 'hits').iterdir())


def snapshots(marker: Path) -> Dict[str, bytes]:
    """Small valid snapshots: protocol 4 (STACK_GLOBAL) and 3 (GLOBAL, as NVIDIA's released files), conditional or not."""
    small = OF.Config(4, z_dim=4, w_dim=4, channel_base=32, channel_max=4, mapping_layers=1)
    cond = OF.Config(8, z_dim=4, w_dim=4, c_dim=2, channel_base=64, channel_max=4,
                     mapping_layers=2)
    out = {}
    for name, cfg in (('res4', small), ('res8_cond', cond)):
        snap = OF.snapshot(cfg, OF.make_weights(cfg, seed=3), str(marker))
        out[f'{name}_p4'] = OF.dumps(snap)
        out[f'{name}_p3'] = OF.dumps(snap, protocol=3)
    return out


def ops(data: bytes) -> List[Tuple[str, int, int]]:
    """(opcode name, start, end) of each opcode of a valid pickle."""
    found = [(op.name, pos) for op, _, pos in pickletools.genops(data)]
    return [(name, pos, found[i + 1][1] if i + 1 < len(found) else len(data))
            for i, (name, pos) in enumerate(found)]


def global_op(module: str, name: str) -> bytes:
    return b'c' + module.encode() + b'\n' + name.encode() + b'\n'


def shell_touch(path: Path) -> str:
    return f'touch {path}'


def injected_call(canary: Path, rng: random.Random) -> bytes:
    """A whole call that does something if it runs: GLOBAL, MARK, a unicode argument, TUPLE,
    REDUCE, POP (so that the rest of the stream stays balanced)."""
    target = canary / 'hits' / f'shell-{rng.randrange(1 << 30)}'
    module, name, arg = rng.choice([
        ('os', 'system', shell_touch(target)),
        ('posix', 'system', shell_touch(target)),
        ('builtins', 'eval', f"__import__('os').system({shell_touch(target)!r})"),
        ('builtins', 'exec', f"open({str(target)!r}, 'w').close()"),
        ('subprocess', 'getoutput', shell_touch(target)),
        ('subprocess', 'getstatusoutput', shell_touch(target)),
        (CANARY_MODULE, 'touch', 'x'),
    ])
    return global_op(module, name) + b'(V' + arg.encode() + b'\nt' + b'R0'


# --------------------------------------------------------------------------------------------
# Mutations: each returns (mutant, description).

Mutation = Callable[[bytes, random.Random, Path], Tuple[bytes, str]]


def flip_bytes(data: bytes, rng: random.Random, canary: Path) -> Tuple[bytes, str]:
    out = bytearray(data)
    changes = []
    for _ in range(rng.randint(1, 4)):
        pos = rng.randrange(len(out))
        out[pos] = rng.randrange(256) if rng.random() < 0.7 else out[pos] ^ (1 << rng.randrange(8))
        changes.append(pos)
    return bytes(out), f'bytes changed at {changes}'


def truncate(data: bytes, rng: random.Random, canary: Path) -> Tuple[bytes, str]:
    cut = rng.choice([rng.randrange(len(data)), rng.randrange(64), len(data) - rng.randint(1, 64)])
    return data[:cut], f'truncated to {cut} bytes'


def insert_opcode(data: bytes, rng: random.Random, canary: Path) -> Tuple[bytes, str]:
    """One opcode (any of pickle's, with a random or plausible argument) at an opcode boundary."""
    _, pos, _ = rng.choice(ops(data))
    op = rng.choice(pickletools.opcodes)
    code = op.code.encode('latin-1')
    arg = rng.choice([b'', bytes(rng.randrange(256) for _ in range(rng.randint(1, 9))),
                      b'\xff\xff\xff\x7f', b'\xff' * 8, b'x\n', b'os\nsystem\n', b'0\n'])
    return data[:pos] + code + arg + data[pos:], f'{op.name} + {arg!r} inserted at {pos}'


def rewrite_global(data: bytes, rng: random.Random, canary: Path) -> Tuple[bytes, str]:
    """A GLOBAL or STACK_GLOBAL of the snapshot made to name a dangerous callable; the rest of
    the stream (the call's arguments, REDUCE or NEWOBJ) unchanged."""
    sites = [(name, start, end) for name, start, end in ops(data)
             if name in ('GLOBAL', 'STACK_GLOBAL')]
    name, start, end = rng.choice(sites)
    module, attr = rng.choice(DANGEROUS)
    # STACK_GLOBAL takes its two strings from the stack: pop them, push the GLOBAL instead.
    new = (b'00' if name == 'STACK_GLOBAL' else b'') + global_op(module, attr)
    return data[:start] + new + data[end:], f'{name} at {start} -> {module}.{attr}'


def inject_call(data: bytes, rng: random.Random, canary: Path) -> Tuple[bytes, str]:
    _, pos, _ = rng.choice(ops(data)[1:])  # after PROTO
    call = injected_call(canary, rng)
    return data[:pos] + call + data[pos:], f'call {call[:40]!r} injected at {pos}'


MUTATIONS: Dict[str, Mutation] = {
    'flip': flip_bytes, 'truncate': truncate, 'insert_opcode': insert_opcode,
    'rewrite_global': rewrite_global, 'inject_call': inject_call,
}
# Mutations after which acceptance would mean a dangerous global was resolved or skipped over.
MUST_REFUSE = {'rewrite_global', 'inject_call'}


# --------------------------------------------------------------------------------------------

@pytest.fixture
def resolved(monkeypatch: pytest.MonkeyPatch) -> List[Tuple[str, str]]:
    """Every global the reader's unpicklers resolved (returned something for)."""
    seen: List[Tuple[str, str]] = []
    for cls in (OP.SnapshotUnpickler, OP._StorageHeaderUnpickler, OP._DataOnlyUnpickler):
        original = cls.__dict__['find_class']

        def find_class(self, module, name, _original=original):
            found = _original(self, module, name)
            seen.append((module, name))
            return found
        monkeypatch.setattr(cls, 'find_class', find_class)
    return seen


@pytest.fixture
def memory_limit() -> Iterator[None]:
    """At most 2 GiB more address space while mutants are read: a claimed size that the reader
    would allocate becomes a MemoryError (a finding below) instead of a machine out of memory
    (LONG_BINPUT 0x7fffffff once took 16 GiB)."""
    with open('/proc/self/status') as f:
        vm_kb = next(int(line.split()[1]) for line in f if line.startswith('VmSize:'))
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = vm_kb * 1024 + (2 << 30)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    yield
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def read_with_limit(data: bytes) -> None:
    def on_alarm(signum, frame):
        raise Hang()
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, CASE_LIMIT_SEC)
    try:
        OP.read_generator(data)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


ALLOWED: Set[Tuple[str, str]] = set(OP.SAFE_GLOBALS) | {('torch', s) for s in OP.STORAGE_DTYPES}


@pytest.mark.parametrize('kind', list(MUTATIONS))
def test_mutated_snapshots_are_read_or_refused_in_one_line(
        kind: str, tmp_path: Path, canary: Path, resolved: List[Tuple[str, str]],
        memory_limit: None, capfd: pytest.CaptureFixture) -> None:
    marker = tmp_path / 'module_src_was_executed'
    bases = snapshots(marker)
    for name, data in bases.items():  # the unmutated snapshots are read
        OP.read_generator(data)
    rng = random.Random(f'{kind}-12')
    mutate = MUTATIONS[kind]
    refused = accepted = 0
    for case in range(CASES_PER_KIND):
        base = rng.choice(sorted(bases))
        mutant, what = mutate(bases[base], rng, canary)
        where = f'{kind} case {case} ({base}, {what})'
        resolved.clear()
        try:
            read_with_limit(mutant)
            accepted += 1
            foreign = [g for g in resolved if g not in ALLOWED]
            assert not foreign, f'{where}: accepted after resolving {foreign}'
            assert kind not in MUST_REFUSE, f'{where}: accepted'
        except OP.FormatError as e:
            refused += 1
            message = str(e)
            assert message and '\n' not in message, f'{where}: not one line: {message!r}'
            assert 'MemoryError' not in message, f'{where}: ran out of memory: {message}'
            if kind == 'rewrite_global':
                assert 'refers to global' in message or 'opcode' in message, f'{where}: {message}'
        except Hang:
            pytest.fail(f'{where}: took more than {CASE_LIMIT_SEC} s')
        except Exception as e:  # noqa: BLE001 - the point of the test
            pytest.fail(f'{where}: raised {type(e).__name__}: {e}')
        assert not hits(canary), f'{where}: executed something: {hits(canary)}'
        assert not marker.exists(), f'{where}: module_src was executed'
    # Every kind refuses a good share; flips inside tensor bytes may still be read (a weight
    # changed), truncations and insertions nearly never.
    assert refused >= {'flip': CASES_PER_KIND // 5}.get(kind, CASES_PER_KIND * 9 // 10), \
        (kind, refused, accepted)
    assert capfd.readouterr() == ('', '')


@pytest.mark.parametrize('target', ['os.system', 'builtins.eval', 'subprocess.getoutput',
                                    f'{CANARY_MODULE}.touch'])
def test_canary_runs_under_a_plain_loader(target: str, tmp_path: Path, canary: Path) -> None:
    """Control: the injected calls do run under pickle.loads (in a child process, writing into
    a folder of its own), so their absence above means the reader never ran them."""
    data = snapshots(tmp_path / 'marker')['res4_p3']
    rng = random.Random(target)
    while True:
        call = injected_call(canary, rng)
        if global_op(*target.rsplit('.', 1)) in call:
            break
    hit_dir = tmp_path / 'hits'
    hit_dir.mkdir()
    call = call.replace(str(canary / 'hits').encode(), str(hit_dir).encode())
    (tmp_path / f'{CANARY_MODULE}.py').write_text(
        (canary / f'{CANARY_MODULE}.py').read_text().replace(str(canary / 'hits'), str(hit_dir)))
    mutant = data[:2] + call + data[2:]  # right after PROTO
    env = dict(os.environ, PYTHONPATH=str(tmp_path), PYTHONDONTWRITEBYTECODE='1')
    subprocess.run([sys.executable, '-c', 'import pickle, sys\ntry:\n'
                    '    pickle.loads(sys.stdin.buffer.read())\nexcept Exception:\n    pass'],
                   input=mutant, env=env, check=True, timeout=60)
    assert list(hit_dir.iterdir()), f'{target}: the injected call did not run'
    with pytest.raises(OP.FormatError, match='refers to global'):
        OP.read_generator(mutant)



def test_non_persistent_buffer_names_must_be_a_set_of_names() -> None:
    """A mutant once turned `_non_persistent_buffers_set` into an int: the reader raised
    TypeError ('argument of type int is not iterable') instead of a one-line FormatError."""
    for bad in (7, 'x', {'x': 1}, {1, 2}):
        obj = OP.PersistentObject('Generator', {'_parameters': {}, '_buffers': {'x': None},
                                                '_modules': {}, '_non_persistent_buffers_set': bad})
        with pytest.raises(OP.FormatError, match='_non_persistent_buffers_set is not a set of names'):
            OP._collect(obj, '', {}, {})
    ok = OP.PersistentObject('Generator', {'_parameters': {}, '_buffers': {'x': None},
                                           '_modules': {}, '_non_persistent_buffers_set': {'x'}})
    OP._collect(ok, '', {}, {})
