"""Transit gateways' attachments and route tables as spec items (the transit half of
:mod:`.spec_dump`): keyed by their Name when unique within the gateway, else by id; every
association and propagation written out, so that loading never falls back on the defaults."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from ..model import Network, TransitGateway, TransitGatewayAttachment, TransitGatewayRouteTable
from .spec_names import derive_id
from .spec_yaml import Path, format_path

_NAME = re.compile(r"^\S(.*\S)?$")


class SpecDumpTransitError(ValueError):
    """The network cannot be written as a spec (two routes of one table with one destination)."""


def _keys(items: list[Any], prefix: str) -> dict[str, str]:
    counts = Counter(item.name for item in items)
    out = {}
    for item in items:
        name = item.name
        usable = (
            name is not None and _NAME.match(name) and counts[name] == 1 and not name.startswith(f"{prefix}-")
        )
        usable = usable and name != "blackhole"
        out[item.id] = name if usable else item.id
    return out


def transit_gateway_fields(
    net: Network,
    tgw: TransitGateway,
    path: Path,
    seed: str,
    ref: Callable[[str], str],
    item: dict[str, Any],
) -> None:
    """Add the options, ``attachments`` and ``route_tables`` of ``tgw`` to its spec ``item``."""
    if not tgw.default_route_table_association:
        item["default_route_table_association"] = False
    if not tgw.default_route_table_propagation:
        item["default_route_table_propagation"] = False
    if tgw.amazon_side_asn != 64512:
        item["amazon_side_asn"] = tgw.amazon_side_asn
    if tgw.security_group_referencing_support:
        item["security_group_referencing_support"] = True
    tgw_id = tgw.transit_gateway_id
    attachments = [a for a in net.transit_gateway_attachments.values() if a.transit_gateway_id == tgw_id]
    tables = [t for t in net.transit_gateway_route_tables.values() if t.transit_gateway_id == tgw_id]
    attachment_keys = _keys(attachments, "tgw-attach")
    table_keys = _keys(tables, "tgw-rtb")
    all_attachment_keys = Counter(
        _keys(list(net.transit_gateway_attachments.values()), "tgw-attach").values()
    )

    def attachment_ref(attachment_id: str) -> str:
        key = attachment_keys.get(attachment_id)
        if key is not None:
            return key
        other = net.transit_gateway_attachments.get(attachment_id)
        if other is not None:
            other_key = _keys([other], "tgw-attach")[attachment_id]
            if all_attachment_keys[other_key] == 1 and other_key not in attachment_keys.values():
                return other_key
        return attachment_id

    def table_of(attachment_id: str, gateway: str) -> str | None:
        for table in net.transit_gateway_route_tables.values():
            if table.transit_gateway_id == gateway and attachment_id in table.associations:
                return table.transit_gateway_route_table_id
        return None

    def table_ref(table_id: str) -> str:
        table = net.transit_gateway_route_tables.get(table_id)
        if table is None:
            return table_id
        keys = _keys(
            [
                t
                for t in net.transit_gateway_route_tables.values()
                if t.transit_gateway_id == table.transit_gateway_id
            ],
            "tgw-rtb",
        )
        return keys[table_id]

    if tables:
        out_tables: dict[str, Any] = {}
        for table in tables:
            key = table_keys[table.transit_gateway_route_table_id]
            out_tables[key] = _table(table, (*path, "route_tables", key), seed, ref, attachment_ref)
        item["route_tables"] = out_tables
    if attachments:
        out_attachments: dict[str, Any] = {}
        for attachment in attachments:
            key = attachment_keys[attachment.transit_gateway_attachment_id]
            entry = _attachment(net, attachment, (*path, "attachments", key), seed, ref)
            own = table_of(attachment.transit_gateway_attachment_id, tgw_id)
            entry["route_table"] = table_ref(own) if own else None
            entry["propagate_to"] = [
                table_keys[t.transit_gateway_route_table_id]
                for t in tables
                if attachment.transit_gateway_attachment_id in t.propagations
            ]
            if attachment.peer_transit_gateway_id:
                theirs = table_of(
                    attachment.transit_gateway_attachment_id, attachment.peer_transit_gateway_id
                )
                if theirs is not None:
                    entry["peer_route_table"] = table_ref(theirs)
            if attachment.tags:
                tags = dict(attachment.tags)
                if key != attachment.transit_gateway_attachment_id:
                    tags.pop("Name", None)
                if tags:
                    entry["tags"] = tags
            out_attachments[key] = entry
        item["attachments"] = out_attachments


def _ident(resource_id: str, key: object, prefix: str, path: Path, seed: str, out: dict[str, Any]) -> None:
    if key != resource_id and resource_id != derive_id(prefix, seed, format_path(path)):
        out["id"] = resource_id


def _attachment(
    net: Network,
    attachment: TransitGatewayAttachment,
    path: Path,
    seed: str,
    ref: Callable[[str], str],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _ident(attachment.transit_gateway_attachment_id, path[-1], "tgw-attach", path, seed, out)
    if attachment.resource_type == "vpc":
        out["vpc"] = ref(attachment.resource_id)
        out["subnets"] = [ref(s) for s in attachment.subnet_ids]
        if attachment.appliance_mode_support:
            out["appliance_mode"] = True
        if not attachment.security_group_referencing_support:
            out["security_group_referencing"] = False
    elif attachment.resource_type in ("peering", "tgw-peering"):
        peer_id = attachment.peer_transit_gateway_id or attachment.resource_id
        out["peer"] = ref(peer_id)
        peer = net.transit_gateways.get(peer_id)
        if attachment.peer_owner_id and (peer is None or peer.owner_id != attachment.peer_owner_id):
            out["peer_account"] = attachment.peer_owner_id
        if attachment.peer_region and (peer is None or peer.region != attachment.peer_region):
            out["peer_region"] = attachment.peer_region
    elif attachment.resource_type == "vpn":
        out["vpn"] = attachment.resource_id
    else:
        out["type"] = attachment.resource_type
        if attachment.resource_id:
            out["resource"] = attachment.resource_id
    if attachment.state != "available":
        out["state"] = attachment.state
    return out


def _table(
    table: TransitGatewayRouteTable,
    path: Path,
    seed: str,
    ref: Callable[[str], str],
    attachment_ref: Callable[[str], str],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _ident(table.transit_gateway_route_table_id, path[-1], "tgw-rtb", path, seed, out)
    if table.default_association_route_table:
        out["default_association"] = True
    if table.default_propagation_route_table:
        out["default_propagation"] = True
    routes: dict[str, Any] = {}
    for route in table.routes:
        destination = route.destination_cidr_block or ref(route.prefix_list_id or "")
        if destination in routes:
            raise SpecDumpTransitError(
                f"{table.transit_gateway_route_table_id} has two routes for {destination}; a spec holds one"
            )
        target = "blackhole" if route.blackhole else attachment_ref(route.transit_gateway_attachment_id or "")
        state_default = "blackhole" if route.blackhole else "active"
        if route.type == "static" and route.state == state_default:
            routes[destination] = target
        else:
            long: dict[str, Any] = {"target": target}
            if route.type != "static":
                long["type"] = route.type
            if route.state != state_default:
                long["state"] = route.state
            routes[destination] = long
    if routes:
        out["routes"] = routes
    if table.state != "available":
        out["state"] = table.state
    tags = dict(table.tags)
    if path[-1] != table.transit_gateway_route_table_id:
        tags.pop("Name", None)
    if tags:
        out["tags"] = tags
    return out
