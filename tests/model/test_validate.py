"""validate(): every rule reports AWS's code on the right resource and field, and nothing else."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pytest

from vpcsim.model import (
    Address,
    Instance,
    InternetGatewayAttachment,
    NatGateway,
    Network,
    NetworkAcl,
    NetworkAclEntry,
    NetworkInterface,
    PrivateIpAddress,
    Problem,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    UnknownResource,
    Vpc,
    VpcPeeringConnection,
    VpcPeeringSide,
    validate,
)
from vpcsim.model.addressing import reserved_address_reason, reserved_addresses, rfc1918_range_of
from vpcsim.model.validate import (
    ValidationError,
    ensure_valid,
    errors,
    is_canonical_cidr,
    secondary_block_restriction,
    sort_problems,
    warnings,
)

Triple = tuple[str, str, str, str]


def found(network: Network) -> list[Triple]:
    """(severity, code, resource, field) of every problem, in validate's order."""
    return [(p.severity, p.code, p.resource, p.field) for p in validate(network)]


@dataclass
class Base:
    network: Network
    vpc: Vpc
    a: Subnet
    b: Subnet

    @property
    def main(self) -> RouteTable:
        table = self.network.main_route_table(self.vpc.vpc_id)
        assert table is not None
        return table

    @property
    def acl(self) -> NetworkAcl:
        return next(a for a in self.network.network_acls.values() if a.vpc_id == self.vpc.vpc_id)

    @property
    def default_sg(self) -> SecurityGroup:
        group = self.network.default_security_group(self.vpc.vpc_id)
        assert group is not None
        return group


@pytest.fixture
def base() -> Base:
    """A VPC 10.0.0.0/16 with subnets a (10.0.1.0/24, us-east-1a) and b (10.0.2.0/24, us-east-1b)."""
    network = Network()
    vpc = network.create_vpc("10.0.0.0/16", name="app")
    a = network.create_subnet(vpc, "10.0.1.0/24", availability_zone="us-east-1a", name="a")
    b = network.create_subnet(vpc, "10.0.2.0/24", availability_zone="us-east-1b", name="b")
    assert validate(network) == []
    return Base(network, vpc, a, b)


def E(code: str, resource: str, field: str) -> Triple:
    return ("error", code, resource, field)


def W(code: str, resource: str, field: str) -> Triple:
    return ("warning", code, resource, field)


DANGLING = "VPCSIM_DANGLING_REFERENCE"
INCONSISTENT = "VPCSIM_INCONSISTENT_REFERENCE"


# ---------------------------------------------------------------------------------- VPC blocks


@pytest.mark.parametrize("block", ["10.0.0.0/15", "10.0.0.0/8", "10.0.0.0/29"])
def test_vpc_block_size(block: str) -> None:
    network = Network()
    vpc = network.create_vpc(block)
    assert found(network) == [E("InvalidVpc.Range", vpc.vpc_id, "cidr_block")]


def test_vpc_block_not_canonical() -> None:
    network = Network()
    vpc = network.create_vpc("10.0.0.0/16")
    vpc.cidr_block = "10.0.0.18/16"
    assert found(network) == [E("VPCSIM_CIDR_NOT_CANONICAL", vpc.vpc_id, "cidr_block")]
    assert "10.0.0.0/16" in validate(network)[0].message


def test_vpc_block_not_a_cidr() -> None:
    network = Network()
    vpc = network.create_vpc("10.0.0.0/16")
    vpc.cidr_block = "10.0.0.300/16"
    assert E("InvalidParameterValue", vpc.vpc_id, "cidr_block") in found(network)


def test_vpc_more_than_five_blocks_is_a_quota_warning(base: Base) -> None:
    for k in range(1, 6):
        base.network.associate_vpc_cidr_block(base.vpc, f"10.{k}.0.0/16")
    assert found(base.network) == [W("CidrLimitExceeded", base.vpc.vpc_id, "secondary_cidr_blocks")]


def test_vpc_secondary_block_overlap(base: Base) -> None:
    base.network.associate_vpc_cidr_block(base.vpc, "10.0.128.0/17")
    assert found(base.network) == [E("InvalidVpc.Range", base.vpc.vpc_id, "secondary_cidr_blocks[0]")]


def test_vpc_secondary_block_link_local(base: Base) -> None:
    base.network.associate_vpc_cidr_block(base.vpc, "169.254.0.0/16")
    assert found(base.network) == [E("InvalidVpc.Range", base.vpc.vpc_id, "secondary_cidr_blocks[0]")]


@pytest.mark.parametrize(
    ("primary", "secondary", "allowed"),
    [
        ("10.0.0.0/16", "192.168.0.0/16", False),
        ("10.0.0.0/16", "172.16.0.0/16", False),
        ("172.31.0.0/16", "10.1.0.0/16", False),
        ("192.168.0.0/16", "172.20.0.0/16", False),
        ("10.0.0.0/16", "10.1.0.0/16", True),
        ("10.0.0.0/16", "100.64.0.0/16", True),
        ("10.0.0.0/16", "198.51.100.0/24", True),
        ("100.64.0.0/16", "192.168.0.0/16", True),
        ("198.51.100.0/24", "10.0.0.0/16", True),
    ],
)
def test_vpc_secondary_block_rfc1918_mix(primary: str, secondary: str, allowed: bool) -> None:
    network = Network()
    vpc = network.create_vpc(primary)
    network.associate_vpc_cidr_block(vpc, secondary)
    expected = [] if allowed else [E("InvalidVpc.Range", vpc.vpc_id, "secondary_cidr_blocks[0]")]
    assert found(network) == expected


# ---------------------------------------------------------------------------------- subnets


def test_subnet_outside_vpc(base: Base) -> None:
    subnet = base.network.create_subnet(base.vpc, "10.1.0.0/24")
    assert found(base.network) == [E("InvalidSubnet.Range", subnet.subnet_id, "cidr_block")]


def test_subnet_straddling_two_vpc_blocks() -> None:
    network = Network()
    vpc = network.create_vpc("10.0.0.0/28")
    network.associate_vpc_cidr_block(vpc, "10.0.0.16/28")
    subnet = network.create_subnet(vpc, "10.0.0.0/27")
    assert found(network) == [E("InvalidSubnet.Range", subnet.subnet_id, "cidr_block")]


def test_subnet_inside_a_secondary_block() -> None:
    network = Network()
    vpc = network.create_vpc("10.0.0.0/16")
    network.associate_vpc_cidr_block(vpc, "100.64.0.0/16")
    network.create_subnet(vpc, "100.64.3.0/24")
    assert found(network) == []


