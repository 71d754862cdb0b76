"""Security groups and network ACLs as ``ip6`` nftables rules (the IPv6 half of :mod:`.rules`).

Why a module of its own: an IPv6 packet never meets an IPv4 rule (``0.0.0.0/0`` does not cover
``::/0``, ``icmp`` is not ``icmpv6``), so the lab keeps the two families in two tables -- ``table
ip vpcsim`` and ``table ip6 vpcsim`` -- and the IPv4 ruleset stays exactly what it was. The rules
are built by :mod:`.rules` with ``family=IPV6`` (:mod:`.nft`); this module names them and holds
what only IPv6 has. A security group rule with a ``CidrIpv6`` peer, a referenced group (the
members' IPv6 addresses) or a prefix list's IPv6 entries becomes one line per peer; a network ACL
entry with an ``Ipv6CidrBlock`` becomes one line of its direction's chain, lowest rule number
first, ending with the IPv6 ``*`` rule (32768). ICMPv6 rules match ``icmpv6`` type and code
(``-1``: any); an ICMP (IPv4) rule matches no IPv6 packet.

Neighbour discovery is not traffic a security group or network ACL sees in AWS (the VPC answers
it), so :data:`NDP_TYPES` is accepted before any rule in every namespace that speaks IPv6.
"""

from __future__ import annotations

from ..model import Network, NetworkAclEntry, SecurityGroup, SecurityGroupRule
from .nft import IPV6, address_set, addresses, element, table
from .rules import acl_chain_lines, group_members, set_name, sg_chain_lines, sg_rule_lines

ICMP6_ERROR_TYPES = "{ destination-unreachable, packet-too-big, time-exceeded, parameter-problem }"
NDP_TYPES = "{ nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert }"
ACL_STAR6 = IPV6.acl_star


def set_name6(group_id: str) -> str:
    return set_name(group_id, IPV6)


def is_ipv6(cidr: str) -> bool:
    return IPV6.holds(cidr)


def net6(cidr: str) -> str:
    return IPV6.net(cidr)


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
    return sg_rule_lines(
        network, rule, egress=egress, verdict=verdict, members=members, label=label, owner=owner, family=IPV6
    )


def sg_chain_lines6(
    network: Network, group_ids: list[str], *, egress: bool, verdict: str, members: set[str]
) -> list[str]:
    """Every IPv6-matching rule of the ENI's groups (united)."""
    return sg_chain_lines(network, group_ids, egress=egress, verdict=verdict, members=members, family=IPV6)


def group_members6(network: Network, group_id: str) -> list[str]:
    """The IPv6 addresses of every ENI that carries ``group_id``."""
    return group_members(network, group_id, IPV6)


def acl_chain_lines6(entries: list[NetworkAclEntry], *, egress: bool, acl_id: str) -> list[str]:
    """The ACL's IPv6 entries of one direction, lowest number first; the ``*`` rule drops the rest."""
    return acl_chain_lines(entries, egress=egress, acl_id=acl_id, family=IPV6)


def address_set6(name: str, elements: list[str]) -> str:
    return address_set(name, elements, IPV6)


def table6(parts: list[str]) -> str:
    return table(parts, IPV6)


def nets6(cidrs: list[str]) -> str | None:
    """An nft element or anonymous set of IPv6 blocks (None: no block)."""
    return element(sorted({net6(c) for c in cidrs if is_ipv6(c)}))


def addresses6(values: list[str]) -> str | None:
    return addresses(values)


__all__ = [
    "ICMP6_ERROR_TYPES",
    "NDP_TYPES",
    "acl_chain_lines6",
    "group_members6",
    "set_name6",
    "sg_chain_lines6",
]
