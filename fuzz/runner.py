"""Running ``vpcsim`` in-process, as a user runs it, fast enough for 100,000 inputs.

Three depths, from fastest to most faithful:

* :func:`run_reader`: the function the CLI calls to read an input (``vpcsim.cli.common.load``
  for a network, the policy reader for a policy), with the CLI's own conversion of its errors
  (:func:`vpcsim.cli.errors.input_error`) and exit statuses: the bulk of a campaign.
* :func:`run_cli`: :func:`vpcsim.cli.main`, the console script's entry point (argument
  parsing, the command, error conversion, exit status) with standard output and error
  captured. Typer's build of the click command tree (about 20 ms, the same for every input) is
  done once per process (:func:`fast_cli`).
* :func:`run_subprocess`: the installed ``vpcsim`` script in its own process.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson
import typer.main

from vpcsim.cli import main
from vpcsim.cli.errors import EXIT_INTERNAL, EXIT_USAGE, CliError, input_error
from vpcsim.model.problems import InputError


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
    """Build the click command tree once for the duration (typer rebuilds it on every call), and
    keep the network cache off: a campaign loads each input once, so every entry written would be
    a wasted pickle of a network never asked about again (``--no-cache`` for every command)."""
    import vpcsim.cli as cli
    from vpcsim.cli import common

    run_options = cli._run_options

    def without_cache(args: list[str]) -> tuple[list[str], common.RunOptions]:
        rest, options = run_options(args)
        options.cache = False
        return rest, options

    cached = functools.cache(_build)
    typer.main.get_command = cached
    cli._run_options = without_cache  # type: ignore[assignment]
    common.OPTIONS.cache = False  # the readers the bulk calls directly
    try:
        yield
    finally:
        typer.main.get_command = _build
        cli._run_options = run_options  # type: ignore[assignment]
        common.OPTIONS.cache = True


@contextlib.contextmanager
def plain_terminal() -> Iterator[None]:
    """What the CLI tests use, for the duration: no colour, a dumb 100-column terminal."""
    plain = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    saved = {name: os.environ.get(name) for name in plain}
    os.environ.update(plain)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


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


def run_reader(read: Callable[[], object]) -> Outcome:
    """Call a reader as the CLI does and convert what it raises as :func:`vpcsim.cli.main` does:
    ``InputError`` -> exit 2 with ``{"error": ...}`` (as under ``--json``), ``CliError`` -> its
    status, anything else -> 70 with the traceback on standard error (as under ``--debug``)."""
    start = time.perf_counter()
    out = err = ""
    status = 0
    try:
        read()
    except InputError as exc:
        out = orjson.dumps(input_error(exc).to_dict()).decode()
        status = EXIT_USAGE
    except CliError as exc:
        out = orjson.dumps(exc.to_dict()).decode()
        status = exc.status
    except Exception:
        err = traceback.format_exc()
        status = EXIT_INTERNAL
    return Outcome(status, out, err, time.perf_counter() - start)


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
