"""The YAML spec: what it builds, its round trip through ``dump_spec``, and its strict errors."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from tests.support.networks import canonical, differences
from tests.support.paths import DOCS, FIXTURES

from vpcsim.examples import EXAMPLES, example_file
from vpcsim.formats.problems import InputError, LoadProblem
from vpcsim.formats.spec import SpecDumpError, dump_spec, load_spec, spec_json_schema
from vpcsim.formats.spec_schema import NetworkSpec
from vpcsim.model import (
    Network,
    Route,
    TransitGateway,
    UnknownResource,
    VpcEndpoint,
)
from vpcsim.testing import PRESETS, generate_network

DOCS = DOCS / "spec.md"
AWS_FIXTURES = FIXTURES / "aws"


# ------------------------------------------------------------------------------------ helpers


def assert_round_trip(network: Network) -> str:
    """dump -> load gives the same network (ids included), and dumping again gives the same text."""
    text = dump_spec(network)
    back = load_spec(text, filename="elsewhere.yaml").network
    assert differences(canonical(network), canonical(back)) == []
    assert dump_spec(back) == text
    return text


def load(text: str, filename: str = "net.yaml") -> Network:
    return load_spec(textwrap.dedent(text), filename=filename).network


def problems(text: str) -> list[LoadProblem]:
    with pytest.raises(InputError) as info:
        load_spec(textwrap.dedent(text), filename="net.yaml")
    return info.value.problems


def problem(text: str, code: str) -> LoadProblem:
    found = [p for p in problems(text) if p.code == code]
    assert found, f"no {code} among {problems(text)}"
    return found[0]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th line containing ``needle`` in dedented text."""
    lines = [i + 1 for i, line in enumerate(textwrap.dedent(text).splitlines()) if needle in line]
    return lines[occurrence - 1]


BASE = """\
region: us-east-1
vpcs:
  main:
    cidr: 10.0.0.0/16
    subnets:
      public-a:
        cidr: 10.0.1.0/24
"""


def complex_network() -> Network:
    """A network built with the builder API that uses every kind of resource the spec holds."""
    net = Network(region="eu-west-1", seed="builder")
    office = net.create_managed_prefix_list("office", ["198.51.100.0/24", "203.0.113.0/28"])
    s3 = net.create_managed_prefix_list("com.amazonaws.eu-west-1.s3", ["52.218.0.0/17"])
    s3.aws_managed = True
    main = net.create_vpc("10.0.0.0/16", name="main")
    net.associate_vpc_cidr_block(main, "100.64.0.0/20")
    other = net.create_vpc("10.1.0.0/16", name="other", owner_id="210987654321")
    pub = net.create_subnet(
        main, "10.0.1.0/24", name="public", availability_zone="eu-west-1a", map_public_ip_on_launch=True
    )
    priv = net.create_subnet(main, "10.0.2.0/24", name="private", availability_zone="eu-west-1a")
    extra = net.create_subnet(main, "100.64.0.0/24", name="extra", availability_zone="eu-west-1b")
    o1 = net.create_subnet(other, "10.1.0.0/24", name="o1")
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, main)
    net.create_internet_gateway(name="spare")
    nat = net.create_nat_gateway(pub, name="nat")
    gone = net.create_nat_gateway(pub, name="gone")
    net.delete_nat_gateway(gone)
    inner = net.create_nat_gateway(priv, connectivity_type="private", name="inner")
    pub_rt = net.create_route_table(main, name="public")
    net.associate_route_table(pub_rt, pub)
    net.create_route(pub_rt, "0.0.0.0/0", igw.internet_gateway_id)
    net.create_route(pub_rt, office.prefix_list_id, igw.internet_gateway_id)
    priv_rt = net.create_route_table(main, name="private")
    net.associate_route_table(priv_rt, priv)
    net.create_route(priv_rt, "0.0.0.0/0", nat.nat_gateway_id)
    net.create_route(priv_rt, "192.0.2.0/24", gone.nat_gateway_id)
    net.create_route(priv_rt, "172.16.0.0/12", inner.nat_gateway_id)
    web = net.create_security_group(main, "web", description="web servers")
    app = net.create_security_group(main, "app")
    net.authorize_security_group_ingress(web, ip_protocol="tcp", port=443, cidr_ipv4="0.0.0.0/0")
    net.authorize_security_group_ingress(
        web, ip_protocol="tcp", port=22, prefix_list_id=office.prefix_list_id, description="office ssh"
    )
    net.authorize_security_group_ingress(app, ip_protocol="tcp", port=8080, referenced_group_id=web.group_id)
    net.authorize_security_group_ingress(
        app, ip_protocol="icmp", from_port=3, to_port=4, cidr_ipv4="10.0.0.0/16"
    )
    net.revoke_security_group_egress(app)
    net.authorize_security_group_egress(
        app, ip_protocol="udp", from_port=1024, to_port=65535, cidr_ipv4="10.0.0.0/8"
    )
    acl = net.create_network_acl(main, name="private-acl")
    net.replace_network_acl_association(priv, acl)
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
        acl,
        90,
        egress=False,
        rule_action="deny",
        protocol="icmp",
        cidr_block="0.0.0.0/0",
        icmp_type_code=(8, -1),
    )
    net.create_network_acl_entry(
        acl, 100, egress=True, rule_action="allow", protocol="-1", cidr_block="0.0.0.0/0"
    )
    w = net.run_instance(pub, name="web", groups=[web])
    net.run_instance(priv, name="app", groups=[app], private_ip="10.0.2.50")
    fw = net.run_instance(pub, name="fw", associate_public_ip_address=False, source_dest_check=False)
    eth1 = net.create_network_interface(
        priv,
        name="fw-eth1",
        secondary_private_ips=["10.0.2.60", "10.0.2.61"],
        source_dest_check=False,
        groups=[app],
    )
    net.attach_network_interface(eth1, fw)
    eip = net.allocate_address(name="web-eip")
    net.associate_address(eip, eth1, private_ip="10.0.2.61")
    net.allocate_address(name="loose")
    net.create_route(priv_rt, "203.0.113.0/24", eth1.network_interface_id)
    net.create_route(pub_rt, "198.18.0.0/15", w.instance_id)
    net.stop_instance(net.run_instance(extra, name="old"))
    pcx = net.create_vpc_peering_connection(main, other, name="main-other")
    net.create_vpc_peering_connection(main, other, accept=False, name="pending")
    net.create_route(priv_rt, "10.1.0.0/16", pcx.vpc_peering_connection_id)
    vgw = net.create_vpn_gateway(main, name="vgw")
    net.create_route(priv_rt, "10.200.0.0/16", vgw.vpn_gateway_id)
    net.create_route(priv_rt, "10.200.0.0/16", vgw.vpn_gateway_id, origin="EnableVgwRoutePropagation")
    tgw = net.add(
        TransitGateway(
            transit_gateway_id="tgw-0123456789abcdef0", vpc_ids=[main.vpc_id], tags={"Name": "hub"}
        )
    )
    net.create_route(priv_rt, "10.100.0.0/16", tgw.transit_gateway_id)
    endpoint = net.add(
        VpcEndpoint(
            vpc_endpoint_id="vpce-0123456789abcdef0",
            vpc_id=main.vpc_id,
            service_name="com.amazonaws.eu-west-1.s3",
            route_table_ids=[priv_rt.route_table_id],
            prefix_list_id=s3.prefix_list_id,
            region="eu-west-1",
        )
    )
    priv_rt.routes.append(
        Route(destination_prefix_list_id=s3.prefix_list_id, gateway_id=endpoint.vpc_endpoint_id)
    )
    net.add(
        UnknownResource(
            resource_id="tgw-0fedcba9876543210",
            resource_type="transit-gateway",
            reason="not in the dump",
            referenced_by=[priv_rt.route_table_id],
        )
    )
    net.create_route(priv_rt, "10.250.0.0/16", "tgw-0fedcba9876543210")
    priv_rt.routes.append(
        Route(
            destination_cidr_block="10.251.0.0/16", nat_gateway_id="nat-0aaaaaaaaaaaaaaaa", state="blackhole"
        )
    )
    net.run_instance(o1, name="o-app")
    net.touch()
    return net


