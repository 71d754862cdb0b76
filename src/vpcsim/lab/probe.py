"""Real probes through a running lab: one packet exchange per probe, from a pinned source port.

A probe opens its client socket in the source's namespace (an instance, or the internet
namespace for an outside host) and, in every namespace where the packet may land, an
*observer* that records what arrives after the destination's security groups: a raw socket
for TCP (the SYN), ICMP and other protocols, a UDP socket that also echoes. So a probe tells
two things apart, as a trace does: did the request arrive (``forward``), and did the reply
come back (``delivered``). It also reports the source address and port the destination saw,
which is how a NAT gateway's choice of port is known.

What counts as a reply: TCP, the handshake's answer (a SYN-ACK, or the kernel's RST when
nothing listens -- both are packets from the destination's port to the client's, judged by
the same filters); UDP, the observer's echo; ICMP echo and timestamp, the kernel's own reply;
other protocols, the observer's answer in the same protocol. ICMP messages without a reply
(errors such as type 3 code 4) are delivered when they arrive. A reply counts only from the
address the client contacted.

Many probes run at once. Probes that could be mistaken for one another are put in separate
batches, and every lab namespace forgets its tracked connections between batches, so that
one probe's connection never lets another's packet through.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import selectors
import socket
import struct
import time
from dataclasses import dataclass, field

from .errors import LabError
from .lbproxy import ASK, STATUS
from .netns import entered, flush_conntrack
from .state import LabState, LbNodeRecord

TCP, UDP, ICMP, ICMPV6 = 6, 17, 1, 58
#: ICMP requests the destination answers, and the reply's type.
ICMP_REPLIES = {8: 0, 13: 14, 15: 16, 17: 18}
#: ICMPv6 requests the destination answers (echo), and the reply's type.
ICMPV6_REPLIES = {128: 129}
_IPV6_FREEBIND = 78
DEFAULT_TIMEOUT = 1.0
_MAGIC = b"VPCSIMLB"
_IP_FREEBIND = 15
_uid_counter = itertools.count(int.from_bytes(os.urandom(3), "big") << 8)


@dataclass(frozen=True)
class ProbeSpec:
    """One concrete packet exchange, in addresses (the fidelity harness builds these from flows)."""

    protocol: int
    source: str
    destination: str
    source_eni: str | None = None
    """The sending ENI; None when the source is an outside host of the internet namespace."""
    destination_port: int | None = None
    source_port: int | None = None
    """Pinned client port (TCP/UDP); None lets the client's kernel choose."""
    icmp_type: int | None = None
    icmp_code: int | None = None

    @property
    def expects_reply(self) -> bool:
        if self.protocol == ICMP:
            return self.sent_icmp_type in ICMP_REPLIES
        if self.protocol == ICMPV6 and self.ipv6:
            return self.sent_icmp_type in ICMPV6_REPLIES
        return True

    @property
    def sent_icmp_type(self) -> int:
        if self.icmp_type is None:
            return 128 if self.protocol == ICMPV6 and self.ipv6 else 8
        return self.icmp_type

    @property
    def ipv6(self) -> bool:
        return ":" in self.destination


@dataclass
class ProbeResult:
    spec: ProbeSpec
    delivered: bool = False
    """The exchange completed: the reply came back (or, without a reply, the message arrived)."""
    forward: bool = False
    """The request reached the destination (past its security groups)."""
    observed_source: str | None = None
    observed_source_port: int | None = None
    client_port: int | None = None
    detail: str = "no answer before the timeout"
    client_namespace: str = ""
    server_namespaces: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    probed: bool = True
    """False when the exchange could not be tried: the pinned client port is held by a listener
    in the source's namespace (the lab's responder listens on 22, 80, 443 and 8080). Such a
    result says nothing of the network and is not compared with the engine."""

    def to_dict(self) -> dict[str, object]:
        return {
            "delivered": self.delivered,
            "request_arrived": self.forward,
            "reply_expected": self.spec.expects_reply,
            "observed_source": self.observed_source,
            "observed_source_port": self.observed_source_port,
            "client_port": self.client_port,
            "client_namespace": self.client_namespace,
            "server_namespaces": self.server_namespaces,
            "detail": self.detail,
            "elapsed_ms": round(self.elapsed * 1000, 1),
            "probed": self.probed,
        }


