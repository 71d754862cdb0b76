"""The seeded network generator: deterministic, varied, valid, and at the advertised sizes."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest
from hypothesis import given, settings

from vpcsim.engine.flow import ICMP, LINUX_CLIENT_PORTS, TCP, UDP, Flow
from vpcsim.model import Network, Route
from vpcsim.model.addressing import route_table_of_subnet
from vpcsim.model.network import COLLECTIONS
from vpcsim.model.validate import validate
from vpcsim.testing import (
    INTERNET_CIDRS,
    PRESETS,
    FlowSampler,
    GeneratorConfig,
    generate_estate_sizes,
    generate_flows,
    generate_network,
    messy_config,
)
from vpcsim.testing.network_generator import PORT_RANGES, WELL_KNOWN_PORTS
from vpcsim.testing.strategies import flows, network_and_flows, networks

#: Seeds over which every feature must show up at least once.
VARIETY_SEEDS = range(30)
FLOWS_PER_SEED = 40
#: The estate test builds the full 50,000-ENI preset (about 2-3 s here). Should it ever get slow,
#: set this to a smaller copy, e.g. ``dataclasses.replace(PRESETS["estate"], network_interfaces=5_000)``.
ESTATE_CONFIG = PRESETS["estate"]

RFC1918 = [IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
#: Never on the internet side of an IGW (documentation ranges like 198.51.100.0/24 do stand for it).
NOT_INTERNET = [*RFC1918, *(IPv4Network(n) for n in ("100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8"))]


def is_internet(address: str) -> bool:
    return not any(IPv4Address(address) in n for n in NOT_INTERNET)


# ---------------------------------------------------------------------------------------- helpers


def snapshot(network: Network) -> dict[str, object]:
    """Every resource, by collection: dataclass equality compares every field."""
    return {name: dict(getattr(network, name)) for name in COLLECTIONS.values()}


def ipv4(text: str) -> int:
    return int(IPv4Address(text))


def own_problems(net: Network) -> list[str]:
    """Independent checks of what AWS would refuse (kept even now that ``validate`` exists)."""
    out: list[str] = []
    blocks = [(v.vpc_id, IPv4Network(b)) for v in net.vpcs.values() for b in v.cidr_blocks]
    for (va, a), (vb, b) in itertools.combinations(blocks, 2):
        if a.overlaps(b):
            out.append(f"VPC blocks overlap: {va} {a} and {vb} {b}")
    for vpc in net.vpcs.values():
        primary = IPv4Network(vpc.cidr_block)
        home = next((r for r in RFC1918 if primary.subnet_of(r)), None)
        for block in map(IPv4Network, vpc.cidr_blocks):
            if not 16 <= block.prefixlen <= 28:
                out.append(f"{vpc.vpc_id}: block {block} is not /16-/28")
            if home is not None and any(block.subnet_of(r) for r in RFC1918 if r != home):
                out.append(f"{vpc.vpc_id}: secondary {block} is in another RFC 1918 range than {primary}")
    by_vpc: dict[str, list[IPv4Network]] = {}
    for subnet in net.subnets.values():
        cidr = IPv4Network(subnet.cidr_block)
        vpc = net.vpcs[subnet.vpc_id]
        if not any(cidr.subnet_of(IPv4Network(b)) for b in vpc.cidr_blocks):
            out.append(f"{subnet.subnet_id} {cidr} outside {vpc.vpc_id}")
        if not 16 <= cidr.prefixlen <= 28:
            out.append(f"{subnet.subnet_id} {cidr} is not /16-/28")
        if not subnet.availability_zone.startswith(net.region):
            out.append(f"{subnet.subnet_id} zone {subnet.availability_zone}")
        for other in by_vpc.get(subnet.vpc_id, []):
            if cidr.overlaps(other):
                out.append(f"{subnet.subnet_id} {cidr} overlaps {other}")
        by_vpc.setdefault(subnet.vpc_id, []).append(cidr)
    # Addresses: inside the subnet, not reserved, unique per VPC; public ones unique everywhere.
    private_seen: set[tuple[str, int]] = set()
    public_seen: set[str] = set()
    for eni in net.network_interfaces.values():
        subnet = net.subnets[eni.subnet_id]
        cidr = IPv4Network(subnet.cidr_block)
        first, last = int(cidr.network_address), int(cidr.broadcast_address)
        if eni.vpc_id != subnet.vpc_id or eni.availability_zone != subnet.availability_zone:
            out.append(f"{eni.network_interface_id} VPC/AZ disagree with its subnet")
        if sum(a.primary for a in eni.private_ip_addresses) != 1:
            out.append(f"{eni.network_interface_id} needs exactly one primary address")
        for slot in eni.private_ip_addresses:
            ip = ipv4(slot.private_ip_address)
            if not first + 4 <= ip <= last - 1:
                out.append(
                    f"{eni.network_interface_id} {slot.private_ip_address} outside or reserved in {cidr}"
                )
            if (eni.vpc_id, ip) in private_seen:
                out.append(f"{slot.private_ip_address} held twice in {eni.vpc_id}")
            private_seen.add((eni.vpc_id, ip))
            if slot.public_ip:
                if slot.public_ip in public_seen or not is_internet(slot.public_ip):
                    out.append(f"public {slot.public_ip} reused or not global")
                public_seen.add(slot.public_ip)
                if slot.allocation_id is not None:
                    eip = net.addresses[slot.allocation_id]
                    if (eip.public_ip, eip.network_interface_id, eip.private_ip_address) != (
                        slot.public_ip,
                        eni.network_interface_id,
                        slot.private_ip_address,
                    ):
                        out.append(
                            f"Elastic IP {eip.allocation_id} disagrees with {eni.network_interface_id}"
                        )
        if eni.interface_type == "interface":
            if not 1 <= len(eni.groups) <= 5:
                out.append(f"{eni.network_interface_id} has {len(eni.groups)} groups")
            for group_id in eni.groups:
                if net.security_groups[group_id].vpc_id != eni.vpc_id:
                    out.append(f"{eni.network_interface_id} carries {group_id} of another VPC")
    # Instances.
    for instance in net.instances.values():
        enis = [net.network_interfaces[e] for e in instance.network_interface_ids]
        if not enis or enis[0].subnet_id != instance.subnet_id:
            out.append(f"{instance.instance_id}: primary ENI is not in the instance's subnet")
        if len({e.availability_zone for e in enis}) != 1 or len({e.vpc_id for e in enis}) != 1:
            out.append(f"{instance.instance_id}: ENIs in several zones or VPCs")
        for index, eni in enumerate(enis):
            if eni.attachment is None or (eni.attachment.instance_id, eni.attachment.device_index) != (
                instance.instance_id,
                index,
            ):
                out.append(f"{eni.network_interface_id}: attachment disagrees with {instance.instance_id}")
            if instance.state == "stopped" and any(
                a.public_ip and not a.allocation_id for a in eni.private_ip_addresses
            ):
                out.append(f"stopped {instance.instance_id} kept an auto-assigned public IPv4")
        if len(enis) > 1 and any(
            a.public_ip and not a.allocation_id for e in enis for a in e.private_ip_addresses
        ):
            out.append(f"multi-ENI {instance.instance_id} got an auto-assigned public IPv4")
    # Network ACLs: numbers unique per direction, in range, the * rules present.
    explicit_acl: Counter[str] = Counter()
    for acl in net.network_acls.values():
        explicit_acl.update(acl.subnet_ids)
        for egress in (False, True):
            numbers = [e.rule_number for e in acl.entries if e.egress == egress]
            if len(numbers) != len(set(numbers)):
                out.append(f"{acl.network_acl_id}: duplicate rule numbers (egress={egress})")
            if 32767 not in numbers or any(not 1 <= n <= 32767 for n in numbers):
                out.append(f"{acl.network_acl_id}: bad rule numbers {numbers}")
        for entry in acl.entries:
            if entry.port_range is not None and not 0 <= entry.port_range[0] <= entry.port_range[1] <= 65535:
                out.append(f"{acl.network_acl_id}: bad port range {entry.port_range}")
    # Route tables.
    explicit_rtb: Counter[str] = Counter()
    for table in net.route_tables.values():
        explicit_rtb.update(table.subnet_ids)
        vpc = net.vpcs[table.vpc_id]
        destinations = [r.destination for r in table.routes]
        if len(destinations) != len(set(destinations)):
            out.append(f"{table.route_table_id}: duplicate destinations")
        local = {r.destination for r in table.routes if r.gateway_id == "local"}
        if local != set(vpc.cidr_blocks):
            out.append(f"{table.route_table_id}: local routes {local} != blocks {vpc.cidr_blocks}")
        for route in table.routes:
            out.extend(route_problems(net, table.vpc_id, table.route_table_id, route))
    for subnet_id, count in (explicit_acl + explicit_rtb).items():
        if explicit_acl[subnet_id] > 1 or explicit_rtb[subnet_id] > 1:
            out.append(f"{subnet_id} associated {count} times")
    # Security groups.
    for group in net.security_groups.values():
        for direction, rules in (("ingress", group.ingress), ("egress", group.egress)):
            if len(rules) > 60:
                out.append(f"{group.group_id}: {len(rules)} {direction} rules")
            keys = [(r.ip_protocol, r.from_port, r.to_port, r.peer) for r in rules]
            if len(keys) != len(set(keys)):
                out.append(f"{group.group_id}: duplicate {direction} rules")
            for rule in rules:
                if rule.referenced_group_id is not None:
                    referenced = net.security_groups[rule.referenced_group_id]
                    if referenced.vpc_id != group.vpc_id and not peered(net, referenced.vpc_id, group.vpc_id):
                        out.append(f"{group.group_id} references {referenced.group_id} of an unpeered VPC")
                if rule.prefix_list_id is not None and rule.prefix_list_id not in net.prefix_lists:
                    out.append(f"{group.group_id}: unknown prefix list {rule.prefix_list_id}")
    # NAT gateways: available ones are public, with an Elastic IP, in a subnet routed to an attached IGW.
    for nat in net.nat_gateways.values():
        if nat.state != "available":
            continue
        if nat.connectivity_type != "public" or nat.allocation_id not in net.addresses:
            out.append(f"{nat.nat_gateway_id}: not public with an Elastic IP")
        if not subnet_is_public(net, nat.subnet_id):
            out.append(f"{nat.nat_gateway_id}: subnet {nat.subnet_id} has no route to an attached IGW")
    return out


def unexpected_problems(net: Network) -> list[str]:
    """``validate``'s errors, and its warnings except those about our deliberate blackhole routes."""
    out: list[str] = []
    for problem in validate(net):
        match = re.fullmatch(r"routes\[(\d+)\]\..*", problem.field)
        table = net.route_tables.get(problem.resource)
        deliberate = (
            problem.severity == "warning"
            and match is not None
            and table is not None
            and table.routes[int(match.group(1))].state == "blackhole"
        )
        if not deliberate:
            out.append(str(problem))
    return out


