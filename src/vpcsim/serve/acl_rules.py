"""Network ACL entries as the EC2 API takes them: pure functions on AWS shapes.

Why apart from the handlers: what AWS refuses on ``CreateNetworkAclEntry``,
``ReplaceNetworkAclEntry`` and ``DeleteNetworkAclEntry`` (rule numbers, protocols, port ranges,
CIDRs, duplicates, the default quota of 20 rules per direction) is checked on the ACL's describe
shape, so the rules are testable without a server and the stored ACL is always one AWS could hold.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from ..model.validate import NACL_RULE_MAX, NACL_STAR_IPV4, NACL_STAR_IPV6
from .errors import ApiError

Shape = dict[str, Any]

#: AWS's default quota of rules per network ACL, per direction (the ``*`` rules do not count).
NACL_RULES_QUOTA = 20

_NAMES = {"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58", "all": "-1"}


def _flag(value: object) -> bool:
    return value is True or str(value).lower() == "true"


def normalize_protocol(value: object) -> str:
    """``-1`` or a protocol number 0-255 as digits (``tcp`` -> ``6``)."""
    if value is None or value == "":
        raise ApiError("MissingParameter", "The request must contain the parameter protocol")
    text = str(value).strip().lower()
    text = _NAMES.get(text, text)
    if text.lstrip("-").isdigit() and (int(text) == -1 or 0 <= int(text) <= 255):
        return str(int(text))
    raise ApiError("InvalidParameterValue", f"Invalid value '{value}' for protocol. Unknown protocol.")


def _int(value: object, name: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise ApiError("InvalidParameterValue", f"Invalid value '{value}' for {name}.") from None


def entry_from_request(params: Mapping[str, Any]) -> Shape:
    """A ``NetworkAclEntry`` describe shape from ``CreateNetworkAclEntry``'s (or
    ``ReplaceNetworkAclEntry``'s) parameters, checked as AWS checks them."""
    if params.get("RuleNumber") is None:
        raise ApiError("MissingParameter", "The request must contain the parameter ruleNumber")
    number = _int(params["RuleNumber"], "ruleNumber")
    if not 1 <= number <= NACL_RULE_MAX:
        raise ApiError(
            "InvalidParameterValue",
            f"Invalid value '{number}' for ruleNumber. Rule number must be between 1 and {NACL_RULE_MAX}.",
        )
    action = str(params.get("RuleAction") or "").lower()
    if action not in ("allow", "deny"):
        raise ApiError("InvalidParameterValue", f"Invalid value '{params.get('RuleAction')}' for ruleAction.")
    protocol = normalize_protocol(params.get("Protocol"))
    v4, v6 = params.get("CidrBlock"), params.get("Ipv6CidrBlock")
    if v4 and v6:
        raise ApiError(
            "InvalidParameterCombination", "Only one of cidrBlock or ipv6CidrBlock can be specified"
        )
    if not v4 and not v6:
        raise ApiError(
            "MissingParameter", "The request must contain the parameter cidrBlock or ipv6CidrBlock"
        )
    block = str(v4 or v6)
    try:
        network = ipaddress.ip_network(block, strict=False)
    except ValueError:
        network = None
    if network is None or "/" not in block or (network.version == 6) != bool(v6):
        raise ApiError("InvalidParameterValue", f"CIDR block {block} is malformed")
    entry: Shape = {
        "RuleNumber": number,
        "Protocol": protocol,
        "RuleAction": action,
        "Egress": _flag(params.get("Egress")),
        ("Ipv6CidrBlock" if v6 else "CidrBlock"): str(network) if v6 else block,
    }
    if protocol in ("6", "17"):
        ports = params.get("PortRange") or {}
        if ports.get("From") is None or ports.get("To") is None:
            raise ApiError(
                "InvalidParameterValue",
                "Invalid value for portRange. Must specify both from and to ports with TCP/UDP.",
            )
        low, high = _int(ports["From"], "portRange.from"), _int(ports["To"], "portRange.to")
        if not (0 <= low <= high <= 65535):
            raise ApiError("InvalidParameterValue", f"Invalid TCP/UDP port range {low}-{high}.")
        entry["PortRange"] = {"From": low, "To": high}
    elif protocol in ("1", "58"):
        icmp = params.get("IcmpTypeCode") or {}
        if icmp.get("Type") is None or icmp.get("Code") is None:
            raise ApiError(
                "InvalidParameterValue", "ICMP type and code must be specified for the ICMP protocol."
            )
        kind, code = _int(icmp["Type"], "icmpTypeCode.type"), _int(icmp["Code"], "icmpTypeCode.code")
        if not (-1 <= kind <= 255 and -1 <= code <= 255):
            raise ApiError("InvalidParameterValue", f"Invalid ICMP type {kind} or code {code}.")
        entry["IcmpTypeCode"] = {"Type": kind, "Code": code}
    return entry


