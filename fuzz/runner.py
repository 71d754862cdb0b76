"""Running ``vpcsim`` in-process, as a user runs it, fast enough for 100,000 inputs.

Every input goes through :func:`vpcsim.cli.main` -- the console script's own entry point, with
its argument parsing, commands, error conversion and exit statuses -- with standard output and
error captured. One thing is done once per process instead of once per call: typer's build of
the click command tree (``typer.main.get_command``), about 20 ms that does not depend on the
input. :func:`run_subprocess` runs the installed ``vpcsim`` script itself, for a sample.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import typer.main

from vpcsim.cli import main


@dataclass
class Outcome:
    """What a user sees: the exit status, standard output and standard error."""

    status: int
    out: str
    err: str
    seconds: float


_build = typer.main.get_command


@contextlib.contextmanager
def fast_cli() -> Iterator[None]:
    """Build the click command tree once for the duration (typer rebuilds it on every call)."""
    cached = functools.cache(_build)
    typer.main.get_command = cached
    try:
        yield
    finally:
        typer.main.get_command = _build


def plain_terminal() -> None:
    """What the CLI tests use: no colour, a dumb 100-column terminal."""
    os.environ.update({"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"})


def run_cli(args: Sequence[str]) -> Outcome:
    """``vpcsim ARGS`` in-process; the exit status is what the console script would exit with."""
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(args))
        except SystemExit as exc:  # a command calling sys.exit() itself: exits are outcomes too
            status = exc.code if isinstance(exc.code, int) else 1
    return Outcome(status, out.getvalue(), err.getvalue(), time.perf_counter() - start)


def run_subprocess(args: Sequence[str], cwd: Path, timeout: float = 60) -> Outcome:
    """``vpcsim ARGS`` as a separate process, through the installed console script."""
    script = Path(sys.executable).with_name("vpcsim")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "vpcsim.cli"]
    start = time.perf_counter()
    done = subprocess.run(
        [*command, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return Outcome(done.returncode, done.stdout, done.stderr, time.perf_counter() - start)
