"""Security groups and network ACLs as nftables rules (text for ``nft -f``).

A security group rule becomes one ``<match> <verdict>`` line per peer (a prefix list gives one
line per entry): protocol, destination port range (or ICMP type and code), and the remote end
-- a CIDR, or a set holding the private addresses of a referenced group's members. A network
ACL becomes an ordered chain: the lowest rule number first, ``return`` for allow, ``drop`` for
deny, and a final ``drop`` for the ``*`` rule. Rules that can never match an IPv4 packet
(IPv6 peers, ICMPv6) produce nothing, exactly as in AWS.
"""

from __future__ import annotations

import ipaddress

from ..model import Network, NetworkAclEntry, SecurityGroup, SecurityGroupRule, protocol_number
from ..model.addressing import ip_int

TCP, UDP, ICMP = 6, 17, 1
ICMP_ERROR_TYPES = "{ destination-unreachable, source-quench, redirect, time-exceeded, parameter-problem }"


def comment(text: str) -> str:
    """An nft rule comment (at most 128 bytes, no double quotes)."""
    clean = text.replace('"', "'")[:120]
    return f'comment "{clean}"'


def set_name(group_id: str) -> str:
    return "g_" + "".join(c if c.isalnum() else "_" for c in group_id)


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


def _icmp(type_: int | None, code: int | None) -> str:
    parts = ["meta l4proto icmp"]
    if type_ is not None and type_ >= 0:
        parts.append(f"icmp type {type_}")
        if code is not None and code >= 0:
            parts.append(f"icmp code {code}")
    elif code is not None and code >= 0:
        parts.append(f"icmp code {code}")
    return " ".join(parts)


def _protocol_match(
    protocol: int, lo: int | None, hi: int | None, icmp: tuple[int, int] | None
) -> str | None:
    if protocol == -1:
        return ""
    if protocol == 58:
        return None
    if protocol in (TCP, UDP):
        return _ports(protocol, lo, hi)
    if protocol == ICMP:
        if icmp is None:
            return "meta l4proto icmp"
        return _icmp(icmp[0], icmp[1])
    return f"meta l4proto {protocol}"


def _is_ipv4(cidr: str) -> bool:
    try:
        ipaddress.IPv4Network(cidr, strict=False)
    except ValueError:
        return False
    return True


def _net(cidr: str) -> str:
    return str(ipaddress.IPv4Network(cidr, strict=False))


def sg_rule_lines(
    network: Network,
    rule: SecurityGroupRule,
    *,
    egress: bool,
    verdict: str,
    members: set[str],
    label: str,
    owner: SecurityGroup | None = None,
) -> list[str]:
    """The nft lines of one security group rule (empty when it cannot match IPv4 traffic).

    ``members`` collects the referenced groups, whose member sets the caller declares.
    """
    try:
        proto = protocol_number(rule.ip_protocol)
    except ValueError:
        return []
    if proto == ICMP:
        icmp = (
            rule.from_port if rule.from_port is not None else -1,
            rule.to_port if rule.to_port is not None else -1,
        )
        match = _protocol_match(proto, None, None, icmp)
    else:
        match = _protocol_match(proto, rule.from_port, rule.to_port, None)
    if match is None:
        return []
    field_ = "daddr" if egress else "saddr"
    peers: list[str] = []
    if rule.cidr_ipv4:
        if _is_ipv4(rule.cidr_ipv4):
            peers.append(f"ip {field_} {_net(rule.cidr_ipv4)}")
    elif rule.referenced_group_id:
        referenced = network.security_groups.get(rule.referenced_group_id)
        # A reference AWS does not resolve (another region, an inter-region peering, a transit
        # gateway without SecurityGroupReferencingSupport, any outbound one across a gateway)
        # matches no address: the model's one statement of the rule decides.
        if referenced is not None and (
            owner is None or network.group_reference_resolves(owner, referenced, egress=egress)
        ):
            members.add(rule.referenced_group_id)
            peers.append(f"ip {field_} @{set_name(rule.referenced_group_id)}")
    elif rule.prefix_list_id:
        plist = network.prefix_lists.get(rule.prefix_list_id)
        if plist is not None:
            peers.extend(f"ip {field_} {_net(e.cidr)}" for e in plist.entries if _is_ipv4(e.cidr))
    note = comment(label)
    return [" ".join(part for part in (match, peer, verdict, note) if part) for peer in peers]


def sg_chain_lines(
    network: Network, group_ids: list[str], *, egress: bool, verdict: str, members: set[str]
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
                )
            )
    return lines


def group_members(network: Network, group_id: str) -> list[str]:
    """The private addresses of every ENI that carries ``group_id`` (what a reference matches)."""
    addresses = {
        address.private_ip_address
        for eni in network.network_interfaces.values()
        if group_id in eni.groups
        for address in eni.private_ip_addresses
    }
    return sorted(addresses, key=ip_int)


def acl_entry_line(entry: NetworkAclEntry, *, acl_id: str) -> str | None:
    """One ACL entry: ``return`` (allow, go on to the next check) or ``drop``."""
    if entry.cidr_block is None or not _is_ipv4(entry.cidr_block):
        return None
    try:
        proto = protocol_number(entry.protocol)
    except ValueError:
        return None
    lo, hi = entry.port_range if entry.port_range is not None else (None, None)
    match = _protocol_match(proto, lo, hi, entry.icmp_type_code)
    if match is None:
        return None
    field_ = "daddr" if entry.egress else "saddr"
    verdict = "return" if entry.rule_action == "allow" else "drop"
    number = "*" if entry.rule_number >= 32767 else str(entry.rule_number)
    direction = "outbound" if entry.egress else "inbound"
    parts = [
        match,
        f"ip {field_} {_net(entry.cidr_block)}",
        verdict,
        comment(f"{acl_id} {direction} rule {number}"),
    ]
    return " ".join(p for p in parts if p)


def acl_chain_lines(entries: list[NetworkAclEntry], *, egress: bool, acl_id: str) -> list[str]:
    """The ACL's rules of one direction, lowest number first; the ``*`` rule drops the rest."""
    chosen = sorted((e for e in entries if e.egress == egress), key=lambda e: e.rule_number)
    lines = [line for e in chosen if (line := acl_entry_line(e, acl_id=acl_id)) is not None]
    direction = "outbound" if egress else "inbound"
    lines.append("drop " + comment(f"{acl_id} {direction} rule *"))
    return lines