def _same_slot(a: Mapping[str, Any], egress: bool, number: int) -> bool:
    return bool(a.get("Egress")) == egress and a.get("RuleNumber") == number


def _counted(entries: Sequence[Mapping[str, Any]], egress: bool) -> int:
    return sum(
        1
        for e in entries
        if bool(e.get("Egress")) == egress and e.get("RuleNumber") not in (NACL_STAR_IPV4, NACL_STAR_IPV6)
    )


def add_entry(acl: Mapping[str, Any], entry: Shape, *, quota: int = NACL_RULES_QUOTA) -> list[Shape]:
    """The ACL's entries with ``entry`` added: ``NetworkAclEntryAlreadyExists`` for a taken rule
    number in that direction, ``NetworkAclEntryLimitExceeded`` past the quota."""
    entries = [dict(e) for e in acl.get("Entries") or ()]
    if any(_same_slot(e, entry["Egress"], entry["RuleNumber"]) for e in entries):
        raise ApiError(
            "NetworkAclEntryAlreadyExists",
            f"The network acl entry identified by {entry['RuleNumber']} already exists.",
        )
    if _counted(entries, entry["Egress"]) + 1 > quota:
        raise ApiError(
            "NetworkAclEntryLimitExceeded",
            "The maximum number of entries for the network ACL has been reached.",
        )
    entries.append(entry)
    return sorted(entries, key=lambda e: (bool(e.get("Egress")), int(e["RuleNumber"])))


def _missing(acl_id: str, number: int, egress: bool) -> ApiError:
    return ApiError(
        "InvalidNetworkAclEntry.NotFound",
        f"The specified rule does not exist in this network acl: {acl_id} ({'egress' if egress else 'ingress'} "
        f"rule {number})",
    )


def replace_entry(acl: Mapping[str, Any], entry: Shape) -> list[Shape]:
    """The ACL's entries with the entry of the same number and direction replaced."""
    entries = [dict(e) for e in acl.get("Entries") or ()]
    for index, existing in enumerate(entries):
        if _same_slot(existing, entry["Egress"], entry["RuleNumber"]):
            entries[index] = entry
            return entries
    raise _missing(str(acl.get("NetworkAclId")), entry["RuleNumber"], entry["Egress"])


def delete_entry(acl: Mapping[str, Any], number: object, egress: object) -> list[Shape]:
    """The ACL's entries without the given one (the ``*`` rules cannot be deleted)."""
    rule = _int(number, "ruleNumber")
    out = _flag(egress)
    if rule in (NACL_STAR_IPV4, NACL_STAR_IPV6) or not 1 <= rule <= NACL_RULE_MAX:
        raise ApiError(
            "InvalidParameterValue",
            f"Invalid value '{rule}' for ruleNumber. Rule number must be between 1 and {NACL_RULE_MAX}.",
        )
    entries = [dict(e) for e in acl.get("Entries") or ()]
    kept = [e for e in entries if not _same_slot(e, out, rule)]
    if len(kept) == len(entries):
        raise _missing(str(acl.get("NetworkAclId")), rule, out)
    return kept


def star_entries() -> list[Shape]:
    """The ``*`` rules every ACL ends with (IPv4), inbound and outbound: deny all."""
    return [
        {
            "RuleNumber": NACL_STAR_IPV4,
            "Protocol": "-1",
            "RuleAction": "deny",
            "Egress": egress,
            "CidrBlock": "0.0.0.0/0",
        }
        for egress in (False, True)
    ]


def check_delete(acl: Mapping[str, Any]) -> None:
    """AWS keeps a VPC's default ACL and any ACL still associated with a subnet."""
    acl_id = acl.get("NetworkAclId")
    if acl.get("IsDefault"):
        raise ApiError("InvalidParameterValue", f"cannot delete default network ACL {acl_id}")
    if acl.get("Associations"):
        raise ApiError(
            "DependencyViolation", f"The network ACL '{acl_id}' has dependencies and cannot be deleted."
        )