@pytest.mark.parametrize("block", ["10.0.1.0/29", "10.0.1.0/32"])
def test_subnet_too_small(base: Base, block: str) -> None:
    subnet = base.network.create_subnet(base.vpc, block)
    problems = found(base.network)
    assert E("InvalidSubnet.Range", subnet.subnet_id, "cidr_block") in problems


def test_subnet_overlap_is_reported_on_both(base: Base) -> None:
    overlapping = base.network.create_subnet(base.vpc, "10.0.1.128/25")
    assert found(base.network) == sorted(
        [
            E("InvalidSubnet.Conflict", base.a.subnet_id, "cidr_block"),
            E("InvalidSubnet.Conflict", overlapping.subnet_id, "cidr_block"),
        ],
        key=lambda t: t[2],
    )


def test_subnets_in_different_vpcs_may_overlap(base: Base) -> None:
    other = base.network.create_vpc("10.0.0.0/16")
    base.network.create_subnet(other, "10.0.1.0/24")
    assert found(base.network) == []


def test_subnet_vpc_missing_or_unknown() -> None:
    network = Network()
    network.add(
        Subnet(subnet_id="subnet-1", vpc_id="vpc-gone", cidr_block="10.0.0.0/24", availability_zone="a")
    )
    assert found(network) == [E(DANGLING, "subnet-1", "vpc_id")]
    network.add(UnknownResource(resource_id="vpc-gone", resource_type="vpc", reason="not in the dump"))
    assert found(network) == []


# ---------------------------------------------------------------------------------- network interfaces


def test_eni_address_outside_subnet(base: Base) -> None:
    eni = base.network.create_network_interface(base.a, private_ip="10.0.2.10")
    assert found(base.network) == [
        E("InvalidParameterValue", eni.network_interface_id, "private_ip_addresses[0].private_ip_address")
    ]


@pytest.mark.parametrize("last_octet", [0, 1, 2, 3, 255])
def test_eni_reserved_addresses(base: Base, last_octet: int) -> None:
    eni = base.network.create_network_interface(
        base.a, private_ip="10.0.1.50", secondary_private_ips=["10.0.1.51"]
    )
    eni.private_ip_addresses[1].private_ip_address = f"10.0.1.{last_octet}"
    base.network.touch()
    assert found(base.network) == [
        E("InvalidParameterValue", eni.network_interface_id, "private_ip_addresses[1].private_ip_address")
    ]


def test_eni_first_and_last_usable_addresses_are_fine(base: Base) -> None:
    base.network.create_network_interface(base.a, private_ip="10.0.1.4")
    base.network.create_network_interface(base.a, private_ip="10.0.1.254")
    assert found(base.network) == []


def test_eni_address_in_use_within_vpc(base: Base) -> None:
    first = base.network.create_network_interface(base.a, private_ip="10.0.1.10")
    second = base.network.create_network_interface(
        base.a, private_ip="10.0.1.11", secondary_private_ips=["10.0.1.10"]
    )
    assert found(base.network) == sorted(
        [
            E(
                "InvalidIPAddress.InUse",
                first.network_interface_id,
                "private_ip_addresses[0].private_ip_address",
            ),
            E(
                "InvalidIPAddress.InUse",
                second.network_interface_id,
                "private_ip_addresses[1].private_ip_address",
            ),
        ],
        key=lambda t: t[2],
    )
    other_vpc = base.network.create_vpc("10.0.0.0/16")
    twin = base.network.create_subnet(other_vpc, "10.0.1.0/24")
    base.network.create_network_interface(twin, private_ip="10.0.1.10")
    assert len(found(base.network)) == 2


def test_eni_malformed_address_is_reported_not_raised(base: Base) -> None:
    eni = base.network.add(
        NetworkInterface(
            network_interface_id="eni-bad",
            subnet_id=base.a.subnet_id,
            vpc_id=base.vpc.vpc_id,
            groups=[base.default_sg.group_id],
            private_ip_addresses=[PrivateIpAddress(private_ip_address="10.0.1.999", primary=True)],
        )
    )
    assert found(base.network) == [
        E("InvalidParameterValue", eni.network_interface_id, "private_ip_addresses[0].private_ip_address")
    ]


def test_eni_vpc_disagrees_with_subnet(base: Base) -> None:
    eni = base.network.create_network_interface(base.a)
    eni.vpc_id = "vpc-elsewhere"
    assert E(INCONSISTENT, eni.network_interface_id, "vpc_id") in found(base.network)


def test_eni_zone_disagrees_with_subnet(base: Base) -> None:
    """Found by fuzz campaign 5: an ENI's ``AvailabilityZone`` other than its subnet's was read,
    then exported as its subnet's; AWS puts an interface in its subnet's zone."""
    eni = base.network.create_network_interface(base.a)
    eni.availability_zone = "us-east-1a"
    assert found(base.network) == []
    eni.availability_zone = "us-east-1b"
    assert E(INCONSISTENT, eni.network_interface_id, "availability_zone") in found(base.network)


def test_eni_group_missing_or_in_another_vpc(base: Base) -> None:
    other = base.network.create_vpc("10.9.0.0/16")
    foreign = base.network.create_security_group(other, "foreign")
    eni = base.network.create_network_interface(base.a, groups=[foreign])
    eni.groups.append("sg-gone")
    assert found(base.network) == [
        E("InvalidParameter", eni.network_interface_id, "groups[0]"),
        E(DANGLING, eni.network_interface_id, "groups[1]"),
    ]


def test_eni_group_count_quota(base: Base) -> None:
    groups = [base.network.create_security_group(base.vpc, f"g{k}") for k in range(17)]
    six = base.network.create_network_interface(base.a, groups=groups[:6])
    five = base.network.create_network_interface(base.a, groups=groups[:5])
    seventeen = base.network.create_network_interface(base.a, groups=groups)
    assert found(base.network) == sorted(
        [
            W("SecurityGroupsPerInterfaceLimitExceeded", six.network_interface_id, "groups"),
            E("SecurityGroupsPerInterfaceLimitExceeded", seventeen.network_interface_id, "groups"),
        ],
        key=lambda t: t[2],
    )
    assert five.network_interface_id not in {t[2] for t in found(base.network)}


