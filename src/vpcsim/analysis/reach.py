"""``reach``: every flow that one endpoint can send another, exactly, as compact ranges.

How (``docs/symbolic.md``): for each address pair the engine walks once per walk class and
records the filters met (:mod:`~vpcsim.analysis.skeleton`); the rules of those filters partition
the traffic into atoms (:mod:`~vpcsim.analysis.atoms`); every atom is decided with the engine's
rule functions (:mod:`~vpcsim.analysis.evaluate`) and the atoms are merged back into entries
(:mod:`~vpcsim.analysis.entries`). An internet end is split into address atoms first
(:mod:`~vpcsim.analysis.addresses`), refined until every path's rules and routes are constant
on each atom.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.compiled import Compiled, compile_network, ip_str
from ..engine.flow import LINUX_CLIENT_PORTS, Flow
from ..model import Network
from ..model.addressing import FULL_MASK
from .addresses import InternetUniverse, internet_universe, partition, skeleton_bounds
from .atoms import WALK_CLASSES, RuleSet, TrafficSpace
from .endpoints import Host, Side, resolve_destination, resolve_source
from .entries import Entry, EntryBuilder, in_cidrs
from .evaluate import FilterEvaluator, NeedsTracing, Outcome, evaluate
from .intervals import Interval, IntervalIndex, Intervals
from .naive import naive_outcome
from .skeleton import Skeleton, skeleton

SCHEMA_VERSION = 1


@dataclass(slots=True)
class Context:
    """One address pair (or an internet address atom and a host) and its skeletons."""

    source: int
    source_eni: str | None
    destination: int
    sources: Intervals
    """What the context stands for on the source side (one address, or an address atom)."""
    destinations: Intervals
    skeletons: dict[str, Skeleton] = field(default_factory=dict)

    def rules(self, into: RuleSet) -> None:
        for sk in self.skeletons.values():
            if sk.service:
                into.add_service_ports(sk.service_ports)
            for call in sk.filters:
                if call.kind == "sg":
                    into.add_sg(call.rules)  # type: ignore[arg-type]
                else:
                    into.add_acl(call.rules)  # type: ignore[arg-type]


def walk_context(
    compiled: Compiled,
    source: int,
    source_eni: str | None,
    destination: int,
    sources: Intervals,
    destinations: Intervals,
    *,
    hops: bool = False,
) -> Context:
    ctx = Context(source, source_eni, destination, sources, destinations)
    src, dst = ip_str(source), ip_str(destination)
    for walk in WALK_CLASSES:
        ctx.skeletons[walk] = skeleton(compiled, walk, src, dst, source_eni, hops=hops)
    return ctx


def universe_contexts(
    compiled: Compiled,
    universe: InternetUniverse,
    host: Host,
    *,
    internet_is_source: bool,
    walks_only: bool = False,
) -> tuple[list[Context], set[int]]:
    """Contexts between ``host`` and every address atom of the internet, refined to a fixpoint:
    the atoms are cut at every boundary of every path walked, until no walk adds one. Returns
    the contexts and the boundaries of the final partition.

    ``walks_only``: the contexts are cut only where the walk itself changes (routes and blocks:
    the walk records filters, it never applies them, so a filter's CIDR never changes the path
    or the filters met), and the returned boundaries add every filter's cuts to theirs. Fewer
    walks, and class mates' atoms share a context's skeletons; the caller then cuts each atom
    by the filters itself (:meth:`vpcsim.analysis.bulk.Bulk.internet`)."""
    bounds: set[int] = set(universe.shared_points)
    cache: dict[tuple[int, int], Context] = {}
    point: Intervals = ((host.address, host.address),)
    while True:
        atoms = partition(universe, bounds)
        found: set[int] = set()
        contexts = []
        for atom in atoms:
            key = (atom.lo, atom.hi)
            ctx = cache.get(key)
            if ctx is None:
                span: Intervals = ((atom.lo, atom.hi),)
                if internet_is_source:
                    ctx = walk_context(
                        compiled, atom.representative, None, host.address, span, point, hops=True
                    )
                else:
                    ctx = walk_context(
                        compiled, host.address, host.eni_id, atom.representative, point, span, hops=True
                    )
                cache[key] = ctx
                for sk in ctx.skeletons.values():
                    skeleton_bounds(sk, universe, found, filters=not walks_only)
            contexts.append(ctx)
        if found <= bounds:
            if walks_only:
                cuts = set(bounds)
                for ctx in contexts:
                    for sk in ctx.skeletons.values():
                        skeleton_bounds(sk, universe, cuts)
                return contexts, cuts
            return contexts, bounds
        bounds |= found


@dataclass(frozen=True, slots=True)
class ReachResult:
    source: str
    destination: str
    allowed: tuple[Entry, ...]
    one_way: tuple[Entry, ...]
    partial: tuple[Entry, ...]
    unknown: tuple[Entry, ...]
    client_ports: Interval = LINUX_CLIENT_PORTS
    notes: tuple[str, ...] = ()
    """Why an end stands for no address at all (an instance without a public IPv4 seen from the
    internet), for people; not part of the JSON contract."""

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": SCHEMA_VERSION,
            "from": self.source,
            "to": self.destination,
            "client_ports": list(self.client_ports),
            "allowed": [e.to_dict() for e in self.allowed],
            "one_way": [e.to_dict() for e in self.one_way],
            "partial": [e.to_dict() for e in self.partial],
            "unknown": [e.to_dict() for e in self.unknown],
        }

    @property
    def empty(self) -> bool:
        return not (self.allowed or self.one_way or self.partial or self.unknown)

    def classify(self, flow: Flow) -> tuple[str, Entry] | None:
        """Which list holds a concrete flow's protocol, port or ICMP type, source and destination:
        (``allowed`` | ``partial`` | ``one_way`` | ``unknown``, the entry), or None when the
        request is blocked. A ``partial`` entry's ``source_ports`` say which client ports work."""
        src, dst = _addr(flow.source), _addr(flow.destination)
        for name, entries in (
            ("allowed", self.allowed),
            ("partial", self.partial),
            ("one_way", self.one_way),
            ("unknown", self.unknown),
        ):
            for entry in entries:
                if _matches(entry, flow, src, dst):
                    return name, entry
        return None

    def permits(self, flow: Flow) -> bool:
        """Whether the flow works both ways for every one of its source ports (a protocol
        without ports has none to check: ``make_flow`` refuses client ports for it)."""
        lo_c, hi_c = self.client_ports
        if flow.has_ports and not all(lo_c <= lo and hi <= hi_c for lo, hi in flow.source_ports):
            raise ValueError(
                f"the flow's source ports are outside the client ports {lo_c}-{hi_c} of this result"
            )
        found = self.classify(flow)
        if found is None:
            return False
        name, entry = found
        if name == "allowed":
            return True
        if name == "partial" and entry.source_ports is not None:
            return all(
                any(a <= lo and hi <= b for a, b in entry.source_ports) for lo, hi in flow.source_ports
            )
        return False


