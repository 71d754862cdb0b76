"""The AWS CLI (``awscli`` from PyPI) against vpcsim serve with ``--endpoint-url``: it builds a
two-tier network and runs a Reachability Analyzer analysis whose answer is ``vpcsim trace``'s on
the same state."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import vpcsim
from vpcsim.serve import BackgroundServer

AWS = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
pytestmark = pytest.mark.skipif(AWS is None, reason="the AWS CLI (awscli, in the dev extra) is not installed")


def _cli(server: BackgroundServer, tmp_path: Path) -> Any:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_PAGER": "",
    }
    env.pop("AWS_PROFILE", None)

    def aws(*args: str) -> Any:
        assert AWS is not None
        done = subprocess.run(
            [AWS, "--endpoint-url", server.url, "--output", "json", "ec2", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else {}

    return aws


def test_aws_cli_builds_a_network_and_analyses_it(server: BackgroundServer, tmp_path: Path) -> None:
    server.store.reset()
    aws = _cli(server, tmp_path)
    vpc = aws("create-vpc", "--cidr-block", "10.20.0.0/16")["Vpc"]["VpcId"]
    web_net = aws("create-subnet", "--vpc-id", vpc, "--cidr-block", "10.20.1.0/24")["Subnet"]["SubnetId"]
    db_net = aws("create-subnet", "--vpc-id", vpc, "--cidr-block", "10.20.2.0/24")["Subnet"]["SubnetId"]
    web_sg = aws("create-security-group", "--group-name", "web", "--description", "web", "--vpc-id", vpc)[
        "GroupId"
    ]
    db_sg = aws("create-security-group", "--group-name", "db", "--description", "db", "--vpc-id", vpc)[
        "GroupId"
    ]
    aws(
        "authorize-security-group-ingress", "--group-id", db_sg, "--protocol", "tcp", "--port", "5432",
        "--source-group", web_sg,
    )  # fmt: skip
    acl = aws("create-network-acl", "--vpc-id", vpc)["NetworkAcl"]["NetworkAclId"]
    assert [
        e["RuleNumber"]
        for e in aws("describe-network-acls", "--network-acl-ids", acl)["NetworkAcls"][0]["Entries"]
    ] == [
        32767,
        32767,
    ]
    web = aws(
        "run-instances", "--image-id", "ami-12345678", "--count", "1", "--subnet-id", web_net,
        "--security-group-ids", web_sg,
    )["Instances"][0]["InstanceId"]  # fmt: skip
    db = aws(
        "run-instances", "--image-id", "ami-12345678", "--count", "1", "--subnet-id", db_net,
        "--security-group-ids", db_sg, "--private-ip-address", "10.20.2.50",
    )["Instances"][0]  # fmt: skip
    assert db["PrivateIpAddress"] == "10.20.2.50"
    network = vpcsim.load(server.url)

    def analyse(port: int) -> dict[str, Any]:
        path = aws(
            "create-network-insights-path", "--source", web, "--destination", db["InstanceId"],
            "--protocol", "tcp", "--destination-port", str(port),
        )["NetworkInsightsPath"]["NetworkInsightsPathId"]  # fmt: skip
        started = aws("start-network-insights-analysis", "--network-insights-path-id", path)
        analysis_id = started["NetworkInsightsAnalysis"]["NetworkInsightsAnalysisId"]
        (analysis,) = aws(
            "describe-network-insights-analyses", "--network-insights-analysis-ids", analysis_id
        )["NetworkInsightsAnalyses"]
        return dict(analysis)

    for port in (5432, 22):
        analysis = analyse(port)
        trace = vpcsim.trace(network, web, db["InstanceId"], port=port)
        assert analysis["Status"] == "succeeded"
        assert analysis["NetworkPathFound"] is trace.reachable is (port == 5432)
        assert [e["ExplanationCode"] for e in analysis.get("Explanations", [])] == trace.codes
    # the ACL on the database subnet denies everything until an entry allows it
    association = next(
        a["NetworkAclAssociationId"]
        for a in aws("describe-network-acls", "--filters", f"Name=association.subnet-id,Values={db_net}")[
            "NetworkAcls"
        ][0]["Associations"]
        if a["SubnetId"] == db_net
    )
    aws("replace-network-acl-association", "--association-id", association, "--network-acl-id", acl)
    denied = analyse(5432)
    assert not denied["NetworkPathFound"]
    trace = vpcsim.trace(vpcsim.load(server.url), web, db["InstanceId"], port=5432)
    assert [e["ExplanationCode"] for e in denied["Explanations"]] == trace.codes
    # the request is denied entering the subnet, the reply leaving it: the * rule both times
    assert {e["ExplanationCode"] for e in denied["Explanations"]} == {"SUBNET_ACL_RESTRICTION"}
    assert [(e["Direction"], e["AclRule"]["RuleNumber"]) for e in denied["Explanations"]] == [
        ("ingress", 32767),
        ("egress", 32767),
    ]
