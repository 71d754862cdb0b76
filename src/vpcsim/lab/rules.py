"""Security groups and network ACLs as nftables rules (text for ``nft -f``), for either family.

A security group rule becomes one ``<match> <verdict>`` line per peer (a prefix list gives one
line per entry): protocol, destination port range (or ICMP type and code), and the remote end
-- a CIDR, or a set holding the addresses of a referenced group's members. A network ACL
becomes an ordered chain: the lowest rule number first, ``return`` for allow, ``drop`` for
deny, and a final ``drop`` for the ``*`` rule. Rules that can never match a packet of the
family (a peer of the other family, the other family's ICMP) produce nothing, exactly as in
AWS. IPv4 is the default; ``family=IPV6`` (:mod:`.nft`) gives the IPv6 rules.
"""

from __future__ import annotations

from ..model import Network, NetworkAclEntry, SecurityGroup, SecurityGroupRule, protocol_number
from ..model.addressing import ip_int
from .nft import IPV4, Family, comment

TCP, UDP = 6, 17


def set_name(group_id: str, family: Family = IPV4) -> str:
    """The nft set of a referenced group's members (``g_``, ``g6_`` for IPv6)."""
    return family.set_prefix + "".join(c if c.isalnum() else "_" for c in group_id)


def _ports(protocol: int, lo: int | None, hi: int | None) -> str:
    name = "tcp" if protocol == TCP else "udp"
    low = 0 if lo is None or lo < 0 else lo
    high = 65535 if hi is None or hi < 0 else hi
    low, high = max(0, min(low, 65535)), max(0, min(high, 65535))
    if low > high:
        low, high = high, low
    if (low, high) == (0, 65535):
        return f"meta l4proto {name}"
    if low == high:
        return f"{name} dport {low}"
    return f"{name} dport {low}-{high}"


def protocol_match(
    protocol: int, lo: int | None, hi: int | None, icmp: tuple[int, int] | None, family: Family = IPV4
) -> str | None:
    """The nft match of a rule's protocol part for the family's packets; None: it matches none.

    ``icmp``: the family's ICMP type and code (``-1``: any; None: the whole protocol)."""
    if protocol == -1:
        return ""
    if protocol == family.foreign_icmp:
        return None
    if protocol in (TCP, UDP):
        return _ports(protocol, lo, hi)
    if protocol == family.icmp:
        parts = [f"meta l4proto {family.icmp_l4proto}"]
        type_, code = icmp if icmp is not None else (-1, -1)
        if type_ >= 0:
            parts.append(f"{family.icmp_keyword} type {type_}")
        if code >= 0:
            parts.append(f"{family.icmp_keyword} code {code}")
        return " ".join(parts)
    return f"meta l4proto {protocol}"


def sg_rule_lines(
    network: Network,
    rule: SecurityGroupRule,
    *,
    egress: bool,
    verdict: str,
    members: set[str],
    label: str,
    owner: SecurityGroup | None = None,
    family: Family = IPV4,
) -> list[str]:
    """The nft lines of one security group rule (empty when it cannot match the family's traffic).

    ``members`` collects the referenced groups, whose member sets the caller declares.
    """
    try:
        proto = protocol_number(rule.ip_protocol)
    except ValueError:
        return []
    if proto == family.icmp:
        icmp = (
            rule.from_port if rule.from_port is not None else -1,
            rule.to_port if rule.to_port is not None else -1,
        )
        match = protocol_match(proto, None, None, icmp, family)
    else:
        match = protocol_match(proto, rule.from_port, rule.to_port, None, family)
    if match is None:
        return []
    field_ = f"{family.nft} {'daddr' if egress else 'saddr'}"
    peers: list[str] = []
    cidr = family.rule_cidr(rule)
    if cidr:
        if family.holds(cidr):
            peers.append(f"{field_} {family.net(cidr)}")
    elif family.version == 6 and rule.cidr_ipv4:
        pass  # an IPv4 block matches no IPv6 packet (a valid rule has one peer: validate.py)
    elif rule.referenced_group_id:
        referenced = network.security_groups.get(rule.referenced_group_id)
        # A reference AWS does not resolve (another region, an inter-region peering, a transit
        # gateway without SecurityGroupReferencingSupport, any outbound one across a gateway)
        # matches no address: the model's one statement of the rule decides.
        if referenced is not None and (
            owner is None or network.group_reference_resolves(owner, referenced, egress=egress)
        ):
            members.add(rule.referenced_group_id)
            peers.append(f"{field_} @{set_name(rule.referenced_group_id, family)}")
    elif rule.prefix_list_id:
        plist = network.prefix_lists.get(rule.prefix_list_id)
        if plist is not None:
            peers.extend(f"{field_} {family.net(e.cidr)}" for e in plist.entries if family.holds(e.cidr))
    note = comment(label)
    return [" ".join(part for part in (match, peer, verdict, note) if part) for peer in peers]


