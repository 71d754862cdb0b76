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

Cost: one walk per IPv6 address pair (per walk class). IPv4-only networks have no IPv6 address
and cost nothing here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..engine.compiled import Compiled, SgRule, compile_network
from ..engine.flow import LINUX_CLIENT_PORTS
from ..model import Network
from .addresses import InternetUniverse, internet_universe
from .atoms import RuleSet, TrafficSpace
from .endpoints import Host
from .evaluate import FilterEvaluator, NeedsTracing, Outcome, evaluate
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


@dataclass(slots=True)
class Side6:
    """One network's IPv6 contexts: address pairs and internet ends."""

    network: Network
    c: Compiled
    universe: InternetUniverse

    @classmethod
    def of(cls, network: Network) -> Side6:
        c = compile_network(network)
        return cls(network, c, internet_universe(c, ipv6=True))

    def pair(self, a: Host, b: Host) -> Context:
        """The context of one IPv6 address pair (``a`` sends)."""
        return walk_context(
            self.c, a.address, a.eni_id, b.address, ((a.address, a.address),), ((b.address, b.address),)
        )

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

    def outcome(self, network: Network, ctx: Context) -> Outcome:
        """Every atom of the space for one context, decided with the engine's filters (or, where a
        skeleton cannot be evaluated atom by atom, by tracing each atom)."""
        try:
            return evaluate(self.space, ctx.skeletons, self.ev)
        except NeedsTracing:
            return naive_outcome(network, self.space, ctx.source, ctx.destination, ctx.source_eni)


__all__ = ["Side6", "Space6", "has_ipv6_hosts", "ipv6_hosts"]