def route_problems(net: Network, vpc_id: str, table_id: str, route: Route) -> list[str]:
    out: list[str] = []
    if route.gateway_id and route.gateway_id.startswith("igw-"):
        igw = net.internet_gateways[route.gateway_id]
        ok = igw.attached_vpc_id == vpc_id if route.state == "active" else igw.attached_vpc_id is None
        if not ok:
            out.append(f"{table_id}: route to {igw.internet_gateway_id} in state {route.state}")
    if route.nat_gateway_id:
        nat = net.nat_gateways[route.nat_gateway_id]
        if nat.vpc_id != vpc_id or (nat.state == "available") != (route.state == "active"):
            out.append(f"{table_id}: route to {nat.nat_gateway_id} ({nat.state}) in state {route.state}")
    if route.vpc_peering_connection_id:
        pcx = net.vpc_peering_connections[route.vpc_peering_connection_id]
        if pcx.peer_of(vpc_id) is None or (pcx.status == "active") != (route.state == "active"):
            out.append(f"{table_id}: route to {pcx.id} ({pcx.status}) in state {route.state}")
    if route.network_interface_id:
        eni = net.network_interfaces[route.network_interface_id]
        if eni.vpc_id != vpc_id or eni.source_dest_check:
            out.append(f"{table_id}: route to {eni.id} of another VPC or with source/dest check on")
    if route.destination_prefix_list_id and route.destination_prefix_list_id not in net.prefix_lists:
        out.append(f"{table_id}: unknown prefix list {route.destination_prefix_list_id}")
    return out


