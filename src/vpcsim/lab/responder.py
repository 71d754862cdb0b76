"""The lab's responder: one process that answers in every namespace of a lab.

``python -m vpcsim.lab.responder NAME`` reads the lab's state, enters each instance's
namespace (and the internet namespace) just long enough to open its listeners -- a socket
stays in the namespace it was created in -- and then serves them all from one loop: TCP
listeners on each instance's ports (22, 80, 443, 8080 and the single ports its inbound rules
name) that greet SSH clients and answer HTTP requests, and UDP sockets that echo. ICMP echo
needs no responder: each namespace's kernel answers pings itself.

It prints ``ready`` once every listener is open, so that ``lab up`` returns only when the lab
answers, and exits on SIGTERM (``lab down``).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .netns import entered, namespace_path
from .ssh import ssh_instances
from .state import STATE_DIR, read_state

BANNER_WAIT = 1.0


@dataclass
class _Listener:
    who: str
    port: int
    kind: str


@dataclass
class _Connection:
    who: str
    port: int
    opened: float


_Key = tuple[str, int, int, int, int]
"""(namespace, its inode, port, socket kind, address family): a namespace made again is another
place; a namespace with IPv6 addresses (a dual-stack lab) gets IPv6 listeners too."""


def _wanted(name: str) -> dict[_Key, str]:
    state = read_state(name)
    places: list[tuple[str, str, list[int], bool]] = [
        (
            instance.namespace,
            instance.name or instance.instance_id,
            instance.listen_ports,
            any(eni.ipv6_addresses for eni in instance.enis),
        )
        for instance in state.instances.values()
        if instance.state == "running"
    ]
    places.append(
        (
            state.internet_namespace,
            "the internet",
            state.internet_ports,
            any(":" in host for host in state.internet_hosts),
        )
    )
    wanted: dict[_Key, str] = {}
    sshd = {state.instances[i].namespace for i in ssh_instances(name) if i in state.instances}
    for namespace, who, ports, ipv6 in places:
        try:
            inode = os.stat(namespace_path(namespace)).st_ino
        except OSError:
            continue
        for port in ports:
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                if port == 22 and kind == socket.SOCK_STREAM and namespace in sshd:
                    continue  # OpenSSH's server answers there (lab exec --ssh)
                for family in (socket.AF_INET, socket.AF_INET6) if ipv6 else (socket.AF_INET,):
                    wanted[(namespace, inode, port, kind, family)] = who
    return wanted


def _listeners(name: str, selector: selectors.BaseSelector, open_now: dict[_Key, socket.socket]) -> int:
    """Open the listeners the lab's state wants and close those it no longer wants."""
    wanted = _wanted(name)
    for key in [k for k in open_now if k not in wanted]:
        sock = open_now.pop(key)
        selector.unregister(sock)
        sock.close()
    for key, who in wanted.items():
        if key in open_now:
            continue
        namespace, _, port, kind, family = key
        try:
            with entered(namespace):
                sock = socket.socket(family, kind)
        except Exception:  # the namespace went away meanwhile
            continue
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", port))
        except OSError:
            sock.close()
            continue
        if kind == socket.SOCK_STREAM:
            sock.listen(16)
        sock.setblocking(False)
        label = "tcp" if kind == socket.SOCK_STREAM else "udp"
        selector.register(sock, selectors.EVENT_READ, _Listener(who, port, label))
        open_now[key] = sock
    return len(open_now)


def ack_path(name: str) -> Path:
    """Where the responder says which reload it has done (``SIGHUP``: read the state again)."""
    return STATE_DIR / f"lab-{name}.responder"


def _answer(port: int, who: str, request: bytes) -> bytes:
    text = f"vpcsim lab: {who} answered on port {port}\n"
    if request[:4] in (b"GET ", b"HEAD", b"POST", b"PUT ") or b"HTTP/" in request[:200]:
        return (
            f"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {len(text)}\r\n"
            f"Connection: close\r\n\r\n{text}"
        ).encode()
    return text.encode()


def serve(name: str) -> None:
    selector = selectors.DefaultSelector()
    open_now: dict[_Key, socket.socket] = {}
    count = _listeners(name, selector, open_now)
    stop = False
    reload = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    def _reload(*_: object) -> None:
        nonlocal reload
        reload = True

    wake_read, wake_write = socket.socketpair()
    wake_read.setblocking(False)
    wake_write.setblocking(False)
    signal.set_wakeup_fd(wake_write.fileno())
    selector.register(wake_read, selectors.EVENT_READ, None)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGHUP, _reload)
    sys.stdout.write(f"ready {count}\n")
    sys.stdout.flush()
    with contextlib.suppress(OSError):
        sys.stdout.close()
    while not stop:
        if reload:
            reload = False
            token = ack_path(name).with_suffix(".want")
            generation = token.read_text() if token.exists() else ""
            _listeners(name, selector, open_now)
            ack_path(name).write_text(generation)
        now = time.monotonic()
        for key, _ in selector.select(0.5):
            data = key.data
            if data is None:
                with contextlib.suppress(OSError):
                    wake_read.recv(64)
                continue
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            try:
                if isinstance(data, _Listener) and data.kind == "tcp":
                    conn, _ = sock.accept()
                    conn.setblocking(False)
                    if data.port == 22:
                        conn.send(b"SSH-2.0-vpcsim-lab\r\n")
                    selector.register(conn, selectors.EVENT_READ, _Connection(data.who, data.port, now))
                elif isinstance(data, _Listener):
                    payload, peer = sock.recvfrom(4096)
                    sock.sendto(payload or _answer(data.port, data.who, b""), peer)
                elif isinstance(data, _Connection):
                    request = sock.recv(4096)
                    if request and data.port != 22:
                        sock.send(_answer(data.port, data.who, request))
                    selector.unregister(sock)
                    sock.close()
            except OSError:
                if isinstance(data, _Connection):
                    selector.unregister(sock)
                    sock.close()
        for key in list(selector.get_map().values()):
            data = key.data
            if isinstance(data, _Connection) and now - data.opened > BANNER_WAIT:
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                with contextlib.suppress(OSError):
                    if data.port != 22:
                        sock.send(_answer(data.port, data.who, b""))
                selector.unregister(sock)
                sock.close()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: python -m vpcsim.lab.responder LAB_NAME\n")
        return 2
    serve(args[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