# ---------------------------------------------------------------------------- endpoints


def client_namespace(state: LabState, spec: ProbeSpec) -> str:
    """Where the client runs: the sending ENI's instance (or load-balancer node), or the internet
    namespace."""
    if spec.source_eni is not None:
        node = state.load_balancer_nodes.get(spec.source_eni)
        if node is not None and spec.source == node.private_ip:
            return node.namespace  # a packet a load balancer's node sends itself
        found = state.eni(spec.source_eni)
        if found is None:
            raise LabError(
                f"{spec.source_eni} is not realised in lab {state.name} (not an instance's interface)"
            )
        instance, eni = found
        if spec.source not in eni.private_ips and spec.source not in eni.ipv6_addresses:
            raise LabError(
                f"{spec.source} is not an address of {spec.source_eni} "
                f"({', '.join([*eni.private_ips, *eni.ipv6_addresses])})"
            )
        return instance.namespace
    if spec.source not in state.internet_hosts:
        raise LabError(
            f"{spec.source} is not an outside host of lab {state.name} "
            f"(hosts: {', '.join(state.internet_hosts)}); bring the lab up with it"
        )
    return state.internet_namespace


def balanced_endpoints(
    state: LabState, spec: ProbeSpec
) -> tuple[LbNodeRecord, list[tuple[str, str, int]]] | None:
    """For a probe to a load balancer's node: the node, and (namespace, address, port) of each
    target its listener may send the probe's connection to; None when the destination is no node."""
    node = state.load_balancer_node(spec.destination)
    if node is None:
        return None
    found: list[tuple[str, str, int]] = []
    for listener in node.listeners:
        if listener.port != spec.destination_port or spec.protocol not in listener.protocols:
            continue
        for target in listener.targets:
            if target.address is None:
                continue
            for instance, _ in state.holders_of_private(target.address):
                found.append((instance.namespace, target.address, target.port))
    return node, found


def server_endpoints(state: LabState, destination: str) -> list[tuple[str, str]]:
    """(namespace, address) where a packet for ``destination`` may be delivered.

    A public address lands on its private address (the internet gateway's one-to-one NAT); a
    NAT gateway or an address nobody holds has no server.
    """
    holders = state.holders_of_private(destination)
    if holders:
        return [(instance.namespace, destination) for instance, _ in holders]
    public = state.holder_of_public(destination)
    if public is not None:
        instance, _, private = public
        return [(instance.namespace, private)]
    if destination in state.internet_hosts:
        return [(state.internet_namespace, destination)]
    return []


# ---------------------------------------------------------------------------- packets


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return int(~total & 0xFFFF)


def _icmp(type_: int, code: int, rest: bytes, payload: bytes) -> bytes:
    header = struct.pack("!BBH", type_, code, 0) + rest
    csum = _checksum(header + payload)
    return struct.pack("!BBH", type_, code, csum) + rest + payload


def _token(uid: int) -> bytes:
    return _MAGIC + uid.to_bytes(8, "big")


def _find_token(data: bytes) -> int | None:
    at = data.find(_MAGIC)
    if at < 0 or at + 16 > len(data):
        return None
    return int.from_bytes(data[at + 8 : at + 16], "big")


def _ip_header(packet: bytes) -> tuple[str, str, int, bytes] | None:
    """(source, destination, protocol, payload) of a raw IPv4 packet."""
    if len(packet) < 20 or packet[0] >> 4 != 4:
        return None
    ihl = (packet[0] & 0x0F) * 4
    return socket.inet_ntoa(packet[12:16]), socket.inet_ntoa(packet[16:20]), packet[9], packet[ihl:]


