"""Managed prefix lists (customer-managed: create/modify/delete, entries and versions) and the
AWS-managed lists every region has (S3, DynamoDB, CloudFront...), for DescribeManagedPrefixLists
and DescribePrefixLists."""

from __future__ import annotations

import ipaddress
from typing import Any

from ..context import Request, page
from ..errors import ApiError
from ..filters import apply_filters, field
from ..registry import action
from ..store import Transaction

KIND = "ManagedPrefixLists"
ENTRIES = "ManagedPrefixListEntries"
VERSIONS = "_PrefixListVersions"
MAX_ENTRIES_LIMIT = 1000

FILTERS = {
    "owner-id": field("OwnerId"),
    "prefix-list-id": field("PrefixListId"),
    "prefix-list-name": field("PrefixListName"),
}
PREFIX_LIST_FILTERS = {"prefix-list-id": field("PrefixListId"), "prefix-list-name": field("PrefixListName")}

#: AWS-managed lists (name, address family, CIDRs): the ones AWS documents in "AWS-managed prefix lists".
AWS_MANAGED = (
    ("com.amazonaws.{region}.s3", "IPv4", ("52.216.0.0/15", "3.5.0.0/19", "54.231.0.0/16")),
    (
        "com.amazonaws.{region}.dynamodb",
        "IPv4",
        ("3.218.182.0/24", "3.218.180.0/23", "52.94.0.0/22", "52.119.224.0/20"),
    ),
    (
        "com.amazonaws.global.cloudfront.origin-facing",
        "IPv4",
        (
            "13.124.199.0/24",
            "130.176.0.0/18",
            "15.158.0.0/16",
            "18.68.0.0/16",
            "204.246.166.0/24",
            "205.251.218.0/24",
            "3.172.0.0/18",
            "54.239.208.0/21",
            "64.252.64.0/18",
            "70.132.0.0/18",
        ),
    ),
    ("com.amazonaws.global.groundstation", "IPv4", ("3.2.16.0/20",)),
    ("com.amazonaws.{region}.vpc-lattice", "IPv4", ("169.254.171.0/24",)),
    ("com.amazonaws.{region}.ipv6.vpc-lattice", "IPv6", ("fd00:ec2:80::/64",)),
)


def create_aws_managed(tx: Transaction) -> None:
    """The AWS-managed lists of a new account/region."""
    for name, family, cidrs in AWS_MANAGED:
        pl_id = tx.new_id("pl", 8)
        body = {
            "PrefixListId": pl_id,
            "AddressFamily": family,
            "State": "create-complete",
            "PrefixListArn": f"arn:aws:ec2:{tx.region}:aws:prefix-list/{pl_id}",
            "PrefixListName": name.format(region=tx.region),
            "Tags": [],
            "OwnerId": "AWS",
        }
        tx.put(KIND, pl_id, body)
        tx.put(
            ENTRIES,
            pl_id,
            {"PrefixListId": pl_id, "Entries": [{"Cidr": c, "Description": "default"} for c in cidrs]},
        )


def _entries(request: Request, family: str, given: list[dict[str, Any]]) -> list[dict[str, str]]:
    out = []
    for entry in given:
        try:
            net = ipaddress.ip_network(entry["Cidr"], strict=False)
        except ValueError:
            raise ApiError("InvalidParameterValue", f"Invalid CIDR {entry['Cidr']}") from None
        if (net.version == 4) != (family == "IPv4"):
            raise ApiError("InvalidParameterValue", f"CIDR {entry['Cidr']} is not an {family} block")
        item = {"Cidr": str(net)}
        if entry.get("Description") is not None:
            item["Description"] = entry["Description"]
        out.append(item)
    return out


def _require(request: Request, pl_id: str) -> dict[str, Any]:
    return request.require(KIND, pl_id, "InvalidPrefixListID.NotFound", "prefix list")


@action("CreateManagedPrefixList")
def create(request: Request) -> dict[str, Any]:
    params = request.params
    family = params["AddressFamily"]
    if family not in ("IPv4", "IPv6"):
        raise ApiError(
            "InvalidParameterValue",
            f"Value ({family}) for parameter AddressFamily is invalid. Valid values: IPv4, IPv6",
        )
    max_entries = params["MaxEntries"]
    if not 1 <= max_entries <= MAX_ENTRIES_LIMIT:
        raise ApiError("InvalidParameterValue", f"Value ({max_entries}) for parameter MaxEntries is invalid.")
    entries = _entries(request, family, params.get("Entries") or [])
    if len(entries) > max_entries:
        raise ApiError(
            "InvalidParameterValue",
            f"The prefix list has more entries ({len(entries)}) than MaxEntries ({max_entries})",
        )
    pl_id = request.new_id("pl")
    body = {
        "PrefixListId": pl_id,
        "AddressFamily": family,
        "State": "create-complete",
        "PrefixListArn": f"arn:aws:ec2:{request.region}:{request.account}:prefix-list/{pl_id}",
        "PrefixListName": params["PrefixListName"],
        "MaxEntries": max_entries,
        "Version": 1,
        "Tags": request.tags_for("prefix-list"),
        "OwnerId": request.account,
    }
    request.put(KIND, pl_id, body)
    request.put(ENTRIES, pl_id, {"PrefixListId": pl_id, "Entries": entries})
    request.put(VERSIONS, pl_id, {"1": entries})
    return {"PrefixList": body}


@action("DescribeManagedPrefixLists")
def describe(request: Request) -> dict[str, Any]:
    found, token = request.describe(
        KIND,
        ids=request.params.get("PrefixListIds"),
        id_field="PrefixListId",
        not_found_code="InvalidPrefixListID.NotFound",
        what="prefix list",
        filters=FILTERS,
    )
    return {"PrefixLists": found, "NextToken": token}


