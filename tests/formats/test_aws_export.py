"""Exporting a network as AWS describe-* JSON, and reading it back into the same network."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from tests.support.paths import FIXTURES

from vpcsim.formats.aws import export_aws, load_aws, network_to_aws_documents
from vpcsim.model import Network
from vpcsim.model.network import COLLECTIONS
from vpcsim.testing.strategies import networks

FIXTURES = FIXTURES / "aws"


def snapshot(network: Network) -> dict[str, dict[str, Any]]:
    """Every resource as plain data; security-group rules compared as sets (their order is not
    meaningful, and AWS groups them by protocol and ports)."""
    result: dict[str, dict[str, Any]] = {}
    for name in COLLECTIONS.values():
        collection: dict[str, Any] = {}
        for resource_id, resource in getattr(network, name).items():
            data = dataclasses.asdict(resource)
            for direction in ("ingress", "egress"):
                if direction in data:
                    data[direction] = sorted(data[direction], key=repr)
            collection[resource_id] = data
        result[name] = collection
    return result


def round_trip(network: Network, folder: Path) -> Network:
    export_aws(network, folder)
    result = load_aws(folder)
    assert [str(p) for p in result.warnings] == []
    return result.network


def example_network() -> Network:
    """A VPC with public and private subnets, NAT, peering, NACL entries, SGs with group references
    and prefix lists, Elastic IPs and a multi-ENI instance."""
    net = Network(seed="export")
    vpc = net.create_vpc("10.0.0.0/16", name="main")
    net.associate_vpc_cidr_block(vpc, "100.64.0.0/16")
    public = net.create_subnet(vpc, "10.0.0.0/24", name="public", map_public_ip_on_launch=True)
    private = net.create_subnet(vpc, "10.0.1.0/24", name="private")
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, vpc)
    public_rt = net.create_route_table(vpc, name="public-rt")
    net.associate_route_table(public_rt, public)
    net.create_route(public_rt, "0.0.0.0/0", igw.internet_gateway_id)
    nat = net.create_nat_gateway(public, name="nat")
    private_rt = net.create_route_table(vpc, name="private-rt")
    net.associate_route_table(private_rt, private)
    net.create_route(private_rt, "0.0.0.0/0", nat.nat_gateway_id)
    other = net.create_vpc("192.168.0.0/16", name="other")
    pcx = net.create_vpc_peering_connection(vpc, other, name="main-other")
    net.create_route(private_rt, "192.168.0.0/16", pcx.vpc_peering_connection_id)
    vgw = net.create_vpn_gateway(vpc, name="vpn")
    net.create_route(private_rt, "172.16.0.0/12", vgw.vpn_gateway_id, origin="EnableVgwRoutePropagation")
    acl = net.create_network_acl(vpc, name="private-acl")
    net.create_network_acl_entry(
        acl,
        100,
        egress=False,
        rule_action="allow",
        protocol="tcp",
        cidr_block="10.0.0.0/16",
        port_range=(22, 22),
    )
    net.create_network_acl_entry(
        acl, 110, egress=False, rule_action="deny", protocol="icmp", icmp_type_code=(8, -1)
    )
    net.create_network_acl_entry(acl, 100, egress=True, rule_action="allow")
    net.replace_network_acl_association(private, acl)
    office = net.create_managed_prefix_list("office", ["203.0.113.0/24", "198.51.100.0/24"], max_entries=5)
    web = net.create_security_group(vpc, "web")
    db = net.create_security_group(vpc, "db")
    net.authorize_security_group_ingress(
        web, ip_protocol="tcp", port=443, cidr_ipv4="0.0.0.0/0", description="https"
    )
    net.authorize_security_group_ingress(
        web, ip_protocol="tcp", port=22, prefix_list_id=office.prefix_list_id
    )
    net.authorize_security_group_ingress(db, ip_protocol="tcp", port=5432, referenced_group_id="web")
    net.authorize_security_group_ingress(
        db, ip_protocol="icmp", from_port=8, to_port=-1, cidr_ipv4="10.0.0.0/8"
    )
    net.revoke_security_group_egress(db)
    web1 = net.run_instance(public, name="web1", groups=["web"])
    eip = net.allocate_address(name="eip-web1")
    net.associate_address(eip, web1)
    db1 = net.run_instance(private, name="db1", groups=["db"])
    second = net.create_network_interface(public, groups=["web", "db"], secondary_private_ips=["10.0.0.200"])
    net.attach_network_interface(second, db1)
    net.stop_instance(net.run_instance(public, name="stopped"))
    return net


def test_builder_network_round_trips(tmp_path: Path) -> None:
    network = example_network()
    back = round_trip(network, tmp_path)
    assert snapshot(back) == snapshot(network)
    # a few facts by name, beyond the equality
    db1 = back.find_by_name("db1")[0]
    assert back.instances[db1.id].network_interface_ids == network.instances[db1.id].network_interface_ids
    assert len(back.instances[db1.id].network_interface_ids) == 2
    web1 = back.find_by_name("web1")[0]
    assert back.primary_network_interface(web1.id).private_ip_addresses[0].allocation_id is not None


def test_export_layout_is_one_file_per_key_per_account_and_region(tmp_path: Path) -> None:
    network = Network(seed="layout")
    network.create_vpc("10.0.0.0/16", name="a")
    network.create_vpc("10.1.0.0/16", name="b", region="eu-west-1", owner_id="222222222222")
    written = export_aws(network, tmp_path)
    folders = sorted({str(p.parent.relative_to(tmp_path)) for p in written})
    assert folders == ["123456789012/us-east-1", "222222222222/eu-west-1"]
    vpcs = json.loads((tmp_path / "222222222222" / "eu-west-1" / "Vpcs.json").read_text())
    assert [v["CidrBlock"] for v in vpcs["Vpcs"]] == ["10.1.0.0/16"]
    names = {p.name for p in written if p.parent.name == "us-east-1"}
    assert {
        "Vpcs.json",
        "RouteTables.json",
        "NetworkAcls.json",
        "SecurityGroups.json",
        "Reservations.json",
    } <= names
    back = load_aws(tmp_path).network
    assert back.find_by_name("b")[0].region == "eu-west-1"
    assert back.find_by_name("b")[0].owner_id == "222222222222"


def test_documents_speak_aws() -> None:
    documents = network_to_aws_documents(example_network())
    [(scope, docs)] = documents.items()
    assert scope == ("123456789012", "us-east-1")
    nat = docs["NatGateways"][0]
    address = nat["NatGatewayAddresses"][0]
    assert set(address) == {"AllocationId", "NetworkInterfaceId", "PrivateIp", "PublicIp", "IsPrimary"}
    db = next(g for g in docs["SecurityGroups"] if g["GroupName"] == "db")
    assert db["IpPermissionsEgress"] == []
    pair = db["IpPermissions"][0]["UserIdGroupPairs"][0]
    assert pair["UserId"] == "123456789012" and pair["GroupId"].startswith("sg-")
    reservation = next(r for r in docs["Reservations"] if r["Instances"][0]["State"]["Name"] == "stopped")
    assert reservation["Instances"][0]["State"]["Code"] == 80
    entries = {e["PrefixListId"]: e["Entries"] for e in docs["ManagedPrefixListEntries"]}
    assert [e["Cidr"] for e in next(iter(entries.values()))] == ["203.0.113.0/24", "198.51.100.0/24"]


@pytest.mark.parametrize("scenario", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_batfish_snapshots_round_trip(scenario: str, tmp_path: Path) -> None:
    original = load_aws(FIXTURES / scenario).network
    export_aws(original, tmp_path)
    back = load_aws(tmp_path)
    assert [p.code for p in back.warnings if p.code != "VPCSIM_NOT_MODELLED"] == []
    assert snapshot(back.network) == snapshot(original)


def test_unknown_resources_are_not_exported_but_come_back(tmp_path: Path) -> None:
    network = Network(seed="unknown")
    vpc = network.create_vpc("10.0.0.0/16")
    main = network.main_route_table(vpc.vpc_id)
    assert main is not None
    network.create_route(main, "0.0.0.0/0", "nat-0123456789abcdef0")
    documents = network_to_aws_documents(network)
    assert all("UnknownResources" not in docs for docs in documents.values())
    export_aws(network, tmp_path)
    back = load_aws(tmp_path)
    assert back.network.unknown_resources["nat-0123456789abcdef0"].resource_type == "natgateway"


@settings(max_examples=25)
@given(networks())
def test_generated_networks_round_trip(network: Network) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        back = round_trip(network, Path(folder))
    assert snapshot(back) == snapshot(network)