def peered(net: Network, a: str, b: str, status: str = "active") -> bool:
    return any(
        {p.requester.vpc_id, p.accepter.vpc_id} == {a, b} and p.status == status
        for p in net.vpc_peering_connections.values()
    )


def subnet_is_public(net: Network, subnet_id: str) -> bool:
    table = net.route_table_of_subnet(subnet_id)
    assert table is not None
    return any(
        r.gateway_id
        and r.gateway_id.startswith("igw-")
        and r.state == "active"
        and net.internet_gateways[r.gateway_id].attached_vpc_id == table.vpc_id
        and r.destination == "0.0.0.0/0"
        for r in table.routes
    )


def partial_client_overlap(lo: int, hi: int) -> bool:
    client_lo, client_hi = LINUX_CLIENT_PORTS
    return lo <= client_hi and hi >= client_lo and not (lo <= client_lo and hi >= client_hi)


def network_features(net: Network) -> set[str]:
    """The features a network shows, read from the resources (not from the generator)."""
    found: set[str] = set()
    if len(net.vpcs) >= 2:
        found.add("several VPCs")
    for vpc in net.vpcs.values():
        if vpc.secondary_cidr_blocks:
            found.add("secondary block")
            blocks = [IPv4Network(b) for b in vpc.secondary_cidr_blocks]
            if any(IPv4Network(s.cidr_block).subnet_of(b) for s in net.subnets.values() for b in blocks):
                found.add("subnet in a secondary block")
        zones = {s.availability_zone for s in net.subnets.values() if s.vpc_id == vpc.vpc_id}
        if len(zones) >= 2:
            found.add("subnets in several AZs")
    for table in net.route_tables.values():
        for route in table.routes:
            if route.gateway_id and route.gateway_id.startswith("igw-"):
                igw = net.internet_gateways[route.gateway_id]
                if igw.attached_vpc_id == table.vpc_id and not table.main:
                    found.add("custom table route to attached IGW")
                if igw.attached_vpc_id is None and route.state == "blackhole":
                    found.add("blackhole: detached IGW")
            if route.nat_gateway_id:
                nat = net.nat_gateways[route.nat_gateway_id]
                if nat.state == "available" and nat.public_ip and subnet_is_public(net, nat.subnet_id):
                    found.add("route to public NAT gateway in a public subnet")
                if nat.state == "deleted" and route.state == "blackhole":
                    found.add("blackhole: deleted NAT gateway")
            if route.vpc_peering_connection_id:
                status = net.vpc_peering_connections[route.vpc_peering_connection_id].status
                found.add("route to active peering" if status == "active" else "route to pending peering")
            if route.destination_prefix_list_id:
                found.add("prefix-list route")
            if route.network_interface_id:
                found.add("route to an appliance ENI")
    for pcx in net.vpc_peering_connections.values():
        sides = {
            table.vpc_id
            for table in net.route_tables.values()
            for route in table.routes
            if route.vpc_peering_connection_id == pcx.vpc_peering_connection_id
        }
        if pcx.status == "active" and len(sides) == 1:
            found.add("active peering routed on one side only")
    subnets = {s.subnet_id: IPv4Network(s.cidr_block) for s in net.subnets.values()}
    for acl in net.network_acls.values():
        if acl.is_default:
            continue
        found.add("custom NACL")
        for entry in acl.entries:
            if entry.rule_number == 32767:
                continue
            found.add(f"NACL {entry.rule_action}")
            if entry.protocol == "1":
                found.add("NACL icmp entry")
            if entry.port_range is not None and partial_client_overlap(*entry.port_range):
                found.add("NACL range partly over the client ports")
            cidr = IPv4Network(entry.cidr_block or "0.0.0.0/0")
            if any(cidr != s and cidr.subnet_of(s) for s in subnets.values()):
                found.add("NACL rule on a sub-CIDR of a subnet")
    for group in net.security_groups.values():
        if group.group_name == "default":
            continue
        if not group.egress:
            found.add("group with no egress rules")
        for rule in (*group.ingress, *group.egress):
            if rule.cidr_ipv4:
                found.add("SG CIDR rule")
            if rule.prefix_list_id:
                found.add("SG prefix-list rule")
            if rule.referenced_group_id == group.group_id:
                found.add("SG self reference")
            elif rule.referenced_group_id:
                other = net.security_groups[rule.referenced_group_id]
                found.add(
                    "SG reference, same VPC" if other.vpc_id == group.vpc_id else "SG reference, peered VPC"
                )
            if (
                rule.ip_protocol in ("tcp", "udp")
                and rule.from_port is not None
                and rule.from_port < (rule.to_port or 0)
            ):
                found.add("SG port range")
            if rule.ip_protocol == "icmp":
                found.add("SG icmp rule")
    for eni in net.network_interfaces.values():
        if eni.interface_type != "interface":
            continue
        slots = eni.private_ip_addresses
        found.add("ENI with public IP" if slots[0].public_ip else "ENI without public IP")
        if slots[0].public_ip and not slots[0].allocation_id:
            found.add("auto-assigned public IP")
        if any(a.allocation_id for a in slots):
            found.add("Elastic IP")
        if len(slots) > 1:
            found.add("secondary private IPs")
        if any(a.allocation_id for a in slots[1:]):
            found.add("Elastic IP on a secondary address")
        if not eni.source_dest_check:
            found.add("source/dest check disabled")
    for instance in net.instances.values():
        if instance.state == "stopped":
            found.add("stopped instance")
        subnets_of = {net.network_interfaces[e].subnet_id for e in instance.network_interface_ids}
        if len(subnets_of) > 1:
            found.add("dual-homed instance (two subnets, one AZ)")
    return found


