"""Terraform -> model: security groups, their rules, and managed prefix lists.

Provider semantics that matter for reachability:

* ``aws_security_group`` without an ``egress`` block has **no** outbound rule: AWS creates an
  allow-all egress rule with every group, and the provider removes it (its documentation's "NOTE on
  Egress rules"). In a plan the attribute is then unknown, and nothing in the configuration adds
  it back.
* ``aws_default_security_group`` adopts the VPC's default group and replaces its rules with the
  configured ones (none configured: no rules at all).
* Rules also come from ``aws_security_group_rule`` (one resource may carry several CIDRs) and
  ``aws_vpc_security_group_ingress_rule``/``_egress_rule`` (one peer each). A state lists a group's
  rules both inline and as rule resources: identical rules are kept once, as AWS keeps a set.
* A plan that deletes or changes a rule resource: AWS revokes its old rule, but the refreshed
  parent group still lists it inline, so the old rule (the change's ``before``) is subtracted from
  the group before the planned rule resources are added.
* Inline rules and rule resources on one group conflict (Terraform removes one set on the next
  apply, as the provider documents): a warning, ``VPCSIM_TF_MIXED_RULES``.
* One model rule per peer, as EC2's ``SecurityGroupRules`` lists them.
"""

from __future__ import annotations

from typing import Any

from ..model import ManagedPrefixList, PrefixListEntry, SecurityGroup, SecurityGroupRule, protocol_name
from .terraform_base import TfBase
from .terraform_doc import TfResource, is_unknown


