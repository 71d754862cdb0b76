"""Sharding an estate (``vpcsim.analysis.shards``): which VPCs stay together, what a shard holds,
and that the shards' merged answers are exactly the single-process ones."""

from __future__ import annotations

from dataclasses import replace

import pytest
from tests.support.builders import public_ip, security_group, two_vpcs

from vpcsim.analysis.exposure import exposure
from vpcsim.analysis.matrix import BY_CHOICES, Cell, MatrixResult, matrix
from vpcsim.analysis.shards import (
    components,
    exposure_shard,
    matrix_shard,
    merge_exposure,
    merge_matrix,
    plan,
    public_addresses,
    sub_network,
)
from vpcsim.model import Network
from vpcsim.model.resources import TransitGateway
from vpcsim.testing.network_generator import PRESETS, generate_network


def _single_and_sharded(net: Network, parts: int) -> None:
    shards = plan(net, parts)
    public = public_addresses(net)
    single = exposure(net)
    sharded = merge_exposure(net, [exposure_shard(s.network, public=public) for s in shards])
    assert sharded == single
    assert sharded.to_dict() == single.to_dict()
    for by in BY_CHOICES:
        m = matrix(net, by)
        merged = merge_matrix(by, [matrix_shard(s.network, by) for s in shards], net)
        assert merged.to_dict() == m.to_dict()
        assert merged.to_csv() == m.to_csv()


@pytest.mark.parametrize("seed", range(4))
def test_merged_shards_equal_the_single_process_over_ipv6(seed: int) -> None:
    """Dual-stack: the shards' IPv4 cells and the IPv6 cells computed at the merge (over IPv6 the
    internet joins VPCs that no peering does) are the single-process matrix."""
    config = replace(PRESETS["dual-stack-small"], vpcs=4, min_vpcs=3)
    net = generate_network(seed, config)
    _single_and_sharded(net, 2 + seed % 2)


@pytest.mark.parametrize("seed", range(12))
def test_merged_shards_equal_the_single_process(seed: int) -> None:
    # 3-5 VPCs, peered (some parts) or not (every VPC a part of its own).
    config = replace(PRESETS["small"], vpcs=5, min_vpcs=3, peering=seed % 3 == 0)
    net = generate_network(seed, config)
    if seed % 3:
        assert len(components(net)) == len(net.vpcs)
    _single_and_sharded(net, 1 + seed % 4)


def test_every_vpc_in_exactly_one_shard_balanced_by_enis() -> None:
    net = generate_network(7, replace(PRESETS["small"], vpcs=5, min_vpcs=5, peering=False))
    shards = plan(net, 2)
    assert len(shards) == 2
    assert sorted(v for s in shards for v in s.vpc_ids) == sorted(net.vpcs)
    assert sum(s.enis for s in shards) == len(net.network_interfaces)
    for shard in shards:
        # A shard's sub-network holds its own VPCs' resources, not the estate's.
        assert set(shard.network.vpcs) == set(shard.vpc_ids)
        assert {e.vpc_id for e in shard.network.network_interfaces.values()} <= set(shard.vpc_ids)
        assert {g.vpc_id for g in shard.network.security_groups.values()} <= set(shard.vpc_ids)
    # More parts than components: one shard per component.
    assert len(plan(net, 50)) == 5
    with pytest.raises(ValueError, match="at least 1"):
        plan(net, 0)


def test_peering_joins_vpcs_and_no_link_keeps_them_apart() -> None:
    peered = two_vpcs()
    assert components(peered.net) == [tuple(sorted((peered.vpc_a.vpc_id, peered.vpc_b.vpc_id)))]
    apart = two_vpcs(peering=False)
    assert len(components(apart.net)) == 2
    _single_and_sharded(peered.net, 2)
    _single_and_sharded(apart.net, 2)


def test_a_group_reference_across_vpcs_joins_them() -> None:
    s = two_vpcs(peering=False)
    group_b = s.net.security_groups[s.net.network_interfaces[s.b.network_interface_ids[0]].groups[0]]
    security_group(
        s.net,
        s.vpc_a,
        "refers-to-b",
        ingress=[
            {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "referenced_group_id": group_b.group_id}
        ],
    )
    assert len(components(s.net)) == 1


@pytest.mark.parametrize(
    ("destination", "joined"), [("10.1.0.0/16", True), ("10.1.1.0/28", True), ("192.168.0.0/16", False)]
)
def test_a_route_leaving_the_model_joins_the_vpcs_it_may_reach(destination: str, joined: bool) -> None:
    s = two_vpcs(peering=False)
    vgw = s.net.create_vpn_gateway(s.vpc_a)
    s.net.create_route(s.rt_a, destination, vgw.vpn_gateway_id)
    assert len(components(s.net)) == (1 if joined else 2)
    _single_and_sharded(s.net, 2)
    if joined:
        # What lies beyond the gateway is unknown: the single process says so for A -> B, and
        # so must the shards (they would lose the cell if A and B were apart).
        cell = matrix(s.net, "subnet").cells[0]
        assert cell.unknown and not cell.allowed