# ------------------------------------------------------------------------------------ examples


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_examples_load_cleanly_and_round_trip(name: str) -> None:
    result = load_spec(Path(str(example_file(name))))
    assert result.format == "yaml"
    assert result.warnings == []
    expected = {"transit-hub": (3, 4, 3, 2)}.get(name, (1, 2, 0, 0))
    counts = result.counts
    assert (
        counts["vpcs"],
        counts["instances"],
        counts.get("transit_gateway_attachments", 0),
        counts.get("transit_gateway_route_tables", 0),
    ) == expected
    text = assert_round_trip(result.network)
    assert "seed: " + name in text


def test_example_ids_come_from_the_file_name() -> None:
    a = load_spec(Path(str(example_file("custom-vpc")))).network
    b = load_spec(example_file("custom-vpc").read_text(), filename="/elsewhere/custom-vpc.yaml").network
    assert sorted(a.instances) == sorted(b.instances)


def test_default_vpc_example_has_the_tutorial_instance() -> None:
    net = load_spec(Path(str(example_file("default-vpc")))).network
    (vpc,) = net.vpcs.values()
    assert vpc.is_default and vpc.cidr_block == "172.31.0.0/16"
    assert sorted(s.cidr_block for s in net.subnets.values()) == [
        "172.31.0.0/20",
        "172.31.16.0/20",
        "172.31.32.0/20",
    ]
    assert all(s.map_public_ip_on_launch and s.default_for_az for s in net.subnets.values())
    (instance,) = net.find_by_name("instance-1")
    eni = net.primary_network_interface(instance.id)
    assert eni.private_ip_address == "172.31.23.249"
    assert eni.public_ip is not None  # default subnets map public addresses on launch
    main = net.main_route_table(vpc.vpc_id)
    assert main is not None and main.name == "default-main"
    assert [(r.destination, r.target) for r in main.routes] == [
        ("172.31.0.0/16", "local"),
        ("0.0.0.0/0", net.find_by_name("default-igw")[0].id),
    ]


def test_web_server_example_groups() -> None:
    net = load_spec(Path(str(example_file("web-server")))).network
    internal, web = (
        net.resolve(n, type(next(iter(net.security_groups.values())))) for n in ("internal", "web")
    )
    (web_instance,) = net.find_by_name("web")
    (app_instance,) = net.find_by_name("app")
    assert net.primary_network_interface(web_instance.id).groups == [internal.group_id, web.group_id]
    assert net.primary_network_interface(app_instance.id).groups == [internal.group_id]
    assert [(r.ip_protocol, r.referenced_group_id) for r in internal.egress] == [("-1", internal.group_id)]
    assert [(r.from_port, r.cidr_ipv4) for r in web.egress] == [(80, "0.0.0.0/0"), (443, "0.0.0.0/0")]


