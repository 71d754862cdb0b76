"""Atoms of the traffic space: the partition of (protocol, destination port, ICMP type and code)
and of the client's source ports by every boundary the rules on a path mention.

Why atoms: security-group rules and network-ACL entries are unions of boxes over these
dimensions, so every rule decides the same way for every flow of one atom. Evaluating one
representative flow per atom is therefore exact, and the number of atoms stays small (tens)
because real rules mention few distinct ports. Addresses are partitioned separately
(:mod:`vpcsim.analysis.addresses`), because they also steer routing.

Each atom has an index; a set of atoms is a Python ``int`` used as a bit set, so that the
analyses combine filters with ``&`` and ``|``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..engine.compiled import AclEntry, SgRule
from ..engine.flow import ICMP, ICMP_ERRORS, ICMP_REPLIES, ICMPV6, ICMPV6_ERRORS, ICMPV6_REPLIES, TCP, UDP
from .intervals import Interval, Intervals, intersect, normalize, subtract

PORT_SPACE: Interval = (0, 65535)
BYTE_SPACE: Interval = (0, 255)

#: Walk classes: flows of one class take the same path through the engine (it branches on
#: protocol -- NAT gateways and gateway endpoints restrict protocols -- and on whether an ICMP
#: type gets a reply), so one path skeleton serves every atom of the class.
WALK_TCP, WALK_UDP, WALK_ECHO, WALK_ICMP_REQUEST, WALK_ICMP_ERROR, WALK_ICMP_NO_REPLY, WALK_OTHER = (
    "tcp",
    "udp",
    "icmp-echo",
    "icmp-request",
    "icmp-error",
    "icmp-no-reply",
    "other",
)
WALK_CLASSES = (
    WALK_TCP,
    WALK_UDP,
    WALK_ECHO,
    WALK_ICMP_REQUEST,
    WALK_ICMP_ERROR,
    WALK_ICMP_NO_REPLY,
    WALK_OTHER,
)


def icmp_walk(icmp_type: int, *, ipv6: bool = False) -> str:
    """The walk class of an ICMP type: the engine treats echo requests (gateway endpoints carry
    them), other requests (they get replies) and error messages (NATs drop untracked ones)
    apart from every other type. ``ipv6``: an ICMPv6 type (echo 128, errors 1-4)."""
    if icmp_type == (128 if ipv6 else 8):
        return WALK_ECHO
    if icmp_type in (ICMPV6_REPLIES if ipv6 else ICMP_REPLIES):
        return WALK_ICMP_REQUEST
    if icmp_type in (ICMPV6_ERRORS if ipv6 else ICMP_ERRORS):
        return WALK_ICMP_ERROR
    return WALK_ICMP_NO_REPLY


@dataclass(frozen=True, slots=True)
class Atom:
    """One cell of the traffic partition, with the representative the engine evaluates."""

    index: int
    protocol: int
    """The representative protocol number."""
    protocols: Intervals
    """Every protocol number the atom stands for (one, except for "all other protocols")."""
    ports: Intervals | None = None
    """TCP/UDP destination ports."""
    icmp_types: Intervals | None = None
    icmp_codes: Intervals | None = None
    walk: str = WALK_OTHER

    @property
    def port(self) -> int | None:
        return self.ports[0][0] if self.ports else None

    @property
    def icmp_type(self) -> int | None:
        return self.icmp_types[0][0] if self.icmp_types else None

    @property
    def icmp_code(self) -> int | None:
        return self.icmp_codes[0][0] if self.icmp_codes else None

    @property
    def reply_type(self) -> int | None:
        t = self.icmp_type
        replies = ICMPV6_REPLIES if self.protocol == ICMPV6 else ICMP_REPLIES
        return replies.get(t) if t is not None else None


def _cuts(space: Interval, boundaries: Iterable[int]) -> list[Interval]:
    """Split ``space`` at every boundary (a boundary b starts a new piece at b)."""
    lo, hi = space
    points = sorted({b for b in boundaries if lo < b <= hi})
    pieces: list[Interval] = []
    start = lo
    for p in points:
        pieces.append((start, p - 1))
        start = p
    pieces.append((start, hi))
    return pieces


def _range_boundaries(ranges: Iterable[tuple[int, int]]) -> set[int]:
    out: set[int] = set()
    for lo, hi in ranges:
        out.add(lo)
        out.add(hi + 1)
    return out


@dataclass(slots=True)
class RuleSet:
    """The rules a traffic partition must respect: compiled SG rules and NACL entries."""

    sg_rules: list[SgRule] = field(default_factory=list)
    acl_entries: list[AclEntry] = field(default_factory=list)
    service_ports: set[tuple[int, int]] = field(default_factory=set)
    """(protocol, port) pairs a VPC service on a path answers on: each is an atom of its own."""

    def add_sg(self, rules: Iterable[SgRule]) -> None:
        self.sg_rules.extend(rules)

    def add_acl(self, entries: Iterable[AclEntry]) -> None:
        self.acl_entries.extend(entries)

    def add_service_ports(self, ports: Iterable[tuple[int, int]]) -> None:
        self.service_ports.update(ports)


class TrafficSpace:
    """The atoms of one question (one path's rules), and the client-port atoms per protocol.

    ``ipv6``: the atoms of IPv6 flows, whose ICMP is ICMPv6 (protocol 58: echo 128, errors 1-4);
    an IPv4 ICMP rule then names a protocol like any other (it never matches ICMPv6)."""

    def __init__(self, rules: RuleSet, client_ports: Interval, *, ipv6: bool = False) -> None:
        self.client_ports = client_ports
        self.ipv6 = ipv6
        icmp = ICMPV6 if ipv6 else ICMP
        replies = ICMPV6_REPLIES if ipv6 else ICMP_REPLIES
        port_bounds: dict[int, set[int]] = {TCP: set(), UDP: set()}
        sport_bounds: dict[int, set[int]] = {TCP: set(), UDP: set()}
        mentioned: set[int] = set()
        types: set[int] = set(replies)
        codes: set[int] = set()
        # Security groups match the destination port of requests -- and the client's port of a
        # reply through a middlebox the request never passed; their ICMP fields are type/code.
        for rule in rules.sg_rules:
            proto, lo, hi = rule.protocol, rule.lo, rule.hi
            if proto == -1:
                continue
            mentioned.add(proto)
            if proto in (TCP, UDP):
                bounds = _range_boundaries([(lo, hi)])
                port_bounds[proto] |= bounds
                sport_bounds[proto] |= bounds
            elif proto == icmp:
                if lo != -1:
                    types.add(lo)
                if hi != -1:
                    codes.add(hi)
        # Network ACLs match the destination port: the request's, and the client's on replies.
        for entry in rules.acl_entries:
            proto = entry.protocol
            if proto == -1:
                continue
            mentioned.add(proto)
            if proto in (TCP, UDP):
                bounds = _range_boundaries([(entry.lo, entry.hi)])
                port_bounds[proto] |= bounds
                sport_bounds[proto] |= bounds
            elif proto == icmp:
                if entry.icmp_type != -1:
                    types.add(entry.icmp_type)
                if entry.icmp_code != -1:
                    codes.add(entry.icmp_code)
        # A VPC service answers on single ports of its own choosing (the engine's table).
        for proto, port in rules.service_ports:
            if proto in (TCP, UDP):
                port_bounds[proto] |= _range_boundaries([(port, port)])
        # Reply types of the request types that get replies are judged by the ACLs too.
        self.atoms: list[Atom] = []
        self.port_runs: dict[int, tuple[int, list[int]]] = {}
        """Per TCP/UDP: (index of its first atom, each atom's first port), atoms in port order."""
        for proto in (TCP, UDP):
            pieces = _cuts(PORT_SPACE, port_bounds[proto])
            self.port_runs[proto] = (len(self.atoms), [lo for lo, _ in pieces])
            for piece in pieces:
                self._add(
                    proto, ((proto, proto),), ports=(piece,), walk=WALK_TCP if proto == TCP else WALK_UDP
                )
        type_atoms: list[Intervals] = [((t, t),) for t in sorted(t for t in types if 0 <= t <= 255)]
        rest_types = subtract((BYTE_SPACE,), normalize(r[0] for r in type_atoms))
        # Types the engine walks differently never share an atom.
        errors = normalize((t, t) for t in (ICMPV6_ERRORS if ipv6 else ICMP_ERRORS))
        for part in (intersect(rest_types, errors), subtract(rest_types, errors)):
            if part:
                type_atoms.append(part)
        code_atoms: list[Intervals] = [((c, c),) for c in sorted(c for c in codes if 0 <= c <= 255)]
        rest_codes = subtract((BYTE_SPACE,), normalize(r[0] for r in code_atoms))
        if rest_codes:
            code_atoms.append(rest_codes)
        for type_set in type_atoms:
            walk = icmp_walk(type_set[0][0], ipv6=ipv6)
            for code_set in code_atoms:
                self._add(icmp, ((icmp, icmp),), icmp_types=type_set, icmp_codes=code_set, walk=walk)
        # (over IPv6, ICMP's protocol 1 is a protocol like any other: it stays with the rest)
        skip = (TCP, UDP, icmp, ICMP) if ipv6 else (TCP, UDP, icmp)
        others = sorted(p for p in mentioned if p not in skip and 0 <= p <= 255)
        for p in others:
            self._add(p, ((p, p),), walk=WALK_OTHER)
        rest = subtract(
            (BYTE_SPACE,), normalize([(TCP, TCP), (UDP, UDP), (icmp, icmp), *((p, p) for p in others)])
        )
        if rest:
            self._add(rest[0][0], rest, walk=WALK_OTHER)
        self.all_bits = (1 << len(self.atoms)) - 1
        self.walk_bits: dict[str, int] = {}
        for atom in self.atoms:
            self.walk_bits[atom.walk] = self.walk_bits.get(atom.walk, 0) | (1 << atom.index)
        # Client-port atoms: the reply's destination ports, judged by ACLs only.
        self.sport_atoms: dict[int, list[Interval]] = {
            proto: _cuts(client_ports, sport_bounds[proto]) for proto in (TCP, UDP)
        }

    def _add(
        self,
        protocol: int,
        protocols: Intervals,
        *,
        ports: Intervals | None = None,
        icmp_types: Intervals | None = None,
        icmp_codes: Intervals | None = None,
        walk: str,
    ) -> None:
        self.atoms.append(Atom(len(self.atoms), protocol, protocols, ports, icmp_types, icmp_codes, walk))

    def port_run(self, protocol: int, lo: int, hi: int) -> tuple[int, int] | None:
        """The atoms of ``protocol`` (TCP or UDP) whose ports lie in ``lo..hi``, as index range
        ``[first, stop)``, when ``lo`` and ``hi + 1`` are atom boundaries; None otherwise."""
        first, starts = self.port_runs[protocol]
        i = bisect_left(starts, lo)
        j = bisect_left(starts, hi + 1)
        if i == len(starts) or starts[i] != lo or (j < len(starts) and starts[j] != hi + 1):
            return None
        return first + i, first + j

    def bits_of(self, indices: Iterable[int]) -> int:
        out = 0
        for i in indices:
            out |= 1 << i
        return out

    def iter_bits(self, bits: int) -> list[Atom]:
        atoms = self.atoms
        out = []
        while bits:
            low = bits & -bits
            out.append(atoms[low.bit_length() - 1])
            bits ^= low
        return out
