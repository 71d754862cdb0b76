"""Internet gateways (create/attach/detach/delete) and egress-only internet gateways."""

from __future__ import annotations

from typing import Any

from ..context import Request
from ..errors import ApiError
from ..filters import field
from ..registry import action
from ..store import Transaction
from .vpcs import require_vpc

KIND = "InternetGateways"
EGRESS_ONLY = "EgressOnlyInternetGateways"

FILTERS = {
    "attachment.state": field("Attachments", "State"),
    "attachment.vpc-id": field("Attachments", "VpcId"),
    "internet-gateway-id": field("InternetGatewayId"),
    "owner-id": field("OwnerId"),
}
EGRESS_ONLY_FILTERS = {
    "egress-only-internet-gateway-id": field("EgressOnlyInternetGatewayId"),
    "attachment.state": field("Attachments", "State"),
    "attachment.vpc-id": field("Attachments", "VpcId"),
}


def new_internet_gateway(tx: Transaction, tags: list[dict[str, str]]) -> dict[str, Any]:
    gateway_id = tx.new_id("igw")
    body = {"Attachments": [], "InternetGatewayId": gateway_id, "OwnerId": tx.account, "Tags": tags}
    tx.put(KIND, gateway_id, body)
    return body


def attach(tx: Transaction, gateway: dict[str, Any], vpc_id: str) -> None:
    gateway["Attachments"] = [{"State": "available", "VpcId": vpc_id}]
    tx.put(KIND, gateway["InternetGatewayId"], gateway)


def _require(request: Request, gateway_id: str) -> dict[str, Any]:
    return request.require(KIND, gateway_id, "InvalidInternetGatewayID.NotFound", "internetGateway")


@action("CreateInternetGateway")
def create(request: Request) -> dict[str, Any]:
    return {"InternetGateway": new_internet_gateway(request.tx, request.tags_for("internet-gateway"))}


@action("DescribeInternetGateways")
def describe(request: Request) -> dict[str, Any]:
    gateways, token = request.describe(
        KIND,
        ids=request.params.get("InternetGatewayIds"),
        id_field="InternetGatewayId",
        not_found_code="InvalidInternetGatewayID.NotFound",
        what="internetGateway",
        filters=FILTERS,
    )
    return {"InternetGateways": gateways, "NextToken": token}


@action("AttachInternetGateway")
def attach_gateway(request: Request) -> dict[str, Any]:
    gateway_id, vpc_id = request.params["InternetGatewayId"], request.params["VpcId"]
    gateway = _require(request, gateway_id)
    require_vpc(request, vpc_id)
    if gateway["Attachments"]:
        raise ApiError(
            "Resource.AlreadyAssociated",
            f"resource {gateway_id} is already attached to network {gateway['Attachments'][0]['VpcId']}",
        )
    for other in request.all(KIND):
        if any(a.get("VpcId") == vpc_id for a in other["Attachments"]):
            raise ApiError(
                "Resource.AlreadyAssociated",
                f"Network {vpc_id} already has an internet gateway attached ({other['InternetGatewayId']})",
            )
    attach(request.tx, gateway, vpc_id)
    return {}


def mapped_public_addresses(request: Request, vpc_id: str) -> list[str]:
    """Public addresses of ENIs of ``vpc_id`` (Elastic IPs and public IPs on launch)."""
    found = []
    for eni in request.all("NetworkInterfaces"):
        if eni.get("VpcId") != vpc_id:
            continue
        for private in eni.get("PrivateIpAddresses") or []:
            public = (private.get("Association") or {}).get("PublicIp")
            if public:
                found.append(public)
        public = (eni.get("Association") or {}).get("PublicIp")
        if public and public not in found:
            found.append(public)
    return found


@action("DetachInternetGateway")
def detach(request: Request) -> dict[str, Any]:
    gateway_id, vpc_id = request.params["InternetGatewayId"], request.params["VpcId"]
    gateway = _require(request, gateway_id)
    if not any(a.get("VpcId") == vpc_id for a in gateway["Attachments"]):
        raise ApiError("Gateway.NotAttached", f"resource {gateway_id} is not attached to network {vpc_id}")
    if mapped_public_addresses(request, vpc_id):
        raise ApiError(
            "DependencyViolation",
            f"Network {vpc_id} has some mapped public address(es). Please unmap those public address(es) "
            "before detaching the gateway.",
        )
    gateway["Attachments"] = []
    request.put(KIND, gateway_id, gateway)
    return {}


@action("DeleteInternetGateway")
def delete(request: Request) -> dict[str, Any]:
    gateway_id = request.params["InternetGatewayId"]
    gateway = _require(request, gateway_id)
    if gateway["Attachments"]:
        raise ApiError(
            "DependencyViolation",
            f"The internetGateway '{gateway_id}' has dependencies and cannot be deleted.",
        )
    request.delete(KIND, gateway_id)
    return {}


# ------------------------------------------------------------------------ egress-only gateways


@action("CreateEgressOnlyInternetGateway")
def create_egress_only(request: Request) -> dict[str, Any]:
    vpc_id = request.params["VpcId"]
    require_vpc(request, vpc_id)
    gateway_id = request.new_id("eigw")
    body = {
        "Attachments": [{"State": "attached", "VpcId": vpc_id}],
        "EgressOnlyInternetGatewayId": gateway_id,
        "Tags": request.tags_for("egress-only-internet-gateway"),
    }
    request.put(EGRESS_ONLY, gateway_id, body)
    return {"EgressOnlyInternetGateway": body, "ClientToken": request.params.get("ClientToken")}


@action("DescribeEgressOnlyInternetGateways")
def describe_egress_only(request: Request) -> dict[str, Any]:
    gateways, token = request.describe(
        EGRESS_ONLY,
        ids=request.params.get("EgressOnlyInternetGatewayIds"),
        id_field="EgressOnlyInternetGatewayId",
        not_found_code="InvalidEgressOnlyInternetGatewayId.NotFound",
        what="egress-only internet gateway",
        filters=EGRESS_ONLY_FILTERS,
    )
    return {"EgressOnlyInternetGateways": gateways, "NextToken": token}


@action("DeleteEgressOnlyInternetGateway")
def delete_egress_only(request: Request) -> dict[str, Any]:
    gateway_id = request.params["EgressOnlyInternetGatewayId"]
    request.require(
        EGRESS_ONLY, gateway_id, "InvalidEgressOnlyInternetGatewayId.NotFound", "egress-only internet gateway"
    )
    request.delete(EGRESS_ONLY, gateway_id)
    return {"ReturnCode": True}