# ------------------------------------------------------------------------------------ round trips


def test_round_trip_of_a_builder_network_with_every_kind_of_resource() -> None:
    text = assert_round_trip(complex_network())
    assert "10.251.0.0/16: {target: nat-0aaaaaaaaaaaaaaaa, state: blackhole}" in text
    assert "{rule: tcp 22 from office, description: office ssh, id: sgr-" in text
    assert "propagated_routes:" in text and "state: deleted" in text


def test_round_trip_of_the_default_vpc_built_by_the_builder() -> None:
    net = Network()
    vpc = net.create_default_vpc()
    subnet = next(s for s in net.subnets.values() if s.vpc_id == vpc.vpc_id)
    net.run_instance(subnet, name="one")
    net.stop_instance(net.run_instance(subnet, name="two"))
    text = assert_round_trip(net)
    assert "default: true" in text


@pytest.mark.parametrize("seed", range(6))
def test_round_trip_of_generated_networks(seed: int) -> None:
    assert_round_trip(generate_network(seed, PRESETS["small"]))


@pytest.mark.parametrize(
    "scenario", sorted(p.name for p in AWS_FIXTURES.iterdir() if p.is_dir()) if AWS_FIXTURES.is_dir() else []
)
def test_round_trip_of_imported_aws_networks(scenario: str) -> None:
    """Real estates (load balancer and transit gateway ENIs, explicit ACL associations...)."""
    aws = pytest.importorskip("vpcsim.formats.aws")
    network = aws.load_aws(AWS_FIXTURES / scenario).network
    back = load_spec(dump_spec(network), filename="imported.yaml").network
    assert differences(canonical(network), canonical(back)) == []


def test_round_trip_of_an_ipv6_vpc_with_explicit_instance_interfaces() -> None:
    net = load(
        """\
        vpcs:
          v6:
            cidr: 10.0.0.0/16
            ipv6_cidrs: [2600:1f18:1234:5600::/56]
            subnets:
              a: {cidr: 10.0.0.0/24, ipv6_cidr: 2600:1f18:1234:5600::/64, route_table: rt}
            route_tables:
              rt:
                routes:
                  ::/0: eigw
                  0.0.0.0/0: igw
            egress_only_internet_gateways:
              eigw: {}
            network_interfaces:
              eth0:
                subnet: a
                description: tagged primary
                ipv6_addresses: [2600:1f18:1234:5600::10]
                tags: {Team: net}
              eth1: {subnet: a}
            instances:
              box:
                inline_eth0: false
                network_interfaces: [eth0, eth1]
        internet_gateways:
          igw: {vpc: v6}
        peering_connections:
          partner:
            requester: v6
            accepter: {vpc: vpc-0fedcba9876543210, account: "210987654321", cidr_blocks: [172.16.0.0/16]}
        """
    )
    (box,) = net.instances.values()
    eth0 = net.network_interfaces[box.network_interface_ids[0]]
    assert eth0.description == "tagged primary" and eth0.tags == {"Name": "eth0", "Team": "net"}
    assert box.subnet_id == eth0.subnet_id
    acl = next(iter(net.network_acls.values()))
    assert {(e.rule_number, e.ipv6_cidr_block) for e in acl.entries if e.ipv6_cidr_block} == {
        (101, "::/0"),
        (32768, "::/0"),
    }
    text = assert_round_trip(net)
    assert "inline_eth0: false\n        network_interfaces: [eth0, eth1]" in text


# ------------------------------------------------------------------------------------ what it builds


def test_defaults_mirror_aws() -> None:
    net = load(
        """\
        region: eu-west-2
        vpcs:
          main:
            cidr: 10.0.0.0/16
            subnets:
              a: {cidr: 10.0.1.0/24}
              b: {cidr: 10.0.2.0/24, az: b, default_for_az: true}
            instances:
              plain: {subnet: a}
              public: {subnet: b}
              asleep: {subnet: b, state: stopped}
        """
    )
    (vpc,) = net.vpcs.values()
    a, b = net.resolve("a", type(next(iter(net.subnets.values())))), net.find_by_name("b")[0]
    assert a.availability_zone == "eu-west-2a" and b.availability_zone == "eu-west-2b"  # type: ignore[attr-defined]
    default_group = net.default_security_group(vpc.vpc_id)
    assert default_group is not None
    plain = net.primary_network_interface(net.find_by_name("plain")[0].id)
    assert plain.groups == [default_group.group_id]
    assert plain.private_ip_address == "10.0.1.4"  # the first address AWS does not reserve
    assert plain.public_ip is None
    assert net.primary_network_interface(net.find_by_name("public")[0].id).public_ip == "203.0.113.10"
    assert net.primary_network_interface(net.find_by_name("asleep")[0].id).public_ip is None
    main = net.main_route_table(vpc.vpc_id)
    assert main is not None and [(r.destination, r.target) for r in main.routes] == [("10.0.0.0/16", "local")]
    acl = net.network_acl_of_subnet(a.subnet_id)
    assert acl is not None and acl.is_default
    assert [(e.rule_number, e.rule_action) for e in acl.entries if not e.egress] == [
        (100, "allow"),
        (32767, "deny"),
    ]
    assert [r.cidr_ipv4 for r in default_group.egress] == ["0.0.0.0/0"]
    assert [r.referenced_group_id for r in default_group.ingress] == [default_group.group_id]