def flow_features(net: Network, flow: Flow) -> set[str]:
    found: set[str] = set()
    found.add({TCP: "tcp", UDP: "udp", ICMP: "icmp"}.get(flow.protocol, "other protocol"))
    if flow.has_ports:
        found.add("pinned source port" if flow.pinned else "client port range")
        if flow.pinned:
            port = flow.source_ports[0][0]
            ranges = [e.port_range for a in net.network_acls.values() for e in a.entries if e.port_range]
            if any(port in (lo - 1, lo, hi, hi + 1) for lo, hi in ranges):
                found.add("pinned source port on a NACL range edge")
        assert flow.destination_port is not None
        port = flow.destination_port
        rules = [r for g in net.security_groups.values() for r in (*g.ingress, *g.egress)]
        if any(
            r.ip_protocol in ("tcp", "udp")
            and r.from_port is not None
            and r.to_port is not None
            and port in (r.from_port - 1, r.to_port + 1)
            for r in rules
        ):
            found.add("destination port one off a rule's range")
    owners = net.owners_of_private_ip(flow.destination)
    public_owner = net.owner_of_public_ip(flow.destination)
    if flow.source_eni is None:
        if public_owner is not None:
            found.add("internet -> public IP")
        elif owners:
            found.add("internet -> private address")
        return found
    src = net.network_interfaces[flow.source_eni]
    if flow.source != src.private_ip_address:
        found.add("sent from a secondary address")
    dst = next((o for o in owners if o.vpc_id == src.vpc_id), owners[0] if owners else None)
    if dst is not None:
        if dst.subnet_id == src.subnet_id:
            found.add("same subnet")
        elif dst.vpc_id == src.vpc_id:
            found.add("across subnets")
        elif peered(net, src.vpc_id, dst.vpc_id):
            found.add("across peered VPCs")
        else:
            found.add("across unpeered VPCs")
    elif is_internet(flow.destination):
        found.add("to the internet")
    elif any(IPv4Address(flow.destination) in IPv4Network(s.cidr_block) for s in net.subnets.values()):
        found.add("to an unassigned address")
    return found


