"""From sorted atoms back to the compact entries users read: "tcp 22, 80, 443; icmp echo-request".

Why a module: every analysis (reach, exposure, matrix, diff, check) prints sets of flows the same
way, as entries ``{"protocol", "ports", "icmp", "sources", "destinations"}`` (``docs/json.md``).
An entry stands for every combination of its fields: each protocol/port/ICMP value with each
source and each destination. Building them merges atoms into ranges, then merges address pairs
into rectangles (same traffic and destinations: sources united; then same traffic and sources:
destinations united), which keeps the description exact.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ..engine.compiled import ip_int
from ..engine.flow import ICMP, ICMPV6, TCP, UDP
from .atoms import BYTE_SPACE, PORT_SPACE, TrafficSpace
from .intervals import IntervalIndex, Intervals, as_lists, cidr_cover, format_ranges, normalize

ICMP_NAMES = {
    0: "echo-reply",
    3: "destination-unreachable",
    4: "source-quench",
    5: "redirect",
    8: "echo-request",
    11: "time-exceeded",
    12: "parameter-problem",
    13: "timestamp-request",
    14: "timestamp-reply",
    15: "information-request",
    16: "information-reply",
    17: "address-mask-request",
    18: "address-mask-reply",
}

ICMPV6_NAMES = {
    1: "destination-unreachable",
    2: "packet-too-big",
    3: "time-exceeded",
    4: "parameter-problem",
    128: "echo-request",
    129: "echo-reply",
}

ProtocolLabel = str | int
#: Sets of more protocol numbers (besides tcp, udp, icmp) than this are one ``other`` entry.
MAX_NUMBERED = 3
IcmpPairs = tuple[tuple[int, int], ...]
"""(type, code) pairs; code -1 means every code of the type."""


def _type_name(t: int, ipv6: bool = False) -> str:
    return (ICMPV6_NAMES if ipv6 else ICMP_NAMES).get(t, f"type {t}")


def describe_icmp(pairs: IcmpPairs | None, *, ipv6: bool = False) -> str:
    """``icmp echo-request``; ``icmp all types but echo-request``; ``icmp types 20-255``
    (``ipv6``: ICMPv6's type names, still after ``icmp``)."""
    if pairs is None:
        return "icmp (all types)"
    whole = [t for t, c in pairs if c == -1]
    parts: list[str] = []
    if len(whole) > 128:
        missing = [t for t in range(256) if t not in set(whole)]
        parts.append(
            "all types but " + ", ".join(_type_name(t, ipv6) for t in missing) if missing else "all types"
        )
    elif len(whole) > 4:
        runs = normalize((t, t) for t in whole)
        parts.append("types " + format_ranges(runs))
    else:
        parts.extend(_type_name(t, ipv6) for t in whole)
    parts.extend(f"{_type_name(t, ipv6)} code {c}" for t, c in pairs if c != -1)
    return "icmp " + ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Traffic:
    """Protocol and ports (or ICMP types and codes) of an entry, without addresses."""

    protocol: ProtocolLabel
    ports: Intervals | None = None
    """None: every port (TCP/UDP) or not applicable."""
    icmp: IcmpPairs | None = None
    """None: every type and code (ICMP) or not applicable."""
    protocols: Intervals | None = None
    """``other``: the protocol numbers (never 1, 6 or 17)."""

    def sort_key(self) -> tuple[object, ...]:
        order = {"all": -4, "tcp": -3, "udp": -2, "icmp": -1, "icmpv6": 58, "other": 256}
        rank = order.get(self.protocol, 0) if isinstance(self.protocol, str) else int(self.protocol)
        return (rank, self.ports or (), self.icmp or (), self.protocols or ())

    def describe(self) -> str:
        if self.protocol == "all":
            return "all traffic"
        if self.protocol in ("tcp", "udp"):
            return f"{self.protocol} {format_ranges(self.ports) if self.ports else 'all ports'}"
        if self.protocol == "icmp":
            return describe_icmp(self.icmp)
        if self.protocol == "icmpv6":
            return "icmpv6" + describe_icmp(self.icmp, ipv6=True)[4:]
        if self.protocol == "other":
            return f"protocols {format_ranges(self.protocols or ())}"
        return f"protocol {self.protocol}"

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "protocol": self.protocol,
            "ports": as_lists(self.ports) if self.ports is not None else None,
            "icmp": [list(p) for p in self.icmp] if self.icmp is not None else None,
        }
        if self.protocols is not None:
            out["protocols"] = as_lists(self.protocols)
        return out

    def contains(self, protocol: int, port: int | None, icmp_type: int | None, icmp_code: int | None) -> bool:
        """Whether a concrete flow's protocol, port or ICMP type/code is in this traffic."""
        if self.protocol == "all":
            return True
        label = {TCP: "tcp", UDP: "udp", ICMP: "icmp", ICMPV6: "icmpv6"}.get(protocol, protocol)
        if self.protocol == "other":
            return self.protocols is not None and any(lo <= protocol <= hi for lo, hi in self.protocols)
        if label != self.protocol:
            return False
        if protocol in (TCP, UDP):
            return self.ports is None or (port is not None and any(lo <= port <= hi for lo, hi in self.ports))
        if protocol in (ICMP, ICMPV6):
            return self.icmp is None or any(
                t == icmp_type and (c == -1 or c == icmp_code) for t, c in self.icmp
            )
        return True