@action("DescribePrefixLists")
def describe_aws_managed(request: Request) -> dict[str, Any]:
    listed = [
        {
            "PrefixListId": pl["PrefixListId"],
            "PrefixListName": pl["PrefixListName"],
            "Cidrs": [e["Cidr"] for e in (request.get(ENTRIES, pl["PrefixListId"]) or {}).get("Entries", [])],
        }
        for pl in request.all(KIND)
        if pl.get("OwnerId") == "AWS"
    ]
    wanted = request.params.get("PrefixListIds")
    if wanted:
        missing = [w for w in wanted if w not in {p["PrefixListId"] for p in listed}]
        if missing:
            raise ApiError(
                "InvalidPrefixListID.NotFound", f"The prefix list ID '{missing[0]}' does not exist"
            )
        listed = [p for p in listed if p["PrefixListId"] in wanted]
    selected = apply_filters(listed, request.params.get("Filters"), PREFIX_LIST_FILTERS)
    items, token = page(selected, request.params)
    return {"PrefixLists": items, "NextToken": token}


@action("GetManagedPrefixListEntries")
def get_entries(request: Request) -> dict[str, Any]:
    pl_id = request.params["PrefixListId"]
    body = _require(request, pl_id)
    entries = (request.get(ENTRIES, pl_id) or {}).get("Entries", [])
    target = request.params.get("TargetVersion")
    if target is not None:
        versions = request.get(VERSIONS, pl_id) or {}
        if str(target) not in versions:
            raise ApiError(
                "InvalidParameterValue",
                f"Version {target} of prefix list {pl_id} does not exist (current {body.get('Version')})",
            )
        entries = versions[str(target)]
    items, token = page(entries, request.params, lowest=1, highest=100)
    return {"Entries": items, "NextToken": token}


@action("ModifyManagedPrefixList")
def modify(request: Request) -> dict[str, Any]:
    params = request.params
    pl_id = params["PrefixListId"]
    body = _require(request, pl_id)
    if body.get("OwnerId") != request.account:
        raise ApiError(
            "OperationNotPermitted", f"The prefix list {pl_id} is managed by AWS and cannot be modified"
        )
    current = params.get("CurrentVersion")
    if current is not None and current != body["Version"]:
        raise ApiError(
            "PrefixListVersionMismatch",
            f"The prefix list {pl_id} has version {body['Version']}, not {current}",
        )
    if params.get("PrefixListName"):
        body["PrefixListName"] = params["PrefixListName"]
    if params.get("MaxEntries") is not None:
        body["MaxEntries"] = params["MaxEntries"]
    adds = _entries(request, body["AddressFamily"], params.get("AddEntries") or [])
    removes = {str(ipaddress.ip_network(e["Cidr"], strict=False)) for e in params.get("RemoveEntries") or []}
    entries = (request.get(ENTRIES, pl_id) or {}).get("Entries", [])
    if adds or removes:
        missing = removes - {e["Cidr"] for e in entries}
        if missing:
            raise ApiError(
                "InvalidPrefixListModification",
                f"The entry {sorted(missing)[0]} is not in prefix list {pl_id}",
            )
        kept = [e for e in entries if e["Cidr"] not in removes]
        added = {e["Cidr"] for e in adds}
        entries = [e for e in kept if e["Cidr"] not in added] + adds
        if len(entries) > body["MaxEntries"]:
            raise ApiError(
                "PrefixListMaxEntriesExceeded",
                f"The prefix list {pl_id} would have more than {body['MaxEntries']} entries",
            )
        body["Version"] += 1
        versions = request.get(VERSIONS, pl_id) or {}
        versions[str(body["Version"])] = entries
        request.put(VERSIONS, pl_id, versions)
        request.put(ENTRIES, pl_id, {"PrefixListId": pl_id, "Entries": entries})
    elif len(entries) > body["MaxEntries"]:
        raise ApiError(
            "PrefixListMaxEntriesExceeded",
            f"The prefix list {pl_id} has more than {body['MaxEntries']} entries",
        )
    body["State"] = "modify-complete"
    request.put(KIND, pl_id, body)
    return {"PrefixList": body}


def _in_use(request: Request, pl_id: str) -> bool:
    for table in request.all("RouteTables"):
        if any(r.get("DestinationPrefixListId") == pl_id for r in table.get("Routes", [])):
            return True
    for group in request.all("SecurityGroups"):
        for key in ("IpPermissions", "IpPermissionsEgress"):
            for permission in group.get(key, []):
                if any(p.get("PrefixListId") == pl_id for p in permission.get("PrefixListIds", [])):
                    return True
    return False


@action("DeleteManagedPrefixList")
def delete(request: Request) -> dict[str, Any]:
    pl_id = request.params["PrefixListId"]
    body = _require(request, pl_id)
    if body.get("OwnerId") != request.account:
        raise ApiError(
            "OperationNotPermitted", f"The prefix list {pl_id} is managed by AWS and cannot be deleted"
        )
    if _in_use(request, pl_id):
        # AWS takes the request ("delete-in-progress") and the deletion then fails, the list kept as
        # "delete-failed": "You must first remove all references to the prefix list in your resources."
        body["State"] = "delete-failed"
        body["StateMessage"] = f"The prefix list {pl_id} is referenced by a route or a security group rule"
        request.put(KIND, pl_id, body)
        return {"PrefixList": dict(body, State="delete-in-progress")}
    body["State"] = "delete-complete"
    request.put(KIND, pl_id, body)
    request.delete(ENTRIES, pl_id)
    return {"PrefixList": body}
