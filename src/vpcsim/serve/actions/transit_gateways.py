"""Transit gateways: create/describe/delete, their route tables, VPC attachments and static routes.

Stored as the ``describe-*`` documents the AWS importer reads (:mod:`vpcsim.formats.aws_read_transit`,
the layout :mod:`vpcsim.formats.aws_export_transit` writes and ``--from`` seeds): gateways,
route tables, VPC attachments (``TransitGatewayVpcAttachments``; ``DescribeTransitGatewayAttachments``
is their view with the association), and per route table its associations, propagations and
static routes, each wrapped with its ``TransitGatewayRouteTableId``. So what is created here is a
transit gateway of the NETWORK, and traces through it are the engine's.

As AWS does: a gateway gets a default route table when default association or propagation is
enabled (the default); a VPC attachment is associated with and propagates to that table; it takes
at most one subnet per Availability Zone, in the attached VPC; a gateway with attachments cannot
be deleted; a static route names an attachment of the table's gateway or is a blackhole."""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any

from ..context import Request
from ..errors import ApiError
from ..filters import field
from ..registry import action
from ..seed import WRAPPED as SEED_WRAPPED
from .subnets import require_subnet
from .vpcs import require_vpc

KIND = "TransitGateways"
TABLES = "TransitGatewayRouteTables"
VPC_ATTACHMENTS = "TransitGatewayVpcAttachments"
ASSOCIATIONS = "TransitGatewayRouteTableAssociations"
PROPAGATIONS = "TransitGatewayPropagations"
ROUTES = "TransitGatewayRoutes"

FILTERS = {
    "owner-id": field("OwnerId"),
    "state": field("State"),
    "transit-gateway-id": field("TransitGatewayId"),
    "options.amazon-side-asn": field("Options", "AmazonSideAsn"),
    "options.association-default-route-table-id": field("Options", "AssociationDefaultRouteTableId"),
    "options.auto-accept-shared-attachments": field("Options", "AutoAcceptSharedAttachments"),
    "options.default-route-table-association": field("Options", "DefaultRouteTableAssociation"),
    "options.default-route-table-propagation": field("Options", "DefaultRouteTablePropagation"),
    "options.dns-support": field("Options", "DnsSupport"),
    "options.propagation-default-route-table-id": field("Options", "PropagationDefaultRouteTableId"),
    "options.vpn-ecmp-support": field("Options", "VpnEcmpSupport"),
}
TABLE_FILTERS = {
    "default-association-route-table": field("DefaultAssociationRouteTable"),
    "default-propagation-route-table": field("DefaultPropagationRouteTable"),
    "state": field("State"),
    "transit-gateway-id": field("TransitGatewayId"),
    "transit-gateway-route-table-id": field("TransitGatewayRouteTableId"),
}
ATTACHMENT_FILTERS = {
    "association.state": field("Association", "State"),
    "association.transit-gateway-route-table-id": field("Association", "TransitGatewayRouteTableId"),
    "resource-id": field("ResourceId"),
    "resource-owner-id": field("ResourceOwnerId"),
    "resource-type": field("ResourceType"),
    "state": field("State"),
    "transit-gateway-attachment-id": field("TransitGatewayAttachmentId"),
    "transit-gateway-id": field("TransitGatewayId"),
    "transit-gateway-owner-id": field("TransitGatewayOwnerId"),
}
VPC_ATTACHMENT_FILTERS = {
    "state": field("State"),
    "transit-gateway-attachment-id": field("TransitGatewayAttachmentId"),
    "transit-gateway-id": field("TransitGatewayId"),
    "vpc-id": field("VpcId"),
}
#: The per-table documents are stored under the table's id with a suffix (the table's own row
#: keeps the bare id, which CreateTags and friends find), as ``--from`` seeds them.
WRAPPED = {kind: SEED_WRAPPED[kind] for kind in (ASSOCIATIONS, PROPAGATIONS, ROUTES)}
_FLAGS = ("enable", "disable")
_GONE = ("deleting", "deleted")
LIST_KEYS = {
    ASSOCIATIONS: "Associations",
    PROPAGATIONS: "TransitGatewayRouteTablePropagations",
    ROUTES: "Routes",
}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _flag(options: dict[str, Any], key: str, default: str) -> str:
    value = options.get(key) or default
    if value not in _FLAGS:
        raise ApiError("InvalidParameterValue", f"Value ({value}) for parameter {key} is invalid.")
    return str(value)


