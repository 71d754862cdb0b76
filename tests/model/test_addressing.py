"""AWS's addressing facts, each asserted once: integers, special ranges, reserved addresses, the
allocator, route-target kinds and which route table / network ACL a subnet uses."""

from __future__ import annotations

import random
from ipaddress import IPv4Address, IPv4Network

import pytest

from vpcsim.model import Network, NetworkAcl, RouteTable, Subnet
from vpcsim.model.addressing import (
    LINK_LOCAL,
    NOT_INTERNET,
    NOT_INTERNET_BLOCKS,
    RFC1918,
    RFC6598,
    ROUTE_TARGET_FIELDS,
    SubnetAddresses,
    cidr_int,
    field_collection,
    gateway_collection,
    ip_int,
    ip_str,
    is_internet_routable,
    is_rfc1918_or_6598,
    is_rfc6598,
    is_v6,
    last_address,
    network_acl_of_subnet,
    network_acls_of_subnets,
    prefix_length,
    reserved_address_reason,
    reserved_addresses,
    rfc1918_range_of,
    route_table_of_subnet,
    route_tables_of_subnets,
    route_target_field,
    route_target_kind,
    router_address,
)
from vpcsim.model.resources import Route

# ---------------------------------------------------------------------------------- integers


def test_addresses_and_blocks_as_integers() -> None:
    assert ip_int("10.0.1.5") == 0x0A000105
    assert ip_str(0x0A000105) == "10.0.1.5"
    assert ip_str(ip_int("255.255.255.255")) == "255.255.255.255"
    assert cidr_int("10.0.1.0/24") == (0x0A000100, 0xFFFFFF00, 24)
    assert cidr_int("10.0.1.77/24") == (0x0A000100, 0xFFFFFF00, 24)  # host bits dropped
    assert last_address(*cidr_int("10.0.1.0/28")[:2]) == ip_int("10.0.1.15")


@pytest.mark.parametrize("text", ["10.0.0", "10.0.0.256", "010.0.0.1", " 10.0.0.1"])
def test_ip_int_refuses_what_is_not_a_dotted_quad(text: str) -> None:
    with pytest.raises(ValueError, match="is not an IPv4 address"):
        ip_int(text)


@pytest.mark.parametrize("text", ["1::2::3", "2600:1f18::g", ":::1", "2600:1f18::10 "])
def test_ip_int_refuses_what_is_not_an_ipv6_address(text: str) -> None:
    with pytest.raises(ValueError, match="is not an IPv6 address"):
        ip_int(text)


def test_ipv6_addresses_and_blocks_never_meet_ipv4_ones() -> None:
    """IPv6 integers carry V6_FLAG: above every IPv4 integer, and an IPv6 block's mask keeps
    IPv4 addresses out (``::/0`` does not cover 0.0.0.0/0)."""
    six = ip_int("2600:1f18::10")
    assert is_v6(six) and not is_v6(ip_int("255.255.255.255"))
    assert ip_str(six) == "2600:1f18::10"
    assert ip_str(ip_int("::1")) == "::1" and ip_int("::1") != 1
    net, mask, length = cidr_int("::/0")
    assert length == 0 and prefix_length(mask) == 0
    assert ip_int("10.0.0.1") & mask != net  # an IPv4 address is outside ::/0
    assert six & mask == net
    net, mask, length = cidr_int("2600:1f18::/56")
    assert (length, prefix_length(mask)) == (56, 56)
    assert last_address(net, mask) == ip_int("2600:1f18:0:ff:ffff:ffff:ffff:ffff")
    assert ip_int("2600:1f18:0:ff::1") & mask == net and ip_int("2600:1f18:0:100::1") & mask != net
    assert is_internet_routable(ip_int("2001:db8::1")) and is_internet_routable(six)
    assert not any(is_internet_routable(ip_int(a)) for a in ("fd00:ec2::253", "fe80::1", "ff02::1", "::1"))
    assert not is_rfc1918_or_6598(ip_int("::a00:1")) and not is_rfc6598(ip_int("::6440:1"))


