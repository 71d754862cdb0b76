"""Transit gateways in ``vpcsim show``'s tree: each gateway under its region, with its
attachments (and their associations and propagations) and its route tables' routes."""

from __future__ import annotations

from rich.tree import Tree

from ..model import Network, TransitGatewayAttachment


def _attachment_text(network: Network, attachment: TransitGatewayAttachment, name: str) -> str:
    attachment_id = attachment.transit_gateway_attachment_id
    what = f"{attachment.resource_type} {attachment.resource_id}"
    if attachment.resource_type == "vpc":
        what += f" via {', '.join(attachment.subnet_ids) or 'no subnet'}"
        if attachment.appliance_mode_support:
            what += ", appliance mode"
    tables = [
        t.transit_gateway_route_table_id
        for t in network.transit_gateway_route_tables.values()
        if attachment_id in t.associations
    ]
    state = "" if attachment.state == "available" else f" [{attachment.state}]"
    return f"{name}  {what}{state}; associated with {', '.join(tables) or 'no route table'}"


def add_transit_gateways(network: Network, root: Tree, regions: dict[str, Tree]) -> None:
    """One node per transit gateway, under its region's node (created when missing)."""
    for tgw in sorted(network.transit_gateways.values(), key=lambda t: t.transit_gateway_id):
        region = regions.get(tgw.region)
        if region is None:
            region = regions[tgw.region] = root.add(tgw.region)
        name = f"{tgw.transit_gateway_id} ({tgw.name})" if tgw.name else tgw.transit_gateway_id
        node = region.add(f"transit gateway {name}  {tgw.state}")
        if tgw.vpc_ids:
            node.add(f"attached (attachments not described): {', '.join(tgw.vpc_ids)}")
        attachments = [
            a
            for a in network.transit_gateway_attachments.values()
            if tgw.transit_gateway_id in a.transit_gateway_ids()
        ]
        for attachment in sorted(attachments, key=lambda a: a.transit_gateway_attachment_id):
            label = attachment.transit_gateway_attachment_id + (
                f" ({attachment.name})" if attachment.name else ""
            )
            node.add(_attachment_text(network, attachment, label))
        for table in sorted(
            network.transit_gateway_route_tables.values(), key=lambda t: t.transit_gateway_route_table_id
        ):
            if table.transit_gateway_id != tgw.transit_gateway_id:
                continue
            label = table.transit_gateway_route_table_id + (f" ({table.name})" if table.name else "")
            flags = [
                f
                for f, on in (
                    ("default association", table.default_association_route_table),
                    ("default propagation", table.default_propagation_route_table),
                )
                if on
            ]
            tnode = node.add(f"route table {label}" + (f"  [{', '.join(flags)}]" if flags else ""))
            for attachment_id in table.propagations:
                tnode.add(f"propagated from {attachment_id}")
            for route in table.routes:
                target = "blackhole" if route.blackhole else route.transit_gateway_attachment_id
                kind = "" if route.type == "static" else f" ({route.type})"
                tnode.add(f"{route.destination} -> {target}{kind}")
