"""NAT gateways: create/describe/delete. As AWS does (and moto does not), a NAT gateway has a
requester-managed network interface in its subnet holding a private address of that subnet, and
a public NAT gateway's Elastic IP is associated with that interface. A public NAT gateway in a
VPC without an attached internet gateway fails ("Network vpc-... has no Internet gateway
attached", AWS's NAT gateway troubleshooting guide)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..addresses import allocate_private
from ..context import Request
from ..errors import ApiError
from ..filters import field
from ..registry import action
from .elastic_ips import public_dns, set_public_ip
from .subnets import require_subnet

KIND = "NatGateways"

FILTERS = {
    "nat-gateway-id": field("NatGatewayId"),
    "state": field("State"),
    "subnet-id": field("SubnetId"),
    "vpc-id": field("VpcId"),
}


def _interface(request: Request, subnet: dict[str, Any], nat_id: str, private_ip: str) -> dict[str, Any]:
    eni_id = request.new_id("eni")
    body = {
        "AvailabilityZone": subnet["AvailabilityZone"],
        "Description": f"Interface for NAT Gateway {nat_id}",
        "Groups": [],
        "InterfaceType": "nat_gateway",
        "Ipv6Addresses": [],
        "MacAddress": "02:00:00:00:00:00",
        "NetworkInterfaceId": eni_id,
        "OwnerId": request.account,
        "PrivateIpAddress": private_ip,
        "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": private_ip}],
        "RequesterId": "amazon-nat-gateway",
        "RequesterManaged": True,
        "SourceDestCheck": False,
        "Status": "in-use",
        "SubnetId": subnet["SubnetId"],
        "TagSet": [],
        "VpcId": subnet["VpcId"],
    }
    request.put("NetworkInterfaces", eni_id, body)
    return body


@action("CreateNatGateway")
def create(request: Request) -> dict[str, Any]:
    params = request.params
    subnet = require_subnet(request, params["SubnetId"])
    connectivity = params.get("ConnectivityType") or "public"
    if connectivity not in ("public", "private"):
        raise ApiError(
            "InvalidParameterValue", f"Value ({connectivity}) for parameter ConnectivityType is invalid."
        )
    address = None
    if connectivity == "public":
        if not params.get("AllocationId"):
            raise ApiError("MissingParameter", "The request must contain the parameter AllocationId")
        address = request.require(
            "Addresses", params["AllocationId"], "InvalidAllocationID.NotFound", "allocation"
        )
        if address.get("AssociationId"):
            raise ApiError(
                "Resource.AlreadyAssociated",
                f"Elastic IP address [{params['AllocationId']}] is already associated",
            )
    elif params.get("AllocationId"):
        raise ApiError("InvalidParameterCombination", "A private NAT gateway takes no Elastic IP address")
    nat_id = request.new_id("nat")
    private_ip = allocate_private(request.tx, subnet, params.get("PrivateIpAddress"))
    eni = _interface(request, subnet, nat_id, private_ip)
    entry: dict[str, Any] = {
        "NetworkInterfaceId": eni["NetworkInterfaceId"],
        "PrivateIp": private_ip,
        "IsPrimary": True,
        "Status": "succeeded",
    }
    state, failure = "available", None
    if address is not None:
        association_id = request.new_id("eipassoc")
        address.update(
            {
                "AssociationId": association_id,
                "NetworkInterfaceId": eni["NetworkInterfaceId"],
                "NetworkInterfaceOwnerId": request.account,
                "PrivateIpAddress": private_ip,
            }
        )
        request.put("Addresses", address["AllocationId"], address)
        set_public_ip(
            request,
            eni["NetworkInterfaceId"],
            private_ip,
            {
                "AllocationId": address["AllocationId"],
                "AssociationId": association_id,
                "IpOwnerId": request.account,
                "PublicDnsName": public_dns(address["PublicIp"], request.region),
                "PublicIp": address["PublicIp"],
            },
        )
        entry.update(
            {
                "AllocationId": address["AllocationId"],
                "PublicIp": address["PublicIp"],
                "AssociationId": association_id,
            }
        )
        attached = any(
            a.get("VpcId") == subnet["VpcId"]
            for g in request.all("InternetGateways")
            for a in g.get("Attachments", [])
        )
        if not attached:
            state, failure = "failed", f"Network {subnet['VpcId']} has no Internet gateway attached"
    body: dict[str, Any] = {
        "CreateTime": dt.datetime.now(dt.UTC).isoformat(),
        "NatGatewayAddresses": [entry],
        "NatGatewayId": nat_id,
        "State": state,
        "SubnetId": subnet["SubnetId"],
        "VpcId": subnet["VpcId"],
        "Tags": request.tags_for("natgateway") + request.tags_for("nat-gateway"),
        "ConnectivityType": connectivity,
    }
    if failure:
        body.update({"FailureCode": "Gateway.NotAttached", "FailureMessage": failure})
    request.put(KIND, nat_id, body)
    return {"NatGateway": body, "ClientToken": params.get("ClientToken")}


@action("DescribeNatGateways")
def describe(request: Request) -> dict[str, Any]:
    gateways, token = request.describe(
        KIND,
        ids=request.params.get("NatGatewayIds"),
        id_field="NatGatewayId",
        not_found_code="NatGatewayNotFound",
        what="nat gateway",
        filters=FILTERS,
        filter_param="Filter",
    )
    return {"NatGateways": gateways, "NextToken": token}


@action("DeleteNatGateway")
def delete(request: Request) -> dict[str, Any]:
    nat_id = request.params["NatGatewayId"]
    nat = request.require(KIND, nat_id, "NatGatewayNotFound", "nat gateway")
    for entry in nat.get("NatGatewayAddresses", []):
        allocation_id = entry.get("AllocationId")
        address = request.get("Addresses", allocation_id) if allocation_id else None
        if address is not None:
            for key in ("AssociationId", "NetworkInterfaceId", "NetworkInterfaceOwnerId", "PrivateIpAddress"):
                address.pop(key, None)
            request.put("Addresses", allocation_id, address)
        if entry.get("NetworkInterfaceId"):
            request.delete("NetworkInterfaces", entry["NetworkInterfaceId"])
    nat["State"] = "deleted"
    nat["DeleteTime"] = dt.datetime.now(dt.UTC).isoformat()
    request.put(KIND, nat_id, nat)
    return {"NatGatewayId": nat_id}
