"""The Network builder creates AWS's implicit resources and keeps its indexes right."""

from __future__ import annotations

import pytest

from vpcsim.model import (
    ModelError,
    Network,
    NetworkInterface,
    Route,
    SecurityGroupRule,
    Subnet,
    validate,
)
from vpcsim.model.validate import errors


def _routes(network: Network, table_id: str) -> list[tuple[str, str]]:
    return [(r.destination, r.target) for r in network.route_tables[table_id].routes]


# ---------------------------------------------------------------------------------- create_vpc


def test_create_vpc_makes_main_route_table_with_local_route() -> None:
    network = Network()
    vpc = network.create_vpc("10.0.0.18/16", name="app")
    assert vpc.cidr_block == "10.0.0.0/16"
    tables = [t for t in network.route_tables.values() if t.vpc_id == vpc.vpc_id]
    assert len(tables) == 1
    main = tables[0]
    assert main.main is True
    assert main.subnet_ids == []
    assert main.routes == [
        Route(destination_cidr_block="10.0.0.0/16", gateway_id="local", origin="CreateRouteTable")
    ]
    assert network.main_route_table(vpc.vpc_id) is main


def test_create_vpc_makes_default_network_acl() -> None:
    network = Network()
    vpc = network.create_vpc("10.0.0.0/16")
    acls = [a for a in network.network_acls.values() if a.vpc_id == vpc.vpc_id]
    assert len(acls) == 1 and acls[0].is_default
    entries = sorted(
        (e.egress, e.rule_number, e.rule_action, e.protocol, e.cidr_block) for e in acls[0].entries
    )
    assert entries == [
        (False, 100, "allow", "-1", "0.0.0.0/0"),
        (False, 32767, "deny", "-1", "0.0.0.0/0"),
        (True, 100, "allow", "-1", "0.0.0.0/0"),
        (True, 32767, "deny", "-1", "0.0.0.0/0"),
    ]


def test_create_vpc_makes_default_security_group() -> None:
    network = Network()
    vpc = network.create_vpc("10.0.0.0/16")
    groups = [g for g in network.security_groups.values() if g.vpc_id == vpc.vpc_id]
    assert len(groups) == 1
    default = groups[0]
    assert default.group_name == "default"
    assert network.default_security_group(vpc.vpc_id) is default
    assert [(r.ip_protocol, r.referenced_group_id, r.cidr_ipv4) for r in default.ingress] == [
        ("-1", default.group_id, None)
    ]
    assert [(r.ip_protocol, r.cidr_ipv4) for r in default.egress] == [("-1", "0.0.0.0/0")]


def test_create_security_group_has_no_inbound_and_all_outbound() -> None:
    network = Network()
    vpc = network.create_vpc("10.0.0.0/16")
    group = network.create_security_group(vpc, "web")
    assert group.ingress == []
    assert [(r.ip_protocol, r.cidr_ipv4) for r in group.egress] == [("-1", "0.0.0.0/0")]
    rule = network.authorize_security_group_ingress(
        group, ip_protocol="tcp", port=443, referenced_group_id="web"
    )
    assert (rule.ip_protocol, rule.from_port, rule.to_port, rule.referenced_group_id) == (
        "tcp",
        443,
        443,
        group.group_id,
    )
    assert rule.security_group_rule_id is not None and rule.security_group_rule_id.startswith("sgr-")


def test_ids_are_deterministic_per_seed() -> None:
    def build(seed: str) -> list[str]:
        network = Network(seed=seed)
        network.create_default_vpc()
        network.run_instance(next(iter(network.subnets)))
        return sorted(r.id for r in network.resources())

    assert build("a") == build("a")
    assert build("a") != build("b")


# ---------------------------------------------------------------------------------- default VPC


def test_create_default_vpc_matches_aws() -> None:
    network = Network(region="eu-west-1")
    vpc = network.create_default_vpc(availability_zones=3)
    assert (vpc.cidr_block, vpc.is_default, vpc.region) == ("172.31.0.0/16", True, "eu-west-1")
    subnets = sorted(network.subnets.values(), key=lambda s: s.availability_zone)
    assert [(s.cidr_block, s.availability_zone) for s in subnets] == [
        ("172.31.0.0/20", "eu-west-1a"),
        ("172.31.16.0/20", "eu-west-1b"),
        ("172.31.32.0/20", "eu-west-1c"),
    ]
    assert all(s.map_public_ip_on_launch and s.default_for_az and s.vpc_id == vpc.vpc_id for s in subnets)
    igw = network.internet_gateway_of_vpc(vpc.vpc_id)
    assert igw is not None and igw.attached_vpc_id == vpc.vpc_id
    main = network.main_route_table(vpc.vpc_id)
    assert main is not None
    assert _routes(network, main.route_table_id) == [
        ("172.31.0.0/16", "local"),
        ("0.0.0.0/0", igw.internet_gateway_id),
    ]
    assert all(network.route_table_of_subnet(s.subnet_id) is main for s in subnets)
    default_acl = network.network_acl_of_subnet(subnets[0].subnet_id)
    assert default_acl is not None and default_acl.is_default


