"""Security group rules as the EC2 API takes and shows them: pure functions on AWS shapes.

Why: the API speaks of rules in two shapes -- ``IpPermissions`` (one protocol and port range,
many peers: what ``AuthorizeSecurityGroupIngress`` takes and ``DescribeSecurityGroups`` shows)
and ``SecurityGroupRule`` (one peer, with an ``sgr-`` id: what ``DescribeSecurityGroupRules``
and ``ModifySecurityGroupRules`` use). The server stores the per-peer rules (they are resources:
tagged, addressed by id) and derives the permissions from them, so the two views never disagree.

Every refusal is AWS's error code and, where AWS's wording is known, its message:
``InvalidPermission.Duplicate``, ``InvalidPermission.NotFound``,
``RulesPerSecurityGroupLimitExceeded`` (the default quota, 60 per direction, counted apart for
IPv4 and IPv6 as AWS does), ``InvalidParameterValue`` for a bad protocol, port range or CIDR,
``MissingParameter``/``InvalidParameterCombination`` for a rule without exactly one peer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..model.validate import RULES_PER_GROUP_QUOTA
from .errors import ApiError

Shape = dict[str, Any]

#: Protocol numbers AWS shows by name.
PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "-1": "-1"}
NAMED = frozenset(PROTOCOL_NAMES.values())
PEER_FIELDS = ("CidrIpv4", "CidrIpv6", "PrefixListId", "ReferencedGroupInfo")


def normalize_protocol(value: object) -> str:
    """``TCP``/``6`` -> ``tcp``, ``-1`` stays, another number 0-255 as its digits."""
    if value is None or value == "":
        raise ApiError(
            "InvalidParameterValue",
            "Invalid value 'null' for protocol. VPC security group rules must specify protocols explicitly.",
        )
    text = str(value).strip().lower()
    if text in NAMED:
        return text
    if text in PROTOCOL_NAMES:
        return PROTOCOL_NAMES[text]
    if text.lstrip("-").isdigit() and 0 <= int(text) <= 255:
        return str(int(text))
    raise ApiError("InvalidParameterValue", f"Invalid value '{value}' for IP protocol. Unknown protocol.")


def _int(value: object, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(str(value))
    except ValueError:
        raise ApiError("InvalidParameterValue", f"Invalid value '{value}' for {name}.") from None


def normalize_ports(protocol: str, from_port: object, to_port: object) -> tuple[int, int]:
    """The rule's (FromPort, ToPort) as AWS stores them: TCP/UDP need both, within 0-65535;
    ICMP's are the type and code (-1 any); other protocols have none (-1, -1)."""
    low, high = _int(from_port, "fromPort"), _int(to_port, "toPort")
    if protocol in ("tcp", "udp"):
        if low is None or high is None:
            raise ApiError(
                "InvalidParameterValue",
                "Invalid value for portRange. Must specify both from and to ports with TCP/UDP.",
            )
        if not (0 <= low <= 65535 and 0 <= high <= 65535) or low > high:
            raise ApiError(
                "InvalidParameterValue",
                f"Invalid TCP/UDP port range {low}-{high}: the ports must lie in 0-65535, from port first.",
            )
        return low, high
    if protocol in ("icmp", "icmpv6"):
        low = -1 if low is None else low
        high = -1 if high is None else high
        for what, value in (("type", low), ("code", high)):
            if not -1 <= value <= 255:
                raise ApiError("InvalidParameterValue", f"Invalid value '{value}' for ICMP {what}.")
        if low == -1 and high != -1:
            raise ApiError("InvalidParameterValue", "ICMP code must be -1 when ICMP type is -1.")
        return low, high
    return -1, -1


def _cidr(value: object, ipv6: bool) -> str:
    text = str(value) if value is not None else ""
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        network = None
    if "/" not in text or network is None or (network.version == 6) != ipv6:
        raise ApiError("InvalidParameterValue", f"CIDR block {text} is malformed")
    return text


