"""The nftables rulesets of an instance and of a VPC router, for either family.

Why a module of its own: an instance's ``table ip vpcsim`` (:mod:`.plan`) and ``table ip6
vpcsim`` (:mod:`.plan6`) are the same machine -- per ENI a chain of its security groups each way
(and, when the instance forwards, a ``return`` variant and the source/destination check), ICMP
errors judged by the rules, ``ct state established,related`` for replies, a conntrack zone per
ENI -- as are a router's peering filters and network ACL chains. What only one family has comes
in from the caller: IPv6's neighbour discovery first, IPv4's NAT instance, load-balancer and
resolver rules, the transit gateways' ACL rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

from ..model import Network, NetworkInterface, Subnet, Vpc
from .nft import IPV4, Family, address_set, addresses, base_chain, chain, comment, nets, nft_table
from .rules import acl_chain_lines, group_members, set_name, sg_chain_lines

Eni = tuple[str, NetworkInterface, Subnet]
"""An instance's ENI as realised: (interface, ENI, subnet)."""


def instance_ruleset(
    network: Network,
    enis: list[Eni],
    forwarding: bool,
    family: Family = IPV4,
    *,
    first: Iterable[str] = (),
    input_extra: Iterable[str] = (),
    output_extra: Iterable[str] = (),
    nat_chain: Callable[[str, NetworkInterface, Subnet], str | None] | None = None,
) -> str:
    """A running instance's ruleset of ``family``.

    ``first``: rules before any other of input and output; ``input_extra``/``output_extra``:
    rules after the replies', before the security groups; ``nat_chain``: when the instance
    forwards, an ENI's ``natinst_<interface>`` chain (None: the ENI translates nothing)."""
    members: set[str] = set()
    chains: list[str] = []
    errors_in: list[str] = []
    errors_out: list[str] = []
    forward_checks: list[str] = []
    forward_in: list[str] = []
    forward_out: list[str] = []
    nat_rules: list[str] = []
    ip = family.nft
    for ifname, eni, subnet in enis:
        filtered = bool(eni.groups) or eni.interface_type == "interface"
        for egress, suffix in ((False, "in"), (True, "out")):
            if filtered:
                accept = sg_chain_lines(
                    network, eni.groups, egress=egress, verdict="accept", members=members, family=family
                )
                ret = sg_chain_lines(
                    network, eni.groups, egress=egress, verdict="return", members=members, family=family
                )
                ret.append("drop")
            else:
                accept, ret = ["accept"], ["return"]
            chains.append(chain(f"sg_{ifname}_{suffix}", accept))
            if forwarding:
                chains.append(chain(f"sg_{ifname}_f{suffix}", ret))
        errors_in.append(f'iifname "{ifname}" jump sg_{ifname}_in')
        errors_out.append(f'oifname "{ifname}" jump sg_{ifname}_out')
        if not forwarding:
            continue
        own = addresses(family.eni_addresses(eni))
        if eni.source_dest_check:
            why = comment(f"{eni.network_interface_id} source/destination check")
            if own is None:
                forward_checks += [f'iifname "{ifname}" drop {why}', f'oifname "{ifname}" drop {why}']
            else:
                forward_checks += [
                    f'iifname "{ifname}" {ip} daddr != {own} drop {why}',
                    f'oifname "{ifname}" {ip} saddr != {own} drop {why}',
                ]
        forward_in.append(f'iifname "{ifname}" jump sg_{ifname}_fin')
        forward_out.append(f'oifname "{ifname}" jump sg_{ifname}_fout')
        nat = nat_chain(ifname, eni, subnet) if nat_chain is not None else None
        if nat is not None:
            chains.append(nat)
            nat_rules.append(f'oifname "{ifname}" {ip} saddr != {own} jump natinst_{ifname}')
    errors = f"{family.icmp_keyword} type {family.icmp_error_types}"
    replies = "ct state established,related accept"
    input_rules = [
        'iif "lo" accept',
        *first,
        f"{errors} goto icmp_errors_in",
        replies,
        *input_extra,
        *errors_in,
    ]
    output_rules = ['oif "lo" accept', *first, f"{errors} goto icmp_errors_out", replies, *output_extra]
    chains.append(chain("icmp_errors_in", [*errors_in, "drop"]))
    chains.append(chain("icmp_errors_out", [*errors_out, "drop"]))
    base = [
        base_chain("input", "filter", "input", "filter", "drop", input_rules),
        base_chain("output", "filter", "output", "filter", "drop", [*output_rules, *errors_out]),
    ]
    if forwarding:
        forward = [*forward_checks, f"{errors} goto icmp_errors_fwd", replies, *forward_in, *forward_out]
        base.append(base_chain("forward", "filter", "forward", "filter", "drop", [*forward, "accept"]))
        chains.append(chain("icmp_errors_fwd", [*forward_in, *forward_out, "accept"]))
    if nat_rules:
        base.append(base_chain("postrouting", "nat", "postrouting", "srcnat", "accept", nat_rules))
    if len(enis) > 1:
        # Security groups track connections per ENI: one conntrack zone per interface, so
        # that a flow between two ENIs of this instance is tracked once by each.
        zones_in = [f'iifname "{ifname}" ct zone set {n + 1}' for n, (ifname, _, _) in enumerate(enis)]
        zones_out = [f'oifname "{ifname}" ct zone set {n + 1}' for n, (ifname, _, _) in enumerate(enis)]
        base.append(base_chain("zone_in", "filter", "prerouting", "raw", "accept", zones_in))
        base.append(base_chain("zone_out", "filter", "output", "raw", "accept", zones_out))
    sets = [
        address_set(set_name(g, family), group_members(network, g, family), family) for g in sorted(members)
    ]
    return nft_table([*sets, *base, *chains], family)


