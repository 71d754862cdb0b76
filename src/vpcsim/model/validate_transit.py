"""What AWS refuses about transit gateways and interface endpoints (the transit half of
:mod:`vpcsim.model.validate`, with AWS's error codes)."""

from __future__ import annotations

from collections.abc import Callable

from .network import Network

Report = Callable[[str, str, str, str], None]
CheckRef = Callable[[str, str, str, str], bool]


def check_transit(n: Network, error: Report, warning: Report, check_ref: CheckRef) -> None:
    """Attachments, route tables (associations, propagations, routes), the VPC routes to
    transit gateways, and interface endpoints' subnets."""
    for attachment in n.transit_gateway_attachments.values():
        aid = attachment.transit_gateway_attachment_id
        check_ref(aid, "transit_gateway_id", attachment.transit_gateway_id, "transit_gateways")
        if attachment.resource_type != "vpc":
            continue
        if not check_ref(aid, "resource_id", attachment.resource_id, "vpcs"):
            continue
        if not attachment.subnet_ids and attachment.state == "available":
            error(
                aid, "subnet_ids", "MissingParameter", "a VPC attachment needs a subnet in at least one zone"
            )
        _one_subnet_per_zone(n, aid, attachment.resource_id, attachment.subnet_ids, error, check_ref)
    owner: dict[tuple[str, str], str] = {}
    for table in n.transit_gateway_route_tables.values():
        tid = table.transit_gateway_route_table_id
        check_ref(tid, "transit_gateway_id", table.transit_gateway_id, "transit_gateways")
        for index, attachment_id in enumerate(table.associations):
            field = f"associations[{index}]"
            found = n.transit_gateway_attachments.get(attachment_id)
            if found is None:
                check_ref(tid, field, attachment_id, "transit_gateway_attachments")
                continue
            if table.transit_gateway_id not in found.transit_gateway_ids():
                error(
                    tid,
                    field,
                    "InvalidTransitGatewayAttachmentID.NotFound",
                    f"{attachment_id} is not an attachment of {table.transit_gateway_id}",
                )
                continue
            key = (table.transit_gateway_id, attachment_id)
            if key in owner and owner[key] != tid:
                error(
                    tid,
                    field,
                    "Resource.AlreadyAssociated",
                    f"{attachment_id} is already associated with {owner[key]}: an attachment is associated "
                    "with one route table",
                )
            owner.setdefault(key, tid)
        for index, attachment_id in enumerate(table.propagations):
            field = f"propagations[{index}]"
            found = n.transit_gateway_attachments.get(attachment_id)
            if found is None:
                check_ref(tid, field, attachment_id, "transit_gateway_attachments")
            elif found.resource_type in ("peering", "tgw-peering"):
                warning(
                    tid,
                    field,
                    "VPCSIM_PEERING_PROPAGATION",
                    f"{attachment_id} is a peering attachment: peering attachments take static routes only, "
                    "so the propagation adds nothing",
                )
        seen: set[str] = set()
        for index, route in enumerate(table.routes):
            field = f"routes[{index}]"
            if route.type == "static":
                if route.destination in seen:
                    error(
                        tid,
                        field,
                        "RouteAlreadyExists",
                        f"{tid} already has a static route for {route.destination}",
                    )
                seen.add(route.destination)
            if route.blackhole or not route.transit_gateway_attachment_id:
                continue
            if route.transit_gateway_attachment_id not in n.transit_gateway_attachments:
                warning(
                    tid,
                    field,
                    "VPCSIM_GATEWAY_NOT_ATTACHED",
                    f"attachment {route.transit_gateway_attachment_id} is not in the network: the route "
                    f"{route.destination} drops its traffic (a blackhole)",
                )
    _vpc_routes(n, warning)
    for endpoint in n.vpc_endpoints.values():
        if endpoint.vpc_endpoint_type == "Interface" and endpoint.vpc_id in n.vpcs:
            _one_subnet_per_zone(
                n, endpoint.vpc_endpoint_id, endpoint.vpc_id, endpoint.subnet_ids, error, check_ref
            )


def _one_subnet_per_zone(
    n: Network, resource: str, vpc_id: str, subnet_ids: list[str], error: Report, check_ref: CheckRef
) -> None:
    zones: dict[str, str] = {}
    for index, subnet_id in enumerate(subnet_ids):
        field = f"subnet_ids[{index}]"
        if not check_ref(resource, field, subnet_id, "subnets"):
            continue
        subnet = n.subnets.get(subnet_id)
        if subnet is None:
            continue
        if subnet.vpc_id != vpc_id:
            error(resource, field, "InvalidParameterValue", f"subnet {subnet_id} is not in {vpc_id}")
        elif subnet.availability_zone in zones:
            error(
                resource,
                field,
                "DuplicateSubnetsInSameZone",
                f"{zones[subnet.availability_zone]} and {subnet_id} are both in {subnet.availability_zone}: "
                "one subnet per Availability Zone",
            )
        zones.setdefault(subnet.availability_zone, subnet_id)


def _vpc_routes(n: Network, warning: Report) -> None:
    described = {t for a in n.transit_gateway_attachments.values() for t in a.transit_gateway_ids()}
    attached = {
        (a.transit_gateway_id, a.resource_id)
        for a in n.transit_gateway_attachments.values()
        if a.resource_type == "vpc" and a.state == "available"
    }
    for table in n.route_tables.values():
        for index, route in enumerate(table.routes):
            tgw = route.transit_gateway_id
            if tgw and tgw in described and (tgw, table.vpc_id) not in attached:
                warning(
                    table.route_table_id,
                    f"routes[{index}]",
                    "VPCSIM_GATEWAY_NOT_ATTACHED",
                    f"{tgw} has no available attachment of {table.vpc_id}: the route {route.destination} drops "
                    "its traffic; attach the VPC to the transit gateway or point the route elsewhere",
                )