def require_transit_gateway(request: Request, tgw_id: str) -> dict[str, Any]:
    tgw = request.require(KIND, tgw_id, "InvalidTransitGatewayID.NotFound", "transit gateway")
    if tgw["State"] in _GONE:
        raise ApiError("IncorrectState", f"{tgw_id} is in invalid state")
    return tgw


def _require_table(request: Request, table_id: str) -> dict[str, Any]:
    return request.require(TABLES, table_id, "InvalidRouteTableID.NotFound", "transit gateway route table")


def _require_attachment(request: Request, attachment_id: str) -> dict[str, Any]:
    return request.require(
        VPC_ATTACHMENTS,
        attachment_id,
        "InvalidTransitGatewayAttachmentID.NotFound",
        "transit gateway attachment",
    )


# ------------------------------------------------------------------ gateways and tables


def _new_table(request: Request, tgw_id: str, default: bool) -> str:
    table_id = request.new_id("tgw-rtb")
    request.put(
        TABLES,
        table_id,
        {
            "TransitGatewayRouteTableId": table_id,
            "TransitGatewayId": tgw_id,
            "State": "available",
            "DefaultAssociationRouteTable": default,
            "DefaultPropagationRouteTable": default,
            "CreationTime": _now(),
            "OwnerId": request.account,
            "Tags": [],
        },
    )
    for kind, list_key in LIST_KEYS.items():
        request.put(kind, table_id + WRAPPED[kind], {"TransitGatewayRouteTableId": table_id, list_key: []})
    return table_id


@action("CreateTransitGateway")
def create(request: Request) -> dict[str, Any]:
    wanted = request.params.get("Options") or {}
    asn = int(wanted.get("AmazonSideAsn") or 64512)
    if not (64512 <= asn <= 65534 or 4200000000 <= asn <= 4294967294):
        # CreateTransitGateway: "The range is 64512 to 65534 for 16-bit ASNs and 4200000000 to
        # 4294967294 for 32-bit ASNs."
        raise ApiError("InvalidParameterValue", f"Value ({asn}) for parameter amazonSideAsn is invalid.")
    tgw_id = request.new_id("tgw")
    options: dict[str, Any] = {
        "AmazonSideAsn": asn,
        "AutoAcceptSharedAttachments": _flag(wanted, "AutoAcceptSharedAttachments", "disable"),
        "DefaultRouteTableAssociation": _flag(wanted, "DefaultRouteTableAssociation", "enable"),
        "DefaultRouteTablePropagation": _flag(wanted, "DefaultRouteTablePropagation", "enable"),
        "VpnEcmpSupport": _flag(wanted, "VpnEcmpSupport", "enable"),
        "DnsSupport": _flag(wanted, "DnsSupport", "enable"),
        "SecurityGroupReferencingSupport": _flag(wanted, "SecurityGroupReferencingSupport", "disable"),
        "MulticastSupport": _flag(wanted, "MulticastSupport", "disable"),
    }
    if wanted.get("TransitGatewayCidrBlocks"):
        options["TransitGatewayCidrBlocks"] = list(wanted["TransitGatewayCidrBlocks"])
    if "enable" in (options["DefaultRouteTableAssociation"], options["DefaultRouteTablePropagation"]):
        table_id = _new_table(request, tgw_id, default=True)
        if options["DefaultRouteTableAssociation"] == "enable":
            options["AssociationDefaultRouteTableId"] = table_id
        if options["DefaultRouteTablePropagation"] == "enable":
            options["PropagationDefaultRouteTableId"] = table_id
    body: dict[str, Any] = {
        "TransitGatewayId": tgw_id,
        "TransitGatewayArn": f"arn:aws:ec2:{request.region}:{request.account}:transit-gateway/{tgw_id}",
        "State": "available",
        "OwnerId": request.account,
        "CreationTime": _now(),
        "Options": options,
        "Tags": request.tags_for("transit-gateway"),
    }
    if request.params.get("Description") is not None:
        body["Description"] = request.params["Description"]
    request.put(KIND, tgw_id, body)
    return {"TransitGateway": body}


