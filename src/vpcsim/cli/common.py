"""What every command shares: the NETWORK argument and common options, loading, and output."""

from __future__ import annotations

import gc
import io
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console, RenderableType

from ..formats.problems import LoadResult
from ..progress import Progress

NetworkArg = Annotated[
    str,
    typer.Argument(
        metavar="NETWORK",
        help="A YAML spec, an AWS describe-* folder or JSON file, a Terraform JSON file, or a built-in example name.",
        show_default=False,
    ),
]
FormatOpt = Annotated[
    str | None,
    typer.Option("--format", help="Force the input format: yaml, aws or terraform.", show_default=False),
]
#: The input format's former name in ``export`` (now ``--format`` as everywhere), kept working.
InputFormatAlias = Annotated[str | None, typer.Option("--input-format", hidden=True, show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document (docs/json.md).")]
BriefOpt = Annotated[
    bool, typer.Option("--brief", help="Print the verdict and blockers only, not every hop.")
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show the traceback of an internal error.")]


#: The width of output that is not a terminal: no table cell is ever cut (rich cuts to fit).
UNBOUNDED_WIDTH = 10_000


def console() -> Console:
    """The console of a command's output. On a terminal, as wide as the terminal; elsewhere (a
    pipe, a file, a CI log) wide enough that tables never truncate ids and CIDRs -- a reader of
    a log or a script needs them whole. ``COLUMNS`` still sets the width when given."""
    unbounded = not os.environ.get("COLUMNS") and not sys.stdout.isatty()
    return Console(highlight=False, soft_wrap=True, width=UNBOUNDED_WIDTH if unbounded else None)


def emit_json(document: dict[str, Any]) -> None:
    sys.stdout.write(
        orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"
    )


def emit_json_stream(document: dict[str, Any], key: str, items: Iterable[Any]) -> None:
    """Print ``document`` with ``key`` holding ``items``, byte for byte as :func:`emit_json` would,
    writing each item as it comes: a 50,000-ENI matrix never exists as one rendered text (nor as
    one tree of dicts)."""
    options = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
    marker = f'\n  "{key}": []'
    text = orjson.dumps({**document, key: []}, option=options).decode()
    at = text.index(marker)  # top level: the only key at this indentation
    write = sys.stdout.write
    write(text[:at] + marker[:-1])
    first = True
    for item in items:
        body = orjson.dumps(item, option=options).decode().replace("\n", "\n    ")
        write(("\n    " if first else ",\n    ") + body)
        first = False
    write(("]" if first else "\n  ]") + text[at + len(marker) :] + "\n")


def emit(renderable: RenderableType) -> None:
    console().print(renderable)


def emit_wide(renderable: RenderableType) -> None:
    """Print a renderable that must not be cropped (a tree) at whatever width its lines need."""
    wide = Console(width=500, highlight=False, color_system=None, record=True, file=io.StringIO())
    wide.print(renderable)
    sys.stdout.write("\n".join(line.rstrip() for line in wide.export_text().splitlines()) + "\n")


@dataclass
class RunOptions:
    """The options of the whole command line (``vpcsim --help``), which ``main`` accepts anywhere
    on it: they concern how a command runs, not what it answers."""

    cache: bool = True
    """``--no-cache`` turns it off: load from the files, and store nothing."""
    quiet: bool = False
    """``--quiet``: no progress display."""
    json: bool = False
    """``--json`` was given (to any command): no progress display either."""
    background: bool = False
    """Write a new cache entry from a forked child: only when run as the ``vpcsim`` command."""


OPTIONS = RunOptions()


def progress() -> Progress:
    """The progress display of this run (:mod:`vpcsim.cli.progress`): on a terminal only."""
    from .progress import make_progress

    return make_progress(as_json=OPTIONS.json, quiet=OPTIONS.quiet)


def _exists(path: str) -> bool:
    """Whether ``path`` names something on disk; a name the file system cannot even look up (too
    long, bad bytes) does not, and the loader then says so, located."""
    try:
        return Path(path).exists()
    except (OSError, ValueError):
        return False


def _changes_in_place(path: str) -> bool:
    """A ``vpcsim serve`` state file: its writes land in the SQLite WAL beside it, which the
    cache's fingerprint of the file does not see, so it is always read afresh."""
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def load(path: str, fmt: str | None = None, *, check: bool = True) -> LoadResult:
    """Load a NETWORK argument; a built-in example name works where no such file exists.
    A network with errors does not load (``check=False``: see ``vpcsim.formats.loader``).

    A file or folder that loads (and is checked) is read back from the cache the next time
    (:mod:`vpcsim.cache`) unless ``--no-cache``; the compiled network comes with it."""
    if not check or not _exists(path) or _changes_in_place(path):
        from ..formats.loader import load_source

        return load_source(path, format=fmt, check=check)
    from ..cache import CacheSettings, cached_load

    def from_files() -> LoadResult:  # the readers are imported on a miss only
        from ..formats.loader import load_source

        return load_source(path, format=fmt, check=check)

    loaded = cached_load(
        Path(path),
        from_files,
        format=fmt,
        check=check,
        settings=CacheSettings(enabled=OPTIONS.cache, background=OPTIONS.background),
        progress=progress(),
    )
    if OPTIONS.background:  # the vpcsim process, which ends with os._exit: nothing to free
        _KEPT.append(loaded)
        # nor to collect: the estate was built with the collector held (vpcsim.heap), so its
        # millions of objects are all still in the youngest generation, and the first collection
        # of the question would walk every one of them (2 s of a cold trace on 50,000 ENIs)
        gc.freeze()
    return loaded


_KEPT: list[LoadResult] = []


# The options of one flow, shared by ``trace`` and ``why``.
FromOpt = Annotated[
    str,
    typer.Option(
        "--from", help="Source: i-/eni-/subnet-/sg- id, address, internet[:IP] or Name tag (docs/cli.md)."
    ),
]
ToOpt = Annotated[
    str,
    typer.Option(
        "--to", help="Destination: i-/eni-/subnet-/sg- id, address, internet[:IP] or Name tag (docs/cli.md)."
    ),
]
ProtocolOpt = Annotated[
    str, typer.Option("--protocol", "-p", help="tcp, udp, icmp, icmpv6 or a protocol number.")
]
PortOpt = Annotated[int | None, typer.Option("--port", help="Destination port (required for tcp and udp).")]
SourcePortOpt = Annotated[int | None, typer.Option("--source-port", help="Pin the client's source port.")]
ClientPortsOpt = Annotated[
    str | None,
    typer.Option(
        "--client-ports",
        help="The client's ephemeral range: linux (32768-60999, default), windows, nat or LO-HI.",
    ),
]
IcmpTypeOpt = Annotated[int | None, typer.Option("--icmp-type", help="ICMP type (default 8, echo request).")]
IcmpCodeOpt = Annotated[int | None, typer.Option("--icmp-code", help="ICMP code (default 0).")]
FromEniOpt = Annotated[
    str | None, typer.Option("--from-eni", help="Send from this ENI of a multi-homed source.")
]
Ipv6Opt = Annotated[
    bool,
    typer.Option(
        "-6",
        "--ipv6",
        help="An IPv6 flow: instances and ENIs stand for their IPv6 address (implied by an IPv6 address).",
    ),
]