@dataclass(frozen=True, slots=True)
class Entry:
    traffic: Traffic
    sources: tuple[str, ...]
    destinations: tuple[str, ...]
    source_ports: Intervals | None = None
    """``partial`` entries: the client ports whose reply comes back."""

    def sort_key(self) -> tuple[object, ...]:
        return (
            self.traffic.sort_key(),
            tuple(_cidr_key(c) for c in self.sources),
            tuple(_cidr_key(c) for c in self.destinations),
            self.source_ports or (),
        )

    def to_dict(self) -> dict[str, object]:
        out = self.traffic.to_dict()
        out["sources"] = list(self.sources)
        out["destinations"] = list(self.destinations)
        if self.source_ports is not None:
            out["source_ports"] = as_lists(self.source_ports)
        return out

    def describe(self) -> str:
        text = self.traffic.describe()
        if self.source_ports is not None:
            text += f" (client ports {format_ranges(self.source_ports)} only)"
        return text


def traffic_of(space: TrafficSpace, bits: int) -> list[Traffic]:
    """The atoms of ``bits`` as compact traffic descriptions, one per protocol."""
    if not bits:
        return []
    if bits == space.all_bits:
        return [Traffic("all")]
    ports: dict[int, list[tuple[int, int]]] = {TCP: [], UDP: []}
    icmp: dict[Intervals, list[tuple[int, int]]] = {}
    """ICMP codes by the atoms' type set (atoms cut types into disjoint sets)."""
    others: list[tuple[int, int]] = []
    icmp_proto = ICMPV6 if space.ipv6 else ICMP
    for atom in space.iter_bits(bits):
        if atom.protocol in (TCP, UDP):
            ports[atom.protocol].extend(atom.ports or ())
        elif atom.protocol == icmp_proto and atom.icmp_types is not None:
            assert atom.icmp_types is not None and atom.icmp_codes is not None
            icmp.setdefault(atom.icmp_types, []).extend(atom.icmp_codes)
        else:
            others.extend(atom.protocols)
    out: list[Traffic] = []
    for proto, name in ((TCP, "tcp"), (UDP, "udp")):
        if ports[proto]:
            merged = normalize(ports[proto])
            out.append(Traffic(name, None if merged == (PORT_SPACE,) else merged))
    if icmp:
        out.append(Traffic("icmpv6" if space.ipv6 else "icmp", icmp=_icmp_pairs(icmp)))
    numbers = normalize(others)
    if sum(hi - lo + 1 for lo, hi in numbers) <= MAX_NUMBERED:
        out.extend(Traffic(p) for lo, hi in numbers for p in range(lo, hi + 1))
    elif numbers:
        out.append(Traffic("other", protocols=numbers))
    return out


def _icmp_pairs(by_types: dict[Intervals, list[tuple[int, int]]]) -> IcmpPairs | None:
    """(type, code) pairs, (type, -1) for every code of a type; None when every type has every
    code. ``by_types``: codes by disjoint sets of types."""
    per_type: list[tuple[int, Intervals]] = []
    for types, codes in by_types.items():
        merged = normalize(codes)
        per_type.extend((t, merged) for lo, hi in types for t in range(lo, hi + 1))
    per_type.sort()
    pairs: list[tuple[int, int]] = []
    every = len(per_type) == BYTE_SPACE[1] - BYTE_SPACE[0] + 1
    for t, type_codes in per_type:
        if type_codes == (BYTE_SPACE,):
            pairs.append((t, -1))
        else:
            every = False
            pairs.extend((t, c) for lo, hi in type_codes for c in range(lo, hi + 1))
    return None if every else tuple(pairs)