@action("DescribeTransitGateways")
def describe(request: Request) -> dict[str, Any]:
    found, token = request.describe(
        KIND,
        ids=request.params.get("TransitGatewayIds"),
        id_field="TransitGatewayId",
        not_found_code="InvalidTransitGatewayID.NotFound",
        what="transit gateway",
        filters=FILTERS,
    )
    return {"TransitGateways": found, "NextToken": token}


@action("DeleteTransitGateway")
def delete(request: Request) -> dict[str, Any]:
    tgw = require_transit_gateway(request, request.params["TransitGatewayId"])
    tgw_id = tgw["TransitGatewayId"]
    if any(a["TransitGatewayId"] == tgw_id and a["State"] not in _GONE for a in request.all(VPC_ATTACHMENTS)):
        raise ApiError("IncorrectState", f"{tgw_id} has non-deleted Transit Gateway Attachments")
    for table in request.all(TABLES):
        if table["TransitGatewayId"] == tgw_id:
            request.delete(TABLES, table["TransitGatewayRouteTableId"])
            for kind, suffix in WRAPPED.items():
                request.delete(kind, table["TransitGatewayRouteTableId"] + suffix)
    tgw["State"] = "deleted"
    request.put(KIND, tgw_id, tgw)
    return {"TransitGateway": tgw}


@action("DescribeTransitGatewayRouteTables")
def describe_tables(request: Request) -> dict[str, Any]:
    found, token = request.describe(
        TABLES,
        ids=request.params.get("TransitGatewayRouteTableIds"),
        id_field="TransitGatewayRouteTableId",
        not_found_code="InvalidRouteTableID.NotFound",
        what="transit gateway route table",
        filters=TABLE_FILTERS,
    )
    return {"TransitGatewayRouteTables": found, "NextToken": token}


# ------------------------------------------------------------------ VPC attachments


def _per_table(request: Request, kind: str, table_id: str, change: Any) -> None:
    list_key = LIST_KEYS[kind]
    body = request.get(kind, table_id + WRAPPED[kind]) or {
        "TransitGatewayRouteTableId": table_id,
        list_key: [],
    }
    body[list_key] = change(body[list_key])
    request.put(kind, table_id + WRAPPED[kind], body)


def _listed(request: Request, kind: str, table_id: str) -> list[dict[str, Any]]:
    body = request.get(kind, table_id + WRAPPED[kind]) or {}
    return list(body.get(LIST_KEYS[kind], []))


def _attachment_view(request: Request, attachment: dict[str, Any]) -> dict[str, Any]:
    """``DescribeTransitGatewayAttachments``'s item of a VPC attachment, with its association."""
    tgw = request.get(KIND, attachment["TransitGatewayId"]) or {}
    view: dict[str, Any] = {
        "TransitGatewayAttachmentId": attachment["TransitGatewayAttachmentId"],
        "TransitGatewayId": attachment["TransitGatewayId"],
        "TransitGatewayOwnerId": tgw.get("OwnerId", request.account),
        "ResourceOwnerId": attachment.get("VpcOwnerId", request.account),
        "ResourceType": "vpc",
        "ResourceId": attachment["VpcId"],
        "State": attachment["State"],
        "CreationTime": attachment.get("CreationTime"),
        "Tags": attachment.get("Tags", []),
    }
    for body in request.all(ASSOCIATIONS):
        for entry in body["Associations"]:
            if entry["TransitGatewayAttachmentId"] == attachment["TransitGatewayAttachmentId"]:
                view["Association"] = {
                    "TransitGatewayRouteTableId": body["TransitGatewayRouteTableId"],
                    "State": entry["State"],
                }
    return view


