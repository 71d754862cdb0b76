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
import selectors
import signal
import socket
import sys
import time
from dataclasses import dataclass

from .netns import entered
from .state import read_state

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


def _listeners(name: str, selector: selectors.BaseSelector) -> int:
    state = read_state(name)
    places: list[tuple[str, str, list[int]]] = [
        (instance.namespace, instance.name or instance.instance_id, instance.listen_ports)
        for instance in state.instances.values()
        if instance.state == "running"
    ]
    places.append((state.internet_namespace, "the internet", state.internet_ports))
    count = 0
    for namespace, who, ports in places:
        for port in ports:
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                with entered(namespace):
                    sock = socket.socket(socket.AF_INET, kind)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    sock.bind(("0.0.0.0", port))
                except OSError:
                    sock.close()
                    continue
                if kind == socket.SOCK_STREAM:
                    sock.listen(16)
                sock.setblocking(False)
                label = "tcp" if kind == socket.SOCK_STREAM else "udp"
                selector.register(sock, selectors.EVENT_READ, _Listener(who, port, label))
                count += 1
    return count


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
    count = _listeners(name, selector)
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    sys.stdout.write(f"ready {count}\n")
    sys.stdout.flush()
    with contextlib.suppress(OSError):
        sys.stdout.close()
    while not stop:
        now = time.monotonic()
        for key, _ in selector.select(0.5):
            data = key.data
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