class RenderCache:
    """Caches shared by the entry builders of one analysis: CIDR covers and traffic texts."""

    def __init__(self) -> None:
        self.covers: dict[tuple[Intervals, int], tuple[str, ...]] = {}
        self._traffic: weakref.WeakKeyDictionary[TrafficSpace, dict[int, list[Traffic]]] = (
            weakref.WeakKeyDictionary()
        )

    def cover(self, members: Intervals, universe: IntervalIndex | None) -> tuple[str, ...]:
        """The CIDR blocks an entry prints for ``members`` (read inside ``universe``)."""
        key = (members, id(universe))
        got = self.covers.get(key)
        if got is None:
            got = self.covers[key] = tuple(sorted(cidr_cover(members, universe), key=_cidr_key))
        return got

    def traffic(self, space: TrafficSpace) -> dict[int, list[Traffic]]:
        """Traffic texts by atom bits, per traffic space: analyses that use a space per question
        (:mod:`vpcsim.analysis.local_atoms`) share the covers, never the atoms' meaning."""
        got = self._traffic.get(space)
        if got is None:
            got = self._traffic[space] = {}
        return got


class EntryBuilder:
    """Collects facts "these atoms flow from these sources to these destinations" and merges
    them into entries: per atom, the sources are united (per destination), then the
    destinations (per source set); atoms with the same sources and destinations share entries."""

    def __init__(self, space: TrafficSpace, cache: RenderCache | None = None) -> None:
        self.space = space
        self.cache = cache or RenderCache()
        self._facts: dict[Intervals | None, dict[Intervals, dict[int, list[Intervals]]]] = {}

    def add(
        self, bits: int, sources: Intervals, destinations: Intervals, source_ports: Intervals | None = None
    ) -> None:
        if bits:
            by_dst = self._facts.setdefault(source_ports, {})
            by_dst.setdefault(destinations, {}).setdefault(bits, []).append(sources)

    def build(
        self, source_universe: IntervalIndex | None, destination_universe: IntervalIndex | None
    ) -> list[Entry]:
        entries: list[Entry] = []
        cover = self.cache.cover
        traffic_cache = self.cache.traffic(self.space)

        for sports, by_dst in self._facts.items():
            # Atoms that every fact holds alike (a *class* of the facts' atom sets) get the same
            # sources and destinations: work per class, not per atom (thousands on messy estates).
            classes = refine({bits for by_bits in by_dst.values() for bits in by_bits})
            dsts_of: dict[tuple[int, Intervals], list[Intervals]] = {}
            for dst, by_bits in by_dst.items():
                per_class: dict[int, list[Intervals]] = {}
                for bits, src_list in by_bits.items():
                    for cls in classes:
                        if cls & bits:
                            per_class.setdefault(cls, []).extend(src_list)
                for cls, src_list in per_class.items():
                    sources = (
                        src_list[0] if len(src_list) == 1 else normalize(iv for s in src_list for iv in s)
                    )
                    dsts_of.setdefault((cls, sources), []).append(dst)
            atoms_of: dict[tuple[Intervals, Intervals], int] = {}
            for (cls, sources), dst_list in dsts_of.items():
                destinations = (
                    dst_list[0] if len(dst_list) == 1 else normalize(iv for d in dst_list for iv in d)
                )
                key = (sources, destinations)
                atoms_of[key] = atoms_of.get(key, 0) | cls
            for (sources, destinations), bits in atoms_of.items():
                traffic = traffic_cache.get(bits)
                if traffic is None:
                    traffic = traffic_cache[bits] = traffic_of(self.space, bits)
                src_text = cover(sources, source_universe)
                dst_text = cover(destinations, destination_universe)
                entries.extend(Entry(t, src_text, dst_text, sports) for t in traffic)
        entries.sort(key=Entry.sort_key)
        return entries


def refine(sets: Iterable[int]) -> list[int]:
    """The coarsest partition of the atoms of ``sets`` (bit sets) in which each set is a union of
    parts: atoms in one part belong to exactly the same sets. Without sets, nothing."""
    parts: list[int] = []
    for bits in sets:
        rest = bits
        out: list[int] = []
        for part in parts:
            inside = part & bits
            if inside:
                rest &= ~inside
                out.append(inside)
                if inside != part:
                    out.append(part ^ inside)
            else:
                out.append(part)
        if rest:
            out.append(rest)
        parts = out
    return parts


@lru_cache(maxsize=1 << 16)
def _cidr_key(cidr: str) -> tuple[int, int]:
    address, _, length = cidr.partition("/")
    return ip_int(address), int(length)


def in_cidrs(address: int, cidrs: Iterable[str]) -> bool:
    for cidr in cidrs:
        net, mask = _cidr_key(cidr)
        span = (1 << ((128 if ":" in cidr else 32) - mask)) - 1
        if net <= address <= net + span:
            return True
    return False


__all__ = ["Entry", "EntryBuilder", "RenderCache", "Traffic", "in_cidrs", "refine", "traffic_of"]
