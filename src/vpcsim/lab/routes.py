"""A VPC route table as the router's kernel routes and policy rules, for either family.

Why a module of its own: the VPC router's IPv4 tables (:mod:`.plan`) and IPv6 tables
(:mod:`.plan6`) follow the same rules -- one route per destination by AWS's priorities (static,
then prefix list, then propagated), longest prefix first; ``local`` delivers into the block's
subnets unless a more specific route takes a subnet elsewhere; a table per subnet picked by
``ip rule iif <bridge>`` with a blackhole rule after it -- and differ only in where a route
leads, which the caller says. IPv6 lines start with ``-6 `` (``family``: :mod:`.nft`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..model import Network, Route, RouteTable, Subnet
from .nft import IPV4, Family

SUBNET_TABLE_BASE = 1000
"""Route table of the VPC router for the subnet in slot k: 1000 + k."""
IGW_TABLE = 90
"""What arrives from the internet gateway: the VPC's subnets (and a gateway route table's ENIs)."""
PEER_TABLE = 91
"""What arrives over a peering: the VPC's subnets only."""
LOOKUP_PREF, BLACKHOLE_PREF = 1000, 30000
ENI_TABLE_BASE = 100

Net = TypeVar("Net", ipaddress.IPv4Network, ipaddress.IPv6Network)


@dataclass
class Winning(Generic[Net]):
    """The route a destination of a table takes, and its priority (0 static, 1 prefix list,
    2 propagated)."""

    net: Net
    route: Route
    priority: int


def winning_routes(
    network: Network, table: RouteTable, kind: type[Net], notes: list[str] | None = None
) -> list[Winning[Net]]:
    """One route per destination of family ``kind``: static before prefix list before
    propagated (AWS's order), longest prefix first. ``notes`` hears of an unknown prefix list."""
    six = kind is ipaddress.IPv6Network
    best: dict[Net, Winning[Net]] = {}

    def offer(net: Net, route: Route, priority: int) -> None:
        current = best.get(net)
        if current is None or priority < current.priority:
            best[net] = Winning(net, route, priority)

    for route in table.routes:
        if not six and route.destination_ipv6_cidr_block is not None:
            continue
        if route.destination_prefix_list_id:
            plist = network.prefix_lists.get(route.destination_prefix_list_id)
            if plist is None:
                if notes is not None:
                    notes.append(
                        f"{table.route_table_id}: prefix list {route.destination_prefix_list_id} is unknown; "
                        "its route is left out"
                    )
                continue
            for entry in plist.entries:
                if (":" in entry.cidr) == six:
                    offer(kind(entry.cidr, strict=False), route, 1)
            continue
        destination = route.destination_ipv6_cidr_block if six else route.destination_cidr_block
        if destination:
            priority = 2 if route.origin == "EnableVgwRoutePropagation" else 0
            offer(kind(destination, strict=False), route, priority)
    return sorted(best.values(), key=lambda w: (-w.net.prefixlen, int(w.net.network_address)))


def is_local(route: Route) -> bool:
    return route.gateway_id == "local" and not route.network_interface_id


def subnet_tables(
    network: Network,
    subnets: list[tuple[Subnet, str, int]],
    blocks: list[tuple[Net, str]],
    winners: Callable[[RouteTable], list[Winning[Net]]],
    targets: Callable[[RouteTable, Subnet], Callable[[Route], str | None]],
    family: Family = IPV4,
) -> list[str]:
    """Each subnet's kernel table and the rules that pick it.

    ``subnets``: the VPC's subnets, (subnet, bridge, kernel table number); ``blocks``: those of
    the family, (block, bridge); ``winners``: a route table's :func:`winning_routes`;
    ``targets``: for a subnet's route table, ``via ... dev ...`` of a route that leaves the VPC,
    or None (blackhole)."""
    lines: list[str] = []
    for subnet, bridge, number in subnets:
        lines += _lookup_rules(bridge, number, family)
        table = network.route_table_of_subnet(subnet.subnet_id)
        if table is not None:
            lines += _table_routes(winners(table), blocks, number, targets(table, subnet), family)
    return lines


def edge_table(
    interfaces: list[str], number: int, blocks: list[tuple[Net, str]], cidrs: list[str], family: Family = IPV4
) -> list[str]:
    """Table ``number`` of what arrives from outside the VPC by ``interfaces`` (a gateway's
    leg, peering legs): the VPC's subnets (``blocks``, as for :func:`subnet_tables`), and nothing
    else of its blocks (``cidrs``); nothing without interfaces."""
    lines: list[str] = []
    for interface in interfaces:
        lines += _lookup_rules(interface, number, family)
    if interfaces:
        prefix = family.ip_prefix
        lines += [f"{prefix}route add {snet} dev {bridge} table {number}" for snet, bridge in blocks]
        lines += [f"{prefix}route add blackhole {family.net(b)} table {number}" for b in cidrs]
    return lines


def _table_routes(
    winners: list[Winning[Net]],
    subnets: list[tuple[Net, str]],
    number: int,
    target: Callable[[Route], str | None],
    family: Family,
) -> list[str]:
    """The kernel routes of kernel table ``number`` for a route table's ``winners``."""
    prefix = family.ip_prefix
    lines: list[str] = []
    for winner in winners:
        net, route = winner.net, winner.route
        if is_local(route):
            # Deliver into each subnet of the block, unless a more specific route of the
            # table (but not more specific than the subnet) takes the subnet elsewhere.
            for snet, bridge in subnets:
                if not snet.subnet_of(net):
                    continue
                shadowed = any(
                    other is not winner
                    and net.prefixlen < other.net.prefixlen <= snet.prefixlen
                    and snet.subnet_of(other.net)
                    for other in winners
                )
                if not shadowed:
                    lines.append(f"{prefix}route add {snet} dev {bridge} table {number}")
            lines.append(f"{prefix}route add blackhole {net} table {number}")
            continue
        via = target(route)
        if via is None:
            lines.append(f"{prefix}route add blackhole {net} table {number}")
        else:
            lines.append(f"{prefix}route add {net} {via} table {number}")
    return lines


def _lookup_rules(iif: str, number: int, family: Family) -> list[str]:
    """What comes in by ``iif`` is routed by table ``number`` and by nothing else."""
    prefix = family.ip_prefix
    return [
        f"{prefix}rule add pref {LOOKUP_PREF} iif {iif} lookup {number}",
        f"{prefix}rule add pref {BLACKHOLE_PREF} iif {iif} blackhole",
    ]


__all__ = [
    "BLACKHOLE_PREF",
    "ENI_TABLE_BASE",
    "IGW_TABLE",
    "LOOKUP_PREF",
    "PEER_TABLE",
    "SUBNET_TABLE_BASE",
    "Winning",
    "edge_table",
    "is_local",
    "subnet_tables",
    "winning_routes",
]