# ---------------------------------------------------------------------------------- instances


@pytest.fixture
def two_subnets() -> tuple[Network, Subnet, Subnet]:
    """A default VPC (public default subnets) and a custom VPC with a private subnet."""
    network = Network()
    network.create_default_vpc()
    custom = network.create_vpc("10.0.0.0/16", name="custom")
    private = network.create_subnet(custom, "10.0.1.0/24", name="private", availability_zone="us-east-1a")
    default_subnet = next(s for s in network.subnets.values() if s.default_for_az)
    return network, default_subnet, private


def test_run_instance_public_ip_follows_subnet_setting(two_subnets: tuple[Network, Subnet, Subnet]) -> None:
    network, public_subnet, private_subnet = two_subnets
    public = network.primary_network_interface(network.run_instance(public_subnet).instance_id)
    private = network.primary_network_interface(network.run_instance(private_subnet).instance_id)
    assert public.public_ip is not None
    assert private.public_ip is None
    owner = network.owner_of_public_ip(public.public_ip)
    assert owner is not None and owner.network_interface_id == public.network_interface_id


def test_run_instance_override_of_public_ip(two_subnets: tuple[Network, Subnet, Subnet]) -> None:
    network, public_subnet, private_subnet = two_subnets
    forced = network.run_instance(private_subnet, associate_public_ip_address=True)
    refused = network.run_instance(public_subnet, associate_public_ip_address=False)
    assert network.primary_network_interface(forced.instance_id).public_ip is not None
    assert network.primary_network_interface(refused.instance_id).public_ip is None


def test_run_instance_attaches_one_eni_with_default_group(
    two_subnets: tuple[Network, Subnet, Subnet],
) -> None:
    network, _, private_subnet = two_subnets
    instance = network.run_instance(private_subnet, name="db")
    assert len(instance.network_interface_ids) == 1
    eni = network.primary_network_interface(instance.instance_id)
    assert eni.attachment is not None and eni.attachment.instance_id == instance.instance_id
    assert eni.status == "in-use"
    default = network.default_security_group(private_subnet.vpc_id)
    assert default is not None and eni.groups == [default.group_id]
    # the first free address after the four AWS reserves at the start of the subnet
    assert eni.private_ip_address == "10.0.1.4"
    assert network.instance_of_eni(eni.network_interface_id) is instance


def test_stop_instance_releases_auto_assigned_public_ip(two_subnets: tuple[Network, Subnet, Subnet]) -> None:
    network, public_subnet, _ = two_subnets
    instance = network.run_instance(public_subnet)
    eni = network.primary_network_interface(instance.instance_id)
    public_ip = eni.public_ip
    assert public_ip is not None
    network.stop_instance(instance)
    assert instance.state == "stopped"
    assert eni.public_ip is None
    assert network.owner_of_public_ip(public_ip) is None


def test_elastic_ip_survives_stop_and_replaces_auto_assigned_ip(
    two_subnets: tuple[Network, Subnet, Subnet],
) -> None:
    network, public_subnet, _ = two_subnets
    instance = network.run_instance(public_subnet)
    eni = network.primary_network_interface(instance.instance_id)
    auto_ip = eni.public_ip
    eip = network.allocate_address()
    network.associate_address(eip, instance)
    assert eni.public_ip == eip.public_ip != auto_ip
    assert (eip.network_interface_id, eip.instance_id) == (eni.network_interface_id, instance.instance_id)
    assert auto_ip is not None and network.owner_of_public_ip(auto_ip) is None
    network.stop_instance(instance)
    assert eni.public_ip == eip.public_ip
    owner = network.owner_of_public_ip(eip.public_ip)
    assert owner is not None and owner.network_interface_id == eni.network_interface_id