def _addr(text: str) -> int:
    from ..engine.compiled import ip_int

    return ip_int(text)


def _matches(entry: Entry, flow: Flow, src: int, dst: int) -> bool:
    return (
        entry.traffic.contains(flow.protocol, flow.destination_port, flow.icmp_type, flow.icmp_code)
        and in_cidrs(src, entry.sources)
        and in_cidrs(dst, entry.destinations)
    )


def contexts_for(compiled: Compiled, src: Side, dst: Side) -> list[Context]:
    """The contexts between two sides; a pair is of one address family (an IPv6 host meets the
    IPv6 internet, and IPv6 hosts)."""
    contexts: list[Context] = []
    if src.internet:
        for host in dst.hosts:
            universe = internet_universe(compiled, ipv6=host.address > FULL_MASK)
            found, _ = universe_contexts(compiled, universe, host, internet_is_source=True)
            contexts.extend(found)
    elif dst.internet:
        for host in src.hosts:
            universe = internet_universe(compiled, ipv6=host.address > FULL_MASK)
            found, _ = universe_contexts(compiled, universe, host, internet_is_source=False)
            contexts.extend(found)
    else:
        for s in src.hosts:
            for d in dst.hosts:
                if (s.address > FULL_MASK) != (d.address > FULL_MASK):
                    continue
                contexts.append(
                    walk_context(
                        compiled,
                        s.address,
                        s.eni_id,
                        d.address,
                        ((s.address, s.address),),
                        ((d.address, d.address),),
                    )
                )
    return contexts