def _icmp6_message(spec: ProbeSpec, uid: int, token: bytes) -> bytes:
    """An ICMPv6 message (the kernel fills in the checksum of an ICMPv6 raw socket): an echo
    request, or an error quoting a made-up UDP packet of the destination to the source."""
    type_ = spec.sent_icmp_type
    code = 0 if spec.icmp_code is None else max(spec.icmp_code, 0)
    if type_ in ICMPV6_REPLIES:
        return struct.pack("!BBHHH", type_, code, 0, uid & 0xFFFF, (uid >> 16) & 0xFFFF) + token
    inner = (
        struct.pack("!IHBB", 6 << 28, 8 + len(token), UDP, 64)
        + socket.inet_pton(socket.AF_INET6, spec.destination)
        + socket.inet_pton(socket.AF_INET6, spec.source)
        + struct.pack("!HHHH", 40000, 53, 8 + len(token), 0)
    )
    rest = 1280 if type_ == 2 else 0
    return struct.pack("!BBHI", type_, code, 0, rest) + inner + token


# ---------------------------------------------------------------------------- scheduling


@dataclass
class _Slot:
    """What a batch already holds, to keep probes apart."""

    indexes: list[int] = field(default_factory=list)
    tuples: set[object] = field(default_factory=set)
    pairs: set[object] = field(default_factory=set)
    exclusive: set[tuple[str, str, int]] = field(default_factory=set)
    shared: dict[tuple[str, str, int], set[int]] = field(default_factory=dict)


def schedule(
    specs: list[ProbeSpec],
    servers: list[list[tuple[str, str]]],
    targets: list[list[tuple[str, str, int]]] | None = None,
) -> list[list[int]]:
    """Batches of probe indexes in which no probe can be mistaken for, or helped by, another.

    Never twice the same client tuple, nor one probe's tuple reversed by another (conntrack
    would take it for a reply); protocols without ports (GRE, ESP...) never twice with a shared
    address. A TCP SYN carries no token, so probes to the same server port
    share a batch only with distinct client ports of 1024 or more (a NAT gateway keeps those).
    A probe to a load balancer's node reaches its targets (``targets``: namespace, address, port)
    from a port the node picks: over TCP it has each target port to itself.
    """
    slots: list[_Slot] = []
    for index, spec in enumerate(specs):
        tuples: set[object] = set()
        pairs: set[object] = set()
        exclusive: set[tuple[str, str, int]] = set()
        shared: set[tuple[str, str, int]] = set()
        if spec.protocol in (TCP, UDP):
            client = (spec.source, spec.source_port if spec.source_port is not None else -index - 1)
            remote = (spec.destination, spec.destination_port)
            tuples.add((spec.protocol, client, remote))
            pairs.add((spec.protocol, frozenset((client, remote))))
        elif spec.protocol != ICMP and not (spec.protocol == ICMPV6 and spec.ipv6):
            # Tracked by addresses alone: two probes of the protocol that share an address (as
            # sent, or as translated: the server's own) could each be the other's reply.
            ends = {spec.source, spec.destination, *(address for _, address in servers[index])}
            pairs.update((spec.protocol, address) for address in ends)
        legs = targets[index] if targets is not None else []
        if legs and spec.protocol in (TCP, UDP):
            # A node keeping the client's address reaches its targets with the client's own
            # tuple: no other probe may use it towards a target at the same time.
            client = (spec.source, spec.source_port if spec.source_port is not None else -index - 1)
            for _, address, port in legs:
                tuples.add((spec.protocol, client, (address, port)))
                pairs.add((spec.protocol, frozenset((client, (address, port)))))
        if spec.protocol == TCP and legs:
            exclusive = set(legs)
        elif spec.protocol == TCP:
            keys = {(ns, address, spec.destination_port or 0) for ns, address in servers[index]}
            if spec.source_port is None or spec.source_port < 1024:
                exclusive = keys
            else:
                shared = keys
        for slot in slots:
            if tuples & slot.tuples or pairs & slot.pairs:
                continue
            if any(k in slot.exclusive or k in slot.shared for k in exclusive):
                continue
            if any(k in slot.exclusive or spec.source_port in slot.shared.get(k, set()) for k in shared):
                continue
            break
        else:
            slot = _Slot()
            slots.append(slot)
        slot.indexes.append(index)
        slot.tuples |= tuples
        slot.pairs |= pairs
        slot.exclusive |= exclusive
        for key in shared:
            slot.shared.setdefault(key, set()).add(spec.source_port or 0)
    return [slot.indexes for slot in slots]


