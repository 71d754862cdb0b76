"""The IPv6 half of a generated network: dual-stack VPCs and subnets, IPv6 addresses, ``::/0``
routes to the internet gateway or an egress-only one, peering routes, IPv6 security-group and
network-ACL rules -- with the classic mistakes among them (a group open on one family only, a
custom ACL without IPv6 return ports, a "private" subnet routing ``::/0`` to the internet gateway).

Why a pass of its own, after the IPv4 network is built, from its own random stream: the presets
without IPv6 keep drawing exactly the networks they always drew, and a dual-stack preset is the
same IPv4 network with IPv6 added -- as AWS adds it when a block is associated later
(:meth:`vpcsim.model.Network.associate_vpc_ipv6_cidr_block`: local routes, the default ACL's
rule 101, ``::/0`` out of unmodified groups).
"""

from __future__ import annotations

import random

from ..engine.flow import Flow
from ..model import Network, NetworkAcl, NetworkAclEntry, RouteTable, SecurityGroupRule, Vpc
from ..model.addressing import SubnetAddresses, ip_str

#: Ports an IPv6-only rule opens (a web port, SSH, a database: the asymmetric mistakes).
_PORTS6 = (22, 80, 443, 3306, 8080)


def add_ipv6(network: Network, rng: random.Random, ratio: float) -> None:
    """Make a share ``ratio`` of the VPCs of ``network`` dual-stack (in place)."""
    blocks: dict[str, str] = {}
    for k, vpc in enumerate(sorted(network.vpcs.values(), key=lambda v: v.vpc_id)):
        if rng.random() >= ratio:
            continue
        base = f"2600:1f18:{k + 1:x}:{rng.randrange(16, 256):02x}"
        block = f"{base}00::/56"
        network.associate_vpc_ipv6_cidr_block(vpc, block)
        blocks[vpc.vpc_id] = base
        _subnets(network, rng, vpc, base)
        _routes(network, rng, vpc)
        _groups(network, rng, vpc)
        _acls(network, rng, vpc)
    _peering_routes(network, rng, blocks)
    network.touch()


def _subnets(network: Network, rng: random.Random, vpc: Vpc, base: str) -> None:
    subnets = sorted(
        (s for s in network.subnets.values() if s.vpc_id == vpc.vpc_id), key=lambda s: s.subnet_id
    )
    for i, subnet in enumerate(subnets):
        if rng.random() >= 0.85:
            continue
        subnet.ipv6_cidr_block = f"{base}{i + 1:02x}::/64"
        allocator = SubnetAddresses(subnet.ipv6_cidr_block)
        for eni in sorted(network.network_interfaces.values(), key=lambda e: e.network_interface_id):
            if eni.subnet_id != subnet.subnet_id or eni.interface_type != "interface":
                continue
            draw = rng.random()
            count = 0 if draw < 0.2 else 2 if draw > 0.9 else 1
            for _ in range(count):
                address = allocator.allocate(rng)
                if address is not None:
                    eni.ipv6_addresses.append(ip_str(address))


def _routes(network: Network, rng: random.Random, vpc: Vpc) -> None:
    tables = sorted(
        (t for t in network.route_tables.values() if t.vpc_id == vpc.vpc_id), key=lambda t: t.route_table_id
    )
    eigw: str | None = None

    def egress_only() -> str:
        nonlocal eigw
        if eigw is None:
            eigw = network.create_egress_only_internet_gateway(vpc).egress_only_internet_gateway_id
        return eigw

    for table in tables:
        default = next((r for r in table.routes if r.destination_cidr_block == "0.0.0.0/0"), None)
        target = default.target if default is not None and default.state == "active" else ""
        draw = rng.random()
        if target.startswith("igw-"):
            if draw < 0.8:
                _route(table, "::/0", target)
        elif target.startswith("nat-"):
            if draw < 0.6:
                _route(table, "::/0", egress_only())
            elif draw < 0.8 and (igw := network.internet_gateway_of_vpc(vpc.vpc_id)) is not None:
                _route(table, "::/0", igw.internet_gateway_id)  # the "private" subnet's mistake
        elif draw < 0.25:
            _route(table, "::/0", egress_only())
        if rng.random() < 0.2:
            _route(table, f"2001:db8:{rng.randrange(1, 0xFFFF):x}::/48", egress_only())


def _route(table: RouteTable, destination: str, target: str) -> None:
    from ..model.network import set_route_target
    from ..model.resources import Route

    if any(r.destination == destination for r in table.routes):
        return
    route = Route(destination_ipv6_cidr_block=destination)
    set_route_target(route, target)
    table.routes.append(route)


def _peering_routes(network: Network, rng: random.Random, blocks: dict[str, str]) -> None:
    for pcx in sorted(network.vpc_peering_connections.values(), key=lambda p: p.vpc_peering_connection_id):
        a, b = pcx.requester.vpc_id, pcx.accepter.vpc_id
        if pcx.status != "active" or a not in blocks or b not in blocks:
            continue
        for here, there in ((a, b), (b, a)):
            for table in network.route_tables.values():
                if (
                    table.vpc_id == here
                    and rng.random() < 0.6
                    and any(
                        r.vpc_peering_connection_id == pcx.vpc_peering_connection_id for r in table.routes
                    )
                ):
                    _route(table, f"{blocks[there]}00::/56", pcx.vpc_peering_connection_id)


