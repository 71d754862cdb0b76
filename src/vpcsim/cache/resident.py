"""Talking to the resident process (:mod:`vpcsim.resident`): where its socket is, who may use
it, and the messages, one JSON object per line.

The socket lives in the cache folder, which :class:`~vpcsim.cache.store.Store` requires to be
this user's with mode 0700, so no other user can reach it; both ends check the other's user id
(``SO_PEERCRED``) as well, since a question carries the asker's environment and terminal. One
resident process serves one cache folder and one installation of vpcsim (its socket's name
holds a digest of the interpreter and the package's folder), so two virtual environments
sharing a cache never answer for each other.

Messages (``op``):

* ``run`` (with the asker's stdin, stdout and stderr passed along, ``SCM_RIGHTS``): ``argv``,
  ``cwd``, ``env``. Replies ``{"pid": N}`` when a child has started answering (signals go to
  it), then ``{"status": N}``; or ``{"stale": true}`` when vpcsim's code changed since the
  resident process started (it then stops, and the asker answers by itself).
* ``hold``: ``keys`` -- cache keys to keep in memory (read back from the disk store once their
  entries are written).
* ``status``: what it holds. ``stop``: stop now.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import socket
import struct
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SCHEMA = 1
"""Bumped when a message changes shape (it is part of the socket's name)."""

_OFF = frozenset(("0", "off", "no", "false"))
_PEERCRED = struct.Struct("3i")  # pid, uid, gid (Linux struct ucred)
_MAX_PATH = 107  # sun_path holds 108 bytes with its NUL


def enabled() -> bool:
    """Whether to use (and start) a resident process: ``$VPCSIM_RESIDENT`` is not ``0``/``off``,
    and the platform has ``fork``, Unix sockets and descriptor passing."""
    if os.environ.get("VPCSIM_RESIDENT", "").strip().lower() in _OFF:
        return False
    return hasattr(os, "fork") and hasattr(socket, "AF_UNIX") and hasattr(socket, "SO_PEERCRED")


def idle_seconds() -> float:
    """``$VPCSIM_RESIDENT_IDLE`` (seconds without a question before it stops), default 900."""
    return _number("VPCSIM_RESIDENT_IDLE", 900.0)


def max_estates() -> int:
    """``$VPCSIM_RESIDENT_ESTATES`` (estates held at once, least recently used dropped), default 2."""
    return max(1, int(_number("VPCSIM_RESIDENT_ESTATES", 2)))


def _number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if math.isfinite(value) and value >= 0 else default


def installation_tag() -> str:
    """This machine (a cache folder on a shared home is seen by others), this interpreter, its
    environment (``sys.prefix``: a virtual environment's own folder, whatever name the
    interpreter was started by) and this copy of vpcsim."""
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    interpreter = os.path.realpath(sys.executable)
    host = socket.gethostname()
    text = f"{host}\0{interpreter}\0{sys.prefix}\0{sys.version}\0{package}\0{SCHEMA}"
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def unavailable(directory: Path) -> str | None:
    """Why no resident process can serve ``directory`` (None: one can)."""
    if not enabled():
        return "off (VPCSIM_RESIDENT=0, or no fork and Unix sockets here)"
    if socket_path(directory) is None:
        return f"the cache folder's path is too long for a Unix socket ({_MAX_PATH} bytes)"
    if directory.exists() and not private_folder(directory):
        return "the cache folder is not this user's alone (mode 0700)"
    return None


def socket_path(directory: Path) -> Path | None:
    """The resident process's socket in ``directory``; None when the path is too long for one."""
    path = directory / f"resident-{installation_tag()}.sock"
    return path if len(os.fsencode(path)) <= _MAX_PATH else None


def private_folder(directory: Path) -> bool:
    """``directory`` is a real folder of this user's that no one else may enter (0700)."""
    try:
        st = os.lstat(directory)
    except OSError:
        return False
    return st.st_uid == os.getuid() and st.st_mode & 0o077 == 0 and os.path.isdir(directory)


def peer_uid(sock: socket.socket) -> int:
    """The user id of the process at the other end of a Unix socket."""
    _, uid, _ = _PEERCRED.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEERCRED.size))
    return int(uid)


def connect(directory: Path, timeout: float | None = 5.0) -> socket.socket | None:
    """A connection to the resident process of ``directory``, or None: none is running, the
    folder is not private, or the other end is not this user's."""
    path = socket_path(directory)
    if path is None or not private_folder(directory):
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(os.fspath(path))
        if peer_uid(sock) != os.getuid():
            sock.close()
            return None
    except OSError:
        sock.close()
        return None
    return sock


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode("utf-8", "surrogateescape") + b"\n"


def send(sock: socket.socket, message: dict[str, Any], fds: Sequence[int] = ()) -> None:
    """One message; ``fds`` travel with its first bytes."""
    data = encode(message)
    if fds:
        sent = socket.send_fds(sock, [data], list(fds))
        data = data[sent:]
    if data:
        sock.sendall(data)


class Reader:
    """Messages from a connection, one per line (descriptors, when any, with the first)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""
        self.fds: list[int] = []

    def read(self, *, with_fds: bool = False) -> dict[str, Any] | None:
        """The next message, or None at the end of the connection."""
        while b"\n" not in self.buffer:
            if with_fds and not self.fds:
                chunk, fds, _, _ = socket.recv_fds(self.sock, 1 << 16, 3)
                self.fds.extend(fds)
            else:
                chunk = self.sock.recv(1 << 16)
            if not chunk:
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        value = json.loads(line.decode("utf-8", "surrogateescape"))
        return value if isinstance(value, dict) else None


def request(directory: Path, message: dict[str, Any], timeout: float = 5.0) -> dict[str, Any] | None:
    """Send one message and read its one reply; None when no resident process answers."""
    sock = connect(directory, timeout)
    if sock is None:
        return None
    with contextlib.closing(sock):
        try:
            send(sock, message)
            return Reader(sock).read()
        except (OSError, ValueError):
            return None
