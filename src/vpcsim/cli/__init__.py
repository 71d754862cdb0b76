"""Entry point of the ``vpcsim`` command: runs the typer app and keeps the exit-status contract.

0 yes/clean, 1 no/findings, 2 usage/input/environment error, 3 unknown, 70 internal error
(:data:`vpcsim.cli.errors.EXIT_STATUS`).
Under ``--json`` errors are ``{"schema_version": 1, "error": {...}}`` on stdout; a traceback
is shown only with ``--debug``. The command line is the contract here (``docs/cli.md``); the
modules are internal.
"""

from __future__ import annotations

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
from .errors import EXIT_INTERNAL, EXIT_USAGE, CliError, input_error


def _print_error(error: CliError, as_json: bool) -> None:
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns (and, as a console script, exits with) the exit status."""
    from .app import app

    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    debug = "--debug" in args
    try:
        result = app(args=args, prog_name="vpcsim", standalone_mode=False)
    except CliError as exc:
        _print_error(exc, as_json)
        status = exc.status
    except InputError as exc:
        _print_error(input_error(exc), as_json)
        status = EXIT_USAGE
    except click_exceptions.NoArgsIsHelpError as exc:
        sys.stdout.write((exc.ctx.get_help() if exc.ctx else str(exc)) + "\n")
        status = EXIT_USAGE
    except click_exceptions.UsageError as exc:
        hint = f" (see 'vpcsim {exc.ctx.command.name} --help')" if exc.ctx and exc.ctx.command.name else ""
        _print_error(CliError(exc.format_message() + hint, code="VPCSIM_USAGE"), as_json)
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
        _print_error(
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
    if argv is None:
        sys.exit(status)
    return status
