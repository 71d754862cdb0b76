"""The tutorial's network built with boto3 against vpcsim serve, then Reachability Analyzer asked
through the API: each analysis must answer what ``vpcsim.trace`` answers on the same state
(read back through the server's URL), found or not, with the same explanation codes."""

from __future__ import annotations

from typing import Any

import pytest

import vpcsim
from vpcsim.serve import BackgroundServer

from .conftest import Client


def build_tutorial(ec2: Any) -> dict[str, str]:
    """VPC, public and private subnets, internet gateway, NAT gateway, a bastion reachable on SSH
    from the internet and an app reachable on SSH from the bastion only."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_rt, SubnetId=public)
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    private_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=private_rt, SubnetId=private)
    bastion_sg = ec2.create_security_group(GroupName="bastion", Description="ssh from anywhere", VpcId=vpc)[
        "GroupId"
    ]
    ec2.authorize_security_group_ingress(
        GroupId=bastion_sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    app_sg = ec2.create_security_group(GroupName="app", Description="ssh from the bastion", VpcId=vpc)[
        "GroupId"
    ]
    ec2.authorize_security_group_ingress(
        GroupId=app_sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "UserIdGroupPairs": [{"GroupId": bastion_sg}]}
        ],
    )

    def launch(name: str, subnet: str, group: str, public_ip: bool) -> str:
        reservation = ec2.run_instances(
            ImageId="ami-12345678",
            MinCount=1,
            MaxCount=1,
            InstanceType="t3.micro",
            NetworkInterfaces=[
                {
                    "DeviceIndex": 0,
                    "SubnetId": subnet,
                    "Groups": [group],
                    "AssociatePublicIpAddress": public_ip,
                }
            ],
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}],
        )
        return str(reservation["Instances"][0]["InstanceId"])

    return {
        "vpc": vpc,
        "igw": igw,
        "nat": nat,
        "bastion": launch("bastion", public, bastion_sg, True),
        "app": launch("app", private, app_sg, False),
        "app_sg": app_sg,
    }


def analyse(ec2: Any, **path: Any) -> dict[str, Any]:
    path_id = ec2.create_network_insights_path(**path)["NetworkInsightsPath"]["NetworkInsightsPathId"]
    started = ec2.start_network_insights_analysis(NetworkInsightsPathId=path_id)["NetworkInsightsAnalysis"]
    described = ec2.describe_network_insights_analyses(
        NetworkInsightsAnalysisIds=[started["NetworkInsightsAnalysisId"]]
    )
    (analysis,) = described["NetworkInsightsAnalyses"]
    assert analysis["Status"] == "succeeded", analysis.get("StatusMessage")
    return dict(analysis)


def codes(analysis: dict[str, Any]) -> list[str]:
    return [e["ExplanationCode"] for e in analysis.get("Explanations") or []]


@pytest.fixture
def tutorial(client: Client, server: BackgroundServer) -> tuple[Any, dict[str, str], vpcsim.Network]:
    ec2 = client("ec2")
    ids = build_tutorial(ec2)
    return ec2, ids, vpcsim.load(server.url)


CASES = [
    # (source, destination, port): the tutorial's checklist
    ("igw", "bastion", 22),
    ("bastion", "app", 22),
    ("igw", "app", 22),
    ("bastion", "app", 80),
    ("app", "bastion", 22),
]


@pytest.mark.parametrize(("source", "destination", "port"), CASES)
def test_analysis_answers_as_vpcsim_trace(
    tutorial: tuple[Any, dict[str, str], vpcsim.Network], source: str, destination: str, port: int
) -> None:
    ec2, ids, network = tutorial
    analysis = analyse(
        ec2, Source=ids[source], Destination=ids[destination], Protocol="tcp", DestinationPort=port
    )
    end = "internet" if source == "igw" else ids[source]
    trace = vpcsim.trace(network, end, ids[destination], port=port)
    assert analysis["NetworkPathFound"] is trace.reachable
    assert codes(analysis) == trace.codes
    if trace.reachable:
        forward = [c["Component"]["Id"] for c in analysis["ForwardPathComponents"]]
        assert forward[-1] == ids[destination]
        assert analysis["ReturnPathComponents"][0]["Component"]["Id"] == ids[destination]


def test_the_tutorial_answers(tutorial: tuple[Any, dict[str, str], vpcsim.Network]) -> None:
    """What the tutorial says, independently of the engine's wording."""
    ec2, ids, _ = tutorial
    assert analyse(ec2, Source=ids["igw"], Destination=ids["bastion"], Protocol="tcp", DestinationPort=22)[
        "NetworkPathFound"
    ]
    assert analyse(ec2, Source=ids["bastion"], Destination=ids["app"], Protocol="tcp", DestinationPort=22)[
        "NetworkPathFound"
    ]
    blocked = analyse(ec2, Source=ids["bastion"], Destination=ids["app"], Protocol="tcp", DestinationPort=80)
    assert not blocked["NetworkPathFound"] and codes(blocked) == ["ENI_SG_RULES_MISMATCH"]
    (why,) = blocked["Explanations"]
    assert [g["Id"] for g in why["SecurityGroups"]] == [ids["app_sg"]]
    assert (
        why["SecurityGroups"][0]["Arn"]
        == f"arn:aws:ec2:us-east-1:123456789012:security-group/{ids['app_sg']}"
    )
    assert why["Direction"] == "ingress" and why["NetworkInterface"]["Id"].startswith("eni-")
    # the app reaches the internet through the NAT gateway
    out = analyse(ec2, Source=ids["app"], DestinationIp="8.8.8.8", Protocol="tcp", DestinationPort=443)
    assert out["NetworkPathFound"]
    assert ids["nat"] in [c["Component"]["Id"] for c in out["ForwardPathComponents"]]
    # opening port 80 on the app's group opens the path
    ec2.authorize_security_group_ingress(
        GroupId=ids["app_sg"],
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "10.0.1.0/24"}]}
        ],
    )
    assert analyse(ec2, Source=ids["bastion"], Destination=ids["app"], Protocol="tcp", DestinationPort=80)[
        "NetworkPathFound"
    ]