def test_eni_without_groups(base: Base) -> None:
    eni = base.network.create_network_interface(base.a, groups=[])
    base.network.create_nat_gateway(base.b)  # requester-managed: no groups, no problem
    assert found(base.network) == [E("VPCSIM_ENI_WITHOUT_SECURITY_GROUP", eni.network_interface_id, "groups")]


def test_eni_groups_times_rules_cap(base: Base) -> None:
    groups = []
    for k in range(16):
        group = base.network.create_security_group(base.vpc, f"g{k}")
        group.ingress = [
            SecurityGroupRule(ip_protocol="tcp", from_port=p, to_port=p, cidr_ipv4="0.0.0.0/0")
            for p in range(63)
        ]
        groups.append(group)
    base.network.touch()
    eni = base.network.create_network_interface(base.a, groups=groups)
    problems = [p for p in validate(base.network) if p.resource == eni.network_interface_id]
    assert [(p.severity, p.code, p.field) for p in problems] == [
        ("warning", "SecurityGroupsPerInterfaceLimitExceeded", "groups"),
        ("warning", "SecurityGroupsPerInterfaceLimitExceeded", "groups"),
    ]
    assert any("1000" in p.message for p in problems)


def test_public_ip_unique_network_wide(base: Base) -> None:
    other = base.network.create_vpc("10.5.0.0/16")
    subnet = base.network.create_subnet(other, "10.5.0.0/24")
    first = base.network.run_instance(base.a, associate_public_ip_address=True)
    second = base.network.run_instance(subnet)
    ip = base.network.primary_network_interface(first.instance_id).public_ip
    base.network.primary_network_interface(second.instance_id).private_ip_addresses[0].public_ip = ip
    base.network.touch()
    eni_ids = sorted([first.network_interface_ids[0], second.network_interface_ids[0]])
    assert found(base.network) == [
        E("InvalidIPAddress.InUse", eni_id, "private_ip_addresses[0].public_ip") for eni_id in eni_ids
    ]


# ---------------------------------------------------------------------------------- instances


def test_instance_eni_missing(base: Base) -> None:
    instance = base.network.run_instance(base.a)
    instance.network_interface_ids.append("eni-gone")
    assert found(base.network) == [E(DANGLING, instance.instance_id, "network_interface_ids[1]")]


def test_instance_eni_not_attached_to_it(base: Base) -> None:
    instance = base.network.run_instance(base.a)
    loose = base.network.create_network_interface(base.a)
    instance.network_interface_ids.append(loose.network_interface_id)
    assert found(base.network) == [E(INCONSISTENT, instance.instance_id, "network_interface_ids[1]")]


def test_eni_attached_to_instance_that_does_not_list_it(base: Base) -> None:
    instance = base.network.run_instance(base.a)
    eni = base.network.create_network_interface(base.a)
    base.network.attach_network_interface(eni, instance)
    instance.network_interface_ids.remove(eni.network_interface_id)
    assert found(base.network) == [E(INCONSISTENT, eni.network_interface_id, "attachment.instance_id")]


def test_instance_enis_in_another_zone(base: Base) -> None:
    instance = base.network.run_instance(base.a)
    same_zone = base.network.create_subnet(base.vpc, "10.0.3.0/24", availability_zone="us-east-1a")
    base.network.attach_network_interface(base.network.create_network_interface(same_zone), instance)
    assert found(base.network) == []  # dual-homed: two subnets of one zone
    base.network.attach_network_interface(base.network.create_network_interface(base.b), instance)
    assert found(base.network) == [
        E("InvalidParameterCombination", instance.instance_id, "network_interface_ids[2]")
    ]


def test_instance_without_interfaces(base: Base) -> None:
    base.network.add(Instance(instance_id="i-1", subnet_id=base.a.subnet_id, vpc_id=base.vpc.vpc_id))
    assert found(base.network) == [E("MissingParameter", "i-1", "network_interface_ids")]
    base.network.instances["i-1"].state = "terminated"
    assert found(base.network) == []


# ---------------------------------------------------------------------------------- internet gateways


def test_two_internet_gateways_on_one_vpc(base: Base) -> None:
    first = base.network.create_internet_gateway()
    base.network.attach_internet_gateway(first, base.vpc)
    second = base.network.create_internet_gateway()
    second.attachments = [InternetGatewayAttachment(vpc_id=base.vpc.vpc_id)]
    base.network.touch()
    assert found(base.network) == sorted(
        [
            E("Resource.AlreadyAssociated", first.internet_gateway_id, "attachments[0].vpc_id"),
            E("Resource.AlreadyAssociated", second.internet_gateway_id, "attachments[0].vpc_id"),
        ],
        key=lambda t: t[2],
    )


def test_internet_gateway_attached_to_missing_vpc(base: Base) -> None:
    igw = base.network.create_internet_gateway()
    igw.attachments = [InternetGatewayAttachment(vpc_id="vpc-gone")]
    detached = base.network.create_internet_gateway()
    detached.attachments = [InternetGatewayAttachment(vpc_id="vpc-gone", state="detached")]
    assert found(base.network) == [E(DANGLING, igw.internet_gateway_id, "attachments[0].vpc_id")]


# ---------------------------------------------------------------------------------- route tables


def test_route_table_vpc_missing(base: Base) -> None:
    base.network.add(RouteTable(route_table_id="rtb-1", vpc_id="vpc-gone"))
    assert found(base.network) == [E(DANGLING, "rtb-1", "vpc_id")]


def test_main_route_table_missing_or_duplicate(base: Base) -> None:
    base.main.main = False
    assert found(base.network) == [E("VPCSIM_MAIN_ROUTE_TABLE_MISSING", base.vpc.vpc_id, "")]
    base.network.route_tables[next(iter(base.network.route_tables))].main = True
    second = base.network.create_route_table(base.vpc)
    second.main = True
    tables = sorted(t.route_table_id for t in base.network.route_tables.values())
    assert found(base.network) == [E("VPCSIM_MAIN_ROUTE_TABLE_DUPLICATE", t, "main") for t in tables]


def test_subnet_explicitly_associated_twice(base: Base) -> None:
    first, second = base.network.create_route_table(base.vpc), base.network.create_route_table(base.vpc)
    base.network.associate_route_table(first, base.a)
    second.subnet_ids.append(base.a.subnet_id)
    assert found(base.network) == sorted(
        [
            E("Resource.AlreadyAssociated", first.route_table_id, "subnet_ids[0]"),
            E("Resource.AlreadyAssociated", second.route_table_id, "subnet_ids[0]"),
        ],
        key=lambda t: t[2],
    )


