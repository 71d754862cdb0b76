"""Virtual private gateways (the VPN side of a VPC): create/describe/attach/detach/delete, so
that routes can point at them (the VPN connections behind them are not modelled)."""

from __future__ import annotations

from typing import Any

from ..context import Request
from ..errors import ApiError
from ..filters import field
from ..registry import action
from .vpcs import require_vpc

KIND = "VpnGateways"
FILTERS = {
    "amazon-side-asn": field("AmazonSideAsn"),
    "attachment.state": field("VpcAttachments", "State"),
    "attachment.vpc-id": field("VpcAttachments", "VpcId"),
    "availability-zone": field("AvailabilityZone"),
    "state": field("State"),
    "type": field("Type"),
    "vpn-gateway-id": field("VpnGatewayId"),
}


def _require(request: Request, gateway_id: str) -> dict[str, Any]:
    return request.require(KIND, gateway_id, "InvalidVpnGatewayID.NotFound", "vpnGateway")


@action("CreateVpnGateway")
def create(request: Request) -> dict[str, Any]:
    if request.params["Type"] != "ipsec.1":
        raise ApiError(
            "InvalidParameterValue", f"Value ({request.params['Type']}) for parameter type is invalid."
        )
    gateway_id = request.new_id("vgw")
    body: dict[str, Any] = {
        "State": "available",
        "Type": "ipsec.1",
        "VpcAttachments": [],
        "VpnGatewayId": gateway_id,
        "AmazonSideAsn": request.params.get("AmazonSideAsn", 64512),
        "Tags": request.tags_for("vpn-gateway"),
    }
    if request.params.get("AvailabilityZone"):
        body["AvailabilityZone"] = request.params["AvailabilityZone"]
    request.put(KIND, gateway_id, body)
    return {"VpnGateway": body}


@action("DescribeVpnGateways")
def describe(request: Request) -> dict[str, Any]:
    found, _ = request.describe(
        KIND,
        ids=request.params.get("VpnGatewayIds"),
        id_field="VpnGatewayId",
        not_found_code="InvalidVpnGatewayID.NotFound",
        what="vpnGateway",
        filters=FILTERS,
        paginate=False,
    )
    return {
        "VpnGateways": [
            g for g in found if g.get("State") != "deleted" or request.params.get("VpnGatewayIds")
        ]
    }


@action("AttachVpnGateway")
def attach(request: Request) -> dict[str, Any]:
    gateway = _require(request, request.params["VpnGatewayId"])
    vpc_id = request.params["VpcId"]
    require_vpc(request, vpc_id)
    if any(a["State"] == "attached" for a in gateway["VpcAttachments"]):
        raise ApiError(
            "InvalidVpnGatewayAttachment.LimitExceeded",
            f"{gateway['VpnGatewayId']} is already attached to a VPC",
        )
    for other in request.all(KIND):
        if any(a["VpcId"] == vpc_id and a["State"] == "attached" for a in other["VpcAttachments"]):
            raise ApiError(
                "InvalidParameterValue", f"VPC {vpc_id} already has a virtual private gateway attached"
            )
    attachment = {"State": "attached", "VpcId": vpc_id}
    gateway["VpcAttachments"] = [a for a in gateway["VpcAttachments"] if a["VpcId"] != vpc_id] + [attachment]
    request.put(KIND, gateway["VpnGatewayId"], gateway)
    return {"VpcAttachment": attachment}


@action("DetachVpnGateway")
def detach(request: Request) -> dict[str, Any]:
    gateway = _require(request, request.params["VpnGatewayId"])
    vpc_id = request.params["VpcId"]
    if not any(a["VpcId"] == vpc_id and a["State"] == "attached" for a in gateway["VpcAttachments"]):
        raise ApiError(
            "InvalidVpnGatewayAttachment.NotFound",
            f"The attachment with vpn gateway ID '{gateway['VpnGatewayId']}' and vpc ID '{vpc_id}' does not exist",
        )
    for attachment in gateway["VpcAttachments"]:
        if attachment["VpcId"] == vpc_id:
            attachment["State"] = "detached"
    request.put(KIND, gateway["VpnGatewayId"], gateway)
    return {}


@action("DeleteVpnGateway")
def delete(request: Request) -> dict[str, Any]:
    gateway = _require(request, request.params["VpnGatewayId"])
    if any(a["State"] == "attached" for a in gateway["VpcAttachments"]):
        raise ApiError("IncorrectState", f"The VPN gateway {gateway['VpnGatewayId']} is attached to a VPC")
    gateway["State"] = "deleted"
    request.put(KIND, gateway["VpnGatewayId"], gateway)
    return {}
