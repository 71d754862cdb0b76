"""Path skeletons: the reference engine's walk with the packet filters recorded instead of applied.

How: the engine's :class:`~vpcsim.engine.walk.Walk` is run with :class:`SkeletonHooks`, which
implement the walk's hook interface (:mod:`vpcsim.engine.hooks`): ``on_security_groups`` and
``on_network_acl`` record the filter instead of applying it, ``on_route``, ``on_service``,
``on_reply`` and ``on_hop`` note what the path looks like. Nothing of the walk is overridden.

Why: the engine's walk (routing, NAT, peering, internet gateways, return paths, every dead end)
is the one truth for semantics, and the analyses must not re-implement it. What varies from one
flow to the next between two fixed addresses is only which filters (security groups, network
ACLs) let the packet through: the path itself depends on the addresses and on the protocol's
walk class (:data:`vpcsim.analysis.atoms.WALK_CLASSES`), never on ports or ICMP codes. So for
one address pair and one walk class the engine walks once, with a marker flow, and records:

* every filter the packet meets, with the remote address it is judged against and which field
  of the flow lands in the destination port the filter matches (the request's port, the client's
  port on a reply, or a constant such as a NAT gateway's 1024-65535);
* every other blocker (no route, a blackhole, a stopped instance...): these do not depend on
  ports, so they hold for every flow of the class;
* the route tables and subnets visited, whose prefixes partition the address dimension.

The atoms then only evaluate filters, with the engine's own ``sg_decide``/``acl_decide``.
A destination that is a VPC service (DNS resolver, metadata...) answers on fixed ports, which the
walk checks itself: such skeletons are marked ``service``, carry the ports the engine says the
service answers on (atom boundaries: a port the service answers on never shares an atom with one
it does not). A reply through a middlebox ENI the request never passed is judged there as new
traffic, port by port: such skeletons are marked ``service`` too (``untracked_reply``). The
analyses trace every atom of a ``service`` skeleton, but for an untracked reply, which the
middlebox's groups judge like a return-path ACL (:mod:`vpcsim.analysis.evaluate`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine import codes as C
from ..engine.compiled import AclEntry, Compiled, CompiledEni, CompiledRouteTable, CompiledSubnet, SgRule
from ..engine.filters import Packet, acl_entries, sg_rules
from ..engine.flow import ICMP, ICMPV6, TCP, UDP, Flow, PortRanges
from ..engine.result import Blocker, Direction, PathName
from ..engine.walk import Walk
from .atoms import (
    WALK_ECHO,
    WALK_ICMP_ERROR,
    WALK_ICMP_NO_REPLY,
    WALK_ICMP_REQUEST,
    WALK_OTHER,
    WALK_TCP,
    WALK_UDP,
)

#: Marker ports of the probe flow: a filter whose destination port is one of them sees the
#: request's destination port or the client's source port.
MARK_DPORT, MARK_SPORT = 1, 2

ROLE_DPORT, ROLE_SPORT, ROLE_CONST = "dport", "sport", "const"

#: The representative flow of each walk class: (protocol, ICMP type).
WALK_PROBES: dict[str, tuple[int, int | None]] = {
    WALK_TCP: (TCP, None),
    WALK_UDP: (UDP, None),
    WALK_ECHO: (ICMP, 8),
    WALK_ICMP_REQUEST: (ICMP, 13),
    WALK_ICMP_ERROR: (ICMP, 3),
    WALK_ICMP_NO_REPLY: (ICMP, 0),
    WALK_OTHER: (47, None),
}
#: The same over IPv6, whose ICMP is ICMPv6 (no request but echo gets a reply: the request
#: class walks an echo too, and has no atom).
WALK_PROBES6: dict[str, tuple[int, int | None]] = {
    WALK_TCP: (TCP, None),
    WALK_UDP: (UDP, None),
    WALK_ECHO: (ICMPV6, 128),
    WALK_ICMP_REQUEST: (ICMPV6, 128),
    WALK_ICMP_ERROR: (ICMPV6, 1),
    WALK_ICMP_NO_REPLY: (ICMPV6, 129),
    WALK_OTHER: (47, None),
}


@dataclass(frozen=True, slots=True)
class FilterCall:
    """One filter the packet meets on the walk."""

    kind: str
    """``sg`` or ``acl``."""
    rules: list[SgRule] | list[AclEntry]
    component: str
    """The ENI (security groups) or network ACL id."""
    owner: str
    """The ENI (security groups) or the subnet (network ACL) the filter sits on."""
    direction: Direction
    path: PathName
    remote: int
    role: str
    """Which flow field is the destination port the filter sees (tcp/udp)."""
    const_ports: PortRanges
    group_ids: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[object, ...]:
        return (
            self.kind,
            id(self.rules),
            self.direction,
            self.path,
            self.remote,
            self.role,
            self.const_ports,
        )


@dataclass(slots=True)
class Skeleton:
    """The walk of one address pair for one walk class."""

    walk: str
    filters: list[FilterCall] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)
    """Blockers other than filters: they hold for every flow of the class."""
    service: bool = False
    """Every atom must be traced by the engine: the destination is a VPC service (fixed ports),
    or a reply crosses a middlebox the request never passed (new traffic there)."""
    service_ports: frozenset[tuple[int, int]] = frozenset()
    """(protocol, port) pairs the VPC service at the destination answers on (``service`` only)."""
    vpc_service: bool = False
    """The destination is a VPC service (``service`` for that reason)."""
    untracked_reply: bool = False
    """A reply crosses a middlebox the request never passed (``service`` for that reason)."""
    load_balancer: bool = False
    """The destination is a load balancer's node: its legs to the targets are walked by the
    engine (per atom) and meet filters this skeleton does not list."""
    delivered: bool = False
    """The request reached its destination (blockers aside)."""
    has_reply: bool = False
    """The walk went on to a reply path (ICMP types without replies have none)."""
    route_tables: list[CompiledRouteTable] = field(default_factory=list)
    subnets: list[CompiledSubnet] = field(default_factory=list)
    hops: list[tuple[PathName, str, str]] = field(default_factory=list)
    """(path, component, type) of every hop, in order (when asked for)."""

    forward_blocked: bool = False
    forward_unknown: bool = False
    return_blocked: bool = False
    return_unknown: bool = False

    def settle(self) -> None:
        """Sort the blockers (after the walk): real ones block, unknown ones make it unknown."""
        for b in self.blockers:
            unknown = b.code in C.UNKNOWN_CODES
            if b.path == "forward":
                if unknown:
                    self.forward_unknown = True
                else:
                    self.forward_blocked = True
            elif unknown:
                self.return_unknown = True
            else:
                self.return_blocked = True


def _role(ports: PortRanges) -> tuple[str, PortRanges]:
    if ports == ((MARK_DPORT, MARK_DPORT),):
        return ROLE_DPORT, ()
    if ports == ((MARK_SPORT, MARK_SPORT),):
        return ROLE_SPORT, ()
    return ROLE_CONST, ports


class SkeletonHooks:
    """The walk's hooks (:class:`vpcsim.engine.hooks.WalkHooks`) that build a :class:`Skeleton`:
    filters are recorded and let through; everything else is the engine's own walk."""

    def __init__(self, walk: str, *, hops: bool = False) -> None:
        self.skeleton = Skeleton(walk)
        self.keep_hops = hops

    def on_hop(self, walk: Walk, component: str, kind: str) -> None:
        if self.keep_hops:
            hops = self.skeleton.hops
            path = walk.recorder.path
            if hops:
                last_path, last_component, _ = hops[-1]
                if last_component == component and last_path == path:
                    return
            hops.append((path, component, kind))

    def on_security_groups(
        self, walk: Walk, eni: CompiledEni, pkt: Packet, *, egress: bool, reply: bool, tracked: bool
    ) -> None:
        if reply:
            if not tracked:
                # A reply through a middlebox the request never passed is new traffic there,
                # judged port by port: the engine's own walk decides (per-atom tracing), over
                # client-port atoms that respect the middlebox's rules.
                self.skeleton.service = True
                self.skeleton.untracked_reply = True
                self._record_sg(walk, eni, pkt, egress=egress)
            return  # connection tracking: replies pass, as in the engine
        self._record_sg(walk, eni, pkt, egress=egress)

    def _record_sg(self, walk: Walk, eni: CompiledEni, pkt: Packet, *, egress: bool) -> None:
        role, const = _role(pkt.dports) if pkt.has_ports else (ROLE_CONST, ())
        self.skeleton.filters.append(
            FilterCall(
                "sg",
                sg_rules(eni, pkt, egress=egress),
                eni.eni_id,
                eni.eni_id,
                "outbound" if egress else "inbound",
                walk.recorder.path,
                pkt.dst if egress else pkt.src,
                role,
                const,
                eni.group_ids,
            )
        )

    def on_network_acl(self, walk: Walk, subnet: CompiledSubnet, pkt: Packet, *, inbound: bool) -> None:
        acl = subnet.acl
        assert acl is not None
        role, const = _role(pkt.dports) if pkt.has_ports else (ROLE_CONST, ())
        self.skeleton.subnets.append(subnet)
        self.skeleton.filters.append(
            FilterCall(
                "acl",
                acl_entries(acl, pkt, inbound=inbound),
                acl.acl_id,
                subnet.subnet_id,
                "inbound" if inbound else "outbound",
                walk.recorder.path,
                pkt.src if inbound else pkt.dst,
                role,
                const,
            )
        )

    def on_route(self, walk: Walk, subnet: CompiledSubnet, pkt: Packet) -> None:
        if subnet.route_table is not None:
            self.skeleton.route_tables.append(subnet.route_table)
        self.skeleton.subnets.append(subnet)

    def on_transit_route_table(self, walk: Walk, table: CompiledRouteTable) -> None:
        """A transit gateway route table routed the packet (:mod:`vpcsim.engine.transit`): its
        prefixes cut the address space as a VPC route table's do."""
        self.skeleton.route_tables.append(table)

    def on_service(self, walk: Walk, eni: CompiledEni, name: str, ports: frozenset[tuple[int, int]]) -> None:
        self.skeleton.service = True
        self.skeleton.vpc_service = True
        self.skeleton.service_ports = ports
        if eni.managed is not None and eni.managed[0] == "load balancer":
            self.skeleton.load_balancer = True

    def on_reply(self, walk: Walk, request: Packet, reply: Packet | None) -> None:
        self.skeleton.delivered = True
        self.skeleton.has_reply = reply is not None


