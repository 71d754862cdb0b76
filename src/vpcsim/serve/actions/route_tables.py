"""Route tables: create/describe/delete, routes (create/replace/delete), associations with
subnets and gateways (associate/disassociate/replace, the main table)."""

from __future__ import annotations

import ipaddress
from typing import Any

from ..cidrs import parse_cidr4, parse_cidr6
from ..context import Request
from ..errors import ApiError, not_found
from ..filters import field
from ..registry import action
from .vpcs import require_vpc

KIND = "RouteTables"
ROUTES_PER_TABLE = 50  # AWS's default quota of non-propagated routes per route table

#: Route target parameter -> (store kind, id field in the store, not-found code, what)
TARGETS = {
    "GatewayId": (None, None, "InvalidGatewayID.NotFound", "gateway"),
    "EgressOnlyInternetGatewayId": (
        "EgressOnlyInternetGateways",
        "EgressOnlyInternetGatewayId",
        "InvalidGatewayID.NotFound",
        "gateway",
    ),
    "NatGatewayId": ("NatGateways", "NatGatewayId", "InvalidNatGatewayID.NotFound", "nat gateway"),
    "InstanceId": ("Instances", "InstanceId", "InvalidInstanceID.NotFound", "instance"),
    "NetworkInterfaceId": (
        "NetworkInterfaces",
        "NetworkInterfaceId",
        "InvalidNetworkInterfaceID.NotFound",
        "network interface",
    ),
    "VpcPeeringConnectionId": (
        "VpcPeeringConnections",
        "VpcPeeringConnectionId",
        "InvalidVpcPeeringConnectionID.NotFound",
        "vpcPeeringConnection",
    ),
    "TransitGatewayId": (
        "TransitGateways",
        "TransitGatewayId",
        "InvalidTransitGatewayID.NotFound",
        "transit gateway",
    ),
    "VpcEndpointId": ("VpcEndpoints", "VpcEndpointId", "InvalidVpcEndpointId.NotFound", "vpc endpoint"),
    "CarrierGatewayId": (None, None, "InvalidCarrierGatewayID.NotFound", "carrier gateway"),
    "LocalGatewayId": (None, None, "InvalidLocalGatewayID.NotFound", "local gateway"),
    "CoreNetworkArn": (None, None, "InvalidCoreNetworkArn.NotFound", "core network"),
}
#: GatewayId prefixes -> store kind, id field
GATEWAY_KINDS = {
    "igw": ("InternetGateways", "InternetGatewayId"),
    "vgw": ("VpnGateways", "VpnGatewayId"),
    "vpce": ("VpcEndpoints", "VpcEndpointId"),
    "eigw": ("EgressOnlyInternetGateways", "EgressOnlyInternetGatewayId"),
}
DESTINATIONS = ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")

FILTERS = {
    "association.gateway-id": field("Associations", "GatewayId"),
    "association.route-table-association-id": field("Associations", "RouteTableAssociationId"),
    "association.route-table-id": field("Associations", "RouteTableId"),
    "association.subnet-id": field("Associations", "SubnetId"),
    "association.main": field("Associations", "Main"),
    "owner-id": field("OwnerId"),
    "route-table-id": field("RouteTableId"),
    "route.destination-cidr-block": field("Routes", "DestinationCidrBlock"),
    "route.destination-ipv6-cidr-block": field("Routes", "DestinationIpv6CidrBlock"),
    "route.destination-prefix-list-id": field("Routes", "DestinationPrefixListId"),
    "route.egress-only-internet-gateway-id": field("Routes", "EgressOnlyInternetGatewayId"),
    "route.gateway-id": field("Routes", "GatewayId"),
    "route.instance-id": field("Routes", "InstanceId"),
    "route.nat-gateway-id": field("Routes", "NatGatewayId"),
    "route.transit-gateway-id": field("Routes", "TransitGatewayId"),
    "route.origin": field("Routes", "Origin"),
    "route.state": field("Routes", "State"),
    "route.vpc-peering-connection-id": field("Routes", "VpcPeeringConnectionId"),
    "vpc-id": field("VpcId"),
}