def test_written_addresses_are_never_allocated_to_others() -> None:
    net = load(
        """\
        vpcs:
          main:
            cidr: 10.0.0.0/16
            subnets: {a: {cidr: 10.0.1.0/24}}
            instances:
              first: {subnet: a}
              second: {subnet: a, private_ip: 10.0.1.4, public_ip: 203.0.113.10}
              third: {subnet: a, public_ip: true}
        """
    )
    addresses = {
        i.name: (
            net.primary_network_interface(i.id).private_ip_address,
            net.primary_network_interface(i.id).public_ip,
        )
        for i in net.instances.values()
    }
    assert addresses == {
        "first": ("10.0.1.5", None),
        "second": ("10.0.1.4", "203.0.113.10"),
        "third": ("10.0.1.6", "203.0.113.11"),
    }


def test_routes_reach_every_kind_of_target() -> None:
    net = load(
        """\
        vpcs:
          main:
            cidr: 10.0.0.0/16
            subnets:
              a: {cidr: 10.0.1.0/24, route_table: rt}
            route_tables:
              rt:
                routes:
                  0.0.0.0/0: igw
                  10.1.0.0/16: peer
                  10.2.0.0/16: nat
                  10.3.0.0/16: box
                  10.4.0.0/16: appliance
                  10.5.0.0/16: vgw
                  10.6.0.0/16: hub
                  10.7.0.0/16: {target: nat-0123456789abcdef0, state: blackhole}
                  10.0.0.0/16: appliance
                  office: instance:box
            nat_gateways:
              nat: {subnet: a}
            network_interfaces:
              appliance: {subnet: a, source_dest_check: false}
            instances:
              box: {subnet: a}
          other:
            cidr: 10.1.0.0/16
        prefix_lists:
          office: {entries: [198.51.100.0/24]}
        internet_gateways:
          igw: {vpc: main}
        peering_connections:
          peer: {requester: main, accepter: other}
        vpn_gateways:
          vgw: {vpcs: [main]}
        transit_gateways:
          hub: {vpcs: [main]}
        """
    )
    table = net.find_by_name("rt")[0]
    routes = {r.destination: r for r in table.routes}  # type: ignore[attr-defined]
    ids = {
        name: net.find_by_name(name)[0].id
        for name in ("igw", "peer", "nat", "box", "appliance", "vgw", "hub")
    }
    box_eni = net.instances[ids["box"]].network_interface_ids[0]
    office = next(iter(net.prefix_lists))
    assert routes["0.0.0.0/0"].gateway_id == ids["igw"]
    assert routes["10.1.0.0/16"].vpc_peering_connection_id == ids["peer"]
    assert routes["10.2.0.0/16"].nat_gateway_id == ids["nat"]
    assert (routes["10.3.0.0/16"].instance_id, routes["10.3.0.0/16"].network_interface_id) == (
        ids["box"],
        box_eni,
    )
    assert routes["10.4.0.0/16"].network_interface_id == ids["appliance"]
    assert routes["10.5.0.0/16"].gateway_id == ids["vgw"]
    assert routes["10.6.0.0/16"].transit_gateway_id == ids["hub"]
    assert routes["10.7.0.0/16"].state == "blackhole"
    local = routes["10.0.0.0/16"]  # the local route, its target replaced by the appliance
    assert (local.gateway_id, local.network_interface_id, local.origin) == (
        None,
        ids["appliance"],
        "CreateRouteTable",
    )
    assert routes[office].instance_id == ids["box"]
    assert len(table.routes) == 10  # type: ignore[attr-defined]


def test_rules_of_network_acls_and_security_groups() -> None:
    net = load(
        """\
        vpcs:
          main:
            cidr: 10.0.0.0/16
            network_acls:
              web:
                ingress:
                  100: allow tcp 22 from 203.0.113.0/24
                  110: deny icmp type 3 code 4 from 0.0.0.0/0
                  120: allow udp 1024-65535 from ::/0
                egress:
                  100: allow all to 0.0.0.0/0
            security_groups:
              internal:
                ingress:
                  - all from internal
                  - tcp 80 from office
                  - icmpv6 type 128 from ::/0
                  - {rule: tcp 8443 from 10.0.0.0/8, description: admin, id: sgr-0123456789abcdef0}
                  - tcp 5432 from other/db
                egress: []
          other:
            cidr: 10.1.0.0/16
            security_groups:
              db: {}
        prefix_lists:
          office: {entries: [198.51.100.0/24]}
        """
    )
    acl = net.find_by_name("web")[0]
    entries = sorted(
        (
            e.egress,
            e.rule_number,
            e.rule_action,
            e.protocol,
            e.port_range,
            e.icmp_type_code,
            e.cidr_block,
            e.ipv6_cidr_block,
        )
        for e in acl.entries  # type: ignore[attr-defined]
    )
    assert entries == [
        (False, 100, "allow", "6", (22, 22), None, "203.0.113.0/24", None),
        (False, 110, "deny", "1", None, (3, 4), "0.0.0.0/0", None),
        (False, 120, "allow", "17", (1024, 65535), None, None, "::/0"),
        (False, 32767, "deny", "-1", None, None, "0.0.0.0/0", None),
        (True, 100, "allow", "-1", None, None, "0.0.0.0/0", None),
        (True, 32767, "deny", "-1", None, None, "0.0.0.0/0", None),
    ]
    group = next(g for g in net.security_groups.values() if g.group_name == "internal")
    db = next(g for g in net.security_groups.values() if g.group_name == "db")
    rules = [
        (r.ip_protocol, r.from_port, r.to_port, r.peer, r.description, r.security_group_rule_id)
        for r in group.ingress
    ]
    assert rules == [
        ("-1", None, None, group.group_id, None, None),
        ("tcp", 80, 80, next(iter(net.prefix_lists)), None, None),
        ("icmpv6", 128, -1, "::/0", None, None),
        ("tcp", 8443, 8443, "10.0.0.0/8", "admin", "sgr-0123456789abcdef0"),
        ("tcp", 5432, 5432, db.group_id, None, None),
    ]
    assert group.egress == []


