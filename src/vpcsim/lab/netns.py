"""Entering a lab's network namespaces from Python, one thread at a time.

``setns(2)`` moves only the calling thread, so a thread can create sockets in a namespace
(a socket stays in the namespace it was created in), write that namespace's
``/proc/sys/net`` and talk to its conntrack table over netlink, then come back. Safety first:
entering checks that the thread really is in the lab's namespace before anything is done
there, and leaving checks that it is back home; if it cannot get back the process stops
rather than touch the host's network by mistake.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import socket
import struct
from collections.abc import Iterator
from pathlib import Path

from .errors import LabError
from .naming import PREFIX

NETNS_DIR = Path("/run/netns")
_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
_libc.setns.argtypes = [ctypes.c_int, ctypes.c_int]


def _setns(fd: int) -> None:
    if _libc.setns(fd, _CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def _current_inode() -> int:
    return os.stat("/proc/thread-self/ns/net").st_ino


def namespace_path(name: str) -> Path:
    if not name.startswith(PREFIX) or "/" in name:
        raise LabError(f"refusing to enter {name!r}: not a lab namespace")
    return NETNS_DIR / name


def namespace_exists(name: str) -> bool:
    return namespace_path(name).exists()


@contextlib.contextmanager
def entered(name: str) -> Iterator[None]:
    """Run the body with the calling thread inside lab namespace ``name``."""
    path = namespace_path(name)
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        home_inode = os.fstat(home).st_ino
        try:
            target = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise LabError(f"namespace {name} does not exist (is the lab up?)") from None
        try:
            target_inode = os.fstat(target).st_ino
            if target_inode == home_inode:
                raise LabError(f"namespace {name} is the caller's own namespace; refusing to use it")
            _setns(target)
        finally:
            os.close(target)
        try:
            if _current_inode() != target_inode:
                raise LabError(f"entering {name} failed: the thread is not in it")
            yield
        finally:
            try:
                _setns(home)
                back = _current_inode() == home_inode
            except OSError:
                back = False
            if not back:  # pragma: no cover - never seen; never continue in a lab namespace
                os.write(2, b"vpcsim lab: cannot return to the original network namespace; stopping\n")
                os._exit(70)
    finally:
        os.close(home)


def write_sysctls(name: str, values: list[tuple[str, str]]) -> None:
    """Write ``/proc/sys/net/...`` keys (dotted, as for sysctl) inside namespace ``name``.

    Keys under ``net.bridge.`` are skipped when the kernel has no bridge netfilter.
    """
    with entered(name):
        for key, value in values:
            path = Path("/proc/sys") / key.replace(".", "/")
            if not key.startswith("net."):
                raise LabError(f"refusing to write {key}: only net.* keys are per namespace")
            try:
                path.write_text(value)
            except FileNotFoundError:
                if key.startswith("net.bridge."):
                    continue
                raise LabError(f"{name}: the kernel has no sysctl {key}") from None


# conntrack over netlink: flushing needs no `conntrack` tool
_NETLINK_NETFILTER = 12
_NFNL_SUBSYS_CTNETLINK = 1
_IPCTNL_MSG_CT_DELETE = 2
_NLM_F_REQUEST, _NLM_F_ACK = 0x1, 0x4
_NLMSG_ERROR = 0x2


def flush_conntrack(name: str) -> None:
    """Forget every tracked connection of namespace ``name`` (between probe batches)."""
    with entered(name):
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, _NETLINK_NETFILTER)
    try:
        sock.settimeout(2.0)
        for family in (socket.AF_INET, socket.AF_INET6):
            _flush_family(name, sock, family)
    finally:
        sock.close()


def _flush_family(name: str, sock: socket.socket, family: int) -> None:
    """Flush one address family's connections (a flush names its family: IPv4's alone leaves IPv6's)."""
    payload = struct.pack("=BBH", family, 0, 0)
    header = struct.pack(
        "=IHHII",
        16 + len(payload),
        (_NFNL_SUBSYS_CTNETLINK << 8) | _IPCTNL_MSG_CT_DELETE,
        _NLM_F_REQUEST | _NLM_F_ACK,
        1,
        0,
    )
    sock.send(header + payload)
    reply = sock.recv(4096)
    if len(reply) >= 20:
        _, kind, _, _, _ = struct.unpack("=IHHII", reply[:16])
        (code,) = struct.unpack("=i", reply[16:20])
        if kind == _NLMSG_ERROR and code not in (0, -errno.ENOENT):
            raise LabError(f"{name}: conntrack flush failed: {os.strerror(-code)}")


def lab_namespaces(prefix: str) -> list[str]:
    """Every namespace whose name starts with ``prefix`` (a lab's own, found without state)."""
    if not prefix.startswith(PREFIX):
        raise LabError(f"refusing to list namespaces outside the lab prefix {PREFIX!r}")
    if not NETNS_DIR.is_dir():
        return []
    return sorted(p.name for p in NETNS_DIR.iterdir() if p.name.startswith(prefix))
