"""DHCP option sets: create/describe/associate/delete (``DhcpOptionsId`` of a VPC)."""

from __future__ import annotations

from typing import Any

from ..context import Request
from ..errors import ApiError
from ..filters import field
from ..registry import action
from .vpcs import KIND as VPCS
from .vpcs import require_vpc

KIND = "DhcpOptions"
KEYS = (
    "domain-name-servers",
    "domain-name",
    "ntp-servers",
    "netbios-name-servers",
    "netbios-node-type",
    "ipv6-address-preferred-lease-time",
)
FILTERS = {
    "dhcp-options-id": field("DhcpOptionsId"),
    "key": field("DhcpConfigurations", "Key"),
    "value": field("DhcpConfigurations", "Values", "Value"),
    "owner-id": field("OwnerId"),
}


@action("CreateDhcpOptions")
def create(request: Request) -> dict[str, Any]:
    configurations = []
    for entry in request.params["DhcpConfigurations"]:
        key, values = entry.get("Key"), entry.get("Values") or []
        if key not in KEYS:
            raise ApiError(
                "InvalidParameterValue", f"Value ({key}) for parameter dhcpConfiguration is invalid."
            )
        if key == "netbios-node-type" and any(v not in ("1", "2", "4", "8") for v in values):
            raise ApiError(
                "InvalidParameterValue", f"Value ({values[0]}) for parameter netbios-node-type is invalid."
            )
        if key in ("domain-name-servers", "ntp-servers", "netbios-name-servers") and len(values) > 4:
            raise ApiError(
                "InvalidParameterValue", f"Value for parameter {key} is invalid: at most 4 servers"
            )
        configurations.append({"Key": key, "Values": [{"Value": v} for v in values]})
    options_id = request.new_id("dopt")
    body = {
        "DhcpConfigurations": configurations,
        "DhcpOptionsId": options_id,
        "OwnerId": request.account,
        "Tags": request.tags_for("dhcp-options"),
    }
    request.put(KIND, options_id, body)
    return {"DhcpOptions": body}


@action("DescribeDhcpOptions")
def describe(request: Request) -> dict[str, Any]:
    found, token = request.describe(
        KIND,
        ids=request.params.get("DhcpOptionsIds"),
        id_field="DhcpOptionsId",
        not_found_code="InvalidDhcpOptionID.NotFound",
        what="dhcp option",
        filters=FILTERS,
    )
    return {"DhcpOptions": found, "NextToken": token}


@action("AssociateDhcpOptions")
def associate(request: Request) -> dict[str, Any]:
    options_id = request.params["DhcpOptionsId"]
    vpc = require_vpc(request, request.params["VpcId"])
    if options_id != "default":
        request.require(KIND, options_id, "InvalidDhcpOptionID.NotFound", "dhcp option")
    vpc["DhcpOptionsId"] = options_id
    request.put(VPCS, vpc["VpcId"], vpc)
    return {}


@action("DeleteDhcpOptions")
def delete(request: Request) -> dict[str, Any]:
    options_id = request.params["DhcpOptionsId"]
    request.require(KIND, options_id, "InvalidDhcpOptionID.NotFound", "dhcp option")
    if any(v.get("DhcpOptionsId") == options_id for v in request.all(VPCS)):
        raise ApiError(
            "DependencyViolation", f"The dhcpOptions '{options_id}' has dependencies and cannot be deleted."
        )
    request.delete(KIND, options_id)
    return {}
