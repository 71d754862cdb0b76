"""The internet as a set of addresses, and its partition into address atoms along a path.

Why: "what can the internet send this instance?" ranges over four billion sources. Every rule
and route that looks at an internet address (security-group and ACL CIDRs, prefix lists, route
prefixes, VPC blocks) is constant between consecutive boundaries, so the internet splits into a
few address atoms and the engine walks one representative address of each.

The internet universe is every internet-routable address (``is_internet_routable``) except the
network's own public addresses: those are not outside hosts (a flow from one is NAT reflection
between two of the network's instances). Address sets on the internet side are printed as the
fewest CIDR blocks that cover them *within this universe*: ``0.0.0.0/0`` means "every internet
address".
"""

from __future__ import annotations

import weakref
from bisect import bisect_right
from collections.abc import Iterable
from typing import cast

from ..engine.compiled import (
    AclEntry,
    Compiled,
    CompiledRouteTable,
    SgRule,
    cidr_int,
)
from ..engine.elb_compiled import rule_source_blocks
from ..model import Network
from ..model.addressing import FULL_MASK6, GLOBAL_UNICAST6, NOT_INTERNET_BLOCKS, V6_FLAG
from .intervals import ADDRESS_SPACE, IntervalIndex, Intervals, from_points, normalize, subtract
from .skeleton import Skeleton

_SPACE_END = 2**32


class InternetUniverse:
    """The internet addresses of one compiled network, with the boundaries every path shares.

    Boundaries are kept as *cut points inside the universe*: a CIDR cuts the universe where its
    first and last internet address lie, so that CIDRs of private ranges (most rules' CIDRs)
    cut nothing and the internet splits into few atoms.
    """

    def __init__(self, compiled: Compiled, also_public: Iterable[int] = (), *, ipv6: bool = False) -> None:
        """``also_public``: public addresses of the estate beyond ``compiled`` (a shard of it,
        :mod:`vpcsim.analysis.shards`), which are not the internet either. ``ipv6``: the IPv6
        internet (:func:`_ipv6_universe`)."""
        self.ipv6 = ipv6
        self._host_mask = FULL_MASK6 if ipv6 else 0xFFFFFFFF
        self._rule_points: dict[int, frozenset[int]] = {}
        self._table_points: dict[str, frozenset[int]] = {}
        if ipv6:
            _ipv6_universe(self, compiled)
            return
        blocked = [(net, net + ((~mask) & 0xFFFFFFFF)) for net, mask, _ in NOT_INTERNET_BLOCKS]
        own = from_points({*compiled.public, *also_public})
        self.intervals: Intervals = subtract(ADDRESS_SPACE, normalize([*blocked, *own]))
        self.index = IntervalIndex(self.intervals)
        cidrs: set[tuple[int, int]] = set()
        for vpc in compiled.vpcs.values():
            for net, mask in vpc.blocks:
                cidrs.add((net, mask))
        for pcx in compiled.network.vpc_peering_connections.values():
            for side in (pcx.requester, pcx.accepter):
                for block in side.cidr_blocks:
                    if ":" not in block:
                        net, mask, _ = cidr_int(block)
                        cidrs.add((net, mask))
        for subnet in compiled.subnets.values():
            cidrs.add((subnet.net, subnet.mask))
        # Private addresses that are also internet addresses (a VPC with a public-range block):
        # owner lookups by address tell them apart.
        self.routable_private = frozenset(
            ip for table in compiled.private.values() for ip in table if ip in self.index
        )
        for ip in self.routable_private:
            cidrs.add((ip, 0xFFFFFFFF))
        # Listener rules' source-ip blocks: a rule's targets differ on either side.
        cidrs.update(rule_source_blocks(compiled.network))
        self.shared_cidrs = frozenset(cidrs)
        """(network, mask) of every block any walk may test an address against."""
        points: set[int] = set()
        for net, mask in cidrs:
            self.cut(net, mask, points)
        self.shared_points = frozenset(points)

    def __contains__(self, ip: int) -> bool:
        return ip in self.index

    def cut(self, net: int, mask: int, points: set[int]) -> None:
        """Add the cut points of one CIDR: where its first and last internet address lie."""
        hi = net + ((~mask) & self._host_mask)
        first = self.index.first_in(net, hi)
        if first is None:
            return
        last = self.index.last_in(net, hi)
        assert last is not None
        points.add(first)
        points.add(last + 1)

    def rule_points(self, rules: list[SgRule] | list[AclEntry], kind: str) -> frozenset[int]:
        cached = self._rule_points.get(id(rules))
        if cached is None:
            points: set[int] = set()
            if kind == "acl":
                for entry in cast(list[AclEntry], rules):
                    self.cut(entry.net, entry.mask, points)
            else:
                # What a peer covers (filters.peer_matches): its blocks, and its members.
                for rule in cast(list[SgRule], rules):
                    for net, mask in rule.blocks:
                        self.cut(net, mask, points)
                    for ip in self.routable_private & rule.members:
                        points.add(ip)
                        points.add(ip + 1)
            cached = self._rule_points[id(rules)] = frozenset(points)
        return cached

    def table_points(self, table: CompiledRouteTable) -> frozenset[int]:
        cached = self._table_points.get(table.route_table_id)
        if cached is None:
            points: set[int] = set()
            for mask, level in table.levels6 if self.ipv6 else table.levels:
                for net in level:
                    self.cut(net, mask, points)
            cached = self._table_points[table.route_table_id] = frozenset(points)
        return cached


