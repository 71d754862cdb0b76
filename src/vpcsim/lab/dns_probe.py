"""A probe of the VPC resolver: a real DNS question from an instance, answered (or not) by the
lab's ``dnsmasq`` (:mod:`.dns`).

The probes of :mod:`.probe` need an observer where the packet lands; the resolver is no
instance but a DNS server in the VPC's router namespace, and what proves that DNS works is its
answer. So a probe whose destination is one of the source VPC's resolver addresses (base + 2 of
its primary block, or 169.254.169.253) on port 53 (UDP, or TCP with the two-byte length of
RFC 1035 4.2.2) asks the reverse (PTR) name of the source's own address -- answered locally
whatever the region (``--bogus-priv``): the instance's private name when ``enableDnsHostnames``
is on, NXDOMAIN otherwise. Any answer from the resolver's address counts as delivered (the
exchange completed); none within the timeout counts as not delivered.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import struct
import time

from ..model.addressing import AMAZON_DNS_LINK_LOCAL, amazon_dns_address
from .netns import entered
from .probe import TCP, UDP, ProbeResult, ProbeSpec, client_namespace
from .state import LabState

DNS_PORT = 53
_RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}
_PTR = 12


def is_resolver_probe(state: LabState, spec: ProbeSpec) -> bool:
    """Whether ``spec`` asks the resolver of its source's VPC (DNS over UDP or TCP port 53)."""
    if spec.source_eni is None or spec.protocol not in (TCP, UDP) or spec.destination_port != DNS_PORT:
        return False
    found = state.eni(spec.source_eni)
    if found is None:
        return False
    vpc = state.vpcs.get(found[1].vpc_id)
    if vpc is None or not vpc.cidr_blocks:
        return False
    return spec.destination in (amazon_dns_address(vpc.cidr_blocks[0]), AMAZON_DNS_LINK_LOCAL)


def reverse_name(address: str) -> str:
    return ".".join(reversed(address.split("."))) + ".in-addr.arpa"


def query(name: str, ident: int) -> bytes:
    """A recursive question for ``name``'s PTR record."""
    labels = b"".join(bytes([len(p)]) + p.encode("ascii") for p in name.split(".")) + b"\0"
    return struct.pack(">HHHHHH", ident, 0x0100, 1, 0, 0, 0) + labels + struct.pack(">HH", _PTR, 1)


def _name_at(data: bytes, at: int) -> tuple[str, int]:
    """The (possibly compressed) name at ``at`` and the offset after it."""
    labels: list[str] = []
    end = None
    for _ in range(128):  # a bound against pointer loops
        length = data[at]
        if length & 0xC0 == 0xC0:
            end = at + 2 if end is None else end
            at = ((length & 0x3F) << 8) | data[at + 1]
            continue
        if length == 0:
            return ".".join(labels), (at + 1 if end is None else end)
        labels.append(data[at + 1 : at + 1 + length].decode("ascii", "replace"))
        at += 1 + length
    raise ValueError("a name with too many labels or a pointer loop")


def parse_answer(data: bytes, ident: int) -> tuple[str, list[str]] | None:
    """(rcode name, PTR names) of a reply to question ``ident``; None when it is not one."""
    if len(data) < 12:
        return None
    got, flags, questions, answers = struct.unpack(">HHHH", data[:8])
    if got != ident or not flags & 0x8000:
        return None
    rcode = _RCODES.get(flags & 0xF, f"RCODE {flags & 0xF}")
    names: list[str] = []
    try:
        at = 12
        for _ in range(questions):
            at = _name_at(data, at)[1] + 4
        for _ in range(answers):
            at = _name_at(data, at)[1]
            kind, _, _, length = struct.unpack(">HHIH", data[at : at + 10])
            if kind == _PTR:
                names.append(_name_at(data, at + 10)[0])
            at += 10 + length
    except (IndexError, ValueError, struct.error):
        return rcode, names
    return rcode, names


def _exchange(sock: socket.socket, spec: ProbeSpec, message: bytes, deadline: float) -> bytes | None:
    """Send ``message`` and wait for the reply (UDP: from the resolver's address only)."""
    if spec.protocol == UDP:
        sock.sendto(message, (spec.destination, DNS_PORT))
        while (left := deadline - time.monotonic()) > 0:
            if not select.select([sock], [], [], left)[0]:
                return None
            data, peer = sock.recvfrom(4096)
            if peer[0] == spec.destination:
                return data
        return None
    sock.settimeout(max(0.01, deadline - time.monotonic()))
    sock.connect((spec.destination, DNS_PORT))
    sock.sendall(struct.pack(">H", len(message)) + message)
    received = b""
    while len(received) < 2 or len(received) < 2 + struct.unpack(">H", received[:2])[0]:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(4096)
        if not chunk:
            return None
        received += chunk
    return received[2:]


def probe_resolver(state: LabState, spec: ProbeSpec, timeout: float) -> ProbeResult:
    """Ask the resolver for real from the source's namespace (see the module's docstring)."""
    namespace = client_namespace(state, spec)
    result = ProbeResult(spec, client_namespace=namespace, detail="the VPC resolver did not answer")
    ident = int.from_bytes(os.urandom(2), "big")
    asked = reverse_name(spec.source)
    started = time.monotonic()
    kind = socket.SOCK_DGRAM if spec.protocol == UDP else socket.SOCK_STREAM
    with entered(namespace):
        sock = socket.socket(socket.AF_INET, kind)
    try:
        with contextlib.closing(sock):
            # a pinned port may still be in TIME_WAIT from the previous probe's connection
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((spec.source, spec.source_port or 0))
            result.client_port = sock.getsockname()[1]
            data = _exchange(sock, spec, query(asked, ident), started + timeout)
    except TimeoutError:
        data = None
    except OSError as exc:
        result.detail = f"the VPC resolver did not answer: {exc.strerror or exc}"
        data = None
    result.elapsed = time.monotonic() - started
    answer = None if data is None else parse_answer(data, ident)
    if answer is None:
        if data is not None:
            result.detail = "the reply was not an answer to the question asked"
        return result
    rcode, names = answer
    result.delivered = result.forward = True
    result.server_namespaces = [f"VPC resolver at {spec.destination}"]
    said = f"{rcode}, PTR {', '.join(names)}" if names else rcode
    result.detail = f"the VPC resolver answered {asked}: {said}"
    return result


__all__ = ["DNS_PORT", "is_resolver_probe", "parse_answer", "probe_resolver", "query", "reverse_name"]