# ---------------------------------------------------------------------------------------- tests


def test_same_seed_gives_the_identical_network_and_flows() -> None:
    a, b = generate_network(7, PRESETS["small"]), generate_network(7, PRESETS["small"])
    assert snapshot(a) == snapshot(b)
    assert generate_flows(a, 3, 50) == generate_flows(b, 3, 50)
    assert snapshot(generate_network(7)) == snapshot(generate_network(7, GeneratorConfig()))


def test_different_seeds_give_different_networks_and_ids() -> None:
    a, b = generate_network(1, PRESETS["small"]), generate_network(2, PRESETS["small"])
    assert snapshot(a) != snapshot(b)
    assert not set(a.vpcs) & set(b.vpcs)
    net = generate_network(1, PRESETS["small"])
    assert generate_flows(net, 1, 30) != generate_flows(net, 2, 30)


def test_fewer_flows_are_a_prefix_of_more() -> None:
    net = generate_network(5, PRESETS["small"])
    assert generate_flows(net, 9, 40)[:10] == generate_flows(net, 9, 10)


@pytest.mark.parametrize("preset", ["small", "default"])
def test_generated_networks_are_valid(preset: str) -> None:
    config = PRESETS["small"] if preset == "small" else GeneratorConfig()
    for seed in VARIETY_SEEDS:
        net = generate_network(seed, config)
        assert own_problems(net) == [], seed
        assert unexpected_problems(net) == [], seed


def test_small_preset_has_two_or_three_vpcs() -> None:
    counts = {len(generate_network(seed, PRESETS["small"]).vpcs) for seed in VARIETY_SEEDS}
    assert counts == {2, 3}


EXPECTED_NETWORK_FEATURES = {
    "several VPCs",
    "secondary block",
    "subnet in a secondary block",
    "subnets in several AZs",
    "custom table route to attached IGW",
    "route to public NAT gateway in a public subnet",
    "route to active peering",
    "route to pending peering",
    "active peering routed on one side only",
    "blackhole: deleted NAT gateway",
    "blackhole: detached IGW",
    "prefix-list route",
    "route to an appliance ENI",
    "custom NACL",
    "NACL allow",
    "NACL deny",
    "NACL icmp entry",
    "NACL range partly over the client ports",
    "NACL rule on a sub-CIDR of a subnet",
    "group with no egress rules",
    "SG CIDR rule",
    "SG prefix-list rule",
    "SG self reference",
    "SG reference, same VPC",
    "SG reference, peered VPC",
    "SG port range",
    "SG icmp rule",
    "ENI with public IP",
    "ENI without public IP",
    "auto-assigned public IP",
    "Elastic IP",
    "Elastic IP on a secondary address",
    "secondary private IPs",
    "source/dest check disabled",
    "stopped instance",
    "dual-homed instance (two subnets, one AZ)",
}

