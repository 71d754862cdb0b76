"""Importing AWS describe-* JSON: the Batfish snapshots, folder layouts, leniency and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.support.paths import FIXTURES

from vpcsim.formats.aws import load_aws, load_aws_documents
from vpcsim.formats.problems import InputError, LoadResult
from vpcsim.model import UnknownResource

FIXTURES = FIXTURES / "aws"
SCENARIOS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def errors(result: LoadResult) -> list[str]:
    return [str(p) for p in result.warnings if p.severity == "error"]


def messages(result: LoadResult) -> list[str]:
    return [str(p) for p in result.warnings]


def write(folder: Path, name: str, document: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(document, indent=1))
    return path


# ---------------------------------------------------------------------- a small dump to vary

VPC = {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "OwnerId": "111111111111", "IsDefault": False}
SUBNETS = [
    {
        "SubnetId": "subnet-a",
        "VpcId": "vpc-1",
        "CidrBlock": "10.0.0.0/24",
        "AvailabilityZone": "eu-west-1a",
        "OwnerId": "111111111111",
    },
    {
        "SubnetId": "subnet-b",
        "VpcId": "vpc-1",
        "CidrBlock": "10.0.1.0/24",
        "AvailabilityZone": "eu-west-1b",
        "OwnerId": "111111111111",
    },
]


def eni(
    eni_id: str, subnet: str, ip: str, *, instance: str | None = None, public: str | None = None
) -> dict[str, Any]:
    address: dict[str, Any] = {"Primary": True, "PrivateIpAddress": ip}
    if public:
        address["Association"] = {"PublicIp": public, "IpOwnerId": "amazon"}
    item: dict[str, Any] = {
        "NetworkInterfaceId": eni_id,
        "SubnetId": subnet,
        "VpcId": "vpc-1",
        "PrivateIpAddress": ip,
        "PrivateIpAddresses": [address],
        "Groups": [{"GroupId": "sg-1", "GroupName": "web"}],
        "InterfaceType": "interface",
        "SourceDestCheck": True,
        "OwnerId": "111111111111",
        "TagSet": [],
    }
    if instance:
        item["Attachment"] = {"DeviceIndex": 0, "InstanceId": instance, "Status": "attached"}
    return item


def group(group_id: str = "sg-1", **extra: Any) -> dict[str, Any]:
    return {
        "GroupId": group_id,
        "GroupName": "web",
        "VpcId": "vpc-1",
        "OwnerId": "111111111111",
        "Description": "web",
        "IpPermissions": [],
        "IpPermissionsEgress": [
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "UserIdGroupPairs": []}
        ],
        **extra,
    }


def base_docs() -> list[tuple[str, Any]]:
    return [
        ("Vpcs.json", {"Vpcs": [VPC]}),
        ("Subnets.json", {"Subnets": SUBNETS}),
        ("SecurityGroups.json", {"SecurityGroups": [group()]}),
    ]


# ---------------------------------------------------------------------- the Batfish snapshots


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_batfish_scenario_imports_without_error(scenario: str) -> None:
    result = load_aws(FIXTURES / scenario)
    assert result.format == "aws"
    assert errors(result) == []
    assert result.counts["vpcs"] >= 1
    assert result.network.account == "554773406868"
    # nothing read is silently dropped: every top-level key is either modelled or counted as skipped
    assert not [p for p in result.warnings if p.code == "VPCSIM_UNKNOWN_KEY"]


def test_public_subnet_snapshot() -> None:
    result = load_aws(FIXTURES / "test-public-subnet")
    net = result.network
    assert result.counts == {
        "vpcs": 1,
        "subnets": 1,
        "route_tables": 2,
        "internet_gateways": 1,
        "network_acls": 1,
        "security_groups": 2,
        "network_interfaces": 1,
        "instances": 1,
    }
    # availability zones are context and empty listings skip nothing: nothing was skipped
    assert result.skipped == {}
    assert net.region == "us-east-2"
    instance = net.instances["i-06669a407b2ef3ae5"]
    assert instance.state == "running"
    assert instance.subnet_id == "subnet-0bb82ae8b3ea5dc78"
    assert instance.vpc_id == "vpc-0672bce73895d7252"
    assert instance.region == "us-east-2"
    assert instance.owner_id == "554773406868"
    eni = net.primary_network_interface(instance.instance_id)
    assert eni.private_ip_address == "10.0.0.91"
    assert eni.public_ip == "18.216.80.133"
    assert eni.groups == ["sg-09ccba6656672061b"]
    assert net.owner_of_public_ip("18.216.80.133") is not None
    group = net.security_groups["sg-09ccba6656672061b"]
    assert group.group_name == "launch-wizard-1"
    assert [(r.ip_protocol, r.from_port, r.to_port, r.cidr_ipv4) for r in group.ingress] == [
        ("tcp", 22, 22, "0.0.0.0/0")
    ]
    assert [(r.ip_protocol, r.cidr_ipv4) for r in group.egress] == [("-1", "0.0.0.0/0")]
    igw = net.internet_gateways["igw-0a409e562d251f766"]
    assert igw.attached_vpc_id == "vpc-0672bce73895d7252"
    table = net.route_table_of_subnet("subnet-0bb82ae8b3ea5dc78")
    assert table is not None and table.route_table_id == "rtb-0489000c9e6c299e8"
    assert [(r.destination, r.target) for r in table.routes] == [
        ("10.0.0.0/16", "local"),
        ("0.0.0.0/0", "igw-0a409e562d251f766"),
    ]
    acl = net.network_acl_of_subnet("subnet-0bb82ae8b3ea5dc78")
    assert acl is not None and acl.is_default and len(acl.entries) == 4
    default = net.default_security_group("vpc-0672bce73895d7252")
    assert default is not None
    assert default.ingress[0].referenced_group_id == default.group_id


def test_public_private_subnet_snapshot() -> None:
    result = load_aws(FIXTURES / "test-public-private-subnet")
    net = result.network
    assert result.skipped == {"CustomerGateways": 1, "VpnConnections": 1}
    public = net.instances["i-094a9e5b545a4fde4"]
    private = net.instances["i-099cf38911942421c"]
    assert public.subnet_id == "subnet-0cf7a93fbd779f3a3"
    assert private.subnet_id == "subnet-0f263105946ad1a1d"
    public_eni = net.primary_network_interface(public.instance_id)
    private_eni = net.primary_network_interface(private.instance_id)
    assert (public_eni.private_ip_address, public_eni.public_ip) == ("10.0.0.47", "13.58.55.60")
    assert (private_eni.private_ip_address, private_eni.public_ip) == ("10.0.1.204", None)
    assert public_eni.groups == ["sg-0662342465612f419"]
    assert private_eni.groups == ["sg-063f2bb51713c3236"]
    for group_id in ("sg-0662342465612f419", "sg-063f2bb51713c3236"):
        group = net.security_groups[group_id]
        assert [(r.ip_protocol, r.from_port, r.to_port, r.cidr_ipv4) for r in group.ingress] == [
            ("tcp", 22, 22, "0.0.0.0/0")
        ]
        assert [(r.ip_protocol, r.cidr_ipv4) for r in group.egress] == [("-1", "0.0.0.0/0")]
    assert net.internet_gateways["igw-0eac198308206c358"].attached_vpc_id == "vpc-0b966fdeb36d5e43f"
    vgw = net.vpn_gateways["vgw-070087240d6fa2989"]
    assert vgw.vpc_ids == ["vpc-0b966fdeb36d5e43f"]
    # the private subnet has no explicit association: its main table sends 0.0.0.0/0 to the VGW
    main = net.route_table_of_subnet("subnet-0f263105946ad1a1d")
    assert main is not None and main.main and main.route_table_id == "rtb-002f0eabf583bf991"
    default_route = next(r for r in main.routes if r.destination == "0.0.0.0/0")
    assert default_route.gateway_id == "vgw-070087240d6fa2989"
    assert default_route.state == "active"
    public_table = net.route_table_of_subnet("subnet-0cf7a93fbd779f3a3")
    assert public_table is not None and public_table.route_table_id == "rtb-0d20fcae075afe460"
    assert not net.unknown_resources


def test_transit_gateway_snapshot_models_the_gateway() -> None:
    result = load_aws(FIXTURES / "test-transit-gateway")
    net = result.network
    tgw = net.transit_gateways["tgw-044be4464fcc69aff"]
    assert tgw.vpc_ids == []  # described by its attachments
    assert tgw.name == "transit-test"
    assert tgw.default_route_table_association and tgw.default_route_table_propagation
    assert tgw.association_default_route_table_id == "tgw-rtb-0fa40c8df355dce6e"
    routes = {r.destination: r for r in net.route_tables["rtb-017c36290c9baf017"].routes}
    assert routes["10.10.0.0/16"].transit_gateway_id == "tgw-044be4464fcc69aff"
    attachments = net.transit_gateway_attachments
    a = attachments["tgw-attach-07f5ec59e9f540021"]
    assert (a.resource_type, a.resource_id, a.subnet_ids, a.state) == (
        "vpc",
        "vpc-0404e08ceddf7f650",
        ["subnet-006a19c846f047bd7"],
        "available",
    )
    assert attachments["tgw-attach-0d724909ecd7a5961"].resource_type == "vpn"
    assert attachments["tgw-attach-0d724909ecd7a5961"].state == "deleted"
    table = net.transit_gateway_route_tables["tgw-rtb-0fa40c8df355dce6e"]
    assert table.default_association_route_table and table.default_propagation_route_table
    assert table.associations == ["tgw-attach-07f5ec59e9f540021", "tgw-attach-0ae2696617bb06fb4"]
    assert sorted(table.propagations) == ["tgw-attach-07f5ec59e9f540021", "tgw-attach-0ae2696617bb06fb4"]
    assert table.routes == []
    assert not [p for p in result.warnings if p.code == "VPCSIM_NOT_MODELLED"]
    for key in ("TransitGatewayRouteTables", "TransitGatewayStaticRoutes", "TransitGatewayPropagations"):
        assert key not in result.skipped
    assert result.skipped["VpnConnections"] == 1
    # the terminated instance has no network left: counted, not silently dropped
    assert result.skipped["Instances (terminated, no network)"] == 1
    assert "i-04a292ff83b3aa833" not in net.instances
    assert result.counts["instances"] == 3
    # the Elastic IP and the ENI agree
    eni = net.network_interfaces["eni-0024c0af5aa1387e5"]
    assert eni.private_ip_addresses[0].public_ip == "3.136.41.161"
    assert eni.private_ip_addresses[0].allocation_id == "eipalloc-0ac2b9a9f59d2cc2f"
    assert net.addresses["eipalloc-0ac2b9a9f59d2cc2f"].instance_id == "i-0b14080af811fda3d"
    assert net.network_interfaces["eni-00f08ecf4f651037c"].interface_type == "transit_gateway"


def test_transit_gateway_attachments_without_their_subnets_stay_unknown_beyond(tmp_path: Path) -> None:
    """Only describe-transit-gateway-attachments, no VPC attachment details nor tables: the
    VPCs are known attached, their routing is not (traces answer unknown)."""
    import json

    (tmp_path / "TransitGateways.json").write_text(
        json.dumps({"TransitGateways": [{"TransitGatewayId": "tgw-0123456789abcdef0", "State": "available"}]})
    )
    (tmp_path / "TransitGatewayAttachments.json").write_text(
        json.dumps(
            {
                "TransitGatewayAttachments": [
                    {
                        "TransitGatewayAttachmentId": "tgw-attach-0123456789abcdef0",
                        "TransitGatewayId": "tgw-0123456789abcdef0",
                        "ResourceType": "vpc",
                        "ResourceId": "vpc-0123456789abcdef0",
                        "State": "available",
                    }
                ]
            }
        )
    )
    result = load_aws(tmp_path)
    tgw = result.network.transit_gateways["tgw-0123456789abcdef0"]
    assert tgw.vpc_ids == ["vpc-0123456789abcdef0"]
    assert not result.network.transit_gateway_attachments
    warnings = [p for p in result.warnings if p.code == "VPCSIM_NOT_MODELLED"]
    assert len(warnings) == 1 and "tgw-0123456789abcdef0" in warnings[0].message


def test_vpc_endpoint_gateway_snapshot() -> None:
    result = load_aws(FIXTURES / "test-vpc-endpoint-gateway")
    net = result.network
    assert net.region == "us-east-1"  # from the folder name
    endpoint = net.vpc_endpoints["vpce-0b7357542bb7b83ec"]
    assert endpoint.vpc_endpoint_type == "Gateway"
    assert endpoint.service_name == "com.amazonaws.us-east-1.s3"
    assert endpoint.prefix_list_id == "pl-63a5400a"
    assert sorted(endpoint.route_table_ids) == ["rtb-04f71fc2caa8d94cf", "rtb-0efde4139784b75b0"]
    s3 = net.prefix_lists["pl-63a5400a"]
    assert s3.aws_managed and [e.cidr for e in s3.entries][:2] == ["54.231.0.0/17", "52.216.0.0/15"]
    table = net.route_table_of_subnet("subnet-01e5f0945f6d6f47c")
    assert table is not None
    assert [(r.destination, r.target) for r in table.routes] == [
        ("10.1.0.0/16", "local"),
        ("pl-63a5400a", "vpce-0b7357542bb7b83ec"),
    ]
    acl = net.network_acl_of_subnet("subnet-01e5f0945f6d6f47c")
    assert acl is not None and acl.network_acl_id == "acl-086ba598bbf8e5d89" and not acl.is_default
    assert result.skipped["ServiceDetails"] == 77
    assert "LoadBalancers" not in result.skipped  # an empty listing skips nothing
    assert not net.unknown_resources


def test_load_balancer_snapshot_reads_the_load_balancer() -> None:
    result = load_aws(FIXTURES / "test-load-balancer")
    assert result.skipped == {"ServiceDetails": 64, "ServiceNames": 64}
    assert not [p for p in result.warnings if p.code == "VPCSIM_NOT_MODELLED"]
    lb_arn = "arn:aws:elasticloadbalancing:us-east-2:554773406868:loadbalancer/net/test-lb/725b996cb6be8fba"
    lb = result.network.load_balancers[lb_arn]
    assert (lb.type, lb.scheme, lb.vpc_id, lb.cross_zone) == (
        "network",
        "internal",
        "vpc-015b20578b48c1349",
        True,
    )
    assert [(z.zone_name, z.subnet_id) for z in lb.availability_zones] == [
        ("us-east-2a", "subnet-0873d71031a560a88"),
        ("us-east-2b", "subnet-090fe152cd18ced20"),
    ]
    assert [(li.protocol, li.port, li.target_group_arns) for li in lb.listeners] == [
        (
            "TCP",
            80,
            ["arn:aws:elasticloadbalancing:us-east-2:554773406868:targetgroup/test-lb-tg/8e891d8fcdf8ece8"],
        )
    ]
    assert len(result.network.target_groups) == 4
    tg = result.network.target_groups[lb.listeners[0].target_group_arns[0]]
    assert (tg.protocol, tg.port, tg.target_type) == ("TCP", 80, "instance")
    assert [(t.id, t.port, t.health_state) for t in tg.targets] == [
        ("i-0f4af951d61a19245", 22, "healthy"),
        ("i-055b0db7be365202c", 22, "healthy"),
    ]
    net = result.network
    nlb = [e for e in net.network_interfaces.values() if e.interface_type == "network_load_balancer"]
    assert sorted(e.private_ip_address for e in nlb) == ["10.1.1.237", "10.1.20.123"]
    assert all(e.attachment is not None and e.attachment.instance_id is None for e in nlb)
    assert result.counts["instances"] == 3
    icmp = net.security_groups["sg-0a74e5595da78724d"].ingress
    assert ("icmp", 8, 0) in {(r.ip_protocol, r.from_port, r.to_port) for r in icmp}  # echo request


# ---------------------------------------------------------------------- layout


def test_account_and_region_come_from_folder_names(tmp_path: Path) -> None:
    for account, region in (("111111111111", "eu-west-1"), ("222222222222", "us-west-2")):
        folder = tmp_path / "aws_configs" / account / region
        vpc = dict(VPC, VpcId=f"vpc-{account[:3]}", OwnerId=account)
        write(folder, "a.json", {"Vpcs": [vpc]})
    result = load_aws(tmp_path)
    vpcs = result.network.vpcs
    assert (vpcs["vpc-111"].owner_id, vpcs["vpc-111"].region) == ("111111111111", "eu-west-1")
    assert (vpcs["vpc-222"].owner_id, vpcs["vpc-222"].region) == ("222222222222", "us-west-2")
    assert not result.warnings


def test_region_and_account_are_inferred_from_the_data(tmp_path: Path) -> None:
    # Vpcs carry no region: the subnets' availability zones tell it, whatever the file order
    write(tmp_path, "0.json", {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]})
    write(tmp_path, "1.json", {"Subnets": SUBNETS})
    result = load_aws(tmp_path)
    vpc = result.network.vpcs["vpc-1"]
    assert (vpc.owner_id, vpc.region) == ("111111111111", "eu-west-1")
    assert result.network.region == "eu-west-1"


def test_region_unknown_is_assumed_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path, "vpcs.json", {"Vpcs": [VPC]})
    result = load_aws(tmp_path)
    assert result.network.vpcs["vpc-1"].region == "us-east-1"
    assert [p.code for p in result.warnings] == ["VPCSIM_REGION_ASSUMED"]


def test_each_folder_is_placed_on_its_own(tmp_path: Path) -> None:
    # two folders with the same (empty) knowledge are still two places
    write(tmp_path / "a", "v.json", {"Vpcs": [dict(VPC, OwnerId=None)]})
    write(tmp_path / "b", "v.json", {"Vpcs": [dict(VPC, VpcId="vpc-2", OwnerId=None)]})
    write(
        tmp_path / "b",
        "s.json",
        {"Subnets": [dict(SUBNETS[0], VpcId="vpc-2", AvailabilityZone="sa-east-1c")]},
    )
    result = load_aws(tmp_path)
    vpcs = result.network.vpcs
    assert (vpcs["vpc-1"].region, vpcs["vpc-2"].region) == ("us-east-1", "sa-east-1")
    assert (vpcs["vpc-1"].owner_id, vpcs["vpc-2"].owner_id) == ("123456789012", "111111111111")
    [problem] = result.warnings
    assert problem.code == "VPCSIM_REGION_ASSUMED" and str(problem.location.file).endswith("v.json")


def test_one_file_with_several_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path / "eu-west-1",
        "dump.json",
        {"Subnets": SUBNETS, "Vpcs": [VPC], "ResponseMetadata": {"RequestId": "x"}},
    )
    result = load_aws(path)
    assert result.counts == {"vpcs": 1, "subnets": 2}
    assert result.network.subnets["subnet-a"].region == "eu-west-1"
    assert not result.warnings and not result.skipped


def test_load_aws_documents_with_account_and_region() -> None:
    docs = [("SecurityGroups", {"SecurityGroups": [group()]}), ("Vpcs", {"Vpcs": [dict(VPC, OwnerId=None)]})]
    result = load_aws_documents(docs, account="333333333333", region="ap-south-1")
    vpc = result.network.vpcs["vpc-1"]
    assert (vpc.owner_id, vpc.region) == ("333333333333", "ap-south-1")
    assert result.network.security_groups["sg-1"].region == "ap-south-1"
    assert not result.warnings


def test_unknown_keys_are_skipped_with_a_warning() -> None:
    docs = [*base_docs(), ("x", {"Widgets": [{"a": 1}, {"b": 2}], "CustomerGateways": []})]
    result = load_aws_documents(docs, region="eu-west-1")
    assert result.skipped == {"Widgets": 2}
    [problem] = result.warnings
    assert problem.code == "VPCSIM_UNKNOWN_KEY" and problem.location.path == "$.Widgets"


def test_duplicate_ids_keep_the_first_copy() -> None:
    docs = [*base_docs(), ("again.json", {"Vpcs": [dict(VPC, CidrBlock="10.9.0.0/16")]})]
    result = load_aws_documents(docs)
    assert result.network.vpcs["vpc-1"].cidr_block == "10.0.0.0/16"
    [problem] = [p for p in result.warnings if p.code == "VPCSIM_DUPLICATE_ID"]
    assert problem.location.file == "again.json" and problem.location.path == "$.Vpcs[0]"


# ---------------------------------------------------------------------- what the model reads


def test_secondary_blocks_routes_and_edge_associations() -> None:
    vpc = dict(
        VPC,
        CidrBlockAssociationSet=[
            {"CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}},
            {"CidrBlock": "100.64.0.0/16", "CidrBlockState": {"State": "associated"}},
            {"CidrBlock": "10.5.0.0/16", "CidrBlockState": {"State": "disassociated"}},
        ],
    )
    table = {
        "RouteTableId": "rtb-1",
        "VpcId": "vpc-1",
        "Associations": [
            {"Main": True, "RouteTableId": "rtb-1"},
            {"Main": False, "SubnetId": "subnet-a", "AssociationState": {"State": "associated"}},
            {"Main": False, "SubnetId": "subnet-b", "AssociationState": {"State": "disassociated"}},
            {"Main": False, "GatewayId": "igw-1"},
        ],
        "Routes": [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable"},
            {"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-1", "State": "active"},
            {
                "DestinationCidrBlock": "172.16.0.0/12",
                "GatewayId": "vgw-1",
                "Origin": "EnableVgwRoutePropagation",
                "State": "active",
            },
            {
                "DestinationCidrBlock": "10.0.1.0/24",
                "InstanceId": "i-1",
                "InstanceOwnerId": "111111111111",
                "NetworkInterfaceId": "eni-1",
                "State": "active",
            },
        ],
    }
    docs = [
        ("v", {"Vpcs": [vpc]}),
        ("s", {"Subnets": SUBNETS}),
        ("r", {"RouteTables": [table]}),
        ("i", {"InternetGateways": [{"InternetGatewayId": "igw-1", "Attachments": [{"VpcId": "vpc-1"}]}]}),
        ("e", {"EgressOnlyInternetGateways": [{"EgressOnlyInternetGatewayId": "eigw-1"}]}),
        (
            "g",
            {
                "VpnGateways": [
                    {"VpnGatewayId": "vgw-1", "VpcAttachments": [{"State": "attached", "VpcId": "vpc-1"}]}
                ]
            },
        ),
        ("n", {"NetworkInterfaces": [eni("eni-1", "subnet-a", "10.0.0.10", instance="i-1")]}),
        ("sg", {"SecurityGroups": [group()]}),
        (
            "res",
            {
                "Reservations": [
                    {
                        "OwnerId": "111111111111",
                        "Instances": [
                            {
                                "InstanceId": "i-1",
                                "State": {"Name": "running"},
                                "SubnetId": "subnet-a",
                                "VpcId": "vpc-1",
                                "NetworkInterfaces": [eni("eni-1", "subnet-a", "10.0.0.10")],
                            }
                        ],
                    }
                ]
            },
        ),
    ]
    result = load_aws_documents(docs)
    assert messages(result) == []
    net = result.network
    assert net.vpcs["vpc-1"].cidr_blocks == ["10.0.0.0/16", "100.64.0.0/16"]
    rtb = net.route_tables["rtb-1"]
    assert rtb.main and rtb.subnet_ids == ["subnet-a"] and rtb.gateway_ids == ["igw-1"]
    assert [r.origin for r in rtb.routes] == [
        "CreateRouteTable",
        "CreateRoute",
        "EnableVgwRoutePropagation",
        "CreateRoute",
    ]
    assert rtb.routes[1].egress_only_internet_gateway_id == "eigw-1"
    assert rtb.routes[1].address_family == "ipv6"
    assert (rtb.routes[3].instance_id, rtb.routes[3].network_interface_id) == ("i-1", "eni-1")
    assert net.instances["i-1"].network_interface_ids == ["eni-1"]


def test_network_acl_entries_and_missing_star_rules() -> None:
    acl = {
        "NetworkAclId": "acl-1",
        "VpcId": "vpc-1",
        "IsDefault": False,
        "Associations": [{"SubnetId": "subnet-a", "NetworkAclId": "acl-1"}],
        "Entries": [
            {
                "RuleNumber": 100,
                "Protocol": "6",
                "RuleAction": "allow",
                "Egress": False,
                "CidrBlock": "10.0.0.0/8",
                "PortRange": {"From": 22, "To": 22},
            },
            {
                "RuleNumber": 110,
                "Protocol": "1",
                "RuleAction": "deny",
                "Egress": False,
                "CidrBlock": "0.0.0.0/0",
                "IcmpTypeCode": {"Type": 8, "Code": -1},
            },
            {
                "RuleNumber": 120,
                "Protocol": "-1",
                "RuleAction": "allow",
                "Egress": True,
                "Ipv6CidrBlock": "::/0",
            },
        ],
    }
    result = load_aws_documents([*base_docs(), ("a", {"NetworkAcls": [acl]})])
    assert messages(result) == []
    entries = {(e.rule_number, e.egress): e for e in result.network.network_acls["acl-1"].entries}
    assert entries[(100, False)].port_range == (22, 22) and entries[(100, False)].protocol == "6"
    assert entries[(110, False)].icmp_type_code == (8, -1)
    assert entries[(120, True)].ipv6_cidr_block == "::/0"
    # the dump left the `*` rules out; AWS has them whatever the dump says
    for egress in (False, True):
        assert entries[(32767, egress)].rule_action == "deny"
        assert entries[(32768, egress)].ipv6_cidr_block == "::/0"
    assert result.network.network_acl_of_subnet("subnet-a").network_acl_id == "acl-1"  # type: ignore[union-attr]


def test_security_group_peers_one_rule_each() -> None:
    sg = group(
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "corp"}, {"CidrIp": "192.0.2.0/24"}],
                "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}],
                "PrefixListIds": [{"PrefixListId": "pl-1"}],
                "UserIdGroupPairs": [{"GroupId": "sg-1", "UserId": "111111111111"}],
            },
            {"IpProtocol": "50", "IpRanges": [{"CidrIp": "198.51.100.0/24"}]},
        ]
    )
    docs = [
        *base_docs()[:2],
        ("sg", {"SecurityGroups": [sg]}),
        (
            "pl",
            {"ManagedPrefixLists": [{"PrefixListId": "pl-1", "PrefixListName": "office", "MaxEntries": 5}]},
        ),
        (
            "ple",
            {"ManagedPrefixListEntries": [{"PrefixListId": "pl-1", "Entries": [{"Cidr": "203.0.113.0/24"}]}]},
        ),
    ]
    result = load_aws_documents(docs)
    assert messages(result) == []
    rules = result.network.security_groups["sg-1"].ingress
    assert [r.peer for r in rules] == [
        "10.0.0.0/8",
        "192.0.2.0/24",
        "2001:db8::/32",
        "pl-1",
        "sg-1",
        "198.51.100.0/24",
    ]
    assert rules[0].description == "corp"
    assert (rules[5].ip_protocol, rules[5].from_port) == ("50", None)
    prefix_list = result.network.prefix_lists["pl-1"]
    assert [e.cidr for e in prefix_list.entries] == ["203.0.113.0/24"]
    assert prefix_list.max_entries == 5 and not prefix_list.aws_managed


def test_security_group_rules_api_merges_without_duplicates() -> None:
    sg = group(
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ]
    )
    rules = [
        {  # the same as IpPermissions[0]: gives it its id
            "SecurityGroupRuleId": "sgr-1",
            "GroupId": "sg-1",
            "IsEgress": False,
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "CidrIpv4": "0.0.0.0/0",
        },
        {  # the egress rule: -1 ports in this API
            "SecurityGroupRuleId": "sgr-2",
            "GroupId": "sg-1",
            "IsEgress": True,
            "IpProtocol": "-1",
            "FromPort": -1,
            "ToPort": -1,
            "CidrIpv4": "0.0.0.0/0",
        },
        {  # new: not in IpPermissions (a later dump)
            "SecurityGroupRuleId": "sgr-3",
            "GroupId": "sg-1",
            "IsEgress": False,
            "IpProtocol": "udp",
            "FromPort": 53,
            "ToPort": 53,
            "ReferencedGroupInfo": {"GroupId": "sg-1", "UserId": "111111111111"},
        },
        {  # listed twice: still one rule
            "SecurityGroupRuleId": "sgr-3",
            "GroupId": "sg-1",
            "IsEgress": False,
            "IpProtocol": "udp",
            "FromPort": 53,
            "ToPort": 53,
            "ReferencedGroupInfo": {"GroupId": "sg-1", "UserId": "111111111111"},
        },
    ]
    # the rules file comes first: the order of documents does not matter
    result = load_aws_documents(
        [("r", {"SecurityGroupRules": rules}), *base_docs()[:2], ("g", {"SecurityGroups": [sg]})]
    )
    assert messages(result) == []
    group_ = result.network.security_groups["sg-1"]
    assert [(r.security_group_rule_id, r.peer) for r in group_.ingress] == [
        ("sgr-1", "0.0.0.0/0"),
        ("sgr-3", "sg-1"),
    ]
    assert [(r.security_group_rule_id, r.peer) for r in group_.egress] == [("sgr-2", "0.0.0.0/0")]


def test_instance_enis_are_built_from_reservations_when_no_interface_document_has_them() -> None:
    second = eni("eni-2", "subnet-b", "10.0.1.20", public="198.51.100.7")
    second["Attachment"] = {"DeviceIndex": 1, "Status": "attached"}
    primary = eni("eni-1", "subnet-a", "10.0.0.10")
    primary["Attachment"] = {"DeviceIndex": 0, "Status": "attached"}
    primary["PrivateIpAddresses"].append({"Primary": False, "PrivateIpAddress": "10.0.0.11"})
    reservation = {
        "OwnerId": "111111111111",
        "Instances": [
            {
                "InstanceId": "i-1",
                "InstanceType": "m5.large",
                "State": {"Code": 80, "Name": "stopped"},
                "SubnetId": "subnet-a",
                "VpcId": "vpc-1",
                "Placement": {"AvailabilityZone": "eu-west-1a"},
                "NetworkInterfaces": [second, primary],
                "Tags": [{"Key": "Name", "Value": "app"}],
            }
        ],
    }
    result = load_aws_documents([*base_docs(), ("res", {"Reservations": [reservation]})])
    assert messages(result) == []
    net = result.network
    instance = net.instances["i-1"]
    assert (instance.state, instance.instance_type, instance.name) == ("stopped", "m5.large", "app")
    assert instance.network_interface_ids == ["eni-1", "eni-2"]  # by DeviceIndex
    first = net.network_interfaces["eni-1"]
    assert [a.private_ip_address for a in first.private_ip_addresses] == ["10.0.0.10", "10.0.0.11"]
    assert first.attachment is not None and first.attachment.instance_id == "i-1"
    assert first.availability_zone == "eu-west-1a" and first.region == "eu-west-1"
    assert net.network_interfaces["eni-2"].public_ip == "198.51.100.7"
    assert net.instance_of_eni("eni-2") is instance


def test_elastic_ip_fills_an_interface_that_lacks_its_association() -> None:
    address = {
        "AllocationId": "eipalloc-1",
        "AssociationId": "eipassoc-1",
        "PublicIp": "198.51.100.9",
        "NetworkInterfaceId": "eni-1",
        "PrivateIpAddress": "10.0.0.10",
        "Domain": "vpc",
    }
    classic = {"PublicIp": "198.51.100.10", "Domain": "standard"}
    docs = [
        *base_docs(),
        ("n", {"NetworkInterfaces": [eni("eni-1", "subnet-a", "10.0.0.10")]}),
        ("a", {"Addresses": [address, classic]}),
    ]
    result = load_aws_documents(docs)
    slot = result.network.network_interfaces["eni-1"].private_ip_addresses[0]
    assert (slot.public_ip, slot.allocation_id) == ("198.51.100.9", "eipalloc-1")
    assert result.skipped == {"Addresses (EC2-Classic, no AllocationId)": 1}


def test_nat_gateway_and_its_interface() -> None:
    nat = {
        "NatGatewayId": "nat-1",
        "SubnetId": "subnet-a",
        "VpcId": "vpc-1",
        "State": "available",
        "ConnectivityType": "public",
        "NatGatewayAddresses": [
            {
                "AllocationId": "eipalloc-9",
                "NetworkInterfaceId": "eni-9",
                "PrivateIp": "10.0.0.9",
                "PublicIp": "198.51.100.99",
                "IsPrimary": True,
            }
        ],
    }
    deleted = {"NatGatewayId": "nat-2", "SubnetId": "subnet-a", "VpcId": "vpc-1", "State": "deleted"}
    result = load_aws_documents([*base_docs(), ("n", {"NatGateways": [nat, deleted]})])
    assert messages(result) == []
    net = result.network
    gateway = net.nat_gateways["nat-1"]
    assert (gateway.private_ip, gateway.public_ip, gateway.allocation_id) == (
        "10.0.0.9",
        "198.51.100.99",
        "eipalloc-9",
    )
    # the dump had no NetworkInterfaces document: the gateway's ENI is made as AWS has it
    interface = net.network_interfaces["eni-9"]
    assert interface.interface_type == "nat_gateway" and not interface.source_dest_check
    assert net.nat_gateway_of_eni("eni-9") is gateway
    assert net.owner_of_public_ip("198.51.100.99") is not None
    assert net.nat_gateways["nat-2"].state == "deleted"


def test_peering_connection_sides() -> None:
    pcx = {
        "VpcPeeringConnectionId": "pcx-1",
        "Status": {"Code": "active", "Message": "Active"},
        "RequesterVpcInfo": {
            "VpcId": "vpc-1",
            "OwnerId": "111111111111",
            "Region": "eu-west-1",
            "CidrBlock": "10.0.0.0/16",
            "CidrBlockSet": [{"CidrBlock": "10.0.0.0/16"}],
        },
        "AccepterVpcInfo": {
            "VpcId": "vpc-far",
            "OwnerId": "999999999999",
            "Region": "us-west-2",
            "CidrBlockSet": [{"CidrBlock": "172.20.0.0/16"}, {"CidrBlock": "172.21.0.0/16"}],
        },
    }
    result = load_aws_documents([*base_docs(), ("p", {"VpcPeeringConnections": [pcx]})])
    connection = result.network.vpc_peering_connections["pcx-1"]
    assert connection.accepter.cidr_blocks == ["172.20.0.0/16", "172.21.0.0/16"]
    assert (connection.accepter.owner_id, connection.accepter.region) == ("999999999999", "us-west-2")
    assert connection.peer_of("vpc-1") == "vpc-far"
    unknown = result.network.unknown_resources["vpc-far"]
    assert unknown.resource_type == "vpc" and unknown.referenced_by == ["pcx-1"]
    assert unknown.owner_id == "999999999999"
    [problem] = result.warnings
    assert problem.location.path == "$.VpcPeeringConnections[0].AccepterVpcInfo.VpcId"


# ---------------------------------------------------------------------- lenient: unknown placeholders


def test_route_to_a_nat_gateway_missing_from_the_dump_is_unknown() -> None:
    table = {
        "RouteTableId": "rtb-1",
        "VpcId": "vpc-1",
        "Associations": [{"Main": True}],
        "Routes": [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
            {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-gone", "State": "active"},
            {"DestinationCidrBlock": "192.0.2.0/24", "NatGatewayId": "nat-dead", "State": "blackhole"},
        ],
    }
    result = load_aws_documents([*base_docs(), ("RouteTables.json", {"RouteTables": [table]})])
    unknown = result.network.unknown_resources
    assert list(unknown) == ["nat-gone"]  # a blackhole route is a known drop, not an unknown
    assert unknown["nat-gone"].resource_type == "natgateway"
    assert unknown["nat-gone"].referenced_by == ["rtb-1"]
    [problem] = result.warnings
    assert problem.code == "InvalidNatGatewayID.NotFound" and problem.severity == "warning"
    assert problem.location.file == "RouteTables.json"
    assert problem.location.path == "$.RouteTables[0].Routes[1].NatGatewayId"


def test_group_of_another_account_is_an_unknown_peered_group() -> None:
    sg = group(
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "UserIdGroupPairs": [{"GroupId": "sg-elsewhere", "UserId": "999999999999"}],
            }
        ]
    )
    result = load_aws_documents([*base_docs()[:2], ("SecurityGroups.json", {"SecurityGroups": [sg]})])
    unknown = result.network.unknown_resources["sg-elsewhere"]
    assert isinstance(unknown, UnknownResource)
    assert (unknown.resource_type, unknown.reason) == ("security-group", "peered/other-account group")
    assert unknown.owner_id == "999999999999" and unknown.referenced_by == ["sg-1"]
    [problem] = result.warnings
    assert problem.location.path == "$.SecurityGroups[0].IpPermissions[0].UserIdGroupPairs[0]"
    # the rule is kept: it references the group, which the engine answers as unknown
    assert result.network.security_groups["sg-1"].ingress[0].referenced_group_id == "sg-elsewhere"


def test_interface_in_a_subnet_missing_from_the_dump() -> None:
    docs = [
        ("v", {"Vpcs": [VPC]}),
        ("sg", {"SecurityGroups": [group()]}),
        ("n", {"NetworkInterfaces": [eni("eni-1", "subnet-gone", "10.0.7.10")]}),
    ]
    result = load_aws_documents(docs, region="eu-west-1")
    unknown = result.network.unknown_resources["subnet-gone"]
    assert unknown.resource_type == "subnet" and unknown.referenced_by == ["eni-1"]
    [problem] = result.warnings
    assert problem.code == "InvalidSubnetID.NotFound"
    assert (problem.location.file, problem.location.path) == ("n", "$.NetworkInterfaces[0].SubnetId")


def test_missing_group_of_an_interface_and_missing_prefix_list() -> None:
    interface = eni("eni-1", "subnet-a", "10.0.0.10")
    interface["Groups"].append({"GroupId": "sg-gone"})
    table = {
        "RouteTableId": "rtb-1",
        "VpcId": "vpc-1",
        "Routes": [{"DestinationPrefixListId": "pl-gone", "GatewayId": "vpce-gone", "State": "active"}],
    }
    docs = [*base_docs(), ("n", {"NetworkInterfaces": [interface]}), ("r", {"RouteTables": [table]})]
    result = load_aws_documents(docs)
    unknown = result.network.unknown_resources
    assert {k: v.resource_type for k, v in unknown.items()} == {
        "vpce-gone": "vpc-endpoint",
        "pl-gone": "prefix-list",
        "sg-gone": "security-group",
    }
    paths = sorted(str(p.location.path) for p in result.warnings)
    assert paths == [
        "$.NetworkInterfaces[0].Groups[1].GroupId",
        "$.RouteTables[0].Routes[0].DestinationPrefixListId",
        "$.RouteTables[0].Routes[0].GatewayId",
    ]


# ---------------------------------------------------------------------- bad input


def test_malformed_json_is_reported_and_the_other_files_are_read(tmp_path: Path) -> None:
    write(tmp_path, "Vpcs.json", {"Vpcs": [VPC]})
    (tmp_path / "Subnets.json").write_text('{"Subnets": [ {"SubnetId": "subnet-a",, } ]}')
    result = load_aws(tmp_path)
    assert list(result.network.vpcs) == ["vpc-1"]
    [problem] = errors(result)
    assert "Subnets.json:1:" in problem and "malformed" in problem
    # the VPC is kept, and its subnet simply is not there
    assert not result.network.subnets


def test_truncated_json_keeps_the_complete_items(tmp_path: Path) -> None:
    write(tmp_path / "eu-west-1", "Vpcs.json", {"Vpcs": [VPC]})
    text = json.dumps({"Subnets": SUBNETS}, indent=1)
    cut = text.index('"subnet-b"') + 5
    (tmp_path / "eu-west-1" / "Subnets.json").write_text(text[:cut])
    result = load_aws(tmp_path)
    assert list(result.network.subnets) == ["subnet-a"]
    [problem] = [p for p in result.warnings if p.severity == "error"]
    assert problem.code == "VPCSIM_MALFORMED_JSON"
    assert problem.location.file is not None and problem.location.file.endswith("Subnets.json")
    assert problem.location.line is not None and problem.location.line > 1
    assert "1 complete item(s) of Subnets" in problem.message


def test_wrong_types_drop_the_smallest_enclosing_object() -> None:
    subnets = [
        SUBNETS[0],
        dict(SUBNETS[1], CidrBlock=10),  # wrong type: this subnet is left out
        "subnet-c",  # not an object
        dict(SUBNETS[1], SubnetId="subnet-d", CidrBlock="10.0.2.0/24", Tags="web"),  # tags ignored only
    ]
    docs = [
        ("Vpcs.json", {"Vpcs": [VPC]}),
        ("Subnets.json", {"Subnets": subnets}),
        ("Routes.json", {"RouteTables": {"RouteTableId": "rtb-1"}}),  # a dict, not a list
    ]
    result = load_aws_documents(docs)
    assert sorted(result.network.subnets) == ["subnet-a", "subnet-d"]
    assert result.network.subnets["subnet-d"].tags == {}
    found = {(p.severity, p.location.file, p.location.path) for p in result.warnings}
    assert found == {
        ("error", "Subnets.json", "$.Subnets[1].CidrBlock"),
        ("error", "Subnets.json", "$.Subnets[2]"),
        ("warning", "Subnets.json", "$.Subnets[3].Tags"),
        ("error", "Routes.json", "$.RouteTables"),
    }


def test_values_out_of_range_are_reported_with_their_path() -> None:
    acl = {
        "NetworkAclId": "acl-1",
        "VpcId": "vpc-1",
        "IsDefault": True,
        "Entries": [
            {
                "RuleNumber": 100,
                "Protocol": "-1",
                "RuleAction": "allow",
                "Egress": False,
                "CidrBlock": "0.0.0.0/0",
            },
            {
                "RuleNumber": 40000,
                "Protocol": "-1",
                "RuleAction": "deny",
                "Egress": False,
                "CidrBlock": "0.0.0.0/0",
            },
            {
                "RuleNumber": 90,
                "Protocol": "6",
                "RuleAction": "deny",
                "Egress": False,
                "CidrBlock": "0.0.0.0/0",
                "PortRange": {"From": 22, "To": 70000},
            },
        ],
    }
    sg = group(
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/33"}]},
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        ]
    )
    interface = eni("eni-1", "subnet-a", "10.0.0.300")
    docs = [
        ("Vpcs.json", {"Vpcs": [VPC, dict(VPC, VpcId="vpc-2", CidrBlock="10.0.0.0/40")]}),
        ("Subnets.json", {"Subnets": SUBNETS}),
        ("Acls.json", {"NetworkAcls": [acl]}),
        ("Sgs.json", {"SecurityGroups": [sg]}),
        ("Enis.json", {"NetworkInterfaces": [interface]}),
    ]
    result = load_aws_documents(docs)
    paths = {p.location.path: p for p in result.warnings if p.severity == "error"}
    assert set(paths) == {
        "$.Vpcs[1].CidrBlock",
        "$.NetworkAcls[0].Entries[1].RuleNumber",
        "$.NetworkAcls[0].Entries[2].PortRange.To",
        "$.SecurityGroups[0].IpPermissions[0].IpRanges[0].CidrIp",
        "$.NetworkInterfaces[0].PrivateIpAddresses[0].PrivateIpAddress",
    }
    assert all(p.code == "InvalidParameterValue" for p in paths.values())
    assert "10.0.0.300" in paths["$.NetworkInterfaces[0].PrivateIpAddresses[0].PrivateIpAddress"].message
    # what was usable is there: the rest of the ACL, the other rule of the group
    entries = result.network.network_acls["acl-1"].entries
    assert [(e.rule_number, e.egress) for e in entries if not e.egress] == [(100, False), (32767, False)]
    assert [r.from_port for r in result.network.security_groups["sg-1"].ingress] == [443]
    assert list(result.network.vpcs) == ["vpc-1"]


def test_a_document_that_is_not_an_object() -> None:
    result = load_aws_documents([*base_docs(), ("list.json", [{"VpcId": "vpc-9"}])])
    [problem] = result.warnings
    assert (problem.severity, problem.location.file, problem.location.path) == ("error", "list.json", "$")


def test_nothing_usable_raises_input_error(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("not json at all")
    (tmp_path / "b.json").write_text('{"Vpcs": ')
    with pytest.raises(InputError) as caught:
        load_aws(tmp_path)
    files = sorted(str(p.location.file) for p in caught.value.problems)
    assert [Path(f).name for f in files] == ["a.json", "b.json"]
    assert all(p.code == "VPCSIM_MALFORMED_JSON" for p in caught.value.problems)


def test_missing_path_and_empty_folder_raise_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_aws(tmp_path / "nope")
    with pytest.raises(InputError, match=r"no \.json file"):
        load_aws(tmp_path)
    with pytest.raises(InputError, match="no AWS describe"):
        load_aws_documents([("x", {"ResponseMetadata": {}})])


def test_transit_gateway_peering_across_regions_and_accounts_in_one_input(tmp_path: Path) -> None:
    """Two accounts' gateways in two regions, peered: one folder per account and region, each
    side associating the peering with its own table and routing to it; read as one network."""
    from tests.support.transit import hub

    import vpcsim
    from vpcsim.formats.aws_export import export_aws

    h = hub()
    net = h.net
    remote = net.create_transit_gateway(name="eu-hub", region="eu-west-1", owner_id="210987654321")
    far_vpc = net.create_vpc("10.8.0.0/16", region="eu-west-1", owner_id="210987654321")
    far_subnet = net.create_subnet(far_vpc, "10.8.1.0/24", availability_zone="eu-west-1a")
    group = net.create_security_group(far_vpc, "far-open")
    net.authorize_security_group_ingress(group, ip_protocol="-1", cidr_ipv4="0.0.0.0/0")
    far = net.run_instance(far_subnet, groups=[group])
    net.create_transit_gateway_vpc_attachment(remote, far_vpc, [far_subnet])
    main = net.main_route_table(far_vpc.vpc_id)
    assert main is not None
    net.create_route(main, "10.0.0.0/8", remote.transit_gateway_id)
    peering = net.create_transit_gateway_peering_attachment(h.tgw, remote)
    remote_table = net.transit_gateway_route_tables[remote.association_default_route_table_id or ""]
    net.associate_transit_gateway_route_table(remote_table, peering)
    net.associate_transit_gateway_route_table(h.table, peering)
    net.create_transit_gateway_route(remote_table, "10.1.0.0/16", peering)
    net.create_transit_gateway_route(h.table, "10.8.0.0/16", peering)
    assert vpcsim.trace(net, h.a.instance.instance_id, far.instance_id, port=22).verdict == "reachable"
    export_aws(net, tmp_path)
    assert sorted(p.relative_to(tmp_path).parts[:2] for p in tmp_path.glob("*/*/TransitGateways.json")) == [
        ("123456789012", "us-east-1"),
        ("210987654321", "eu-west-1"),
    ]
    back = load_aws(tmp_path).network
    read = back.transit_gateway_attachments[peering.transit_gateway_attachment_id]
    assert read.transit_gateway_ids() == (h.tgw.transit_gateway_id, remote.transit_gateway_id)
    result = vpcsim.trace(back, h.a.instance.instance_id, far.instance_id, port=22)
    assert result.verdict == "reachable"
    assert remote.transit_gateway_id in [hop.component for hop in result.forward]


def test_a_peering_listed_by_both_gateways_joins_them(tmp_path: Path) -> None:
    """Without describe-transit-gateway-peering-attachments, each side's
    describe-transit-gateway-attachments names the other gateway as the peering's resource."""
    sides = {
        "us-east-1": ("tgw-0aaaaaaaaaaaaaaa1", "tgw-0bbbbbbbbbbbbbbb1"),
        "eu-west-1": ("tgw-0bbbbbbbbbbbbbbb1", "tgw-0aaaaaaaaaaaaaaa1"),
    }
    for region, (own, other) in sides.items():
        folder = tmp_path / "123456789012" / region
        folder.mkdir(parents=True)
        (folder / "TransitGateways.json").write_text(
            json.dumps(
                {
                    "TransitGateways": [
                        {"TransitGatewayId": own, "State": "available", "OwnerId": "123456789012"}
                    ]
                }
            )
        )
        (folder / "TransitGatewayAttachments.json").write_text(
            json.dumps(
                {
                    "TransitGatewayAttachments": [
                        {
                            "TransitGatewayAttachmentId": "tgw-attach-0ccccccccccccccc1",
                            "TransitGatewayId": own,
                            "ResourceType": "peering",
                            "ResourceId": other,
                            "State": "available",
                        }
                    ]
                }
            )
        )
    net = load_aws(tmp_path).network
    attachment = net.transit_gateway_attachments["tgw-attach-0ccccccccccccccc1"]
    assert set(attachment.transit_gateway_ids()) == {"tgw-0aaaaaaaaaaaaaaa1", "tgw-0bbbbbbbbbbbbbbb1"}