# ---------------------------------------------------------------------------- one batch


@dataclass
class _Probe:
    index: int
    spec: ProbeSpec
    result: ProbeResult
    uid: int
    servers: list[tuple[str, str]]
    sock: socket.socket | None = None
    done: bool = False
    node: LbNodeRecord | None = None
    """The load-balancer node the probe goes to (its targets are then ``targets``)."""
    targets: list[tuple[str, str, int]] = field(default_factory=list)
    received: bytes = b""
    accepted: bool = False
    """The load-balancer node took the client's connection (its own handshake)."""

    def serves(self, namespace: str, address: str, port: int) -> bool:
        """Whether a packet to ``address``:``port`` in ``namespace`` is this probe's request."""
        if self.node is not None:
            return (namespace, address, port) in self.targets
        return self.spec.destination_port == port and (namespace, address) in self.servers


@dataclass
class _Observer:
    namespace: str
    address: str
    protocol: int
    sock: socket.socket
    port: int | None = None


class _Batch:
    def __init__(self, state: LabState, probes: list[_Probe], timeout: float) -> None:
        self.state = state
        self.probes = probes
        self.timeout = timeout
        self.by_uid = {p.uid: p for p in probes}
        self.selector = selectors.DefaultSelector()
        self.observers: dict[tuple[str, str, int, int | None], _Observer] = {}
        self.raw_clients: dict[tuple[str, str, int], socket.socket] = {}
        self.sockets: list[socket.socket] = []

    # ------------------------------------------------------------ sockets

    def _socket(
        self, namespace: str, family_type: int, protocol: int = 0, *, ipv6: bool = False
    ) -> socket.socket:
        with entered(namespace):
            sock = socket.socket(socket.AF_INET6 if ipv6 else socket.AF_INET, family_type, protocol)
        self.sockets.append(sock)
        if ipv6:
            sock.setsockopt(socket.IPPROTO_IPV6, _IPV6_FREEBIND, 1)
        else:
            sock.setsockopt(socket.SOL_IP, _IP_FREEBIND, 1)
        sock.setblocking(False)
        return sock

    def _observer(self, namespace: str, address: str, protocol: int, port: int | None) -> _Observer | None:
        key = (namespace, address, protocol, port if protocol == UDP else None)
        if key in self.observers:
            return self.observers[key]
        ipv6 = ":" in address
        try:
            if protocol == UDP:
                sock = self._socket(namespace, socket.SOCK_DGRAM, ipv6=ipv6)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((address, port or 0))
            else:
                sock = self._socket(namespace, socket.SOCK_RAW, protocol, ipv6=ipv6)
                sock.bind((address, 0))
        except OSError:
            return None
        observer = _Observer(namespace, address, protocol, sock, port)
        self.observers[key] = observer
        self.selector.register(sock, selectors.EVENT_READ, ("observer", observer))
        return observer

    def _raw_client(self, namespace: str, address: str, protocol: int) -> socket.socket:
        key = (namespace, address, protocol)
        if key not in self.raw_clients:
            sock = self._socket(namespace, socket.SOCK_RAW, protocol, ipv6=":" in address)
            sock.bind((address, 0))
            self.raw_clients[key] = sock
            self.selector.register(sock, selectors.EVENT_READ, ("raw-client", (namespace, address, protocol)))
        return self.raw_clients[key]

    # ------------------------------------------------------------ start

    def start(self) -> None:
        for probe in self.probes:
            for namespace, address in probe.servers:
                self._observer(namespace, address, probe.spec.protocol, probe.spec.destination_port)
            for namespace, address, port in probe.targets:
                self._observer(namespace, address, probe.spec.protocol, port)
        for probe in self.probes:
            try:
                self._send(probe)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE and probe.spec.source_port is not None:
                    probe.result.probed = False
                    self._fail(
                        probe,
                        f"not probed: the client's port {probe.spec.source_port} is held by a listener "
                        "in its namespace (the lab's responder)",
                    )
                    continue
                self._fail(probe, f"the client could not send: {exc.strerror or exc}")

    def _send(self, probe: _Probe) -> None:
        spec, namespace = probe.spec, probe.result.client_namespace
        token = _token(probe.uid)
        if spec.protocol in (TCP, UDP):
            kind = socket.SOCK_STREAM if spec.protocol == TCP else socket.SOCK_DGRAM
            sock = self._socket(namespace, kind, ipv6=spec.ipv6)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if spec.protocol == TCP:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.bind((spec.source, spec.source_port or 0))
            probe.result.client_port = sock.getsockname()[1]
            probe.sock = sock
            if spec.protocol == TCP:
                code = sock.connect_ex((spec.destination, spec.destination_port or 0))
                if code not in (0, errno.EINPROGRESS):
                    self._fail(probe, os.strerror(code))
                    return
                self.selector.register(sock, selectors.EVENT_WRITE, ("tcp", probe))
            else:
                sock.connect((spec.destination, spec.destination_port or 0))
                self.selector.register(sock, selectors.EVENT_READ, ("udp", probe))
                sock.send(token)
            return
        sock = self._raw_client(namespace, spec.source, spec.protocol)
        if spec.protocol == ICMPV6 and spec.ipv6:
            sock.sendto(_icmp6_message(spec, probe.uid, token), (spec.destination, 0))
        elif spec.protocol == ICMP:
            type_ = 8 if spec.icmp_type is None else spec.icmp_type
            code = 0 if spec.icmp_code is None else max(spec.icmp_code, 0)
            ident, seq = probe.uid & 0xFFFF, (probe.uid >> 16) & 0xFFFF
            if type_ == 13:
                packet = _icmp(
                    13,
                    code,
                    struct.pack("!HH", ident, seq),
                    struct.pack("!III", probe.uid & 0xFFFFFFFF, 0, 0),
                )
            elif type_ in ICMP_REPLIES:
                packet = _icmp(type_, code, struct.pack("!HH", ident, seq), token)
            else:
                # An error message quotes the header of a packet it is about: make one up.
                inner = struct.pack(
                    "!BBHHHBBH4s4s", 0x45, 0, 36, 0, 0, 64, UDP, 0,
                    socket.inet_aton(spec.destination), socket.inet_aton(spec.source),
                )  # fmt: skip
                packet = _icmp(
                    type_, code, struct.pack("!HH", 0, 1500 if type_ == 3 else 0), inner + bytes(8) + token
                )
            sock.sendto(packet, (spec.destination, 0))
        else:
            sock.sendto(b"\0" * 8 + token, (spec.destination, 0))

    # ------------------------------------------------------------ outcomes

    def _fail(self, probe: _Probe, detail: str) -> None:
        if not probe.done:
            probe.done = True
            probe.result.delivered = False
            probe.result.detail = detail

    def _deliver(self, probe: _Probe, detail: str) -> None:
        if not probe.done:
            probe.done = True
            probe.result.delivered = True
            probe.result.detail = detail

    def _arrived(self, probe: _Probe, source: str, port: int | None) -> None:
        result = probe.result
        if not result.forward:
            result.forward = True
            result.observed_source, result.observed_source_port = source, port
        if not probe.spec.expects_reply:
            self._deliver(probe, f"arrived from {source}")

    # ------------------------------------------------------------ loop

    def run(self) -> None:
        start = time.monotonic()
        self.start()
        deadline = start + self.timeout
        while not all(p.done for p in self.probes):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            for key, events in self.selector.select(left):
                kind, data = key.data
                try:
                    self._event(kind, data, events)
                except OSError:
                    continue
        elapsed = time.monotonic() - start
        for probe in self.probes:
            probe.result.elapsed = elapsed
            if probe.result.delivered:
                probe.result.forward = True

    def _event(self, kind: str, data: object, events: int) -> None:
        if kind == "tcp":
            assert isinstance(data, _Probe) and data.sock is not None
            self.selector.unregister(data.sock)
            code = data.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if data.node is not None:
                self._balanced(data, code)
            elif code == 0:
                self._deliver(data, "connected")
            elif code == errno.ECONNREFUSED:
                self._deliver(data, "connection refused (the destination's kernel answered with a reset)")
            else:
                self._fail(data, os.strerror(code))
        elif kind == "balanced":
            assert isinstance(data, _Probe)
            self._balanced_read(data)
        elif kind == "udp":
            assert isinstance(data, _Probe) and data.sock is not None
            try:
                reply = data.sock.recv(2048)
            except ConnectionRefusedError:
                self.selector.unregister(data.sock)
                self._fail(data, "port unreachable (no echo)")
                return
            if _find_token(reply) == data.uid:
                self._deliver(data, "echo received")
        elif kind == "raw-client":
            assert isinstance(data, tuple)
            key: tuple[str, str, int] = data
            packet, peer = self.raw_clients[key].recvfrom(65535)
            if ":" in key[1]:
                self._raw_reply6(packet, str(peer[0]), key[2])
            else:
                self._raw_reply(packet, key[2])
        elif kind == "observer":
            assert isinstance(data, _Observer)
            self._observe(data)

    def _balanced(self, probe: _Probe, code: int) -> None:
        """The client's connection to a load balancer's node: the node answers the handshake
        itself, so only its line saying which target answered (:mod:`.lbproxy`) is delivery."""
        if code != 0:
            self._fail(probe, f"the load balancer did not take the connection: {os.strerror(code)}")
            return
        assert probe.sock is not None
        probe.accepted = True
        try:
            probe.sock.send(ASK)  # ask the node which target served the connection
        except OSError as exc:
            self._fail(probe, f"the load balancer's connection failed: {exc.strerror or exc}")
            return
        self.selector.register(probe.sock, selectors.EVENT_READ, ("balanced", probe))

    def _balanced_read(self, probe: _Probe) -> None:
        assert probe.sock is not None and probe.node is not None
        try:
            data = probe.sock.recv(4096)
        except OSError as exc:
            data = b""
            why = exc.strerror or str(exc)
        else:
            why = "closed"
        if not data:
            self.selector.unregister(probe.sock)
            self._fail(
                probe,
                f"the load balancer {probe.node.load_balancer_name} took the connection, but no target "
                f"answered ({why})",
            )
            return
        probe.received += data
        if b"\n" not in probe.received:
            return
        self.selector.unregister(probe.sock)
        line = probe.received.split(b"\n", 1)[0].decode(errors="replace")
        if not line.startswith(STATUS.decode()):
            self._fail(probe, f"the load balancer answered {line!r}")
            return
        words = line.split()
        if len(words) >= 6 and words[4] == "from" and ":" in words[5]:
            # The leg that served: the address and port the target saw (the node's own, or
            # the client's when kept) -- whichever leg an observer saw first.
            address, port = words[5].rsplit(":", 1)
            probe.result.forward = True
            probe.result.observed_source, probe.result.observed_source_port = address, int(port)
        self._deliver(probe, f"served by {probe.node.load_balancer_name}: target {' '.join(words[2:])}")

    def _raw_reply(self, packet: bytes, protocol: int) -> None:
        parsed = _ip_header(packet)
        if parsed is None:
            return
        source, _, _, payload = parsed
        if protocol == ICMP:
            if len(payload) < 8:
                return
            type_ = payload[0]
            if type_ == 14 and len(payload) >= 12:
                uid_low = struct.unpack("!I", payload[8:12])[0]
                for candidate in self.probes:
                    same = candidate.spec.icmp_type == 13 and candidate.uid & 0xFFFFFFFF == uid_low
                    if same and source == candidate.spec.destination:
                        self._deliver(candidate, f"timestamp reply from {source}")
                return
            if type_ not in (0, 16, 18):
                return
        found = self._by_token(payload)
        if found is not None and source == found.spec.destination and found.spec.protocol == protocol:
            self._deliver(found, f"reply from {source}")

    def _raw_reply6(self, payload: bytes, source: str, protocol: int) -> None:
        """An IPv6 raw socket's packet (no IP header: the kernel strips it)."""
        if protocol == ICMPV6 and (len(payload) < 8 or payload[0] not in ICMPV6_REPLIES.values()):
            return
        found = self._by_token(payload)
        if found is not None and source == found.spec.destination and found.spec.protocol == protocol:
            self._deliver(found, f"reply from {source}")

    def _by_token(self, data: bytes) -> _Probe | None:
        uid = _find_token(data)
        return self.by_uid.get(uid) if uid is not None else None

    def _observe(self, observer: _Observer) -> None:
        if observer.protocol == UDP:
            data, peer = observer.sock.recvfrom(2048)
            source, port = str(peer[0]), int(peer[1])
            found = self._by_token(data)
            if found is not None:
                self._arrived(found, source, port)
                observer.sock.sendto(data, (source, port))
            return
        packet, peer = observer.sock.recvfrom(65535)
        parsed = (
            (str(peer[0]), observer.address, observer.protocol, packet)
            if ":" in observer.address
            else _ip_header(packet)
        )
        if parsed is None:
            return
        source, destination, protocol, payload = parsed
        if protocol == TCP:
            self._observe_tcp(observer, source, destination, payload)
        elif protocol == ICMPV6 and ":" in observer.address:
            self._observe_icmp6(source, payload)
        elif protocol == ICMP:
            self._observe_icmp(observer, source, payload)
        else:
            found = self._by_token(payload)
            if found is not None and not payload.startswith(b"\1"):
                self._arrived(found, source, None)
                observer.sock.sendto(b"\1" + b"\0" * 7 + _token(found.uid), (source, 0))

    def _observe_tcp(self, observer: _Observer, source: str, destination: str, segment: bytes) -> None:
        if len(segment) < 14:
            return
        sport, dport = struct.unpack("!HH", segment[:4])
        flags = segment[13]
        if not flags & 0x02 or flags & 0x10:  # a SYN, not a SYN-ACK
            return
        candidates = [
            p
            for p in self.probes
            if p.spec.protocol == TCP and p.serves(observer.namespace, destination, dport)
        ]
        exact = [p for p in candidates if p.result.client_port == sport]
        pending = [p for p in candidates if not p.result.forward]
        chosen = exact[0] if len(exact) == 1 else pending[0] if len(pending) == 1 else None
        if chosen is not None:
            self._arrived(chosen, source, sport)

    def _observe_icmp(self, observer: _Observer, source: str, message: bytes) -> None:
        if len(message) < 8:
            return
        type_ = message[0]
        if type_ == 13:
            if len(message) < 12:
                return
            uid_low = struct.unpack("!I", message[8:12])[0]
            for probe in self.probes:
                if probe.spec.icmp_type == 13 and probe.uid & 0xFFFFFFFF == uid_low:
                    self._arrived(probe, source, None)
            return
        found = self._by_token(message)
        # Only the probe's own message: an ICMP error quoting another probe's packet (a TTL
        # that ran out in a routing loop) carries that probe's token too.
        if found is None or found.spec.protocol != ICMP or found.spec.sent_icmp_type != type_:
            return
        self._arrived(found, source, None)
        if type_ in (15, 17):  # Linux answers neither: answer as a host would
            reply = _icmp(ICMP_REPLIES[type_], message[1], message[4:8], message[8:])
            observer.sock.sendto(reply, (source, 0))

    def _observe_icmp6(self, source: str, message: bytes) -> None:
        """An ICMPv6 message at its destination (the kernel answers echo requests itself)."""
        if len(message) < 8:
            return
        found = self._by_token(message)
        if found is None or found.spec.protocol != ICMPV6 or found.spec.sent_icmp_type != message[0]:
            return
        self._arrived(found, source, None)

    def close(self) -> None:
        self.selector.close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()


