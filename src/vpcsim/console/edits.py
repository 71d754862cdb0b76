"""What-if edits: EC2 API actions applied to a copy of the network, never to the network served.

The page keeps the list of edits; each question (trace, reach, exposure, diff) applies the whole
list, in order, to a fresh deep copy through the model's own builder methods, so AWS's refusals
(a duplicate ACL rule number, a route that exists) come back as the model's errors with AWS's
codes. The actions and parameter names are the EC2 API's.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from ..model import ModelError, Network, SecurityGroup

#: The actions the console offers, each with its required parameters.
ACTIONS: dict[str, tuple[str, ...]] = {
    "AuthorizeSecurityGroupIngress": ("GroupId", "IpProtocol"),
    "AuthorizeSecurityGroupEgress": ("GroupId", "IpProtocol"),
    "RevokeSecurityGroupIngress": ("GroupId", "RuleIndex"),
    "RevokeSecurityGroupEgress": ("GroupId", "RuleIndex"),
    "ModifySecurityGroupRule": ("GroupId", "Egress", "RuleIndex", "IpProtocol"),
    "CreateNetworkAclEntry": ("NetworkAclId", "RuleNumber", "Egress", "RuleAction", "Protocol", "CidrBlock"),
    "ReplaceNetworkAclEntry": ("NetworkAclId", "RuleNumber", "Egress", "RuleAction", "Protocol", "CidrBlock"),
    "DeleteNetworkAclEntry": ("NetworkAclId", "RuleNumber", "Egress"),
    "CreateRoute": ("RouteTableId", "DestinationCidrBlock", "Target"),
    "ReplaceRoute": ("RouteTableId", "DestinationCidrBlock", "Target"),
    "DeleteRoute": ("RouteTableId", "DestinationCidrBlock"),
}


class EditError(ValueError):
    """An edit that is malformed, or that AWS would refuse (``code`` is AWS's error code)."""

    def __init__(self, index: int, message: str, code: str = "VPCSIM_BAD_EDIT") -> None:
        super().__init__(f"edit {index + 1}: {message}")
        self.index = index
        self.code = code

    def to_dict(self) -> dict[str, object]:
        return {"error": {"code": self.code, "message": str(self), "edit": self.index}}


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{name} must be an integer")
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {value!r}") from None


def _optional_int(params: Mapping[str, Any], name: str) -> int | None:
    value = params.get(name)
    return None if value is None or value == "" else _int(value, name)


def _sg_rule(params: Mapping[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = {"ip_protocol": str(params["IpProtocol"])}
    from_port, to_port = _optional_int(params, "FromPort"), _optional_int(params, "ToPort")
    if from_port is not None:
        rule["from_port"] = from_port
        rule["to_port"] = from_port if to_port is None else to_port
    peers = [k for k in ("CidrIp", "ReferencedGroupId", "PrefixListId") if params.get(k)]
    if len(peers) != 1:
        raise ValueError("give exactly one peer: CidrIp, ReferencedGroupId or PrefixListId")
    key = peers[0]
    rule[
        {"CidrIp": "cidr_ipv4", "ReferencedGroupId": "referenced_group_id", "PrefixListId": "prefix_list_id"}[
            key
        ]
    ] = str(params[key])
    if params.get("Description"):
        rule["description"] = str(params["Description"])
    return rule


def _rule_at(group: SecurityGroup, egress: bool, index: int) -> Any:
    rules = group.egress if egress else group.ingress
    if not 0 <= index < len(rules):
        raise ValueError(f"{group.group_id} has no {'outbound' if egress else 'inbound'} rule {index}")
    return rules[index]


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "True", "1", 1):
        return True
    if value in ("false", "False", "0", 0):
        return False
    raise ValueError(f"Egress must be true or false, not {value!r}")


def apply_edit(network: Network, edit: Mapping[str, Any]) -> None:
    """Apply one edit to ``network`` (in place) through its builder methods."""
    action = edit.get("Action")
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
    missing = [p for p in ACTIONS[str(action)] if edit.get(p) in (None, "")]
    if missing:
        raise ValueError(f"{action} needs {', '.join(missing)}")
    if action in ("AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress"):
        group = network.resolve(str(edit["GroupId"]), SecurityGroup)
        rule = _sg_rule(edit)
        if action.endswith("Ingress"):
            network.authorize_security_group_ingress(group, **rule)
        else:
            network.authorize_security_group_egress(group, **rule)
    elif action in ("RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress"):
        group = network.resolve(str(edit["GroupId"]), SecurityGroup)
        egress = action.endswith("Egress")
        target = _rule_at(group, egress, _int(edit["RuleIndex"], "RuleIndex"))
        if egress:
            network.revoke_security_group_egress(group, target)
        else:
            network.revoke_security_group_ingress(group, target)
    elif action == "ModifySecurityGroupRule":
        group = network.resolve(str(edit["GroupId"]), SecurityGroup)
        egress = _bool(edit["Egress"])
        index = _int(edit["RuleIndex"], "RuleIndex")
        _rule_at(group, egress, index)
        rule = _sg_rule(edit)
        new = (
            network.authorize_security_group_egress if egress else network.authorize_security_group_ingress
        )(group, **rule)
        rules = group.egress if egress else group.ingress
        rules.remove(new)
        rules[index] = new  # the modified rule keeps its place
        network.touch()
    elif action in ("CreateNetworkAclEntry", "ReplaceNetworkAclEntry"):
        egress = _bool(edit["Egress"])
        number = _int(edit["RuleNumber"], "RuleNumber")
        if action == "ReplaceNetworkAclEntry":
            acl = network.network_acls.get(str(edit["NetworkAclId"]))
            if acl is None or not any(e.rule_number == number and e.egress == egress for e in acl.entries):
                raise ModelError(
                    f"{edit['NetworkAclId']} has no {'outbound' if egress else 'inbound'} rule {number}",
                    code="InvalidNetworkAclEntry.NotFound",
                )
            network.delete_network_acl_entry(str(edit["NetworkAclId"]), number, egress=egress)
        action_value = str(edit["RuleAction"]).lower()
        if action_value not in ("allow", "deny"):
            raise ValueError(f"RuleAction must be allow or deny, not {edit['RuleAction']!r}")
        lo, hi = _optional_int(edit, "FromPort"), _optional_int(edit, "ToPort")
        icmp = edit.get("IcmpTypeCode")
        icmp_type_code = None
        if isinstance(icmp, Mapping):
            icmp_type_code = (
                _int(icmp.get("Type", -1), "IcmpTypeCode.Type"),
                _int(icmp.get("Code", -1), "IcmpTypeCode.Code"),
            )
        network.create_network_acl_entry(
            str(edit["NetworkAclId"]),
            number,
            egress=egress,
            rule_action="allow" if action_value == "allow" else "deny",
            protocol=str(edit["Protocol"]),
            cidr_block=str(edit["CidrBlock"]),
            port_range=None if lo is None else (lo, lo if hi is None else hi),
            icmp_type_code=icmp_type_code,
        )
    elif action == "DeleteNetworkAclEntry":
        network.delete_network_acl_entry(
            str(edit["NetworkAclId"]), _int(edit["RuleNumber"], "RuleNumber"), egress=_bool(edit["Egress"])
        )
    elif action == "CreateRoute":
        network.create_route(
            str(edit["RouteTableId"]), str(edit["DestinationCidrBlock"]), str(edit["Target"])
        )
    elif action == "ReplaceRoute":
        network.delete_route(str(edit["RouteTableId"]), str(edit["DestinationCidrBlock"]))
        network.create_route(
            str(edit["RouteTableId"]), str(edit["DestinationCidrBlock"]), str(edit["Target"])
        )
    elif action == "DeleteRoute":
        network.delete_route(str(edit["RouteTableId"]), str(edit["DestinationCidrBlock"]))


def edited(network: Network, edits: Sequence[Mapping[str, Any]]) -> Network:
    """A deep copy of ``network`` with ``edits`` applied in order; raises :class:`EditError`
    naming the first edit that cannot be applied."""
    if not edits:
        return network
    copied = copy.deepcopy(network)
    for index, edit in enumerate(edits):
        if not isinstance(edit, Mapping):
            raise EditError(index, "an edit is an object with an Action")
        try:
            apply_edit(copied, edit)
        except ModelError as exc:
            raise EditError(index, str(exc), exc.code or "VPCSIM_BAD_EDIT") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise EditError(index, str(exc).strip("'\"")) from None
    return copied
