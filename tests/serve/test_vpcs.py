"""VPCs through boto3: the default VPC, create/describe/delete, CIDR associations, attributes,
filters, pagination, DryRun and AWS's errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from vpcsim.serve import BackgroundServer


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def stored(server: BackgroundServer, kind: str, vpc_id: str | None = None) -> list[dict[str, Any]]:
    """Resources of the default account and region as stored (families of other modules)."""
    documents = server.store.documents().get(("123456789012", "us-east-1"), {})
    return [item for item in documents.get(kind, []) if vpc_id is None or item.get("VpcId") == vpc_id]


def test_each_region_starts_with_the_default_vpc(server: BackgroundServer, ec2: Any) -> None:
    (vpc,) = ec2.describe_vpcs()["Vpcs"]
    assert vpc["IsDefault"] is True
    assert vpc["CidrBlock"] == "172.31.0.0/16"
    subnets = ec2.describe_subnets()["Subnets"]
    assert sorted(s["AvailabilityZone"] for s in subnets) == [f"us-east-1{z}" for z in "abcdef"]
    assert {s["CidrBlock"][-3:] for s in subnets} == {"/20"}
    assert all(s["MapPublicIpOnLaunch"] and s["DefaultForAz"] for s in subnets)
    (igw,) = ec2.describe_internet_gateways()["InternetGateways"]
    assert igw["Attachments"] == [{"State": "available", "VpcId": vpc["VpcId"]}]
    (table,) = stored(server, "RouteTables")
    routes = {r["DestinationCidrBlock"]: r["GatewayId"] for r in table["Routes"]}
    assert routes == {"172.31.0.0/16": "local", "0.0.0.0/0": igw["InternetGatewayId"]}


def test_accounts_and_regions_are_isolated(client: Any) -> None:
    here = client("ec2", account="111111111111")
    there = client("ec2", account="222222222222")
    elsewhere = client("ec2", account="111111111111", region="eu-west-1")
    vpc = here.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]
    assert vpc["OwnerId"] == "111111111111"
    assert [v["IsDefault"] for v in there.describe_vpcs()["Vpcs"]] == [True]
    assert [v["IsDefault"] for v in elsewhere.describe_vpcs()["Vpcs"]] == [True]
    with pytest.raises(ClientError) as excinfo:
        there.describe_vpcs(VpcIds=[vpc["VpcId"]])
    assert error_code(excinfo) == "InvalidVpcID.NotFound"


def test_create_vpc_canonicalises_tags_and_comes_with_its_defaults(
    server: BackgroundServer, ec2: Any
) -> None:
    vpc = ec2.create_vpc(
        CidrBlock="10.0.0.18/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "app"}]}],
    )["Vpc"]
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    assert vpc["Tags"] == [{"Key": "Name", "Value": "app"}]
    assert vpc["VpcId"].startswith("vpc-") and len(vpc["VpcId"]) == 21
    (table,) = stored(server, "RouteTables", vpc["VpcId"])
    assert table["Associations"][0]["Main"] is True
    (acl,) = stored(server, "NetworkAcls", vpc["VpcId"])
    assert acl["IsDefault"] and len(acl["Entries"]) == 4
    (group,) = stored(server, "SecurityGroups", vpc["VpcId"])
    assert group["GroupName"] == "default"
    assert group["IpPermissions"][0]["UserIdGroupPairs"] == [
        {"GroupId": group["GroupId"], "UserId": vpc["OwnerId"]}
    ]
    found = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["a*"]}])["Vpcs"]
    assert [v["VpcId"] for v in found] == [vpc["VpcId"]]


@pytest.mark.parametrize(
    ("cidr", "code"),
    [
        ("10.0.0.0/8", "InvalidVpc.Range"),
        ("10.0.0.0/29", "InvalidVpc.Range"),
        ("10.0.0.300/16", "InvalidParameterValue"),
    ],
)
def test_create_vpc_refuses_what_aws_refuses(ec2: Any, cidr: str, code: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        ec2.create_vpc(CidrBlock=cidr)
    assert error_code(excinfo) == code


def test_missing_and_mistyped_parameters(ec2: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_vpc_attribute(VpcId="vpc-1", Attribute="enableDnsSupport")
    assert error_code(excinfo) == "InvalidVpcID.NotFound"
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_vpcs(Filters=[{"Name": "no-such-filter", "Values": ["x"]}])
    assert error_code(excinfo) == "InvalidParameterValue"


def test_dry_run_changes_nothing(ec2: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        ec2.create_vpc(CidrBlock="10.0.0.0/16", DryRun=True)
    assert error_code(excinfo) == "DryRunOperation"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert len(ec2.describe_vpcs()["Vpcs"]) == 1


def test_pagination(ec2: Any) -> None:
    made = [ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in range(7)]
    seen: list[str] = []
    token = None
    while True:
        kwargs = {"MaxResults": 5, **({"NextToken": token} if token else {})}
        answer = ec2.describe_vpcs(**kwargs)
        assert len(answer["Vpcs"]) <= 5
        seen += [v["VpcId"] for v in answer["Vpcs"]]
        token = answer.get("NextToken")
        if not token:
            break
    assert seen[1:] == made and len(seen) == 8
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_vpcs(MaxResults=1001)
    assert error_code(excinfo) == "InvalidParameterValue"


def test_delete_vpc_with_a_subnet_is_a_dependency_violation(server: BackgroundServer, ec2: Any) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_vpc(VpcId=vpc_id)
    assert error_code(excinfo) == "DependencyViolation"
    ec2.delete_subnet(SubnetId=subnet_id)
    ec2.delete_vpc(VpcId=vpc_id)
    assert stored(server, "RouteTables", vpc_id) == stored(server, "SecurityGroups", vpc_id) == []
    assert stored(server, "NetworkAcls", vpc_id) == []


def test_cidr_block_associations(server: BackgroundServer, ec2: Any) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    association = ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock="10.1.0.0/16")["CidrBlockAssociation"]
    (table,) = stored(server, "RouteTables", vpc_id)
    assert {r["DestinationCidrBlock"] for r in table["Routes"]} == {"10.0.0.0/16", "10.1.0.0/16"}
    for cidr in ("10.0.128.0/17", "192.168.0.0/16", "169.254.0.0/16"):
        with pytest.raises(ClientError) as excinfo:
            ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock=cidr)
        assert error_code(excinfo) == "InvalidVpc.Range", cidr
    for i in range(2, 5):
        ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock=f"10.{i}.0.0/16")
    with pytest.raises(ClientError) as excinfo:
        ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock="10.9.0.0/16")
    assert error_code(excinfo) == "CidrLimitExceeded"
    gone = ec2.disassociate_vpc_cidr_block(AssociationId=association["AssociationId"])
    assert gone["CidrBlockAssociation"]["CidrBlockState"]["State"] == "disassociating"
    (vpc,) = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    primary = vpc["CidrBlockAssociationSet"][0]["AssociationId"]
    with pytest.raises(ClientError) as excinfo:
        ec2.disassociate_vpc_cidr_block(AssociationId=primary)
    assert error_code(excinfo) == "OperationNotPermitted"


def test_attributes(ec2: Any) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    hostnames = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
    assert hostnames["EnableDnsHostnames"] == {"Value": False}
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    hostnames = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
    assert hostnames["EnableDnsHostnames"] == {"Value": True}
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableNothing")
    assert error_code(excinfo) == "InvalidParameterValue"


def test_sts_get_caller_identity(client: Any) -> None:
    identity = client("sts", account="111122223333").get_caller_identity()
    assert identity["Account"] == "111122223333"
    assert client("sts").get_caller_identity()["Account"] == "123456789012"
