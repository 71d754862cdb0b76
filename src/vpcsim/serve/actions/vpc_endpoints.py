"""VPC endpoints: create/describe/modify/delete. A gateway endpoint adds, to each of its route
tables, a route from the service's AWS-managed prefix list (S3, DynamoDB of the region) to the
endpoint; an interface endpoint has a requester-managed network interface in each of its
subnets. The services behind them are not modelled (the engine answers ``unknown`` there)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..addresses import allocate_private
from ..context import Request
from ..errors import ApiError
from ..filters import field
from ..registry import action
from .route_tables import KIND as ROUTE_TABLES
from .vpcs import require_vpc

KIND = "VpcEndpoints"
TYPES = {"interface": "Interface", "gateway": "Gateway", "gatewayloadbalancer": "GatewayLoadBalancer"}
DEFAULT_POLICY = json.dumps(
    {
        "Version": "2008-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
    }
)
FILTERS = {
    "ip-address-type": field("IpAddressType"),
    "service-name": field("ServiceName"),
    "vpc-id": field("VpcId"),
    "vpc-endpoint-id": field("VpcEndpointId"),
    "vpc-endpoint-state": field("State"),
    "vpc-endpoint-type": field("VpcEndpointType"),
}


def _prefix_list_of(request: Request, service: str) -> str | None:
    for pl in request.all("ManagedPrefixLists"):
        if pl.get("OwnerId") == "AWS" and pl.get("PrefixListName") == service:
            return str(pl["PrefixListId"])
    return None


def _set_routes(request: Request, endpoint: dict[str, Any], table_ids: list[str], present: bool) -> None:
    prefix_list = _prefix_list_of(request, endpoint["ServiceName"])
    for table_id in table_ids:
        table = request.require(ROUTE_TABLES, table_id, "InvalidRouteTableID.NotFound", "route table")
        routes = [r for r in table["Routes"] if r.get("GatewayId") != endpoint["VpcEndpointId"]]
        if present and prefix_list is not None:
            routes.append(
                {
                    "DestinationPrefixListId": prefix_list,
                    "GatewayId": endpoint["VpcEndpointId"],
                    "Origin": "CreateRoute",
                    "State": "active",
                }
            )
        table["Routes"] = routes
        request.put(ROUTE_TABLES, table_id, table)


def _interfaces(request: Request, endpoint: dict[str, Any], subnet_ids: list[str]) -> list[str]:
    made = []
    for subnet_id in subnet_ids:
        subnet = request.require("Subnets", subnet_id, "InvalidSubnetID.NotFound", "subnet")
        if subnet["VpcId"] != endpoint["VpcId"]:
            raise ApiError("InvalidParameter", f"Subnet {subnet_id} is not in {endpoint['VpcId']}")
        private_ip = allocate_private(request.tx, subnet)
        eni_id = request.new_id("eni")
        request.put(
            "NetworkInterfaces",
            eni_id,
            {
                "AvailabilityZone": subnet["AvailabilityZone"],
                "Description": f"VPC Endpoint Interface {endpoint['VpcEndpointId']}",
                "Groups": [
                    {"GroupId": g["GroupId"], "GroupName": g["GroupName"]} for g in endpoint["Groups"]
                ],
                "InterfaceType": "vpc_endpoint",
                "Ipv6Addresses": [],
                "NetworkInterfaceId": eni_id,
                "OwnerId": request.account,
                "PrivateIpAddress": private_ip,
                "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": private_ip}],
                "RequesterId": "amazon-vpce",
                "RequesterManaged": True,
                "SourceDestCheck": True,
                "Status": "in-use",
                "SubnetId": subnet_id,
                "TagSet": [],
                "VpcId": endpoint["VpcId"],
            },
        )
        made.append(eni_id)
    return made


def _groups(request: Request, ids: list[str]) -> list[dict[str, str]]:
    groups = []
    for group_id in ids:
        group = request.require("SecurityGroups", group_id, "InvalidGroup.NotFound", "security group")
        groups.append({"GroupId": group_id, "GroupName": group.get("GroupName", "")})
    return groups


@action("CreateVpcEndpoint")
def create(request: Request) -> dict[str, Any]:
    params = request.params
    vpc = require_vpc(request, params["VpcId"])
    kind = TYPES.get((params.get("VpcEndpointType") or "Gateway").lower())
    if kind is None:
        raise ApiError(
            "InvalidParameterValue",
            f"Value ({params.get('VpcEndpointType')}) for parameter vpcEndpointType is invalid.",
        )
    endpoint_id = request.new_id("vpce")
    service = params["ServiceName"]
    endpoint: dict[str, Any] = {
        "VpcEndpointId": endpoint_id,
        "VpcEndpointType": kind,
        "VpcId": vpc["VpcId"],
        "ServiceName": service,
        "State": "available",
        "PolicyDocument": params.get("PolicyDocument") or DEFAULT_POLICY,
        "RouteTableIds": list(params.get("RouteTableIds") or []),
        "SubnetIds": list(params.get("SubnetIds") or []),
        "Groups": _groups(request, params.get("SecurityGroupIds") or []) if kind == "Interface" else [],
        "PrivateDnsEnabled": bool(params.get("PrivateDnsEnabled", True)),  # the API's documented default
        "RequesterManaged": False,
        "NetworkInterfaceIds": [],
        "DnsEntries": [],
        "CreationTimestamp": dt.datetime.now(dt.UTC).isoformat(),
        "Tags": request.tags_for("vpc-endpoint"),
        "OwnerId": request.account,
    }
    if kind == "Interface":
        endpoint["NetworkInterfaceIds"] = _interfaces(request, endpoint, endpoint["SubnetIds"])
        endpoint["DnsEntries"] = [{"DnsName": f"{endpoint_id}.{service}", "HostedZoneId": "Z7HUB22UULQXV"}]
    if kind == "Gateway":
        _set_routes(request, endpoint, endpoint["RouteTableIds"], True)
    request.put(KIND, endpoint_id, endpoint)
    return {"VpcEndpoint": endpoint, "ClientToken": params.get("ClientToken")}


@action("DescribeVpcEndpoints")
def describe(request: Request) -> dict[str, Any]:
    found, token = request.describe(
        KIND,
        ids=request.params.get("VpcEndpointIds"),
        id_field="VpcEndpointId",
        not_found_code="InvalidVpcEndpointId.NotFound",
        what="VpcEndpoint",
        filters=FILTERS,
    )
    return {"VpcEndpoints": found, "NextToken": token}


def _merge(current: list[str], add: list[str], remove: list[str]) -> list[str]:
    kept = [x for x in current if x not in remove]
    return kept + [x for x in add if x not in kept]


@action("ModifyVpcEndpoint")
def modify(request: Request) -> dict[str, Any]:
    params = request.params
    endpoint = request.require(KIND, params["VpcEndpointId"], "InvalidVpcEndpointId.NotFound", "VpcEndpoint")
    add_tables, remove_tables = params.get("AddRouteTableIds") or [], params.get("RemoveRouteTableIds") or []
    if endpoint["VpcEndpointType"] == "Gateway":
        _set_routes(request, endpoint, remove_tables, False)
        _set_routes(request, endpoint, add_tables, True)
    endpoint["RouteTableIds"] = _merge(endpoint["RouteTableIds"], add_tables, remove_tables)
    add_subnets, remove_subnets = params.get("AddSubnetIds") or [], params.get("RemoveSubnetIds") or []
    if endpoint["VpcEndpointType"] == "Interface":
        new_subnets = [s for s in add_subnets if s not in endpoint["SubnetIds"]]
        endpoint["NetworkInterfaceIds"] += _interfaces(request, endpoint, new_subnets)
        for eni_id in list(endpoint["NetworkInterfaceIds"]):
            eni = request.get("NetworkInterfaces", eni_id)
            if eni is not None and eni["SubnetId"] in remove_subnets:
                request.delete("NetworkInterfaces", eni_id)
                endpoint["NetworkInterfaceIds"].remove(eni_id)
    endpoint["SubnetIds"] = _merge(endpoint["SubnetIds"], add_subnets, remove_subnets)
    add_groups = params.get("AddSecurityGroupIds") or []
    remove_groups = params.get("RemoveSecurityGroupIds") or []
    current = [g["GroupId"] for g in endpoint["Groups"]]
    endpoint["Groups"] = _groups(request, _merge(current, add_groups, remove_groups))
    if params.get("ResetPolicy"):
        endpoint["PolicyDocument"] = DEFAULT_POLICY
    elif params.get("PolicyDocument"):
        endpoint["PolicyDocument"] = params["PolicyDocument"]
    if "PrivateDnsEnabled" in params:
        endpoint["PrivateDnsEnabled"] = bool(params["PrivateDnsEnabled"])
    request.put(KIND, endpoint["VpcEndpointId"], endpoint)
    return {"Return": True}


@action("DeleteVpcEndpoints")
def delete(request: Request) -> dict[str, Any]:
    unsuccessful = []
    for endpoint_id in request.params["VpcEndpointIds"]:
        endpoint = request.get(KIND, endpoint_id)
        if endpoint is None:
            unsuccessful.append(
                {
                    "Error": {
                        "Code": "InvalidVpcEndpoint.NotFound",
                        "Message": f"The VPC endpoint {endpoint_id} does not exist",
                    },
                    "ResourceId": endpoint_id,
                }
            )
            continue
        _set_routes(request, endpoint, endpoint["RouteTableIds"], False)
        for eni_id in endpoint.get("NetworkInterfaceIds", []):
            request.delete("NetworkInterfaces", eni_id)
        endpoint.update({"State": "deleted", "RouteTableIds": [], "NetworkInterfaceIds": []})
        request.put(KIND, endpoint_id, endpoint)
    return {"Unsuccessful": unsuccessful}