@action("CreateTransitGatewayVpcAttachment")
def create_vpc_attachment(request: Request) -> dict[str, Any]:
    params = request.params
    tgw = require_transit_gateway(request, params["TransitGatewayId"])
    vpc = require_vpc(request, params["VpcId"])
    zones: set[str] = set()
    for subnet_id in params["SubnetIds"]:
        subnet = require_subnet(request, subnet_id)
        if subnet["VpcId"] != vpc["VpcId"]:
            raise ApiError(
                "InvalidParameterValue", f"Subnet {subnet_id} does not belong to the VPC {vpc['VpcId']}"
            )
        if subnet["AvailabilityZone"] in zones:
            raise ApiError(
                "DuplicateSubnetsInSameZone", f"Duplicate Subnets for same AvailabilityZone ({subnet_id})"
            )
        zones.add(subnet["AvailabilityZone"])
    for other in request.all(VPC_ATTACHMENTS):
        if (
            other["TransitGatewayId"] == tgw["TransitGatewayId"]
            and other["VpcId"] == vpc["VpcId"]
            and other["State"] not in _GONE
        ):
            raise ApiError(
                "DuplicateTransitGatewayAttachment",
                f"{tgw['TransitGatewayId']} has non-deleted Transit Gateway Attachments with same VPC ID.",
            )
    wanted = params.get("Options") or {}
    attachment_id = request.new_id("tgw-attach")
    tags = request.tags_for("transit-gateway-attachment")
    created = _now()
    body: dict[str, Any] = {
        "TransitGatewayAttachmentId": attachment_id,
        "TransitGatewayId": tgw["TransitGatewayId"],
        "VpcId": vpc["VpcId"],
        "VpcOwnerId": request.account,
        "State": "available",
        "SubnetIds": list(params["SubnetIds"]),
        "CreationTime": created,
        "Options": {
            "DnsSupport": _flag(wanted, "DnsSupport", "enable"),
            "SecurityGroupReferencingSupport": _flag(wanted, "SecurityGroupReferencingSupport", "enable"),
            "Ipv6Support": _flag(wanted, "Ipv6Support", "disable"),
            "ApplianceModeSupport": _flag(wanted, "ApplianceModeSupport", "disable"),
        },
        "Tags": tags,
    }
    request.put(VPC_ATTACHMENTS, attachment_id, body)
    entry = {"TransitGatewayAttachmentId": attachment_id, "ResourceId": vpc["VpcId"], "ResourceType": "vpc"}
    options = tgw["Options"]
    if options.get("AssociationDefaultRouteTableId"):
        _per_table(
            request,
            ASSOCIATIONS,
            options["AssociationDefaultRouteTableId"],
            lambda items: [*items, dict(entry, State="associated")],
        )
    if options.get("PropagationDefaultRouteTableId"):
        _per_table(
            request,
            PROPAGATIONS,
            options["PropagationDefaultRouteTableId"],
            lambda items: [*items, dict(entry, State="enabled")],
        )
    return {"TransitGatewayVpcAttachment": body}


@action("DescribeTransitGatewayVpcAttachments")
def describe_vpc_attachments(request: Request) -> dict[str, Any]:
    found, token = request.describe(
        VPC_ATTACHMENTS,
        ids=request.params.get("TransitGatewayAttachmentIds"),
        id_field="TransitGatewayAttachmentId",
        not_found_code="InvalidTransitGatewayAttachmentID.NotFound",
        what="transit gateway attachment",
        filters=VPC_ATTACHMENT_FILTERS,
    )
    return {"TransitGatewayVpcAttachments": found, "NextToken": token}


