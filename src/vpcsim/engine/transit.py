"""How a packet crosses a transit gateway: the walk's transit half.

A VPC route table's ``tgw-`` route leads into the gateway through the VPC attachment's ENI in
the sending subnet's Availability Zone (none there: ``TGW_ROUTE_AZ_RESTRICTION``), so the
attachment subnet's network ACL judges it inbound (by source) -- for an instance in that same
subnet too, as AWS does ("Network ACLs for transit gateways"). The table associated with the
attachment routes it (longest prefix, then static > prefix list > VPC- > Direct Connect- >
Connect- > VPN-propagated; a winning blackhole drops it), to:

* a VPC attachment: out through its subnet in the flow's zone (else another, the first by zone
  name), whose network ACL judges it outbound (by destination) unless the destination is in
  that subnet, then routed by *that subnet's* route table (what makes inspection VPCs work);
* a peering attachment: into the peer transit gateway, routed again by the table its side of the
  peering is associated with;
* a VPN, Direct Connect gateway or Connect attachment: beyond it the network is unknown.

Appliance mode: without it each direction keeps its own zone, so a reply that crosses a VPC
(neither end's) in another zone than the request did is dropped by the stateful appliance there
(``TGW_ATTACH_VPC_AZ_RESTRICTION``); with it the reply leaves through the request's subnet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import explain, explain_transit
from .compiled import CompiledEni, CompiledRoute, CompiledSubnet, ip_str
from .filters import Packet
from .result import Step
from .transit_compiled import AVAILABLE, CompiledTgwTable, CompiledTransit, compiled_transit

if TYPE_CHECKING:
    from .walk import Arrival, Walk

_MAX_TRANSIT_HOPS = 8


class TransitMemory:
    """What the request did at each VPC attachment, for its reply: the subnet it entered or left
    through, and the VPCs of the flow's two ends."""

    __slots__ = ("delivered_by", "ends", "entered", "used")

    def __init__(self) -> None:
        self.used: dict[str, str] = {}
        self.ends: set[str] = set()
        self.entered: set[str] = set()
        """VPCs a packet of the flow entered from a transit gateway attachment."""
        self.delivered_by: dict[str, str] = {}
        """VPC -> the transit gateway the request last entered it from."""


def via_transit_gateway(
    walk: Walk, tgw_id: str, subnet: CompiledSubnet, pkt: Packet, *, reply: bool
) -> Arrival | None:
    """Route ``pkt``, which ``subnet``'s route table sends to ``tgw_id``, through the gateway."""
    rec = walk.recorder
    ct = compiled_transit(walk.compiled)
    if tgw_id not in ct.described:
        walk.hop(tgw_id, "transit-gateway")
        # Described by no attachment nor route table: a target beyond which nothing is known.
        rec.block(
            explain.unknown_target(
                rec.path,
                walk.compiled,
                tgw_id,
                "transit gateway whose attachments are not described",
                pkt.dst,
            )
        )
        return None
    memory = _memory(walk)
    if not reply and not memory.ends:
        memory.ends.add(subnet.vpc_id)
        owner = _owner_vpc(walk, pkt.dst)
        if owner is not None:
            memory.ends.add(owner)
    attachment = ct.vpc_attachment.get((tgw_id, subnet.vpc_id))
    if attachment is None or attachment.state != AVAILABLE:
        walk.hop(tgw_id, "transit-gateway")
        rec.block(
            explain_transit.attachment_not_available(
                rec.path,
                attachment.transit_gateway_attachment_id if attachment else tgw_id,
                subnet.vpc_id,
                tgw_id,
                attachment.state if attachment else None,
            )
        )
        return None
    attachment_id = attachment.transit_gateway_attachment_id
    zone = subnet.subnet.availability_zone
    entry = next(
        (s for s in ct.subnets_of.get(attachment_id, ()) if s.subnet.availability_zone == zone), None
    )
    if entry is None and len(ct.subnets_of.get(attachment_id, ())) < len(attachment.subnet_ids or (None,)):
        # Some of the attachment's subnets are not in the input: their zones are unknown.
        walk.hop(attachment_id, "transit-gateway-attachment")
        rec.block(
            explain.unknown_target(
                rec.path, walk.compiled, attachment_id, "attachment whose subnets are not described", pkt.dst
            )
        )
        return None
    if entry is None:
        walk.hop(attachment_id, "transit-gateway-attachment")
        rec.block(explain_transit.az_restriction(rec.path, attachment_id, subnet.subnet_id, zone))
        return None
    if not reply:
        memory.used.setdefault(attachment_id, entry.subnet_id)
    if entry is not subnet:
        walk.hop(entry.subnet_id, "subnet")
    if entry.acl is not None:
        attachment_acl(walk, entry, pkt, inbound=True)
    eni_id = ct.eni_of.get((attachment_id, entry.subnet_id))
    if eni_id is not None:
        walk.hop(eni_id, "network-interface")
    walk.hop(attachment_id, "transit-gateway-attachment")
    return _route(walk, ct, tgw_id, attachment_id, zone, pkt, reply=reply, depth=0)