EXPECTED_FLOW_FEATURES = {
    "tcp",
    "udp",
    "icmp",
    "other protocol",
    "pinned source port",
    "client port range",
    "pinned source port on a NACL range edge",
    "destination port one off a rule's range",
    "internet -> public IP",
    "internet -> private address",
    "sent from a secondary address",
    "same subnet",
    "across subnets",
    "across peered VPCs",
    "across unpeered VPCs",
    "to the internet",
    "to an unassigned address",
}


def test_every_feature_appears_over_thirty_seeds() -> None:
    seen: set[str] = set()
    seen_flows: set[str] = set()
    for seed in VARIETY_SEEDS:
        net = generate_network(seed, PRESETS["small"])
        seen |= network_features(net)
        for flow in generate_flows(net, seed, FLOWS_PER_SEED):
            seen_flows |= flow_features(net, flow)
    assert EXPECTED_NETWORK_FEATURES - seen == set()
    assert EXPECTED_FLOW_FEATURES - seen_flows == set()


def test_flows_are_well_formed() -> None:
    for seed in range(10):
        net = generate_network(seed, PRESETS["small"])
        for flow in generate_flows(net, seed, FLOWS_PER_SEED, pinned_ratio=0.5):
            assert 0 <= flow.protocol <= 255
            if flow.source_eni is not None:
                eni = net.network_interfaces[flow.source_eni]
                assert eni.interface_type == "interface"
                assert flow.source in {a.private_ip_address for a in eni.private_ip_addresses}
            else:
                assert is_internet(flow.source)
                assert IPv4Address(flow.source) not in IPv4Network("3.0.0.0/8")  # the pool of our public IPs
            if flow.has_ports:
                assert flow.destination_port is not None and 1 <= flow.destination_port <= 65535
                assert all(1 <= lo <= hi <= 65535 for lo, hi in flow.source_ports)
            else:
                assert flow.destination_port is None


def test_pinned_ratio_controls_pinned_source_ports() -> None:
    net = generate_network(3, PRESETS["small"])
    none = [f for f in generate_flows(net, 1, 100, pinned_ratio=0.0) if f.has_ports]
    every = [f for f in generate_flows(net, 1, 100, pinned_ratio=1.0) if f.has_ports]
    assert none and all(f.source_ports == (LINUX_CLIENT_PORTS,) for f in none)
    assert every and all(f.pinned for f in every)
    with pytest.raises(ValueError, match="pinned_ratio"):
        generate_flows(net, 1, 1, pinned_ratio=1.5)


def test_internet_hosts_fall_in_the_internet_ranges_rules_name() -> None:
    net = generate_network(4, PRESETS["small"])
    sampler = FlowSampler(net)
    assert "8.8.8.8" in sampler.internet_hosts
    for cidr in INTERNET_CIDRS:
        assert any(IPv4Address(h) in IPv4Network(cidr) for h in sampler.internet_hosts), cidr


def test_bench_preset_has_the_exact_advertised_counts() -> None:
    net = generate_network(11, PRESETS["bench"])
    sizes = generate_estate_sizes(net)
    assert sizes["network_interfaces"] == len(net.network_interfaces) == 1_000
    custom = [g for g in net.security_groups.values() if g.group_name != "default"]
    assert len(custom) == 200
    assert {len(g.ingress) + len(g.egress) for g in custom} == {20}
    assert sizes["security_groups"] == 200 + len(net.vpcs)
    assert sizes["vpcs"] == 10 and sizes["subnets"] == 40
    assert sizes["instances"] == len(net.instances) < 1_000  # some instances are dual-homed
    assert sizes["security_group_rules"] == 200 * 20 + 2 * len(net.vpcs)
    assert own_problems(net) == []
    assert unexpected_problems(net) == []


def test_estate_preset_builds() -> None:
    net = generate_network(0, ESTATE_CONFIG)
    sizes = generate_estate_sizes(net)
    assert sizes["network_interfaces"] == ESTATE_CONFIG.network_interfaces
    assert sizes["vpcs"] == ESTATE_CONFIG.vpcs
    assert sizes["security_groups"] == ESTATE_CONFIG.security_groups + ESTATE_CONFIG.vpcs
    held: set[tuple[str, str]] = set()
    for eni in net.network_interfaces.values():
        for slot in eni.private_ip_addresses:
            held.add((eni.vpc_id, slot.private_ip_address))
    assert len(held) == sizes["private_ip_addresses"]  # no address held twice in a VPC
    flows_ = generate_flows(net, 0, 200)
    assert len(flows_) == 200 and all(
        f.source_eni is None or f.source_eni in net.network_interfaces for f in flows_
    )


