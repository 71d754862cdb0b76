"""CreateTags / DeleteTags / DescribeTags on any resource, with AWS's errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def test_tags_round_trip(ec2: Any) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    ec2.create_tags(
        Resources=[vpc_id, subnet_id], Tags=[{"Key": "env", "Value": "prod"}, {"Key": "x", "Value": ""}]
    )
    found = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["env"]}])["Tags"]
    assert sorted((t["ResourceId"], t["ResourceType"], t["Value"]) for t in found) == sorted(
        [(vpc_id, "vpc", "prod"), (subnet_id, "subnet", "prod")]
    )
    ec2.delete_tags(Resources=[vpc_id], Tags=[{"Key": "env", "Value": "other"}])
    assert {t["Key"] for t in ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["Tags"]} == {"env", "x"}
    ec2.delete_tags(Resources=[vpc_id], Tags=[{"Key": "env"}])
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["Tags"] == [{"Key": "x", "Value": ""}]
    by_tag = ec2.describe_subnets(Filters=[{"Name": "tag:env", "Values": ["prod"]}])["Subnets"]
    assert [s["SubnetId"] for s in by_tag] == [subnet_id]


@pytest.mark.parametrize(
    ("resource", "tag", "code"),
    [
        ("vpc-0123456789abcdef0", {"Key": "a", "Value": "b"}, "InvalidVpcID.NotFound"),
        ("nonsense", {"Key": "a", "Value": "b"}, "InvalidID"),
        (None, {"Key": "aws:x", "Value": "b"}, "InvalidParameterValue"),
        (None, {"Key": "k" * 129, "Value": "b"}, "InvalidParameterValue"),
        (None, {"Key": "k", "Value": "v" * 257}, "InvalidParameterValue"),
    ],
)
def test_tag_errors(ec2: Any, resource: str | None, tag: dict[str, str], code: str) -> None:
    target = resource or ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    with pytest.raises(ClientError) as excinfo:
        ec2.create_tags(Resources=[target], Tags=[tag])
    assert excinfo.value.response["Error"]["Code"] == code


def test_tag_limit(ec2: Any) -> None:
    vpc_id = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": f"k{i}", "Value": ""} for i in range(50)])
    with pytest.raises(ClientError) as excinfo:
        ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "one-more", "Value": ""}])
    assert excinfo.value.response["Error"]["Code"] == "TagLimitExceeded"