def vpc_blocks(vpc: dict[str, Any]) -> list[str]:
    blocks = [
        a["CidrBlock"] for a in vpc["CidrBlockAssociationSet"] if a["CidrBlockState"]["State"] == "associated"
    ]
    return blocks + [a["Ipv6CidrBlock"] for a in vpc.get("Ipv6CidrBlockAssociationSet", [])]


def _table_vpc_blocks(request: Request, table: dict[str, Any]) -> list[str]:
    vpc = request.get("Vpcs", table["VpcId"])
    return vpc_blocks(vpc) if vpc else []


def local_route(block: str) -> dict[str, Any]:
    key = "DestinationIpv6CidrBlock" if ":" in block else "DestinationCidrBlock"
    return {key: block, "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"}


def require_table(request: Request, table_id: str) -> dict[str, Any]:
    return request.require(KIND, table_id, "InvalidRouteTableID.NotFound", "route table")


@action("CreateRouteTable")
def create(request: Request) -> dict[str, Any]:
    vpc = require_vpc(request, request.params["VpcId"])
    table_id = request.new_id("rtb")
    body = {
        "Associations": [],
        "PropagatingVgws": [],
        "RouteTableId": table_id,
        "Routes": [local_route(block) for block in vpc_blocks(vpc)],
        "Tags": request.tags_for("route-table"),
        "VpcId": vpc["VpcId"],
        "OwnerId": request.account,
    }
    request.put(KIND, table_id, body)
    return {"RouteTable": body, "ClientToken": request.params.get("ClientToken")}


def _target_alive(request: Request, route: dict[str, Any], vpc_id: str, cache: dict[str, Any]) -> bool:
    """A route whose target is gone (gateway detached or deleted, NAT gateway deleted, instance
    stopped, peering not active) is a blackhole."""

    def get(kind: str, resource_id: str) -> dict[str, Any] | None:
        key = f"{kind}/{resource_id}"
        if key not in cache:
            cache[key] = request.get(kind, resource_id)
        return cache[key]  # type: ignore[no-any-return]

    gateway = route.get("GatewayId")
    if gateway and gateway != "local":
        kind_field = GATEWAY_KINDS.get(gateway.split("-")[0])
        if kind_field is None:
            return True
        body = get(kind_field[0], gateway)
        if body is None:
            return False
        if kind_field[0] == "InternetGateways":
            return any(a.get("VpcId") == vpc_id for a in body.get("Attachments", []))
        if kind_field[0] == "VpnGateways":
            return any(
                a.get("VpcId") == vpc_id and a.get("State") == "attached"
                for a in body.get("VpcAttachments", [])
            )
        return True
    if route.get("NatGatewayId"):
        nat = get("NatGateways", route["NatGatewayId"])
        return nat is not None and nat.get("State") in ("available", "pending")
    if route.get("InstanceId"):
        instance = get("Instances", route["InstanceId"])
        return instance is not None and instance.get("State", {}).get("Name") in ("running", "pending")
    if route.get("NetworkInterfaceId"):
        return get("NetworkInterfaces", route["NetworkInterfaceId"]) is not None
    if route.get("VpcPeeringConnectionId"):
        peering = get("VpcPeeringConnections", route["VpcPeeringConnectionId"])
        return peering is not None and peering.get("Status", {}).get("Code") == "active"
    if route.get("EgressOnlyInternetGatewayId"):
        return get("EgressOnlyInternetGateways", route["EgressOnlyInternetGatewayId"]) is not None
    return True


