"""IPv6 endpoint pairs for the all-pairs analyses (``matrix``, ``diff``, ``check``).

Why apart from :mod:`~vpcsim.analysis.bulk`: the IPv4 machinery groups ENI addresses into
classes by where they fall among the network's IPv4 boundaries, which IPv6 addresses never
cross. Over IPv6 every pair is walked as ``reach`` walks it
(:func:`~vpcsim.analysis.reach.walk_context`: the engine's walk, :mod:`vpcsim.engine.walk6`
at the edge of the VPC, with its filters recorded), and every internet end is split into the
IPv6 internet's address atoms (:func:`~vpcsim.analysis.reach.universe_contexts`). All contexts
of a question -- of one network, or of both inputs of a ``diff`` -- are then decided over one
IPv6 traffic space (ICMP is ICMPv6 there), so that their atoms compare one to one. No AWS rule
is restated here: the walks and the filter decisions are the engine's.

Classes: as over IPv4 (:mod:`~vpcsim.analysis.bulk`), the engine's walk between two addresses
depends on the ENIs' subnets and states and on where the addresses fall among the network's
IPv6 route, block and special-range boundaries -- not on the security groups, which the skeleton
records and a class mate substitutes (:class:`~vpcsim.analysis.evaluate.Subst`, which picks an
ENI's IPv6 rules for an IPv6 address). So a pair is walked once per class pair, and its class
mates are evaluated on the representative's skeletons with their own ENIs and addresses. Where
paths may cross what the classes do not describe (a transit gateway, a route to an instance,
ENI, endpoint, VPN: an IPv6 route to anything but the local route, gateways, NAT gateways and
peerings), every pair is walked. IPv4-only networks have no IPv6 address and
cost nothing here.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..engine.compiled import Compiled, SgRule, cidr_int, compile_network
from ..engine.flow import LINUX_CLIENT_PORTS
from ..model import Network
from ..model.addressing import AWS_SERVICES6, FULL_MASK, FULL_MASK6, GLOBAL_UNICAST6, NAT64_PREFIX
from .addresses import InternetUniverse, internet_universe
from .atoms import RuleSet, TrafficSpace
from .endpoints import Host
from .evaluate import FilterEvaluator, NeedsTracing, Outcome, Subst, evaluate
from .intervals import Interval
from .naive import naive_outcome
from .reach import Context, universe_contexts, walk_context


def ipv6_hosts(c: Compiled, enis: Iterable[str] | None = None) -> list[Host]:
    """The IPv6 addresses of the network's hosts (or of ``enis``), in ENI then address order:
    NAT gateways' ENIs and the other ENIs AWS manages for a service are no hosts."""
    chosen = sorted(c.enis) if enis is None else sorted(e for e in enis if e in c.enis)
    out: list[Host] = []
    for eni_id in chosen:
        eni = c.enis[eni_id]
        if eni.nat_gateway is not None or eni.managed is not None:
            continue
        out.extend(Host(a, eni_id) for a in sorted(eni.addresses6))
    return out


def has_ipv6_hosts(network: Network) -> bool:
    """Whether any ENI of ``network`` holds an IPv6 address (else the IPv6 half is empty)."""
    return any(e.ipv6_addresses for e in network.network_interfaces.values())


#: Route kinds whose paths the IPv6 classes describe (anything else: every pair is walked).
_PLAIN_ROUTES = frozenset({"local", "igw", "eigw", "nat", "pcx"})


@dataclass(slots=True)
class Pair6:
    """One IPv6 address pair: its class pair's context (the representative's walk) and what turns
    it into this pair's (None: walked for this pair itself)."""

    source: Host
    destination: Host
    ctx: Context
    subst: Subst | None = None


