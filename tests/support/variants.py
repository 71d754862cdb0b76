"""Generated networks with NAT instances, inter-region peerings, managed ENIs and loopback flows.

Why: the seeded generator (``vpcsim.testing``) rarely builds a working NAT instance, never an
inter-region peering, an ENI AWS manages for a service or a flow to the sender's own address;
these helpers add one of each to a generated network (deterministically, from ``rng``) so that
the property tests meet them on random networks, not only on one hand-built example.
"""

from __future__ import annotations

import random

from vpcsim.engine import Flow
from vpcsim.engine.compiled import compile_network, ip_int
from vpcsim.model import Network, Subnet

OTHER_REGION = "eu-west-1"

#: (interface type, description) of ENIs AWS creates for its services, as
#: ``describe-network-interfaces`` gives them.
MANAGED_SHAPES: tuple[tuple[str, str], ...] = (
    ("transit_gateway", "Network Interface for Transit Gateway Attachment tgw-attach-0123456789abcdef0"),
    ("interface", "ELB app/web/50dc6c495c0c9188"),
    ("network_load_balancer", "ELB net/api/725b996cb6be8fba"),
    ("vpc_endpoint", "VPC Endpoint Interface vpce-0123456789abcdef0"),
    ("interface", "VPC Endpoint Interface vpce-0fedcba9876543210"),
    ("gateway_load_balancer_endpoint", "VPC Endpoint Interface vpce-0aaaabbbbccccdddd"),
    ("lambda", "AWS Lambda VPC ENI-worker-0123abcd"),
)


def add_nat_instance(net: Network, rng: random.Random) -> str | None:
    """Turn a running one-ENI instance with a public address, in a subnet routed to an internet
    gateway, into a NAT instance: source/destination check off, its group open to its VPC, and
    another subnet of its VPC routed ``0.0.0.0/0`` to it (through a route table of its own).
    The NAT instance's ENI, or None when the network has no candidate."""
    c = compile_network(net)
    probe = ip_int("8.8.8.8")
    candidates = []
    for instance_id in sorted(net.instances):
        instance = net.instances[instance_id]
        if instance.state != "running" or len(instance.network_interface_ids) != 1:
            continue
        eni = c.enis.get(instance.network_interface_ids[0])
        if eni is None or not eni.public_of or not eni.group_ids:
            continue
        table = eni.subnet.route_table
        route = table.lookup(probe) if table is not None else None
        if route is None or route.kind != "igw" or route.blackhole is not None:
            continue
        others = sorted(
            s.subnet_id
            for s in net.subnets.values()
            if s.vpc_id == eni.vpc_id and s.subnet_id != eni.subnet.subnet_id
        )
        if others:
            candidates.append((eni.eni_id, others))
    if not candidates:
        return None
    eni_id, others = rng.choice(candidates)
    eni = net.network_interfaces[eni_id]
    eni.source_dest_check = False
    vpc = net.vpcs[eni.vpc_id]
    net.authorize_security_group_ingress(eni.groups[0], ip_protocol="-1", cidr_ipv4=vpc.cidr_block)
    client = net.subnets[rng.choice(others)]
    table = net.create_route_table(vpc)
    net.associate_route_table(table, client)
    net.create_route(table, "0.0.0.0/0", eni_id)
    net.touch()
    return eni_id


def move_a_peer_to_another_region(net: Network, rng: random.Random) -> str | None:
    """Move the accepter VPC of an active peering (and everything in it) to another region: the
    peering becomes inter-region. The peering's id, or None when there is no active peering."""
    active = sorted(p for p, pcx in net.vpc_peering_connections.items() if pcx.status == "active")
    if not active:
        return None
    pcx = net.vpc_peering_connections[rng.choice(active)]
    vpc_id = pcx.accepter.vpc_id
    pcx.accepter.region = OTHER_REGION
    for resource in net.resources():
        if resource is net.vpcs.get(vpc_id) or getattr(resource, "vpc_id", None) == vpc_id:
            resource.region = OTHER_REGION
    net.touch()
    return pcx.vpc_peering_connection_id


def add_managed_interfaces(net: Network, rng: random.Random) -> list[str]:
    """An ENI of every kind AWS manages for a service (:data:`MANAGED_SHAPES`), each in a random
    subnet; a load balancer node or an endpoint gets its VPC's default group (they have groups),
    and one internet-facing node a public address. Their ids."""
    made: list[str] = []
    subnets: list[Subnet] = sorted(net.subnets.values(), key=lambda s: s.subnet_id)
    for interface_type, description in MANAGED_SHAPES:
        subnet = rng.choice(subnets)
        grouped = interface_type in ("interface", "vpc_endpoint")
        default = net.default_security_group(subnet.vpc_id)
        groups = [default.group_id] if grouped and default is not None else []
        try:
            eni = net.create_network_interface(
                subnet, groups=groups, interface_type=interface_type, description=description
            )
        except ValueError:
            continue  # the subnet is full
        if interface_type == "network_load_balancer":
            eni.private_ip_addresses[0].public_ip = net.next_public_ip()
        made.append(eni.network_interface_id)
    net.touch()
    return made


def self_flows(net: Network, rng: random.Random, count: int) -> list[Flow]:
    """Flows from an ENI to one of its own addresses (the same one or another)."""
    enis = sorted(e for e, eni in net.network_interfaces.items() if eni.interface_type == "interface")
    flows: list[Flow] = []
    for _ in range(count if enis else 0):
        eni = net.network_interfaces[rng.choice(enis)]
        addresses = [a.private_ip_address for a in eni.private_ip_addresses]
        protocol = rng.choice((6, 17, 1, 47))
        source, destination = rng.choice(addresses), rng.choice(addresses)
        if protocol in (6, 17):
            flow = Flow(
                protocol=protocol,
                source=source,
                destination=destination,
                destination_port=rng.choice((22, 53, 443, 8080)),
                source_ports=((40000, 40000),),
                source_eni=eni.network_interface_id,
            )
        elif protocol == 1:
            flow = Flow(
                protocol=1,
                source=source,
                destination=destination,
                icmp_type=rng.choice((8, 3, 0)),
                icmp_code=0,
                source_eni=eni.network_interface_id,
            )
        else:
            flow = Flow(
                protocol=protocol, source=source, destination=destination, source_eni=eni.network_interface_id
            )
        flows.append(flow)
    return flows