def test_reassociating_an_elastic_ip_moves_it(two_subnets: tuple[Network, Subnet, Subnet]) -> None:
    network, _, private_subnet = two_subnets
    first = network.run_instance(private_subnet)
    second = network.run_instance(private_subnet)
    eip = network.allocate_address()
    network.associate_address(eip, first)
    network.associate_address(eip, second)
    first_eni = network.primary_network_interface(first.instance_id)
    second_eni = network.primary_network_interface(second.instance_id)
    assert first_eni.public_ip is None and first_eni.private_ip_addresses[0].allocation_id is None
    assert second_eni.public_ip == eip.public_ip
    owner = network.owner_of_public_ip(eip.public_ip)
    assert owner is not None and owner.network_interface_id == second_eni.network_interface_id
    assert errors(validate(network)) == []


def test_associating_a_second_elastic_ip_disassociates_the_first(
    two_subnets: tuple[Network, Subnet, Subnet],
) -> None:
    network, _, private_subnet = two_subnets
    instance = network.run_instance(private_subnet)
    old, new = network.allocate_address(), network.allocate_address()
    network.associate_address(old, instance)
    network.associate_address(new, instance)
    assert network.primary_network_interface(instance.instance_id).public_ip == new.public_ip
    assert (old.network_interface_id, old.association_id) == (None, None)
    assert errors(validate(network)) == []


# ---------------------------------------------------------------------------------- routes


def test_associate_vpc_cidr_block_adds_local_routes_everywhere() -> None:
    network = Network()
    vpc = network.create_vpc("10.0.0.0/16")
    other = network.create_vpc("10.1.0.0/16")
    custom = network.create_route_table(vpc)
    network.associate_vpc_cidr_block(vpc, "10.2.0.5/16")
    assert vpc.secondary_cidr_blocks == ["10.2.0.0/16"]
    main = network.main_route_table(vpc.vpc_id)
    assert main is not None
    for table in (main, custom):
        assert _routes(network, table.route_table_id) == [("10.0.0.0/16", "local"), ("10.2.0.0/16", "local")]
    later = network.create_route_table(vpc)
    assert _routes(network, later.route_table_id) == [("10.0.0.0/16", "local"), ("10.2.0.0/16", "local")]
    other_main = network.main_route_table(other.vpc_id)
    assert other_main is not None
    assert _routes(network, other_main.route_table_id) == [("10.1.0.0/16", "local")]
    assert errors(validate(network)) == []


def test_create_route_refuses_duplicate_destination() -> None:
    network = Network()
    vpc = network.create_default_vpc()
    main = network.main_route_table(vpc.vpc_id)
    assert main is not None
    with pytest.raises(ModelError) as raised:
        network.create_route(main, "0.0.0.0/0", "local")
    assert raised.value.code == "RouteAlreadyExists"


def test_route_to_instance_is_stored_with_its_eni() -> None:
    network = Network()
    vpc = network.create_vpc("10.0.0.0/16")
    subnet = network.create_subnet(vpc, "10.0.1.0/24")
    nat_instance = network.run_instance(subnet, source_dest_check=False)
    table = network.create_route_table(vpc)
    route = network.create_route(table, "0.0.0.0/0", nat_instance.instance_id)
    assert route.instance_id == nat_instance.instance_id
    assert route.network_interface_id == nat_instance.network_interface_ids[0]
    extra = network.create_network_interface(subnet)
    network.attach_network_interface(extra, nat_instance)
    with pytest.raises(ModelError) as raised:
        network.create_route(table, "192.0.2.0/24", nat_instance.instance_id)
    assert raised.value.code == "InvalidInstanceID"


def test_attach_second_internet_gateway_refused() -> None:
    network = Network()
    vpc = network.create_default_vpc()
    spare = network.create_internet_gateway()
    with pytest.raises(ModelError) as raised:
        network.attach_internet_gateway(spare, vpc)
    assert raised.value.code == "Resource.AlreadyAssociated"


def test_nat_gateway_has_elastic_ip_and_requester_managed_eni() -> None:
    network = Network()
    vpc = network.create_vpc("10.0.0.0/16")
    subnet = network.create_subnet(vpc, "10.0.0.0/24")
    nat = network.create_nat_gateway(subnet)
    assert nat.allocation_id in network.addresses and nat.public_ip is not None
    assert nat.network_interface_id is not None
    eni = network.network_interfaces[nat.network_interface_id]
    assert (eni.interface_type, eni.groups, eni.source_dest_check) == ("nat_gateway", [], False)
    assert eni.public_ip == nat.public_ip and eni.private_ip_address == nat.private_ip
    assert network.nat_gateway_of_eni(eni.network_interface_id) is nat
    owner = network.owner_of_public_ip(nat.public_ip)
    assert owner is not None and owner.network_interface_id == eni.network_interface_id