def with_states(request: Request, tables: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cache: dict[str, Any] = {}
    for table in tables:
        for route in table.get("Routes", []):
            if route.get("Origin") != "CreateRouteTable":
                route["State"] = (
                    "active" if _target_alive(request, route, table["VpcId"], cache) else "blackhole"
                )
    return tables


@action("DescribeRouteTables")
def describe(request: Request) -> dict[str, Any]:
    tables, token = request.describe(
        KIND,
        ids=request.params.get("RouteTableIds"),
        id_field="RouteTableId",
        not_found_code="InvalidRouteTableID.NotFound",
        what="route table",
        filters=FILTERS,
        items=with_states(request, request.all(KIND)),
    )
    return {"RouteTables": tables, "NextToken": token}


@action("DeleteRouteTable")
def delete(request: Request) -> dict[str, Any]:
    table_id = request.params["RouteTableId"]
    table = require_table(request, table_id)
    if table["Associations"]:
        raise ApiError(
            "DependencyViolation", f"The routeTable '{table_id}' has dependencies and cannot be deleted."
        )
    request.delete(KIND, table_id)
    return {}


# ----------------------------------------------------------------------------------- routes


def _destination(request: Request) -> tuple[str, str]:
    given = [(key, request.params[key]) for key in DESTINATIONS if request.params.get(key)]
    if len(given) != 1:
        raise ApiError(
            "InvalidParameterCombination" if given else "MissingParameter",
            "The request must contain exactly one of destinationCidrBlock, destinationIpv6CidrBlock or "
            "destinationPrefixListId",
        )
    key, value = given[0]
    if key == "DestinationCidrBlock":
        return key, str(parse_cidr4(value, "destinationCidrBlock"))
    if key == "DestinationIpv6CidrBlock":
        return key, str(parse_cidr6(value, "destinationIpv6CidrBlock"))
    if request.get("ManagedPrefixLists", value) is None:
        raise not_found("InvalidPrefixListID.NotFound", "prefix list", value)
    return key, value


def _endpoint_target(request: Request, endpoint_id: str, code: str, what: str) -> dict[str, Any]:
    """A VPC endpoint as a route target: only a Gateway Load Balancer endpoint is one (a gateway
    endpoint's routes are its prefix-list routes, made by the endpoint; an interface endpoint is
    reached by its addresses). The route names it as ``GatewayId``, as DescribeRouteTables shows it
    (the Route shape has no ``VpcEndpointId``)."""
    endpoint = request.get("VpcEndpoints", endpoint_id)
    if endpoint is None:
        raise not_found(code, what, endpoint_id)
    if endpoint.get("VpcEndpointType") != "GatewayLoadBalancer":
        raise ApiError(
            "RouteNotSupported",
            f"Route table contains unsupported route target: {endpoint_id}. "
            "VPC Endpoints of this type cannot be used as route targets.",
        )
    return {"GatewayId": endpoint_id}


def _middlebox(route: dict[str, Any]) -> bool:
    """An interface, a NAT gateway or a Gateway Load Balancer endpoint: the targets a route more
    specific than ``local`` may have."""
    return any(k in route for k in ("NetworkInterfaceId", "NatGatewayId")) or str(
        route.get("GatewayId", "")
    ).startswith("vpce-")


def _target(request: Request, table: dict[str, Any], destination: tuple[str, str]) -> dict[str, Any]:
    given = [(key, request.params[key]) for key in TARGETS if request.params.get(key)]
    if not given:
        raise ApiError(
            "MissingParameter",
            "The request must contain exactly one route target (gatewayId, natGatewayId...)",
        )
    if len(given) > 1:
        raise ApiError("InvalidParameterCombination", "Only one route target may be given")
    key, value = given[0]
    route: dict[str, Any] = {key: value}
    kind, _, code, what = TARGETS[key]
    if key == "VpcEndpointId" or (key == "GatewayId" and value.startswith("vpce-")):
        return _endpoint_target(request, value, code, what)
    if key == "GatewayId":
        gateway_kind = GATEWAY_KINDS.get(value.split("-")[0])
        if gateway_kind is None or request.get(gateway_kind[0], value) is None:
            raise not_found(code, what, value)
        gateway = request.get(gateway_kind[0], value) or {}
        attachments = gateway.get("Attachments", gateway.get("VpcAttachments", []))
        live = [a for a in attachments if a.get("State") in ("available", "attached", "attaching")]
        if (
            gateway_kind[0] in ("InternetGateways", "VpnGateways")
            and live
            and not any(a.get("VpcId") == table["VpcId"] for a in live)
        ):
            raise ApiError(
                "InvalidParameterValue",
                f"route table {table['RouteTableId']} and network gateway {value} belong to different networks",
            )
        if gateway_kind[0] == "EgressOnlyInternetGateways":
            route = {"EgressOnlyInternetGatewayId": value}
        return route
    if kind is None:
        raise ApiError("InvalidParameterValue", f"vpcsim serve does not model {what}s")
    body = request.get(kind, value)
    if body is None:
        raise not_found(code, what, value)
    if key == "EgressOnlyInternetGatewayId" and destination[0] != "DestinationIpv6CidrBlock":
        raise ApiError(
            "InvalidParameterValue", "An egress-only internet gateway is a route target for IPv6 only"
        )
    if key == "InstanceId":
        interfaces = body.get("NetworkInterfaces") or []
        if len(interfaces) != 1:
            raise ApiError(
                "InvalidInstanceID",
                f"There are multiple interfaces attached to instance '{value}'. Please specify an interface ID for the operation instead.",
            )
        route["InstanceOwnerId"] = request.account
        route["NetworkInterfaceId"] = interfaces[0]["NetworkInterfaceId"]
    if key == "NetworkInterfaceId" and (body.get("Attachment") or {}).get("InstanceId"):
        route["InstanceId"] = body["Attachment"]["InstanceId"]
        route["InstanceOwnerId"] = request.account
    if key == "NatGatewayId" and body.get("VpcId") != table["VpcId"]:
        raise ApiError(
            "InvalidParameterValue",
            f"route table {table['RouteTableId']} and network gateway {value} belong to different networks",
        )
    return route


def _check_against_local(
    request: Request, table: dict[str, Any], destination: tuple[str, str], route: dict[str, Any]
) -> None:
    """A route more specific than ``local`` must name a whole subnet and point at an interface,
    a NAT gateway or a gateway load balancer endpoint (middlebox routing); equal to a VPC block it
    is the local route."""
    key, value = destination
    if key == "DestinationPrefixListId":
        return
    net = ipaddress.ip_network(value)
    vpc = request.get("Vpcs", table["VpcId"]) or {}
    for block in vpc_blocks(vpc) if vpc else []:
        local = ipaddress.ip_network(block)
        if local.version != net.version:
            continue
        if net == local:
            raise ApiError("RouteAlreadyExists", f"The route identified by {value} already exists.")
        if net.subnet_of(local):  # type: ignore[arg-type]
            middlebox = _middlebox(route)
            subnets = {s.get("CidrBlock") for s in request.all("Subnets") if s.get("VpcId") == table["VpcId"]}
            subnets |= {
                a.get("Ipv6CidrBlock")
                for s in request.all("Subnets")
                if s.get("VpcId") == table["VpcId"]
                for a in s.get("Ipv6CidrBlockAssociationSet", [])
            }
            if not middlebox or str(net) not in subnets:
                raise ApiError(
                    "InvalidParameterValue",
                    f"The destination CIDR block {value} is equal to or more specific than one of this VPC's CIDR "
                    "blocks. This route can target only an interface, an instance or a NAT gateway and must match "
                    "the CIDR of a subnet.",
                )


@action("CreateRoute")
def create_route(request: Request) -> dict[str, Any]:
    table = require_table(request, request.params["RouteTableId"])
    destination = _destination(request)
    route_target = _target(request, table, destination)
    for route in table["Routes"]:
        if route.get(destination[0]) == destination[1]:
            raise ApiError("RouteAlreadyExists", f"The route identified by {destination[1]} already exists.")
    _check_against_local(request, table, destination, route_target)
    if sum(1 for r in table["Routes"] if r.get("Origin") == "CreateRoute") >= ROUTES_PER_TABLE:
        raise ApiError(
            "RouteLimitExceeded", f"The maximum number of routes ({ROUTES_PER_TABLE}) has been reached."
        )
    table["Routes"].append(
        {destination[0]: destination[1], **route_target, "Origin": "CreateRoute", "State": "active"}
    )
    request.put(KIND, table["RouteTableId"], table)
    return {"Return": True}


def _find_route(table: dict[str, Any], destination: tuple[str, str]) -> dict[str, Any] | None:
    return next((r for r in table["Routes"] if r.get(destination[0]) == destination[1]), None)


def _restore_local(
    request: Request, table: dict[str, Any], destination: tuple[str, str], current: dict[str, Any]
) -> dict[str, Any]:
    """``ReplaceRoute(LocalTarget=true)``: the route of a VPC block gets its ``local`` target back
    (after ReplaceRoute gave it an interface, say); it names no other target."""
    if any(request.params.get(key) for key in TARGETS):
        raise ApiError(
            "InvalidParameterCombination", "LocalTarget cannot be combined with another route target"
        )
    if destination[1] not in _table_vpc_blocks(request, table):
        raise ApiError(
            "InvalidParameterValue",
            f"The route for {destination[1]} is not a local route of {table['VpcId']}: only a route of a VPC "
            "CIDR block can have the local target",
        )
    table["Routes"] = [local_route(destination[1]) if r is current else r for r in table["Routes"]]
    request.put(KIND, table["RouteTableId"], table)
    return {}


@action("ReplaceRoute")
def replace_route(request: Request) -> dict[str, Any]:
    table = require_table(request, request.params["RouteTableId"])
    destination = _destination(request)
    current = _find_route(table, destination)
    if current is None:
        raise ApiError(
            "InvalidParameterValue",
            f"There is no route defined for '{destination[1]}' in the route table. Use CreateRoute instead.",
        )
    if request.params.get("LocalTarget"):
        return _restore_local(request, table, destination, current)
    route_target = _target(request, table, destination)
    if destination[1] not in _table_vpc_blocks(request, table):
        _check_against_local(request, table, destination, route_target)
    elif not _middlebox(route_target):  # the route of a VPC block: local, or replaced by a middlebox
        raise ApiError(
            "InvalidParameterValue",
            "The local route can only target an interface, a NAT gateway or an endpoint",
        )
    replaced = {
        destination[0]: destination[1],
        **route_target,
        "Origin": current.get("Origin", "CreateRoute"),
        "State": "active",
    }
    table["Routes"] = [replaced if r is current else r for r in table["Routes"]]
    request.put(KIND, table["RouteTableId"], table)
    return {}


@action("DeleteRoute")
def delete_route(request: Request) -> dict[str, Any]:
    table = require_table(request, request.params["RouteTableId"])
    destination = _destination(request)
    current = _find_route(table, destination)
    name = {
        "DestinationCidrBlock": "destination-cidr-block",
        "DestinationIpv6CidrBlock": "destination-ipv6-cidr-block",
    }
    if current is None:
        raise ApiError(
            "InvalidRoute.NotFound",
            f"no route with {name.get(destination[0], 'destination-prefix-list-id')} {destination[1]} in route table "
            f"{table['RouteTableId']}",
        )
    if current.get("GatewayId") == "local":
        raise ApiError(
            "InvalidParameterValue",
            f"cannot remove local route {destination[1]} in route table {table['RouteTableId']}",
        )
    table["Routes"] = [r for r in table["Routes"] if r is not current]
    request.put(KIND, table["RouteTableId"], table)
    return {}


# ----------------------------------------------------------------------------- associations


def _association(request: Request, table_id: str, **target: Any) -> dict[str, Any]:
    return {
        "Main": False,
        "RouteTableAssociationId": request.new_id("rtbassoc"),
        "RouteTableId": table_id,
        **target,
        "AssociationState": {"State": "associated"},
    }


@action("AssociateRouteTable")
def associate(request: Request) -> dict[str, Any]:
    table = require_table(request, request.params["RouteTableId"])
    subnet_id, gateway_id = request.params.get("SubnetId"), request.params.get("GatewayId")
    if bool(subnet_id) == bool(gateway_id):
        raise ApiError("InvalidParameterCombination", "Specify exactly one of subnetId and gatewayId")
    if subnet_id:
        subnet = request.require("Subnets", subnet_id, "InvalidSubnetID.NotFound", "subnet")
        if subnet["VpcId"] != table["VpcId"]:
            raise ApiError(
                "InvalidParameterValue",
                f"Route table {table['RouteTableId']} and subnet {subnet_id} belong to different networks",
            )
        key, value = "SubnetId", subnet_id
    else:
        assert gateway_id is not None
        kind = GATEWAY_KINDS.get(gateway_id.split("-")[0])
        if kind is None or request.get(kind[0], gateway_id) is None:
            raise not_found("InvalidGatewayID.NotFound", "gateway", gateway_id)
        key, value = "GatewayId", gateway_id
    for other in request.all(KIND):
        for existing in other["Associations"]:
            if existing.get(key) == value and other["RouteTableId"] == table["RouteTableId"]:
                return {
                    "AssociationId": existing["RouteTableAssociationId"],
                    "AssociationState": {"State": "associated"},
                }
            if existing.get(key) == value:
                raise ApiError(
                    "Resource.AlreadyAssociated",
                    f"the specified association for route table {other['RouteTableId']} conflicts with an existing "
                    "association",
                )
    association = _association(request, table["RouteTableId"], **{key: value})
    table["Associations"].append(association)
    request.put(KIND, table["RouteTableId"], table)
    return {
        "AssociationId": association["RouteTableAssociationId"],
        "AssociationState": {"State": "associated"},
    }


def _holding(request: Request, association_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    for table in request.all(KIND):
        for association in table["Associations"]:
            if association["RouteTableAssociationId"] == association_id:
                return table, association
    raise not_found("InvalidAssociationID.NotFound", "association", association_id)


@action("DisassociateRouteTable")
def disassociate(request: Request) -> dict[str, Any]:
    association_id = request.params["AssociationId"]
    table, association = _holding(request, association_id)
    if association.get("Main"):
        raise ApiError(
            "InvalidParameterValue",
            f"cannot disassociate the main route table association {association_id}",
        )
    table["Associations"] = [a for a in table["Associations"] if a is not association]
    request.put(KIND, table["RouteTableId"], table)
    return {}


@action("ReplaceRouteTableAssociation")
def replace_association(request: Request) -> dict[str, Any]:
    association_id = request.params["AssociationId"]
    new_table = require_table(request, request.params["RouteTableId"])
    old_table, association = _holding(request, association_id)
    if new_table["VpcId"] != old_table["VpcId"]:
        raise ApiError(
            "InvalidParameterValue",
            f"Route table {new_table['RouteTableId']} belongs to a different network than the association",
        )
    if old_table["RouteTableId"] == new_table["RouteTableId"]:
        return {"NewAssociationId": association_id, "AssociationState": {"State": "associated"}}
    old_table["Associations"] = [a for a in old_table["Associations"] if a is not association]
    request.put(KIND, old_table["RouteTableId"], old_table)
    new_table = require_table(request, new_table["RouteTableId"])  # the old table may be the new one
    target = {k: association[k] for k in ("SubnetId", "GatewayId") if k in association}
    replacement = _association(request, new_table["RouteTableId"], **target)
    replacement["Main"] = bool(association.get("Main"))
    new_table["Associations"].append(replacement)
    request.put(KIND, new_table["RouteTableId"], new_table)
    return {
        "NewAssociationId": replacement["RouteTableAssociationId"],
        "AssociationState": {"State": "associated"},
    }