# ---------------------------------------------------------------------------------- special ranges


@pytest.mark.parametrize(
    ("address", "internet"),
    [
        ("0.1.2.3", False),
        ("10.1.2.3", False),
        ("100.64.0.1", False),
        ("100.127.255.255", False),
        ("127.0.0.1", False),
        ("169.254.169.254", False),
        ("172.16.0.1", False),
        ("172.31.255.255", False),
        ("192.168.1.1", False),
        ("224.0.0.5", False),
        ("255.255.255.255", False),
        ("100.128.0.1", True),
        ("172.32.0.1", True),
        ("8.8.8.8", True),
        ("203.0.113.10", True),  # documentation ranges stand for public hosts
        ("198.51.100.7", True),
    ],
)
def test_internet_routable(address: str, internet: bool) -> None:
    assert is_internet_routable(ip_int(address)) is internet
    assert any(IPv4Address(address) in net for net in NOT_INTERNET) is not internet


def test_named_ranges_and_their_integer_forms_agree() -> None:
    assert [str(n) for n in RFC1918] == ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
    assert str(RFC6598) == "100.64.0.0/10" and str(LINK_LOCAL) == "169.254.0.0/16"
    assert tuple(cidr_int(str(n)) for n in NOT_INTERNET) == NOT_INTERNET_BLOCKS
    assert set(RFC1918) | {RFC6598, LINK_LOCAL} <= set(NOT_INTERNET)


def test_private_and_shared_ranges() -> None:
    assert is_rfc1918_or_6598(ip_int("10.9.9.9")) and is_rfc1918_or_6598(ip_int("100.100.0.1"))
    assert not is_rfc1918_or_6598(ip_int("169.254.1.1")) and not is_rfc1918_or_6598(ip_int("8.8.8.8"))
    assert is_rfc6598(ip_int("100.64.0.0")) and is_rfc6598(ip_int("100.127.255.255"))
    assert not is_rfc6598(ip_int("100.128.0.0")) and not is_rfc6598(ip_int("10.0.0.1"))
    assert rfc1918_range_of(IPv4Network("172.20.0.0/16")) == IPv4Network("172.16.0.0/12")
    assert rfc1918_range_of(IPv4Network("100.64.0.0/16")) is None


# ---------------------------------------------------------------------------------- reserved addresses


def test_reserved_addresses_of_a_28() -> None:
    net = IPv4Network("10.0.1.16/28")
    assert [str(a) for a in reserved_addresses(net)] == [
        "10.0.1.16",
        "10.0.1.17",
        "10.0.1.18",
        "10.0.1.19",
        "10.0.1.31",
    ]
    reasons = {str(a): reserved_address_reason(net, a) for a in reserved_addresses(net)}
    assert reasons == {
        "10.0.1.16": "the network address",
        "10.0.1.17": "the VPC router",
        "10.0.1.18": "reserved by AWS (DNS)",
        "10.0.1.19": "reserved by AWS",
        "10.0.1.31": "the last address (reserved by AWS)",
    }
    assert reserved_address_reason(net, IPv4Address("10.0.1.20")) is None
    assert reserved_address_reason(net, IPv4Address("10.0.1.30")) is None
    assert router_address("10.0.1.16/28") == "10.0.1.17"


# ---------------------------------------------------------------------------------- the allocator


def test_allocator_skips_reserved_and_taken_addresses() -> None:
    taken = {ip_int("10.0.1.20"), ip_int("10.0.1.21"), ip_int("10.0.1.23"), ip_int("10.0.9.9")}
    pool = SubnetAddresses("10.0.1.16/28", taken)
    assert (ip_str(pool.first), ip_str(pool.last)) == ("10.0.1.20", "10.0.1.30")
    assert pool.size == 11 and pool.free == 8  # the address of another subnet does not count
    handed = [pool.allocate() for _ in range(9)]
    assert [ip_str(ip) for ip in handed[:8] if ip is not None] == [
        "10.0.1.22",
        "10.0.1.24",
        "10.0.1.25",
        "10.0.1.26",
        "10.0.1.27",
        "10.0.1.28",
        "10.0.1.29",
        "10.0.1.30",
    ]
    assert handed[8] is None and pool.free == 0
    assert ip_int("10.0.1.30") in taken  # the shared set sees what was handed out


