"""The network-building families through boto3: route tables, gateways, Elastic IPs, NAT
gateways, peering, prefix lists, endpoints, with AWS's rules and errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from vpcsim.serve import BackgroundServer


def code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def network(ec2: Any) -> tuple[str, str, str]:
    """A VPC with a subnet and an attached internet gateway."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    return vpc, subnet, igw


def test_subnet_rules(ec2: Any) -> None:
    vpc, subnet, _ = network(ec2)
    for cidr, expected in (("10.0.1.128/25", "InvalidSubnet.Conflict"), ("10.1.0.0/24", "InvalidSubnet.Range"),
                           ("10.0.0.0/29", "InvalidSubnet.Range")):  # fmt: skip
        with pytest.raises(ClientError) as excinfo:
            ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)
        assert code(excinfo) == expected, cidr
    (described,) = ec2.describe_subnets(SubnetIds=[subnet])["Subnets"]
    assert described["AvailableIpAddressCount"] == 251  # 256 less AWS's five reserved addresses
    assert described["MapPublicIpOnLaunch"] is False
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    assert ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["MapPublicIpOnLaunch"] is True


def test_routes_and_associations(ec2: Any) -> None:
    vpc, subnet, igw = network(ec2)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    with pytest.raises(ClientError) as excinfo:
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    assert code(excinfo) == "RouteAlreadyExists"
    with pytest.raises(ClientError) as excinfo:
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="10.0.1.0/24", GatewayId=igw)
    assert code(excinfo) == "InvalidParameterValue"  # more specific than local: only to an interface...
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_route(RouteTableId=table, DestinationCidrBlock="10.0.0.0/16")
    assert code(excinfo) == "InvalidParameterValue"  # the local route stays
    association = ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)["AssociationId"]
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_route_table(RouteTableId=table)
    assert code(excinfo) == "DependencyViolation"
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    (route,) = [
        r
        for r in ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
        if r.get("GatewayId") == igw
    ]
    assert route["State"] == "blackhole"
    ec2.disassociate_route_table(AssociationId=association)
    ec2.delete_route_table(RouteTableId=table)
    main = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
    )
    assert len(main["RouteTables"]) == 1


def test_gateway_rules(ec2: Any) -> None:
    vpc, _, igw = network(ec2)
    other = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    with pytest.raises(ClientError) as excinfo:
        ec2.attach_internet_gateway(InternetGatewayId=other, VpcId=vpc)
    assert code(excinfo) == "Resource.AlreadyAssociated"
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_internet_gateway(InternetGatewayId=igw)
    assert code(excinfo) == "DependencyViolation"
    with pytest.raises(ClientError) as excinfo:
        ec2.detach_internet_gateway(InternetGatewayId=other, VpcId=vpc)
    assert code(excinfo) == "Gateway.NotAttached"


def test_nat_gateway_has_its_interface_in_its_subnet(server: BackgroundServer, ec2: Any) -> None:
    vpc, subnet, igw = network(ec2)
    allocation = ec2.allocate_address(Domain="vpc")
    assert not allocation["PublicIp"].startswith("127.")
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation["AllocationId"])["NatGateway"]
    assert nat["State"] == "available"
    (address,) = nat["NatGatewayAddresses"]
    assert address["PublicIp"] == allocation["PublicIp"] and address["PrivateIp"] == "10.0.1.4"
    documents = server.store.documents()[("123456789012", "us-east-1")]
    (eni,) = [
        e for e in documents["NetworkInterfaces"] if e["NetworkInterfaceId"] == address["NetworkInterfaceId"]
    ]
    assert (eni["SubnetId"], eni["InterfaceType"], eni["PrivateIpAddress"]) == (
        subnet,
        "nat_gateway",
        "10.0.1.4",
    )
    assert eni["Association"]["PublicIp"] == allocation["PublicIp"]
    assert ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["AvailableIpAddressCount"] == 250
    (described,) = ec2.describe_addresses(AllocationIds=[allocation["AllocationId"]])["Addresses"]
    assert described["NetworkInterfaceId"] == eni["NetworkInterfaceId"]
    with pytest.raises(ClientError) as excinfo:
        ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    assert code(excinfo) == "DependencyViolation"  # the VPC has a mapped public address
    with pytest.raises(ClientError) as excinfo:
        ec2.release_address(AllocationId=allocation["AllocationId"])
    assert code(excinfo) == "InvalidIPAddress.InUse"
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_subnet(SubnetId=subnet)
    assert code(excinfo) == "DependencyViolation"
    ec2.delete_nat_gateway(NatGatewayId=nat["NatGatewayId"])
    assert (
        ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"][0]["State"] == "deleted"
    )
    ec2.release_address(AllocationId=allocation["AllocationId"])
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)


