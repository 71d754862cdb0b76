"""The lab's load balancers at work: one process relaying every node's connections to targets.

``python -m vpcsim.lab.lbproxy NAME`` reads the lab's state, opens each node's listeners inside
the node's namespace (:mod:`.balancers` made it) and serves them all from one asyncio loop:

* a TCP client's connection ends at the node (as at an ALB, a CLB or an NLB's TCP listener,
  whose handshake the lab cannot pass through while choosing a target). For each connection the
  node opens a new one to every target it may send to, at once -- from its own address and a port
  of 1024-65535, or, where the target group keeps client addresses, from the client's address and
  port (a transparent socket, its DSCP marking the leg so that the reply comes back here) -- and
  serves the client with the first target that answers, relaying both ways. A client that asks
  first (a lab probe sends ``VPCSIM-LB?``) is told which target that was, in one line,
  ``VPCSIM-LB <load balancer> <target address>:<port> connected|refused from <address>:<port>``
  (``refused``: the target's kernel answered with a reset, nothing listens there; ``from``: the
  leg's source as the target saw it); other clients (``curl``, ``ssh``)
  get the target's bytes only. When no target answers the client's connection is reset. So a
  probe learns that its request went through the whole path -- the node *and* a target, and
  back -- never from the handshake alone;
* a UDP datagram is sent on to every target the same way and the first answer is sent back to
  the client from the listener's address;
* a listener whose action answers itself (redirect, fixed-response) writes
  ``VPCSIM-LB <load balancer> answer`` and closes; a Lambda target answers ``lambda``.

It prints ``ready`` once every listener is open and exits on SIGTERM (``lab down``), or when
the lab's state file is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import signal
import socket
import struct
import sys

from .netns import entered
from .state import LbListenerRecord, LbNodeRecord, LbTargetRecord, read_state, state_path

TCP, UDP = 6, 17
IP_TRANSPARENT = 19
#: How long a leg may take before the target counts as unreachable.
LEG_TIMEOUT = 4.0
STATUS = b"VPCSIM-LB"
#: What a lab probe sends first to be told which target served it (plain clients are not).
ASK = b"VPCSIM-LB?\n"
#: Seconds between checks that the lab still exists.
ORPHAN_CHECK = 2.0
#: How long a node waits for a client's first bytes before relaying without a status line.
ASK_WAIT = 1.0


def status_line(node: LbNodeRecord, what: str) -> bytes:
    return STATUS + f" {node.load_balancer_name} {what}\n".encode()


def _leg_socket(
    node: LbNodeRecord, kind: int, target: LbTargetRecord, client: tuple[str, int]
) -> socket.socket:
    """A socket of the node for one leg: from the client's address (kept) or the node's own."""
    with entered(node.namespace):
        sock = socket.socket(socket.AF_INET, kind)
    try:
        sock.setblocking(False)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if target.preserve_client_ip and node.dscp:
            sock.setsockopt(socket.SOL_IP, IP_TRANSPARENT, 1)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, node.dscp << 2)
            sock.bind(client)
        else:
            sock.bind((node.private_ip, 0))
    except OSError:
        sock.close()
        raise
    return sock


def _usable(node: LbNodeRecord, listener: LbListenerRecord, client: tuple[str, int]) -> list[LbTargetRecord]:
    # With the client's address kept, a target that is the client itself fails (no hairpin).
    return [t for t in listener.targets if not (t.preserve_client_ip and t.address == client[0])]


async def _tcp_leg(
    node: LbNodeRecord, target: LbTargetRecord, client: tuple[str, int]
) -> tuple[str, socket.socket | None] | None:
    """``(how, socket)`` of a leg whose target answered -- ``how`` says how and from which of the
    node's addresses and ports the leg went (``connected from 10.0.0.4:31822``) -- or None."""
    loop = asyncio.get_running_loop()
    assert target.address is not None
    try:
        sock = _leg_socket(node, socket.SOCK_STREAM, target, client)
    except OSError:
        return None
    try:
        await asyncio.wait_for(loop.sock_connect(sock, (target.address, target.port)), LEG_TIMEOUT)
    except ConnectionRefusedError:
        source = _name(sock)
        sock.close()
        return f"refused from {source}", None
    except (OSError, TimeoutError):
        sock.close()
        return None
    return f"connected from {_name(sock)}", sock


def _name(sock: socket.socket) -> str:
    address, port = sock.getsockname()[:2]
    return f"{address}:{port}"


async def _first(
    tasks: list[asyncio.Task[tuple[str, socket.socket | None] | None]],
) -> tuple[int, str, socket.socket | None] | None:
    """The first leg that answers; the others are cancelled (their sockets closed)."""
    pending = set(tasks)
    found: tuple[int, str, socket.socket | None] | None = None
    while pending and found is None:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            result = task.result()
            if result is not None and found is None:
                found = (tasks.index(task), result[0], result[1])
            elif result is not None and result[1] is not None:
                result[1].close()
    for task in pending:
        task.cancel()
    for task in pending:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            result = await task
            if result is not None and result[1] is not None:
                result[1].close()
    return found