@cache
def stopped_ruleset(family: Family = IPV4) -> str:
    """A stopped instance's: it neither sends nor receives."""
    drop = comment("the instance is stopped")
    return nft_table(
        [
            base_chain(hook, "filter", hook, "filter", "drop", [f"drop {drop}"])
            for hook in ("input", "output", "forward")
        ],
        family,
    )


def router_forward(
    network: Network,
    vpc: Vpc,
    peerings: list[tuple[str, str, str]],
    subnets: list[tuple[Subnet, str]],
    family: Family = IPV4,
    *,
    acl_extra: Callable[[str, str, str], list[str]] | None = None,
) -> tuple[list[str], list[str]]:
    """A VPC router's forward rules and their chains: each peering carries only packets from
    one VPC's blocks to the other's (no transit, no edge-to-edge), and each subnet's network
    ACL judges what leaves it (outbound) and what enters it from elsewhere (inbound).

    ``peerings``: (pcx id, leg, peer VPC id); ``subnets``: (subnet, bridge); ``acl_extra``:
    more rules after a subnet's, given (subnet id, bridge, its inbound chain)."""
    own = nets(family.vpc_blocks(vpc), family)
    forward: list[str] = []
    ip = family.nft
    for pcx_id, leg, peer_id in peerings:
        peer = nets(family.vpc_blocks(network.vpcs[peer_id]), family)
        why = comment(f"{pcx_id}: no transitive or edge-to-edge routing")
        if own is None or peer is None:
            forward += [f'oifname "{leg}" drop {why}', f'iifname "{leg}" drop {why}']
            continue
        forward += [
            f'oifname "{leg}" {ip} saddr != {own} drop {why}',
            f'oifname "{leg}" {ip} daddr != {peer} drop {why}',
            f'iifname "{leg}" {ip} saddr != {peer} drop {why}',
            f'iifname "{leg}" {ip} daddr != {own} drop {why}',
        ]
    chains: list[str] = []
    acl_chains: dict[str, str] = {}
    for subnet, bridge in subnets:
        acl = network.network_acl_of_subnet(subnet.subnet_id)
        if acl is None:
            continue
        if acl.network_acl_id not in acl_chains:
            name = f"acl{len(acl_chains)}"
            acl_chains[acl.network_acl_id] = name
            for egress, suffix in ((False, "in"), (True, "out")):
                body = acl_chain_lines(acl.entries, egress=egress, acl_id=acl.network_acl_id, family=family)
                chains.append(chain(f"{name}_{suffix}", body))
        name = acl_chains[acl.network_acl_id]
        forward.append(f'iifname "{bridge}" jump {name}_out {comment(f"{subnet.subnet_id} outbound")}')
        forward.append(
            f'oifname "{bridge}" iifname != "{bridge}" jump {name}_in {comment(f"{subnet.subnet_id} inbound")}'
        )
        if acl_extra is not None:
            forward += acl_extra(subnet.subnet_id, bridge, f"{name}_in")
    return forward, chains


def router_ruleset(
    forward: list[str],
    chains: list[str],
    output: list[str],
    family: Family = IPV4,
    *,
    input_rules: list[str] | None = None,
) -> str:
    """A VPC router's ruleset: it tracks nothing and forwards what its rules let through; it
    originates only what ``output`` allows (an ``input`` chain only when ``input_rules``)."""
    return nft_table(
        [
            base_chain("prerouting", "filter", "prerouting", "raw", "accept", ["notrack"]),
            base_chain("output_raw", "filter", "output", "raw", "accept", ["notrack"]),
            *(
                []
                if input_rules is None
                else [base_chain("input", "filter", "input", "filter", "drop", input_rules)]
            ),
            base_chain("output", "filter", "output", "filter", "drop", output),
            base_chain("forward", "filter", "forward", "filter", "accept", forward),
            *chains,
        ],
        family,
    )


__all__ = ["instance_ruleset", "router_forward", "router_ruleset", "stopped_ruleset"]