def test_release_address_disassociates_only_in_the_default_vpc(ec2: Any) -> None:
    """ReleaseAddress: "[Default VPC] Releasing an Elastic IP address automatically disassociates it
    from any instance that it's associated with. [Nondefault VPC] You must disassociate [...]
    Otherwise, Amazon EC2 returns an error (InvalidIPAddress.InUse)." """
    default_instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]
    allocation = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(InstanceId=default_instance["InstanceId"], AllocationId=allocation["AllocationId"])
    ec2.release_address(AllocationId=allocation["AllocationId"])
    assert allocation["PublicIp"] not in {a["PublicIp"] for a in ec2.describe_addresses()["Addresses"]}
    (instance,) = ec2.describe_instances(InstanceIds=[default_instance["InstanceId"]])["Reservations"][0][
        "Instances"
    ]
    assert "PublicIpAddress" not in instance or instance["PublicIpAddress"] != allocation["PublicIp"]

    _, subnet, _ = network(ec2)
    other = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0]
    allocation = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(InstanceId=other["InstanceId"], AllocationId=allocation["AllocationId"])
    with pytest.raises(ClientError) as excinfo:
        ec2.release_address(AllocationId=allocation["AllocationId"])
    assert code(excinfo) == "InvalidIPAddress.InUse"


def test_nat_gateway_without_internet_gateway_fails(ec2: Any) -> None:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]
    assert (nat["State"], nat["FailureCode"]) == ("failed", "Gateway.NotAttached")


def test_elastic_ip_quota(ec2: Any) -> None:
    for _ in range(5):
        ec2.allocate_address(Domain="vpc")
    with pytest.raises(ClientError) as excinfo:
        ec2.allocate_address(Domain="vpc")
    assert code(excinfo) == "AddressLimitExceeded"


def test_peering_lifecycle(ec2: Any) -> None:
    one = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    two = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    overlapping = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    pcx = ec2.create_vpc_peering_connection(VpcId=one, PeerVpcId=two)["VpcPeeringConnection"]
    assert pcx["Status"]["Code"] == "initiating-request"
    pcx_id = pcx["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    with pytest.raises(ClientError) as excinfo:
        ec2.reject_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    assert code(excinfo) == "InvalidStateTransition"
    options = ec2.modify_vpc_peering_connection_options(
        VpcPeeringConnectionId=pcx_id,
        RequesterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
    )
    assert options["RequesterPeeringConnectionOptions"]["AllowDnsResolutionFromRemoteVpc"] is True
    failed = ec2.create_vpc_peering_connection(VpcId=one, PeerVpcId=overlapping)["VpcPeeringConnection"]
    described = ec2.describe_vpc_peering_connections(
        VpcPeeringConnectionIds=[failed["VpcPeeringConnectionId"]]
    )
    assert described["VpcPeeringConnections"][0]["Status"]["Code"] == "failed"


def test_prefix_lists(ec2: Any) -> None:
    aws = ec2.describe_managed_prefix_lists(Filters=[{"Name": "owner-id", "Values": ["AWS"]}])["PrefixLists"]
    assert "com.amazonaws.us-east-1.s3" in {p["PrefixListName"] for p in aws}
    made = ec2.create_managed_prefix_list(
        PrefixListName="office", MaxEntries=2, AddressFamily="IPv4", Entries=[{"Cidr": "203.0.113.0/24"}]
    )["PrefixList"]
    pl = made["PrefixListId"]
    changed = ec2.modify_managed_prefix_list(
        PrefixListId=pl, CurrentVersion=1, AddEntries=[{"Cidr": "198.51.100.0/24"}]
    )
    assert changed["PrefixList"]["Version"] == 2
    with pytest.raises(ClientError) as excinfo:
        ec2.modify_managed_prefix_list(
            PrefixListId=pl, CurrentVersion=1, AddEntries=[{"Cidr": "192.0.2.0/24"}]
        )
    assert code(excinfo) == "PrefixListVersionMismatch"
    with pytest.raises(ClientError) as excinfo:
        ec2.modify_managed_prefix_list(PrefixListId=pl, AddEntries=[{"Cidr": "192.0.2.0/24"}])
    assert code(excinfo) == "PrefixListMaxEntriesExceeded"
    first = ec2.get_managed_prefix_list_entries(PrefixListId=pl, TargetVersion=1)["Entries"]
    assert [e["Cidr"] for e in first] == ["203.0.113.0/24"]
    with pytest.raises(ClientError) as excinfo:
        ec2.create_managed_prefix_list(PrefixListName="x", MaxEntries=2, AddressFamily="?")
    assert code(excinfo) == "InvalidParameterValue"


def test_gateway_endpoint_routes_the_service_prefix_list(ec2: Any) -> None:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3", RouteTableIds=[table], VpcEndpointType="Gateway"
    )["VpcEndpoint"]
    routes = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    (route,) = [r for r in routes if r.get("GatewayId") == endpoint["VpcEndpointId"]]
    assert route["DestinationPrefixListId"].startswith("pl-")
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])
    routes = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    assert [r.get("GatewayId") for r in routes] == ["local"]