def test_route_table_associated_with_subnet_of_another_vpc(base: Base) -> None:
    other = base.network.create_vpc("10.7.0.0/16")
    table = base.network.create_route_table(other)
    table.subnet_ids.append(base.a.subnet_id)
    assert found(base.network) == [E("InvalidParameterValue", table.route_table_id, "subnet_ids[0]")]


def test_local_route_missing_for_a_block(base: Base) -> None:
    base.network.associate_vpc_cidr_block(base.vpc, "10.1.0.0/16")
    custom = base.network.create_route_table(base.vpc)
    custom.routes = [r for r in custom.routes if r.destination != "10.1.0.0/16"]
    assert found(base.network) == [E("VPCSIM_LOCAL_ROUTE_MISSING", custom.route_table_id, "routes")]


def test_local_route_for_a_foreign_block(base: Base) -> None:
    base.main.routes.append(Route(destination_cidr_block="10.9.0.0/16", gateway_id="local"))
    assert found(base.network) == [
        E("InvalidParameterValue", base.main.route_table_id, "routes[1].destination_cidr_block")
    ]


def test_duplicate_static_destination(base: Base) -> None:
    igw = base.network.create_internet_gateway()
    base.network.attach_internet_gateway(igw, base.vpc)
    base.network.create_route(base.main, "0.0.0.0/0", igw.internet_gateway_id)
    vgw = base.network.create_vpn_gateway(base.vpc)
    base.main.routes.append(
        Route(
            destination_cidr_block="0.0.0.0/0",
            gateway_id=vgw.vpn_gateway_id,
            origin="EnableVgwRoutePropagation",
        )
    )
    assert found(base.network) == []  # a propagated route for the same destination is fine
    base.main.routes.append(Route(destination_cidr_block="0.0.0.0/0", gateway_id=vgw.vpn_gateway_id))
    assert found(base.network) == [
        E("RouteAlreadyExists", base.main.route_table_id, "routes[3].destination_cidr_block")
    ]


def test_route_more_specific_than_local(base: Base) -> None:
    igw = base.network.create_internet_gateway()
    base.network.attach_internet_gateway(igw, base.vpc)
    appliance = base.network.create_network_interface(base.b, source_dest_check=False)
    nat = base.network.create_nat_gateway(base.b)
    table = base.network.create_route_table(base.vpc)
    # a whole subnet's block to an ENI or NAT gateway: middlebox routing, allowed
    base.network.create_route(table, "10.0.1.0/24", appliance.network_interface_id)
    other = base.network.create_route_table(base.vpc)
    base.network.create_route(other, "10.0.1.0/24", nat.nat_gateway_id)
    assert found(base.network) == []
    # not a subnet's block, or a target that cannot inspect traffic: refused
    base.network.create_route(table, "10.0.2.0/25", appliance.network_interface_id)
    base.network.create_route(other, "10.0.2.0/24", igw.internet_gateway_id)
    assert found(base.network) == sorted(
        [
            E("InvalidParameterValue", table.route_table_id, "routes[2].destination_cidr_block"),
            E("InvalidParameterValue", other.route_table_id, "routes[2].destination_cidr_block"),
        ],
        key=lambda t: t[2],
    )


def test_local_route_target_replaced(base: Base) -> None:
    appliance = base.network.create_network_interface(base.b, source_dest_check=False)
    local = base.main.routes[0]
    local.gateway_id, local.network_interface_id = None, appliance.network_interface_id
    assert found(base.network) == []
    tgw = base.network.add(
        UnknownResource(
            resource_id="tgw-0123", resource_type="transit-gateway", reason="shared from another account"
        )
    )
    local.network_interface_id, local.transit_gateway_id = None, tgw.resource_id
    assert found(base.network) == [
        E("VPCSIM_LOCAL_ROUTE_MISSING", base.main.route_table_id, "routes"),
        E("InvalidParameterValue", base.main.route_table_id, "routes[0].destination_cidr_block"),
    ]


def test_route_target_dangling(base: Base) -> None:
    base.main.routes.append(Route(destination_cidr_block="0.0.0.0/0", nat_gateway_id="nat-gone"))
    assert found(base.network) == [E(DANGLING, base.main.route_table_id, "routes[1].nat_gateway_id")]
    base.main.routes[1].state = "blackhole"
    assert found(base.network) == [W(DANGLING, base.main.route_table_id, "routes[1].nat_gateway_id")]
    base.main.routes[1].state = "active"
    base.network.add(
        UnknownResource(resource_id="nat-gone", resource_type="nat-gateway", reason="not described")
    )
    assert found(base.network) == []


@pytest.mark.parametrize(
    ("field", "ref"),
    [
        ("gateway_id", "igw-gone"),
        ("gateway_id", "vgw-gone"),
        ("gateway_id", "vpce-gone"),
        ("network_interface_id", "eni-gone"),
        ("instance_id", "i-gone"),
        ("vpc_peering_connection_id", "pcx-gone"),
        ("transit_gateway_id", "tgw-gone"),
        ("egress_only_internet_gateway_id", "eigw-gone"),
    ],
)
def test_every_route_target_kind_must_exist(base: Base, field: str, ref: str) -> None:
    route = Route(destination_cidr_block="192.0.2.0/24")
    setattr(route, field, ref)
    base.main.routes.append(route)
    assert found(base.network) == [E(DANGLING, base.main.route_table_id, f"routes[1].{field}")]


def test_route_to_instance_with_several_enis(base: Base) -> None:
    instance = base.network.run_instance(base.a, source_dest_check=False)
    base.network.create_route(base.main, "0.0.0.0/0", instance.instance_id)
    assert found(base.network) == []
    base.network.attach_network_interface(base.network.create_network_interface(base.a), instance)
    assert found(base.network) == [E("InvalidInstanceID", base.main.route_table_id, "routes[1].instance_id")]


def test_route_to_igw_of_another_vpc(base: Base) -> None:
    other = base.network.create_default_vpc()
    igw = base.network.internet_gateway_of_vpc(other.vpc_id)
    assert igw is not None
    base.main.routes.append(Route(destination_cidr_block="0.0.0.0/0", gateway_id=igw.internet_gateway_id))
    assert found(base.network) == [
        W("VPCSIM_GATEWAY_NOT_ATTACHED", base.main.route_table_id, "routes[1].gateway_id")
    ]