@dataclass(slots=True)
class Side6:
    """One network's IPv6 contexts: address pairs (by class pair) and internet ends."""

    network: Network
    c: Compiled
    universe: InternetUniverse
    bounds: list[int] | None = None
    """Sorted IPv6 boundaries of routes, blocks and special ranges; None: no classes (walk every pair)."""
    _classes: dict[tuple[object, object], tuple[Host, Host, Context]] = field(default_factory=dict)

    @classmethod
    def of(cls, network: Network) -> Side6:
        c = compile_network(network)
        return cls(network, c, internet_universe(c, ipv6=True), _class_bounds(network, c))

    def key(self, host: Host) -> object:
        """The class of an IPv6 address of a host: everything the walk looks at but its groups."""
        eni = self.c.enis[host.eni_id or ""]
        assert self.bounds is not None
        return (
            eni.subnet.subnet_id,
            eni.running,
            eni.source_dest_check,
            eni.filtered,
            bisect_right(self.bounds, host.address),
        )

    def pair(self, a: Host, b: Host) -> Pair6:
        """One IPv6 address pair (``a`` sends): its class pair's walk, walked once."""
        if self.bounds is None:
            return Pair6(a, b, self._walk(a, b))
        key = (self.key(a), self.key(b))
        found = self._classes.get(key)
        if found is None:
            found = self._classes[key] = (a, b, self._walk(a, b))
        rep_a, rep_b, ctx = found
        if (rep_a, rep_b) == (a, b):
            return Pair6(a, b, ctx)
        subst = Subst()
        for rep, member in ((rep_a, a), (rep_b, b)):
            subst.enis[rep.eni_id or ""] = self.c.enis[member.eni_id or ""]
            subst.addresses[rep.address] = member.address
        return Pair6(a, b, ctx, subst)

    def _walk(self, a: Host, b: Host) -> Context:
        return walk_context(
            self.c, a.address, a.eni_id, b.address, ((a.address, a.address),), ((b.address, b.address),)
        )

    def host_rules(self) -> list[SgRule]:
        """Every host ENI's IPv6 security-group rules: class mates judge with their own."""
        out: list[SgRule] = []
        seen: set[int] = set()
        for eni in self.c.enis.values():
            for rules in (eni.ingress6, eni.egress6):
                if id(rules) not in seen:
                    seen.add(id(rules))
                    out.extend(rules)
        return out

    def internet(self, host: Host, *, inbound: bool) -> list[Context]:
        """The contexts between ``host`` and every address atom of the IPv6 internet (``inbound``:
        the internet sends)."""
        contexts, _ = universe_contexts(self.c, self.universe, host, internet_is_source=inbound)
        return contexts


class Space6:
    """One IPv6 traffic space over many contexts (of one or two networks), and their outcomes."""

    def __init__(
        self,
        contexts: Iterable[Context],
        client_ports: Interval = LINUX_CLIENT_PORTS,
        extra: Iterable[SgRule] = (),
    ) -> None:
        """``extra``: rules whose boundaries the atoms must respect besides the paths' (a
        policy's flows)."""
        rules = RuleSet()
        for ctx in contexts:
            ctx.rules(rules)
        rules.add_sg(extra)
        self.space = TrafficSpace(rules, client_ports, ipv6=True)
        self.ev = FilterEvaluator(self.space)

    def pair_outcome(self, network: Network, pair: Pair6) -> Outcome:
        """Every atom of the space for one address pair (its class pair's skeletons, substituted)."""
        if pair.subst is None:
            return self.outcome(network, pair.ctx)
        try:
            return evaluate(self.space, pair.ctx.skeletons, self.ev, pair.subst)
        except NeedsTracing:
            a, b = pair.source, pair.destination
            return naive_outcome(network, self.space, a.address, b.address, a.eni_id)

    def outcome(self, network: Network, ctx: Context) -> Outcome:
        """Every atom of the space for one context, decided with the engine's filters (or, where a
        skeleton cannot be evaluated atom by atom, by tracing each atom)."""
        try:
            return evaluate(self.space, ctx.skeletons, self.ev)
        except NeedsTracing:
            return naive_outcome(network, self.space, ctx.source, ctx.destination, ctx.source_eni)


def _class_bounds(network: Network, c: Compiled) -> list[int] | None:
    """The IPv6 boundaries the walk looks at (route prefixes, VPC and subnet blocks, delegated
    prefixes, the global unicast space, AWS's services, NAT64), or None when a path may cross
    what they do not describe: then every pair is walked."""
    if network.transit_gateways:
        return None
    bounds: set[int] = set()

    def add(net: int, mask: int) -> None:
        bounds.add(net)
        bounds.add(net + ((~mask) & FULL_MASK6) + 1)

    tables = [s.route_table for s in c.subnets.values() if s.route_table is not None]
    tables += [v.edge_route_table for v in c.vpcs.values() if v.edge_route_table is not None]
    for table in tables:
        assert table is not None
        for mask, level in table.levels6:
            for net, route in level.items():
                if route.kind not in _PLAIN_ROUTES:
                    return None
                add(net, mask)
        for (net, _), routes in table.shadowed.items():
            if net > FULL_MASK and any(r.kind not in _PLAIN_ROUTES for r in routes):
                return None
    for vpc in c.vpcs.values():
        for net, mask in vpc.blocks6:
            add(net, mask)
    for subnet in c.subnets.values():
        if subnet.net6 >= 0:
            add(subnet.net6, subnet.mask6)
    for eni in c.enis.values():
        for net, mask in eni.prefixes6:
            add(net, mask)
    for block in (GLOBAL_UNICAST6, AWS_SERVICES6, NAT64_PREFIX):
        net, mask, _ = cidr_int(str(block))
        add(net, mask)
    return sorted(bounds)


__all__ = ["Pair6", "Side6", "Space6", "has_ipv6_hosts", "ipv6_hosts"]
