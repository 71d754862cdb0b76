"""Transit gateways through boto3: AWS's defaults (a default route table that attachments are
associated with and propagate to), its errors, and the state as a NETWORK: a trace from one VPC
to another crosses the gateway created through the API."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.support.cli import CliRunner, make_runner

from vpcsim.formats.loader import load_source
from vpcsim.serve import BackgroundServer


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    return make_runner(capsys, monkeypatch, 100)


def code(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as excinfo:
        call(**kwargs)
    return str(excinfo.value.response["Error"]["Code"])


def _vpc(ec2: Any, cidr: str, subnet_cidr: str) -> tuple[str, str, str]:
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=subnet_cidr, AvailabilityZone="us-east-1a")["Subnet"]
    (table,) = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    return vpc, subnet["SubnetId"], table["RouteTableId"]


def test_default_route_table_association_and_errors(ec2: Any) -> None:
    tgw = ec2.create_transit_gateway(Description="hub")["TransitGateway"]
    tgw_id = tgw["TransitGatewayId"]
    assert tgw["State"] == "available" and tgw["Options"]["DefaultRouteTableAssociation"] == "enable"
    table_id = tgw["Options"]["AssociationDefaultRouteTableId"]
    assert table_id == tgw["Options"]["PropagationDefaultRouteTableId"] and table_id.startswith("tgw-rtb-")
    (table,) = ec2.describe_transit_gateway_route_tables(
        Filters=[{"Name": "transit-gateway-id", "Values": [tgw_id]}]
    )["TransitGatewayRouteTables"]
    assert table["DefaultAssociationRouteTable"] is True

    vpc, subnet, _ = _vpc(ec2, "10.1.0.0/16", "10.1.1.0/24")
    second = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.2.0/24", AvailabilityZone="us-east-1a")["Subnet"]
    assert (
        code(
            ec2.create_transit_gateway_vpc_attachment,
            TransitGatewayId=tgw_id,
            VpcId=vpc,
            SubnetIds=[subnet, second["SubnetId"]],
        )
        == "DuplicateSubnetsInSameZone"
    )
    attachment = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw_id, VpcId=vpc, SubnetIds=[subnet]
    )["TransitGatewayVpcAttachment"]
    attachment_id = attachment["TransitGatewayAttachmentId"]
    assert attachment_id.startswith("tgw-attach-") and attachment["SubnetIds"] == [subnet]
    assert (
        code(
            ec2.create_transit_gateway_vpc_attachment, TransitGatewayId=tgw_id, VpcId=vpc, SubnetIds=[subnet]
        )
        == "DuplicateTransitGatewayAttachment"
    )
    (listed,) = ec2.describe_transit_gateway_attachments(TransitGatewayAttachmentIds=[attachment_id])[
        "TransitGatewayAttachments"
    ]
    assert listed["ResourceId"] == vpc and listed["ResourceType"] == "vpc"
    assert listed["Association"] == {"TransitGatewayRouteTableId": table_id, "State": "associated"}
    assert code(ec2.delete_transit_gateway, TransitGatewayId=tgw_id) == "IncorrectState"

    route = ec2.create_transit_gateway_route(
        DestinationCidrBlock="192.168.0.0/16", TransitGatewayRouteTableId=table_id, Blackhole=True
    )["Route"]
    assert route["State"] == "blackhole" and route["Type"] == "static"
    assert (
        code(
            ec2.create_transit_gateway_route,
            DestinationCidrBlock="192.168.0.0/16",
            TransitGatewayRouteTableId=table_id,
            TransitGatewayAttachmentId=attachment_id,
        )
        == "RouteAlreadyExists"
    )
    ec2.delete_transit_gateway_route(
        DestinationCidrBlock="192.168.0.0/16", TransitGatewayRouteTableId=table_id
    )
    ec2.create_tags(Resources=[tgw_id, table_id, attachment_id], Tags=[{"Key": "Name", "Value": "hub"}])
    assert ec2.describe_transit_gateways(TransitGatewayIds=[tgw_id])["TransitGateways"][0]["Tags"] == [
        {"Key": "Name", "Value": "hub"}
    ]
    ec2.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment_id)
    assert ec2.delete_transit_gateway(TransitGatewayId=tgw_id)["TransitGateway"]["State"] == "deleted"
    assert code(ec2.describe_transit_gateways, TransitGatewayIds=["tgw-0123456789abcdef0"]) == (
        "InvalidTransitGatewayID.NotFound"
    )


def test_trace_crosses_the_gateway(server: BackgroundServer, ec2: Any, cli: CliRunner) -> None:
    vpc_a, subnet_a, table_a = _vpc(ec2, "10.1.0.0/16", "10.1.1.0/24")
    vpc_b, subnet_b, table_b = _vpc(ec2, "10.2.0.0/16", "10.2.1.0/24")
    tgw_id = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    for vpc, subnet in ((vpc_a, subnet_a), (vpc_b, subnet_b)):
        ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw_id, VpcId=vpc, SubnetIds=[subnet])
    (group_b,) = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_b]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    ec2.authorize_security_group_ingress(
        GroupId=group_b["GroupId"], IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="10.1.0.0/16"
    )
    a = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnet_a)["Instances"][0]
    b = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnet_b)["Instances"][0]
    args = ("--from", a["InstanceId"], "--to", b["InstanceId"], "--port", "22", "--json")

    without_routes = cli("trace", server.url, *args)
    assert without_routes.status == 1  # nothing in the VPCs' route tables points at the gateway

    ec2.create_route(RouteTableId=table_a, DestinationCidrBlock="10.2.0.0/16", TransitGatewayId=tgw_id)
    ec2.create_route(RouteTableId=table_b, DestinationCidrBlock="10.1.0.0/16", TransitGatewayId=tgw_id)
    network = load_source(server.url).network
    assert tgw_id in network.transit_gateways
    assert len(network.transit_gateway_attachments) == 2
    run = cli("trace", server.url, *args)
    assert run.status == 0, run.out
    assert tgw_id in run.out
