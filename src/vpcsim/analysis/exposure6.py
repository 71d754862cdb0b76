"""Exposure over IPv6, and the notes that compare an ENI's two families.

Why apart from :mod:`vpcsim.analysis.exposure`: the IPv4 findings come from the bulk machinery
(classes of ENIs, the IPv4 internet universe); over IPv6 every ENI address is its own public
address (no NAT), so each is analysed as ``reach`` analyses an internet end
(:func:`vpcsim.analysis.reach.universe_contexts` over the IPv6 internet universe): the same
skeletons, atoms (ICMP is ICMPv6 there) and engine decisions, per address. The findings have the
same shape; the address says the family.

The family notes (``family_notes`` in the JSON) flag the classic dual-stack mistakes apart from
the findings: an ENI **exposed only over IPv6** (its IPv4 side closed, or not addressable), and
**asymmetric** exposure -- TCP/UDP ports (or every protocol) open over one family and closed over
the other for an ENI the internet can address over both (a rule for ``0.0.0.0/0`` without
``::/0``, or the reverse).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..engine.compiled import Compiled, ip_str
from ..model import Network
from .addresses import internet_universe
from .endpoints import Host
from .entries import Entry, EntryBuilder, RenderCache
from .intervals import Interval, Intervals, format_ranges, normalize, subtract
from .reach import add_outcome, outcomes, universe_contexts
from .skeleton import Skeleton

WIDE_EXPOSURE6 = 1 << 96
"""Over IPv6 a set of at least a /32's worth of addresses (an internet registry's allocation to a
provider) is *wide*: 2**24 addresses, IPv4's bar, is a sliver of one IPv6 subnet."""

_NOWHERE: Intervals = ((0, 0),)


@dataclass(frozen=True, slots=True)
class FamilyNote:
    kind: str
    """``ipv6-only`` or ``asymmetric``."""
    eni: str
    instance: str | None
    detail: str

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "eni": self.eni, "instance": self.instance, "detail": self.detail}


@dataclass(slots=True)
class Exposure6:
    """One IPv6 address's entries (as the IPv4 side builds them) and its path."""

    address: int
    lists: dict[str, list[Entry]]
    skeleton: Skeleton | None
    """A skeleton of a delivered flow (its hops: the path findings show)."""


def ipv6_exposure(
    network: Network, compiled: Compiled, eni_id: str, client_ports: Interval
) -> list[Exposure6]:
    """What the IPv6 internet can deliver to each IPv6 address of ``eni_id``."""
    eni = compiled.enis[eni_id]
    universe = internet_universe(compiled, ipv6=True)
    out: list[Exposure6] = []
    for address in sorted(eni.addresses6):
        contexts, _ = universe_contexts(compiled, universe, Host(address, eni_id), internet_is_source=True)
        space, results = outcomes(network, contexts, client_ports, ipv6=True)
        render = RenderCache()
        builders = {k: EntryBuilder(space, render) for k in ("allowed", "one_way", "partial", "unknown")}
        for ctx, result in zip(contexts, results, strict=True):
            add_outcome(builders, result, ctx.sources, _NOWHERE)
        lists = {name: b.build(universe.index, None) for name, b in builders.items()}
        delivered = (s for ctx in contexts for s in ctx.skeletons.values() if s.delivered)
        out.append(Exposure6(address, lists, next(delivered, None)))
    return out


def _open_ports(entries: list[Entry]) -> dict[str, Intervals]:
    """TCP and UDP ports the entries open (every protocol opens every port of both)."""
    ports: dict[str, list[tuple[int, int]]] = {"tcp": [], "udp": []}
    for entry in entries:
        traffic = entry.traffic
        if traffic.protocol == "all":
            for name in ports:
                ports[name].append((0, 65535))
        elif traffic.protocol in ports:
            ports[str(traffic.protocol)].extend(traffic.ports or ((0, 65535),))
    return {name: normalize(ranges) for name, ranges in ports.items()}


def family_notes(
    eni_id: str,
    instance: str | None,
    v4: list[Entry] | None,
    v6: list[Entry] | None,
    describe_v4: Callable[[], str],
) -> list[FamilyNote]:
    """The notes of one ENI. ``v4``/``v6``: the entries open from the internet over each family
    (None: the internet cannot address the ENI over it)."""
    notes: list[FamilyNote] = []
    if v6 and not v4:
        notes.append(
            FamilyNote(
                "ipv6-only",
                eni_id,
                instance,
                f"exposed over IPv6 only ({describe_v4()}): "
                + "; ".join(f"{e.describe()} from {', '.join(e.sources)}" for e in v6),
            )
        )
    if v4 is None or v6 is None:
        return notes
    four, six = _open_ports(v4), _open_ports(v6)
    for name in ("tcp", "udp"):
        for ranges, here, there in (
            (subtract(four[name], six[name]), "IPv4", "IPv6"),
            (subtract(six[name], four[name]), "IPv6", "IPv4"),
        ):
            if ranges:
                notes.append(
                    FamilyNote(
                        "asymmetric",
                        eni_id,
                        instance,
                        f"{name} {format_ranges(ranges)} open from the internet over {here} but closed over "
                        f"{there}: a rule for one family's internet (0.0.0.0/0 or ::/0) without the other's?",
                    )
                )
    return notes


def address_text(address: int) -> str:
    return ip_str(address)


__all__ = ["WIDE_EXPOSURE6", "Exposure6", "FamilyNote", "family_notes", "ipv6_exposure"]