def probe_flow(
    walk: str, source: str, destination: str, source_eni: str | None, *, icmp_code: int = 0
) -> Flow:
    proto, icmp_type = (WALK_PROBES6 if ":" in destination else WALK_PROBES)[walk]
    if proto in (TCP, UDP):
        return Flow(
            protocol=proto,
            source=source,
            destination=destination,
            destination_port=MARK_DPORT,
            source_ports=((MARK_SPORT, MARK_SPORT),),
            source_eni=source_eni,
        )
    if proto in (ICMP, ICMPV6):
        return Flow(
            protocol=proto,
            source=source,
            destination=destination,
            icmp_type=icmp_type,
            icmp_code=icmp_code,
            source_eni=source_eni,
        )
    return Flow(protocol=proto, source=source, destination=destination, source_eni=source_eni)


def skeleton(
    compiled: Compiled,
    walk: str,
    source: str,
    destination: str,
    source_eni: str | None,
    *,
    hops: bool = False,
) -> Skeleton:
    """Walk the engine once for ``walk`` between two addresses and return the skeleton (with
    its hops when ``hops``)."""
    return flow_skeleton(compiled, probe_flow(walk, source, destination, source_eni), walk, hops=hops)


def flow_skeleton(compiled: Compiled, flow: Flow, walk: str, *, hops: bool = False) -> Skeleton:
    """The skeleton of one concrete flow (``skeleton`` walks the probe flow of a walk class)."""
    recorder = SkeletonHooks(walk, hops=hops)
    runner = Walk(compiled, flow, record=False, hooks=recorder)
    runner.run()
    result = recorder.skeleton
    result.blockers = list(runner.recorder.blockers)
    result.settle()
    return result
