"""The resident process's loop: accept a question, fork a child that answers it on the asker's
terminal, and between questions read back the estates it was asked to hold.

Single-threaded on purpose (a fork of a threaded process may inherit a held lock): one
``select`` loop over the listening socket, with a short timeout while estates wait to be read
back. Started by :func:`vpcsim.resident.entry.hand_over` as ``python -m vpcsim.resident FOLDER
KEY...``, its output going to ``resident-*.log`` beside the socket.
"""

from __future__ import annotations

import codecs
import contextlib
import fcntl
import gc
import io
import os
import select
import signal
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..cache import entry_of, memory
from ..cache import resident as wire
from ..cache.fingerprint import code_digest
from ..cache.store import Store, default_limit

HOLD_WAIT = 600.0
"""Seconds to wait for an asked-for entry to appear on disk (a forked child is writing it)."""


@dataclass
class Resident:
    directory: Path
    listener: socket.socket
    inode: int
    """The socket file's inode: when the path names another file, this process is not the one."""
    lock_fd: int
    """Holds the lock that makes this the only resident process of its socket (closed in children)."""
    code: str
    idle: float = field(default_factory=wire.idle_seconds)
    capacity: int = field(default_factory=wire.max_estates)
    pending: dict[str, float] = field(default_factory=dict)
    """Key -> when to give up waiting for its entry."""
    last_used: dict[str, float] = field(default_factory=dict)
    children: set[int] = field(default_factory=set)
    served: int = 0
    started: float = field(default_factory=time.time)
    last_active: float = field(default_factory=time.monotonic)
    running: bool = True

    def store(self) -> Store:
        return Store(self.directory, default_limit())

    # ------------------------------------------------------------------ the loop
    def serve(self) -> None:
        while self.running:
            timeout = 0.2 if self.pending else 2.0
            ready, _, _ = select.select([self.listener], [], [], timeout)
            self._reap()
            if ready:
                try:
                    conn, _ = self.listener.accept()
                    self._handle(conn)
                except Exception:  # one bad question never ends the resident process
                    traceback.print_exc()
            self._read_back()  # also between questions asked back to back (a stat per key)
            if self._should_stop():
                break

    def owns_socket(self) -> bool:
        try:
            return os.stat(self.listener.getsockname()).st_ino == self.inode
        except OSError:
            return False

    def _should_stop(self) -> bool:
        if not self.owns_socket():
            return True  # the socket was removed or replaced: another one answers now
        if self.children or self.pending:
            return False
        return time.monotonic() - self.last_active > self.idle

    def _reap(self) -> None:
        for pid in list(self.children):
            with contextlib.suppress(ChildProcessError):
                done, _ = os.waitpid(pid, os.WNOHANG)
                if done == 0:
                    continue
            self.children.discard(pid)

    # ------------------------------------------------------------------ messages
    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        reader = wire.Reader(conn)
        try:
            ours = wire.peer_uid(conn) == os.getuid()
            message = reader.read(with_fds=True) if ours else None
        except (OSError, ValueError):
            message = None
        try:
            if message is None:
                return
            op = message.get("op")
            self.last_active = time.monotonic()
            if op == "run":
                if code_digest(fresh=True) != self.code:
                    wire.send(conn, {"stale": True})
                    self.running = False  # vpcsim changed under it: the asker answers by itself
                    return
                if len(reader.fds) == 3:
                    self._fork(conn, reader.fds, message)
            elif op == "hold":
                keys = message.get("keys")
                self.hold([str(k) for k in keys] if isinstance(keys, list) else [])
                wire.send(conn, {"ok": True})
            elif op == "status":
                wire.send(conn, self.status())
            elif op == "stop":
                wire.send(conn, {"ok": True})
                self.running = False
        except OSError:
            pass
        finally:
            for fd in reader.fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
            conn.close()

    def status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "started": self.started,
            "served": self.served,
            "idle_seconds": self.idle,
            "capacity": self.capacity,
            "estates": {key: self.last_used.get(key, 0.0) for key in memory.ESTATES},
            "pending": sorted(self.pending),
        }

    def hold(self, keys: list[str]) -> None:
        now = time.time()
        for key in keys:
            self.last_used[key] = now
            if key not in memory.ESTATES:
                self.pending.setdefault(key, time.monotonic() + HOLD_WAIT)

    # ------------------------------------------------------------------ estates
    def _read_back(self) -> None:
        """Read back one pending entry whose file is written (or give it up)."""
        store = self.store()
        for key, deadline in list(self.pending.items()):
            if time.monotonic() > deadline:
                del self.pending[key]
                self.last_used.pop(key, None)
                continue
            if not store.path_of(key).exists():
                continue
            del self.pending[key]
            try:
                held = entry_of(store.get(key))
            except Exception:  # an entry that does not read back is a miss, as for a command
                traceback.print_exc()
                held = None
            if held is None:
                self.last_used.pop(key, None)
            else:
                memory.ESTATES[key] = held
                self._evict()
            return  # one per pause: a question waits at most one read-back

    def _evict(self) -> None:
        if len(memory.ESTATES) <= self.capacity:
            return
        by_use = sorted(memory.ESTATES, key=lambda k: self.last_used.get(k, 0.0))
        for key in by_use[: len(memory.ESTATES) - self.capacity]:
            del memory.ESTATES[key]
            self.last_used.pop(key, None)
        # the estates read back were frozen out of the collector's sight: free their cycles
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    # ------------------------------------------------------------------ answering
    def _fork(self, conn: socket.socket, fds: list[int], message: dict[str, Any]) -> None:
        pid = os.fork()
        if pid:
            self.children.add(pid)
            self.served += 1
            return
        status = 1
        try:
            self.listener.close()
            os.close(self.lock_fd)
            answer(conn, fds, message)
            status = 0
        except BaseException:  # a child never returns into the loop
            traceback.print_exc()
        finally:
            os._exit(status)


