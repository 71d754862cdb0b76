"""Network ACLs: create/describe/delete, entries (create, replace, delete) and which ACL a
subnet uses (``ReplaceNetworkAclAssociation``).

AWS's checks on entries are :mod:`vpcsim.serve.acl_rules`'s; a new ACL holds only the ``*``
rules, which deny everything both ways, as AWS's ``create-network-acl`` shows. A VPC's default
ACL is made with the VPC (:mod:`vpcsim.serve.shapes`); every subnet has exactly one association,
with its VPC's default ACL until replaced.
"""

from __future__ import annotations

from typing import Any

from ..acl_rules import add_entry, check_delete, delete_entry, entry_from_request, replace_entry, star_entries
from ..context import Request
from ..errors import ApiError
from ..filters import field
from ..registry import action

KIND = "NetworkAcls"

FILTERS = {
    "association.association-id": field("Associations", "NetworkAclAssociationId"),
    "association.network-acl-id": field("Associations", "NetworkAclId"),
    "association.subnet-id": field("Associations", "SubnetId"),
    "default": field("IsDefault"),
    "entry.cidr": field("Entries", "CidrBlock"),
    "entry.egress": field("Entries", "Egress"),
    "entry.icmp.code": field("Entries", "IcmpTypeCode", "Code"),
    "entry.icmp.type": field("Entries", "IcmpTypeCode", "Type"),
    "entry.ipv6-cidr": field("Entries", "Ipv6CidrBlock"),
    "entry.port-range.from": field("Entries", "PortRange", "From"),
    "entry.port-range.to": field("Entries", "PortRange", "To"),
    "entry.protocol": field("Entries", "Protocol"),
    "entry.rule-action": field("Entries", "RuleAction"),
    "entry.rule-number": field("Entries", "RuleNumber"),
    "network-acl-id": field("NetworkAclId"),
    "owner-id": field("OwnerId"),
    "vpc-id": field("VpcId"),
}


def require_acl(request: Request, acl_id: str | None) -> dict[str, Any]:
    return request.require(KIND, acl_id or "", "InvalidNetworkAclID.NotFound", "network ACL")


@action("CreateNetworkAcl")
def create(request: Request) -> dict[str, Any]:
    tx = request.tx
    vpc_id = request.params.get("VpcId")
    request.require("Vpcs", vpc_id or "", "InvalidVpcID.NotFound", "vpc")
    acl_id = tx.new_id("acl")
    acl = {
        "Associations": [],
        "Entries": sorted(star_entries(), key=lambda e: not e["Egress"]),
        "IsDefault": False,
        "NetworkAclId": acl_id,
        "Tags": request.tags_for("network-acl"),
        "VpcId": vpc_id,
        "OwnerId": tx.account,
    }
    tx.put(KIND, acl_id, acl)
    return {"NetworkAcl": acl, "ClientToken": request.params.get("ClientToken")}


@action("DescribeNetworkAcls")
def describe(request: Request) -> dict[str, Any]:
    acls, token = request.describe(
        KIND,
        ids=request.params.get("NetworkAclIds"),
        id_field="NetworkAclId",
        not_found_code="InvalidNetworkAclID.NotFound",
        what="network ACL",
        filters=FILTERS,
    )
    return {"NetworkAcls": acls, "NextToken": token}


@action("DeleteNetworkAcl")
def delete(request: Request) -> dict[str, Any]:
    acl = require_acl(request, request.params.get("NetworkAclId"))
    check_delete(acl)
    request.delete(KIND, acl["NetworkAclId"])
    return {}


@action("CreateNetworkAclEntry")
def create_entry(request: Request) -> dict[str, Any]:
    acl = require_acl(request, request.params.get("NetworkAclId"))
    acl["Entries"] = add_entry(acl, entry_from_request(request.params))
    request.put(KIND, acl["NetworkAclId"], acl)
    return {}


@action("ReplaceNetworkAclEntry")
def replace(request: Request) -> dict[str, Any]:
    acl = require_acl(request, request.params.get("NetworkAclId"))
    acl["Entries"] = replace_entry(acl, entry_from_request(request.params))
    request.put(KIND, acl["NetworkAclId"], acl)
    return {}


@action("DeleteNetworkAclEntry")
def delete_one_entry(request: Request) -> dict[str, Any]:
    params = request.params
    acl = require_acl(request, params.get("NetworkAclId"))
    acl["Entries"] = delete_entry(acl, params.get("RuleNumber"), params.get("Egress"))
    request.put(KIND, acl["NetworkAclId"], acl)
    return {}


@action("ReplaceNetworkAclAssociation")
def replace_association(request: Request) -> dict[str, Any]:
    """Move a subnet (named by its current association) to another ACL of its VPC."""
    tx = request.tx
    association_id = request.params.get("AssociationId")
    target = require_acl(request, request.params.get("NetworkAclId"))
    for acl in tx.all(KIND):
        for association in acl.get("Associations") or []:
            if association.get("NetworkAclAssociationId") != association_id:
                continue
            subnet_id = association["SubnetId"]
            if acl["VpcId"] != target["VpcId"]:
                raise ApiError(
                    "InvalidParameterValue",
                    f"Network ACL {target['NetworkAclId']} and subnet {subnet_id} belong to different VPCs",
                )
            acl["Associations"] = [a for a in acl["Associations"] if a is not association]
            tx.put(KIND, acl["NetworkAclId"], acl)
            target = tx.get(KIND, target["NetworkAclId"]) or target
            new_id = tx.new_id("aclassoc")
            target["Associations"].append(
                {
                    "NetworkAclAssociationId": new_id,
                    "NetworkAclId": target["NetworkAclId"],
                    "SubnetId": subnet_id,
                }
            )
            tx.put(KIND, target["NetworkAclId"], target)
            return {"NewAssociationId": new_id}
    raise ApiError("InvalidAssociationID.NotFound", f"The association ID '{association_id}' does not exist")