def test_paths_and_analyses_lifecycle(tutorial: tuple[Any, dict[str, str], vpcsim.Network]) -> None:
    ec2, ids, _ = tutorial
    path = ec2.create_network_insights_path(
        Source=ids["bastion"],
        Destination=ids["app"],
        Protocol="tcp",
        DestinationPort=22,
        TagSpecifications=[
            {"ResourceType": "network-insights-path", "Tags": [{"Key": "Name", "Value": "ssh"}]}
        ],
    )["NetworkInsightsPath"]
    assert path["NetworkInsightsPathArn"].endswith(f":network-insights-path/{path['NetworkInsightsPathId']}")
    listed = ec2.describe_network_insights_paths(Filters=[{"Name": "source", "Values": [ids["bastion"]]}])
    assert [p["NetworkInsightsPathId"] for p in listed["NetworkInsightsPaths"]] == [
        path["NetworkInsightsPathId"]
    ]
    analysis = ec2.start_network_insights_analysis(NetworkInsightsPathId=path["NetworkInsightsPathId"])[
        "NetworkInsightsAnalysis"
    ]
    found = ec2.describe_network_insights_analyses(Filters=[{"Name": "path-found", "Values": ["true"]}])
    assert [a["NetworkInsightsAnalysisId"] for a in found["NetworkInsightsAnalyses"]] == [
        analysis["NetworkInsightsAnalysisId"]
    ]
    with pytest.raises(ec2.exceptions.ClientError) as raised:
        ec2.delete_network_insights_path(NetworkInsightsPathId=path["NetworkInsightsPathId"])
    assert raised.value.response["Error"]["Code"] == "DependencyViolation"
    ec2.delete_network_insights_analysis(NetworkInsightsAnalysisId=analysis["NetworkInsightsAnalysisId"])
    ec2.delete_network_insights_path(NetworkInsightsPathId=path["NetworkInsightsPathId"])
    with pytest.raises(ec2.exceptions.ClientError) as raised:
        ec2.describe_network_insights_paths(NetworkInsightsPathIds=[path["NetworkInsightsPathId"]])
    assert raised.value.response["Error"]["Code"] == "InvalidNetworkInsightsPathId.NotFound"
    with pytest.raises(ec2.exceptions.ClientError) as raised:
        ec2.create_network_insights_path(
            Source="i-0123456789abcdef0", DestinationIp="10.0.2.9", Protocol="tcp"
        )
    assert raised.value.response["Error"]["Code"] == "InvalidInstanceID.NotFound"


def test_component_filters(tutorial: tuple[Any, dict[str, str], vpcsim.Network]) -> None:
    ec2, ids, _ = tutorial
    path_id = ec2.create_network_insights_path(
        Source=ids["app"], DestinationIp="8.8.8.8", Protocol="tcp", DestinationPort=443
    )["NetworkInsightsPath"]["NetworkInsightsPathId"]
    nat_arn = f"arn:aws:ec2:us-east-1:123456789012:natgateway/{ids['nat']}"
    through = ec2.start_network_insights_analysis(NetworkInsightsPathId=path_id, FilterInArns=[nat_arn])
    assert through["NetworkInsightsAnalysis"]["NetworkPathFound"] is True
    avoiding = ec2.start_network_insights_analysis(NetworkInsightsPathId=path_id, FilterOutArns=[nat_arn])
    assert avoiding["NetworkInsightsAnalysis"]["NetworkPathFound"] is False
    assert codes(avoiding["NetworkInsightsAnalysis"]) == ["COMPONENT_FILTER_RESTRICTION"]
