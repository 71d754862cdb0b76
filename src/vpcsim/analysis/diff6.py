"""``diff`` over IPv6: what a change opens and closes between IPv6 addresses and the IPv6 internet.

Why apart from :mod:`~vpcsim.analysis.diff`: the IPv4 pairs come from the bulk machinery
(address classes, rows of big integers); the IPv6 ones are evaluated pair by pair, walked once
per class pair (:mod:`~vpcsim.analysis.pairs6`). What a pair means is the same: endpoints matched across the
inputs as for IPv4 (by id, Name tag, Terraform address), an ENI's IPv6 addresses paired by value
then by position, every address pair in both directions and every address with the IPv6
internet both ways (an IPv6 address is its own public address: no NAT). Both inputs' contexts
are decided over one IPv6 traffic space, so atoms compare one to one, and the changes are
sorted into the same lists (``newly_allowed``...), whose entries' addresses say the family.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..engine.compiled import ip_int
from ..model import Network
from ..progress import NO_PROGRESS, Progress
from .diff import Endpoint, PairDiff, Slot, State, compare, state_of
from .diff import _Address as Address
from .diff import _internet_diff as internet_diff
from .diff import _Lists as Lists
from .diff import _pair_slots as pair_slots
from .endpoints import Host
from .entries import RenderCache
from .intervals import Interval, IntervalIndex, Intervals, intersect
from .pairs6 import Pair6, Side6, Space6, has_ipv6_hosts
from .reach import Context


def _slots6(network: Network, eni_id: str) -> list[Slot]:
    eni = network.network_interfaces.get(eni_id)
    if eni is None:
        return []
    return [(ip_int(a), ip_int(a)) for a in eni.ipv6_addresses]


@dataclass(slots=True)
class _Net6:
    """One input's IPv6 contexts (walked first), decided once the shared space is built."""

    side: Side6
    pairs: dict[tuple[str, str], Pair6] = field(default_factory=dict)
    internet_contexts: dict[tuple[str, int, bool], list[Context]] = field(default_factory=dict)
    space: Space6 | None = None

    def contexts(self) -> list[Context]:
        out = list({id(p.ctx): p.ctx for p in self.pairs.values()}.values())
        for found in self.internet_contexts.values():
            out.extend(found)
        return out

    def state(self, key: tuple[str, str], full: Intervals) -> State | None:
        pair = self.pairs.get(key)
        if pair is None or self.space is None:
            return None
        return state_of(self.space.pair_outcome(self.side.network, pair), full)

    def internet(self, eni: str, address: int | None, *, inbound: bool) -> list[tuple[Interval, State]]:
        """(internet piece, state) from (``inbound``) or to the IPv6 internet, for one address."""
        if address is None or self.space is None:
            return []
        found = self.internet_contexts.get((eni, address, inbound), [])
        full: Intervals = (self.space.space.client_ports,)
        out: list[tuple[Interval, State]] = []
        for ctx in found:
            piece = ctx.sources if inbound else ctx.destinations
            if piece:
                out.append((piece[0], state_of(self.space.outcome(self.side.network, ctx), full)))
        return sorted(out)


def ipv6_addresses(old: Network, new: Network, endpoints: list[Endpoint]) -> list[Address]:
    """Every endpoint's IPv6 address slots across the inputs (by value, then by position)."""
    out: list[Address] = []
    for ep in endpoints:
        old_slots = _slots6(old, ep.old.eni) if ep.old else []
        new_slots = _slots6(new, ep.new.eni) if ep.new else []
        for k, (a, b) in enumerate(pair_slots(old_slots, new_slots)):
            out.append(Address(ep, f"{ep.key}#v6.{k}", a, b))
    return out


def ipv6_diff(
    old: Network,
    new: Network,
    endpoints: list[Endpoint],
    *,
    client_ports: Interval,
    progress: Progress = NO_PROGRESS,
) -> list[PairDiff]:
    """The IPv6 pairs that changed (none when neither input has an IPv6 address)."""
    if not (has_ipv6_hosts(old) or has_ipv6_hosts(new)):
        return []
    addresses = ipv6_addresses(old, new, endpoints)
    nets = (_Net6(Side6.of(old)), _Net6(Side6.of(new)))
    progress.start("diff over IPv6: walking address pairs", len(addresses))
    for i, net in enumerate(nets):
        hosts: list[tuple[Address, Host, str]] = []
        for a in addresses:
            side, slot = (a.endpoint.old, a.old) if i == 0 else (a.endpoint.new, a.new)
            eni = net.side.c.enis.get(side.eni) if side is not None else None
            if side is None or slot is None or eni is None or eni.nat_gateway is not None or eni.managed:
                continue
            hosts.append((a, Host(slot[0], side.eni), side.label))
        for a, host_a, owner_a in hosts:
            progress.advance()
            for inbound in (True, False):
                net.internet_contexts[(host_a.eni_id or "", host_a.address, inbound)] = net.side.internet(
                    host_a, inbound=inbound
                )
            for b, host_b, owner_b in hosts:
                if owner_a == owner_b or host_a.eni_id == host_b.eni_id:
                    continue  # one instance's ENIs are no pair (as over IPv4)
                net.pairs[(a.label, b.label)] = net.side.pair(host_a, host_b)
    space = Space6(
        [*nets[0].contexts(), *nets[1].contexts()],
        client_ports,
        [*nets[0].side.host_rules(), *nets[1].side.host_rules()],
    )
    for net in nets:
        net.space = space
    render = RenderCache()
    full: Intervals = (client_ports,)
    by_label = {a.label: a for a in addresses}
    pairs: list[PairDiff] = []
    nothing = State({})
    for key in sorted(set(nets[0].pairs) | set(nets[1].pairs)):
        before = nets[0].state(key, full) or nothing
        after = nets[1].state(key, full) or nothing
        if before == after:
            continue
        change = compare(before, after)
        if not change:
            continue
        a, b = by_label[key[0]], by_label[key[1]]
        lists = Lists(space.space, render)
        lists.add(change, full, _ends(a, b, new=True), _ends(a, b, new=False))
        pd = lists.pair((a.endpoint.label, b.endpoint.label, a.endpoint.eni, b.endpoint.eni), None, None)
        if pd is not None:
            pairs.append(replace(pd, family="ipv6"))
    common = IntervalIndex(intersect(nets[0].side.universe.intervals, nets[1].side.universe.intervals))
    universe = nets[1].side.universe.index
    for a in addresses:
        for inbound in (True, False):
            pd = internet_diff(space.space, render, common, universe, a, nets, inbound)
            if pd is not None:
                pairs.append(replace(pd, family="ipv6"))
    return pairs


def _ends(a: Address, b: Address, *, new: bool) -> tuple[Intervals, Intervals]:
    """The two addresses of a pair in one input (the other input's when it has none)."""
    sa, sb = (a.new, b.new) if new else (a.old, b.old)
    sa, sb = sa or (a.old if new else a.new), sb or (b.old if new else b.new)
    return ((sa[0], sa[0]),) if sa else (), ((sb[0], sb[0]),) if sb else ()


__all__ = ["ipv6_addresses", "ipv6_diff"]
