"""The server's state is a vpcsim NETWORK: its URL and its SQLite file load through the AWS
importer, and ``--from NETWORK`` seeds a server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3

from vpcsim.formats.loader import load_source
from vpcsim.serve import BackgroundServer, Store
from vpcsim.serve.seed import not_served, seed


def _client(url: str) -> Any:
    return boto3.client(
        "ec2",
        endpoint_url=url,
        region_name="eu-west-1",
        aws_access_key_id="111122223333",
        aws_secret_access_key="s",
    )


def test_url_and_state_file_are_networks(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    with BackgroundServer(Store(str(state))) as server:
        ec2 = _client(server.url)
        vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        from_url = load_source(server.url).network
        from_file = load_source(str(state)).network
    for network in (from_url, from_file):
        assert network.vpcs[vpc_id].cidr_block == "10.0.0.0/16"
        assert network.subnets[subnet_id].vpc_id == vpc_id
        assert network.vpcs[vpc_id].owner_id == "111122223333"
        assert network.vpcs[vpc_id].region == "eu-west-1"
        assert sum(1 for v in network.vpcs.values() if v.is_default) == 1
        assert len(network.subnets) == 4  # three default subnets (eu-west-1a-c) and ours
        assert len(network.security_groups) == len(network.network_acls) == 2


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = str(tmp_path / "state.sqlite")
    with BackgroundServer(Store(state)) as server:
        vpc_id = _client(server.url).create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    with BackgroundServer(Store(state)) as server:
        vpcs = _client(server.url).describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    assert [v["CidrBlock"] for v in vpcs] == ["10.0.0.0/16"]


def test_seeded_server_answers_the_network() -> None:
    network = load_source("bastion-nat").network
    store = Store(":memory:")
    counts = seed(store, network)
    assert counts["Vpcs"] == len(network.vpcs)
    with BackgroundServer(store) as server:
        account, region = network.account, network.region
        ec2 = boto3.client(
            "ec2",
            endpoint_url=server.url,
            region_name=region,
            aws_access_key_id=account,
            aws_secret_access_key="s",
        )
        answered = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
        assert answered == {
            v.vpc_id for v in network.vpcs.values() if v.region == region and v.owner_id == account
        }
        again = load_source(server.url).network
    assert set(again.vpcs) == set(network.vpcs)
    assert set(again.subnets) == set(network.subnets)
    assert set(again.network_interfaces) == set(network.network_interfaces)


def test_a_peering_across_accounts_and_regions_is_one_connection() -> None:
    with BackgroundServer() as server:

        def ec2(account: str, region: str) -> Any:
            return boto3.client(
                "ec2",
                endpoint_url=server.url,
                region_name=region,
                aws_access_key_id=account,
                aws_secret_access_key="s",
            )

        requester, accepter = ec2("111111111111", "us-east-1"), ec2("222222222222", "eu-west-1")
        mine = requester.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        theirs = accepter.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        pcx = requester.create_vpc_peering_connection(
            VpcId=mine, PeerVpcId=theirs, PeerOwnerId="222222222222", PeerRegion="eu-west-1"
        )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
        accepter.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
        for side in (requester, accepter):
            (seen,) = side.describe_vpc_peering_connections()["VpcPeeringConnections"]
            assert seen["Status"]["Code"] == "active"
        loaded = load_source(server.url)
    assert list(loaded.network.vpc_peering_connections) == [pcx]
    assert not [w for w in loaded.warnings if w.code == "VPCSIM_DUPLICATE_ID"]
    connection = loaded.network.vpc_peering_connections[pcx]
    assert connection.requester.vpc_id == mine and connection.accepter.vpc_id == theirs


def test_seeded_transit_gateways_round_trip() -> None:
    """A network with a transit gateway seeds the server (route tables, associations,
    propagations and routes in the layout the server's own transit gateway actions use) and
    reads back the same."""
    network = load_source("transit-hub").network
    store = Store(":memory:")
    counts = seed(store, network)
    assert counts["TransitGatewayRouteTables"] == len(network.transit_gateway_route_tables)
    with BackgroundServer(store) as server:
        back = load_source(server.url).network
        ec2 = boto3.client(
            "ec2",
            endpoint_url=server.url,
            region_name=network.region,
            aws_access_key_id=network.account,
            aws_secret_access_key="s",
        )
        tables = ec2.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]
    assert {t["TransitGatewayRouteTableId"] for t in tables} == set(network.transit_gateway_route_tables)
    assert set(back.transit_gateway_attachments) == set(network.transit_gateway_attachments)
    for table_id, table in network.transit_gateway_route_tables.items():
        again = back.transit_gateway_route_tables[table_id]
        assert (again.associations, again.propagations, again.routes) == (
            table.associations,
            table.propagations,
            table.routes,
        )


def test_seeding_leaves_out_what_another_api_than_ec2s_describes() -> None:
    """The transit-hub example's load balancer belongs to Elastic Load Balancing's API, which the
    server does not answer: seeding leaves it out and says how much (its node ENIs are EC2's and
    stay)."""
    network = load_source("transit-hub").network
    assert not_served(network) == {
        "LoadBalancers": 1,
        "LoadBalancerListeners": 1,
        "LoadBalancerTargetHealth": 1,
        "TargetGroups": 1,
        "TargetGroupAttributes": 1,  # empty: the attributes are known (AWS's defaults)
    }
    store = Store(":memory:")
    counts = seed(store, network)
    assert not set(counts) & {"LoadBalancers", "TargetGroups"}
    assert counts["NetworkInterfaces"] == len(network.network_interfaces)


def test_seeding_leaves_out_every_elastic_load_balancing_listing() -> None:
    """Load balancer and target group attributes, listener rules and Classic Load Balancers are
    Elastic Load Balancing's too: left out and counted, never an error."""
    from tests.support.elb import alb_estate

    nlb = alb_estate(load_balancer_type="network", cross_zone=False, preserve_client_ip=False)
    classic = alb_estate(load_balancer_type="classic", seed="classic")
    for network, expected in (
        (nlb.net, {"LoadBalancerAttributes": 1, "TargetGroupAttributes": 1}),
        (classic.net, {"LoadBalancerDescriptions": 1}),
    ):
        left = not_served(network)
        assert expected.items() <= left.items(), left
        counts = seed(Store(":memory:"), network)
        assert not set(counts) & set(left)
        assert counts["NetworkInterfaces"] == len(network.network_interfaces)