def rule_key(rule: Mapping[str, Any]) -> tuple[object, ...]:
    """What makes two rules the same rule (AWS refuses the second): direction, protocol, ports
    and peer; the description does not count."""
    ref = rule.get("ReferencedGroupInfo") or {}
    return (
        bool(rule.get("IsEgress")),
        rule.get("IpProtocol"),
        rule.get("FromPort"),
        rule.get("ToPort"),
        rule.get("CidrIpv4"),
        rule.get("CidrIpv6"),
        rule.get("PrefixListId"),
        ref.get("GroupId"),
    )


GroupResolver = Callable[[Mapping[str, Any]], Shape]
"""Resolves a ``UserIdGroupPair`` (``GroupId`` or ``GroupName``) to the referenced group's
describe shape, raising ``InvalidGroup.NotFound`` when it names nothing."""


def permissions_to_rules(
    permissions: Sequence[Mapping[str, Any]], *, egress: bool, resolve_group: GroupResolver
) -> list[Shape]:
    """``IpPermissions`` -> one ``SecurityGroupRule`` shape per peer (no id, group or tags yet),
    in the order given."""
    rules: list[Shape] = []
    for permission in permissions:
        protocol = normalize_protocol(permission.get("IpProtocol"))
        low, high = normalize_ports(protocol, permission.get("FromPort"), permission.get("ToPort"))
        base: Shape = {"IsEgress": egress, "IpProtocol": protocol, "FromPort": low, "ToPort": high}
        peers: list[Shape] = []
        for item in permission.get("IpRanges") or ():
            peers.append(
                {"CidrIpv4": _cidr(item.get("CidrIp"), False), "Description": item.get("Description")}
            )
        for item in permission.get("Ipv6Ranges") or ():
            peers.append(
                {"CidrIpv6": _cidr(item.get("CidrIpv6"), True), "Description": item.get("Description")}
            )
        for item in permission.get("PrefixListIds") or ():
            if not item.get("PrefixListId"):
                raise ApiError("MissingParameter", "The request must contain the parameter PrefixListId")
            peers.append({"PrefixListId": item["PrefixListId"], "Description": item.get("Description")})
        for item in permission.get("UserIdGroupPairs") or ():
            group = resolve_group(item)
            info = {"GroupId": group["GroupId"], "UserId": item.get("UserId") or group.get("OwnerId")}
            peers.append({"ReferencedGroupInfo": info, "Description": item.get("Description")})
        if not peers:
            raise ApiError(
                "MissingParameter",
                "The request must contain exactly one of: cidrIp, cidrIpv6, prefixListId, or referencedGroupId",
            )
        for peer in peers:
            rule = {**base, **{k: v for k, v in peer.items() if v is not None}}
            rules.append(rule)
    return rules


def flat_permission(params: Mapping[str, Any]) -> list[Shape]:
    """The older flat parameters (``IpProtocol``, ``FromPort``, ``ToPort``, ``CidrIp``,
    ``SourceSecurityGroupName``, ``SourceSecurityGroupOwnerId``) as ``IpPermissions``; empty
    when none is given."""
    keys = (
        "IpProtocol",
        "FromPort",
        "ToPort",
        "CidrIp",
        "SourceSecurityGroupName",
        "SourceSecurityGroupOwnerId",
    )
    if not any(params.get(k) is not None for k in keys):
        return []
    permission: Shape = {
        "IpProtocol": params.get("IpProtocol", "-1" if params.get("SourceSecurityGroupName") else None),
        "FromPort": params.get("FromPort"),
        "ToPort": params.get("ToPort"),
    }
    if params.get("CidrIp") is not None:
        permission["IpRanges"] = [{"CidrIp": params["CidrIp"]}]
    if params.get("SourceSecurityGroupName") is not None:
        pair = {"GroupName": params["SourceSecurityGroupName"]}
        if params.get("SourceSecurityGroupOwnerId"):
            pair["UserId"] = params["SourceSecurityGroupOwnerId"]
        permission["UserIdGroupPairs"] = [pair]
        if params.get("IpProtocol") is None and params.get("FromPort") is None:
            permission["IpProtocol"] = "-1"
    return [permission]


def _rule_peer(rule: Mapping[str, Any]) -> str:
    ref = rule.get("ReferencedGroupInfo") or {}
    return str(rule.get("CidrIpv4") or rule.get("CidrIpv6") or rule.get("PrefixListId") or ref.get("GroupId"))


