"""Security groups: create/describe/delete, rules in and out (``IpPermissions`` and the older
flat parameters), ``DescribeSecurityGroupRules``, ``ModifySecurityGroupRules`` and rule
descriptions.

The rules are resources of their own (kind ``SecurityGroupRules``, ids ``sgr-``, taggable), as
``DescribeSecurityGroupRules`` shows them; each group's ``IpPermissions``/``IpPermissionsEgress``
is derived from them after every change (:func:`vpcsim.serve.sg_rules.rules_to_permissions`), so
both views always agree. A group created elsewhere (the default group of a VPC, a seeded network)
gets its rules as resources the first time this family touches it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..context import Request
from ..errors import ApiError
from ..filters import field
from ..registry import action
from ..sg_rules import (
    check_authorize,
    check_group_name,
    default_egress_rule,
    flat_permission,
    match_revoke,
    modified_rule,
    permissions_to_rules,
    rules_to_permissions,
    update_descriptions,
)
from ..store import Transaction

KIND = "SecurityGroups"
RULES = "SecurityGroupRules"


def _pair_field(direction: str, key: str) -> Any:
    return field(direction, "UserIdGroupPairs", key)


FILTERS = {
    "description": field("Description"),
    "group-id": field("GroupId"),
    "group-name": field("GroupName"),
    "owner-id": field("OwnerId"),
    "vpc-id": field("VpcId"),
    **{
        f"{prefix}ip-permission.{name}": getter
        for prefix, direction in (("", "IpPermissions"), ("egress.", "IpPermissionsEgress"))
        for name, getter in (
            ("cidr", field(direction, "IpRanges", "CidrIp")),
            ("ipv6-cidr", field(direction, "Ipv6Ranges", "CidrIpv6")),
            ("prefix-list-id", field(direction, "PrefixListIds", "PrefixListId")),
            ("from-port", field(direction, "FromPort")),
            ("to-port", field(direction, "ToPort")),
            ("protocol", field(direction, "IpProtocol")),
            ("group-id", _pair_field(direction, "GroupId")),
            ("group-name", _pair_field(direction, "GroupName")),
            ("user-id", _pair_field(direction, "UserId")),
        )
    },
}

RULE_FILTERS = {
    "group-id": field("GroupId"),
    "security-group-rule-id": field("SecurityGroupRuleId"),
}


# ---------------------------------------------------------------------------------- lookups


def group_arn(tx: Transaction, group_id: str) -> str:
    return f"arn:aws:ec2:{tx.region}:{tx.account}:security-group/{group_id}"


def _missing(ref: str) -> ApiError:
    return ApiError("InvalidGroup.NotFound", f"The security group '{ref}' does not exist")


def default_vpc_id(tx: Transaction) -> str | None:
    for vpc in tx.all("Vpcs"):
        if vpc.get("IsDefault"):
            return str(vpc["VpcId"])
    return None


def find_group(
    tx: Transaction, *, group_id: str | None = None, group_name: str | None = None, vpc_id: str | None = None
) -> dict[str, Any]:
    """A group by id, or by name in ``vpc_id`` (the default VPC when not given, as AWS looks
    names up); ``InvalidGroup.NotFound`` otherwise."""
    if group_id:
        group = tx.get(KIND, group_id)
        if group is None:
            raise _missing(group_id)
        return group
    if group_name:
        where = vpc_id or default_vpc_id(tx)
        for group in tx.all(KIND):
            if group.get("GroupName") == group_name and group.get("VpcId") == where:
                return group
        if vpc_id is None and where is not None:
            # AWS's words: a bare name is looked up in the default VPC only
            raise ApiError(
                "InvalidGroup.NotFound",
                f"The security group '{group_name}' does not exist in default VPC '{where}'",
            )
        raise _missing(group_name)
    raise ApiError("MissingParameter", "The request must contain the parameter groupId or groupName")


def _group_of(request: Request) -> dict[str, Any]:
    params = request.params
    return find_group(request.tx, group_id=params.get("GroupId"), group_name=params.get("GroupName"))


def _resolver(tx: Transaction, group: Mapping[str, Any]) -> Any:
    """Resolves a rule's ``UserIdGroupPair`` in the rule's group's VPC (names) or by id."""

    def resolve(pair: Mapping[str, Any]) -> dict[str, Any]:
        if pair.get("GroupId"):
            return find_group(tx, group_id=str(pair["GroupId"]))
        if pair.get("GroupName"):
            return find_group(tx, group_name=str(pair["GroupName"]), vpc_id=str(group.get("VpcId")))
        raise ApiError("MissingParameter", "The request must contain the parameter groupId or groupName")

    return resolve