def test_interfaces_addresses_and_elastic_ips() -> None:
    net = load(
        """\
        vpcs:
          main:
            cidr: 10.0.0.0/16
            subnets: {a: {cidr: 10.0.1.0/24}, b: {cidr: 10.0.2.0/24}}
            network_interfaces:
              inside:
                subnet: b
                secondary_private_ips: [10.0.2.30, {address: 10.0.2.31, elastic_ip: second}]
                source_dest_check: false
            instances:
              fw:
                subnet: a
                elastic_ip: first
                network_interfaces: [inside]
        elastic_ips:
          first: {public_ip: 198.51.100.1}
          second: {}
        """
    )
    (fw,) = net.instances.values()
    eth0, eth1 = (net.network_interfaces[e] for e in fw.network_interface_ids)
    assert eth1.name == "inside" and eth1.attachment is not None and eth1.attachment.device_index == 1
    assert [(p.private_ip_address, p.public_ip) for p in eth1.private_ip_addresses] == [
        ("10.0.2.4", None),
        ("10.0.2.30", None),
        ("10.0.2.31", "203.0.113.10"),
    ]
    first = net.find_by_name("first")[0]
    assert eth0.public_ip == "198.51.100.1"
    assert (first.network_interface_id, first.instance_id, first.private_ip_address) == (  # type: ignore[attr-defined]
        eth0.id,
        fw.id,
        "10.0.1.4",
    )
    assert first.association_id and first.association_id.startswith("eipassoc-")  # type: ignore[attr-defined]


def test_ids_are_written_or_derived_and_stable_under_edits() -> None:
    text = BASE + "    instances:\n      web: {subnet: public-a}\n"
    one = load(text)
    assert load(text).instances.keys() == one.instances.keys()
    edited = load(text.replace("    subnets:\n", "    subnets:\n      extra: {cidr: 10.0.9.0/24}\n"))
    assert edited.instances.keys() == one.instances.keys()
    assert set(one.subnets) <= set(edited.subnets)
    other_file = load(text, filename="other.yaml")
    assert other_file.instances.keys() != one.instances.keys()
    seeded = load("seed: net\n" + text, filename="renamed.yaml")
    assert seeded.instances.keys() == one.instances.keys()
    fixed = load(
        BASE.replace("      public-a:\n", "      public-a:\n        id: subnet-0123456789abcdef0\n")
        + "    instances:\n      i-0123456789abcdef0: {subnet: public-a}\n"
    )
    assert list(fixed.subnets) == ["subnet-0123456789abcdef0"]
    (instance,) = fixed.instances.values()
    assert instance.instance_id == "i-0123456789abcdef0" and instance.name is None


def test_json_schema_is_generated_from_the_models() -> None:
    schema = spec_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert {"vpcs", "region", "internet_gateways", "elastic_ips"} <= set(schema["properties"])
    subnet = schema["$defs"]["SubnetSpec"]
    assert subnet["required"] == ["cidr"] and subnet["additionalProperties"] is False
    assert "availability zone" in subnet["properties"]["az"]["description"]


def test_docs_examples_load_and_the_docs_name_every_key() -> None:
    text = DOCS.read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    assert len(blocks) >= 10
    for index, block in enumerate(blocks):
        assert_round_trip(load_spec(block, filename=f"doc{index}.yaml").network)
    for model in NetworkSpec.model_json_schema()["$defs"].values():
        for key in model.get("properties", {}):
            assert f"`{key}`" in text, key


def test_validation_warnings_point_at_their_key() -> None:
    text = (
        BASE
        + "    route_tables:\n      rt:\n        routes:\n          10.9.0.0/16: spare\ninternet_gateways:\n  spare: {}\n"
    )
    result = load_spec(text, filename="net.yaml")
    (warning,) = result.warnings
    assert warning.code == "VPCSIM_GATEWAY_NOT_ATTACHED"
    assert (warning.location.line, warning.location.path) == (
        line_of(text, "10.9.0.0/16"),
        'vpcs.main.route_tables.rt.routes["10.9.0.0/16"]',
    )


# ------------------------------------------------------------------------------------ strict errors


def test_yaml_syntax_error_names_line_and_column() -> None:
    found = problem("vpcs:\n  main:\n    cidr: [10.0.0.0/16\n", "VPCSIM_YAML_SYNTAX")
    assert found.location.file == "net.yaml" and found.location.line is not None
    assert "YAML syntax error" in found.message


def test_empty_file_and_non_mapping() -> None:
    assert problem("", "VPCSIM_SPEC_EMPTY").message.startswith("the file is empty")
    assert "a spec is a mapping" in problem("- a\n- b\n", "VPCSIM_SPEC_TYPE").message