def test_estate_sizes_count_what_is_there() -> None:
    net = generate_network(2, PRESETS["small"])
    sizes = generate_estate_sizes(net)
    assert sizes["vpcs"] == len(net.vpcs)
    assert sizes["routes"] == sum(len(t.routes) for t in net.route_tables.values())
    assert sizes["elastic_ips"] == len(net.addresses)
    assert sizes["public_ip_addresses"] == sum(
        1 for e in net.network_interfaces.values() for a in e.private_ip_addresses if a.public_ip
    )


def test_config_exact_counts_without_network_interface_target() -> None:
    config = GeneratorConfig(vpcs=2, instances=5, security_groups=3, rules_per_group=7, multi_eni_ratio=0.0)
    net = generate_network(1, config)
    assert len(net.vpcs) == 2 and len(net.instances) == 5
    custom = [g for g in net.security_groups.values() if g.group_name != "default"]
    assert len(custom) == 3 and all(len(g.ingress) + len(g.egress) == 7 for g in custom)
    for acl in net.network_acls.values():
        if not acl.is_default:
            assert len(acl.entries) == 2 * config.nacl_rules + 2


def test_features_can_be_switched_off() -> None:
    config = GeneratorConfig(
        vpcs=3,
        peering=False,
        nat_gateways=False,
        blackhole_routes=False,
        prefix_lists=False,
        appliance_routes=False,
        public_ip_ratio=0.0,
        stopped_ratio=0.0,
    )
    for seed in range(5):
        net = generate_network(seed, config)
        assert not net.vpc_peering_connections and not net.nat_gateways and not net.prefix_lists
        assert all(r.state == "active" for t in net.route_tables.values() for r in t.routes)
        assert all(i.state == "running" for i in net.instances.values())
        assert own_problems(net) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"vpcs": 0}, "vpcs must be at least 1"),
        ({"public_ip_ratio": 1.5}, "public_ip_ratio must lie in 0..1"),
        ({"min_vpcs": 5, "vpcs": 3}, "min_vpcs"),
        ({"rules_per_group": 121}, "60 inbound"),
        ({"network_interfaces": 0}, "network_interfaces"),
    ],
)
def test_bad_configs_are_refused_with_the_field_named(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GeneratorConfig(**changes)  # type: ignore[arg-type]


def test_too_few_network_interfaces_for_the_nat_gateways_is_refused() -> None:
    with pytest.raises(ValueError, match="network_interfaces"):
        generate_network(0, GeneratorConfig(vpcs=10, network_interfaces=1, nat_gateways=True))


def test_generate_module_does_not_import_hypothesis() -> None:
    import vpcsim.testing as package
    from vpcsim.testing import flow_sampler, network_generator

    for module in (package, network_generator, flow_sampler):
        assert module.__file__ is not None
        assert "hypothesis" not in Path(module.__file__).read_text(encoding="utf-8")


@settings(max_examples=10)
@given(network_and_flows(max_flows=5))
def test_network_and_flows_strategy(pair: tuple[Network, list[Flow]]) -> None:
    net, flows_ = pair
    assert 1 <= len(flows_) <= 5
    assert 2 <= len(net.vpcs) <= 3
    assert own_problems(net) == []
    for flow in flows_:
        assert flow.source_eni is None or flow.source_eni in net.network_interfaces


@settings(max_examples=5)
@given(networks(GeneratorConfig(vpcs=1, instances=3)))
def test_networks_strategy_honours_the_config(net: Network) -> None:
    assert len(net.vpcs) == 1 and len(net.instances) == 3


def test_flows_strategy_draws_flows_of_the_network() -> None:
    net = generate_network(8, PRESETS["small"])

    @settings(max_examples=10)
    @given(flows(net))
    def check(flow: Flow) -> None:
        assert flow.source_eni is None or flow.source_eni in net.network_interfaces

    check()


def test_flows_need_instance_network_interfaces() -> None:
    net = generate_network(0, GeneratorConfig(instances=0, nat_gateways=False))
    assert not net.instances
    with pytest.raises(ValueError, match="no instance network interfaces"):
        generate_flows(net, 0, 1)


def test_an_estate_too_big_for_its_vpc_blocks_is_refused() -> None:
    with pytest.raises(ValueError, match="add VPCs or lower subnets_per_vpc"):
        generate_network(0, GeneratorConfig(vpcs=1, subnets_per_vpc=16, network_interfaces=20_000))


# ---------------------------------------------------------------------------------------- messy preset


def test_messy_preset_has_the_distributions_of_real_accounts() -> None:
    """The ``messy`` preset at 5,000 ENIs: 260 custom groups of 3-30 inbound rules, a fifth of
    TCP/UDP rules on random ranges, a third of peers groups and a tenth prefix lists, 1-3 custom
    groups per ENI, custom ACLs on about 40% of private subnets; valid, and the same for a seed."""
    config = messy_config(5_000)
    net = generate_network(5, config)
    assert [p for p in validate(net) if p.severity == "error"] == []
    assert len(net.network_interfaces) == 5_000
    custom = [g for g in net.security_groups.values() if g.group_name != "default"]
    assert len(custom) == 260
    assert all(3 <= len(g.ingress) <= 30 for g in custom)
    assert all(len(g.egress) <= 3 for g in custom)
    rules = [r for g in custom for r in (*g.ingress, *g.egress)]
    ported = [r for r in rules if r.ip_protocol in ("tcp", "udp")]
    known = {(lo, hi) for lo, hi in PORT_RANGES} | {(p, p) for p in WELL_KNOWN_PORTS}
    drawn = sum((r.from_port, r.to_port) not in known for r in ported) / len(ported)
    assert 0.14 <= drawn <= 0.26
    assert all(
        r.to_port - r.from_port < 2_000 or r.to_port == 65535
        for r in ported
        if (r.from_port, r.to_port) not in known
    )
    groups = sum(r.referenced_group_id is not None for r in rules) / len(rules)
    lists = sum(r.prefix_list_id is not None for r in rules) / len(rules)
    assert 0.27 <= groups <= 0.4
    assert 0.06 <= lists <= 0.14
    for eni in net.network_interfaces.values():
        if eni.attachment is not None and eni.attachment.instance_id:
            own = [g for g in eni.groups if net.security_groups[g].group_name != "default"]
            assert 1 <= len(own) <= 3

    def public(subnet: object) -> bool:
        table = route_table_of_subnet(subnet, net.route_tables.values())  # type: ignore[arg-type]
        return table is not None and any((r.gateway_id or "").startswith("igw-") for r in table.routes)

    private = [s for s in net.subnets.values() if not public(s)]
    custom_acl = {i for acl in net.network_acls.values() if not acl.is_default for i in acl.subnet_ids}
    share = sum(s.subnet_id in custom_acl for s in private) / len(private)
    assert 0.2 <= share <= 0.6
    assert snapshot(generate_network(5, config)) == snapshot(net)


def test_messy_config_scales_with_the_enis() -> None:
    for enis in (10_000, 50_000, 200_000):
        config = messy_config(enis)
        assert config.network_interfaces == enis
        assert config.security_groups == round(enis * 2_600 / 50_000)
        assert config.vpcs == enis // 1_000
    assert PRESETS["messy"] == messy_config(50_000)


def test_transit_small_peers_a_second_gateway_and_gives_attachment_subnets_their_own_acls() -> None:
    """``transit-small``: in some networks one VPC sits behind a second gateway peered with the
    first (associated on both sides, static routes each way); some attachment subnets have a
    network ACL of their own. The knobs draw from a stream of their own: ``small`` is unchanged."""
    peered = own_acl = 0
    for seed in range(12):
        net = generate_network(seed, PRESETS["transit-small"])
        assert [p for p in validate(net) if p.severity == "error"] == []
        peerings = [a for a in net.transit_gateway_attachments.values() if a.resource_type == "peering"]
        if peerings:
            peered += 1
            (peering,) = peerings
            assert len(net.transit_gateways) == 2
            for table in net.transit_gateway_route_tables.values():
                assert all(
                    r.transit_gateway_attachment_id == peering.transit_gateway_attachment_id
                    for r in table.routes
                    if r.transit_gateway_attachment_id
                    and net.transit_gateway_attachments[r.transit_gateway_attachment_id].transit_gateway_id
                    != table.transit_gateway_id
                ), "a static route to an attachment of another gateway"
        for attachment in net.transit_gateway_attachments.values():
            for subnet_id in attachment.subnet_ids:
                acl = net.network_acl_of_subnet(subnet_id)
                own_acl += acl is not None and (acl.name or "").endswith("-tgw-acl")
    assert 3 <= peered <= 10 and own_acl >= 3, (peered, own_acl)
    assert not generate_network(0, PRESETS["small"]).transit_gateways