def answer(conn: socket.socket, fds: list[int], message: dict[str, Any]) -> None:
    """In the forked child: become the asker (terminal, folder, environment, umask, ignored
    signals), run its command line, send its exit status; then ask the parent to hold what it
    loaded. The asker's death (its end of the connection closing before the answer) ends it."""
    ignored = {int(s) for s in message.get("ignored", [])}
    for signum in (*RESET, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_IGN if signum in ignored else signal.SIG_DFL)
    if signal.SIGINT not in ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    os.umask(int(message.get("umask", 0o022)) & 0o777)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    env = {str(k): str(v) for k, v in message["env"].items()}
    encoding, errors = _io_encoding(env)
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding=encoding)
    unbuffered = bool(env.get("PYTHONUNBUFFERED"))  # as python -u: each write goes out at once
    sys.stdout = _writer(1, encoding, errors or "strict", line=os.isatty(1), unbuffered=unbuffered)
    sys.stderr = _writer(2, encoding, "backslashreplace", line=True, unbuffered=unbuffered)
    os.chdir(message["cwd"])
    os.environ.clear()
    os.environ.update(env)
    conn.settimeout(None)
    wire.send(conn, {"pid": os.getpid()})
    done = threading.Event()
    _watch(conn, done)
    argv = [str(a) for a in message["argv"]]
    from .. import cli

    status = 1
    try:
        status = cli.run(argv, console_script=True)
    except SystemExit as exc:  # typer exits by itself on a closed pipe
        status = _exit_status(exc.code)
    except KeyboardInterrupt:  # outside the command itself (typer turns one inside into exit 130)
        status = 130
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(ValueError, OSError):  # a closed pipe: the asker is gone
                stream.flush()
        done.set()
        with contextlib.suppress(OSError):
            wire.send(conn, {"status": status})
    conn.close()
    for fd in (0, 1, 2):  # the asker's terminal is the asker's again
        with contextlib.suppress(OSError):
            os.close(fd)
    if memory.USED:
        wire.request(HOME[0], {"op": "hold", "keys": list(dict.fromkeys(memory.USED))}, timeout=2.0)


RESET = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
"""Signals whose handling the child takes from the asker (ignored there: ignored here too)."""


def _exit_status(code: object) -> int:
    """What Python makes of ``sys.exit(code)``."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    sys.stderr.write(f"{code}\n")
    return 1


def _watch(conn: socket.socket, done: threading.Event) -> None:
    """End this child when the asker goes (killed, even with SIGKILL): it sends nothing after
    its question, so the end of the connection before the answer means it is gone."""

    def wait() -> None:
        try:
            data = conn.recv(1)
        except OSError:
            data = b""
        if not data and not done.is_set():
            os._exit(1)

    threading.Thread(target=wait, name="vpcsim-asker-watch", daemon=True).start()


def _io_encoding(env: dict[str, str]) -> tuple[str, str | None]:
    """The asker's standard streams' encoding: ``PYTHONIOENCODING`` (``ENCODING[:ERRORS]``) as
    Python would read it, else UTF-8 (Python's own choice under a UTF-8 or C locale; another
    locale's encoding is not followed)."""
    text = env.get("PYTHONIOENCODING", "")
    name, _, errors = text.partition(":")
    try:
        encoding = codecs.lookup(name).name if name else "utf-8"
    except LookupError:
        encoding = "utf-8"
    return encoding, errors or None


def _writer(fd: int, encoding: str, errors: str, *, line: bool, unbuffered: bool) -> io.TextIOWrapper:
    """A standard stream as the asker's Python made it: line-buffered on a terminal (stderr
    always), unbuffered under ``PYTHONUNBUFFERED``."""
    raw = io.FileIO(fd, "w", closefd=False)
    if unbuffered:
        return io.TextIOWrapper(
            raw, encoding=encoding, errors=errors, line_buffering=line, write_through=True
        )
    return io.TextIOWrapper(io.BufferedWriter(raw), encoding=encoding, errors=errors, line_buffering=line)


HOME: list[Path] = []
"""The cache folder this resident process serves (set once at start)."""


def warm_up() -> None:
    """Import what answering needs, once, before any child is forked."""
    from .. import _api, cli  # noqa: F401
    from ..cli import app as _app
    from ..cli.analysis import register
    from ..formats import loader  # noqa: F401

    register(_app.app)


def run(directory: Path, keys: list[str]) -> int:
    """Serve ``directory``'s socket until idle; 0 when another resident process already does."""
    path = wire.socket_path(directory)
    if path is None or not wire.private_folder(directory):
        return 2
    os.chdir("/")  # it outlives the command that started it: no folder of the asker's is kept busy
    lock_fd = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock_fd)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # the one that runs may still be starting: give it the keys
            if wire.request(directory, {"op": "hold", "keys": keys}, timeout=1.0) is not None:
                break
            time.sleep(0.1)
        return 0
    with contextlib.suppress(OSError):
        os.ftruncate(2, 0)  # the log (stdout and stderr) is this run's alone
    HOME.append(directory)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(os.fspath(path))
    os.chmod(path, 0o600)
    listener.listen(64)
    inode = os.stat(path).st_ino
    warm_up()
    resident = Resident(directory, listener, inode, lock_fd, code_digest(fresh=True))
    resident.hold(keys)
    signal.signal(signal.SIGTERM, lambda signum, frame: setattr(resident, "running", False))
    try:
        resident.serve()
    finally:
        if resident.owns_socket():
            with contextlib.suppress(OSError):
                os.unlink(path)
        listener.close()
        os.close(lock_fd)
    return 0
