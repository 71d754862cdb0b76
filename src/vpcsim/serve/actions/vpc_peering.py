"""VPC peering connections: create/accept/reject/delete/describe and peering options, within
an account and region or across them. A connection is visible to both sides, so it is stored in
the requester's and the accepter's account/region (one row each, written together)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any

from ..context import Request
from ..errors import ApiError
from ..filters import field
from ..registry import action
from ..store import Transaction
from .vpcs import require_vpc

KIND = "VpcPeeringConnections"
NOT_FOUND = "InvalidVpcPeeringConnectionId.NotFound"
OPTIONS = (
    "AllowDnsResolutionFromRemoteVpc",
    "AllowEgressFromLocalClassicLinkToRemoteVpc",
    "AllowEgressFromLocalVpcToRemoteClassicLink",
)

FILTERS = {
    "accepter-vpc-info.cidr-block": field("AccepterVpcInfo", "CidrBlock"),
    "accepter-vpc-info.owner-id": field("AccepterVpcInfo", "OwnerId"),
    "accepter-vpc-info.vpc-id": field("AccepterVpcInfo", "VpcId"),
    "expiration-time": field("ExpirationTime"),
    "requester-vpc-info.cidr-block": field("RequesterVpcInfo", "CidrBlock"),
    "requester-vpc-info.owner-id": field("RequesterVpcInfo", "OwnerId"),
    "requester-vpc-info.vpc-id": field("RequesterVpcInfo", "VpcId"),
    "status-code": field("Status", "Code"),
    "status-message": field("Status", "Message"),
    "vpc-peering-connection-id": field("VpcPeeringConnectionId"),
}


def _vpc_info(vpc: dict[str, Any], region: str) -> dict[str, Any]:
    blocks = [
        a["CidrBlock"] for a in vpc["CidrBlockAssociationSet"] if a["CidrBlockState"]["State"] == "associated"
    ]
    return {
        "CidrBlock": vpc["CidrBlock"],
        "CidrBlockSet": [{"CidrBlock": b} for b in blocks],
        "Ipv6CidrBlockSet": [
            {"Ipv6CidrBlock": a["Ipv6CidrBlock"]} for a in vpc.get("Ipv6CidrBlockAssociationSet", [])
        ],
        "OwnerId": vpc["OwnerId"],
        "PeeringOptions": dict.fromkeys(OPTIONS, False),
        "VpcId": vpc["VpcId"],
        "Region": region,
    }


def _sides(tx: Transaction, body: dict[str, Any]) -> list[Transaction]:
    requester, accepter = body["RequesterVpcInfo"], body["AccepterVpcInfo"]
    sides = [tx.scoped(requester["OwnerId"], requester["Region"])]
    if (accepter["OwnerId"], accepter["Region"]) != (requester["OwnerId"], requester["Region"]):
        sides.append(tx.scoped(accepter["OwnerId"], accepter["Region"]))
    return sides


def _save(request: Request, body: dict[str, Any]) -> None:
    for side in _sides(request.tx, body):
        side.put(KIND, body["VpcPeeringConnectionId"], body)


def _status(code: str, message: str) -> dict[str, str]:
    return {"Code": code, "Message": message}


@action("CreateVpcPeeringConnection")
def create(request: Request) -> dict[str, Any]:
    params = request.params
    vpc = require_vpc(request, params["VpcId"])
    if not params.get("PeerVpcId"):
        raise ApiError("MissingParameter", "The request must contain the parameter peerVpcId")
    peer_owner = params.get("PeerOwnerId") or request.account
    peer_region = params.get("PeerRegion") or request.region
    peer_tx = request.tx.scoped(peer_owner, peer_region)
    peer = peer_tx.get("Vpcs", params["PeerVpcId"])
    if peer is None:
        raise ApiError(
            "InvalidVpcID.NotFound", f"VpcPeeringConnectionID {params['PeerVpcId']} does not exist."
        )
    if peer["VpcId"] == vpc["VpcId"]:
        raise ApiError("InvalidParameterValue", "A VPC cannot be peered with itself")
    pcx_id = request.new_id("pcx")
    body: dict[str, Any] = {
        "AccepterVpcInfo": _vpc_info(peer, peer_region),
        "ExpirationTime": (dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).isoformat(),
        "RequesterVpcInfo": _vpc_info(vpc, request.region),
        "Status": _status("pending-acceptance", f"Pending Acceptance by {peer_owner}"),
        "Tags": request.tags_for("vpc-peering-connection"),
        "VpcPeeringConnectionId": pcx_id,
    }
    overlapping = any(
        ipaddress.ip_network(a["CidrBlock"]).overlaps(ipaddress.ip_network(b["CidrBlock"]))
        for a in body["RequesterVpcInfo"]["CidrBlockSet"]
        for b in body["AccepterVpcInfo"]["CidrBlockSet"]
    )
    if overlapping:
        # AWS creates the request and fails it: peered VPCs may not have overlapping IPv4 blocks.
        body["Status"] = _status("failed", "Overlapping CIDR range")
    _save(request, body)
    answer = dict(body)
    if not overlapping:
        answer["Status"] = _status("initiating-request", f"Initiating Request to {peer_owner}")
    return {"VpcPeeringConnection": answer}


def _require(request: Request, pcx_id: str) -> dict[str, Any]:
    return request.require(KIND, pcx_id, NOT_FOUND, "vpc peering connection")


@action("DescribeVpcPeeringConnections")
def describe(request: Request) -> dict[str, Any]:
    found, token = request.describe(
        KIND,
        ids=request.params.get("VpcPeeringConnectionIds"),
        id_field="VpcPeeringConnectionId",
        not_found_code=NOT_FOUND,
        what="vpc peering connection",
        filters=FILTERS,
    )
    return {"VpcPeeringConnections": found, "NextToken": token}


def _transition(request: Request, pcx_id: str, allowed: tuple[str, ...], verb: str) -> dict[str, Any]:
    body = _require(request, pcx_id)
    if body["Status"]["Code"] not in allowed:
        raise ApiError(
            "InvalidStateTransition",
            f"Requested VPC peering connection {pcx_id} is not in the right state to be {verb} "
            f"(it is {body['Status']['Code']}).",
        )
    return body


def _check_accepter(request: Request, body: dict[str, Any], verb: str) -> None:
    accepter = body["AccepterVpcInfo"]
    if accepter["OwnerId"] != request.account:
        raise ApiError(
            "OperationNotPermitted",
            f"User ({request.account}) cannot {verb} peering {body['VpcPeeringConnectionId']}",
        )
    if accepter["Region"] != request.region:
        raise ApiError(
            "OperationNotPermitted",
            f"Incorrect region ({request.region}) specified for this request. VPC peering connection "
            f"{body['VpcPeeringConnectionId']} must be {verb}ed in region {accepter['Region']}",
        )


@action("AcceptVpcPeeringConnection")
def accept(request: Request) -> dict[str, Any]:
    body = _transition(request, request.params["VpcPeeringConnectionId"], ("pending-acceptance",), "accepted")
    _check_accepter(request, body, "accept")
    body["Status"] = _status("active", "Active")
    body.pop("ExpirationTime", None)
    _save(request, body)
    return {"VpcPeeringConnection": body}


@action("RejectVpcPeeringConnection")
def reject(request: Request) -> dict[str, Any]:
    body = _transition(request, request.params["VpcPeeringConnectionId"], ("pending-acceptance",), "rejected")
    _check_accepter(request, body, "reject")
    body["Status"] = _status("rejected", f"Rejected by {request.account}")
    _save(request, body)
    return {"Return": True}


@action("DeleteVpcPeeringConnection")
def delete(request: Request) -> dict[str, Any]:
    body = _transition(
        request,
        request.params["VpcPeeringConnectionId"],
        ("active", "pending-acceptance", "failed", "provisioning"),
        "deleted",
    )
    if (
        body["Status"]["Code"] == "pending-acceptance"
        and body["AccepterVpcInfo"]["OwnerId"] == request.account != body["RequesterVpcInfo"]["OwnerId"]
    ):
        raise ApiError(
            "OperationNotPermitted", "The accepter of a pending VPC peering connection rejects it instead"
        )
    body["Status"] = _status("deleted", f"Deleted by {request.account}")
    _save(request, body)
    return {"Return": True}


@action("ModifyVpcPeeringConnectionOptions")
def modify_options(request: Request) -> dict[str, Any]:
    params = request.params
    body = _require(request, params["VpcPeeringConnectionId"])
    if body["Status"]["Code"] != "active":
        raise ApiError(
            "OperationNotPermitted",
            f"Peering connection {body['VpcPeeringConnectionId']} is not active: its options cannot be modified",
        )
    answer: dict[str, Any] = {}
    for member, side in (
        ("AccepterPeeringConnectionOptions", "AccepterVpcInfo"),
        ("RequesterPeeringConnectionOptions", "RequesterVpcInfo"),
    ):
        if member not in params:
            continue
        info = body[side]
        if info["OwnerId"] != request.account or info["Region"] != request.region:
            raise ApiError(
                "OperationNotPermitted",
                f"Modifying {member} of {body['VpcPeeringConnectionId']} must be done in {info['OwnerId']} / {info['Region']}",
            )
        options = info.setdefault("PeeringOptions", dict.fromkeys(OPTIONS, False))
        options.update({k: bool(v) for k, v in params[member].items() if k in OPTIONS})
        answer[member] = options
    _save(request, body)
    return answer
