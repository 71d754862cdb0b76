"""Transit gateways compiled once per network version: route tables as longest-prefix levels
(with AWS's priority among route kinds), associations and each VPC attachment's subnets.

Why apart from :mod:`vpcsim.engine.compiled`: only walks that meet a ``tgw-`` route need it, so
it is built on first use (never for estates without transit gateways) and cached per network
version beside the compiled network.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from ..model import Network, Route, TransitGatewayAttachment, TransitGatewayRoute, TransitGatewayRouteTable
from .compiled import Compiled, CompiledRoute, CompiledRouteTable, CompiledSubnet, cidr_int, ip_str

#: Equal prefixes: the lower wins. Static > prefix-list-referenced > VPC-propagated > Direct
#: Connect gateway-propagated > Connect-propagated > VPN-propagated (AWS's order); propagated
#: routes of other attachment types (a dynamically routed peering) come last.
PRIORITY_STATIC, PRIORITY_PREFIX_LIST = 0, 1
PROPAGATED_PRIORITY = {"vpc": 2, "direct-connect-gateway": 3, "connect": 4, "vpn": 5}
PRIORITY_OTHER = 6

#: Attachments whose propagated routes are learned by BGP beyond the model: a table they
#: propagate into, whose routes from them the input does not list, has routes vpcsim cannot know.
BGP_PROPAGATING = frozenset({"vpn", "direct-connect-gateway", "connect", "vpn-concentrator"})

AVAILABLE = "available"


@dataclass(slots=True)
class CompiledTgwTable(CompiledRouteTable):
    """A transit gateway route table: ``levels``/``shadowed`` as a VPC table's, each route's
    ``kind`` the target attachment's type (``blackhole`` for a blackhole) and ``target`` the
    attachment id."""

    transit_gateway_id: str = ""
    unknown_from: tuple[str, ...] = ()
    """Attachments that propagate BGP routes into the table that the input does not list."""


@dataclass(slots=True)
class CompiledTransit:
    version: int
    attachments: dict[str, TransitGatewayAttachment] = field(default_factory=dict)
    vpc_attachment: dict[tuple[str, str], TransitGatewayAttachment] = field(default_factory=dict)
    """(transit gateway, VPC) -> its VPC attachment (an available one first)."""
    association: dict[tuple[str, str], CompiledTgwTable] = field(default_factory=dict)
    """(transit gateway, attachment) -> the table routing what arrives from the attachment."""
    subnets_of: dict[str, list[CompiledSubnet]] = field(default_factory=dict)
    """VPC attachment -> its subnets in the input, by Availability Zone name."""
    eni_of: dict[tuple[str, str], str] = field(default_factory=dict)
    """(attachment, subnet) -> the transit gateway's ENI there, when the input has it."""
    described: frozenset[str] = frozenset()
    """Transit gateways whose attachments the input describes (the others are unknown beyond)."""


_CACHE: weakref.WeakKeyDictionary[Network, tuple[Compiled, CompiledTransit]] = weakref.WeakKeyDictionary()


def compiled_transit(compiled: Compiled) -> CompiledTransit:
    """The transit gateways of ``compiled``'s network, built once per compiled network."""
    cached = _CACHE.get(compiled.network)
    if cached is not None and cached[0] is compiled:
        return cached[1]
    built = _build(compiled)
    _CACHE[compiled.network] = (compiled, built)
    return built


def _build(c: Compiled) -> CompiledTransit:
    n = c.network
    out = CompiledTransit(c.version, attachments=dict(n.transit_gateway_attachments))
    described: set[str] = set()
    for attachment in n.transit_gateway_attachments.values():
        described.update(attachment.transit_gateway_ids())
        if attachment.resource_type != "vpc":
            continue
        key = (attachment.transit_gateway_id, attachment.resource_id)
        current = out.vpc_attachment.get(key)
        if current is None or (current.state != AVAILABLE and attachment.state == AVAILABLE):
            out.vpc_attachment[key] = attachment
        subnets = [c.subnets[s] for s in attachment.subnet_ids if s in c.subnets]
        subnets.sort(key=lambda s: (s.subnet.availability_zone, s.subnet_id))
        out.subnets_of[attachment.transit_gateway_attachment_id] = subnets
    described.update(t.transit_gateway_id for t in n.transit_gateway_route_tables.values())
    out.described = frozenset(described)
    for eni in n.network_interfaces.values():
        if eni.interface_type == "transit_gateway" or eni.description.startswith(
            "Network Interface for Transit Gateway Attachment "
        ):
            attachment_id = eni.description.rsplit(" ", 1)[-1]
            out.eni_of[(attachment_id, eni.subnet_id)] = eni.network_interface_id
    for table in n.transit_gateway_route_tables.values():
        compiled_table = _table(n, table)
        for attachment_id in table.associations:
            # A peering attachment is associated on each side with a table of that side.
            out.association.setdefault((table.transit_gateway_id, attachment_id), compiled_table)
    return out


