"""The ``vpcsim`` command: ask the resident process when one runs, else answer here and leave one.

Kept light on purpose: asking costs this module, the socket and ``import vpcsim``; the CLI (typer,
rich, the readers) is imported only when this process answers by itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

from ..cache import memory
from ..cache import resident as wire
from ..cache.store import default_dir
from . import COMMANDS

#: Signals a person sends the command (^C, ^\\, a closed terminal, kill): passed to the child
#: of the resident process answering for it.
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
EXIT_INTERNAL = 70
STARTING = 10.0
"""Seconds to wait for the resident process to start a child (it may be reading an estate back);
past them the command answers by itself (a child started later finds the asker gone and stops
before it runs anything)."""


def main() -> None:
    """The console script."""
    argv = sys.argv[1:]
    directory = default_dir().absolute()
    eligible = wants_resident(argv)
    if eligible:
        status = ask(directory, argv)
        if status is not None:
            os._exit(status)
    from .. import cli

    status = cli.run(argv, console_script=True)
    if eligible and memory.USED:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (BrokenPipeError, ValueError):
            pass
        hand_over(directory, list(dict.fromkeys(memory.USED)))
    cli.exit_now(status)


def wants_resident(argv: list[str]) -> bool:
    """A command line the resident process may answer: a command of :data:`COMMANDS`, the
    cache on, no cluster of workers, and the resident process not turned off."""
    end = argv.index("--") if "--" in argv else len(argv)
    head = argv[:end]
    words = [a for a in head if not a.startswith("-")]
    if not words or words[0] not in COMMANDS:
        return False
    if "--no-cache" in head or any(a.split("=")[0] in ("--workers", "--scheduler") for a in head):
        return False
    return wire.enabled()


def ask(directory: Path, argv: list[str]) -> int | None:
    """The exit status of ``argv`` answered by the resident process on this terminal, or None
    when none answers (or its code is out of date): the caller answers by itself."""
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)
        cwd = os.getcwd()
    except OSError:
        return None  # a closed standard stream, a removed working folder: answer here
    sock = wire.connect(directory, timeout=STARTING)
    if sock is None:
        return None
    reader = wire.Reader(sock)
    umask = os.umask(0o022)
    os.umask(umask)
    ignored = [int(s) for s in (*FORWARDED, signal.SIGTSTP) if signal.getsignal(s) == signal.SIG_IGN]
    message = {
        "op": "run",
        "argv": argv,
        "cwd": cwd,
        "env": dict(os.environ),
        "umask": umask,
        "ignored": ignored,
    }
    try:
        wire.send(sock, message, fds=(0, 1, 2))
        started = reader.read()
    except (OSError, ValueError):
        sock.close()
        return None
    if started is None or "pid" not in started:
        sock.close()
        return None  # stale code, or it stopped meanwhile: nothing was answered yet
    sock.settimeout(None)  # the command itself may take as long as it takes
    pid = int(started["pid"])
    forwarded = _forward_signals(pid, ignored)
    try:
        ended = reader.read()
    except (OSError, ValueError):
        ended = None
    finally:
        sock.close()
    if ended is not None and "status" in ended:
        return int(ended["status"])
    if forwarded:  # the child died of the signal passed on: die of it too, as alone
        signum = forwarded[-1]
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
    _internal_error(
        f"the resident process's child (pid {pid}) ended without an answer; "
        "run again with VPCSIM_RESIDENT=0 to answer without it",
        "--json" in argv,
    )
    return EXIT_INTERNAL


def _forward_signals(pid: int, ignored: list[int]) -> list[int]:
    """Pass the signals a person sends this command on to the child answering it (those this
    command ignores, as under ``nohup``, the child ignores too); ^Z stops both. Returns the list
    the signals passed on are appended to."""
    forwarded: list[int] = []

    def forward(signum: int, frame: FrameType | None) -> None:
        forwarded.append(signum)
        with contextlib.suppress(OSError):
            os.kill(pid, signum)

    def stop(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGSTOP)  # its process group is orphaned: SIGTSTP would be dropped
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTSTP)
        signal.signal(signal.SIGTSTP, stop)  # resumed

    def resume(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGCONT)

    for signum in FORWARDED:
        if signum not in ignored:
            signal.signal(signum, forward)
    if signal.SIGTSTP not in ignored:
        signal.signal(signal.SIGTSTP, stop)
        signal.signal(signal.SIGCONT, resume)
    return forwarded


def hand_over(directory: Path, keys: list[str]) -> None:
    """Ask the resident process to hold ``keys``; start one holding them when none runs."""
    if wire.request(directory, {"op": "hold", "keys": keys}, timeout=2.0) is not None:
        return
    path = wire.socket_path(directory)
    if path is None or not wire.private_folder(directory):
        return
    log = path.with_suffix(".log")
    try:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    except OSError:
        return
    try:
        subprocess.Popen(
            # -P: nothing is imported from the folder it was started in (a checkout's own
            # rich.py or yaml.py); cwd "/": it outlives this command and keeps no folder busy
            [sys.executable, "-P", "-m", "vpcsim.resident", str(directory), *keys],
            cwd="/",
            stdin=subprocess.DEVNULL,
            stdout=fd,
            stderr=fd,
            start_new_session=True,  # not in the terminal's process group: ^C here does not stop it
            close_fds=True,
        )
    except OSError:
        pass
    finally:
        os.close(fd)


def _internal_error(message: str, as_json: bool) -> None:
    from ..cli import print_error
    from ..cli.errors import CliError

    with contextlib.suppress(OSError, ValueError):  # a closed pipe: no one to tell
        print_error(CliError(message, code="VPCSIM_INTERNAL", status=EXIT_INTERNAL), as_json)