def test_route_to_nat_gateway_of_another_vpc(base: Base) -> None:
    other = base.network.create_vpc("10.8.0.0/16")
    nat = base.network.create_nat_gateway(base.network.create_subnet(other, "10.8.0.0/24"))
    base.network.create_route(base.main, "0.0.0.0/0", nat.nat_gateway_id)
    assert found(base.network) == [
        E("InvalidParameterValue", base.main.route_table_id, "routes[1].nat_gateway_id")
    ]


def test_route_to_peering_that_does_not_join_the_vpc(base: Base) -> None:
    x, y = base.network.create_vpc("10.20.0.0/16"), base.network.create_vpc("10.21.0.0/16")
    pcx = base.network.create_vpc_peering_connection(x, y)
    base.network.create_route(base.main, "10.21.0.0/16", pcx.vpc_peering_connection_id)
    assert found(base.network) == [
        E("InvalidParameterValue", base.main.route_table_id, "routes[1].vpc_peering_connection_id")
    ]


# ---------------------------------------------------------------------------------- network ACLs


@pytest.mark.parametrize("number", [0, 32768, 40000, -5])
def test_acl_rule_number_range(base: Base, number: int) -> None:
    base.acl.entries.append(
        NetworkAclEntry(
            rule_number=number, protocol="-1", rule_action="allow", egress=False, cidr_block="0.0.0.0/0"
        )
    )
    assert found(base.network) == [
        E("InvalidParameterValue", base.acl.network_acl_id, "entries[4].rule_number")
    ]


def test_acl_ipv6_star_rule_is_32768(base: Base) -> None:
    base.acl.entries.append(
        NetworkAclEntry(
            rule_number=32768, protocol="-1", rule_action="deny", egress=False, ipv6_cidr_block="::/0"
        )
    )
    assert found(base.network) == []


def test_acl_star_rule_cannot_allow(base: Base) -> None:
    star = next(i for i, e in enumerate(base.acl.entries) if e.rule_number == 32767 and not e.egress)
    base.acl.entries[star].rule_action = "allow"
    assert found(base.network) == [
        E("InvalidParameterValue", base.acl.network_acl_id, f"entries[{star}].rule_action")
    ]


def test_acl_rule_number_unique_per_direction(base: Base) -> None:
    acl = base.network.create_network_acl(base.vpc)
    base.network.create_network_acl_entry(acl, 100, egress=False, rule_action="allow")
    base.network.create_network_acl_entry(acl, 100, egress=True, rule_action="allow")
    assert found(base.network) == []
    acl.entries.append(
        NetworkAclEntry(
            rule_number=100, protocol="-1", rule_action="deny", egress=False, cidr_block="10.0.0.0/8"
        )
    )
    assert found(base.network) == [
        E("NetworkAclEntryAlreadyExists", acl.network_acl_id, "entries[4].rule_number")
    ]


def test_acl_tcp_udp_need_port_range_and_icmp_type_code(base: Base) -> None:
    acl = base.network.create_network_acl(base.vpc)
    base.network.create_network_acl_entry(acl, 100, egress=False, rule_action="allow", protocol="tcp")
    base.network.create_network_acl_entry(
        acl, 110, egress=False, rule_action="allow", protocol="udp", port_range=(53, 53)
    )
    base.network.create_network_acl_entry(acl, 120, egress=False, rule_action="allow", protocol="icmp")
    base.network.create_network_acl_entry(
        acl, 130, egress=False, rule_action="allow", protocol="udp", port_range=(9, 1)
    )
    base.network.create_network_acl_entry(
        acl, 140, egress=False, rule_action="allow", protocol="50"
    )  # ESP: no ports
    assert found(base.network) == [
        E("MissingParameter", acl.network_acl_id, "entries[2].port_range"),
        E("MissingParameter", acl.network_acl_id, "entries[4].icmp_type_code"),
        E("InvalidParameterValue", acl.network_acl_id, "entries[5].port_range"),
    ]


def test_acl_subnet_associated_twice(base: Base) -> None:
    first, second = base.network.create_network_acl(base.vpc), base.network.create_network_acl(base.vpc)
    base.network.replace_network_acl_association(base.a, first)
    second.subnet_ids.append(base.a.subnet_id)
    assert found(base.network) == sorted(
        [
            E("Resource.AlreadyAssociated", first.network_acl_id, "subnet_ids[0]"),
            E("Resource.AlreadyAssociated", second.network_acl_id, "subnet_ids[0]"),
        ],
        key=lambda t: t[2],
    )


def test_default_acl_missing_or_duplicate(base: Base) -> None:
    default = base.acl
    default.is_default = False
    assert found(base.network) == [E("VPCSIM_DEFAULT_NETWORK_ACL_MISSING", base.vpc.vpc_id, "")]
    default.is_default = True
    extra = base.network.create_network_acl(base.vpc)
    extra.is_default = True
    assert found(base.network) == sorted(
        [
            E("VPCSIM_DEFAULT_NETWORK_ACL_DUPLICATE", default.network_acl_id, "is_default"),
            E("VPCSIM_DEFAULT_NETWORK_ACL_DUPLICATE", extra.network_acl_id, "is_default"),
        ],
        key=lambda t: t[2],
    )


# ---------------------------------------------------------------------------------- security groups


def test_security_group_vpc_missing(base: Base) -> None:
    base.network.add(SecurityGroup(group_id="sg-1", group_name="x", vpc_id="vpc-gone"))
    assert found(base.network) == [E(DANGLING, "sg-1", "vpc_id")]


def test_security_group_rule_quota(base: Base) -> None:
    group = base.network.create_security_group(base.vpc, "big")
    for port in range(60):
        base.network.authorize_security_group_ingress(
            group, ip_protocol="tcp", port=port, cidr_ipv4="0.0.0.0/0"
        )
    assert found(base.network) == []
    base.network.authorize_security_group_ingress(group, ip_protocol="tcp", port=60, cidr_ipv4="0.0.0.0/0")
    assert found(base.network) == [W("RulesPerSecurityGroupLimitExceeded", group.group_id, "ingress")]


@pytest.mark.parametrize(
    ("protocol", "from_port", "to_port", "field"),
    [
        ("tcp", 80, 22, "from_port"),
        ("udp", 0, 70000, "from_port"),
        ("tcp", -1, -1, "from_port"),
        ("icmp", 300, 0, "from_port"),
        ("icmp", 3, 256, "to_port"),
        ("icmpv6", -2, -1, "from_port"),
    ],
)
def test_security_group_rule_ports(
    base: Base, protocol: str, from_port: int, to_port: int, field: str
) -> None:
    group = base.network.create_security_group(base.vpc, "ports")
    base.network.authorize_security_group_ingress(
        group, ip_protocol=protocol, from_port=from_port, to_port=to_port, cidr_ipv4="10.0.0.0/8"
    )
    assert found(base.network) == [E("InvalidParameterValue", group.group_id, f"ingress[0].{field}")]