# ---------------------------------------------------------------------------------- network ACLs


def test_custom_network_acl_denies_until_rules_are_added() -> None:
    network = Network()
    vpc = network.create_vpc("10.0.0.0/16")
    acl = network.create_network_acl(vpc)
    assert sorted((e.egress, e.rule_number, e.rule_action) for e in acl.entries) == [
        (False, 32767, "deny"),
        (True, 32767, "deny"),
    ]
    network.create_network_acl_entry(
        acl, 100, egress=False, rule_action="allow", protocol="tcp", port_range=(22, 22)
    )
    assert acl.entries[-1].protocol == "6"
    with pytest.raises(ModelError) as raised:
        network.create_network_acl_entry(acl, 100, egress=False, rule_action="deny")
    assert raised.value.code == "NetworkAclEntryAlreadyExists"
    with pytest.raises(ModelError) as raised:
        network.create_network_acl_entry(acl, 32767, egress=True, rule_action="allow")
    assert raised.value.code == "InvalidParameterValue"


def test_replace_network_acl_association_moves_the_subnet() -> None:
    network = Network()
    vpc = network.create_vpc("10.0.0.0/16")
    subnet = network.create_subnet(vpc, "10.0.1.0/24")
    first, second = network.create_network_acl(vpc), network.create_network_acl(vpc)
    network.replace_network_acl_association(subnet, first)
    network.replace_network_acl_association(subnet, second)
    assert first.subnet_ids == [] and second.subnet_ids == [subnet.subnet_id]
    assert network.network_acl_of_subnet(subnet.subnet_id) is second


# ---------------------------------------------------------------------------------- indexes


def test_indexes_follow_mutations() -> None:
    network = Network()
    vpc = network.create_vpc("10.0.0.0/16", name="app")
    subnet = network.create_subnet(vpc, "10.0.1.0/24", name="web")
    assert network.get(vpc.vpc_id) is vpc
    assert network.find_by_name("web") == [subnet]
    eni = network.create_network_interface(
        subnet, private_ip="10.0.1.10", secondary_private_ips=["10.0.1.11"]
    )
    assert [o.network_interface_id for o in network.owners_of_private_ip("10.0.1.11")] == [
        eni.network_interface_id
    ]
    assert network.network_interfaces_in_subnet(subnet.subnet_id) == [eni]

    # a same-named resource in another VPC: both are found, in id order
    other = network.create_vpc("10.0.0.0/16")
    twin = network.create_subnet(other, "10.0.1.0/24", name="web")
    assert network.find_by_name("web") == sorted([subnet, twin], key=lambda s: s.subnet_id)
    twin_eni = network.create_network_interface(twin, private_ip="10.0.1.10")
    assert {o.vpc_id for o in network.owners_of_private_ip("10.0.1.10")} == {vpc.vpc_id, other.vpc_id}
    in_other = network.owner_in_vpc(other.vpc_id, "10.0.1.10")
    assert in_other is not None and in_other.network_interface_id == twin_eni.network_interface_id

    # direct edits become visible after touch()
    subnet.tags["Name"] = "frontend"
    eni.private_ip_addresses[1].private_ip_address = "10.0.1.12"
    network.touch()
    assert network.find_by_name("web") == [twin]
    assert network.find_by_name("frontend") == [subnet]
    assert network.owners_of_private_ip("10.0.1.11") == []
    assert [o.private_ip for o in network.owners_of_private_ip("10.0.1.12")] == ["10.0.1.12"]

    # resources added as they are (importers) are indexed too
    added = network.add(
        NetworkInterface(
            network_interface_id="eni-0123456789abcdef0", subnet_id=subnet.subnet_id, vpc_id=vpc.vpc_id
        )
    )
    assert network.get("eni-0123456789abcdef0") is added
    with pytest.raises(ModelError) as raised:
        network.add(
            NetworkInterface(
                network_interface_id="eni-0123456789abcdef0", subnet_id=subnet.subnet_id, vpc_id=vpc.vpc_id
            )
        )
    assert raised.value.code == "InvalidParameterValue"


def test_resolve_by_name_and_group_name() -> None:
    network = Network()
    vpc = network.create_vpc("10.0.0.0/16", name="app")
    group = network.create_security_group(vpc, "web-sg")
    assert network.resolve("app", type(vpc)) is vpc
    assert network.resolve("web-sg", type(group)) is group
    with pytest.raises(ModelError) as raised:
        network.resolve("nope", type(vpc))
    assert raised.value.code == "InvalidVpcID.NotFound"