@action("DescribeTransitGatewayAttachments")
def describe_attachments(request: Request) -> dict[str, Any]:
    found, token = request.describe(
        VPC_ATTACHMENTS,
        ids=request.params.get("TransitGatewayAttachmentIds"),
        id_field="TransitGatewayAttachmentId",
        not_found_code="InvalidTransitGatewayAttachmentID.NotFound",
        what="transit gateway attachment",
        filters=ATTACHMENT_FILTERS,
        items=[_attachment_view(request, a) for a in request.all(VPC_ATTACHMENTS)],
    )
    return {"TransitGatewayAttachments": found, "NextToken": token}


@action("DeleteTransitGatewayVpcAttachment")
def delete_vpc_attachment(request: Request) -> dict[str, Any]:
    attachment_id = request.params["TransitGatewayAttachmentId"]
    body = request.require(
        VPC_ATTACHMENTS,
        attachment_id,
        "InvalidTransitGatewayAttachmentID.NotFound",
        "transit gateway attachment",
    )
    if body["State"] in _GONE:
        raise ApiError("IncorrectState", f"{attachment_id} is in invalid state")
    for kind in (ASSOCIATIONS, PROPAGATIONS):
        list_key = LIST_KEYS[kind]
        for table in request.all(kind):
            kept = [e for e in table[list_key] if e["TransitGatewayAttachmentId"] != attachment_id]
            if len(kept) != len(table[list_key]):
                table[list_key] = kept
                request.put(kind, table["TransitGatewayRouteTableId"] + WRAPPED[kind], table)
    body["State"] = "deleted"
    request.put(VPC_ATTACHMENTS, attachment_id, body)
    return {"TransitGatewayVpcAttachment": body}


# ------------------------------------------------------------------ static routes


@action("CreateTransitGatewayRoute")
def create_route(request: Request) -> dict[str, Any]:
    params = request.params
    table = _require_table(request, params["TransitGatewayRouteTableId"])
    table_id = table["TransitGatewayRouteTableId"]
    try:
        destination = str(ipaddress.ip_network(params["DestinationCidrBlock"]))
    except ValueError:
        raise ApiError(
            "InvalidParameterValue",
            f"Value ({params['DestinationCidrBlock']}) for parameter destinationCidrBlock is invalid.",
        ) from None
    blackhole = bool(params.get("Blackhole"))
    attachment_id = params.get("TransitGatewayAttachmentId")
    if blackhole == bool(attachment_id):
        raise ApiError(
            "InvalidParameterCombination",
            "Exactly one of TransitGatewayAttachmentId and Blackhole must be given",
        )
    route: dict[str, Any] = {"DestinationCidrBlock": destination, "Type": "static"}
    if attachment_id:
        attachment = _require_attachment(request, attachment_id)
        if attachment["TransitGatewayId"] != table["TransitGatewayId"]:
            raise ApiError(
                "InvalidParameterValue",
                f"{attachment_id} is not attached to {table['TransitGatewayId']}",
            )
        route["State"] = "active"
        route["TransitGatewayAttachments"] = [
            {
                "TransitGatewayAttachmentId": attachment_id,
                "ResourceId": attachment["VpcId"],
                "ResourceType": "vpc",
            }
        ]
    else:
        route["State"] = "blackhole"
    routes = _listed(request, ROUTES, table_id)
    if any(r.get("DestinationCidrBlock") == destination for r in routes):
        raise ApiError("RouteAlreadyExists", f"Route {destination} already exists in {table_id}")
    _per_table(request, ROUTES, table_id, lambda items: [*items, route])
    return {"Route": route}


@action("DeleteTransitGatewayRoute")
def delete_route(request: Request) -> dict[str, Any]:
    table = _require_table(request, request.params["TransitGatewayRouteTableId"])
    table_id = table["TransitGatewayRouteTableId"]
    destination = request.params["DestinationCidrBlock"]
    routes = _listed(request, ROUTES, table_id)
    found = next((r for r in routes if r.get("DestinationCidrBlock") == destination), None)
    if found is None:
        raise ApiError(
            "InvalidRoute.NotFound", f"No route with destination-cidr-block {destination} in {table_id}"
        )
    _per_table(request, ROUTES, table_id, lambda items: [r for r in items if r != found])
    return {"Route": dict(found, State="deleted")}