def _route_entries(n: Network, route: TransitGatewayRoute, priority: int) -> list[tuple[str, int, int, int]]:
    """(shown destination, network, mask, prefix length) of each block a route covers."""
    if route.destination_cidr_block:
        net, mask, length = cidr_int(route.destination_cidr_block)
        return [(route.destination_cidr_block, net, mask, length)]
    pl = n.prefix_lists.get(route.prefix_list_id or "")
    if pl is None:
        return []
    out = []
    for entry in pl.entries:
        if ":" in entry.cidr:
            continue
        net, mask, length = cidr_int(entry.cidr)
        out.append((f"{pl.prefix_list_id} ({ip_str(net)}/{length})", net, mask, length))
    return out


def _table(n: Network, table: TransitGatewayRouteTable) -> CompiledTgwTable:
    entries: list[CompiledRoute] = []
    listed_propagated: set[str] = set()
    for route in table.routes:
        if route.type == "propagated":
            priority = PRIORITY_OTHER
            attachment = n.transit_gateway_attachments.get(route.transit_gateway_attachment_id or "")
            if attachment is not None:
                priority = PROPAGATED_PRIORITY.get(attachment.resource_type, PRIORITY_OTHER)
                listed_propagated.add(attachment.transit_gateway_attachment_id)
        else:
            priority = PRIORITY_PREFIX_LIST if route.prefix_list_id else PRIORITY_STATIC
        for shown, net, mask, length in _route_entries(n, route, priority):
            entries.append(_entry(n, route, shown, net, mask, length, priority))
    unknown: list[str] = []
    propagated_blocks: list[tuple[int, int]] = []
    for attachment_id in table.propagations:
        attachment = n.transit_gateway_attachments.get(attachment_id)
        if attachment is None or attachment.state != AVAILABLE or attachment_id in listed_propagated:
            continue
        if attachment.resource_type in BGP_PROPAGATING:
            unknown.append(attachment_id)
            continue
        if attachment.resource_type != "vpc":
            continue
        vpc = n.vpcs.get(attachment.resource_id)
        if vpc is None:
            unknown.append(attachment_id)
            continue
        for block in vpc.cidr_blocks:
            net, mask, length = cidr_int(block)
            # A VPC block identical to or overlapping one already propagated is not propagated.
            if any(net & mask & pm == pn & mask & pm for pn, pm in propagated_blocks):
                continue
            propagated_blocks.append((net, mask))
            route = TransitGatewayRoute(
                destination_cidr_block=block, transit_gateway_attachment_id=attachment_id, type="propagated"
            )
            entries.append(_entry(n, route, block, net, mask, length, PROPAGATED_PRIORITY["vpc"]))
    by_len: dict[int, dict[int, CompiledRoute]] = {}
    shadowed: dict[tuple[int, int], list[CompiledRoute]] = {}
    masks: dict[int, int] = {}
    for entry in entries:
        level = by_len.setdefault(entry.prefixlen, {})
        masks[entry.prefixlen] = entry.mask
        current = level.get(entry.net)
        if current is None or entry.priority < current.priority:
            if current is not None:
                shadowed.setdefault((entry.net, entry.prefixlen), []).append(current)
            level[entry.net] = entry
        else:
            shadowed.setdefault((entry.net, entry.prefixlen), []).append(entry)
    levels = [(masks[length], by_len[length]) for length in sorted(by_len, reverse=True)]
    return CompiledTgwTable(
        table.transit_gateway_route_table_id,
        levels,
        shadowed,
        transit_gateway_id=table.transit_gateway_id,
        unknown_from=tuple(unknown),
    )


def _entry(
    n: Network, route: TransitGatewayRoute, shown: str, net: int, mask: int, length: int, priority: int
) -> CompiledRoute:
    target = route.transit_gateway_attachment_id or ""
    attachment = n.transit_gateway_attachments.get(target)
    blackhole: str | None = None
    kind: str = attachment.resource_type if attachment is not None else "unknown"
    if route.blackhole or route.state == "blackhole":
        blackhole, kind, target = "the route is a blackhole", "blackhole", target or "blackhole"
    elif route.state not in ("active", AVAILABLE):
        blackhole = f"the route's state is {route.state}"
    elif attachment is None:
        # A static route whose attachment is gone turns blackhole (vpcsim's choice, see
        # docs/architecture.md).
        blackhole = f"its attachment {target or '(none)'} does not exist"
    elif attachment.state != AVAILABLE:
        blackhole = f"its attachment {target} is {attachment.state}"
    return CompiledRoute(
        Route(
            destination_cidr_block=route.destination_cidr_block,
            destination_prefix_list_id=route.prefix_list_id,
        ),
        shown,
        net,
        mask,
        length,
        priority,
        kind,
        target,
        blackhole,
    )


__all__ = ["CompiledTgwTable", "CompiledTransit", "compiled_transit"]
