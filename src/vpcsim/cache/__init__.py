"""Warm answers: the loaded and compiled network, kept on disk between commands.

Every command about an estate pays for reading its files, validating the network and compiling
its rules -- seconds on a 50,000-ENI estate, where the question itself takes milliseconds. The
first command stores what it loaded (the :class:`~vpcsim.formats.problems.LoadResult` and the
engine's :class:`~vpcsim.engine.compiled.Compiled`) under a key of its inputs
(:mod:`.fingerprint`); the next one about the same unchanged files reads it back. A pure speed-up:
any change to an input, an option or vpcsim itself is a different key, and what is read back is
exactly what loading produced. Safe by construction (:mod:`.store`): only entries signed with
this user's key, in this user's private folder, are ever unpickled.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ..engine.compiled import Compiled, adopt_compiled, compile_network
from ..formats.problems import LoadResult
from ..progress import NO_PROGRESS, Progress
from . import memory
from .fingerprint import cache_key
from .store import Store, UnsafeCache, default_dir, default_limit

__all__ = ["CacheSettings", "Store", "UnsafeCache", "cached_load", "entry_of"]


@dataclass(frozen=True)
class CacheSettings:
    enabled: bool = True
    directory: Path | None = None
    """None: :func:`~vpcsim.cache.store.default_dir` (``$VPCSIM_CACHE_DIR``, XDG)."""
    limit: int | None = None
    """Bytes; None: :func:`~vpcsim.cache.store.default_limit`."""
    background: bool = False
    """Write a new entry from a forked child (the ``vpcsim`` command), not before answering."""

    def store(self) -> Store:
        return Store(self.directory or default_dir(), default_limit() if self.limit is None else self.limit)


def _warn(message: str) -> None:
    sys.stderr.write(f"vpcsim: warning: {message}\n")


def cached_load(
    path: Path,
    load: Callable[[], LoadResult],
    *,
    format: str | None,
    check: bool,
    settings: CacheSettings,
    progress: Progress = NO_PROGRESS,
) -> LoadResult:
    """``load()`` and compile, or what an earlier identical load stored; the compiled form is
    registered with the engine, so that the first question does not compile again."""
    if not settings.enabled:
        return _load_and_compile(load, progress)
    try:
        key = cache_key(path, format=format, check=check)
    except OSError:
        return _load_and_compile(load, progress)
    held = memory.ESTATES.get(key)
    if held is not None:  # a resident process's own estate (vpcsim.resident)
        return _use(key, held)
    try:
        store = settings.store()
        progress.start("reading the cache", None)
        hit = store.get(key)
    except UnsafeCache as exc:
        _warn(str(exc))
        return _load_and_compile(load, progress)
    except OSError:
        return _load_and_compile(load, progress)
    finally:
        progress.finish()
    held = entry_of(hit)
    if held is not None:
        return _use(key, held)
    loaded = _load_and_compile(load, progress)
    compiled = compile_network(loaded.network)
    loaded.network.get("")  # its indexes (by id, name, address) are stored built
    entry = (replace(loaded, locate=None), compiled)
    memory.USED.append(key)  # loaded: its entry is being written (an input that fails never is)
    if settings.background and hasattr(os, "fork"):
        _write_in_child(store, key, entry)
        return loaded
    try:
        progress.start("writing the cache", None)
        store.put(key, entry)
    except (OSError, UnsafeCache) as exc:
        _warn(f"cannot write the cache: {exc}")
    finally:
        progress.finish()
    return loaded


def _use(key: str, held: tuple[LoadResult, Compiled]) -> LoadResult:
    """An estate found in memory or on disk: noted as used, its compiled form registered."""
    memory.USED.append(key)
    adopt_compiled(held[1])
    return held[0]


def entry_of(value: object) -> tuple[LoadResult, Compiled] | None:
    """What an entry read back holds, when it is what :func:`cached_load` stores."""
    if isinstance(value, tuple) and len(value) == 2:
        loaded, compiled = value
        if (
            isinstance(loaded, LoadResult)
            and isinstance(compiled, Compiled)
            and compiled.network is loaded.network
        ):
            return loaded, compiled
    return None


def _write_in_child(store: Store, key: str, entry: object) -> None:
    """Write the entry from a forked copy of this process, so that the first answer does not
    wait for it (a few seconds on a 50,000-ENI estate). The write is atomic: a command started
    meanwhile misses and loads from the files. Only for the ``vpcsim`` command itself."""
    sys.stdout.flush()
    sys.stderr.flush()
    if os.fork() != 0:
        return
    status = 0
    try:
        os.setsid()  # not in the terminal's process group: ^C on the shell does not cut a write short
        store.put(key, entry)
    except BaseException:
        status = 1
    finally:
        os._exit(status)


def _load_and_compile(load: Callable[[], LoadResult], progress: Progress) -> LoadResult:
    progress.start("loading", None)
    try:
        loaded = load()
    finally:
        progress.finish()
    progress.start("compiling", None)
    try:
        compile_network(loaded.network)
    finally:
        progress.finish()
    return loaded