def test_version_changes_on_every_builder_mutation() -> None:
    network = Network()
    vpc = network.create_vpc("10.0.0.0/16")
    before = network.version
    vgw = network.create_vpn_gateway(vpc)
    assert vgw.vpc_ids == [vpc.vpc_id]
    assert network.version > before
    before = network.version
    network.authorize_security_group_egress(
        network.create_security_group(vpc, "x"), ip_protocol="udp", port=53, cidr_ipv4="10.0.0.2/32"
    )
    assert network.version > before


# ---------------------------------------------------------------------------------- fresh networks validate


def test_fresh_vpc_validates() -> None:
    network = Network()
    network.create_vpc("10.0.0.0/16")
    assert validate(network) == []


def test_fresh_default_vpc_validates() -> None:
    network = Network()
    vpc = network.create_default_vpc()
    for subnet in list(network.subnets.values()):
        network.run_instance(subnet)
    assert vpc.is_default
    assert validate(network) == []


def test_fresh_full_network_validates() -> None:
    """Public and private subnets, NAT gateway, NAT instance, dual-homed appliance, peering, EIPs."""
    network = Network()
    default_vpc = network.create_default_vpc()
    vpc = network.create_vpc("10.0.0.0/16", name="app")
    network.associate_vpc_cidr_block(vpc, "100.64.0.0/16")
    public = network.create_subnet(vpc, "10.0.0.0/24", availability_zone="us-east-1a", name="public")
    private = network.create_subnet(vpc, "10.0.1.0/24", availability_zone="us-east-1a", name="private")
    extra = network.create_subnet(vpc, "100.64.0.0/24", availability_zone="us-east-1a")
    igw = network.create_internet_gateway()
    network.attach_internet_gateway(igw, vpc)
    public_rt = network.create_route_table(vpc, name="public-rt")
    network.associate_route_table(public_rt, public)
    network.create_route(public_rt, "0.0.0.0/0", igw.internet_gateway_id)
    nat = network.create_nat_gateway(public)
    private_rt = network.create_route_table(vpc)
    network.associate_route_table(private_rt, private)
    network.create_route(private_rt, "0.0.0.0/0", nat.nat_gateway_id)
    web = network.create_security_group(vpc, "web")
    network.authorize_security_group_ingress(web, ip_protocol="tcp", port=443, cidr_ipv4="0.0.0.0/0")
    db = network.create_security_group(vpc, "db")
    network.authorize_security_group_ingress(db, ip_protocol="tcp", port=5432, referenced_group_id=web)
    network.authorize_security_group_ingress(
        db, ip_protocol="icmp", from_port=3, to_port=4, cidr_ipv4="10.0.0.0/16"
    )
    server = network.run_instance(public, groups=[web], associate_public_ip_address=True)
    network.run_instance(private, groups=[db])
    appliance = network.run_instance(public, groups=[web], source_dest_check=False)
    second_leg = network.create_network_interface(private, groups=[web], source_dest_check=False)
    network.attach_network_interface(second_leg, appliance)
    network.create_route(private_rt, "10.0.0.0/24", second_leg.network_interface_id)
    eip = network.allocate_address()
    network.associate_address(eip, server)
    pcx = network.create_vpc_peering_connection(vpc, default_vpc)
    network.create_route(private_rt, "172.31.0.0/16", pcx.vpc_peering_connection_id)
    acl = network.create_network_acl(vpc)
    network.replace_network_acl_association(extra, acl)
    network.create_network_acl_entry(
        acl, 100, egress=False, rule_action="allow", protocol="tcp", port_range=(1024, 65535)
    )
    network.create_network_acl_entry(
        acl, 110, egress=True, rule_action="allow", protocol=1, icmp_type_code=(-1, -1)
    )
    pl = network.create_managed_prefix_list("corp", ["192.0.2.0/24"])
    network.authorize_security_group_ingress(
        web, ip_protocol="tcp", port=22, prefix_list_id=pl.prefix_list_id
    )
    assert validate(network) == []
    # the same network stays valid after a round of mutations
    network.stop_instance(server)
    network.delete_nat_gateway(nat)
    network.detach_internet_gateway(igw)
    problems = validate(network)
    assert errors(problems) == []
    assert [(p.code, p.resource, p.field) for p in problems] == [
        ("VPCSIM_GATEWAY_NOT_ATTACHED", public_rt.route_table_id, "routes[2].gateway_id")
    ]
    assert isinstance(web.ingress[0], SecurityGroupRule)
