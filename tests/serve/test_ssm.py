"""SSM's public AMI parameters through boto3 against vpcsim serve: the image id scripts look up
before ``RunInstances``, stable per region, and AWS's errors for anything else."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import Client

LATEST = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64"


def test_public_ami_parameter_names_an_image_per_region(client: Client) -> None:
    east = client("ssm").get_parameter(Name=LATEST)["Parameter"]
    assert east["Name"] == LATEST
    assert east["Type"] == "String"
    assert east["DataType"] == "aws:ec2:image"
    assert east["ARN"] == f"arn:aws:ssm:us-east-1::parameter{LATEST}"
    assert east["Value"].startswith("ami-") and len(east["Value"]) == 21
    assert client("ssm").get_parameter(Name=LATEST)["Parameter"]["Value"] == east["Value"]
    west = client("ssm", region="eu-west-1").get_parameter(Name=LATEST)["Parameter"]
    assert west["Value"] != east["Value"]
    ec2: Any = client("ec2")
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    instance = ec2.run_instances(ImageId=east["Value"], MinCount=1, MaxCount=1, SubnetId=subnet)
    assert instance["Instances"][0]["ImageId"] == east["Value"]


def test_get_parameters_splits_known_and_unknown_names(client: Client) -> None:
    answer = client("ssm").get_parameters(Names=[LATEST, "/my/own/parameter"])
    assert [p["Name"] for p in answer["Parameters"]] == [LATEST]
    assert answer["InvalidParameters"] == ["/my/own/parameter"]


@pytest.mark.parametrize(
    "name",
    ["/my/own/parameter", "/aws/service/ami-amazon-linux-latest/", "/aws/service/global-infrastructure"],
)
def test_other_parameters_are_not_found(client: Client, name: str) -> None:
    with pytest.raises(ClientError) as raised:
        client("ssm").get_parameter(Name=name)
    assert raised.value.response["Error"]["Code"] == "ParameterNotFound"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_other_operations_are_refused(client: Client) -> None:
    with pytest.raises(ClientError) as raised:
        client("ssm").put_parameter(Name="/x", Value="y", Type="String")
    assert raised.value.response["Error"]["Code"] == "UnknownOperationException"
