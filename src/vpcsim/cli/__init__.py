"""Entry point of the ``vpcsim`` command: runs the typer app and keeps the exit-status contract.

0 yes/clean, 1 no/findings, 2 usage/input/environment error, 3 unknown, 70 internal error
(:data:`vpcsim.cli.errors.EXIT_STATUS`).
Under ``--json`` errors are ``{"schema_version": 1, "error": {...}}`` on stdout; a traceback
is shown only with ``--debug``. The command line is the contract here (``docs/cli.md``); the
modules are internal.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence

import orjson
import typer

try:  # recent typer vendors its own click
    from typer._click import exceptions as click_exceptions  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - older typer uses click itself
    from click import exceptions as click_exceptions  # type: ignore[no-redef,unused-ignore]

from ..model.problems import InputError
from .common import RunOptions
from .errors import EXIT_INTERNAL, EXIT_USAGE, CliError, input_error


def print_error(error: CliError, as_json: bool) -> None:
    """An error as the contract says: ``{"error": ...}`` on stdout under ``--json``, else a line
    (and its details) on stderr."""
    if as_json:
        sys.stdout.write(
            orjson.dumps(error.to_dict(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"
        )
        return
    sys.stderr.write(f"vpcsim: error: {error.message}\n")
    if len(error.details) == 1 and "text" in error.details[0]:
        return  # the message already says it all
    for detail in error.details:
        line = detail.get("text") or ", ".join(f"{k}={v}" for k, v in detail.items())
        sys.stderr.write(f"  {line}\n")


#: Options of the whole command line, accepted anywhere on it (``vpcsim --help`` lists them).
RUN_FLAGS = ("--no-cache", "--quiet")


def _run_options(args: list[str]) -> tuple[list[str], RunOptions]:
    """``args`` without the run flags (before any ``--``), and the options they set."""
    end = args.index("--") if "--" in args else len(args)
    head, tail = args[:end], args[end:]
    options = RunOptions(cache="--no-cache" not in head, quiet="--quiet" in head, json="--json" in head)
    return [a for a in head if a not in RUN_FLAGS] + tail, options


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns (and, as a console script, exits with) the exit status."""
    status = run(list(sys.argv[1:] if argv is None else argv), console_script=argv is None)
    if argv is None:
        exit_now(status)
    return status


def run(argv: list[str], *, console_script: bool) -> int:
    """Run one command line and return its exit status. ``console_script``: this is the
    ``vpcsim`` process itself (or a resident process's child answering for it), which may leave
    a forked child writing the cache behind it; otherwise a caller (a test) waits on this one."""
    from . import common
    from .app import app

    args, common.OPTIONS = _run_options(argv)
    common.OPTIONS.background = console_script
    as_json = "--json" in args
    debug = "--debug" in args
    try:
        result = app(args=args, prog_name="vpcsim", standalone_mode=False)
    except CliError as exc:
        print_error(exc, as_json)
        status = exc.status
    except InputError as exc:
        print_error(input_error(exc), as_json)
        status = EXIT_USAGE
    except click_exceptions.NoArgsIsHelpError as exc:
        sys.stdout.write((exc.ctx.get_help() if exc.ctx else str(exc)) + "\n")
        status = EXIT_USAGE
    except click_exceptions.UsageError as exc:
        hint = f" (see 'vpcsim {exc.ctx.command.name} --help')" if exc.ctx and exc.ctx.command.name else ""
        print_error(CliError(exc.format_message() + hint, code="VPCSIM_USAGE"), as_json)
        status = EXIT_USAGE
    except typer.Exit as exc:
        status = exc.exit_code
    except typer.Abort:
        sys.stderr.write("vpcsim: aborted\n")
        status = EXIT_USAGE
    except BrokenPipeError:
        status = 0
    except Exception as exc:
        if debug:
            traceback.print_exc()
        print_error(
            CliError(
                f"internal error: {type(exc).__name__}: {exc} (run again with --debug for the traceback)",
                code="VPCSIM_INTERNAL",
                status=EXIT_INTERNAL,
            ),
            as_json,
        )
        status = EXIT_INTERNAL
    else:
        status = result if isinstance(result, int) else 0
    return status


def exit_now(status: int) -> None:
    """End the ``vpcsim`` process without tearing its heap down object by object: a network read
    back from the cache is a million objects, and freeing them one at a time costs a warm answer
    a fifth of its second (mypy exits the same way). Output is flushed first; vpcsim registers
    no exit handlers."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass
    os._exit(status)