# ---------------------------------------------------------------------------- entry


def tracked_namespaces(state: LabState) -> list[str]:
    """Namespaces whose conntrack state matters (instances, NAT and egress-only gateways, load-balancer
    nodes, transit gateways, whose appliance mode marks connections, and the internet of a dual-stack lab: it
    tracks IPv6 to send replies back by the gateway they came in by)."""
    return [
        n.name
        for n in state.namespaces
        if n.role
        in ("instance", "nat-gateway", "egress-only-internet-gateway", "transit-gateway", "load-balancer")
        or (n.role == "internet" and any(":" in h for h in state.internet_hosts))
    ]


def run_probes(
    state: LabState, specs: list[ProbeSpec], *, timeout: float = DEFAULT_TIMEOUT
) -> list[ProbeResult]:
    """Run every probe against lab ``state``; results in the order of ``specs``."""
    clients = [client_namespace(state, spec) for spec in specs]
    servers = [server_endpoints(state, spec.destination) for spec in specs]
    balanced = [balanced_endpoints(state, spec) for spec in specs]
    results = [
        ProbeResult(
            spec=spec,
            client_namespace=clients[i],
            server_namespaces=[ns for ns, _ in servers[i]]
            or [ns for ns, _, _ in (balanced[i] or (None, []))[1]],
        )
        for i, spec in enumerate(specs)
    ]
    targets = [found[1] if found is not None else [] for found in balanced]
    for batch in schedule(specs, servers, targets):
        for namespace in tracked_namespaces(state):
            flush_conntrack(namespace)
        probes = [
            _Probe(
                i,
                specs[i],
                results[i],
                next(_uid_counter),
                servers[i],
                node=balanced[i][0] if balanced[i] is not None else None,  # type: ignore[index]
                targets=targets[i],
            )
            for i in batch
        ]
        runner = _Batch(state, probes, timeout)
        try:
            runner.run()
        finally:
            runner.close()
        for probe in probes:
            if probe.accepted and not probe.result.delivered and probe.result.detail.startswith("no answer"):
                assert probe.node is not None
                probe.result.detail = (
                    f"the load balancer {probe.node.load_balancer_name} took the connection, but no target "
                    "answered before the timeout"
                    + (" (the request arrived at one)" if probe.result.forward else "")
                )
            elif not probe.result.delivered and probe.result.forward and probe.spec.expects_reply:
                probe.result.detail = "the request arrived but no reply came back before the timeout"
            elif (
                not probe.result.delivered
                and not probe.servers
                and probe.node is None
                and probe.result.detail.startswith("no answer")
            ):
                probe.result.detail = "nothing in the lab holds the destination address"
    return results