def _groups(network: Network, rng: random.Random, vpc: Vpc) -> None:
    groups = sorted(
        (g for g in network.security_groups.values() if g.vpc_id == vpc.vpc_id and g.group_name != "default"),
        key=lambda g: g.group_id,
    )
    for group in groups:
        added: list[SecurityGroupRule] = []
        for rule in group.ingress:
            if rule.cidr_ipv4 and rng.random() < 0.4:
                six = (
                    "::/0" if rule.cidr_ipv4 == "0.0.0.0/0" else f"2001:db8:{rng.randrange(1, 0xFFFF):x}::/48"
                )
                added.append(_copy(rule, six))
        if rng.random() < 0.3:
            port = rng.choice(_PORTS6)
            added.append(SecurityGroupRule(ip_protocol="tcp", from_port=port, to_port=port, cidr_ipv6="::/0"))
        if rng.random() < 0.25:
            kind = rng.choice(((128, -1), (-1, -1), (2, 0)))
            added.append(
                SecurityGroupRule(ip_protocol="icmpv6", from_port=kind[0], to_port=kind[1], cidr_ipv6="::/0")
            )
        group.ingress.extend(added)
        if rng.random() < 0.2:
            group.egress = [r for r in group.egress if r.cidr_ipv6 != "::/0"]


def _copy(rule: SecurityGroupRule, cidr6: str) -> SecurityGroupRule:
    return SecurityGroupRule(
        ip_protocol=rule.ip_protocol, from_port=rule.from_port, to_port=rule.to_port, cidr_ipv6=cidr6
    )


def _acls(network: Network, rng: random.Random, vpc: Vpc) -> None:
    acls = sorted(
        (a for a in network.network_acls.values() if a.vpc_id == vpc.vpc_id and not a.is_default),
        key=lambda a: a.network_acl_id,
    )
    for acl in acls:
        for egress in (False, True):
            draw = rng.random()
            if draw < 0.4:
                _entry(acl, egress, "-1", None)
            elif draw < 0.8:
                # service ports in, the client's ports out -- or, a third of the time, forgotten
                if egress:
                    if rng.random() < 0.67:
                        _entry(acl, egress, "6", (1024, 65535))
                else:
                    port = rng.choice(_PORTS6)
                    _entry(acl, egress, "6", (port, port))
                    _entry(acl, egress, "6", (1024, 65535))


def _entry(acl: NetworkAcl, egress: bool, protocol: str, ports: tuple[int, int] | None) -> None:
    used = {e.rule_number for e in acl.entries if e.egress == egress}
    number = next(n for n in range(150, 32766) if n not in used)
    acl.entries.append(
        NetworkAclEntry(
            rule_number=number,
            protocol=protocol,
            rule_action="allow",
            egress=egress,
            ipv6_cidr_block="::/0",
            port_range=ports,
        )
    )


__all__ = ["add_ipv6", "sample_ipv6_flows"]


def sample_ipv6_flows(network: Network, seed: int, count: int) -> list[Flow]:
    """``count`` IPv6 flows over ``network``: between ENIs' IPv6 addresses, to and from internet
    hosts (documentation and real global prefixes), to AWS's IPv6 services; tcp and udp on the
    ports rules open, ICMPv6 echo and errors. Empty when no ENI holds an IPv6 address."""
    rng = random.Random(f"flows6-{seed}")
    holders = sorted(
        (
            (eni.network_interface_id, a)
            for eni in network.network_interfaces.values()
            for a in eni.ipv6_addresses
        ),
    )
    if not holders:
        return []
    outside = ("2001:db8:5::1", "2606:4700::1111", "2a00:1450::1", "fd12::1")
    out: list[Flow] = []
    for _ in range(count):
        eni_id, address = rng.choice(holders)
        kind = rng.random()
        protocol = rng.choice((6, 6, 6, 17, 58))
        port = rng.choice((*_PORTS6, 53, 123, rng.randrange(1, 65536))) if protocol in (6, 17) else None
        icmp = rng.choice(((128, 0), (2, 0), (1, 4))) if protocol == 58 else (None, None)
        if kind < 0.4:
            _dst_eni, dst = rng.choice(holders)
            source, destination, source_eni = address, dst, eni_id
        elif kind < 0.7:
            source, destination, source_eni = rng.choice(outside), address, None
        elif kind < 0.95:
            source, destination, source_eni = address, rng.choice(outside), eni_id
        else:
            source, destination, source_eni = address, rng.choice(("fd00:ec2::253", "fd00:ec2::123")), eni_id
        out.append(
            Flow(
                protocol=protocol,
                source=source,
                destination=destination,
                destination_port=port,
                source_ports=((32768, 60999),) if rng.random() < 0.7 else ((40000, 40000),),
                icmp_type=icmp[0],
                icmp_code=icmp[1],
                source_eni=source_eni,
            )
        )
    return out
