"""What a cached network is keyed by: every input file's path, size, modification time and inode,
the format and check asked for, and this vpcsim (its version, the files of its own code and the
versions of the distributions installed beside it).

Stat-based, as ``make`` and ccache's direct mode: hashing 200 MB of AWS JSON would cost more
than the warm answer's whole budget. An edit changes a file's size or modification time (to the
nanosecond), and a replaced file its inode; a file added to or removed from an AWS folder
changes the list. A change that keeps all three (a same-size edit back-dated with ``touch -d``)
goes unseen: ``--no-cache`` answers from the files themselves.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import sysconfig
from pathlib import Path

CACHE_FORMAT = 1
"""Bumped when what an entry holds changes shape."""


def _stat_line(path: str, root: str) -> str:
    st = os.stat(path)
    rel = os.path.relpath(path, root) if root else path
    return f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\n"


def _tree(root: str) -> list[str]:
    """Every regular file under ``root``, sorted (hidden ones too: cheap, and never wrong)."""
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        found.extend(os.path.join(folder, name) for name in sorted(files))
    return found


def inputs_digest(path: Path) -> str:
    """The stat lines of ``path``: itself when a file, every file beneath it when a folder."""
    resolved = os.path.realpath(path)
    if os.path.isdir(resolved):
        lines = [f"dir\0{resolved}\n", *(_stat_line(p, resolved) for p in _tree(resolved))]
    else:
        lines = [f"file\0{resolved}\n", _stat_line(resolved, "")]
    return "".join(lines)


_CODE: str | None = None


def code_digest(*, fresh: bool = False) -> str:
    """vpcsim's version and the stat lines of its own modules: a changed engine never reads an
    entry an older one wrote (what it holds is the engine's compiled form). Read once per process
    unless ``fresh`` (a resident process asks whether its code is still what is on disk)."""
    global _CODE
    if _CODE is None or fresh:
        package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
        lines = [
            _stat_line(p, package) for p in _tree(package) if p.endswith(".py") and "__pycache__" not in p
        ]
        version = getattr(sys.modules.get("vpcsim"), "__version__", "?")  # the root package, loaded first
        _CODE = f"vpcsim {version}\0cache {CACHE_FORMAT}\0{sys.version}\n" + "".join(lines) + _installed()
    return _CODE


def _installed() -> str:
    """The installed distributions and their versions (``NAME-VERSION.dist-info`` in this
    environment's site-packages): an upgraded dependency (pydantic, typer, rich...) is new code
    too, for entries that hold its objects and for a resident process that imported it."""
    found: list[str] = []
    for folder in dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib")):
        with contextlib.suppress(OSError):
            found.extend(n for n in os.listdir(folder) if n.endswith(".dist-info"))
    return "".join(f"{n}\n" for n in sorted(found))


def cache_key(path: Path, *, format: str | None, check: bool) -> str:
    """The hex key of one load: inputs, options and code."""
    digest = hashlib.sha256()
    digest.update(code_digest().encode())
    digest.update(f"format\0{format}\0check\0{check}\n".encode())
    digest.update(inputs_digest(path).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()