def test_a_transit_gateway_joins_its_attached_vpcs() -> None:
    s = two_vpcs(peering=False)
    s.net.add(
        TransitGateway(transit_gateway_id="tgw-0123456789abcdef0", vpc_ids=[s.vpc_a.vpc_id, s.vpc_b.vpc_id])
    )
    assert len(components(s.net)) == 1


def test_transit_gateway_attachments_join_their_vpcs_and_shards_keep_the_gateway() -> None:
    net = generate_network(3, replace(PRESETS["transit-small"], vpcs=5, min_vpcs=5, peering=False))
    attached = {a.resource_id for a in net.transit_gateway_attachments.values() if a.resource_type == "vpc"}
    assert len(attached) > 1
    parts = components(net)
    assert any(attached <= set(part) for part in parts)
    for shard in plan(net, 3):
        if attached & set(shard.vpc_ids):
            assert shard.network.transit_gateways and shard.network.transit_gateway_route_tables
    _single_and_sharded(net, 3)


def test_a_transit_gateway_goes_with_its_vpcs_to_their_shard() -> None:
    """The attached VPCs are not the largest part: their shard is not the first, and still holds
    the gateway, its attachments and tables (else traces through it would answer unknown)."""
    from tests.support.transit import hub

    h = hub()
    big = h.net.create_vpc("172.16.0.0/16", name="big")
    subnet = h.net.create_subnet(big, "172.16.1.0/24")
    for _ in range(9):
        h.net.run_instance(subnet)
    shards = plan(h.net, 2)
    attached = {h.a.vpc.vpc_id, h.b.vpc.vpc_id, h.c.vpc.vpc_id}
    tgw_shard = next(s for s in shards if attached & set(s.vpc_ids))
    assert tgw_shard is not shards[0] and set(tgw_shard.vpc_ids) == attached
    assert set(tgw_shard.network.transit_gateway_attachments) == set(h.net.transit_gateway_attachments)
    _single_and_sharded(h.net, 2)


@pytest.mark.parametrize("seed", range(4))
def test_merged_shards_equal_the_single_process_with_transit_gateways(seed: int) -> None:
    net = generate_network(seed, replace(PRESETS["transit-small"], vpcs=5, min_vpcs=3, peering=False))
    _single_and_sharded(net, 1 + seed % 3)


def test_prefix_lists_are_copied_to_the_shards_naming_them() -> None:
    s = two_vpcs(peering=False)
    plist = s.net.create_managed_prefix_list("office", ["198.51.100.0/24"])
    security_group(
        s.net,
        s.vpc_a,
        "office",
        ingress=[
            {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "prefix_list_id": plist.prefix_list_id}
        ],
    )
    assert len(components(s.net)) == 2
    only_a = sub_network(s.net, [s.vpc_a.vpc_id])
    only_b = sub_network(s.net, [s.vpc_b.vpc_id])
    assert plist.prefix_list_id in only_a.prefix_lists
    assert plist.prefix_list_id not in only_b.prefix_lists


def test_the_estates_public_addresses_stay_out_of_every_shards_internet() -> None:
    # A's SSH is open to exactly B's public address: that is NAT reflection between the
    # estate's own instances, never the internet, though B lies in another shard.
    s = two_vpcs(peering=False)
    net = s.net
    for vpc, rt in ((s.vpc_a, s.rt_a), (s.vpc_b, s.rt_b)):
        igw = net.create_internet_gateway()
        net.attach_internet_gateway(igw, vpc)
        net.create_route(rt, "0.0.0.0/0", igw.internet_gateway_id)
    for instance in (s.a, s.b):
        net.associate_address(net.allocate_address(), instance)
    b_public = public_ip(net, s.b)
    eni_a = net.network_interfaces[s.a.network_interface_ids[0]]
    group = security_group(
        net,
        s.vpc_a,
        "ssh-from-b",
        ingress=[{"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_ipv4": f"{b_public}/32"}],
    )
    eni_a.groups.append(group.group_id)
    net.touch()
    only_a = sub_network(net, [s.vpc_a.vpc_id])
    assert any(f.eni == eni_a.network_interface_id for f in exposure(only_a).findings)
    assert not exposure_shard(only_a, public=public_addresses(net)).findings
    assert not exposure(net).findings
    _single_and_sharded(net, 2)


def test_a_cell_from_two_shards_is_refused() -> None:
    cell = Cell("subnet-1", "subnet-2")
    part = MatrixResult("subnet", ("subnet-1", "subnet-2"), (cell,))
    with pytest.raises(ValueError, match="two shards"):
        merge_matrix("subnet", [part, part])