def response_route(walk: Walk, eni: CompiledEni, reply: Packet) -> None:
    """Reachability Analyzer's additional detail ``RESPONSE_RTB_HAS_NO_ROUTE_TO_TRANSIT_GATEWAY``
    (a ``detail`` step; recorded traces only): the request reached ``eni`` in a VPC it entered
    from a transit gateway, and the route table of ``eni``'s subnet has no active route for the
    reply's destination to that gateway. The reply itself is walked as always: where it fails,
    its own blocker decides the verdict."""
    memory = walk.transit_memory
    tgw_id = memory.delivered_by.get(eni.vpc_id) if memory is not None else None
    if tgw_id is None:
        return
    subnet = eni.subnet
    table = subnet.route_table
    route = table.lookup(reply.dst) if table is not None else None
    if route is not None and route.blackhole is None and route.kind == "tgw" and route.target == tgw_id:
        return
    walk.recorder.step(
        explain_transit.response_route_missing(
            table.route_table_id if table is not None else None, subnet.subnet_id, tgw_id, reply.dst, route
        )
    )


def attachment_acl(walk: Walk, subnet: CompiledSubnet, pkt: Packet, *, inbound: bool) -> None:
    """The attachment subnet's network ACL: inbound (by source) as a packet enters the gateway,
    outbound (by destination) as it leaves into the VPC. One place for both, which the
    differential run breaks on purpose (:data:`vpcsim.fidelity.MUTATIONS`)."""
    walk.hooks.on_network_acl(walk, subnet, pkt, inbound=inbound)


def table_lookup(table: CompiledTgwTable, dst: int) -> CompiledRoute | None:
    """The route of a transit gateway route table that wins for ``dst`` (longest prefix, then
    AWS's priority among kinds: compiled into the table's levels); a winning blackhole drops."""
    return table.lookup(dst)


def entered_from_transit(walk: Walk, vpc_id: str) -> bool:
    """Whether the flow entered ``vpc_id`` from a transit gateway: a NAT gateway there translates
    such traffic (centralised egress), as it does its own VPC's."""
    memory = walk.transit_memory
    return memory is not None and vpc_id in memory.entered


def _memory(walk: Walk) -> TransitMemory:
    memory = walk.transit_memory
    if memory is None:
        memory = walk.transit_memory = TransitMemory()
    return memory


def _owner_vpc(walk: Walk, ip: int) -> str | None:
    for vpc_id, table in walk.compiled.private.items():
        if ip in table:
            return vpc_id
    return None


def _route(
    walk: Walk,
    ct: CompiledTransit,
    tgw_id: str,
    attachment_id: str,
    zone: str,
    pkt: Packet,
    *,
    reply: bool,
    depth: int,
) -> Arrival | None:
    rec = walk.recorder
    walk.hop(tgw_id, "transit-gateway")
    if depth > _MAX_TRANSIT_HOPS:
        rec.block(explain_transit.loop(rec.path, tgw_id))
        return None
    table = ct.association.get((tgw_id, attachment_id))
    if table is None:
        rec.block(explain_transit.missing_association(rec.path, attachment_id, tgw_id))
        return None
    walk.hop(table.route_table_id, "transit-gateway-route-table")
    record_table = getattr(walk.hooks, "on_transit_route_table", None)
    if record_table is not None:
        record_table(walk, table)
    chosen = table_lookup(table, pkt.dst)
    if chosen is None:
        if table.unknown_from:
            why = f"{', '.join(table.unknown_from)} propagate routes the input does not list"
            rec.block(explain_transit.routes_unknown(rec.path, table.route_table_id, pkt.dst, why))
        else:
            rec.block(
                explain_transit.cannot_route(
                    rec.path,
                    table.route_table_id,
                    pkt.dst,
                    _destination_attachment(walk, ct, tgw_id, pkt.dst),
                )
            )
        return None
    if walk.record:
        rec.step(
            Step(
                "route",
                table.route_table_id,
                "forward" if chosen.blackhole is None else "drop",
                f"longest prefix match for {ip_str(pkt.dst)}: {chosen.destination} -> {chosen.target}",
                rule=f"{chosen.destination} -> {chosen.target}",
            )
        )
    if chosen.blackhole is not None:
        target_attachment = ct.attachments.get(chosen.target)
        rec.block(
            explain_transit.bad_route(
                rec.path,
                table.route_table_id,
                chosen,
                table.all_matching(pkt.dst),
                table.shadowed.get((chosen.net, chosen.prefixlen), []),
                vpn_down=chosen.kind == "vpn"
                and target_attachment is not None
                and target_attachment.state != AVAILABLE,
            )
        )
        return None
    if table.unknown_from and _more_specific_possible(table, chosen):
        why = f"{', '.join(table.unknown_from)} may propagate a more specific route"
        rec.block(explain_transit.routes_unknown(rec.path, table.route_table_id, pkt.dst, why))
        return None
    target = ct.attachments[chosen.target]
    if chosen.kind == "vpc":
        return _out_to_vpc(
            walk, ct, table, target.transit_gateway_attachment_id, target.resource_id, zone, pkt, reply=reply
        )
    if chosen.kind in ("peering", "tgw-peering"):
        peer = next((t for t in target.transit_gateway_ids() if t != tgw_id), None)
        walk.hop(target.transit_gateway_attachment_id, "transit-gateway-attachment")
        if peer is None or peer not in ct.described:
            rec.block(
                explain.unknown_target(
                    rec.path,
                    walk.compiled,
                    peer or target.transit_gateway_attachment_id,
                    "peer transit gateway",
                    pkt.dst,
                )
            )
            return None
        if walk.record:
            rec.step(Step("peering", target.transit_gateway_attachment_id, "forward", f"{tgw_id} -> {peer}"))
        return _route(
            walk, ct, peer, target.transit_gateway_attachment_id, zone, pkt, reply=reply, depth=depth + 1
        )
    walk.hop(target.transit_gateway_attachment_id, "transit-gateway-attachment")
    rec.block(
        explain.unknown_target(
            rec.path,
            walk.compiled,
            target.transit_gateway_attachment_id,
            f"{target.resource_type} attachment",
            pkt.dst,
        )
    )
    return None