def test_security_group_rule_valid_ports(base: Base) -> None:
    group = base.network.create_security_group(base.vpc, "ok")
    for protocol, low, high in (("tcp", 0, 65535), ("icmp", -1, -1), ("icmp", 3, 4), ("50", None, None)):
        base.network.authorize_security_group_ingress(
            group, ip_protocol=protocol, from_port=low, to_port=high, cidr_ipv4="10.0.0.0/8"
        )
    assert found(base.network) == []


def test_security_group_reference_missing_or_unknown(base: Base) -> None:
    group = base.network.create_security_group(base.vpc, "app")
    base.network.authorize_security_group_ingress(
        group, ip_protocol="tcp", port=80, referenced_group_id="sg-gone"
    )
    assert found(base.network) == [E(DANGLING, group.group_id, "ingress[0].referenced_group_id")]
    base.network.add(
        UnknownResource(resource_id="sg-gone", resource_type="security-group", reason="other account")
    )
    assert found(base.network) == []


def test_security_group_reference_across_vpcs(base: Base) -> None:
    other = base.network.create_vpc("10.50.0.0/16")
    remote = base.network.create_security_group(other, "remote")
    group = base.network.create_security_group(base.vpc, "app")
    base.network.authorize_security_group_ingress(
        group, ip_protocol="tcp", port=80, referenced_group_id=remote
    )
    assert found(base.network) == [
        W("VPCSIM_SG_REFERENCE_OUT_OF_REACH", group.group_id, "ingress[0].referenced_group_id")
    ]
    pcx = base.network.create_vpc_peering_connection(base.vpc, other, accept=False)
    assert len(found(base.network)) == 1  # a pending peering does not count
    base.network.accept_vpc_peering_connection(pcx)
    assert found(base.network) == []


def test_security_group_reference_to_peer_in_another_region(base: Base) -> None:
    other = base.network.create_vpc("10.50.0.0/16", region="eu-west-1")
    remote = base.network.create_security_group(other, "remote")
    base.network.create_vpc_peering_connection(base.vpc, other)
    group = base.network.create_security_group(base.vpc, "app")
    base.network.authorize_security_group_ingress(
        group, ip_protocol="tcp", port=80, referenced_group_id=remote
    )
    assert found(base.network) == [
        W("VPCSIM_SG_REFERENCE_OUT_OF_REACH", group.group_id, "ingress[0].referenced_group_id")
    ]


def test_security_group_prefix_list_missing(base: Base) -> None:
    group = base.network.create_security_group(base.vpc, "app")
    base.network.authorize_security_group_egress(group, ip_protocol="tcp", port=443, prefix_list_id="pl-gone")
    assert found(base.network) == [E(DANGLING, group.group_id, "egress[1].prefix_list_id")]


def test_security_group_rule_without_peer(base: Base) -> None:
    base.default_sg.egress.append(SecurityGroupRule(ip_protocol="-1"))
    assert found(base.network) == [E("MissingParameter", base.default_sg.group_id, "egress[1]")]


# ---------------------------------------------------------------------------------- NAT gateways


def test_nat_gateway_subnet_and_eni_missing(base: Base) -> None:
    base.network.add(
        NatGateway(
            nat_gateway_id="nat-1",
            subnet_id="subnet-gone",
            vpc_id=base.vpc.vpc_id,
            private_ip="10.0.1.9",
            connectivity_type="private",
            network_interface_id="eni-gone",
        )
    )
    assert found(base.network) == [
        E(DANGLING, "nat-1", "network_interface_id"),
        E(DANGLING, "nat-1", "subnet_id"),
    ]
    base.network.nat_gateways["nat-1"].state = "deleted"
    assert found(base.network) == []


def test_public_nat_gateway_needs_elastic_ip(base: Base) -> None:
    nat = base.network.create_nat_gateway(base.a)
    nat.allocation_id = nat.public_ip = None
    assert found(base.network) == [E("MissingParameter", nat.nat_gateway_id, "allocation_id")]


def test_nat_gateway_eni_elsewhere(base: Base) -> None:
    nat = base.network.create_nat_gateway(base.a, connectivity_type="private")
    nat.private_ip = "10.0.1.200"
    assert found(base.network) == [E(INCONSISTENT, nat.nat_gateway_id, "network_interface_id")]


# ---------------------------------------------------------------------------------- peering


def test_peering_overlap(base: Base) -> None:
    twin = base.network.create_vpc("10.0.0.0/16")
    pcx = base.network.create_vpc_peering_connection(base.vpc, twin)
    assert found(base.network) == [
        E("VPCSIM_PEERING_OVERLAP", pcx.vpc_peering_connection_id, "accepter.cidr_blocks")
    ]
    pcx.status = "failed"
    assert found(base.network) == []


def test_peering_overlap_with_vpc_outside_the_network(base: Base) -> None:
    base.network.add(
        VpcPeeringConnection(
            vpc_peering_connection_id="pcx-1",
            requester=VpcPeeringSide(vpc_id=base.vpc.vpc_id, cidr_blocks=["10.0.0.0/16"]),
            accepter=VpcPeeringSide(
                vpc_id="vpc-remote", owner_id="210987654321", cidr_blocks=["10.0.128.0/20"]
            ),
        )
    )
    assert found(base.network) == [E("VPCSIM_PEERING_OVERLAP", "pcx-1", "accepter.cidr_blocks")]


def test_peering_overlap_through_a_secondary_block(base: Base) -> None:
    other = base.network.create_vpc("10.1.0.0/16")
    pcx = base.network.create_vpc_peering_connection(base.vpc, other)
    base.network.associate_vpc_cidr_block(other, "10.0.0.0/24")
    assert found(base.network) == [
        E("VPCSIM_PEERING_OVERLAP", pcx.vpc_peering_connection_id, "accepter.cidr_blocks")
    ]


