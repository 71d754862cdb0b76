"""The reference walk's hook interface, and the hooks of the reference trace.

Why hooks: the walk (:mod:`vpcsim.engine.walk`) is the one statement of how a packet travels
-- routes, gateways, translations, peering, the reply -- and analyses need that walk with one
thing changed: the symbolic analyses (:mod:`vpcsim.analysis.skeleton`) walk once per address
pair and *record* the filters the packet meets instead of applying them, then decide every
port and protocol at once. Rather than subclass the walk and override its insides, they pass
an object with these hooks; :class:`ReferenceHooks` is the one ``trace`` uses, and it is where
security groups and network ACLs are applied.

The interface (:class:`WalkHooks`) -- every method gets the walk first, whose ``compiled``,
``network``, ``flow`` and ``recorder`` (with the current ``path``, ``forward`` or ``return``)
it may read, and to whose recorder it may add steps and blockers:

``on_hop(walk, component, kind)``
    The packet enters a component (an ENI, a subnet, a route table, a gateway...), in order,
    on the current path; called even when the walk does not record hops.
``on_security_groups(walk, eni, pkt, egress=, reply=, tracked=)``
    The packet meets the security groups of ``eni`` (outbound when ``egress``); ``reply``: it
    is the reply of the flow's connection; ``tracked``: the security groups of ``eni`` track
    that connection -- always so for the request, and for a reply only at an ENI the request
    passed (connection tracking is per ENI: a reply through a middlebox the request never
    passed is new traffic there). Only ENIs that security groups filter (``eni.filtered``)
    call it.
``on_network_acl(walk, subnet, pkt, inbound=)``
    The packet crosses the network ACL of ``subnet`` (never None here) inbound or outbound.
``on_route(walk, subnet, pkt)``
    The packet is about to be routed by ``subnet``'s route table (before the lookup).
``on_service(walk, eni, name, ports)``
    The flow from ``eni`` is addressed to a VPC-provided service (``amazon-dns-resolver``...),
    which no filter applies to and which answers on ``ports`` ((protocol, port) pairs); the
    walk checks the flow's port itself.
``on_transit_route_table(walk, table)`` (optional: called only when the hooks define it)
    A transit gateway route table is about to route the packet (:mod:`vpcsim.engine.transit`).
``on_reply(walk, request, reply)``
    The request was delivered (blockers aside) as ``request``; ``reply`` is the packet the
    destination sends back, or None when the flow gets no reply (most ICMP types).

Hooks must not change the walk's course: what a filter decides goes to the recorder as steps
and blockers, and the walk goes on either way (every blocker is reported, not only the first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ..model.addressing import FULL_MASK
from . import explain, explain_transit
from .compiled import PEER_MEMBERS, CompiledEni, CompiledSubnet, ip_str
from .explain import describe_traffic
from .filters import Packet, acl_decide, sg_decide, sg_rules
from .flow import PortRanges
from .ports import format_ranges, is_single, normalize
from .result import Direction, Step

if TYPE_CHECKING:
    from .walk import Walk


class WalkHooks(Protocol):
    """What a walk calls at the points where its variants differ (see the module docstring)."""

    def on_hop(self, walk: Walk, component: str, kind: str) -> None: ...

    def on_security_groups(
        self, walk: Walk, eni: CompiledEni, pkt: Packet, *, egress: bool, reply: bool, tracked: bool
    ) -> None: ...

    def on_network_acl(self, walk: Walk, subnet: CompiledSubnet, pkt: Packet, *, inbound: bool) -> None: ...

    def on_route(self, walk: Walk, subnet: CompiledSubnet, pkt: Packet) -> None: ...

    def on_service(
        self, walk: Walk, eni: CompiledEni, name: str, ports: frozenset[tuple[int, int]]
    ) -> None: ...

    def on_reply(self, walk: Walk, request: Packet, reply: Packet | None) -> None: ...


class ReferenceHooks:
    """The reference trace's hooks: filters are applied, every other point needs nothing."""

    def on_hop(self, walk: Walk, component: str, kind: str) -> None:
        return None

    def on_route(self, walk: Walk, subnet: CompiledSubnet, pkt: Packet) -> None:
        return None

    def on_service(self, walk: Walk, eni: CompiledEni, name: str, ports: frozenset[tuple[int, int]]) -> None:
        return None

    def on_reply(self, walk: Walk, request: Packet, reply: Packet | None) -> None:
        return None

    def on_security_groups(
        self, walk: Walk, eni: CompiledEni, pkt: Packet, *, egress: bool, reply: bool, tracked: bool
    ) -> None:
        """Security groups: replies of a connection they track pass; requests need an allow
        rule, and so does an untracked reply (port by port). A packet a middlebox forwarded no
        longer matches group references."""
        rec = walk.recorder
        ports: PortRanges | None = None
        if reply:
            if tracked:
                if rec.record:
                    rec.step(
                        Step(
                            "conntrack",
                            eni.eni_id,
                            "allow",
                            "reply of a tracked connection: security groups allow it",
                            "outbound" if egress else "inbound",
                        )
                    )
                return
            # Nothing is tracked at this ENI (a middlebox only the reply crosses): its security
            # groups judge the reply as new traffic.
            pkt, ports = _untracked_reply(eni, pkt, egress=egress)
        direction: Direction = "outbound" if egress else "inbound"
        # the packet family's rules (filters.sg_rules, inlined: the engine's hot loop)
        if pkt.dst > FULL_MASK:
            rules = eni.egress6 if egress else eni.ingress6
        else:
            rules = eni.egress if egress else eni.ingress
        remote = pkt.dst if egress else pkt.src
        if pkt.forwarded and not egress:
            kept = [r for r in rules if r.peer_kind != PEER_MEMBERS]
            allowed, unknown = sg_decide(kept, pkt, remote)
            if allowed is None and unknown is None:
                by_reference, _ = sg_decide(rules, pkt, remote)
                if by_reference is not None:
                    rec.block(explain.sg_references_not_preserved(rec.path, walk.compiled, eni, pkt, remote))
                    return
            rules = kept
        else:
            allowed, unknown = sg_decide(rules, pkt, remote)
        if allowed is not None:
            if rec.record:
                rec.step(
                    Step(
                        "security-group",
                        allowed.group_id,
                        "allow",
                        f"{allowed.group_id} {'egress' if egress else 'ingress'} rule allows "
                        f"{describe_traffic(pkt)}",
                        direction,
                        rule=allowed.label,
                    )
                )
            return
        if unknown is not None:
            rec.block(
                explain.unknown_peer(rec.path, unknown.group_id, unknown.label, unknown.peer, direction)
            )
            return
        if not egress and walk.transit_memory is not None and not pkt.forwarded:
            # The flow crossed a transit gateway (and is blocked already: no cost otherwise): a
            # reference rule may fail only for want of SecurityGroupReferencingSupport.
            gap = explain_transit.unresolved_transit_reference(walk.compiled, eni, pkt, remote, rules)
            if gap is not None:
                for blocker in explain.sg_referencing_support(rec.path, walk.compiled, *gap, pkt, remote):
                    rec.block(blocker)
                return
        groups = walk.network.security_groups
        no_rules = not (eni.egress or eni.egress6 if egress else eni.ingress or eni.ingress6) and all(
            g not in groups or not (groups[g].egress if egress else groups[g].ingress) for g in eni.group_ids
        )
        rec.block(
            explain.sg_denies(
                rec.path, walk.compiled, eni, pkt, remote, egress=egress, no_rules=no_rules, ports=ports
            )
        )

    def on_network_acl(self, walk: Walk, subnet: CompiledSubnet, pkt: Packet, *, inbound: bool) -> None:
        """Network ACLs: stateless, so replies are judged again; each part of the destination
        ports gets the first entry that matches it."""
        acl = subnet.acl
        assert acl is not None
        rec = walk.recorder
        direction: Direction = "inbound" if inbound else "outbound"
        remote = pkt.src if inbound else pkt.dst
        if pkt.dst > FULL_MASK:  # the packet family's entries (filters.acl_entries, inlined)
            entries = acl.inbound6 if inbound else acl.outbound6
        else:
            entries = acl.inbound if inbound else acl.outbound
        decisions = acl_decide(entries, pkt, remote)
        denied: list[tuple[int, int]] = []
        deny_rules: list[int] = []
        for ports, allowed, rule_number in decisions:
            if rec.record:
                rule = explain.rule_name(rule_number)
                on = f" ports {format_ranges(ports)}" if ports is not None and len(decisions) > 1 else ""
                rec.step(
                    Step(
                        "network-acl",
                        acl.acl_id,
                        "allow" if allowed else "deny",
                        f"{direction} rule {rule} {'allows' if allowed else 'denies'} "
                        f"{describe_traffic(pkt)}{on} {'from' if inbound else 'to'} {ip_str(remote)}",
                        direction,
                        rule=rule,
                    )
                )
            if not allowed:
                deny_rules.append(rule_number)
                if ports is not None:
                    denied.extend(ports)
        if not deny_rules:
            return
        rec.block(
            explain.acl_denies(
                rec.path,
                walk.compiled,
                subnet,
                pkt,
                remote,
                inbound=inbound,
                deny_rules=deny_rules,
                failing=normalize(denied) if pkt.has_ports else None,
                multi_port=pkt.has_ports and not is_single(pkt.dports),
            )
        )