def _destination_attachment(walk: Walk, ct: CompiledTransit, tgw_id: str, dst: int) -> tuple[str, str] | None:
    """(available attachment, VPC) of the VPC owning ``dst`` on ``tgw_id``, if attached."""
    owner = _owner_vpc(walk, dst)
    attachment = ct.vpc_attachment.get((tgw_id, owner)) if owner is not None else None
    if attachment is None or attachment.state != AVAILABLE:
        return None
    return attachment.transit_gateway_attachment_id, attachment.resource_id


def _more_specific_possible(table: CompiledTgwTable, chosen: CompiledRoute) -> bool:
    """Whether BGP routes the input does not list could beat ``chosen``: a longer prefix wins
    whatever its kind, so always -- unless the chosen route is a host route."""
    return bool(table.unknown_from) and chosen.prefixlen < 32


def _out_to_vpc(
    walk: Walk,
    ct: CompiledTransit,
    table: CompiledTgwTable,
    attachment_id: str,
    vpc_id: str,
    zone: str,
    pkt: Packet,
    *,
    reply: bool,
) -> Arrival | None:
    rec = walk.recorder
    attachment = ct.attachments[attachment_id]
    subnets = ct.subnets_of.get(attachment_id, [])
    walk.hop(attachment_id, "transit-gateway-attachment")
    if vpc_id not in walk.compiled.vpcs or not subnets:
        rec.block(
            explain.unknown_target(rec.path, walk.compiled, vpc_id, "attached VPC not in the input", pkt.dst)
        )
        return None
    memory = _memory(walk)
    used = memory.used.get(attachment_id)
    exit_subnet: CompiledSubnet | None = None
    if reply and attachment.appliance_mode_support and used is not None:
        exit_subnet = next((s for s in subnets if s.subnet_id == used), None)
    if exit_subnet is None:
        exit_subnet = next((s for s in subnets if s.subnet.availability_zone == zone), subnets[0])
    memory.entered.add(vpc_id)
    if not reply:
        memory.used.setdefault(attachment_id, exit_subnet.subnet_id)
        memory.delivered_by[vpc_id] = attachment.transit_gateway_id
    elif used is not None and used != exit_subnet.subnet_id and vpc_id not in memory.ends:
        rec.block(explain_transit.az_mismatch(rec.path, attachment_id, vpc_id, used, exit_subnet.subnet_id))
    if walk.record and not reply and not attachment.appliance_mode_support and vpc_id not in memory.ends:
        # Additional detail, not a blocker: the VPC is neither end's, so an appliance inspects there.
        rec.step(explain_transit.appliance_mode_recommended(attachment_id, vpc_id))
    eni_id = ct.eni_of.get((attachment_id, exit_subnet.subnet_id))
    if eni_id is not None:
        walk.hop(eni_id, "network-interface")
    walk.hop(exit_subnet.subnet_id, "subnet")
    if exit_subnet.acl is not None and pkt.dst & exit_subnet.mask != exit_subnet.net:
        attachment_acl(walk, exit_subnet, pkt, inbound=False)
    return walk.route(exit_subnet, pkt, reply=reply)


__all__ = [
    "TransitMemory",
    "attachment_acl",
    "entered_from_transit",
    "response_route",
    "table_lookup",
    "via_transit_gateway",
]