def describe_rule(rule: Mapping[str, Any]) -> str:
    """A rule as AWS's duplicate message quotes it."""
    protocol = str(rule["IpProtocol"]).upper() if rule["IpProtocol"] != "-1" else "ALL"
    text = f"peer: {_rule_peer(rule)}, {protocol}"
    if rule["IpProtocol"] in ("tcp", "udp", "icmp", "icmpv6"):
        text += f", from port: {rule['FromPort']}, to port: {rule['ToPort']}"
    return f"{text}, ALLOW"


def weight(rule: Mapping[str, Any], family: str, prefix_list_sizes: Mapping[str, int]) -> int:
    """How much a rule counts against the quota of one address family (``ipv4``/``ipv6``): a CIDR
    counts in its own family, a group reference in both, a prefix list as its maximum entries."""
    if rule.get("CidrIpv4"):
        return 1 if family == "ipv4" else 0
    if rule.get("CidrIpv6"):
        return 1 if family == "ipv6" else 0
    if rule.get("PrefixListId"):
        return max(1, prefix_list_sizes.get(str(rule["PrefixListId"]), 1))
    return 1


def check_authorize(
    existing: Iterable[Mapping[str, Any]],
    new: Sequence[Mapping[str, Any]],
    *,
    prefix_list_sizes: Mapping[str, int] | None = None,
    quota: int = RULES_PER_GROUP_QUOTA,
) -> None:
    """Refuse more rules per direction than the quota (checked first: a request past the quota
    is answered so even when it repeats a rule), then rules the group already has or the request
    repeats."""
    current = list(existing)
    sizes = prefix_list_sizes or {}
    for egress in (False, True):
        mine = [r for r in (*current, *new) if bool(r.get("IsEgress")) == egress]
        for family in ("ipv4", "ipv6"):
            if sum(weight(r, family, sizes) for r in mine) > quota:
                raise ApiError(
                    "RulesPerSecurityGroupLimitExceeded",
                    "The maximum number of rules per security group has been reached.",
                )
    seen = {rule_key(r) for r in current}
    for rule in new:
        key = rule_key(rule)
        if key in seen:
            raise ApiError(
                "InvalidPermission.Duplicate", f'the specified rule "{describe_rule(rule)}" already exists'
            )
        seen.add(key)


def match_revoke(existing: Sequence[Mapping[str, Any]], wanted: Sequence[Mapping[str, Any]]) -> list[str]:
    """The ids of the existing rules that ``wanted`` (per-peer rules from ``IpPermissions``)
    name; ``InvalidPermission.NotFound`` when one names no rule."""
    by_key = {rule_key(r): str(r["SecurityGroupRuleId"]) for r in existing}
    ids: list[str] = []
    for rule in wanted:
        found = by_key.get(rule_key(rule))
        if found is None:
            raise ApiError(
                "InvalidPermission.NotFound", "The specified rule does not exist in this security group."
            )
        if found not in ids:
            ids.append(found)
    return ids