def _untracked_reply(eni: CompiledEni, pkt: Packet, *, egress: bool) -> tuple[Packet, PortRanges | None]:
    """An untracked reply, as its security groups judge it: port by port (its destination ports
    are the client's, a range unless pinned). The packet to judge -- with the failing ports,
    or one port when all pass -- and the failing ports a blocker reports (None: not split)."""
    if not pkt.has_ports or is_single(pkt.dports):
        return pkt, None
    rules = sg_rules(eni, pkt, egress=egress)
    if pkt.forwarded and not egress:
        rules = [r for r in rules if r.peer_kind != PEER_MEMBERS]
    proto = pkt.proto
    cuts = {lo for lo, _ in pkt.dports} | {
        edge for r in rules if r.protocol == proto for edge in (r.lo, r.hi + 1)
    }
    failing: list[tuple[int, int]] = []
    for lo, hi in pkt.dports:
        starts = sorted(c for c in cuts if lo <= c <= hi)
        for k, start in enumerate(starts):
            end = starts[k + 1] - 1 if k + 1 < len(starts) else hi
            probe = pkt.rewritten(dports=((start, start),))
            if sg_decide(rules, probe, probe.dst if egress else probe.src)[0] is None:
                failing.append((start, end))
    if not failing:
        first = pkt.dports[0][0]
        return pkt.rewritten(dports=((first, first),)), None
    merged = normalize(failing)
    return pkt.rewritten(dports=merged), merged


#: The hooks ``trace`` walks with.
REFERENCE_HOOKS = ReferenceHooks()

__all__ = ["REFERENCE_HOOKS", "ReferenceHooks", "WalkHooks"]