def test_one_active_peering_per_pair(base: Base) -> None:
    other = base.network.create_vpc("10.1.0.0/16")
    first = base.network.create_vpc_peering_connection(base.vpc, other)
    base.network.create_vpc_peering_connection(other, base.vpc, accept=False)
    assert found(base.network) == []
    third = base.network.create_vpc_peering_connection(other, base.vpc)
    ids = sorted([first.vpc_peering_connection_id, third.vpc_peering_connection_id])
    assert found(base.network) == [E("VpcPeeringConnectionAlreadyExists", pid, "") for pid in ids]


# ---------------------------------------------------------------------------------- Elastic IPs


def test_elastic_ip_on_two_enis(base: Base) -> None:
    first, second = base.network.run_instance(base.a), base.network.run_instance(base.a)
    eip = base.network.allocate_address()
    base.network.associate_address(eip, first)
    slot = base.network.primary_network_interface(second.instance_id).private_ip_addresses[0]
    slot.public_ip, slot.allocation_id = eip.public_ip, eip.allocation_id
    base.network.touch()
    first_eni, second_eni = first.network_interface_ids[0], second.network_interface_ids[0]
    problems = found(base.network)
    assert E("Resource.AlreadyAssociated", second_eni, "private_ip_addresses[0].allocation_id") in problems
    assert E("Resource.AlreadyAssociated", first_eni, "private_ip_addresses[0].allocation_id") not in problems
    assert E("InvalidIPAddress.InUse", second_eni, "private_ip_addresses[0].public_ip") in problems


def test_elastic_ip_and_slot_disagree(base: Base) -> None:
    instance = base.network.run_instance(base.a)
    eip = base.network.allocate_address()
    base.network.associate_address(eip, instance)
    base.network.primary_network_interface(instance.instance_id).private_ip_addresses[
        0
    ].public_ip = "198.51.100.7"
    base.network.touch()
    assert found(base.network) == [E(INCONSISTENT, eip.allocation_id, "public_ip")]


def test_elastic_ip_associated_with_missing_eni() -> None:
    network = Network()
    network.add(
        Address(allocation_id="eipalloc-1", public_ip="198.51.100.1", network_interface_id="eni-gone")
    )
    assert found(network) == [E(DANGLING, "eipalloc-1", "network_interface_id")]


def test_two_elastic_ips_with_one_address() -> None:
    network = Network()
    network.add(Address(allocation_id="eipalloc-1", public_ip="198.51.100.1"))
    network.add(Address(allocation_id="eipalloc-2", public_ip="198.51.100.1"))
    assert found(network) == [
        E("InvalidIPAddress.InUse", "eipalloc-1", "public_ip"),
        E("InvalidIPAddress.InUse", "eipalloc-2", "public_ip"),
    ]


# ---------------------------------------------------------------------------------- API


def test_problems_are_sorted_with_numbers_in_order(base: Base) -> None:
    acl = base.network.create_network_acl(base.vpc)
    for number in range(100, 112):
        base.network.create_network_acl_entry(acl, number, egress=False, rule_action="allow", protocol="tcp")
    fields = [p.field for p in validate(base.network)]
    assert fields == [f"entries[{k}].port_range" for k in range(2, 14)]
    shuffled = [
        Problem("error", "B", "r-2", "x", "m"),
        Problem("error", "A", "r-1", "y[10]", "m"),
        Problem("warning", "A", "r-1", "y[9]", "m"),
        Problem("error", "Z", "r-1", "y[9]", "m"),
    ]
    assert [(p.resource, p.field, p.code) for p in sort_problems(shuffled)] == [
        ("r-1", "y[9]", "A"),
        ("r-1", "y[9]", "Z"),
        ("r-1", "y[10]", "A"),
        ("r-2", "x", "B"),
    ]


def test_errors_warnings_and_validation_error(base: Base) -> None:
    subnet = base.network.create_subnet(base.vpc, "10.1.0.0/24")
    group = base.network.create_security_group(base.vpc, "big")
    group.ingress = [
        SecurityGroupRule(ip_protocol="tcp", from_port=p, to_port=p, cidr_ipv4="0.0.0.0/0") for p in range(61)
    ]
    problems = validate(base.network)
    assert [p.code for p in errors(problems)] == ["InvalidSubnet.Range"]
    assert [p.code for p in warnings(problems)] == ["RulesPerSecurityGroupLimitExceeded"]
    with pytest.raises(ValidationError) as raised:
        ensure_valid(base.network)
    assert raised.value.problems == problems
    assert subnet.subnet_id in str(raised.value) and "InvalidSubnet.Range" in str(raised.value)
    base.network.subnets.pop(subnet.subnet_id)
    assert ensure_valid(base.network) == warnings(problems)


def test_problem_text_and_dict() -> None:
    problem = Problem(
        "error", "InvalidSubnet.Range", "subnet-1", "cidr_block", "10.1.0.0/24 is outside; fix it"
    )
    assert str(problem) == "subnet-1.cidr_block: error: 10.1.0.0/24 is outside; fix it [InvalidSubnet.Range]"
    assert problem.to_dict() == {
        "severity": "error",
        "code": "InvalidSubnet.Range",
        "resource": "subnet-1",
        "field": "cidr_block",
        "message": "10.1.0.0/24 is outside; fix it",
    }
    assert str(Problem("error", "X", "vpc-1", "", "m")) == "vpc-1: error: m [X]"


def test_every_message_says_what_to_do(base: Base) -> None:
    """Each message names the problem and a way out (an imperative after the semicolon or colon)."""
    base.network.create_subnet(base.vpc, "10.1.0.0/24")
    base.network.create_network_interface(base.a, private_ip="10.0.1.255")
    base.main.routes.append(Route(destination_cidr_block="0.0.0.0/0", nat_gateway_id="nat-gone"))
    base.network.create_network_acl_entry(base.acl, 50, egress=False, rule_action="allow", protocol="tcp")
    problems = validate(base.network)
    assert len(problems) == 4
    assert all((";" in p.message or ":" in p.message) and len(p.message) > 40 for p in problems)


# ---------------------------------------------------------------------------------- pure helpers


def test_reserved_addresses() -> None:
    net = ipaddress.IPv4Network("10.0.1.0/24")
    assert [str(a) for a in reserved_addresses(net)] == [
        "10.0.1.0",
        "10.0.1.1",
        "10.0.1.2",
        "10.0.1.3",
        "10.0.1.255",
    ]
    assert reserved_address_reason(net, ipaddress.IPv4Address("10.0.1.1")) == "the VPC router"
    assert reserved_address_reason(net, ipaddress.IPv4Address("10.0.1.4")) is None