_UNIVERSES: weakref.WeakKeyDictionary[Network, tuple[Compiled, InternetUniverse]] = (
    weakref.WeakKeyDictionary()
)
_UNIVERSES6: weakref.WeakKeyDictionary[Network, tuple[Compiled, InternetUniverse]] = (
    weakref.WeakKeyDictionary()
)


def internet_universe(compiled: Compiled, *, ipv6: bool = False) -> InternetUniverse:
    """The universe of a compiled network, built once per compiled version (``ipv6``: the IPv6
    internet's)."""
    cache = _UNIVERSES6 if ipv6 else _UNIVERSES
    cached = cache.get(compiled.network)
    if cached is not None:
        built_for, universe = cached
        if built_for is compiled:
            return universe
    universe = InternetUniverse(compiled, ipv6=ipv6)
    cache[compiled.network] = (compiled, universe)
    return universe


_GLOBAL6 = (
    int(GLOBAL_UNICAST6.network_address) | V6_FLAG,
    int(GLOBAL_UNICAST6.broadcast_address) | V6_FLAG,
)


def _ipv6_universe(universe: InternetUniverse, compiled: Compiled) -> None:
    """The IPv6 internet: the global unicast space 2000::/3, less the network's VPCs' IPv6
    blocks (allocated to the VPC: no outside host holds an address in them, and every ENI's IPv6
    address -- what the internet sees -- lies in one) and any other address an ENI holds. Cut at
    every IPv6 block a walk may test an address against."""
    own = [(net, net | (~mask & FULL_MASK6)) for vpc in compiled.vpcs.values() for net, mask in vpc.blocks6]
    universe.intervals = subtract((_GLOBAL6,), normalize([*own, *from_points(compiled.global6)]))
    universe.index = IntervalIndex(universe.intervals)
    universe.routable_private = frozenset()
    cidrs: set[tuple[int, int]] = set()
    for vpc in compiled.vpcs.values():
        cidrs.update(vpc.blocks6)
    for pcx in compiled.network.vpc_peering_connections.values():
        for side in (pcx.requester, pcx.accepter):
            for block in side.cidr_blocks:
                if ":" in block:
                    net, mask, _ = cidr_int(block)
                    cidrs.add((net, mask))
    for subnet in compiled.subnets.values():
        if subnet.net6 >= 0:
            cidrs.add((subnet.net6, subnet.mask6))
    cidrs.update(rule_source_blocks(compiled.network, ipv6=True))
    universe.shared_cidrs = frozenset(cidrs)
    points: set[int] = set()
    for net, mask in cidrs:
        universe.cut(net, mask, points)
    universe.shared_points = frozenset(points)


def _add_cidr(bounds: set[int], net: int, mask: int) -> None:
    bounds.add(net)
    bounds.add(net + ((~mask) & 0xFFFFFFFF) + 1)


def route_table_bounds(table: CompiledRouteTable, bounds: set[int]) -> None:
    for mask, level in table.levels:
        for net in level:
            _add_cidr(bounds, net, mask)


def skeleton_bounds(
    sk: Skeleton,
    universe: InternetUniverse,
    points: set[int],
    *,
    skip_groups_of: str | None = None,
    filters: bool = True,
) -> None:
    """Every cut of the internet that the path of ``sk`` looks at (routes, blocks, rules) --
    but the security groups of ENI ``skip_groups_of``, when given (a class mate has its own);
    ``filters=False``: the cuts of the walk itself only (routes and blocks), not its filters'."""
    for table in sk.route_tables:
        points |= universe.table_points(table)
    for subnet in sk.subnets:
        if universe.ipv6:
            if subnet.net6 >= 0:
                universe.cut(subnet.net6, subnet.mask6, points)
        else:
            universe.cut(subnet.net, subnet.mask, points)
    if not filters:
        return
    for call in sk.filters:
        if call.kind == "sg" and call.owner == skip_groups_of:
            continue
        points |= universe.rule_points(call.rules, call.kind)


class AddressAtom:
    """A piece of the universe between two boundaries, and the address the engine walks."""

    __slots__ = ("hi", "lo", "representative")

    def __init__(self, lo: int, hi: int, representative: int) -> None:
        self.lo, self.hi, self.representative = lo, hi, representative

    def intervals(self, universe: InternetUniverse) -> Intervals:
        """The atom's addresses (inside the universe)."""
        los = universe.index.los
        start = max(0, bisect_right(los, self.lo) - 1)
        out = []
        for lo, hi in universe.intervals[start:]:
            if lo > self.hi:
                break
            a, b = max(lo, self.lo), min(hi, self.hi)
            if a <= b:
                out.append((a, b))
        return tuple(out)


def partition(universe: InternetUniverse, bounds: Iterable[int]) -> list[AddressAtom]:
    """Split the universe at cut points; pieces holding no internet address are dropped."""
    lo, end_of_space = (V6_FLAG, V6_FLAG + FULL_MASK6 + 1) if universe.ipv6 else (0, _SPACE_END)
    points = sorted({b for b in bounds if lo < b < end_of_space})
    atoms: list[AddressAtom] = []
    start = lo
    for end in [*points, end_of_space]:
        rep = universe.index.first_in(start, end - 1)
        if rep is not None:
            atoms.append(AddressAtom(start, end - 1, rep))
        start = end
    return atoms
