"""Readers for security groups (``IpPermissions`` and the per-rule ``SecurityGroupRules``) and
prefix lists (``PrefixLists``, ``ManagedPrefixLists``, ``ManagedPrefixListEntries``); see
:mod:`.aws_import`."""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from ..model import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    ManagedPrefixList,
    PrefixListEntry,
    SecurityGroup,
    SecurityGroupRule,
)
from .aws_fields import (
    OUT_OF_RANGE,
    Bad,
    as_dict,
    cidr,
    cidr_ok,
    opt_bool,
    opt_dict,
    opt_int,
    opt_list,
    opt_str,
    req_str,
    type_name,
)
from .aws_import_base import UNSET, ImporterBase, Scope

_PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}
_PORTED = frozenset({"tcp", "udp", "icmp", "icmpv6"})


class SecurityReaders(ImporterBase):
    """Groups with one model rule per peer, as AWS's rules API lists them."""

    def _prefix_list(self, item: dict[str, Any]) -> None:
        """``describe-prefix-lists``: AWS-managed service lists (S3, DynamoDB) with their CIDRs."""
        pl_id = req_str(item, "PrefixListId")
        name = opt_str(item, "PrefixListName") or pl_id
        if self._scope.region is None and name.startswith("com.amazonaws."):
            self._scope.region = name.split(".")[2] if name.count(".") >= 3 else None
        entries = []
        for j, value in enumerate(opt_list(item, "Cidrs")):
            if type(value) is not str or not (cidr_ok(value, False) or cidr_ok(value, True)):
                raise Bad(f".Cidrs[{j}]", f"{type_name(value)} is not a CIDR block", OUT_OF_RANGE)
            entries.append(PrefixListEntry(cidr=value))
        existing = self.network.prefix_lists.get(pl_id)
        if existing is not None:
            existing.aws_managed = True
            if not existing.entries:
                existing.entries = entries
            return
        self._add(
            ManagedPrefixList(
                prefix_list_id=pl_id,
                prefix_list_name=name,
                address_family="IPv6" if any(":" in e.cidr for e in entries) else "IPv4",
                entries=entries,
                max_entries=max(len(entries), 1),
                aws_managed=True,
                owner_id=self._scope.account or UNSET,
                region=self._region(),
            )
        )

    def _managed_prefix_list(self, item: dict[str, Any]) -> None:
        pl_id = req_str(item, "PrefixListId")
        name = opt_str(item, "PrefixListName") or pl_id
        state = opt_str(item, "State") or "create-complete"
        if state.startswith("delete"):
            self._skip("ManagedPrefixLists (deleted)")
            return
        family = opt_str(item, "AddressFamily") or "IPv4"
        if family not in ("IPv4", "IPv6"):
            raise Bad(".AddressFamily", f"AddressFamily {family!r} is not IPv4 or IPv6", OUT_OF_RANGE)
        max_entries = opt_int(item, "MaxEntries", 1, 1000) or 10
        self._hint_arn(item.get("PrefixListArn"))
        raw_owner = opt_str(item, "OwnerId")
        aws_managed = raw_owner == "AWS"
        owner = (self._scope.account or UNSET) if aws_managed or not raw_owner else self._owner(item)
        existing = self.network.prefix_lists.get(pl_id)
        if existing is not None:
            existing.max_entries = max_entries
            existing.address_family = family  # type: ignore[assignment]
            existing.tags = existing.tags or self._tags(item)
            existing.aws_managed = existing.aws_managed or aws_managed
            return
        self._add(
            ManagedPrefixList(
                prefix_list_id=pl_id,
                prefix_list_name=name,
                address_family=family,  # type: ignore[arg-type]
                max_entries=max_entries,
                aws_managed=aws_managed,
                owner_id=owner,
                region=self._region(),
                tags=self._tags(item),
            )
        )

    def _managed_prefix_list_entries(self, item: dict[str, Any]) -> None:
        req_str(item, "PrefixListId")
        opt_list(item, "Entries")
        self._pl_entries.append((self._src, self._here(), item))

    def _security_group(self, item: dict[str, Any]) -> None:
        group_id = req_str(item, "GroupId")
        vpc_id = opt_str(item, "VpcId")
        if not vpc_id:
            self._skip("SecurityGroups (EC2-Classic, no VpcId)")
            return
        owner = self._owner(item)
        group = SecurityGroup(
            group_id=group_id,
            group_name=opt_str(item, "GroupName") or "",
            vpc_id=vpc_id,
            description=opt_str(item, "Description") or "",
            owner_id=owner,
            region=self._region(),
            tags=self._tags(item),
        )
        for key, rules in (("IpPermissions", group.ingress), ("IpPermissionsEgress", group.egress)):
            for j, permission in enumerate(opt_list(item, key)):
                where = f".{key}[{j}]"
                try:
                    rules.extend(self._permission(as_dict(permission, ""), group_id, owner, where))
                except Bad as bad:
                    self._error(where + bad.path, f"{bad.message}; this rule was left out", bad.code)
        self._add(group)

    def _protocol_and_ports(self, item: dict[str, Any]) -> tuple[str, int | None, int | None]:
        raw = item.get("IpProtocol")
        if type(raw) is int:
            raw = str(raw)
        if type(raw) is not str or not raw:
            raise Bad(".IpProtocol", f"IpProtocol must be a string, not {type_name(raw)}")
        protocol = _PROTOCOL_NAMES.get(raw.lower(), raw.lower())
        if protocol not in _PORTED and protocol != "-1":
            if not (protocol.isascii() and protocol.isdigit()) or len(protocol) > 3 or int(protocol) > 255:
                raise Bad(".IpProtocol", f"IpProtocol {raw!r} is not -1, a name or 0-255", OUT_OF_RANGE)
            return protocol, None, None
        if protocol == "-1":
            return protocol, None, None
        low = -1 if protocol in ("icmp", "icmpv6") else 0
        high = 255 if protocol in ("icmp", "icmpv6") else 65535
        from_port = opt_int(item, "FromPort", -1, high)
        to_port = opt_int(item, "ToPort", -1, high)
        if protocol in ("tcp", "udp"):
            # AWS writes -1 for "all ports" in the rules API
            from_port, to_port = (0, 65535) if from_port in (None, -1) else (from_port, to_port)
            if to_port is None or to_port < from_port or to_port < low:
                raise Bad(".ToPort", f"port range {from_port}-{to_port} is not valid", OUT_OF_RANGE)
        return protocol, from_port, to_port

    def _permission(
        self, permission: dict[str, Any], group_id: str, owner: str, where: str
    ) -> list[SecurityGroupRule]:
        """One IpPermission: one model rule per peer, as AWS's rules API lists them."""
        protocol, from_port, to_port = self._protocol_and_ports(permission)
        rules: list[SecurityGroupRule] = []
        for j, peer in enumerate(opt_list(permission, "IpRanges")):
            peer = as_dict(peer, f".IpRanges[{j}]")
            try:
                address = cidr(peer, "CidrIp")
            except Bad as bad:
                raise Bad(f".IpRanges[{j}]{bad.path}", bad.message, bad.code) from None
            rules.append(
                SecurityGroupRule(
                    ip_protocol=protocol,
                    from_port=from_port,
                    to_port=to_port,
                    cidr_ipv4=address,
                    description=opt_str(peer, "Description"),
                )
            )
        for j, peer in enumerate(opt_list(permission, "Ipv6Ranges")):
            peer = as_dict(peer, f".Ipv6Ranges[{j}]")
            try:
                address = cidr(peer, "CidrIpv6", v6=True)
            except Bad as bad:
                raise Bad(f".Ipv6Ranges[{j}]{bad.path}", bad.message, bad.code) from None
            rules.append(
                SecurityGroupRule(
                    ip_protocol=protocol,
                    from_port=from_port,
                    to_port=to_port,
                    cidr_ipv6=address,
                    description=opt_str(peer, "Description"),
                )
            )
        for j, peer in enumerate(opt_list(permission, "PrefixListIds")):
            peer = as_dict(peer, f".PrefixListIds[{j}]")
            try:
                pl_id = req_str(peer, "PrefixListId")
            except Bad as bad:
                raise Bad(f".PrefixListIds[{j}]{bad.path}", bad.message, bad.code) from None
            self._prefix_refs.append((pl_id, group_id, self._src, self._here(f"{where}.PrefixListIds[{j}]")))
            rules.append(
                SecurityGroupRule(
                    ip_protocol=protocol,
                    from_port=from_port,
                    to_port=to_port,
                    prefix_list_id=pl_id,
                    description=opt_str(peer, "Description"),
                )
            )
        for j, peer in enumerate(opt_list(permission, "UserIdGroupPairs")):
            peer = as_dict(peer, f".UserIdGroupPairs[{j}]")
            try:
                other = req_str(peer, "GroupId")
                user = opt_str(peer, "UserId")
            except Bad as bad:
                raise Bad(f".UserIdGroupPairs[{j}]{bad.path}", bad.message, bad.code) from None
            peered = bool(peer.get("VpcPeeringConnectionId")) or (
                user is not None and owner not in (user, UNSET)
            )
            path = self._here(f"{where}.UserIdGroupPairs[{j}]")
            self._group_refs.append((other, user, peered, group_id, self._src, path))
            rules.append(
                SecurityGroupRule(
                    ip_protocol=protocol,
                    from_port=from_port,
                    to_port=to_port,
                    referenced_group_id=other,
                    description=opt_str(peer, "Description"),
                )
            )
        return rules

    def _security_group_rule(self, item: dict[str, Any]) -> None:
        req_str(item, "GroupId")
        self._sg_rules.append((self._src, self._here(), item, self._scope))

    def _apply_prefix_list_entries(self) -> None:
        for src, path, item in self._pl_entries:
            pl_id = item["PrefixListId"]
            entries = []
            for j, raw in enumerate(item.get("Entries") or []):
                value = raw.get("Cidr") if type(raw) is dict else None
                if type(value) is not str or not (cidr_ok(value, False) or cidr_ok(value, True)):
                    self.report(
                        "error",
                        OUT_OF_RANGE,
                        f"entry {type_name(value)} is not a CIDR block; left out, so {pl_id} may be incomplete",
                        src,
                        f"{path}.Entries[{j}].Cidr",
                    )
                    continue
                description = raw.get("Description")
                entries.append(
                    PrefixListEntry(cidr=value, description=description if type(description) is str else None)
                )
            prefix_list = self.network.prefix_lists.get(pl_id)
            if prefix_list is None:
                self.report(
                    "warning",
                    "InvalidPrefixListID.NotFound",
                    f"entries of {pl_id}, which no ManagedPrefixLists/PrefixLists document describes: "
                    "read as a customer-managed list",
                    src,
                    path,
                )
                first = next(iter(self.scopes), Scope())
                self.network.add(
                    ManagedPrefixList(
                        prefix_list_id=pl_id,
                        prefix_list_name=pl_id,
                        address_family="IPv6" if any(":" in e.cidr for e in entries) else "IPv4",
                        entries=entries,
                        max_entries=max(len(entries), 1),
                        owner_id=first.account or DEFAULT_ACCOUNT,
                        region=first.region or DEFAULT_REGION,
                    )
                )
                self._origin[pl_id] = (src, path, -1, "")
            else:
                prefix_list.entries = entries

    def _merge_security_group_rules(self) -> None:
        """``describe-security-group-rules`` items: give ids to rules already read from the groups'
        IpPermissions, add the ones that are not there."""
        indexes: dict[str, dict[tuple[object, ...], list[SecurityGroupRule]]] = {}
        for src, path, item, scope in self._sg_rules:
            group_id = item["GroupId"]
            group = self.network.security_groups.get(group_id)
            if group is None:
                self.report(
                    "warning",
                    "InvalidGroup.NotFound",
                    f"rule of {group_id}, which no SecurityGroups document describes: left out "
                    "(ENIs in that group will show it as unknown)",
                    src,
                    path,
                )
                continue
            try:
                rule, egress = self._rule_from_rules_api(item, group, src, path, scope)
            except Bad as bad:
                self.report("error", bad.code, f"{bad.message}; this rule was left out", src, path + bad.path)
                continue
            index = indexes.get(group_id)
            if index is None:
                index = indexes[group_id] = {}
                for is_egress, rules in ((False, group.ingress), (True, group.egress)):
                    for existing in rules:
                        index.setdefault(_rule_key(existing, is_egress), []).append(existing)
            same = index.get(_rule_key(rule, egress), [])
            if any(r.security_group_rule_id == rule.security_group_rule_id for r in same):
                continue
            unnamed = [r for r in same if r.security_group_rule_id is None]
            if unnamed:
                unnamed[0].security_group_rule_id = rule.security_group_rule_id
                if unnamed[0].description is None:
                    unnamed[0].description = rule.description
                continue
            (group.egress if egress else group.ingress).append(rule)
            index.setdefault(_rule_key(rule, egress), []).append(rule)

    def _rule_from_rules_api(
        self, item: dict[str, Any], group: SecurityGroup, src: str, path: str, scope: Scope
    ) -> tuple[SecurityGroupRule, bool]:
        egress = opt_bool(item, "IsEgress", False)
        protocol, from_port, to_port = self._protocol_and_ports(item)
        if protocol in ("icmp", "icmpv6"):
            from_port = -1 if from_port is None else from_port
            to_port = -1 if to_port is None else to_port
        rule = SecurityGroupRule(
            ip_protocol=protocol,
            from_port=from_port,
            to_port=to_port,
            description=opt_str(item, "Description"),
            security_group_rule_id=opt_str(item, "SecurityGroupRuleId"),
        )
        if item.get("CidrIpv4") is not None:
            rule.cidr_ipv4 = cidr(item, "CidrIpv4")
        elif item.get("CidrIpv6") is not None:
            rule.cidr_ipv6 = cidr(item, "CidrIpv6", v6=True)
        elif item.get("PrefixListId") is not None:
            rule.prefix_list_id = req_str(item, "PrefixListId")
            self._prefix_refs.append((rule.prefix_list_id, group.group_id, src, path + ".PrefixListId"))
        else:
            info = opt_dict(item, "ReferencedGroupInfo")
            if info is None:
                raise Bad(
                    "",
                    "a rule needs CidrIpv4, CidrIpv6, PrefixListId or ReferencedGroupInfo",
                    "MissingParameter",
                )
            try:
                rule.referenced_group_id = req_str(info, "GroupId")
                user = opt_str(info, "UserId")
            except Bad as bad:
                raise Bad(".ReferencedGroupInfo" + bad.path, bad.message, bad.code) from None
            peered = bool(info.get("VpcPeeringConnectionId")) or (user is not None and user != group.owner_id)
            self._group_refs.append(
                (rule.referenced_group_id, user, peered, group.group_id, src, path + ".ReferencedGroupInfo")
            )
        return rule, egress


def _rule_key(rule: SecurityGroupRule, egress: bool) -> tuple[object, ...]:
    return (
        egress,
        rule.ip_protocol,
        rule.from_port,
        rule.to_port,
        _canonical(rule.cidr_ipv4),
        _canonical(rule.cidr_ipv6),
        rule.prefix_list_id,
        rule.referenced_group_id,
    )


@functools.lru_cache(maxsize=65536)
def _canonical(block: str | None) -> str | None:
    """``10.0.0.1/8`` and ``10.0.0.0/8`` are the same peer (cached: estates repeat their blocks)."""
    if block is None:
        return None
    try:
        return str(ipaddress.ip_network(block, strict=False))
    except ValueError:
        return block
