"""The account's context: regions, availability zones, account attributes, STS GetCallerIdentity."""

from __future__ import annotations

from typing import Any

from ..context import Request
from ..errors import ApiError
from ..filters import apply_filters, field
from ..regions import REGIONS, zones
from ..registry import action

ZONE_FILTERS = {
    "group-name": field("GroupName"),
    "message": field("Messages", "Message"),
    "opt-in-status": field("OptInStatus"),
    "parent-zone-id": field("ParentZoneId"),
    "parent-zone-name": field("ParentZoneName"),
    "region-name": field("RegionName"),
    "state": field("State"),
    "zone-id": field("ZoneId"),
    "zone-name": field("ZoneName"),
    "zone-type": field("ZoneType"),
}
REGION_FILTERS = {
    "endpoint": field("Endpoint"),
    "region-name": field("RegionName"),
    "opt-in-status": field("OptInStatus"),
}

#: DescribeAccountAttributes: AWS's default quotas and settings for a VPC-only account.
ACCOUNT_ATTRIBUTES = {
    "supported-platforms": ["VPC"],
    "default-vpc": None,  # the default VPC's id, filled in per request
    "max-instances": ["20"],
    "vpc-max-security-groups-per-interface": ["5"],
    "max-elastic-ips": ["5"],
    "vpc-max-elastic-ips": ["5"],
}


@action("DescribeAvailabilityZones")
def describe_zones(request: Request) -> dict[str, Any]:
    names = request.params.get("ZoneNames") or []
    ids = request.params.get("ZoneIds") or []
    listed = [
        {
            "State": "available",
            "OptInStatus": "opt-in-not-required",
            "Messages": [],
            "RegionName": request.region,
            "ZoneName": name,
            "ZoneId": zone_id,
            "GroupName": request.region,
            "NetworkBorderGroup": request.region,
            "ZoneType": "availability-zone",
        }
        for name, zone_id in zones(request.region)
    ]
    for wanted, key in ((names, "ZoneName"), (ids, "ZoneId")):
        unknown = [w for w in wanted if w not in {z[key] for z in listed}]
        if unknown:
            raise ApiError("InvalidParameterValue", f"The zone '{unknown[0]}' does not exist.")
    if names or ids:
        listed = [z for z in listed if z["ZoneName"] in names or z["ZoneId"] in ids]
    return {"AvailabilityZones": apply_filters(listed, request.params.get("Filters"), ZONE_FILTERS)}


@action("DescribeRegions")
def describe_regions(request: Request) -> dict[str, Any]:
    listed = [
        {"Endpoint": f"ec2.{name}.amazonaws.com", "RegionName": name, "OptInStatus": "opt-in-not-required"}
        for name in REGIONS
    ]
    names = request.params.get("RegionNames")
    if names:
        unknown = [n for n in names if n not in REGIONS]
        if unknown:
            raise ApiError("InvalidParameterValue", f"Invalid region name: {unknown[0]}")
        listed = [r for r in listed if r["RegionName"] in names]
    return {"Regions": apply_filters(listed, request.params.get("Filters"), REGION_FILTERS)}


@action("DescribeAccountAttributes")
def describe_account_attributes(request: Request) -> dict[str, Any]:
    default_vpc = next((v["VpcId"] for v in request.all("Vpcs") if v.get("IsDefault")), "none")
    wanted = request.params.get("AttributeNames") or list(ACCOUNT_ATTRIBUTES)
    answer = []
    for name in wanted:
        if name not in ACCOUNT_ATTRIBUTES:
            raise ApiError("InvalidParameterValue", f"Value ({name}) for parameter attributeName is invalid.")
        values = ACCOUNT_ATTRIBUTES[name] or [default_vpc]
        answer.append({"AttributeName": name, "AttributeValues": [{"AttributeValue": v} for v in values]})
    return {"AccountAttributes": answer}


@action("GetCallerIdentity", service="sts")
def get_caller_identity(request: Request) -> dict[str, Any]:
    return {
        "UserId": request.extra.get("access_key") or "AKIAIOSFODNN7EXAMPLE",
        "Account": request.account,
        "Arn": f"arn:aws:iam::{request.account}:root",
    }
