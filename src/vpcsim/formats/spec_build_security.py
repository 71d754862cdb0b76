"""The spec builder's security family: prefix lists, security groups and their rules, whose
peers are CIDRs, groups (of this VPC or another) or prefix lists (see :mod:`.spec_build`)."""

from __future__ import annotations

import ipaddress

from ..model import ManagedPrefixList, PrefixListEntry, SecurityGroupRule
from .spec_build_base import GLOBAL, SpecBuilderBase
from .spec_rules import parse_sg_rule
from .spec_schema import SgRuleSpec, VpcSpec
from .spec_yaml import Path


def default_group_key(vpc: VpcSpec) -> str | None:
    """The key of the VPC's default security group in the file, if it is written there."""
    return next((k for k, g in vpc.security_groups.items() if (g.group_name or k) == "default"), None)


class SecurityBuilders(SpecBuilderBase):
    """Prefix lists, security groups and their rules."""

    def build_prefix_lists(self) -> None:
        for key, item in self.spec.prefix_lists.items():
            path: Path = ("prefix_lists", key)
            pl_id = self.names[(GLOBAL, "prefix_list")][key]
            entries = [
                PrefixListEntry(cidr=e)
                if isinstance(e, str)
                else PrefixListEntry(cidr=e.cidr, description=e.description)
                for e in item.entries
            ]
            with self.model_errors(path):
                self.net.add(
                    ManagedPrefixList(
                        prefix_list_id=pl_id,
                        prefix_list_name=item.prefix_list_name or key,
                        address_family=item.address_family,
                        entries=entries,
                        max_entries=item.max_entries or max(len(entries), 1),
                        aws_managed=item.aws_managed,
                        tags=dict(item.tags),
                        **self.scope_of(item.account, item.region),
                    )
                )
            self.record(pl_id, path)
            for index in range(len(item.entries)):
                self.record_field(pl_id, f"entries[{index}]", (*path, "entries", index))

    def build_security_groups(self, vkey: str, spec: VpcSpec) -> None:
        """The VPC's security groups, without their rules (rules may name groups declared later)."""
        path: Path = ("vpcs", vkey)
        vpc_id = self.vpc_ids[vkey]
        for key, group in spec.security_groups.items():
            if (group.group_name or key) == "default":
                continue  # the VPC's own, adopted with the VPC
            gpath: Path = (*path, "security_groups", key)
            group_id = self.names[(vkey, "security_group")][key]
            with self.model_errors(gpath):
                created_group = self.net.create_security_group(
                    vpc_id,
                    group.group_name or key,
                    description=group.description or "",
                    group_id=group_id,
                )
            created_group.tags = dict(group.tags)
            if group.description is not None:
                created_group.description = group.description
            self.record(group_id, gpath)

    def peer(self, vkey: str, text: str, path: Path) -> dict[str, str] | None:
        """A security group rule's peer: a CIDR, a group or a prefix list."""
        if "/" in text:
            try:
                net: ipaddress.IPv4Network | ipaddress.IPv6Network | None = ipaddress.ip_network(
                    text, strict=False
                )
            except ValueError:
                net = None  # a name: VPC/group
            if net is not None:
                if net.network_address != ipaddress.ip_address(text.split("/")[0]):
                    self.error(path, "InvalidParameterValue", f"write the block {text!r} as {net}")
                    return None
                return {"cidr_ipv6": str(net)} if net.version == 6 else {"cidr_ipv4": str(net)}
        try:
            ipaddress.ip_address(text)
        except ValueError:
            pass
        else:
            self.error(
                path, "InvalidParameterValue", f"a rule names a block: write {text}/32 for one address"
            )
            return None
        if text.startswith("sg:"):
            found = self.lookup("security_group", vkey, text[3:])
            return {"referenced_group_id": found} if found else self.no_peer(vkey, text, path)
        if text.startswith("pl:"):
            found = self.lookup("prefix_list", GLOBAL, text[3:])
            return {"prefix_list_id": found} if found else self.no_peer(vkey, text, path)
        group = self.lookup("security_group", vkey, text)
        plist = self.lookup("prefix_list", GLOBAL, text)
        if group is not None and plist is not None:
            self.error(
                path,
                "VPCSIM_SPEC_AMBIGUOUS",
                f"{text!r} names both a security group and a prefix list; write sg:{text} or pl:{text}",
            )
            return None
        if group is not None:
            return {"referenced_group_id": group}
        if plist is not None:
            return {"prefix_list_id": plist}
        if text in self.spec.unknown_resources:
            return {"prefix_list_id": text} if text.startswith("pl-") else {"referenced_group_id": text}
        kind = self.id_kinds.get(text)
        if kind == "security_group":
            return {"referenced_group_id": text}
        if "/" in text:
            other, name = text.split("/", 1)
            if other in self.spec.vpcs:
                found = self.lookup("security_group", other, name)
                if found is not None:
                    return {"referenced_group_id": found}
        return self.no_peer(vkey, text, path)

    def no_peer(self, vkey: str, text: str, path: Path) -> dict[str, str] | None:
        self.error(
            path,
            "InvalidGroup.NotFound",
            f"{text!r} is neither a CIDR, nor a security group of VPC {vkey!r}, nor a prefix list; "
            "define it (under security_groups or prefix_lists), write VPC/group for a group of another "
            "VPC, or fix the name",
        )
        return None

    def build_security_group_rules(self, vkey: str, spec: VpcSpec) -> None:
        for key, group in spec.security_groups.items():
            gpath: Path = ("vpcs", vkey, "security_groups", key)
            group_id = self.names[(vkey, "security_group")][key]
            model = self.net.security_groups[group_id]
            for direction in ("ingress", "egress"):
                items = getattr(group, direction)
                if items is None:
                    continue
                wanted = "from" if direction == "ingress" else "to"
                rules = []
                for index, item in enumerate(items):
                    rpath: Path = (*gpath, direction, index)
                    text = item.rule if isinstance(item, SgRuleSpec) else item
                    parts = parse_sg_rule(text)
                    if parts.direction != wanted:
                        self.error(
                            rpath,
                            "VPCSIM_SPEC_RULE",
                            f"{direction} rules read '... {wanted} <peer>' ({text!r}); write {wanted!r}, "
                            f"or move the rule to {'egress' if wanted == 'from' else 'ingress'}",
                        )
                        continue
                    peer = self.peer(vkey, parts.peer, rpath)
                    if peer is None:
                        continue
                    # no id unless written: the engine then cites the rule as "sg-... ingress[0]"
                    rule_id = item.id if isinstance(item, SgRuleSpec) else None
                    rules.append(
                        SecurityGroupRule(
                            ip_protocol=parts.ip_protocol,
                            from_port=parts.from_port,
                            to_port=parts.to_port,
                            cidr_ipv4=peer.get("cidr_ipv4"),
                            cidr_ipv6=peer.get("cidr_ipv6"),
                            referenced_group_id=peer.get("referenced_group_id"),
                            prefix_list_id=peer.get("prefix_list_id"),
                            description=item.description if isinstance(item, SgRuleSpec) else None,
                            security_group_rule_id=rule_id,
                        )
                    )
                    self.record_field(group_id, f"{direction}[{len(rules) - 1}]", rpath)
                setattr(model, direction, rules)
        self.net.touch()
