"""Hostile model files for the archive check (tests/integration/model_hostile.sh).

    make_hostile_models.py OUT_DIR GOOD.pt

Writes OUT_DIR/<attack>.pt for each attack below, built here from source (no committed
binaries), and OUT_DIR/attacks.txt with one "name<TAB>what it does" line each. The scripted
attacks are first proven real: a plain torch.jit.load of them writes or reads the file they
name (checked, then cleaned up), so a test that refuses them refuses something that works.
Needs python3-torch (run with /usr/bin/python3).
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import List

import torch


def scripted_attacks(out: Path) -> dict[str, tuple[Path, str, Path]]:
    """name -> (file, description, the file a plain load writes)."""
    pwned = {k: out / f"pwned_{k}" for k in ("setstate", "mapping", "helper", "submodule")}

    class SetState(torch.nn.Module):
        def __init__(self, target: str):
            super().__init__()
            self.w = torch.zeros(2)
            self.target = target

        @torch.jit.export
        def __getstate__(self) -> List[str]:
            return [self.target]

        @torch.jit.export
        def __setstate__(self, state: List[str]) -> None:
            self.target = state[0]
            self.w = torch.zeros(2)
            self.training = False
            torch.save(self.w, self.target)  # runs while the archive is unpickled

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x

    class Mapping(torch.nn.Module):
        """Looks like a generator; its mapping writes a file each frame."""

        def __init__(self, target: str):
            super().__init__()
            self.target = target
            self.z_dim = 8

        @torch.jit.export
        def mapping(self, z: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
            torch.save(z, self.target)
            return z

        def forward(self, z: torch.Tensor) -> torch.Tensor:
            return self.mapping(z, z)

    class Helper(torch.nn.Module):
        """A helper method reads any file the user can read (here: the model's own folder)."""

        def __init__(self, target: str, source: str):
            super().__init__()
            self.target = target
            self.source = source

        def steal(self) -> torch.Tensor:
            data = torch.from_file(self.source, False, 4, dtype=torch.uint8)
            torch.save(data, self.target)
            return data

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x + self.steal().float().sum()

    class Outer(torch.nn.Module):
        """The attack sits in a submodule's forward."""

        def __init__(self, target: str, source: str):
            super().__init__()
            self.inner = Helper(target, source)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.inner(x)

    source = out / "secret.txt"
    source.write_text("1234")
    made = {
        "setstate": (SetState(str(pwned["setstate"])), "torch.save in __setstate__ (at load)"),
        "mapping": (Mapping(str(pwned["mapping"])), "torch.save in mapping (each frame)"),
        "helper": (Helper(str(pwned["helper"]), str(source)),
                   "torch.from_file + torch.save in a helper method"),
        "submodule": (Outer(str(pwned["submodule"]), str(source)),
                      "the same in a submodule's forward"),
    }
    result = {}
    for name, (module, what) in made.items():
        path = out / f"{name}.pt"
        torch.jit.save(torch.jit.script(module), str(path))
        result[name] = (path, what, pwned[name])
    return result


def prove_real(attacks: dict[str, tuple[Path, str, Path]]) -> None:
    """A plain loader (a fresh Python) runs each attack: the file appears."""
    for name, (path, _, pwned) in attacks.items():
        pwned.unlink(missing_ok=True)
        run = "m = torch.jit.load(sys.argv[1]); "
        if name == "mapping":
            run += "m.mapping(torch.zeros(1, 8), torch.zeros(1, 8))"
        elif name in ("helper", "submodule"):
            run += "m(torch.zeros(1))"
        subprocess.run([sys.executable, "-c", "import sys, torch; " + run, str(path)],
                       check=True, capture_output=True)
        if not pwned.exists():
            sys.exit(f"make_hostile_models: the {name} attack did not run under a plain loader")
        pwned.unlink()


def rezip(good: Path, out: Path, edit, compression=zipfile.ZIP_STORED) -> Path:
    """A copy of `good` with edit(name, bytes) -> list of (name, bytes) per entry."""
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w", compression) as dst:
        for info in src.infolist():
            for name, data in edit(info.filename, src.read(info)):
                dst.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return out


def archive_attacks(good: Path, out: Path, setstate: Path) -> dict[str, tuple[Path, str]]:
    top = zipfile.ZipFile(good).namelist()[0].split("/")[0]
    same = lambda n, d: [(n, d)]  # noqa: E731
    made: dict[str, tuple[Path, str]] = {}

    def add(name: str, what: str, path: Path) -> None:
        made[name] = (path, what)

    def extra(entry: str):
        def edit(n, d):
            return [(n, d)] + ([(entry, b"\x7fELF")] if n.endswith("/version") else [])
        return edit

    add("extra_entry", "an unexpected entry (a shared library)",
        rezip(good, out / "extra_entry.pt", extra(f"{top}/extra/payload.so")))
    add("traversal", "an entry named ../../evil",
        rezip(good, out / "traversal.pt", extra(f"{top}/../../evil")))
    add("absolute", "an entry with an absolute name",
        rezip(good, out / "absolute.pt", extra("/tmp/evil")))
    add("two_tops", "entries under a second top folder",
        rezip(good, out / "two_tops.pt", extra("other/data.pkl")))
    add("deflated", "compressed entries (TorchScript stores them)",
        rezip(good, out / "deflated.pt", same, zipfile.ZIP_DEFLATED))

    def global_edit(n, d):
        if n.endswith("/data.pkl"):
            d = d.replace(b"collections\nOrderedDict\n", b"posix\nsystem\n", 1)
        return [(n, d)]
    add("pickle_global", "a pickle GLOBAL posix.system",
        rezip(good, out / "pickle_global.pt", global_edit))

    def code_edit(old: bytes, new: bytes):
        def edit(n, d):
            return [(n, d.replace(old, new) if n.endswith(".py") else d)]
        return edit
    # The __setstate__ attack written in the ways a checker could miss.
    for name, new, what in [
        ("spaced", b"torch . save(", "torch . save with spaces"),
        ("continued", b"torch.\\\n    save(", "torch.save over a line continuation"),
        ("aten", b"ops.aten.save(", "ops.aten.save"),
        ("getattr", b"getattr(torch, \"save\")(", "getattr(torch, 'save')"),
        ("torch_ops", b"torch.ops.aten.save(", "torch.ops.aten.save"),
    ]:
        add(name, what, rezip(setstate, out / f"{name}.pt", code_edit(b"torch.save(", new)))
    add("foreign_class", "code naming a class outside the archive",
        rezip(setstate, out / "foreign_class.pt",
              code_edit(b"torch.save(", b"__torch__.evil.Thing(")))

    # Declared sizes far beyond the file: the central directory says 64 GiB for data.pkl.
    huge = rezip(good, out / "huge_size.pt", same)
    raw = bytearray(huge.read_bytes())
    name = f"{top}/data.pkl".encode()
    pos = 0
    while True:
        pos = raw.find(b"PK\x01\x02", pos)
        if pos < 0:
            sys.exit("make_hostile_models: no central directory entry for data.pkl")
        n_len = int.from_bytes(raw[pos + 28:pos + 30], "little")
        if raw[pos + 46:pos + 46 + n_len] == name:
            break
        pos += 4
    raw[pos + 24:pos + 28] = (0xFFFFFFF0).to_bytes(4, "little")  # uncompressed size
    huge.write_bytes(bytes(raw))
    add("huge_size", "a central directory declaring 4 GiB for data.pkl", huge)
    return made


def main() -> None:
    out, good = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    scripted = scripted_attacks(out)
    prove_real(scripted)
    made = {k: (p, w) for k, (p, w, _) in scripted.items()}
    made.update(archive_attacks(good, out, scripted["setstate"][0]))
    with open(out / "attacks.txt", "w") as f:
        for name, (path, what) in made.items():
            f.write(f"{name}\t{what}\n")
    print(f"make_hostile_models: {len(made)} attacks in {out} "
          f"({len(scripted)} proven to run under a plain loader)")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