def test_duplicate_key() -> None:
    text = BASE + "      public-a:\n        cidr: 10.0.2.0/24\n"
    found = problem(text, "VPCSIM_SPEC_DUPLICATE_KEY")
    assert found.location.line == line_of(text, "public-a:", 2)
    assert found.location.path == "vpcs.main.subnets.public-a"
    assert "appears twice" in found.message


def test_duplicate_network_acl_rule_number() -> None:
    text = BASE + (
        "    network_acls:\n      web:\n        ingress:\n"
        "          100: allow tcp 22 from 0.0.0.0/0\n          100: deny all from 0.0.0.0/0\n"
    )
    found = problem(text, "NetworkAclEntryAlreadyExists")
    assert found.location.line == line_of(text, "100: deny")
    assert found.location.path == "vpcs.main.network_acls.web.ingress[100]"
    assert "rule number 100 appears twice in ingress" in found.message


def test_duplicate_route_destination() -> None:
    text = (
        BASE
        + "    route_tables:\n      rt:\n        routes:\n          0.0.0.0/0: a\n          0.0.0.0/0: b\n"
    )
    found = problem(text, "RouteAlreadyExists")
    assert found.location.line == line_of(text, "0.0.0.0/0: b")


def test_unknown_key_suggests_the_right_one() -> None:
    text = BASE.replace("        cidr: 10.0.1.0/24", "        cidr: 10.0.1.0/24\n        route_tabel: rt")
    found = problem(text, "VPCSIM_SPEC_UNKNOWN_KEY")
    assert found.location.line == line_of(text, "route_tabel")
    assert found.location.column == 9
    assert found.location.path == "vpcs.main.subnets.public-a.route_tabel"
    assert "unknown key 'route_tabel'; did you mean 'route_table'?" in found.message
    assert "allowed here: assign_ipv6_address_on_creation, az, cidr," in found.message


def test_wrong_types() -> None:
    text = (
        BASE
        + '        map_public_ip_on_launch: "yes"\n    instances:\n      web: {subnet: public-a, private_ip: 10}\n'
    )
    found = problems(text)
    by_path = {p.location.path: p for p in found}
    flag = by_path["vpcs.main.subnets.public-a.map_public_ip_on_launch"]
    assert (flag.code, flag.location.line) == ("VPCSIM_SPEC_TYPE", line_of(text, "map_public_ip"))
    assert "expected true or false, got the string 'yes'" in flag.message
    address = by_path["vpcs.main.instances.web.private_ip"]
    assert "expected a string, got the number 10; quote it" in address.message


def test_unquoted_account_and_bad_values() -> None:
    found = problems("account: 123456789012\nvpcs:\n  main: {cidr: 10.0.0.0/16, state: runing}\n")
    assert [(p.location.path, p.code, p.location.line) for p in found] == [
        ("account", "VPCSIM_SPEC_TYPE", 1),
        ("vpcs.main.state", "VPCSIM_SPEC_VALUE", 3),
    ]
    assert (
        "quote it" in found[0].message
        and "use one of 'pending', 'available' or 'deleting'" in found[1].message
    )


def test_missing_required_key() -> None:
    text = "vpcs:\n  main:\n    subnets:\n      a: {az: b}\n"
    found = problems(text)
    assert [(p.code, p.location.path, p.location.line) for p in found] == [
        ("VPCSIM_SPEC_MISSING_KEY", "vpcs.main.cidr", 2),
        ("VPCSIM_SPEC_MISSING_KEY", "vpcs.main.subnets.a.cidr", 4),
    ]
    assert found[0].message == "missing required key 'cidr'; add `cidr: ...`"


@pytest.mark.parametrize(
    ("cidr", "message"),
    [
        ("10.0.0.0/33", "'10.0.0.0/33' is not an IPv4 CIDR block"),
        ("10.0.1.5/24", "'10.0.1.5/24' has host bits set; write the block as 10.0.1.0/24"),
        ("10.0.1.0", "'10.0.1.0' has no prefix length"),
        ("banana", "'banana' is not an IPv4 CIDR block"),
    ],
)
def test_bad_cidr(cidr: str, message: str) -> None:
    text = BASE.replace("cidr: 10.0.1.0/24", f"cidr: {cidr}")
    found = problem(text, "InvalidParameterValue")
    assert message in found.message
    assert (found.location.path, found.location.line) == ("vpcs.main.subnets.public-a.cidr", 7)


def test_dangling_route_target() -> None:
    text = BASE.replace("        cidr: 10.0.1.0/24", "        cidr: 10.0.1.0/24\n        route_table: rt") + (
        "    route_tables:\n      rt:\n        routes:\n          0.0.0.0/0: igw\n"
    )
    found = problem(text, "VPCSIM_DANGLING_REFERENCE")
    assert found.location.line == line_of(text, "0.0.0.0/0: igw")
    assert found.location.path == 'vpcs.main.route_tables.rt.routes["0.0.0.0/0"]'
    assert "route target 'igw' names nothing in VPC 'main'" in found.message


def test_dangling_names_are_all_reported_with_aws_codes() -> None:
    text = BASE + (
        "        route_table: nowhere\n"
        "    instances:\n      web: {subnet: public-b, security_groups: [webz]}\n"
        "      app: {subnet: public-a, security_groups: [webz]}\n"
    )
    found = problems(text)
    assert [(p.code, p.location.path) for p in found] == [
        ("InvalidRouteTableID.NotFound", "vpcs.main.subnets.public-a.route_table"),
        ("InvalidSubnetID.NotFound", "vpcs.main.instances.web.subnet"),
        ("InvalidGroup.NotFound", "vpcs.main.instances.app.security_groups[0]"),
    ]
    assert "no subnet 'public-b' here; define it under vpcs.main.subnets" in found[1].message


