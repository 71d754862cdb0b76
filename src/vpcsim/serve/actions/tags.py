"""Tags of any resource: CreateTags, DeleteTags, DescribeTags. A resource is found by its id
whatever its family (the id's prefix gives its AWS resource type and not-found error)."""

from __future__ import annotations

from typing import Any

from ..context import Request, checked_tag, page
from ..errors import ApiError
from ..filters import apply_filters, field, tags_of
from ..registry import action

#: id prefix -> (DescribeTags resource type, the error AWS gives when no such resource exists)
PREFIXES = {
    "vpc": ("vpc", "InvalidVpcID.NotFound"),
    "subnet": ("subnet", "InvalidSubnetID.NotFound"),
    "rtb": ("route-table", "InvalidRouteTableID.NotFound"),
    "igw": ("internet-gateway", "InvalidInternetGatewayID.NotFound"),
    "eigw": ("egress-only-internet-gateway", "InvalidEgressOnlyInternetGatewayId.NotFound"),
    "nat": ("natgateway", "InvalidNatGatewayID.NotFound"),
    "eipalloc": ("elastic-ip", "InvalidAllocationID.NotFound"),
    "pcx": ("vpc-peering-connection", "InvalidVpcPeeringConnectionID.NotFound"),
    "pl": ("prefix-list", "InvalidPrefixListID.NotFound"),
    "sg": ("security-group", "InvalidGroup.NotFound"),
    "sgr": ("security-group-rule", "InvalidSecurityGroupRuleId.NotFound"),
    "acl": ("network-acl", "InvalidNetworkAclID.NotFound"),
    "eni": ("network-interface", "InvalidNetworkInterfaceID.NotFound"),
    "i": ("instance", "InvalidInstanceID.NotFound"),
    "vpce": ("vpc-endpoint", "InvalidVpcEndpointId.NotFound"),
    "dopt": ("dhcp-options", "InvalidDhcpOptionID.NotFound"),
    "nip": ("network-insights-path", "InvalidNetworkInsightsPathId.NotFound"),
    "nia": ("network-insights-analysis", "InvalidNetworkInsightsAnalysisId.NotFound"),
    "tgw": ("transit-gateway", "InvalidTransitGatewayID.NotFound"),
    "tgw-attach": ("transit-gateway-attachment", "InvalidTransitGatewayAttachmentID.NotFound"),
    "tgw-rtb": ("transit-gateway-route-table", "InvalidRouteTableID.NotFound"),
    "vgw": ("vpn-gateway", "InvalidVpnGatewayID.NotFound"),
}
TAGS_PER_RESOURCE = 50
#: Where a resource keeps its tags in its describe shape (``TagSet`` for network interfaces).
TAG_FIELD = {"NetworkInterfaces": "TagSet"}

FILTERS = {
    "key": field("Key"),
    "value": field("Value"),
    "resource-id": field("ResourceId"),
    "resource-type": field("ResourceType"),
}


def _prefix(resource_id: str) -> str:
    head, _, rest = resource_id.partition("-")
    nested = f"{head}-{rest.partition('-')[0]}"
    return nested if nested in PREFIXES else head


def _resolve(request: Request, resource_id: str) -> tuple[str, dict[str, Any]]:
    prefix = _prefix(resource_id)
    if prefix not in PREFIXES or "-" not in resource_id:
        raise ApiError("InvalidID", f"The ID '{resource_id}' is not valid")
    found = request.tx.find(resource_id)
    if found is None:
        raise ApiError(PREFIXES[prefix][1], f"The ID '{resource_id}' does not exist")
    return found


@action("CreateTags")
def create_tags(request: Request) -> dict[str, Any]:
    tags = [checked_tag(tag) for tag in request.params["Tags"]]
    for resource_id in request.params["Resources"]:
        kind, body = _resolve(request, resource_id)
        current = {t["Key"]: t.get("Value", "") for t in tags_of(body)}
        current.update({t["Key"]: t["Value"] for t in tags})
        if len(current) > TAGS_PER_RESOURCE:
            raise ApiError(
                "TagLimitExceeded",
                f"The maximum number of tags ({TAGS_PER_RESOURCE}) for {resource_id} is exceeded",
            )
        body[TAG_FIELD.get(kind, "Tags")] = [{"Key": k, "Value": v} for k, v in current.items()]
        request.put(kind, resource_id, body)
    return {}


@action("DeleteTags")
def delete_tags(request: Request) -> dict[str, Any]:
    given = request.params.get("Tags")
    for resource_id in request.params["Resources"]:
        kind, body = _resolve(request, resource_id)
        tags = tags_of(body)
        if given is None:
            kept: list[dict[str, Any]] = []
        else:
            kept = [
                t
                for t in tags
                if not any(
                    t["Key"] == g.get("Key") and ("Value" not in g or g["Value"] == t.get("Value", ""))
                    for g in given
                )
            ]
        body[TAG_FIELD.get(kind, "Tags")] = kept
        request.put(kind, resource_id, body)
    return {}


@action("DescribeTags")
def describe_tags(request: Request) -> dict[str, Any]:
    listed = []
    for _, resource_id, body in request.tx.every():
        prefix = _prefix(resource_id)
        if prefix not in PREFIXES:
            continue
        for tag in tags_of(body):
            listed.append(
                {
                    "Key": tag["Key"],
                    "ResourceId": resource_id,
                    "ResourceType": PREFIXES[prefix][0],
                    "Value": tag.get("Value", ""),
                }
            )
    selected = apply_filters(listed, request.params.get("Filters"), FILTERS)
    tags, token = page(selected, request.params, lowest=5, highest=1000)
    return {"Tags": tags, "NextToken": token}
