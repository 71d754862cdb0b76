"""nftables text of one address family: what differs between ``table ip`` and ``table ip6``.

Why a module of its own: the lab keeps IPv4 and IPv6 in two tables (an IPv6 packet never meets
an IPv4 rule: ``0.0.0.0/0`` does not cover ``::/0``, ``icmp`` is not ``icmpv6``), but the rules
of the two are built the same way. :class:`Family` names every point where they differ -- the
table's family, the ICMP of the family and its error types, the group sets' names and element
type, the ``*`` rule of a network ACL, the fields of the model that hold the family's addresses,
the ``ip`` command's family option -- so that one implementation (:mod:`.rules`,
:mod:`.rulesets`, :mod:`.routes`) serves both. Also the text of
chains, sets and tables, and the rule comment.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from ..model import NetworkAclEntry, NetworkInterface, SecurityGroupRule, Vpc
from ..model.addressing import ip_int


@dataclass(frozen=True)
class Family:
    """One address family as the lab's nftables rules spell it."""

    nft: str
    """The table's family and the address match's keyword: ``ip`` or ``ip6``."""
    version: int
    icmp: int
    """The family's ICMP protocol number (1, or 58 for ICMPv6)."""
    foreign_icmp: int
    """The other family's ICMP: a rule of it matches no packet of this family."""
    icmp_l4proto: str
    icmp_keyword: str
    set_prefix: str
    set_type: str
    acl_star: int
    """The rule number of the network ACL's ``*`` rule (32767, or 32768 for IPv6)."""
    acl_star_note: str
    icmp_error_types: str
    """The family's ICMP error messages as an nft set of type names (AWS does not treat them as
    related to a connection: the rules judge them)."""
    ip_prefix: str
    """What the family's ``ip`` commands start with: nothing, or ``-6 `` (the plans' lines keep
    it, so that one list holds both families' commands)."""

    def holds(self, cidr: str) -> bool:
        """Whether ``cidr`` is a block of this family."""
        try:
            self.network(cidr)
        except ValueError:
            return False
        return True

    def network(self, cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        if self.version == 4:
            return ipaddress.IPv4Network(cidr, strict=False)
        return ipaddress.IPv6Network(cidr, strict=False)

    def net(self, cidr: str) -> str:
        return str(self.network(cidr))

    def rule_cidr(self, rule: SecurityGroupRule) -> str | None:
        """A security group rule's CIDR peer of this family."""
        return rule.cidr_ipv4 if self.version == 4 else rule.cidr_ipv6

    def entry_cidr(self, entry: NetworkAclEntry) -> str | None:
        """A network ACL entry's block of this family."""
        return entry.cidr_block if self.version == 4 else entry.ipv6_cidr_block

    def vpc_blocks(self, vpc: Vpc) -> list[str]:
        """A VPC's blocks of this family."""
        return list(vpc.cidr_blocks) if self.version == 4 else list(vpc.ipv6_cidr_blocks)

    def eni_addresses(self, eni: NetworkInterface) -> list[str]:
        """An ENI's addresses of this family (what a group reference matches)."""
        if self.version == 4:
            return [address.private_ip_address for address in eni.private_ip_addresses]
        return list(eni.ipv6_addresses)


IPV4 = Family(
    nft="ip",
    version=4,
    icmp=1,
    foreign_icmp=58,
    icmp_l4proto="icmp",
    icmp_keyword="icmp",
    set_prefix="g_",
    set_type="ipv4_addr",
    acl_star=32767,
    acl_star_note="",
    icmp_error_types="{ destination-unreachable, source-quench, redirect, time-exceeded, parameter-problem }",
    ip_prefix="",
)
IPV6 = Family(
    nft="ip6",
    version=6,
    icmp=58,
    foreign_icmp=1,
    icmp_l4proto="ipv6-icmp",
    icmp_keyword="icmpv6",
    set_prefix="g6_",
    set_type="ipv6_addr",
    acl_star=32768,
    acl_star_note=" (IPv6)",
    icmp_error_types="{ destination-unreachable, packet-too-big, time-exceeded, parameter-problem }",
    ip_prefix="-6 ",
)


def comment(text: str) -> str:
    """An nft rule comment (at most 128 bytes, no double quotes)."""
    clean = text.replace('"', "'")[:120]
    return f'comment "{clean}"'


def chain(name: str, rules: list[str]) -> str:
    body = "".join(f"\t\t{rule}\n" for rule in rules)
    return f"\tchain {name} {{\n{body}\t}}\n"


def base_chain(name: str, kind: str, hook: str, priority: str, policy: str, rules: list[str]) -> str:
    header = f"type {kind} hook {hook} priority {priority}; policy {policy};"
    return chain(name, [header, *rules])


def address_set(name: str, elements: list[str], family: Family = IPV4) -> str:
    body = f"\t\ttype {family.set_type}\n"
    if elements:
        body += "\t\telements = { " + ", ".join(elements) + " }\n"
    return f"\tset {name} {{\n{body}\t}}\n"


def nft_table(parts: list[str], family: Family = IPV4, *, name: str = "vpcsim") -> str:
    return f"table {family.nft} {name} {{\n" + "".join(parts) + "}\n"


def element(items: list[str]) -> str | None:
    """One nft element, or an anonymous set of several (None: no item)."""
    if not items:
        return None
    return items[0] if len(items) == 1 else "{ " + ", ".join(items) + " }"


def nets(cidrs: Iterable[str], family: Family = IPV4) -> str | None:
    """The family's blocks among ``cidrs`` as one element or an anonymous set (None: none)."""
    return element(sorted({family.net(c) for c in cidrs if family.holds(c)}))


def addresses(values: Iterable[str]) -> str | None:
    """The addresses as one element or an anonymous set, in address order (None: none)."""
    return element(sorted(set(values), key=ip_int))


__all__ = [
    "IPV4",
    "IPV6",
    "Family",
    "address_set",
    "addresses",
    "base_chain",
    "chain",
    "comment",
    "element",
    "nets",
    "nft_table",
]
