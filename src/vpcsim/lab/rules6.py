"""Security groups and network ACLs as ``ip6`` nftables rules (the IPv6 half of :mod:`.rules`).

Why a module of its own: an IPv6 packet never meets an IPv4 rule (``0.0.0.0/0`` does not cover
``::/0``, ``icmp`` is not ``icmpv6``), so the lab keeps the two families in two tables -- ``table
ip vpcsim`` (:mod:`.rules`) and ``table ip6 vpcsim`` (this module) -- and the IPv4 ruleset stays
exactly what it was. A security group rule with a ``CidrIpv6`` peer, a referenced group (the
members' IPv6 addresses) or a prefix list's IPv6 entries becomes one line per peer; a network ACL
entry with an ``Ipv6CidrBlock`` becomes one line of its direction's chain, lowest rule number
first, ending with the IPv6 ``*`` rule (32768). ICMPv6 rules match ``icmpv6`` type and code
(``-1``: any); an ICMP (IPv4) rule matches no IPv6 packet.

Neighbour discovery is not traffic a security group or network ACL sees in AWS (the VPC answers
it), so :data:`NDP_TYPES` is accepted before any rule in every namespace that speaks IPv6.
"""

from __future__ import annotations

import ipaddress

from ..model import Network, NetworkAclEntry, SecurityGroup, SecurityGroupRule, protocol_number
from ..model.addressing import ip_int
from .rules import TCP, UDP, comment

ICMP, ICMPV6 = 1, 58
ICMP6_ERROR_TYPES = "{ destination-unreachable, packet-too-big, time-exceeded, parameter-problem }"
NDP_TYPES = "{ nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert }"
ACL_STAR6 = 32768


def set_name6(group_id: str) -> str:
    return "g6_" + "".join(c if c.isalnum() else "_" for c in group_id)


def is_ipv6(cidr: str) -> bool:
    try:
        ipaddress.IPv6Network(cidr, strict=False)
    except ValueError:
        return False
    return True


def net6(cidr: str) -> str:
    return str(ipaddress.IPv6Network(cidr, strict=False))


def _ports(protocol: int, lo: int | None, hi: int | None) -> str:
    name = "tcp" if protocol == TCP else "udp"
    low = 0 if lo is None or lo < 0 else min(lo, 65535)
    high = 65535 if hi is None or hi < 0 else min(hi, 65535)
    if low > high:
        low, high = high, low
    if (low, high) == (0, 65535):
        return f"meta l4proto {name}"
    return f"{name} dport {low}" if low == high else f"{name} dport {low}-{high}"


def protocol_match6(
    protocol: int, lo: int | None, hi: int | None, icmp: tuple[int, int] | None
) -> str | None:
    """The nft match of a rule's protocol part for IPv6 packets; None: it matches none."""
    if protocol == -1:
        return ""
    if protocol == ICMP:
        return None
    if protocol in (TCP, UDP):
        return _ports(protocol, lo, hi)
    if protocol == ICMPV6:
        parts = ["meta l4proto ipv6-icmp"]
        type_, code = icmp if icmp is not None else (-1, -1)
        if type_ is not None and type_ >= 0:
            parts.append(f"icmpv6 type {type_}")
        if code is not None and code >= 0:
            parts.append(f"icmpv6 code {code}")
        return " ".join(parts)
    return f"meta l4proto {protocol}"


def sg_rule_lines6(
    network: Network,
    rule: SecurityGroupRule,
    *,
    egress: bool,
    verdict: str,
    members: set[str],
    label: str,
    owner: SecurityGroup | None = None,
) -> list[str]:
    """The ``ip6`` lines of one security group rule (empty when it cannot match IPv6 traffic)."""
    try:
        proto = protocol_number(rule.ip_protocol)
    except ValueError:
        return []
    if proto == ICMPV6:
        icmp = (
            rule.from_port if rule.from_port is not None else -1,
            rule.to_port if rule.to_port is not None else -1,
        )
        match = protocol_match6(proto, None, None, icmp)
    else:
        match = protocol_match6(proto, rule.from_port, rule.to_port, None)
    if match is None:
        return []
    field_ = "daddr" if egress else "saddr"
    peers: list[str] = []
    if rule.cidr_ipv6:
        if is_ipv6(rule.cidr_ipv6):
            peers.append(f"ip6 {field_} {net6(rule.cidr_ipv6)}")
    elif rule.cidr_ipv4:
        pass
    elif rule.referenced_group_id:
        referenced = network.security_groups.get(rule.referenced_group_id)
        # A reference AWS does not resolve (another region, an inter-region peering, a transit
        # gateway without SecurityGroupReferencingSupport, any outbound one across a gateway)
        # matches no address: the model's one statement of the rule decides.
        if referenced is not None and (
            owner is None or network.group_reference_resolves(owner, referenced, egress=egress)
        ):
            members.add(rule.referenced_group_id)
            peers.append(f"ip6 {field_} @{set_name6(rule.referenced_group_id)}")
    elif rule.prefix_list_id:
        plist = network.prefix_lists.get(rule.prefix_list_id)
        if plist is not None:
            peers.extend(f"ip6 {field_} {net6(e.cidr)}" for e in plist.entries if is_ipv6(e.cidr))
    note = comment(label)
    return [" ".join(part for part in (match, peer, verdict, note) if part) for peer in peers]


