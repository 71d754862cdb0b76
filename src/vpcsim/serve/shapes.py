"""AWS's shapes of the resources a VPC comes with, built in one place: ``CreateVpc`` and the
default VPC of every account and region both create a main route table, a default network ACL
and a default security group with AWS's default rules (the families that own those types
change them afterwards; these functions only give their first state)."""

from __future__ import annotations

from typing import Any

from .store import Transaction

__all__ = [
    "add_acl_association",
    "default_network_acl",
    "default_security_group",
    "main_route_table",
    "subnet_arn",
]


def _acl_entry(number: int, action: str, egress: bool) -> dict[str, Any]:
    return {
        "CidrBlock": "0.0.0.0/0",
        "Egress": egress,
        "Protocol": "-1",
        "RuleAction": action,
        "RuleNumber": number,
    }


def default_network_acl(tx: Transaction, vpc_id: str) -> dict[str, Any]:
    """A VPC's default ACL: rule 100 allows everything both ways, then ``*`` denies."""
    acl_id = tx.new_id("acl")
    body = {
        "Associations": [],
        "Entries": [
            _acl_entry(100, "allow", True),
            _acl_entry(32767, "deny", True),
            _acl_entry(100, "allow", False),
            _acl_entry(32767, "deny", False),
        ],
        "IsDefault": True,
        "NetworkAclId": acl_id,
        "Tags": [],
        "VpcId": vpc_id,
        "OwnerId": tx.account,
    }
    tx.put("NetworkAcls", acl_id, body)
    return body


def default_security_group(tx: Transaction, vpc_id: str) -> dict[str, Any]:
    """A VPC's ``default`` group: in from members of the group, out to anywhere."""
    group_id = tx.new_id("sg")
    body = {
        "Description": "default VPC security group",
        "GroupName": "default",
        "IpPermissions": [
            {
                "IpProtocol": "-1",
                "IpRanges": [],
                "Ipv6Ranges": [],
                "PrefixListIds": [],
                "UserIdGroupPairs": [{"GroupId": group_id, "UserId": tx.account}],
            }
        ],
        "OwnerId": tx.account,
        "GroupId": group_id,
        "IpPermissionsEgress": [
            {
                "IpProtocol": "-1",
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                "Ipv6Ranges": [],
                "PrefixListIds": [],
                "UserIdGroupPairs": [],
            }
        ],
        "Tags": [],
        "VpcId": vpc_id,
        "SecurityGroupArn": f"arn:aws:ec2:{tx.region}:{tx.account}:security-group/{group_id}",
    }
    tx.put("SecurityGroups", group_id, body)
    return body


def main_route_table(tx: Transaction, vpc_id: str, cidr: str) -> dict[str, Any]:
    """A VPC's main route table: the local route of its primary CIDR block."""
    table_id = tx.new_id("rtb")
    body = {
        "Associations": [
            {
                "Main": True,
                "RouteTableAssociationId": tx.new_id("rtbassoc"),
                "RouteTableId": table_id,
                "AssociationState": {"State": "associated"},
            }
        ],
        "PropagatingVgws": [],
        "RouteTableId": table_id,
        "Routes": [
            {
                "DestinationCidrBlock": cidr,
                "GatewayId": "local",
                "Origin": "CreateRouteTable",
                "State": "active",
            }
        ],
        "Tags": [],
        "VpcId": vpc_id,
        "OwnerId": tx.account,
    }
    tx.put("RouteTables", table_id, body)
    return body


def default_acl_of(tx: Transaction, vpc_id: str) -> dict[str, Any] | None:
    for acl in tx.all("NetworkAcls"):
        if acl.get("VpcId") == vpc_id and acl.get("IsDefault"):
            return acl
    return None


def add_acl_association(tx: Transaction, vpc_id: str, subnet_id: str) -> None:
    """A new subnet uses its VPC's default ACL until associated with another."""
    acl = default_acl_of(tx, vpc_id)
    if acl is None:
        return
    acl["Associations"].append(
        {
            "NetworkAclAssociationId": tx.new_id("aclassoc"),
            "NetworkAclId": acl["NetworkAclId"],
            "SubnetId": subnet_id,
        }
    )
    tx.put("NetworkAcls", acl["NetworkAclId"], acl)


def remove_acl_associations(tx: Transaction, subnet_id: str) -> None:
    for acl in tx.all("NetworkAcls"):
        kept = [a for a in acl.get("Associations", []) if a.get("SubnetId") != subnet_id]
        if len(kept) != len(acl.get("Associations", [])):
            acl["Associations"] = kept
            tx.put("NetworkAcls", acl["NetworkAclId"], acl)


def subnet_arn(tx: Transaction, subnet_id: str) -> str:
    return f"arn:aws:ec2:{tx.region}:{tx.account}:subnet/{subnet_id}"