def sg_chain_lines(
    network: Network,
    group_ids: list[str],
    *,
    egress: bool,
    verdict: str,
    members: set[str],
    family: Family = IPV4,
) -> list[str]:
    """Every rule of the ENI's groups (united; order does not matter in a security group)."""
    lines: list[str] = []
    for group_id in group_ids:
        group = network.security_groups.get(group_id)
        if group is None:
            continue
        rules = group.egress if egress else group.ingress
        for index, rule in enumerate(rules):
            label = rule.security_group_rule_id or f"{group_id} {'egress' if egress else 'ingress'}[{index}]"
            lines.extend(
                sg_rule_lines(
                    network,
                    rule,
                    egress=egress,
                    verdict=verdict,
                    members=members,
                    label=f"{group_id} {label}",
                    owner=group,
                    family=family,
                )
            )
    return lines


def group_members(network: Network, group_id: str, family: Family = IPV4) -> list[str]:
    """The addresses of the family of every ENI that carries ``group_id`` (what a reference
    matches: the private IPv4 addresses, or the IPv6 addresses)."""
    addresses = {
        address
        for eni in network.network_interfaces.values()
        if group_id in eni.groups
        for address in family.eni_addresses(eni)
    }
    return sorted(addresses, key=ip_int)


def acl_entry_line(entry: NetworkAclEntry, *, acl_id: str, family: Family = IPV4) -> str | None:
    """One ACL entry: ``return`` (allow, go on to the next check) or ``drop``; None for an
    entry of the other family."""
    cidr = family.entry_cidr(entry)
    if cidr is None or not family.holds(cidr):
        return None
    try:
        proto = protocol_number(entry.protocol)
    except ValueError:
        return None
    lo, hi = entry.port_range if entry.port_range is not None else (None, None)
    match = protocol_match(proto, lo, hi, entry.icmp_type_code, family)
    if match is None:
        return None
    field_ = "daddr" if entry.egress else "saddr"
    verdict = "return" if entry.rule_action == "allow" else "drop"
    number = "*" if entry.rule_number >= family.acl_star else str(entry.rule_number)
    direction = "outbound" if entry.egress else "inbound"
    parts = [
        match,
        f"{family.nft} {field_} {family.net(cidr)}",
        verdict,
        comment(f"{acl_id} {direction} rule {number}"),
    ]
    return " ".join(p for p in parts if p)


def acl_chain_lines(
    entries: list[NetworkAclEntry], *, egress: bool, acl_id: str, family: Family = IPV4
) -> list[str]:
    """The ACL's rules of one direction, lowest number first; the ``*`` rule drops the rest."""
    chosen = sorted((e for e in entries if e.egress == egress), key=lambda e: e.rule_number)
    lines = [line for e in chosen if (line := acl_entry_line(e, acl_id=acl_id, family=family)) is not None]
    direction = "outbound" if egress else "inbound"
    lines.append("drop " + comment(f"{acl_id} {direction} rule *{family.acl_star_note}"))
    return lines


__all__ = [
    "acl_chain_lines",
    "group_members",
    "protocol_match",
    "set_name",
    "sg_chain_lines",
    "sg_rule_lines",
]