def test_overlapping_subnets() -> None:
    text = BASE + "      public-b:\n        cidr: 10.0.1.128/25\n"
    found = problem(text, "InvalidSubnet.Conflict")
    assert found.location.line in (line_of(text, "10.0.1.0/24"), line_of(text, "10.0.1.128/25"))
    assert found.location.path is not None and found.location.path.endswith(".cidr")


@pytest.mark.parametrize("address", ["10.0.1.0", "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.255"])
def test_reserved_address(address: str) -> None:
    text = BASE + f"    instances:\n      web: {{subnet: public-a, private_ip: {address}}}\n"
    found = problem(text, "InvalidParameterValue")
    assert (found.location.line, found.location.path) == (9, "vpcs.main.instances.web.private_ip")
    assert "reserve" in found.message


def test_address_outside_its_subnet() -> None:
    text = BASE + "    instances:\n      web: {subnet: public-a, private_ip: 10.0.7.9}\n"
    found = problem(text, "InvalidParameterValue")
    assert found.location.path == "vpcs.main.instances.web.private_ip"


def test_rule_number_out_of_range() -> None:
    text = BASE + "    network_acls:\n      web:\n        egress:\n          40000: allow all to 0.0.0.0/0\n"
    found = problem(text, "InvalidParameterValue")
    assert "rule number 40000 is outside 1-32766" in found.message
    assert found.location.line == line_of(text, "40000")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("tcp 22 0.0.0.0/0", "does not read as '<protocol> [<ports>] from|to <peer>'"),
        ("tcp 70000 from 0.0.0.0/0", "not a range within 0-65535"),
        ("all 22 from 0.0.0.0/0", "only tcp and udp rules take ports"),
        ("gre from 0.0.0.0/0", "unknown protocol 'gre'"),
        ("icmp 8 from 0.0.0.0/0", "ICMP takes 'type T' or 'type T code C'"),
    ],
)
def test_rule_syntax(rule: str, message: str) -> None:
    text = BASE + f"    security_groups:\n      web:\n        ingress:\n          - {rule}\n"
    found = problem(text, "VPCSIM_SPEC_RULE")
    assert message in found.message
    assert (found.location.path, found.location.line) == ("vpcs.main.security_groups.web.ingress[0]", 11)


def test_rule_direction_must_match_its_list() -> None:
    text = BASE + "    security_groups:\n      web:\n        egress:\n          - tcp 443 from 0.0.0.0/0\n"
    found = problem(text, "VPCSIM_SPEC_RULE")
    assert "egress rules read '... to <peer>'" in found.message


def test_unknown_rule_peer_and_ambiguous_names() -> None:
    text = BASE + (
        "    security_groups:\n      web:\n        ingress: [tcp 22 from admins, tcp 80 from office]\n"
        "      office: {}\n"
        "    route_tables:\n      rt: {routes: {0.0.0.0/0: gw}}\n"
        "    nat_gateways:\n      gw: {subnet: public-a}\n"
        "internet_gateways:\n  gw: {vpc: main}\n"
        "prefix_lists:\n  office: {entries: [198.51.100.0/24]}\n"
    )
    found = problems(text)
    assert [p.code for p in found] == [
        "InvalidGroup.NotFound",
        "VPCSIM_SPEC_AMBIGUOUS",
        "VPCSIM_SPEC_AMBIGUOUS",
    ]
    assert "write sg:office or pl:office" in found[1].message
    assert "write one of igw:gw, nat:gw" in found[2].message


def test_structural_conflicts() -> None:
    text = BASE + (
        "        tags: {Name: other}\n"
        "    route_tables:\n      one: {main: true}\n      two: {main: true}\n"
        "    instances:\n      web: {subnet: public-a, public_ip: true, elastic_ip: eip}\n"
        "      app: {subnet: public-a, elastic_ip: eip}\n"
        "internet_gateways:\n  a: {vpc: main}\n  b: {vpc: main}\n"
        "elastic_ips:\n  eip: {}\n"
    )
    found = {p.code: p for p in problems(text)}
    assert "the key 'public-a' is this resource's Name tag" in found["VPCSIM_SPEC_NAME"].message
    assert "a VPC has one main route table" in found["VPCSIM_SPEC_VALUE"].message
    assert found["VPCSIM_SPEC_VALUE"].location.path == "vpcs.main.route_tables.two.main"
    assert "already has internet gateway 'a' attached" in found["Resource.AlreadyAssociated"].message
    assert "either public_ip or elastic_ip" in found["InvalidParameterCombination"].message


def test_elastic_ip_associated_twice() -> None:
    text = BASE + (
        "    instances:\n      web: {subnet: public-a, elastic_ip: eip}\n      app: {subnet: public-a, elastic_ip: eip}\n"
        "elastic_ips:\n  eip: {}\n"
    )
    found = problem(text, "Resource.AlreadyAssociated")
    assert found.location.path == "vpcs.main.instances.app.elastic_ip"
    assert "already associated with vpcs.main.instances.web" in found.message


