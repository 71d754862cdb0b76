"""Security groups and network ACLs as ``ip6`` nftables rules (the IPv6 half of :mod:`.rules`).

Why a module of its own: an IPv6 packet never meets an IPv4 rule (``0.0.0.0/0`` does not cover
``::/0``, ``icmp`` is not ``icmpv6``), so the lab keeps the two families in two tables -- ``table
ip vpcsim`` and ``table ip6 vpcsim`` -- and the IPv4 ruleset stays exactly what it was. The rules
are built by :mod:`.rules` and :mod:`.rulesets` with ``family=IPV6`` (:mod:`.nft`); this module
holds what only IPv6 has. A security group rule with a ``CidrIpv6`` peer, a referenced group (the
members' IPv6 addresses) or a prefix list's IPv6 entries becomes one line per peer; a network ACL
entry with an ``Ipv6CidrBlock`` becomes one line of its direction's chain, lowest rule number
first, ending with the IPv6 ``*`` rule (32768). ICMPv6 rules match ``icmpv6`` type and code
(``-1``: any); an ICMP (IPv4) rule matches no IPv6 packet.

Neighbour discovery is not traffic a security group or network ACL sees in AWS (the VPC answers
it), so :data:`NDP_TYPES` is accepted before any rule in every namespace that speaks IPv6.
"""

from __future__ import annotations

NDP_TYPES = "{ nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert }"

__all__ = ["NDP_TYPES"]
