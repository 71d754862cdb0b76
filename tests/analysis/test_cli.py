"""The analysis commands through the CLI: exit statuses, JSON, CSV, SARIF, JUnit, bad input.

Every command runs on YAML (built-in examples), AWS describe-* folders and Terraform JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.support.cli import CliRunner
from tests.support.paths import FIXTURES

FIXTURES = FIXTURES
AWS = FIXTURES / "aws" / "test-public-private-subnet"
AWS_LB = FIXTURES / "aws" / "test-load-balancer"
TF_STATE = FIXTURES / "terraform" / "state_prod.json"
TF_PLAN = FIXTURES / "terraform" / "plan_web.json"


def test_reach(cli: CliRunner) -> None:
    run = cli("reach", "bastion-nat", "--from", "internet", "--to", "bastion", "--json")
    assert run.status == 0
    assert run.json["allowed"][0]["sources"] == ["0.0.0.0/0"]
    run = cli("reach", "bastion-nat", "--from", "internet", "--to", "app")
    assert run.status == 1 and "nothing gets through" in run.out


def test_reach_unknown_endpoint_exits_2(cli: CliRunner) -> None:
    run = cli("reach", "bastion-nat", "--from", "nobody", "--to", "app", "--json")
    assert run.status == 2 and run.json["error"]["code"] == "VPCSIM_ENDPOINT"
    run = cli("reach", "bastion-nat", "--from", "app", "--to", "bastion", "--client-ports", "99-1")
    assert run.status == 2 and "--client-ports" in run.err


def test_why(cli: CliRunner) -> None:
    run = cli(
        "why",
        "bastion-nat",
        "--from",
        "app",
        "--to",
        "bastion",
        "--protocol",
        "tcp",
        "--port",
        "80",
        "--json",
    )
    assert run.status == 1
    assert run.json["blockers"][0]["code"] == "ENI_SG_RULES_MISMATCH"
    assert run.json["opens"] is True
    run = cli("why", "bastion-nat", "--from", "app", "--to", "bastion", "--protocol", "tcp", "--port", "80")
    assert "1. security groups: ENI_SG_RULES_MISMATCH" in run.out
    assert "aws ec2 authorize-security-group-ingress" in run.out


def test_exposure_formats(cli: CliRunner, tmp_path: Path) -> None:
    sarif = tmp_path / "exposure.sarif"
    run = cli("exposure", "bastion-nat", "--json", "--sarif", str(sarif))
    assert run.status == 1 and run.json["findings"][0]["severity"] == "high"
    assert json.loads(sarif.read_text())["runs"][0]["results"][0]["level"] == "error"
    run = cli("exposure", "bastion-nat", "--min-severity", "high")
    assert run.status == 1 and "tcp 22" in run.out


def test_exposure_lists_what_the_import_skipped(cli: CliRunner, tmp_path: Path) -> None:
    from tests.support.paths import with_unmodelled_database

    run = cli("exposure", str(with_unmodelled_database(tmp_path)), "--json")
    assert run.status == 1
    kinds = {(i["kind"], i["component"]) for i in run.json["incomplete"]}
    assert ("skipped", "DBInstances") in kinds  # databases: not modelled
    # The load balancer is modelled: it no longer makes the answer incomplete.
    assert not {c for k, c in kinds if "LoadBalancer" in c or "TargetGroup" in c}


def test_matrix_formats(cli: CliRunner) -> None:
    run = cli("matrix", "bastion-nat", "--by", "instance", "--json")
    assert run.status == 0 and run.json["by"] == "instance" and len(run.json["cells"]) == 2
    run = cli("matrix", "bastion-nat", "--by", "security-group", "--csv")
    assert run.out.splitlines()[0] == "from,to,list,protocol,ports,icmp,source_ports,family"
    run = cli("matrix", "bastion-nat", "--by", "vpc")
    assert run.status == 2


def test_check(cli: CliRunner, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "assertions:\n"
        "  - name: only ssh to the bastion from the internet\n"
        "    from: internet\n    to: bastion\n    only: [tcp/22]\n"
        "  - name: the app is not reachable from the internet\n"
        "    from: internet\n    to: app\n    deny: all\n"
    )
    junit = tmp_path / "junit.xml"
    run = cli("check", "bastion-nat", str(policy), "--json", "--junit", str(junit))
    assert run.status == 0 and run.json["passed"] is True
    assert 'failures="0"' in junit.read_text()
    policy.write_text("assertions:\n  - name: x\n    from: app\n    to: bastion\n    allow: [tcp/80]\n")
    run = cli("check", "bastion-nat", str(policy))
    assert run.status == 1 and "FAIL" in run.out
    run = cli("check", "bastion-nat", "--print-schema", str(policy))
    assert run.status == 0 and json.loads(run.out)["title"] == "vpcsim policy"


def test_check_malformed_policy_exits_2(cli: CliRunner, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("assertions:\n  - name: x\n    from: app\n    to: bastion\n    allow: [ftp/21]\n")
    run = cli("check", "bastion-nat", str(policy), "--json")
    assert run.status == 2
    assert run.json["error"]["code"] == "VPCSIM_POLICY"
    assert "policy.yaml:5:12" in run.json["error"]["message"]
    run = cli("check", "bastion-nat", str(tmp_path / "missing.yaml"))
    assert run.status == 2 and "cannot read the policy" in run.err


def test_bad_network_exits_2(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "net.yaml"
    bad.write_text("vpcs: [\n")
    for args in (
        ("reach", str(bad), "--from", "a", "--to", "b"),
        ("exposure", str(bad)),
        ("matrix", str(bad)),
    ):
        run = cli(*args)
        assert run.status == 2 and "Traceback" not in run.err


@pytest.mark.parametrize("network", [AWS, TF_STATE, TF_PLAN])
def test_every_command_on_aws_and_terraform_inputs(cli: CliRunner, network: Path) -> None:
    assert cli("exposure", str(network), "--json").status in (0, 1, 3)
    run = cli("matrix", str(network), "--by", "subnet", "--json")
    assert run.status in (0, 3) and run.json["schema_version"] == 1
    policy = network.parent / "unused"
    del policy


def test_diff_across_formats(cli: CliRunner) -> None:
    run = cli("diff", str(TF_STATE), str(TF_PLAN), "--json")
    assert run.status == 1 and run.json["pairs"]
    run = cli("diff", "bastion-nat", "bastion-nat")
    assert run.status == 0 and "no flow is opened or closed" in run.out
