"""AWS's checks on security group rules, network ACL entries and private addresses
(vpcsim.serve.sg_rules, acl_rules, addresses): pure functions on AWS shapes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from vpcsim.serve import acl_rules, sg_rules
from vpcsim.serve.errors import ApiError

GROUPS = {"sg-1": {"GroupId": "sg-1", "GroupName": "web", "OwnerId": "123456789012"}}


def _resolve(pair: Mapping[str, Any]) -> dict[str, Any]:
    for group in GROUPS.values():
        if pair.get("GroupId") == group["GroupId"] or pair.get("GroupName") == group["GroupName"]:
            return group
    raise ApiError("InvalidGroup.NotFound", f"The security group '{pair.get('GroupId')}' does not exist")


def _rules(permissions: list[dict[str, Any]], egress: bool = False) -> list[dict[str, Any]]:
    return sg_rules.permissions_to_rules(permissions, egress=egress, resolve_group=_resolve)


def _code(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ApiError) as raised:
        call(*args, **kwargs)
    return raised.value.code


def test_permissions_expand_to_one_rule_per_peer_and_back() -> None:
    permissions: list[dict[str, Any]] = [
        {
            "IpProtocol": "TCP",
            "FromPort": 22,
            "ToPort": 22,
            "IpRanges": [{"CidrIp": "10.0.0.0/24", "Description": "office"}, {"CidrIp": "10.0.1.0/24"}],
            "UserIdGroupPairs": [{"GroupName": "web"}],
        },
        {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}]},
        {"IpProtocol": "6", "FromPort": 22, "ToPort": 22, "PrefixListIds": [{"PrefixListId": "pl-1"}]},
    ]
    rules = _rules(permissions)
    assert [r["IpProtocol"] for r in rules] == ["tcp", "tcp", "tcp", "-1", "tcp"]
    assert rules[0] == {
        "IsEgress": False,
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "CidrIpv4": "10.0.0.0/24",
        "Description": "office",
    }
    assert rules[2]["ReferencedGroupInfo"] == {"GroupId": "sg-1", "UserId": "123456789012"}
    assert (rules[3]["FromPort"], rules[3]["ToPort"]) == (-1, -1)
    assert sg_rules.rules_to_permissions(rules) == [
        {
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "IpRanges": [{"CidrIp": "10.0.0.0/24", "Description": "office"}, {"CidrIp": "10.0.1.0/24"}],
            "Ipv6Ranges": [],
            "PrefixListIds": [{"PrefixListId": "pl-1"}],
            "UserIdGroupPairs": [{"GroupId": "sg-1", "UserId": "123456789012"}],
        },
        {
            "IpProtocol": "-1",
            "IpRanges": [],
            "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}],
            "PrefixListIds": [],
            "UserIdGroupPairs": [],
        },
    ]


@pytest.mark.parametrize(
    ("permission", "code"),
    [
        (
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "123.123.123.123"}]},
            "InvalidParameterValue",
        ),
        (
            {"IpProtocol": "tcp", "FromPort": 22, "IpRanges": [{"CidrIp": "1.2.3.4/32"}]},
            "InvalidParameterValue",
        ),
        (
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 22, "IpRanges": [{"CidrIp": "1.2.3.4/32"}]},
            "InvalidParameterValue",
        ),
        (
            {"IpProtocol": "udp", "FromPort": 0, "ToPort": 70000, "IpRanges": [{"CidrIp": "1.2.3.4/32"}]},
            "InvalidParameterValue",
        ),
        ({"IpProtocol": "bogus", "IpRanges": [{"CidrIp": "1.2.3.4/32"}]}, "InvalidParameterValue"),
        (
            {"IpProtocol": "icmp", "FromPort": 300, "ToPort": -1, "IpRanges": [{"CidrIp": "1.2.3.4/32"}]},
            "InvalidParameterValue",
        ),
        ({"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "10.0.0.0/8"}]}, "InvalidParameterValue"),
        ({"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2}, "MissingParameter"),
        (
            {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, "UserIdGroupPairs": [{"GroupId": "sg-none"}]},
            "InvalidGroup.NotFound",
        ),
    ],
)
def test_bad_permissions_get_aws_errors(permission: dict[str, Any], code: str) -> None:
    assert _code(_rules, [permission]) == code


def test_duplicates_and_the_rule_quota() -> None:
    existing = [
        {**r, "SecurityGroupRuleId": "sgr-1"}
        for r in _rules([{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}], True)
    ]
    again = _rules([{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}], True)
    assert _code(sg_rules.check_authorize, existing, again) == "InvalidPermission.Duplicate"
    twice = _rules(
        [
            {
                "IpProtocol": "tcp",
                "FromPort": 1,
                "ToPort": 1,
                "IpRanges": [{"CidrIp": "1.0.0.0/8"}, {"CidrIp": "1.0.0.0/8"}],
            }
        ]
    )
    assert _code(sg_rules.check_authorize, [], twice) == "InvalidPermission.Duplicate"
    # the same rule in the other direction is another rule
    sg_rules.check_authorize(
        existing, _rules([{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}], False)
    )
    many = _rules([{"IpProtocol": "-1", "IpRanges": [{"CidrIp": f"{i}.0.0.0/8"} for i in range(60)]}])
    sg_rules.check_authorize([], many)
    one_more = _rules([{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "100.0.0.0/8"}]}])
    assert _code(sg_rules.check_authorize, many, one_more) == "RulesPerSecurityGroupLimitExceeded"
    # IPv6 rules count apart from IPv4 ones; a group reference counts in both
    v6 = _rules([{"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/64"}]}])
    sg_rules.check_authorize(many, v6)
    ref = _rules([{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-1"}]}])
    assert _code(sg_rules.check_authorize, many, ref) == "RulesPerSecurityGroupLimitExceeded"
    # a prefix list counts as its maximum entries
    pl = _rules([{"IpProtocol": "-1", "PrefixListIds": [{"PrefixListId": "pl-1"}]}])
    assert (
        _code(sg_rules.check_authorize, many[:50], pl, prefix_list_sizes={"pl-1": 11})
        == "RulesPerSecurityGroupLimitExceeded"
    )
    sg_rules.check_authorize(many[:50], pl, prefix_list_sizes={"pl-1": 10})


def test_revoke_and_descriptions_match_on_protocol_ports_and_peer() -> None:
    stored = [
        {**r, "SecurityGroupRuleId": f"sgr-{i}"}
        for i, r in enumerate(
            _rules(
                [
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 22,
                        "ToPort": 22,
                        "IpRanges": [{"CidrIp": "1.2.3.4/32"}, {"CidrIp": "1.2.3.5/32"}],
                    }
                ]
            )
        )
    ]
    wanted = _rules(
        [
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "1.2.3.5/32", "Description": "x"}],
            }
        ]
    )
    assert sg_rules.match_revoke(stored, wanted) == ["sgr-1"]
    (changed,) = sg_rules.update_descriptions(stored, wanted)
    assert changed["SecurityGroupRuleId"] == "sgr-1" and changed["Description"] == "x"
    missing = _rules(
        [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 23, "IpRanges": [{"CidrIp": "1.2.3.5/32"}]}]
    )
    assert _code(sg_rules.match_revoke, stored, missing) == "InvalidPermission.NotFound"


def test_modify_rule_as_aws_words_it() -> None:
    current = {
        "SecurityGroupRuleId": "sgr-1",
        "GroupId": "sg-1",
        "IsEgress": False,
        "IpProtocol": "tcp",
        "FromPort": 1,
        "ToPort": 1,
        "CidrIpv4": "1.1.1.1/32",
        "Description": "old",
    }
    rule = sg_rules.modified_rule(
        current, {"IpProtocol": "udp", "FromPort": 5, "ToPort": 6, "ReferencedGroupId": "sg-1"}, _resolve
    )
    assert rule["IpProtocol"] == "udp" and "CidrIpv4" not in rule and "Description" not in rule
    assert rule["ReferencedGroupInfo"]["GroupId"] == "sg-1" and rule["SecurityGroupRuleId"] == "sgr-1"
    with pytest.raises(ApiError) as raised:
        sg_rules.modified_rule(current, {"FromPort": 1, "ToPort": 2, "CidrIpv4": "1.1.1.1/32"}, _resolve)
    assert (
        raised.value.message
        == "Invalid value 'null' for protocol. VPC security group rules must specify protocols explicitly."
    )
    assert (
        _code(sg_rules.modified_rule, current, {"IpProtocol": "udp", "FromPort": 1, "ToPort": 2}, _resolve)
        == "MissingParameter"
    )
    both = {
        "IpProtocol": "udp",
        "FromPort": 1,
        "ToPort": 2,
        "CidrIpv4": "1.1.1.1/32",
        "CidrIpv6": "2001:db8::/32",
    }
    assert _code(sg_rules.modified_rule, current, both, _resolve) == "InvalidParameterCombination"


def test_flat_parameters() -> None:
    assert sg_rules.flat_permission({}) == []
    (permission,) = sg_rules.flat_permission(
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "1.2.3.4/32"}
    )
    assert _rules([permission])[0]["CidrIpv4"] == "1.2.3.4/32"
    (permission,) = sg_rules.flat_permission({"SourceSecurityGroupName": "web"})
    assert _rules([permission])[0]["ReferencedGroupInfo"]["GroupId"] == "sg-1"


def test_group_names() -> None:
    assert _code(sg_rules.check_group_name, "web", None) == "MissingParameter"
    assert _code(sg_rules.check_group_name, "sg-123", "d") == "InvalidParameterValue"
    sg_rules.check_group_name("web", "d")


def _acl() -> dict[str, Any]:
    return {"NetworkAclId": "acl-1", "Entries": acl_rules.star_entries()}


def test_acl_entries() -> None:
    acl = _acl()
    entry = acl_rules.entry_from_request(
        {
            "RuleNumber": 100,
            "Protocol": "tcp",
            "RuleAction": "allow",
            "Egress": "false",
            "CidrBlock": "10.0.0.0/16",
            "PortRange": {"From": 22, "To": 22},
        }
    )
    assert entry == {
        "RuleNumber": 100,
        "Protocol": "6",
        "RuleAction": "allow",
        "Egress": False,
        "CidrBlock": "10.0.0.0/16",
        "PortRange": {"From": 22, "To": 22},
    }
    acl["Entries"] = acl_rules.add_entry(acl, entry)
    assert _code(acl_rules.add_entry, acl, entry) == "NetworkAclEntryAlreadyExists"
    acl_rules.add_entry(acl, {**entry, "Egress": True})
    replaced = acl_rules.replace_entry(acl, {**entry, "RuleAction": "deny"})
    assert [e["RuleAction"] for e in replaced if e["RuleNumber"] == 100] == ["deny"]
    assert (
        _code(acl_rules.replace_entry, acl, {**entry, "RuleNumber": 7}) == "InvalidNetworkAclEntry.NotFound"
    )
    assert len(acl_rules.delete_entry(acl, 100, "false")) == 2
    assert _code(acl_rules.delete_entry, acl, 100, True) == "InvalidNetworkAclEntry.NotFound"
    assert _code(acl_rules.delete_entry, acl, 32767, False) == "InvalidParameterValue"
    for number in range(1, 20):
        acl["Entries"] = acl_rules.add_entry(acl, {**entry, "RuleNumber": number})
    assert _code(acl_rules.add_entry, acl, {**entry, "RuleNumber": 500}) == "NetworkAclEntryLimitExceeded"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (
            {"RuleNumber": 0, "Protocol": "-1", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0"},
            "InvalidParameterValue",
        ),
        (
            {"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0"},
            "InvalidParameterValue",
        ),
        (
            {"RuleNumber": 1, "Protocol": "-1", "RuleAction": "maybe", "CidrBlock": "0.0.0.0/0"},
            "InvalidParameterValue",
        ),
        (
            {"RuleNumber": 1, "Protocol": "6", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0"},
            "InvalidParameterValue",
        ),
        (
            {"RuleNumber": 1, "Protocol": "1", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0"},
            "InvalidParameterValue",
        ),
        (
            {"RuleNumber": 1, "Protocol": "-1", "RuleAction": "allow", "CidrBlock": "0.0.0.0"},
            "InvalidParameterValue",
        ),
        ({"RuleNumber": 1, "Protocol": "-1", "RuleAction": "allow"}, "MissingParameter"),
        (
            {"RuleNumber": 1, "Protocol": "999", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0"},
            "InvalidParameterValue",
        ),
    ],
)
def test_bad_acl_entries(params: dict[str, Any], code: str) -> None:
    assert _code(acl_rules.entry_from_request, params) == code


def test_acl_delete_rules() -> None:
    assert (
        _code(acl_rules.check_delete, {"NetworkAclId": "acl-1", "IsDefault": True}) == "InvalidParameterValue"
    )
    assert (
        _code(acl_rules.check_delete, {"NetworkAclId": "acl-1", "Associations": [{"SubnetId": "s"}]})
        == "DependencyViolation"
    )
    acl_rules.check_delete({"NetworkAclId": "acl-1", "Associations": []})
