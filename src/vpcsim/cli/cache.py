"""``vpcsim cache``: what the network cache holds on disk and in the resident process, and
stopping or clearing them (:mod:`vpcsim.cache`, :mod:`vpcsim.resident`).

A typer sub-app (:data:`cache_app`) that the main app mounts as ``cache``.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from ..cache import CacheSettings
from ..cache import resident as wire
from ..cache.store import Store, default_dir
from .common import console, emit_json
from .errors import EXIT_OK

cache_app = typer.Typer(
    help="The network cache: what it holds (on disk and in the resident process); stop or clear it.",
    no_args_is_help=True,
    add_completion=False,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show the traceback of an internal error.")]


def _mb(size: int) -> str:
    return f"{size / (1 << 20):,.1f} MiB"


def _store() -> Store:
    return CacheSettings().store()


def _entries(store: Store) -> list[tuple[float, int, Path]]:
    if not store.directory.is_dir():
        return []
    return store.entries()


def _resident(directory: Path) -> dict[str, Any] | None:
    return wire.request(directory, {"op": "status"}, timeout=2.0)


@cache_app.command("info")
def info(as_json: JsonOpt = False, debug: DebugOpt = False) -> int:
    """The cache folder, its entries and the resident process (pid, estates held, questions answered)."""
    store = _store()
    entries = _entries(store)
    resident = _resident(store.directory)
    total = sum(size for _, size, _ in entries)
    if as_json:
        emit_json(
            {
                "schema_version": 1,
                "directory": str(store.directory),
                "private": wire.private_folder(store.directory),
                "limit_bytes": store.limit,
                "bytes": total,
                "entries": [
                    {"key": path.name.removesuffix(".entry"), "bytes": size, "last_used": used}
                    for used, size, path in reversed(entries)
                ],
                "resident": resident,
                "resident_enabled": wire.enabled(),
                "resident_unavailable": wire.unavailable(store.directory),
            }
        )
        return EXIT_OK
    out = console()
    private = (
        "" if wire.private_folder(store.directory) or not entries else " (not private: the cache is off)"
    )
    out.print(f"cache folder: {store.directory}{private}")
    out.print(f"entries: {len(entries)}, {_mb(total)} of {_mb(store.limit)}")
    if resident is None:
        out.print(f"resident process: {wire.unavailable(store.directory) or 'none running'}")
    else:
        idle = f"stops after {resident['idle_seconds']:.0f} s without a question"
        out.print(
            f"resident process: pid {resident['pid']}, holding {len(resident['estates'])} estate(s) "
            f"of at most {resident['capacity']}, {resident['served']} question(s) answered "
            f"since {time.strftime('%H:%M:%S', time.localtime(resident['started']))}; {idle}"
        )
    return EXIT_OK


@cache_app.command("stop")
def stop(as_json: JsonOpt = False, debug: DebugOpt = False) -> int:
    """Stop the resident process (the disk entries stay)."""
    directory = default_dir()
    resident = _resident(directory)
    stopped = resident is not None and wire.request(directory, {"op": "stop"}) is not None
    if as_json:
        emit_json({"schema_version": 1, "stopped": resident["pid"] if stopped and resident else None})
    elif stopped and resident:
        console().print(f"stopped the resident process (pid {resident['pid']})")
    else:
        console().print("no resident process was running")
    return EXIT_OK


@cache_app.command("clear")
def clear(as_json: JsonOpt = False, debug: DebugOpt = False) -> int:
    """Stop the resident process and remove every cache entry."""
    directory = default_dir()
    resident = _resident(directory)
    if resident is not None:
        wire.request(directory, {"op": "stop"})
    store = _store()
    removed, freed = 0, 0
    for _, size, path in _entries(store):
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
            freed += size
    if as_json:
        emit_json(
            {
                "schema_version": 1,
                "removed": removed,
                "bytes": freed,
                "stopped": resident["pid"] if resident else None,
            }
        )
    else:
        console().print(f"removed {removed} entr{'y' if removed == 1 else 'ies'} ({_mb(freed)})")
        if resident is not None:
            console().print(f"stopped the resident process (pid {resident['pid']})")
    return EXIT_OK