def test_allocator_sees_addresses_taken_after_it_was_made() -> None:
    pool = SubnetAddresses("10.0.1.0/28")
    pool.take(ip_int("10.0.1.4"))
    pool.take(ip_int("10.0.1.4"))  # twice is once
    assert pool.free == 10
    assert pool.lowest() == ip_int("10.0.1.5")
    assert pool.allocate() == ip_int("10.0.1.5")


def test_allocator_spreads_with_a_random_stream_and_never_hands_out_reserved_ones() -> None:
    pool, rng = SubnetAddresses("10.0.0.0/24"), random.Random(3)
    handed = [pool.allocate(rng) for _ in range(251)]
    assert handed[:10] != list(range(pool.first, pool.first + 10))  # spread, not the lowest
    assert {ip for ip in handed if ip is not None} == set(range(pool.first, pool.last + 1))
    assert None not in handed and len(set(handed)) == 251
    assert pool.allocate(rng) is None


def test_a_subnet_too_small_for_any_address() -> None:
    pool = SubnetAddresses("10.0.0.0/30")
    assert pool.size == 0 and pool.free == 0 and pool.allocate() is None and pool.lowest() is None


def test_network_next_private_ip_uses_the_allocator() -> None:
    net = Network()
    vpc = net.create_vpc("10.0.0.0/16")
    subnet = net.create_subnet(vpc, "10.0.5.0/28")
    net.create_network_interface(subnet, private_ip="10.0.5.4")
    assert net.next_private_ip(subnet.subnet_id) == "10.0.5.5"


# ---------------------------------------------------------------------------------- route targets


@pytest.mark.parametrize(
    ("target", "kind", "field", "collection"),
    [
        ("igw-0a1b2c3d", "igw", "gateway_id", "internet_gateways"),
        ("vgw-0a1b2c3d", "vgw", "gateway_id", "vpn_gateways"),
        ("vpce-0a1b2c3d", "vpce", "gateway_id", "vpc_endpoints"),
        ("nat-0a1b2c3d", "nat", "nat_gateway_id", "nat_gateways"),
        ("eni-0a1b2c3d", "eni", "network_interface_id", "network_interfaces"),
        ("i-0a1b2c3d", "instance", "instance_id", "instances"),
        ("pcx-0a1b2c3d", "pcx", "vpc_peering_connection_id", "vpc_peering_connections"),
        ("tgw-0a1b2c3d", "tgw", "transit_gateway_id", "transit_gateways"),
        ("eigw-0a1b2c3d", "eigw", "egress_only_internet_gateway_id", "egress_only_internet_gateways"),
    ],
)
def test_route_target_kinds(target: str, kind: str, field: str, collection: str) -> None:
    found = route_target_kind(target)
    assert found is not None
    assert (found.kind, found.field, found.collection) == (kind, field, collection)
    assert route_target_field(target) == field
    assert gateway_collection(target) == (collection if field == "gateway_id" else None)
    if field != "gateway_id":
        assert field_collection(field) == collection
    route = Route(**{field: target})
    assert route.target == target


@pytest.mark.parametrize("target", ["lgw-0a1b2c3d", "cagw-0a1b2c3d", "rtb-0a1b2c3d", "local"])
def test_what_is_not_a_route_target_kind(target: str) -> None:
    assert route_target_kind(target) is None
    assert gateway_collection(target) is None
    assert route_target_field(target) == ("gateway_id" if target == "local" else None)