def test_instance_forms() -> None:
    text = BASE + (
        "    network_interfaces:\n      eth: {subnet: public-a}\n"
        "    instances:\n"
        "      listed: {network_interfaces: [eth]}\n"
        "      mixed: {inline_eth0: false, private_ip: 10.0.1.9, network_interfaces: [eth]}\n"
        "      nothing: {inline_eth0: false}\n"
    )
    found = problems(text)
    assert [(p.code, p.location.path) for p in found] == [
        ("VPCSIM_SPEC_MISSING_KEY", "vpcs.main.instances.listed.subnet"),
        ("VPCSIM_SPEC_INSTANCE", "vpcs.main.instances.mixed.private_ip"),
        ("VPCSIM_SPEC_MISSING_KEY", "vpcs.main.instances.nothing.subnet"),
    ]
    assert "or write `inline_eth0: false`" in found[0].message
    ghost = problem(
        BASE + "    instances:\n      ghost: {inline_eth0: false, subnet: public-a}\n", "MissingParameter"
    )
    assert ghost.location.path == "vpcs.main.instances.ghost"
    assert "has no network interface; every instance has a primary one" in ghost.message


def test_an_interface_is_attached_once() -> None:
    text = BASE + (
        "    network_interfaces:\n      eth: {subnet: public-a}\n"
        "    instances:\n"
        "      one: {subnet: public-a, network_interfaces: [eth]}\n"
        "      two: {subnet: public-a, network_interfaces: [eth]}\n"
    )
    found = problem(text, "InvalidNetworkInterface.InUse")
    assert found.location.path == "vpcs.main.instances.two.network_interfaces[0]"


def test_ids_of_the_wrong_kind_or_twice() -> None:
    text = (
        BASE
        + "        id: vpc-0123456789abcdef0\n      other:\n        cidr: 10.0.2.0/24\n        id: vpc-0123456789abcdef0\n"
    )
    codes = [p.code for p in problems(text)]
    assert codes.count("VPCSIM_SPEC_ID") == 2 and "InvalidParameterValue" in codes


def test_unsafe_yaml_is_refused_without_a_traceback() -> None:
    found = problem("vpcs: !!python/object:os.system {}\n", "VPCSIM_YAML_SYNTAX")
    assert found.location.line == 1


def test_problem_strings_name_file_line_and_path() -> None:
    text = BASE.replace("cidr: 10.0.1.0/24", "cidr: 10.0.1.0/33")
    assert str(problems(text)[0]).startswith("net.yaml:7:15: vpcs.main.subnets.public-a.cidr: error: ")


_EXAMPLE_TEXT = example_file("bastion-nat").read_text()
_LINES = _EXAMPLE_TEXT.splitlines()


@given(
    st.lists(
        st.tuples(
            st.integers(0, len(_LINES) - 1),
            st.sampled_from(["", "x", ":", "- ", "  ", "{", "10.0.0.0/8", "!!"]),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_damaged_specs_fail_with_input_errors_only(edits: list[tuple[int, str]]) -> None:
    lines = list(_LINES)
    for index, text in edits:
        cut = len(lines[index]) // 2
        lines[index] = lines[index][:cut] + text + lines[index][cut:]
    try:
        load_spec("\n".join(lines), filename="damaged.yaml")
    except InputError as exc:
        assert exc.problems and all(p.location.file == "damaged.yaml" for p in exc.problems)


def test_dump_refuses_what_a_spec_cannot_hold() -> None:
    net = Network()
    vpc = net.create_vpc("10.0.0.0/16")
    subnet = net.create_subnet(vpc, "10.0.1.0/24")
    one, two = net.create_route_table(vpc), net.create_route_table(vpc)
    one.subnet_ids.append(subnet.subnet_id)
    two.subnet_ids.append(subnet.subnet_id)
    with pytest.raises(SpecDumpError, match="associated with two route tables"):
        dump_spec(net)


def test_dump_is_valid_yaml_with_the_header() -> None:
    text = dump_spec(complex_network())
    assert text.startswith("# vpcsim network spec")
    assert yaml.safe_load(text)["seed"] == "builder"


def test_transit_gateways_round_trip() -> None:
    """Built through the builder API: default tables, custom tables, every attachment kind, a
    peering with another account's gateway in another region, static, blackhole and BGP routes."""
    from tests.support.transit import hub

    from vpcsim.model import TransitGatewayRoute

    h = hub()
    net = h.net
    remote = net.create_transit_gateway(name="eu-hub", region="eu-west-1", owner_id="210987654321")
    peering = net.create_transit_gateway_peering_attachment(h.tgw, remote, name="to-eu")
    remote_table = net.transit_gateway_route_tables[remote.association_default_route_table_id or ""]
    net.associate_transit_gateway_route_table(remote_table, peering)
    net.create_transit_gateway_route(h.table, "10.8.0.0/16", peering)
    net.create_transit_gateway_route(h.table, "10.9.0.0/16", blackhole=True)
    vpn = net.create_transit_gateway_vpn_attachment(h.tgw, "vpn-0123456789abcdef0", name="office")
    h.table.routes.append(
        TransitGatewayRoute(
            destination_cidr_block="192.168.0.0/16",
            transit_gateway_attachment_id=vpn.transit_gateway_attachment_id,
            type="propagated",
        )
    )
    isolated = net.create_transit_gateway_route_table(h.tgw, name="isolated")
    net.disassociate_transit_gateway_route_table(h.table, h.c.attachment)
    net.associate_transit_gateway_route_table(isolated, h.c.attachment)
    h.c.attachment.appliance_mode_support = True
    h.tgw.security_group_referencing_support = True
    net.touch()
    text = assert_round_trip(net)
    assert "transit_gateways:" in text and "blackhole" in text and "peer_route_table" in text