def sg_chain_lines6(
    network: Network, group_ids: list[str], *, egress: bool, verdict: str, members: set[str]
) -> list[str]:
    """Every IPv6-matching rule of the ENI's groups (united)."""
    lines: list[str] = []
    for group_id in group_ids:
        group = network.security_groups.get(group_id)
        if group is None:
            continue
        rules = group.egress if egress else group.ingress
        for index, rule in enumerate(rules):
            label = rule.security_group_rule_id or f"{group_id} {'egress' if egress else 'ingress'}[{index}]"
            lines.extend(
                sg_rule_lines6(
                    network,
                    rule,
                    egress=egress,
                    verdict=verdict,
                    members=members,
                    label=f"{group_id} {label}",
                    owner=group,
                )
            )
    return lines


def group_members6(network: Network, group_id: str) -> list[str]:
    """The IPv6 addresses of every ENI that carries ``group_id``."""
    addresses = {
        address
        for eni in network.network_interfaces.values()
        if group_id in eni.groups
        for address in eni.ipv6_addresses
    }
    return sorted(addresses, key=ip_int)


def acl_entry_line6(entry: NetworkAclEntry, *, acl_id: str) -> str | None:
    """One IPv6 ACL entry: ``return`` (allow) or ``drop``; None for an IPv4 entry."""
    if entry.ipv6_cidr_block is None or not is_ipv6(entry.ipv6_cidr_block):
        return None
    try:
        proto = protocol_number(entry.protocol)
    except ValueError:
        return None
    lo, hi = entry.port_range if entry.port_range is not None else (None, None)
    match = protocol_match6(proto, lo, hi, entry.icmp_type_code)
    if match is None:
        return None
    field_ = "daddr" if entry.egress else "saddr"
    verdict = "return" if entry.rule_action == "allow" else "drop"
    number = "*" if entry.rule_number >= ACL_STAR6 else str(entry.rule_number)
    direction = "outbound" if entry.egress else "inbound"
    parts = [
        match,
        f"ip6 {field_} {net6(entry.ipv6_cidr_block)}",
        verdict,
        comment(f"{acl_id} {direction} rule {number}"),
    ]
    return " ".join(p for p in parts if p)


def acl_chain_lines6(entries: list[NetworkAclEntry], *, egress: bool, acl_id: str) -> list[str]:
    """The ACL's IPv6 entries of one direction, lowest number first; the ``*`` rule drops the rest."""
    chosen = sorted((e for e in entries if e.egress == egress), key=lambda e: e.rule_number)
    lines = [line for e in chosen if (line := acl_entry_line6(e, acl_id=acl_id)) is not None]
    direction = "outbound" if egress else "inbound"
    lines.append("drop " + comment(f"{acl_id} {direction} rule * (IPv6)"))
    return lines


def chain(name: str, rules: list[str]) -> str:
    body = "".join(f"\t\t{rule}\n" for rule in rules)
    return f"\tchain {name} {{\n{body}\t}}\n"


def base_chain(name: str, kind: str, hook: str, priority: str, policy: str, rules: list[str]) -> str:
    header = f"type {kind} hook {hook} priority {priority}; policy {policy};"
    return chain(name, [header, *rules])


def address_set6(name: str, elements: list[str]) -> str:
    body = "\t\ttype ipv6_addr\n"
    if elements:
        body += "\t\telements = { " + ", ".join(elements) + " }\n"
    return f"\tset {name} {{\n{body}\t}}\n"


def table6(parts: list[str]) -> str:
    return "table ip6 vpcsim {\n" + "".join(parts) + "}\n"


def nets6(cidrs: list[str]) -> str | None:
    """An nft element or anonymous set of IPv6 blocks (None: no block)."""
    items = sorted({net6(c) for c in cidrs if is_ipv6(c)})
    if not items:
        return None
    return items[0] if len(items) == 1 else "{ " + ", ".join(items) + " }"


def addresses6(addresses: list[str]) -> str | None:
    items = sorted(set(addresses), key=ip_int)
    if not items:
        return None
    return items[0] if len(items) == 1 else "{ " + ", ".join(items) + " }"


__all__ = [
    "ICMP6_ERROR_TYPES",
    "NDP_TYPES",
    "acl_chain_lines6",
    "group_members6",
    "set_name6",
    "sg_chain_lines6",
]