def test_secondary_block_restriction_and_rfc1918() -> None:
    ten = ipaddress.IPv4Network("10.0.0.0/16")
    assert rfc1918_range_of(ten) == ipaddress.IPv4Network("10.0.0.0/8")
    assert rfc1918_range_of(ipaddress.IPv4Network("100.64.0.0/16")) is None
    assert secondary_block_restriction(ten, ipaddress.IPv4Network("10.1.0.0/16")) is None
    reason = secondary_block_restriction(ten, ipaddress.IPv4Network("192.168.0.0/20"))
    assert reason is not None and "192.168.0.0/16" in reason
    assert secondary_block_restriction(ten, ipaddress.IPv4Network("169.254.10.0/24")) is not None


def test_is_canonical_cidr() -> None:
    assert is_canonical_cidr("10.0.0.0/16")
    assert not is_canonical_cidr("10.0.0.18/16")
    assert is_canonical_cidr("2600:1f18::/56")
    assert not is_canonical_cidr("nonsense")


# ---------------------------------------------------------------------------------- IPv6


def _dual() -> tuple[Network, str, str, str]:
    net = Network()
    vpc = net.create_vpc("10.0.0.0/16", ipv6_cidr_block="2600:1f18:aa:b00::/56")
    subnet = net.create_subnet(vpc, "10.0.1.0/24", ipv6_cidr_block="2600:1f18:aa:b01::/64")
    eigw = net.create_egress_only_internet_gateway(vpc)
    table = net.create_route_table(vpc)
    return net, subnet.subnet_id, eigw.id, table.route_table_id


def _found(net: Network) -> list[tuple[str, str, str]]:
    return [(p.code, p.resource, p.field) for p in validate(net) if p.severity == "error"]


def test_a_dual_stack_network_is_valid() -> None:
    net, subnet_id, eigw_id, table_id = _dual()
    net.create_route(table_id, "::/0", eigw_id)
    net.run_instance(subnet_id)
    assert _found(net) == []


@pytest.mark.parametrize(
    ("block", "ok"),
    [
        ("2600:1f18::/56", True),
        ("2600:1f18::/44", True),
        ("2600:1f18::/60", True),
        ("2600:1f18::/64", False),
        ("2600:1f18::/58", False),
    ],
)
def test_vpc_ipv6_block_sizes(block: str, ok: bool) -> None:
    net = Network()
    vpc = net.create_vpc("10.0.0.0/16", ipv6_cidr_block=block)
    assert (_found(net) == []) == ok
    if not ok:
        assert _found(net) == [("InvalidVpc.Range", vpc.vpc_id, "ipv6_cidr_blocks[0]")]


@pytest.mark.parametrize(
    ("block", "ok"),
    [
        ("2600:1f18:aa:b01::/64", True),
        ("2600:1f18:aa:b10::/60", True),
        ("2600:1f18:aa:b01::/63", False),
        ("2600:1f18:bb::/64", False),
    ],
)
def test_subnet_ipv6_block_inside_the_vpc_in_steps_of_4(block: str, ok: bool) -> None:
    net = Network()
    vpc = net.create_vpc("10.0.0.0/16", ipv6_cidr_block="2600:1f18:aa:b00::/56")
    subnet = net.create_subnet(vpc, "10.0.1.0/24", ipv6_cidr_block=block)
    expected = [] if ok else [("InvalidSubnet.Range", subnet.subnet_id, "ipv6_cidr_block")]
    assert _found(net) == expected


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("2600:1f18:aa:b01::", "network"),
        ("2600:1f18:aa:b01::1", "router"),
        ("2600:1f18:aa:b01::3", "reserved"),
        ("2600:1f18:aa:b01:ffff:ffff:ffff:ffff", "last"),
        ("2600:1f18:aa:b02::10", "does not fall within"),
    ],
)
def test_eni_ipv6_address_inside_its_subnet_and_not_reserved(address: str, why: str) -> None:
    net, subnet_id, _, _ = _dual()
    eni = net.create_network_interface(subnet_id, ipv6_addresses=[address])
    problems = [p for p in validate(net) if p.severity == "error"]
    assert [(p.code, p.resource, p.field) for p in problems] == [
        ("InvalidParameterValue", eni.network_interface_id, "ipv6_addresses[0]")
    ]
    assert why in problems[0].message


def test_ipv6_addresses_are_globally_unique_and_need_a_subnet_block() -> None:
    net, subnet_id, _, _ = _dual()
    a = net.create_network_interface(subnet_id, ipv6_addresses=["2600:1f18:aa:b01::10"])
    b = net.create_network_interface(subnet_id, ipv6_addresses=["2600:1f18:aa:b01::10"])
    v4only = net.create_subnet(net.subnets[subnet_id].vpc_id, "10.0.2.0/24")
    c = net.create_network_interface(v4only, ipv6_addresses=["2600:1f18:aa:b01::11"])
    assert sorted(_found(net)) == sorted(
        [
            ("InvalidIPAddress.InUse", a.network_interface_id, "ipv6_addresses[0]"),
            ("InvalidIPAddress.InUse", b.network_interface_id, "ipv6_addresses[0]"),
            ("InvalidParameterValue", c.network_interface_id, "ipv6_addresses[0]"),
        ]
    )


def test_routes_the_ipv6_rules_refuse() -> None:
    net, subnet_id, eigw_id, table_id = _dual()
    nat = net.create_nat_gateway(subnet_id)
    net.create_route(table_id, "0.0.0.0/0", eigw_id)  # egress-only gateways carry IPv6 only
    net.create_route(table_id, "fd00:ec2::/48", eigw_id)  # AWS's services' range
    net.create_route(table_id, "::/0", nat.nat_gateway_id)  # NAT gateways: NAT64 only
    net.create_route(table_id, "64:ff9b::/96", nat.nat_gateway_id)  # fine: NAT64
    net.create_route(table_id, "fd00::/8", eigw_id)  # fine: covers fd00:ec2::/32 without lying in it
    table = net.route_tables[table_id]
    index = {r.destination: i for i, r in enumerate(table.routes)}
    assert sorted(_found(net)) == sorted(
        [
            (
                "InvalidParameterValue",
                table_id,
                f"routes[{index['0.0.0.0/0']}].egress_only_internet_gateway_id",
            ),
            (
                "InvalidParameterValue",
                table_id,
                f"routes[{index['fd00:ec2::/48']}].destination_ipv6_cidr_block",
            ),
            ("InvalidParameterValue", table_id, f"routes[{index['::/0']}].nat_gateway_id"),
        ]
    )
