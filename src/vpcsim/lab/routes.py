"""A VPC route table as the router's kernel routes and policy rules, for either family.

Why a module of its own: the VPC router's IPv4 tables (:mod:`.plan`) and IPv6 tables
(:mod:`.plan6`) follow the same rules -- one route per destination by AWS's priorities (static,
then prefix list, then propagated), longest prefix first; ``local`` delivers into the block's
subnets unless a more specific route takes a subnet elsewhere; a table per subnet picked by
``ip rule iif <bridge>`` with a blackhole rule after it -- and differ only in where a route
leads, which the caller says. IPv6 lines start with ``-6 `` (``prefix``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..model import Network, Route, RouteTable

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


def table_routes(
    winners: list[Winning[Net]],
    subnets: list[tuple[Net, str]],
    number: int,
    target: Callable[[Route], str | None],
    prefix: str = "",
) -> list[str]:
    """The kernel routes of kernel table ``number`` for a route table's ``winners``.

    ``subnets``: the VPC's subnets of the family, (block, bridge); ``target``: ``via ... dev
    ...`` for a route that leaves the VPC, or None (blackhole)."""
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


def local_table(
    subnets: list[tuple[Net, str]], blocks: list[str], kind: type[Net], number: int, prefix: str = ""
) -> list[str]:
    """Table ``number`` of what arrives from outside the VPC: its subnets, and nothing else of
    its blocks."""
    lines = [f"{prefix}route add {snet} dev {bridge} table {number}" for snet, bridge in subnets]
    lines += [f"{prefix}route add blackhole {kind(b, strict=False)} table {number}" for b in blocks]
    return lines


def lookup_rules(iif: str, number: int, prefix: str = "") -> list[str]:
    """What comes in by ``iif`` is routed by table ``number`` and by nothing else."""
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
    "is_local",
    "local_table",
    "lookup_rules",
    "table_routes",
    "winning_routes",
]
