"""The CLI contract: exit statuses, --json documents, errors, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.cli import CliRunner
from tests.support.paths import FIXTURES

from vpcsim.contracts import ErrorOut, TraceOut


def test_trace_json_contract(cli: CliRunner) -> None:
    run = cli("trace", "custom-vpc", "--from", "tutorial-1", "--to", "tutorial-2", "--port", "22", "--json")
    assert run.status == 0
    document = run.json
    TraceOut.model_validate(document)
    assert document["schema_version"] == 1
    assert document["verdict"] == "reachable" and document["reachable"] is True
    assert document["forward"][0]["type"] == "network-interface"


def test_internet_hop_id_is_internet(cli: CliRunner) -> None:
    document = cli("ssh", "custom-vpc", "internet", "tutorial-1", "--json").json
    assert document["forward"][0]["component"] == "internet"
    assert document["return"][-1]["component"] == "internet"


def test_unreachable_exits_1_with_blockers(cli: CliRunner) -> None:
    run = cli("ping", "default-vpc", "instance-2", "instance-1", "--json")
    assert run.status == 1
    assert run.json["reachable"] is False
    assert [b["code"] for b in run.json["blockers"]] == ["ENI_SG_RULES_MISMATCH"]


def test_unknown_exits_3(cli: CliRunner) -> None:
    fixture = FIXTURES / "aws" / "test-public-private-subnet"
    run = cli(
        "trace", str(fixture), "--from", "i-099cf38911942421c", "--to", "8.8.8.8", "--port", "443", "--json"
    )
    assert run.status == 3
    assert run.json["verdict"] == "unknown"
    assert [b["code"] for b in run.json["blockers"]] == ["VPCSIM_OUTSIDE_MODEL"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["trace", "custom-vpc", "--from", "tutorial-1", "--to", "tutorial-2"], "needs a destination port"),
        (
            [
                "trace",
                "custom-vpc",
                "--from",
                "tutorial-1",
                "--to",
                "tutorial-2",
                "--port",
                "22",
                "--source-port",
                "40000",
                "--client-ports",
                "linux",
            ],
            "exclude each other",
        ),
        (["trace", "custom-vpc", "--from", "nobody", "--to", "tutorial-2", "--port", "22"], "'nobody'"),
        (["trace", "custom-vpc", "--from", "tutorial-1", "--to", "tutorial-2", "--port", "70000"], "70000"),
        (
            [
                "trace",
                "custom-vpc",
                "--from",
                "tutorial-1",
                "--to",
                "tutorial-2",
                "--port",
                "22",
                "--client-ports",
                "x",
            ],
            "client-ports",
        ),
        (["trace", "custom-vpc", "--from", "tutorial-1"], "--to"),
        (["ping", "no-such-file.yaml", "a", "b"], "no-such-file.yaml"),
        (["frobnicate"], "frobnicate"),
    ],
)
def test_usage_errors_exit_2_without_traceback(cli: CliRunner, args: list[str], fragment: str) -> None:
    run = cli(*args)
    assert run.status == 2
    assert fragment in run.err
    assert "Traceback" not in run.err + run.out
    as_json = cli(*args, "--json")
    assert as_json.status == 2
    document = as_json.json
    ErrorOut.model_validate(document)
    assert fragment in document["error"]["message"]


def test_ambiguous_private_address_lists_candidates(cli: CliRunner, tmp_path: Path) -> None:
    spec = tmp_path / "twins.yaml"
    spec.write_text(
        "version: 1\n"
        "vpcs:\n"
        "  a:\n    cidr: 10.0.0.0/16\n    subnets: {s: {cidr: 10.0.1.0/24}}\n"
        "    instances: {x: {subnet: s, private_ip: 10.0.1.10}}\n"
        "  b:\n    cidr: 10.0.0.0/16\n    subnets: {s: {cidr: 10.0.1.0/24}}\n"
        "    instances: {y: {subnet: s, private_ip: 10.0.1.10}}\n"
    )
    run = cli("ping", str(spec), "10.0.1.10", "x", "--json")
    assert run.status == 2
    assert len(run.json["error"]["details"]) == 2
    assert "several VPCs" in run.json["error"]["message"]


def test_yaml_error_names_file_line_and_key(cli: CliRunner, tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        "version: 1\nvpcs:\n  main:\n    cidr: 10.0.0.0/16\n    subnets:\n      a: {cidr: 10.9.0.0/24}\n"
    )
    run = cli("validate", str(spec), "--json")
    assert run.status == 2
    error = run.json["error"]
    assert "bad.yaml:6" in (error["location"] or "") or any(
        "bad.yaml:6" in d["text"] for d in error["details"]
    )
    assert error["code"] == "InvalidSubnet.Range"
    plain = cli("validate", str(spec))
    assert plain.status == 2 and "bad.yaml:6" in plain.err and "Traceback" not in plain.err


def test_internal_error_exits_70_and_hides_traceback(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    import vpcsim.cli.app as app_module

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(app_module, "trace", boom)
    run = cli("ping", "custom-vpc", "tutorial-1", "tutorial-2")
    assert run.status == 70
    assert "kaboom" in run.err and "Traceback" not in run.err
    debug = cli("ping", "custom-vpc", "tutorial-1", "tutorial-2", "--debug")
    assert debug.status == 70 and "Traceback" in debug.err
    as_json = cli("ping", "custom-vpc", "tutorial-1", "tutorial-2", "--json")
    assert as_json.json["error"]["code"] == "VPCSIM_INTERNAL"


def test_validate_clean_example_exits_0(cli: CliRunner) -> None:
    run = cli("validate", "bastion-nat", "--json")
    assert run.status == 0
    assert run.json["valid"] is True and run.json["problems"] == []


def test_show_json_lists_are_sorted(cli: CliRunner) -> None:
    document = cli("show", "web-server", "--json").json
    assert document["schema_version"] == 1
    for key, value in document.items():
        if isinstance(value, list):
            ids = [item["id"] for item in value]
            assert ids == sorted(ids), key


def test_schema_command_prints_schemas(cli: CliRunner) -> None:
    assert "properties" in cli("schema", "spec").json
    assert cli("schema", "trace").json["title"] == "TraceOut"
    assert cli("schema", "nonsense").status == 2


def test_import_summary_lists_skipped(cli: CliRunner) -> None:
    fixture = FIXTURES / "aws" / "test-load-balancer"
    run = cli("import", str(fixture), "--json")
    assert run.status == 1
    assert run.json["counts"]["vpcs"] >= 1
    assert "ServiceDetails" in run.json["skipped"]
    assert not any("LoadBalancer" in key or "TargetGroup" in key for key in run.json["skipped"])


def test_export_round_trip_through_the_cli(cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "aws"
    assert cli("export", "bastion-nat", "--format", "aws", "-o", str(out)).status == 0
    again = tmp_path / "again.yaml"
    assert cli("export", str(out), "--format", "yaml", "-o", str(again)).status == 0
    first = cli("ssh", "bastion-nat", "bastion", "app", "--json").json
    second = cli("ssh", str(again), "bastion", "app", "--json").json
    assert first == second


def test_truncated_aws_json_with_nothing_usable_exits_2(cli: CliRunner, tmp_path: Path) -> None:
    dump = tmp_path / "vpcs.json"
    dump.write_text('{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"')
    run = cli("import", str(dump))
    assert run.status == 2
    assert "vpcs.json:1:" in run.err and "truncated" in run.err


def test_truncated_aws_json_keeps_what_is_complete(cli: CliRunner, tmp_path: Path) -> None:
    dump = tmp_path / "vpcs.json"
    dump.write_text(
        '{"Vpcs": [{"VpcId": "vpc-0123456789abcdef0", "CidrBlock": "10.0.0.0/16", "OwnerId": "123456789012"},'
        ' {"VpcId": "vpc-2", "CidrBl'
    )
    run = cli("import", str(dump), "--json")
    assert run.status == 1
    assert run.json["counts"]["vpcs"] == 1
    assert [w["code"] for w in run.json["warnings"] if w["severity"] == "error"] == ["VPCSIM_MALFORMED_JSON"]


def test_malformed_json_of_unknown_shape_says_where(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"foo": [1,2')
    run = cli("show", str(bad))
    assert run.status == 2
    assert "not valid JSON" in run.err and "line 1 column" in run.err