def rules_to_permissions(rules: Iterable[Mapping[str, Any]]) -> list[Shape]:
    """Per-peer rules -> ``IpPermissions``: one permission per (protocol, ports), peers in the
    order they were added, as ``DescribeSecurityGroups`` shows them."""
    grouped: dict[tuple[object, object, object], Shape] = {}
    for rule in rules:
        protocol = rule["IpProtocol"]
        key = (protocol, rule.get("FromPort"), rule.get("ToPort"))
        permission = grouped.get(key)
        if permission is None:
            permission = {"IpProtocol": protocol}
            if protocol != "-1":
                permission["FromPort"], permission["ToPort"] = rule.get("FromPort"), rule.get("ToPort")
            permission.update({"IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []})
            grouped[key] = permission
        described = {"Description": rule["Description"]} if rule.get("Description") else {}
        if rule.get("CidrIpv4"):
            permission["IpRanges"].append({"CidrIp": rule["CidrIpv4"], **described})
        elif rule.get("CidrIpv6"):
            permission["Ipv6Ranges"].append({"CidrIpv6": rule["CidrIpv6"], **described})
        elif rule.get("PrefixListId"):
            permission["PrefixListIds"].append({"PrefixListId": rule["PrefixListId"], **described})
        elif rule.get("ReferencedGroupInfo"):
            info = rule["ReferencedGroupInfo"]
            pair = {"GroupId": info["GroupId"], "UserId": info.get("UserId")}
            permission["UserIdGroupPairs"].append({k: v for k, v in {**pair, **described}.items() if v})
    return list(grouped.values())


def modified_rule(
    current: Mapping[str, Any], request: Mapping[str, Any], resolve_group: GroupResolver
) -> Shape:
    """``ModifySecurityGroupRules``: the rule ``current`` becomes what ``request`` (a
    ``SecurityGroupRuleRequest``) says, keeping its id, group, direction and tags."""
    protocol = normalize_protocol(request.get("IpProtocol"))
    low, high = normalize_ports(protocol, request.get("FromPort"), request.get("ToPort"))
    peers = [k for k in ("CidrIpv4", "CidrIpv6", "PrefixListId", "ReferencedGroupId") if request.get(k)]
    if not peers:
        raise ApiError(
            "MissingParameter",
            "The request must contain exactly one of: cidrIp, cidrIpv6, prefixListId, or referencedGroupId",
        )
    if len(peers) > 1:
        raise ApiError(
            "InvalidParameterCombination",
            "Only one of cidrIp, cidrIpv6, prefixListId, or referencedGroupId can be specified",
        )
    rule: Shape = {k: v for k, v in current.items() if k not in (*PEER_FIELDS, "Description")}
    rule.update({"IpProtocol": protocol, "FromPort": low, "ToPort": high})
    peer = peers[0]
    if peer == "CidrIpv4":
        rule["CidrIpv4"] = _cidr(request["CidrIpv4"], False)
    elif peer == "CidrIpv6":
        rule["CidrIpv6"] = _cidr(request["CidrIpv6"], True)
    elif peer == "PrefixListId":
        rule["PrefixListId"] = request["PrefixListId"]
    else:
        group = resolve_group({"GroupId": request["ReferencedGroupId"]})
        rule["ReferencedGroupInfo"] = {"GroupId": group["GroupId"], "UserId": group.get("OwnerId")}
    if request.get("Description"):
        rule["Description"] = request["Description"]
    return rule


def update_descriptions(
    existing: Sequence[Mapping[str, Any]], wanted: Sequence[Mapping[str, Any]]
) -> list[Shape]:
    """``UpdateSecurityGroupRuleDescriptions*``: the existing rules with the descriptions the
    request gives (matched on protocol, ports and peer); ``InvalidPermission.NotFound`` when a
    request names no rule."""
    by_key = {rule_key(r): dict(r) for r in existing}
    changed: list[Shape] = []
    for rule in wanted:
        found = by_key.get(rule_key(rule))
        if found is None:
            raise ApiError(
                "InvalidPermission.NotFound", "The specified rule does not exist in this security group."
            )
        if rule.get("Description"):
            found["Description"] = rule["Description"]
        else:
            found.pop("Description", None)
        changed.append(found)
    return changed


def default_egress_rule() -> Shape:
    """The outbound rule AWS gives every new VPC security group: all traffic to 0.0.0.0/0."""
    return {"IsEgress": True, "IpProtocol": "-1", "FromPort": -1, "ToPort": -1, "CidrIpv4": "0.0.0.0/0"}


def check_group_name(name: object, description: object) -> None:
    """``CreateSecurityGroup``'s own checks: a name and a description, neither too long, and the
    name not ``sg-...``."""
    if not name:
        raise ApiError("MissingParameter", "The request must contain the parameter GroupName")
    if description is None or description == "":
        raise ApiError("MissingParameter", "The request must contain the parameter GroupDescription")
    if len(str(name)) > 255:
        raise ApiError("InvalidParameterValue", f"Invalid value '{name}' for groupName. Length exceeds 255")
    if len(str(description)) > 255:
        raise ApiError("InvalidParameterValue", "Invalid value for GroupDescription. Length exceeds 255")
    if str(name).startswith("sg-"):
        raise ApiError("InvalidParameterValue", "Group names may not be in the format sg-*.")