class SecurityMaps(TfBase):
    """Security groups (inline and standalone rules) and managed prefix lists."""

    # ------------------------------------------------------------------ groups

    def map_security_group(self, res: TfResource) -> None:
        vpc_id = self.ident(res, "vpc_id")
        if vpc_id is None:
            vpc = next((v for v in self.network.vpcs.values() if v.is_default), None)
            if vpc is None:
                self.warn(
                    res,
                    "VPCSIM_TF_UNRESOLVED",
                    "vpc_id is unknown (a group without vpc_id lives in the default VPC, which the input does not "
                    "describe): the group is left out",
                    "vpc_id",
                )
                return
            vpc_id = vpc.vpc_id
        vpc = self.network.vpcs.get(vpc_id)
        if vpc is None:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                f"VPC {vpc_id} is not in the input: the group is left out",
                "vpc_id",
            )
            return
        group_id = self.own_id(res)
        name = self.text(res, "name") or self.text(res, "name_prefix") or res.name
        group = SecurityGroup(
            group_id=group_id,
            group_name=name,
            vpc_id=vpc_id,
            description=self.text(res, "description") or "Managed by Terraform",
            owner_id=vpc.owner_id,
            region=vpc.region,
            tags=self.tags_of(res),
        )
        if group_id in self.network.security_groups:
            self.warn(res, "VPCSIM_TF_DUPLICATE", f"{group_id} is already described by another resource")
            return
        self.network.add(group)
        self.inline_rules(res, group)

    def map_default_security_group(self, res: TfResource) -> None:
        vpc_id = self.ident(res, "vpc_id")
        group = None
        if vpc_id is not None:
            group = self.network.default_security_group(vpc_id)
        known = self.get(res, "id")
        if group is None and isinstance(known, str) and known:
            group = self.network.security_groups.get(known)
        if group is None:
            vpc = self.network.vpcs.get(vpc_id or "")
            if vpc is None or not isinstance(known, str) or not known:
                self.warn(
                    res,
                    "VPCSIM_TF_NOT_IN_INPUT",
                    f"the default group of VPC {vpc_id} is not in the input",
                    "vpc_id",
                )
                return
            group = self.network.add(
                SecurityGroup(
                    group_id=known,
                    group_name="default",
                    vpc_id=vpc.vpc_id,
                    region=vpc.region,
                    owner_id=vpc.owner_id,
                )
            )
        res.derived["id"] = group.group_id
        # Adoption removes every rule; then the configured ones are created.
        group.ingress, group.egress = [], []
        group.tags = {**group.tags, **self.tags_of(res)}
        self.inline_rules(res, group)

    def inline_rules(self, res: TfResource, group: SecurityGroup) -> None:
        keys: list[str] = []
        self.inline_rules_of[group.group_id] = (res, keys)
        for egress, block in ((False, "ingress"), (True, "egress")):
            for item in self.items(res, block):

                def get(name: str, many: bool = False, item: Any = item) -> Any:
                    return self.item_get(res, item, name, many=many)

                made = self.add_rules(
                    res, group, get, egress=egress, where=f"{block}[{item.index}]", style="inline"
                )
                keys.extend(_key(r, egress) for r in made)
        self.network.touch()

    # ------------------------------------------------------------------ standalone rules

    def map_security_group_rule(self, res: TfResource) -> None:
        group = self.rule_group(res)
        if group is None:
            return
        kind = self.text(res, "type")
        if kind not in ("ingress", "egress"):
            self.error(
                res,
                "VPCSIM_TF_BAD_VALUE",
                f"type {kind!r} is not ingress or egress: the rule is left out",
                "type",
            )
            return

        def get(name: str, many: bool = False) -> Any:
            return self.get(res, name, many=many)

        made = self.add_rules(res, group, get, egress=kind == "egress", where="rule", style="rule")
        self.note_separate(res, group.group_id, [_key(r, kind == "egress") for r in made])
        self.network.touch()

    def map_vpc_security_group_rule(self, res: TfResource) -> None:
        group = self.rule_group(res)
        if group is None:
            return

        def get(name: str, many: bool = False) -> Any:
            return self.get(res, name, many=many)

        egress = res.type.endswith("egress_rule")
        made = self.add_rules(res, group, get, egress=egress, where="rule", style="vpc")
        self.note_separate(res, group.group_id, [_key(r, egress) for r in made])
        self.network.touch()

    def note_separate(self, res: TfResource, owner: str, keys: list[str]) -> None:
        self.separate_rules_of.setdefault(owner, []).append((res, keys))

    def subtract_superseded_rules(self) -> None:
        """Rules of rule resources the plan deletes or changes, as they were: AWS revokes them, so
        the parent group's refreshed inline copy goes too (the planned rules are added after)."""
        for res in self.doc.superseded:
            if res.type == "aws_network_acl_rule":
                continue
            group = self.network.security_groups.get(str(res.values.get("security_group_id") or ""))
            if group is None:
                continue  # the group goes too, or is not in the input
            if res.type == "aws_security_group_rule":
                egress, style = res.values.get("type") == "egress", "rule"
            else:
                egress, style = res.type.endswith("egress_rule"), "vpc"
            scratch = SecurityGroup(group_id=group.group_id, group_name=group.group_name, vpc_id=group.vpc_id)
            problems, refs = len(self.problems), len(self.pending_group_refs)

            def get(name: str, many: bool = False, res: TfResource = res) -> Any:
                return res.values.get(name)

            gone = self.add_rules(res, scratch, get, egress=egress, where="rule", style=style)
            # The old rule is read only to be removed: what it says is not the plan's business.
            del self.problems[problems:], self.pending_group_refs[refs:]
            target = group.egress if egress else group.ingress
            target[:] = [r for r in target if not any(_same(r, old) for old in gone)]
        self.network.touch()

    def check_mixed_rules(self) -> None:
        """A group (or ACL) whose configuration declares inline rules and that rule resources
        also target: Terraform removes one set on the next apply. Without a configuration (a
        state), inline rules that no rule resource explains are the sign."""
        for owner, separate in sorted(self.separate_rules_of.items()):
            inline = self.inline_rules_of.get(owner)
            if inline is None:
                continue
            res, keys = inline
            names = ", ".join(sorted({r.address for r, _ in separate}))
            declared = self.declares_inline(res)
            if declared is None:
                explained = {k for _, ks in separate for k in ks}
                if any(k not in explained for k in keys):
                    self.warn(
                        res,
                        "VPCSIM_TF_MIXED_RULES",
                        f"{owner} lists rules that no rule resource declares (inline rules, or rules added outside "
                        f"Terraform) next to separate rule resources ({names}): with inline rules in the "
                        "configuration, Terraform removes one set on the next apply; use one style per group",
                    )
            elif declared:
                self.warn(
                    res,
                    "VPCSIM_TF_MIXED_RULES",
                    f"{owner} has inline ingress/egress rules and separate rule resources ({names}): Terraform "
                    "removes one set on the next apply (the provider documents that the two styles conflict); "
                    "use one style per group",
                )

    def declares_inline(self, res: TfResource) -> bool | None:
        """Whether the configuration writes ``ingress``/``egress`` for ``res`` (None: no configuration)."""
        config = self.refs.resource_config(res)
        if config is None:
            return None
        expressions = config.get("expressions")
        return isinstance(expressions, dict) and bool(expressions.get("ingress") or expressions.get("egress"))

    def rule_group(self, res: TfResource) -> SecurityGroup | None:
        group_id = self.ident(res, "security_group_id", required=True)
        if group_id is None:
            return None
        group = self.network.security_groups.get(group_id)
        if group is None:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                f"security group {group_id} is not in the input: the rule is left out",
                "security_group_id",
            )
        return group

    def add_rules(
        self, res: TfResource, group: SecurityGroup, get: Any, *, egress: bool, where: str, style: str
    ) -> list[SecurityGroupRule]:
        """One model rule per peer of a Terraform rule (inline block, ``aws_security_group_rule``
        or ``aws_vpc_security_group_*_rule``); returns them (those already there included)."""
        made: list[SecurityGroupRule] = []
        raw_protocol = get("ip_protocol" if style == "vpc" else "protocol")
        try:
            proto = protocol_name(str(raw_protocol))
        except ValueError:
            self.error(
                res, "InvalidParameterValue", f"{where} protocol {raw_protocol!r} is not a protocol: left out"
            )
            return made
        from_port: int | None = None
        to_port: int | None = None
        if proto != "-1":
            lo, hi = (-1, 65535) if proto in ("icmp", "icmpv6") else (0, 65535)
            from_port = self.number(res, get("from_port"), f"{where}.from_port", lo, hi)
            to_port = self.number(res, get("to_port"), f"{where}.to_port", lo, hi)
            if (
                proto in ("icmp", "icmpv6")
                and from_port is not None
                and to_port is not None
                and to_port > 255
            ):
                to_port = -1
        description = get("description")
        description = description if isinstance(description, str) and description else None
        rule_id = None
        if style == "vpc":
            known = res.values.get("security_group_rule_id") or res.values.get("id")
            rule_id = known if isinstance(known, str) and known else self.placeholder(res)
        peers: list[tuple[str, str]] = []
        if style == "vpc":
            for attr, kind in (
                ("cidr_ipv4", "cidr_ipv4"),
                ("cidr_ipv6", "cidr_ipv6"),
                ("prefix_list_id", "prefix_list_id"),
                ("referenced_security_group_id", "referenced_group_id"),
            ):
                value = get(attr)
                if isinstance(value, str) and value:
                    peers.append((kind, value))
                elif is_unknown(value):
                    peers.append((kind, "?"))
        else:
            for attr, kind in (
                ("cidr_blocks", "cidr_ipv4"),
                ("ipv6_cidr_blocks", "cidr_ipv6"),
                ("prefix_list_ids", "prefix_list_id"),
                ("security_groups", "referenced_group_id"),
            ):
                values = get(attr, many=True)
                if is_unknown(values):
                    peers.append((kind, "?"))
                    continue
                for value in values if isinstance(values, list) else [values] if values else []:
                    if isinstance(value, str) and value:
                        peers.append((kind, value))
            source = get("source_security_group_id") if style == "rule" else None
            if isinstance(source, str) and source:
                peers.append(("referenced_group_id", source))
            elif is_unknown(source):
                peers.append(("referenced_group_id", "?"))
            if get("self") is True:
                peers.append(("referenced_group_id", group.group_id))
        if not peers:
            self.warn(
                res,
                "VPCSIM_TF_UNRESOLVED",
                f"{where} has no known peer (CIDR, prefix list or group): left out",
            )
            return made
        target = group.egress if egress else group.ingress
        for kind, peer in peers:
            if peer == "?":
                self.warn(
                    res,
                    "VPCSIM_TF_UNRESOLVED",
                    f"{where} names a {kind.replace('_', ' ')} known only after apply that no reference resolves: "
                    "that peer is left out, so traces may miss a flow it would allow",
                )
                continue
            if kind == "cidr_ipv4":
                canonical = self.cidr4(res, peer, f"{where}.cidr")
                if canonical is None:
                    continue
                peer = canonical
            rule = SecurityGroupRule(
                ip_protocol=proto,
                from_port=from_port,
                to_port=to_port,
                description=description,
                security_group_rule_id=rule_id,
            )
            setattr(rule, kind, peer)
            if (
                kind == "referenced_group_id"
                and peer not in self.network.security_groups
                and peer != group.group_id
            ):
                self.pending_group_refs.append((res, peer, where))
            made.append(rule)
            if any(_same(rule, other) for other in target):
                continue
            target.append(rule)
        return made

    def check_group_references(self) -> None:
        for res, group_id, where in self.pending_group_refs:
            if group_id not in self.network.security_groups:
                self.warn(
                    res,
                    "VPCSIM_TF_NOT_IN_INPUT",
                    f"{where} references security group {group_id}, which the input does not describe: traces that "
                    "depend on it answer unknown",
                )

    # ------------------------------------------------------------------ prefix lists

    def map_prefix_list(self, res: TfResource) -> None:
        family = self.text(res, "address_family") or "IPv4"
        if family not in ("IPv4", "IPv6"):
            self.error(
                res,
                "InvalidParameterValue",
                f"address_family {family!r} is not IPv4 or IPv6",
                "address_family",
            )
            return
        entries: list[PrefixListEntry] = []
        for item in self.items(res, "entry"):
            cidr = self.item_get(res, item, "cidr")
            if not isinstance(cidr, str) or not cidr:
                self.warn(res, "VPCSIM_TF_UNRESOLVED", f"entry[{item.index}].cidr is unknown: left out")
                continue
            if family == "IPv4":
                canonical = self.cidr4(res, cidr, f"entry[{item.index}].cidr")
                if canonical is None:
                    continue
                cidr = canonical
            description = self.item_get(res, item, "description")
            entries.append(
                PrefixListEntry(cidr=cidr, description=description if isinstance(description, str) else None)
            )
        max_entries = self.number(res, self.get(res, "max_entries"), "max_entries", 1, 1000) or max(
            len(entries), 1
        )
        pl = ManagedPrefixList(
            prefix_list_id=self.own_id(res),
            prefix_list_name=self.text(res, "name") or res.name,
            address_family="IPv6" if family == "IPv6" else "IPv4",
            entries=entries,
            max_entries=max_entries,
            owner_id=self.text(res, "owner_id") or self.network.account,
            region=self.network.region,
            tags=self.tags_of(res),
        )
        self.network.add(pl)

    def map_prefix_list_entry(self, res: TfResource) -> None:
        pl_id = self.ident(res, "prefix_list_id", required=True)
        if pl_id is None:
            return
        pl = self.network.prefix_lists.get(pl_id)
        if pl is None:
            self.warn(
                res,
                "VPCSIM_TF_NOT_IN_INPUT",
                f"prefix list {pl_id} is not in the input: the entry is left out",
                "prefix_list_id",
            )
            return
        cidr = self.text(res, "cidr")
        if cidr is None:
            self.warn(res, "VPCSIM_TF_UNRESOLVED", "cidr is unknown: the entry is left out", "cidr")
            return
        if pl.address_family == "IPv4":
            canonical = self.cidr4(res, cidr, "cidr")
            if canonical is None:
                return
            cidr = canonical
        if any(e.cidr == cidr for e in pl.entries):
            return
        pl.entries.append(PrefixListEntry(cidr=cidr, description=self.text(res, "description")))
        self.network.touch()


def _key(rule: SecurityGroupRule, egress: bool) -> str:
    return (
        f"{'egress' if egress else 'ingress'} {rule.ip_protocol} {rule.from_port} {rule.to_port} {rule.peer}"
    )


def _same(a: SecurityGroupRule, b: SecurityGroupRule) -> bool:
    return (a.ip_protocol, a.from_port, a.to_port, a.peer) == (b.ip_protocol, b.from_port, b.to_port, b.peer)