def _reset(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(OSError):
        if writer.can_write_eof():
            writer.write_eof()


async def _serve_tcp(
    node: LbNodeRecord, listener: LbListenerRecord, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    client = writer.get_extra_info("peername")
    loop = asyncio.get_running_loop()
    accepted = loop.time()
    first = asyncio.create_task(reader.read(65536))
    try:
        asks = False
        if listener.action == "answer":
            asks = await _asks(first, accepted)
            if asks:
                writer.write(status_line(node, "answer"))
                await writer.drain()
            writer.close()
            return
        targets = _usable(node, listener, client) if listener.action == "forward" else []
        if any(t.address is None for t in targets):
            if await _asks(first, accepted):
                writer.write(status_line(node, "lambda"))
                await writer.drain()
            writer.close()
            return
        tasks = [asyncio.create_task(_tcp_leg(node, t, client)) for t in targets]
        found = await _first(tasks) if tasks else None
        if found is None:
            _reset(writer)
            return
        index, how, sock = found
        target = targets[index]
        asks = await _asks(first, accepted)
        if asks:
            writer.write(status_line(node, f"{target.address}:{target.port} {how}"))
            await writer.drain()
        if sock is None:
            if asks:
                writer.close()
            else:
                _reset(writer)  # the target refused: so does the load balancer, to a plain client
            return
        up_reader, up_writer = await asyncio.open_connection(sock=sock)

        async def upstream() -> None:
            data = await first
            if asks:
                data = data[len(ASK) :]
            if data:
                up_writer.write(data)
                await up_writer.drain()
            await _pipe(reader, up_writer)

        await asyncio.gather(upstream(), _pipe(up_reader, writer))
        up_writer.close()
        writer.close()
    except OSError:
        _reset(writer)
    finally:
        first.cancel()


async def _asks(first: asyncio.Task[bytes], accepted: float) -> bool:
    """Whether the client asked which target served it (a lab probe sends :data:`ASK` first);
    a client that says nothing within :data:`ASK_WAIT` of its connection is a plain one."""
    left = ASK_WAIT - (asyncio.get_running_loop().time() - accepted)
    done, _ = await asyncio.wait({first}, timeout=max(left, 0.0))
    if not done or first.cancelled() or first.exception() is not None:
        return False
    return first.result().startswith(ASK)


async def _udp_leg(
    node: LbNodeRecord, target: LbTargetRecord, client: tuple[str, int], data: bytes
) -> bytes | None:
    loop = asyncio.get_running_loop()
    assert target.address is not None
    try:
        sock = _leg_socket(node, socket.SOCK_DGRAM, target, client)
    except OSError:
        return None
    try:
        sock.connect((target.address, target.port))
        sock.send(data)
        return await asyncio.wait_for(loop.sock_recv(sock, 65536), LEG_TIMEOUT)
    except (OSError, TimeoutError):
        return None
    finally:
        sock.close()


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, node: LbNodeRecord, listener: LbListenerRecord) -> None:
        self.node = node
        self.listener = listener
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a datagram transport, not a subclass

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        asyncio.get_running_loop().create_task(self._relay(data, addr))

    async def _relay(self, data: bytes, client: tuple[str, int]) -> None:
        if self.listener.action != "forward":
            return
        targets = [t for t in _usable(self.node, self.listener, client) if t.address is not None]
        tasks = [asyncio.create_task(_udp_leg(self.node, t, client, data)) for t in targets]
        for future in asyncio.as_completed(tasks):
            reply = await future
            if reply is not None and self.transport is not None:
                self.transport.sendto(reply, client)
                break
        for task in tasks:
            task.cancel()


async def _open(name: str) -> list[asyncio.AbstractServer | asyncio.BaseTransport]:
    loop = asyncio.get_running_loop()
    state = read_state(name)
    opened: list[asyncio.AbstractServer | asyncio.BaseTransport] = []
    for node in state.load_balancer_nodes.values():
        for listener in node.listeners:
            if TCP in listener.protocols:
                with entered(node.namespace):
                    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((node.private_ip, listener.port))
                sock.listen(256)
                sock.setblocking(False)

                async def handle(
                    reader: asyncio.StreamReader,
                    writer: asyncio.StreamWriter,
                    node: LbNodeRecord = node,
                    listener: LbListenerRecord = listener,
                ) -> None:
                    await _serve_tcp(node, listener, reader, writer)

                opened.append(await asyncio.start_server(handle, sock=sock))
            if UDP in listener.protocols:
                with entered(node.namespace):
                    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sock.bind((node.private_ip, listener.port))
                sock.setblocking(False)
                transport, _ = await loop.create_datagram_endpoint(
                    functools.partial(_Datagrams, node, listener), sock=sock
                )
                opened.append(transport)
    return opened


async def _main(name: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    opened = await _open(name)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while not stop.is_set():
        # A lab removed without stopping this process (its caller killed) leaves it no reason to live.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), ORPHAN_CHECK)
        if not state_path(name).exists():
            break
    for item in opened:
        item.close()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: python -m vpcsim.lab.lbproxy LAB\n")
        return 2
    try:
        asyncio.run(_main(args[0]))
    except OSError as exc:
        sys.stderr.write(
            f"vpcsim lab lbproxy: {exc.strerror or exc} ({errno.errorcode.get(exc.errno or 0, '')})\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