def outcomes(
    network: Network,
    contexts: list[Context],
    client_ports: Interval,
    *,
    naive: bool = False,
    ipv6: bool = False,
) -> tuple[TrafficSpace, list[Outcome]]:
    """Every context's outcome over one traffic space (``ipv6``: contexts of IPv6 addresses)."""
    rules = RuleSet()
    for ctx in contexts:
        ctx.rules(rules)
    space = TrafficSpace(rules, client_ports, ipv6=ipv6)
    ev = FilterEvaluator(space)
    results = []
    for ctx in contexts:
        if naive:
            results.append(naive_outcome(network, space, ctx.source, ctx.destination, ctx.source_eni))
            continue
        try:
            results.append(evaluate(space, ctx.skeletons, ev))
        except NeedsTracing:
            results.append(naive_outcome(network, space, ctx.source, ctx.destination, ctx.source_eni))
    return space, results


def add_outcome(
    builders: dict[str, EntryBuilder], out: Outcome, sources: Intervals, destinations: Intervals
) -> None:
    """Add one pair's outcome to the four lists' builders."""
    builders["allowed"].add(out.allowed, sources, destinations)
    builders["one_way"].add(out.one_way, sources, destinations)
    builders["unknown"].add(out.unknown, sources, destinations)
    by_ports: dict[Intervals, int] = {}
    for index, ports in out.partial.items():
        by_ports[ports] = by_ports.get(ports, 0) | (1 << index)
    for ports, bits in by_ports.items():
        builders["partial"].add(bits, sources, destinations, ports)


def build_result(
    source: str,
    destination: str,
    space: TrafficSpace,
    contexts: list[Context],
    results: list[Outcome],
    *,
    source_universe: IntervalIndex | None,
    destination_universe: IntervalIndex | None,
    client_ports: Interval,
    notes: tuple[str, ...] = (),
) -> ReachResult:
    builders = {name: EntryBuilder(space) for name in ("allowed", "one_way", "partial", "unknown")}
    for ctx, out in zip(contexts, results, strict=True):
        add_outcome(builders, out, ctx.sources, ctx.destinations)
    built = {name: b.build(source_universe, destination_universe) for name, b in builders.items()}
    return ReachResult(
        source,
        destination,
        tuple(built["allowed"]),
        tuple(built["one_way"]),
        tuple(built["partial"]),
        tuple(built["unknown"]),
        client_ports,
        notes,
    )


def reach(
    network: Network,
    source: str,
    destination: str,
    *,
    client_ports: Interval = LINUX_CLIENT_PORTS,
    naive: bool = False,
) -> ReachResult:
    """Every flow ``source`` can send ``destination``, sorted into allowed / one_way / partial /
    unknown (``docs/json.md``). ``naive`` traces every atom instead of evaluating skeletons."""
    src = resolve_source(network, source)
    dst = resolve_destination(network, destination, from_internet=src.on_internet)
    compiled = compile_network(network)
    contexts = contexts_for(compiled, src, dst)
    notes: tuple[str, ...] = ()
    if src.on_internet and not dst.hosts:
        notes = (f"{dst.label} has no public IPv4 address: the internet cannot address it",)
    # One traffic space per address family (ICMP is ICMPv6 over IPv6); IPv4 first.
    four = [c for c in contexts if c.destination <= FULL_MASK]
    six = [c for c in contexts if c.destination > FULL_MASK]
    parts = []
    for ipv6, group in ((False, four), (True, six)):
        if ipv6 and not group:
            continue
        space, results = outcomes(network, group, client_ports, naive=naive, ipv6=ipv6)
        universe = internet_universe(compiled, ipv6=ipv6).index
        parts.append(
            build_result(
                src.label,
                dst.label,
                space,
                group,
                results,
                source_universe=universe if src.internet else None,
                destination_universe=universe if dst.internet else None,
                client_ports=client_ports,
                notes=notes,
            )
        )
    if len(parts) == 1:
        return parts[0]
    first, second = parts
    return ReachResult(
        first.source,
        first.destination,
        first.allowed + second.allowed,
        first.one_way + second.one_way,
        first.partial + second.partial,
        first.unknown + second.unknown,
        client_ports,
        notes,
    )