def test_the_local_route_is_replaced_by_a_middlebox_and_restored(ec2: Any) -> None:
    """ReplaceRoute gives a VPC block's route an interface (again and again), never an internet
    gateway; LocalTarget=true gives it back its local target, and only a VPC block's route."""
    vpc, subnet, igw = network(ec2)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    first, second = (
        ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
        for _ in range(2)
    )

    def local() -> dict[str, Any]:
        routes = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
        (route,) = [r for r in routes if r["DestinationCidrBlock"] == "10.0.0.0/16"]
        return dict(route)

    for eni in (first, second):
        ec2.replace_route(RouteTableId=table, DestinationCidrBlock="10.0.0.0/16", NetworkInterfaceId=eni)
        assert local()["NetworkInterfaceId"] == eni and "GatewayId" not in local()
    with pytest.raises(ClientError) as excinfo:
        ec2.replace_route(RouteTableId=table, DestinationCidrBlock="10.0.0.0/16", GatewayId=igw)
    assert code(excinfo) == "InvalidParameterValue"
    with pytest.raises(ClientError) as excinfo:
        ec2.replace_route(
            RouteTableId=table, DestinationCidrBlock="10.0.0.0/16", LocalTarget=True, GatewayId=igw
        )
    assert code(excinfo) == "InvalidParameterCombination"
    ec2.replace_route(RouteTableId=table, DestinationCidrBlock="10.0.0.0/16", LocalTarget=True)
    assert local() == {
        "DestinationCidrBlock": "10.0.0.0/16",
        "GatewayId": "local",
        "Origin": "CreateRouteTable",
        "State": "active",
    }
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    with pytest.raises(ClientError) as excinfo:
        ec2.replace_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", LocalTarget=True)
    assert code(excinfo) == "InvalidParameterValue"


def test_only_a_gateway_load_balancer_endpoint_is_a_route_target(ec2: Any) -> None:
    """CreateRoute(VpcEndpointId=...) takes a Gateway Load Balancer endpoint, described as the
    route's GatewayId (the Route shape has no VpcEndpointId), also as a middlebox for a subnet's
    block; a gateway endpoint is RouteNotSupported, under either parameter."""
    vpc, subnet, _ = network(ec2)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    gwlb = ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName="com.amazonaws.vpce.us-east-1.vpce-svc-084fa044c50cb1290",
        SubnetIds=[subnet],
        VpcEndpointType="GatewayLoadBalancer",
    )["VpcEndpoint"]["VpcEndpointId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", VpcEndpointId=gwlb)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="10.0.1.0/24", VpcEndpointId=gwlb)
    routes = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    assert {(r["DestinationCidrBlock"], r["GatewayId"], r["State"]) for r in routes} == {
        ("10.0.0.0/16", "local", "active"),
        ("0.0.0.0/0", gwlb, "active"),
        ("10.0.1.0/24", gwlb, "active"),
    }
    s3 = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Gateway"
    )["VpcEndpoint"]["VpcEndpointId"]
    for target in ({"VpcEndpointId": s3}, {"GatewayId": s3}):
        with pytest.raises(ClientError) as excinfo:
            ec2.create_route(RouteTableId=table, DestinationCidrBlock="192.0.2.0/24", **target)
        assert code(excinfo) == "RouteNotSupported", target
    with pytest.raises(ClientError) as excinfo:
        ec2.create_route(
            RouteTableId=table, DestinationCidrBlock="192.0.2.0/24", VpcEndpointId="vpce-0123456789abcdef0"
        )
    assert code(excinfo) == "InvalidVpcEndpointId.NotFound"


def test_get_requests_work(server: BackgroundServer, ec2: Any) -> None:
    import urllib.request

    url = f"{server.url}/?Action=DescribeRegions&Version=2016-11-15"
    with urllib.request.urlopen(url, timeout=10) as answer:
        text = answer.read().decode()
    assert "<regionName>us-east-1</regionName>" in text and "DescribeRegionsResponse" in text


def test_classic_link_is_retired(ec2: Any) -> None:
    """EC2-Classic was retired in 2023: ClassicLink's actions answer UnsupportedOperation."""
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    for call, kwargs in (
        (ec2.enable_vpc_classic_link, {"VpcId": vpc}),
        (ec2.describe_vpc_classic_link, {"VpcIds": [vpc]}),
        (ec2.enable_vpc_classic_link_dns_support, {"VpcId": vpc}),
        (ec2.describe_classic_link_instances, {}),
    ):
        with pytest.raises(ClientError) as excinfo:
            call(**kwargs)
        assert code(excinfo) == "UnsupportedOperation", call
        assert "EC2-Classic was retired" in excinfo.value.response["Error"]["Message"]