def _prefix_list_sizes(tx: Transaction) -> dict[str, int]:
    return {str(p["PrefixListId"]): int(p.get("MaxEntries") or 1) for p in tx.all("ManagedPrefixLists")}


# ---------------------------------------------------------------------------------- the rules


def _new_rule(
    tx: Transaction, group: Mapping[str, Any], rule: Mapping[str, Any], tags: list[Any]
) -> dict[str, Any]:
    rule_id = tx.new_id("sgr")
    body: dict[str, Any] = {
        "SecurityGroupRuleId": rule_id,
        "GroupId": group["GroupId"],
        "GroupOwnerId": group.get("OwnerId", tx.account),
        **rule,
        "Tags": list(tags),
        "SecurityGroupRuleArn": f"arn:aws:ec2:{tx.region}:{tx.account}:security-group-rule/{rule_id}",
    }
    tx.put(RULES, rule_id, body)
    return body


def rules_of(tx: Transaction, group: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The group's rules (resources), in the order they were added; a group that has permissions
    but no rule resources yet (made by another family, or seeded) gets them now."""
    rules = [r for r in tx.all(RULES) if r.get("GroupId") == group["GroupId"]]
    if rules or not (group.get("IpPermissions") or group.get("IpPermissionsEgress")):
        return rules
    resolve = _resolver(tx, group)
    for egress, key in ((True, "IpPermissionsEgress"), (False, "IpPermissions")):
        for rule in permissions_to_rules(group.get(key) or [], egress=egress, resolve_group=resolve):
            rules.append(_new_rule(tx, group, rule, []))
    return rules


def _save(tx: Transaction, group: dict[str, Any], rules: list[dict[str, Any]]) -> None:
    group["IpPermissions"] = rules_to_permissions(r for r in rules if not r.get("IsEgress"))
    group["IpPermissionsEgress"] = rules_to_permissions(r for r in rules if r.get("IsEgress"))
    tx.put(KIND, group["GroupId"], group)


def _all_rules(tx: Transaction) -> list[dict[str, Any]]:
    for group in tx.all(KIND):
        rules_of(tx, group)
    return tx.all(RULES)


def create_group(
    tx: Transaction, name: str, description: str, vpc: Mapping[str, Any], tags: list[Any]
) -> dict[str, Any]:
    """A new group in ``vpc`` with AWS's default outbound rule (and ``::/0`` in a VPC with IPv6)."""
    vpc_id = vpc["VpcId"]
    if any(g.get("GroupName") == name and g.get("VpcId") == vpc_id for g in tx.all(KIND)):
        raise ApiError(
            "InvalidGroup.Duplicate", f"The security group '{name}' already exists for VPC '{vpc_id}'"
        )
    group_id = tx.new_id("sg")
    group: dict[str, Any] = {
        "Description": description,
        "GroupName": name,
        "IpPermissions": [],
        "OwnerId": tx.account,
        "GroupId": group_id,
        "IpPermissionsEgress": [],
        "Tags": tags,
        "VpcId": vpc_id,
        "SecurityGroupArn": group_arn(tx, group_id),
    }
    tx.put(KIND, group_id, group)
    rules = [_new_rule(tx, group, default_egress_rule(), [])]
    if vpc.get("Ipv6CidrBlockAssociationSet"):
        ipv6 = {**default_egress_rule(), "CidrIpv6": "::/0"}
        del ipv6["CidrIpv4"]
        rules.append(_new_rule(tx, group, ipv6, []))
    _save(tx, group, rules)
    return group


# ---------------------------------------------------------------------------------- groups


@action("CreateSecurityGroup")
def create(request: Request) -> dict[str, Any]:
    params = request.params
    name, description = params.get("GroupName"), params.get("Description")
    check_group_name(name, description)
    vpc_id = params.get("VpcId") or default_vpc_id(request.tx)
    if vpc_id is None:
        raise ApiError("VPCIdNotSpecified", "No default VPC for this user")
    vpc = request.tx.get("Vpcs", vpc_id)
    if vpc is None:
        raise ApiError("InvalidVpcID.NotFound", f"The vpc ID '{vpc_id}' does not exist")
    group = create_group(request.tx, str(name), str(description), vpc, request.tags_for("security-group"))
    return {"GroupId": group["GroupId"], "Tags": group["Tags"], "SecurityGroupArn": group["SecurityGroupArn"]}


@action("DescribeSecurityGroups")
def describe(request: Request) -> dict[str, Any]:
    params = request.params
    ids = params.get("GroupIds") or []
    for group_id in ids:
        if not str(group_id).startswith("sg-"):
            raise ApiError("InvalidGroupId.Malformed", f"The security group ID '{group_id}' is malformed")
    items = None
    names = params.get("GroupNames") or []
    if names:
        items = [find_group(request.tx, group_name=n) for n in names]
    groups, token = request.describe(
        KIND,
        ids=ids,
        id_field="GroupId",
        not_found_code="InvalidGroup.NotFound",
        what="security group",
        filters=FILTERS,
        items=items,
    )
    return {"SecurityGroups": groups, "NextToken": token}


def _dependents(tx: Transaction, group_id: str) -> list[str]:
    """What keeps a group from being deleted: network interfaces using it, rules of other groups
    referencing it."""
    found = [
        str(eni["NetworkInterfaceId"])
        for eni in tx.all("NetworkInterfaces")
        if any(g.get("GroupId") == group_id for g in eni.get("Groups") or [])
    ]
    for group in tx.all(KIND):
        if group["GroupId"] == group_id:
            continue
        for key in ("IpPermissions", "IpPermissionsEgress"):
            for permission in group.get(key) or []:
                if any(p.get("GroupId") == group_id for p in permission.get("UserIdGroupPairs") or []):
                    found.append(str(group["GroupId"]))
    return found


@action("DeleteSecurityGroup")
def delete(request: Request) -> dict[str, Any]:
    tx = request.tx
    group = _group_of(request)
    group_id = group["GroupId"]
    if group.get("GroupName") == "default":
        raise ApiError(
            "CannotDelete", f'the specified group: "{group_id}" name: "default" cannot be deleted by a user'
        )
    if _dependents(tx, group_id):
        raise ApiError("DependencyViolation", f"resource {group_id} has a dependent object")
    for rule in tx.all(RULES):
        if rule.get("GroupId") == group_id:
            tx.delete(RULES, rule["SecurityGroupRuleId"])
    tx.delete(KIND, group_id)
    return {"Return": True, "GroupId": group_id}


# ---------------------------------------------------------------------------------- rules


def _requested_rules(request: Request, group: Mapping[str, Any], egress: bool) -> list[dict[str, Any]]:
    params = request.params
    permissions = params.get("IpPermissions") or flat_permission(params)
    return permissions_to_rules(permissions, egress=egress, resolve_group=_resolver(request.tx, group))


def _authorize(request: Request, egress: bool) -> dict[str, Any]:
    tx = request.tx
    group = _group_of(request)
    existing = rules_of(tx, group)
    new = _requested_rules(request, group, egress)
    check_authorize(existing, new, prefix_list_sizes=_prefix_list_sizes(tx))
    tags = request.tags_for("security-group-rule")
    created = [_new_rule(tx, group, rule, tags) for rule in new]
    _save(tx, group, existing + created)
    return {"Return": True, "SecurityGroupRules": created}


@action("AuthorizeSecurityGroupIngress")
def authorize_ingress(request: Request) -> dict[str, Any]:
    return _authorize(request, egress=False)


@action("AuthorizeSecurityGroupEgress")
def authorize_egress(request: Request) -> dict[str, Any]:
    return _authorize(request, egress=True)


def _revoke(request: Request, egress: bool) -> dict[str, Any]:
    tx = request.tx
    group = _group_of(request)
    existing = [r for r in rules_of(tx, group)]
    mine = [r for r in existing if bool(r.get("IsEgress")) == egress]
    rule_ids = request.params.get("SecurityGroupRuleIds") or []
    if rule_ids:
        known = {r["SecurityGroupRuleId"] for r in mine}
        for rule_id in rule_ids:
            if rule_id not in known:
                raise ApiError(
                    "InvalidSecurityGroupRuleId.NotFound",
                    f"The security group rule ID '{rule_id}' does not exist",
                )
        doomed = list(dict.fromkeys(rule_ids))
    else:
        doomed = match_revoke(mine, _requested_rules(request, group, egress))
    revoked = [r for r in existing if r["SecurityGroupRuleId"] in doomed]
    for rule_id in doomed:
        tx.delete(RULES, rule_id)
    _save(tx, group, [r for r in existing if r["SecurityGroupRuleId"] not in doomed])
    return {
        "Return": True,
        "RevokedSecurityGroupRules": [
            {
                k: v
                for k, v in {
                    "SecurityGroupRuleId": r["SecurityGroupRuleId"],
                    "GroupId": r["GroupId"],
                    "IsEgress": r["IsEgress"],
                    "IpProtocol": r["IpProtocol"],
                    "FromPort": r["FromPort"],
                    "ToPort": r["ToPort"],
                    "CidrIpv4": r.get("CidrIpv4"),
                    "CidrIpv6": r.get("CidrIpv6"),
                    "PrefixListId": r.get("PrefixListId"),
                    "ReferencedSecurityGroupId": (r.get("ReferencedGroupInfo") or {}).get("GroupId"),
                    "Description": r.get("Description"),
                }.items()
                if v is not None
            }
            for r in revoked
        ],
    }


@action("RevokeSecurityGroupIngress")
def revoke_ingress(request: Request) -> dict[str, Any]:
    return _revoke(request, egress=False)


@action("RevokeSecurityGroupEgress")
def revoke_egress(request: Request) -> dict[str, Any]:
    return _revoke(request, egress=True)


@action("DescribeSecurityGroupRules")
def describe_rules(request: Request) -> dict[str, Any]:
    for entry in request.params.get("Filters") or []:
        if entry.get("Name") == "group-id":
            for value in entry.get("Values") or []:
                if not str(value).startswith("sg-"):
                    raise ApiError(
                        "InvalidGroupId.Malformed", f"The security group ID '{value}' is malformed"
                    )
    rules = _all_rules(request.tx)
    wanted = request.params.get("SecurityGroupRuleIds") or []
    known = {r["SecurityGroupRuleId"] for r in rules}
    for rule_id in wanted:
        if rule_id not in known:
            raise ApiError(
                "InvalidSecurityGroupRuleId.NotFound",
                f"The security group rule ID '{rule_id}' does not exist",
            )
    found, token = request.describe(
        RULES,
        ids=wanted,
        id_field="SecurityGroupRuleId",
        not_found_code="InvalidSecurityGroupRuleId.NotFound",
        what="security group rule",
        filters=RULE_FILTERS,
        items=rules,
    )
    return {"SecurityGroupRules": found, "NextToken": token}


@action("ModifySecurityGroupRules")
def modify_rules(request: Request) -> dict[str, Any]:
    tx = request.tx
    group = find_group(tx, group_id=request.params.get("GroupId"))
    rules = rules_of(tx, group)
    by_id = {r["SecurityGroupRuleId"]: i for i, r in enumerate(rules)}
    resolve = _resolver(tx, group)
    for change in request.params.get("SecurityGroupRules") or []:
        rule_id = change.get("SecurityGroupRuleId")
        if rule_id not in by_id:
            raise ApiError(
                "InvalidSecurityGroupRuleId.NotFound",
                f"The security group rule ID '{rule_id}' does not exist",
            )
        index = by_id[rule_id]
        updated = modified_rule(rules[index], change.get("SecurityGroupRule") or {}, resolve)
        check_authorize(
            [r for j, r in enumerate(rules) if j != index],
            [updated],
            prefix_list_sizes=_prefix_list_sizes(tx),
        )
        rules[index] = updated
        tx.put(RULES, rule_id, updated)
    _save(tx, group, rules)
    return {"Return": True}


def _update_descriptions(request: Request, egress: bool) -> dict[str, Any]:
    tx = request.tx
    group = _group_of(request)
    rules = rules_of(tx, group)
    mine = [r for r in rules if bool(r.get("IsEgress")) == egress]
    by_id = {r["SecurityGroupRuleId"]: r for r in mine}
    changed: list[dict[str, Any]] = []
    for item in request.params.get("SecurityGroupRuleDescriptions") or []:
        rule = by_id.get(item.get("SecurityGroupRuleId"))
        if rule is None:
            raise ApiError(
                "InvalidSecurityGroupRuleId.NotFound",
                f"The security group rule ID '{item.get('SecurityGroupRuleId')}' does not exist",
            )
        rule = dict(rule)
        if item.get("Description"):
            rule["Description"] = item["Description"]
        else:
            rule.pop("Description", None)
        changed.append(rule)
    if request.params.get("IpPermissions"):
        changed += update_descriptions(mine, _requested_rules(request, group, egress))
    updated = {r["SecurityGroupRuleId"]: r for r in changed}
    for rule_id, rule in updated.items():
        tx.put(RULES, rule_id, rule)
    _save(tx, group, [updated.get(r["SecurityGroupRuleId"], r) for r in rules])
    return {"Return": True}


@action("UpdateSecurityGroupRuleDescriptionsIngress")
def update_descriptions_ingress(request: Request) -> dict[str, Any]:
    return _update_descriptions(request, egress=False)


@action("UpdateSecurityGroupRuleDescriptionsEgress")
def update_descriptions_egress(request: Request) -> dict[str, Any]:
    return _update_descriptions(request, egress=True)
