"""One validation policy for every input format.

The same impossible network -- written as a YAML spec, as an AWS ``describe-*`` folder, or as
Terraform JSON -- refuses to load with exit 2 for every command, ``validate`` included, listing
each problem with the file, its place in the file and the resource; the same legal but
suspicious network loads everywhere, its warnings reported once and ``validate`` exiting 0.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.support.cli import CliRunner, make_runner

from vpcsim.formats.aws import export_aws
from vpcsim.formats.loader import load_example, load_network
from vpcsim.formats.problems import InputError
from vpcsim.formats.spec import dump_spec
from vpcsim.model import Network, validate


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    return make_runner(capsys, monkeypatch, 200)


def _overlapping_subnets(network: Network) -> None:
    public, private = (network.subnets[s] for s in sorted(network.subnets))
    private.cidr_block = public.cidr_block


def _subnet_outside_its_vpc(network: Network) -> None:
    subnet = network.subnets[sorted(network.subnets)[0]]
    subnet.cidr_block = "10.9.1.0/24"


def _too_many_groups(network: Network) -> None:
    """Legal but over the default quota: a warning, not an error."""
    instance = network.instances[sorted(network.instances)[0]]
    eni = network.primary_network_interface(instance.instance_id)
    for n in range(6):
        group = network.create_security_group(eni.vpc_id, f"extra-{n}", description="quota test")
        eni.groups.append(group.group_id)


def _bastion(mutate: Callable[[Network], None]) -> Network:
    network = load_example("bastion-nat").network
    mutate(network)
    return network


def _write_all(network: Network, folder: Path) -> dict[str, Path]:
    """The network as a YAML spec and as an AWS describe-* folder."""
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "net.yaml"
    spec.write_text(dump_spec(network))
    export_aws(network, folder / "aws")
    return {"yaml": spec, "aws": folder / "aws"}


ERRORS = {
    "overlapping subnets": (_overlapping_subnets, "InvalidSubnet.Conflict"),
    "subnet outside its VPC": (_subnet_outside_its_vpc, "InvalidSubnet.Range"),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_refuse_to_load_in_every_format(cli: CliRunner, tmp_path: Path, case: str) -> None:
    mutate, code = ERRORS[case]
    network = _bastion(mutate)
    expected = {p.code for p in validate(network) if p.severity == "error"}
    assert code in expected
    codes: dict[str, set[str]] = {}
    for kind, path in _write_all(network, tmp_path).items():
        with pytest.raises(InputError) as info:
            load_network(path)
        problems = info.value.problems
        codes[kind] = {p.code for p in problems if p.severity == "error"}
        for p in problems:
            # Named: the file (inside the input), and a place in it.
            assert p.location.file is not None and p.location.file.startswith(str(path)), p
            assert p.location.path or p.location.line, p
        for command in (
            ["validate", str(path)],
            ["validate", str(path), "--json"],
            ["trace", str(path), "--from", "bastion", "--to", "app", "-p", "tcp", "--port", "22"],
            ["reach", str(path), "--from", "internet", "--to", "bastion"],
            ["exposure", str(path)],
        ):
            run = cli(*command)
            assert run.status == 2, (kind, command, run.out, run.err)
            assert "Traceback" not in run.err
        if kind == "yaml":
            assert cli("import", str(path)).status == 2  # the spec reader is strict by itself
        else:
            summary = cli("import", str(path), "--json")  # reports what was read, judges nothing
            assert summary.status == 0 and summary.json["counts"]["subnets"] == 2
        document = cli("validate", str(path), "--json").json
        assert {d["code"] for d in document["error"]["details"] if d["severity"] == "error"} == expected
    assert codes == {"yaml": expected, "aws": expected}


def test_aws_problems_name_the_file_and_the_resource(tmp_path: Path) -> None:
    network = _bastion(_overlapping_subnets)
    subnets = sorted(network.subnets)
    folder = _write_all(network, tmp_path)["aws"]
    with pytest.raises(InputError) as info:
        load_network(folder)
    conflicts = [p for p in info.value.problems if p.code == "InvalidSubnet.Conflict"]
    assert sorted(p.message.split(".", 1)[0] for p in conflicts) == subnets
    for p in conflicts:
        assert p.location.file is not None and p.location.file.endswith("Subnets.json")
        assert p.location.path is not None and p.location.path.startswith("$.Subnets[")


def _terraform_state(subnets: dict[str, str]) -> dict[str, object]:
    """A minimal ``terraform show -json`` state: one VPC and the given subnets (name -> CIDR)."""
    resources: list[dict[str, object]] = [
        {
            "address": "aws_vpc.main",
            "mode": "managed",
            "type": "aws_vpc",
            "name": "main",
            "values": {"id": "vpc-0123456789abcdef0", "cidr_block": "10.0.0.0/16", "tags": {}},
        }
    ]
    for n, (name, cidr) in enumerate(sorted(subnets.items())):
        resources.append(
            {
                "address": f"aws_subnet.{name}",
                "mode": "managed",
                "type": "aws_subnet",
                "name": name,
                "values": {
                    "id": f"subnet-0{n}23456789abcdef0",
                    "vpc_id": "vpc-0123456789abcdef0",
                    "cidr_block": cidr,
                    "availability_zone": "us-east-1a",
                    "tags": {},
                },
            }
        )
    return {
        "format_version": "1.0",
        "terraform_version": "1.7.0",
        "values": {"root_module": {"resources": resources}},
    }


def test_terraform_overlapping_subnets_refuse_to_load(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps(_terraform_state({"a": "10.0.1.0/24", "b": "10.0.1.0/24"})))
    run = cli("validate", str(path), "--json")
    assert run.status == 2
    details = run.json["error"]["details"]
    conflicts = [d for d in details if d["code"] == "InvalidSubnet.Conflict"]
    assert len(conflicts) == 2
    for d in conflicts:
        assert d["location"]["file"] == str(path)
        assert d["location"]["path"] in (
            "$.values.root_module.resources[1]",
            "$.values.root_module.resources[2]",
        )
        assert d["message"].startswith(("aws_subnet.a (subnet-", "aws_subnet.b (subnet-"))
    trace = cli("reach", str(path), "--from", "10.0.1.10", "--to", "10.0.1.11")
    assert trace.status == 2
    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps(_terraform_state({"a": "10.0.1.0/24", "b": "10.0.2.0/24"})))
    ok = cli("validate", str(clean), "--json")
    assert ok.status == 0 and ok.json["valid"] is True


def test_warnings_load_in_every_format_and_print_once(cli: CliRunner, tmp_path: Path) -> None:
    network = _bastion(_too_many_groups)
    expected = [(p.severity, p.code, p.resource, p.field) for p in validate(network)]
    assert expected and all(severity == "warning" for severity, *_ in expected)
    for kind, path in _write_all(network, tmp_path).items():
        loaded = load_network(path)
        assert [(p.severity, p.code, p.resource, p.field) for p in loaded.validation] == expected, kind
        run = cli("validate", str(path), "--json")
        assert run.status == 0, kind
        assert [
            (p["severity"], p["code"], p["resource"], p["field"]) for p in run.json["problems"]
        ] == expected
        located = [w for w in run.json["load_warnings"] if w["code"] == expected[0][1]]
        assert len(located) == 1 and located[0]["location"]["file"].startswith(str(path)), kind
        text = cli("validate", str(path))
        assert text.status == 0
        assert text.out.count(expected[0][1]) == 1, (kind, text.out)
        assert cli("reach", str(path), "--from", "internet", "--to", "bastion").status == 0


def _unreadable_aws(tmp_path: Path) -> Path:
    """An AWS folder one of whose items the reader cannot hold (a VPC state AWS never returns)."""
    folder = _write_all(load_example("bastion-nat").network, tmp_path)["aws"]
    (file,) = folder.rglob("Vpcs.json")
    vpcs = json.loads(file.read_text())
    vpcs["Vpcs"][0]["State"] = "associated"
    file.write_text(json.dumps(vpcs))
    return folder


def _unreadable_terraform(tmp_path: Path) -> Path:
    """A Terraform state one of whose resources the reader cannot hold (an empty address)."""
    state = _terraform_state({"a": "10.0.1.0/24"})
    resources = state["values"]["root_module"]["resources"]  # type: ignore[index]
    resources[1]["address"] = ""
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    return path


@pytest.mark.parametrize("kind", ["aws", "terraform"])
def test_what_a_reader_must_leave_out_refuses_the_load_as_in_yaml(
    cli: CliRunner, tmp_path: Path, kind: str
) -> None:
    """A part of an AWS or Terraform input the reader cannot
    hold would be silently missing from every answer; like a YAML spec that names a state AWS
    never returns, the input is refused (exit 2) where it is, and only ``import`` summarises it."""
    path = _unreadable_aws(tmp_path) if kind == "aws" else _unreadable_terraform(tmp_path)
    with pytest.raises(InputError) as info:
        load_network(path)
    errors = [p for p in info.value.problems if p.severity == "error"]
    assert errors and all(p.location.file and p.location.path for p in errors), errors
    for command in (["validate", str(path)], ["exposure", str(path)], ["matrix", str(path)]):
        run = cli(*command)
        assert run.status == 2, (command, run.out, run.err)
        assert "Traceback" not in run.err
    document = cli("validate", str(path), "--json").json
    assert any(d["severity"] == "error" for d in document["error"]["details"])
    summary = cli("import", str(path), "--json")  # reports what was read and what it left out
    assert summary.status == 1, summary.out
    assert any(w["severity"] == "error" for w in summary.json["warnings"])