def test_route_target_fields_follow_route_target_order() -> None:
    route = Route(nat_gateway_id="nat-1", egress_only_internet_gateway_id="eigw-1")
    assert next(getattr(route, f) for f in ROUTE_TARGET_FIELDS if getattr(route, f)) == route.target


# ---------------------------------------------------------------------------------- associations


def _subnet(subnet_id: str, vpc_id: str = "vpc-1") -> Subnet:
    return Subnet(subnet_id=subnet_id, vpc_id=vpc_id, cidr_block="10.0.0.0/24", availability_zone="x")


def test_a_subnet_uses_its_explicit_route_table_else_the_main_one() -> None:
    a, b, other = _subnet("subnet-a"), _subnet("subnet-b"), _subnet("subnet-c", "vpc-2")
    main = RouteTable(route_table_id="rtb-main", vpc_id="vpc-1", main=True)
    custom = RouteTable(route_table_id="rtb-custom", vpc_id="vpc-1", subnet_ids=["subnet-a"])
    tables = [custom, main]
    assert route_table_of_subnet(a, tables) is custom
    assert route_table_of_subnet(b, tables) is main
    assert route_table_of_subnet(other, tables) is None  # its VPC has no main table here
    assert route_tables_of_subnets([a, b, other], tables) == {
        "subnet-a": custom,
        "subnet-b": main,
        "subnet-c": None,
    }


def test_a_subnet_uses_its_associated_network_acl_else_the_default_one() -> None:
    a, b = _subnet("subnet-a"), _subnet("subnet-b")
    default = NetworkAcl(network_acl_id="acl-default", vpc_id="vpc-1", is_default=True)
    custom = NetworkAcl(network_acl_id="acl-custom", vpc_id="vpc-1", subnet_ids=["subnet-b"])
    acls = [default, custom]
    assert network_acl_of_subnet(a, acls) is default
    assert network_acl_of_subnet(b, acls) is custom
    assert network_acls_of_subnets([a, b], acls) == {"subnet-a": default, "subnet-b": custom}


def test_network_and_engine_use_the_same_association() -> None:
    from vpcsim.engine.compiled import compile_network

    net = Network()
    vpc = net.create_vpc("10.0.0.0/16")
    a = net.create_subnet(vpc, "10.0.1.0/24")
    b = net.create_subnet(vpc, "10.0.2.0/24")
    custom = net.create_route_table(vpc)
    net.associate_route_table(custom, a)
    main = net.main_route_table(vpc.vpc_id)
    assert main is not None
    assert net.route_table_of_subnet(a.subnet_id) is custom
    assert net.route_table_of_subnet(b.subnet_id) is main
    compiled = compile_network(net)
    table_a, table_b = compiled.subnets[a.subnet_id].route_table, compiled.subnets[b.subnet_id].route_table
    assert table_a is not None and table_a.route_table_id == custom.route_table_id
    assert table_b is not None and table_b.route_table_id == main.route_table_id


def test_managed_interfaces_by_type_then_description() -> None:
    from vpcsim.model.addressing import MANAGED_ANSWERS_UNMODELLED, MANAGED_NEVER_ANSWERS, managed_interface

    assert managed_interface("interface", "Primary network interface") is None
    assert managed_interface("efa", "") is None
    assert managed_interface("interface", "RDSNetworkInterface") is None  # RDS answers as a host
    assert managed_interface("transit_gateway", "") == ("transit gateway attachment", MANAGED_NEVER_ANSWERS)
    assert managed_interface("natGateway", "") == ("NAT gateway", MANAGED_NEVER_ANSWERS)
    assert managed_interface("interface", "ELB my-classic-lb") == (
        "load balancer",
        MANAGED_ANSWERS_UNMODELLED,
    )
    assert managed_interface("interface", "VPC Endpoint Interface vpce-1") == (
        "VPC endpoint",
        MANAGED_ANSWERS_UNMODELLED,
    )
    assert managed_interface("api_gateway_managed", "") == (
        "api_gateway_managed service",
        MANAGED_ANSWERS_UNMODELLED,
    )
