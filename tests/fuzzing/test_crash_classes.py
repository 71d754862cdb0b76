"""Every class of crash the fuzzer found (docs/fuzzing.md), each a rule tested on its kind of input.

The promise is the CLI contract: bad input exits 2 with a message naming the file and where in
it (a line, a key or a JSON path), never 70 and never Python's words.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fuzz.oracle import PYTHON_INTERNALS
from tests.support.cli import CliRunner

from vpcsim.formats.nesting import MAX_DEPTH, too_deep
from vpcsim.formats.terraform_base import _norm

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PLAN = FIXTURES / "terraform" / "plan_web.json"
SUBNETS = FIXTURES / "aws" / "test-public-subnet" / "aws_configs" / "Subnets.json"
POLICY = Path(__file__).resolve().parents[2] / "fuzz" / "seeds" / "bastion-nat.policy.yaml"


def _error(run: object) -> dict[str, object]:
    document = json.loads(run.out)  # type: ignore[attr-defined]
    assert "error" in document, document
    return document["error"]  # type: ignore[no-any-return]


def _located(error: dict[str, object], file: Path) -> dict[str, object]:
    """The first problem's location: it names the file and a line or a path."""
    details = error["details"]
    assert isinstance(details, list) and details
    location = details[0]["location"]
    assert location["file"] == str(file)
    assert location["line"] is not None or location["path"]
    assert not PYTHON_INTERNALS.search(str(error["message"])), error["message"]
    return location  # type: ignore[no-any-return]


def _nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


# ----------------------------------------------------------------------------- nesting


@pytest.mark.parametrize(
    ("kind", "depth"),
    [
        *((kind, depth) for kind in ("aws", "terraform") for depth in (MAX_DEPTH + 1, 1_000, 100_000)),
        # JSON of no known format is refused as such when it parses; when it does not, by where
        ("unknown-json", 1_100),
        ("unknown-json", 100_000),
    ],
)
def test_json_nested_too_deeply_is_an_input_error(
    cli: CliRunner, tmp_path: Path, kind: str, depth: int
) -> None:
    key = {"aws": '"Vpcs"', "terraform": '"format_version": "1.0", "planned_values"', "unknown-json": '"x"'}[
        kind
    ]
    path = tmp_path / "deep.json"
    path.write_text("{" + key + ": " + _nested(depth) + "}")
    run = cli("validate", str(path), "--json")
    assert run.status == 2, run.out + run.err
    _located(_error(run), path)


def test_a_json_list_nested_too_deeply_is_an_input_error(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(_nested(100_000))
    run = cli("validate", str(path), "--json")
    assert run.status == 2
    _located(_error(run), path)


def test_nesting_below_the_limit_is_read(cli: CliRunner, tmp_path: Path) -> None:
    """At the limit, every reader still walks the document (no RecursionError on the way)."""
    plan = json.loads(PLAN.read_text())
    resource = plan["planned_values"]["root_module"]["resources"][0]
    resource["values"]["tags"] = {"deep": json.loads(_nested(MAX_DEPTH - 10))}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    assert cli("validate", str(path), "--json").status in (0, 1)


@pytest.mark.parametrize("flow", [True, False])
def test_yaml_nested_too_deeply_is_an_input_error(cli: CliRunner, tmp_path: Path, flow: bool) -> None:
    path = tmp_path / "deep.yaml"
    if flow:
        path.write_text("vpcs: " + _nested(5_000) + "\n")
    else:
        path.write_text("vpcs:" + "".join(f"\n{'  ' * (i + 1)}k{i}:" for i in range(300)) + " 1\n")
    run = cli("validate", str(path), "--json")
    assert run.status == 2
    _located(_error(run), path)


def test_policy_nested_too_deeply_is_an_input_error(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("assertions:" + "".join(f"\n{'  ' * (i + 1)}k{i}:" for i in range(300)) + " 1\n")
    run = cli("check", "bastion-nat", str(path), "--json")
    assert run.status == 2
    assert _located(_error(run), path)["line"] is not None


def test_too_deep_finds_the_path() -> None:
    assert too_deep({"a": [[1]]}, limit=2) == "$.a[0][0]"
    assert too_deep({"a": [[1]]}, limit=3) is None
    assert too_deep([{"b": {}}], limit=1) == "$[0].b"


# ----------------------------------------------------------------------------- values YAML cannot make


@pytest.mark.parametrize("value", ["9" * 5_000, "2001-02-30"])
@pytest.mark.parametrize("surface", ["spec", "policy"])
def test_a_yaml_value_that_cannot_be_read_is_located(
    cli: CliRunner, tmp_path: Path, value: str, surface: str
) -> None:
    if surface == "spec":
        path = tmp_path / "spec.yaml"
        path.write_text(f"vpcs:\n  main:\n    cidr: {value}\n")
        run = cli("validate", str(path), "--json")
    else:
        path = tmp_path / "policy.yaml"
        path.write_text(POLICY.read_text().replace("version: 1", f"version: {value}"))
        run = cli("check", "bastion-nat", str(path), "--json")
    assert run.status == 2
    location = _located(_error(run), path)
    assert location["line"] == (3 if surface == "spec" else 2)


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b"])
@pytest.mark.parametrize("surface", ["spec", "policy"])
def test_a_character_yaml_refuses_is_located(
    cli: CliRunner, tmp_path: Path, character: str, surface: str
) -> None:
    path = tmp_path / f"{surface}.yaml"
    text = "vpcs:\n  main:\n    cidr: 10.0.0.0/16\n" if surface == "spec" else POLICY.read_text()
    lines = text.splitlines(keepends=True)
    lines[2] = lines[2].rstrip("\n") + "é" + character + "\n"
    path.write_text("".join(lines))
    run = cli(
        *(["validate", str(path)] if surface == "spec" else ["check", "bastion-nat", str(path)]), "--json"
    )
    assert run.status == 2
    assert _located(_error(run), path)["line"] == 3


@pytest.mark.parametrize("surface", ["spec", "policy"])
def test_bytes_that_are_not_utf8_are_located(cli: CliRunner, tmp_path: Path, surface: str) -> None:
    path = tmp_path / f"{surface}.yaml"
    path.write_bytes(b"version: 1\nvpcs: {}\n  \xff\n")
    run = cli(
        *(["validate", str(path)] if surface == "spec" else ["check", "bastion-nat", str(path)]), "--json"
    )
    assert run.status == 2
    location = _located(_error(run), path)
    assert (location["line"], location["column"]) == (3, 3)


@pytest.mark.parametrize("ports", ["1024-655", "70000-70001", "5-4"])
def test_a_policy_client_port_range_that_is_no_range_is_located(
    cli: CliRunner, tmp_path: Path, ports: str
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY.read_text().replace("client_ports: 1024-65535", f"client_ports: {ports}"))
    run = cli("check", "bastion-nat", str(path), "--json")
    assert run.status == 2, run.out
    location = _located(_error(run), path)
    assert location["path"] == "assertions[3].client_ports"


# ----------------------------------------------------------------------------- JSON damage


def test_malformed_json_of_unknown_shape_is_located(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{\n  "a": [1,\n')
    run = cli("validate", str(path), "--json")
    assert run.status == 2
    assert _located(_error(run), path)["line"] is not None


def test_json_of_unknown_shape_that_is_not_utf8_is_located(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(b'{\n  "LoadBalancers": ["\xc3("]}\n')
    run = cli("validate", str(path), "--json")
    assert run.status == 2
    location = _located(_error(run), path)
    assert (location["line"], location["column"]) == (2, 22)


def test_salvaged_aws_items_are_ones_the_rest_of_vpcsim_can_carry(cli: CliRunner, tmp_path: Path) -> None:
    """A damaged file is salvaged with the lenient decoder, which accepts a lone surrogate
    (``"\\ud800"``) that no output can write: salvage stops before such an item."""
    sound = json.loads(SUBNETS.read_text())["Subnets"]
    broken = dict(sound[0], SubnetId="\\ud800")
    text = '{"Subnets": [' + json.dumps(sound[0]) + ", " + json.dumps(broken).replace("\\\\ud800", "\\ud800")
    folder = tmp_path / "aws"
    folder.mkdir()
    (folder / "Subnets.json").write_text(text)  # truncated after the second item
    for command in (["validate", str(folder), "--json"], ["show", str(folder), "--json"]):
        run = cli(*command)
        assert run.status in (0, 1, 2) and "Traceback" not in run.err, run.err


@pytest.mark.parametrize("kind", ["aws", "terraform"])
def test_a_byte_order_mark_is_read_past(cli: CliRunner, tmp_path: Path, kind: str) -> None:
    source = SUBNETS if kind == "aws" else PLAN
    path = tmp_path / source.name
    path.write_bytes(b"\xef\xbb\xbf" + source.read_bytes())
    run = cli("validate", str(path), "--json")
    assert run.status in (0, 1), run.out


# ----------------------------------------------------------------------------- Terraform values of odd shapes


def test_terraform_values_of_unexpected_shape_are_left_out_with_a_warning(
    cli: CliRunner, tmp_path: Path
) -> None:
    plan = json.loads(PLAN.read_text())
    for resource in plan["configuration"]["root_module"]["resources"]:
        for expression in resource.get("expressions", {}).values():
            if isinstance(expression, dict) and "references" in expression:
                expression["references"] = [{"not": "a string"}]
    plan["configuration"]["provider_config"] = {"aws": {"expressions": ["not", "a", "mapping"]}}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    run = cli("validate", str(path), "--json")
    assert run.status in (0, 1), run.out + run.err


def test_terraform_rule_comparison_grows_linearly_with_nesting() -> None:
    nested: object = "x"
    for _ in range(60):
        nested = [nested, "y"]
    assert len(str(_norm(nested))) < 1_000  # was 2**60: the quoting doubled at every level


# ----------------------------------------------------------------------------- the command line


def test_a_name_too_long_for_the_file_system_is_an_input_error(cli: CliRunner) -> None:
    run = cli("validate", "x" * 5_000, "--json")
    assert run.status == 2
    assert _error(run)["code"] == "VPCSIM_FILE_UNREADABLE"


@pytest.mark.parametrize("command", ["trace", "why"])
@pytest.mark.parametrize("protocol", ["foo", "tcpp", "1.5", ""])
def test_an_unknown_protocol_is_named_in_vpcsim_words(cli: CliRunner, command: str, protocol: str) -> None:
    run = cli(command, "bastion-nat", "--from", "bastion", "--to", "app", "-p", protocol, "--port", "22")
    assert run.status == 2
    assert "unknown protocol" in run.err and "tcp" in run.err
    assert not PYTHON_INTERNALS.search(run.err)


@pytest.mark.parametrize("command", ["trace", "why"])
@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["-p", "icmp", "--port", "22"], "destination port"),
        (["-p", "47", "--port", "22"], "destination port"),
        (["-p", "icmp", "--source-port", "1234"], "source port"),
        (["-p", "icmp", "--client-ports", "windows"], "client ports"),
        (["-p", "tcp", "--port", "22", "--icmp-type", "8"], "icmp"),
        (["-p", "udp", "--port", "53", "--icmp-code", "0"], "icmp"),
    ],
)
def test_an_option_that_does_not_apply_to_the_protocol_is_refused(
    cli: CliRunner, command: str, options: list[str], named: str
) -> None:
    run = cli(command, "bastion-nat", "--from", "bastion", "--to", "app", *options)
    assert run.status == 2, run.out
    assert named in run.err.lower()


# ----------------------------------------------------------------------------- export -o


def test_export_to_a_folder_as_yaml_is_an_input_error(cli: CliRunner, tmp_path: Path) -> None:
    run = cli("export", "bastion-nat", "--to", "yaml", "-o", str(tmp_path))
    assert run.status == 2 and str(tmp_path) in run.err


def test_export_as_aws_to_an_existing_file_is_an_input_error(cli: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("keep me\n")
    for output in (target, target / "below"):
        run = cli("export", "bastion-nat", "--to", "aws", "-o", str(output))
        assert run.status == 2 and str(target) in run.err, run.err
    assert target.read_text() == "keep me\n"


def test_export_under_a_missing_folder(cli: CliRunner, tmp_path: Path) -> None:
    """A spec goes in an existing folder (exit 2 otherwise); an AWS export makes its folder tree."""
    run = cli("export", "bastion-nat", "--to", "yaml", "-o", str(tmp_path / "missing" / "net.yaml"))
    assert run.status == 2 and "missing" in run.err
    run = cli("export", "bastion-nat", "--to", "aws", "-o", str(tmp_path / "missing" / "aws"))
    assert run.status == 0 and (tmp_path / "missing" / "aws").is_dir()


def test_export_to_dash_writes_standard_output(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    run = cli("export", "bastion-nat", "--to", "yaml", "-o", "-")
    assert run.status == 0
    assert run.out.startswith("# vpcsim network spec") and "bastion-vpc" in run.out
    assert not (tmp_path / "-").exists()
    spec = tmp_path / "again.yaml"
    spec.write_text(run.out)
    assert cli("validate", str(spec)).status == 0


@pytest.mark.parametrize("extra", [["--to", "aws"], ["--to", "yaml", "--json"]])
def test_export_to_dash_is_refused_where_stdout_cannot_hold_it(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    run = cli("export", "bastion-nat", *extra, "-o", "-")
    assert run.status == 2
    assert re.search(r"standard output", run.out + run.err)
    assert ("--to aws" if "aws" in extra else "--json") in run.out + run.err
    assert not (tmp_path / "-").exists()


# ----------------------------------------------------------------------------- export round trip
# What the AWS importer accepts, `export --to yaml` writes as a spec `validate` accepts, or it
# refuses to write it (exit 2, naming what a spec cannot hold): never a spec that fails to load.

PUBLIC_PRIVATE = FIXTURES / "aws" / "test-public-private-subnet" / "aws_configs"


def _dump(tmp_path: Path, edit: dict[str, object], keep: tuple[str, ...] | None = None) -> Path:
    folder = tmp_path / "aws"
    folder.mkdir()
    for file in PUBLIC_PRIVATE.iterdir():
        if keep is None or file.name in keep:
            (folder / file.name).write_bytes(file.read_bytes())
    for name, document in edit.items():
        (folder / name).write_text(json.dumps(document))
    return folder


def test_a_state_aws_never_returns_is_refused_where_it_is(cli: CliRunner, tmp_path: Path) -> None:
    vpcs = json.loads((PUBLIC_PRIVATE / "Vpcs.json").read_text())
    vpcs["Vpcs"][0]["State"] = "associated"
    folder = _dump(tmp_path, {"Vpcs.json": vpcs})
    run = cli("validate", "--json", str(folder))
    assert run.status == 2, run.out  # one policy for every format: an error refuses the load
    bad = [w for w in run.json["error"]["details"] if w["location"]["path"] == "$.Vpcs[0].State"]
    assert bad and bad[0]["severity"] == "error", run.json
    assert "'associated' is not one of AWS's values: pending, available, deleting" in bad[0]["message"]


def test_a_gateway_attached_to_a_vpc_absent_from_the_dump_round_trips(cli: CliRunner, tmp_path: Path) -> None:
    folder = _dump(tmp_path, {}, keep=("VpnGateways.json", "InternetGateways.json"))
    run = cli("validate", "--json", str(folder))
    assert run.status == 0, run.out
    assert any(w["code"] == "InvalidVpcID.NotFound" for w in run.json["load_warnings"])
    spec = tmp_path / "out.yaml"
    assert cli("export", str(folder), "--to", "yaml", "-o", str(spec)).status == 0
    again = cli("validate", "--json", str(spec))
    assert again.status == 0, again.out
    assert "vpc-0b966fdeb36d5e43f" in spec.read_text()


def test_an_interface_in_a_subnet_absent_from_the_dump_is_not_written_as_a_spec(
    cli: CliRunner, tmp_path: Path
) -> None:
    subnets = json.loads((PUBLIC_PRIVATE / "Subnets.json").read_text())
    private = [s for s in subnets["Subnets"] if s["SubnetId"] == "subnet-0f263105946ad1a1d"]
    assert private
    subnets["Subnets"] = [s for s in subnets["Subnets"] if s not in private]
    folder = _dump(tmp_path, {"Subnets.json": subnets})
    assert cli("validate", str(folder)).status == 0
    run = cli("export", str(folder), "--to", "yaml", "-o", str(tmp_path / "out.yaml"), "--json")
    assert run.status == 2
    message = _error(run)["message"]
    assert "is in subnet subnet-0f263105946ad1a1d, which is not in the network" in str(message)
    assert not (tmp_path / "out.yaml").exists()


@pytest.mark.parametrize(
    ("file", "key", "field", "value", "message"),
    [
        (
            "InternetGateways.json",
            "InternetGateways",
            "InternetGatewayId",
            "\x1b[31migw-0abc",
            "is not an id of its kind",
        ),
        ("Vpcs.json", "Vpcs", "OwnerId", "acl-0000000000000000", "is not an AWS account id"),
    ],
)
def test_an_id_or_account_aws_never_returns_is_refused_where_it_is(
    cli: CliRunner, tmp_path: Path, file: str, key: str, field: str, value: str, message: str
) -> None:
    document = json.loads((PUBLIC_PRIVATE / file).read_text())
    document[key][0][field] = value
    folder = _dump(tmp_path, {file: document})
    run = cli("validate", "--json", str(folder))
    assert run.status == 2, run.out  # one policy for every format: an error refuses the load
    errors = [w for w in _error(run)["details"] if w["severity"] == "error"]
    assert errors and message in errors[0]["message"], run.json
    assert errors[0]["location"]["path"].startswith(f"$.{key}[0]")
    _round_trips(cli, folder, tmp_path)


def _round_trips(cli: CliRunner, folder: Path, tmp_path: Path) -> None:
    """Exported as a spec that loads, or refused as one a spec cannot hold (exit 2, no file)."""
    spec = tmp_path / "out.yaml"
    run = cli("export", str(folder), "--to", "yaml", "-o", str(spec))
    if run.status == 2:
        refused = "cannot write this network as a spec" in run.err or "problems in the input" in run.err
        assert refused and not spec.exists(), run.err
        return
    assert run.status == 0
    again = cli("validate", str(spec))
    assert again.status == 0, again.out


def test_an_endpoint_on_a_route_table_absent_from_the_dump_round_trips(
    cli: CliRunner, tmp_path: Path
) -> None:
    endpoints = FIXTURES / "aws" / "test-vpc-endpoint-gateway" / "aws_configs"
    folder = tmp_path / "aws"
    folder.mkdir()
    for file in endpoints.rglob("*.json"):
        (folder / file.name).write_bytes(file.read_bytes())
    tables = json.loads((folder / "RouteTables.json").read_text())
    tables["RouteTables"] = [t for t in tables["RouteTables"] if t["RouteTableId"] != "rtb-04f71fc2caa8d94cf"]
    (folder / "RouteTables.json").write_text(json.dumps(tables))
    spec = tmp_path / "out.yaml"
    assert cli("export", str(folder), "--to", "yaml", "-o", str(spec)).status == 0
    assert "rtb-04f71fc2caa8d94cf" in spec.read_text()
    again = cli("validate", str(spec))
    assert again.status == 0, again.out


def test_a_terraform_resource_with_an_empty_address_is_left_out_where_it_is(
    cli: CliRunner, tmp_path: Path
) -> None:
    """An empty address names nothing: later problems about that resource could not be located."""
    plan = json.loads(PLAN.read_text())
    plan["planned_values"]["root_module"]["resources"][0]["address"] = ""
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    run = cli("validate", "--json", str(path))
    assert run.status == 2, run.out  # one policy for every format: an error refuses the load
    details = _error(run)["details"]
    bad = [w for w in details if w["code"] == "VPCSIM_TF_BAD_VALUE"]
    assert bad and bad[0]["location"]["path"] == "$.planned_values.root_module.resources[0]"
    assert all(p["location"]["path"] or p["location"]["line"] for p in details)


# ----------------------------------------------------------------------------- load balancer ARNs

BAD_ARNS = ["bogus", "arn:aws:elasticloadbalancing:us-east-2:554773406868:loadbalancer", "arn:", "a/b", ""]


@pytest.mark.parametrize("arn", BAD_ARNS[:4])
def test_a_terraform_load_balancer_arn_of_no_shape_is_refused_where_it_is(
    cli: CliRunner, tmp_path: Path, arn: str
) -> None:
    """Found by the campaign: ``arn: "bogus"`` on an ``aws_lb`` ended in an ``IndexError`` (exit
    70) where the name was cut out of it; every reader now refuses such an ARN, located."""
    state = json.loads((FIXTURES / "terraform" / "state_alb.json").read_text())
    for res in state["values"]["root_module"]["resources"]:
        if res["type"] in ("aws_lb", "aws_lb_target_group"):
            res["values"]["arn"] = arn
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    run = cli("validate", "--json", str(path))
    assert run.status in (0, 2), run.out
    problems = run.json.get("load_warnings") or _error(run)["details"]
    bad = [p for p in problems if "is not an ARN of a" in p["message"]]
    assert len(bad) == 2, problems
    assert all(p["location"]["path"].endswith(".values.arn") for p in bad)


@pytest.mark.parametrize("arn", BAD_ARNS)
@pytest.mark.parametrize(
    ("file", "key", "field"),
    [
        ("LoadBalancers.json", "LoadBalancers", "LoadBalancerArn"),
        ("TargetGroups.json", "TargetGroups", "TargetGroupArn"),
    ],
)
def test_an_aws_load_balancer_arn_of_no_shape_is_refused_where_it_is(
    cli: CliRunner, tmp_path: Path, arn: str, file: str, key: str, field: str
) -> None:
    source = FIXTURES / "aws" / "test-load-balancer" / "aws_configs"
    folder = tmp_path / "aws"
    folder.mkdir()
    for each in source.glob("*.json"):
        (folder / each.name).write_bytes(each.read_bytes())
    document = json.loads((folder / file).read_text())
    document[key][0][field] = arn
    document[key][0].pop("LoadBalancerName", None)
    document[key][0].pop("TargetGroupName", None)
    (folder / file).write_text(json.dumps(document))
    run = cli("validate", "--json", str(folder))
    assert run.status in (0, 2), run.out
    problems = run.json.get("load_warnings") or _error(run)["details"]
    bad = [p for p in problems if p["location"]["path"] == f"$.{key}[0].{field}"]
    assert bad and bad[0]["severity"] == "error", problems


@pytest.mark.parametrize("entry", ["é", 7, "arn:aws:elasticloadbalancing:us-east-2:1:targetgroup/t/1"])
def test_a_target_group_s_load_balancer_arn_of_no_shape_is_refused_where_it_is(
    cli: CliRunner, tmp_path: Path, entry: object
) -> None:
    """Found by the campaign (seed 32): ``LoadBalancerArns: ["é"]`` on a target group was read,
    then refused by the spec reader when the export was read back; the AWS reader now refuses
    an entry that is no load balancer's ARN, located, as the spec reader does."""
    source = FIXTURES / "aws" / "test-load-balancer" / "aws_configs"
    folder = tmp_path / "aws"
    folder.mkdir()
    for each in source.glob("*.json"):
        (folder / each.name).write_bytes(each.read_bytes())
    document = json.loads((folder / "TargetGroups.json").read_text())
    document["TargetGroups"][0]["LoadBalancerArns"] = [entry]
    (folder / "TargetGroups.json").write_text(json.dumps(document))
    run = cli("validate", "--json", str(folder))
    assert run.status in (0, 2), run.out
    problems = run.json.get("load_warnings") or _error(run)["details"]
    bad = [p for p in problems if p["location"]["path"] == "$.TargetGroups[0].LoadBalancerArns[0]"]
    assert bad and bad[0]["severity"] == "error", problems


@pytest.mark.parametrize("forward_config", [False, True])
def test_a_listener_forwarding_to_an_arn_of_no_shape_is_refused_where_it_is(
    cli: CliRunner, tmp_path: Path, forward_config: bool
) -> None:
    """Found by the campaign (seed 32): a listener action's ``TargetGroupArn`` cut to
    ``arn:awsst-lb-tg/...`` was read, then refused by the spec reader when the export was read
    back; the AWS reader now refuses it, located, in both places an action names groups."""
    source = FIXTURES / "aws" / "test-load-balancer" / "aws_configs"
    folder = tmp_path / "aws"
    folder.mkdir()
    for each in source.glob("*.json"):
        (folder / each.name).write_bytes(each.read_bytes())
    document = json.loads((folder / "LoadBalancerListeners.json").read_text())
    action = document["LoadBalancerListeners"][0]["Listeners"][0]["DefaultActions"][0]
    bad = "arn:awsst-lb-tg/8e891d8fcdf8ece8"
    if forward_config:
        del action["TargetGroupArn"]
        action["ForwardConfig"] = {"TargetGroups": [{"TargetGroupArn": bad, "Weight": 1}]}
        path = ".DefaultActions[0].ForwardConfig.TargetGroups[0].TargetGroupArn"
    else:
        action["TargetGroupArn"] = bad
        path = ".DefaultActions[0].TargetGroupArn"
    (folder / "LoadBalancerListeners.json").write_text(json.dumps(document))
    run = cli("validate", "--json", str(folder))
    assert run.status in (0, 2), run.out
    problems = run.json.get("load_warnings") or _error(run)["details"]
    located = [p for p in problems if p["location"]["path"].endswith(path)]
    assert located and located[0]["severity"] == "error", problems


def test_a_spec_load_balancer_arn_of_no_shape_is_refused_where_it_is(cli: CliRunner, tmp_path: Path) -> None:
    spec = tmp_path / "lb.yaml"
    assert (
        cli("export", str(FIXTURES / "terraform" / "state_alb.json"), "--to", "yaml", "-o", str(spec)).status
        == 0
    )
    text = spec.read_text()
    arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/0123456789abcdef"
    assert arn in text
    spec.write_text(text.replace(arn, "bogus"))
    run = cli("validate", "--json", str(spec))
    assert run.status == 2
    location = _located(_error(run), spec)
    assert location["line"] is not None


def test_an_internet_gateway_attachment_state_aws_never_returns_is_refused_where_it_is(
    cli: CliRunner, tmp_path: Path
) -> None:
    """Found by the campaign: ``Attachments[0].State = "null"`` was read, then written as a spec
    the spec reader refused (``attachment_state: 'null' is not allowed``)."""
    gateways = json.loads((PUBLIC_PRIVATE / "InternetGateways.json").read_text())
    gateways["InternetGateways"][0]["Attachments"][0]["State"] = "null"
    folder = _dump(tmp_path, {"InternetGateways.json": gateways})
    run = cli("validate", "--json", str(folder))
    assert run.status == 2, run.out  # one policy for every format: an error refuses the load
    bad = [w for w in _error(run)["details"] if w["severity"] == "error"]
    assert bad and bad[0]["location"]["path"] == "$.InternetGateways[0].Attachments[0].State", run.json
    _round_trips(cli, folder, tmp_path)


def test_a_listener_forwarding_to_a_target_group_absent_from_the_dump_round_trips(
    cli: CliRunner, tmp_path: Path
) -> None:
    """Found by the campaign: the importer keeps the listener (a warning: it forwards nowhere
    vpcsim can follow); the spec names the absent group by its ARN, with the same warning."""
    source = FIXTURES / "aws" / "test-load-balancer" / "aws_configs"
    folder = tmp_path / "aws"
    folder.mkdir()
    for each in source.glob("*.json"):
        if each.name != "TargetGroups.json":
            (folder / each.name).write_bytes(each.read_bytes())
    spec = tmp_path / "out.yaml"
    assert cli("export", str(folder), "--to", "yaml", "-o", str(spec)).status == 0
    again = cli("validate", "--json", str(spec))
    assert again.status == 0, again.out
    assert any(w["code"] == "TargetGroupNotFound" for w in again.json["problems"]), again.json


def test_targets_that_are_instances_absent_from_the_dump_round_trip(cli: CliRunner, tmp_path: Path) -> None:
    """Found by the campaign: ``Reservations`` unreadable, the target group's instances were
    written by id and the spec refused them (``no instance ... here``)."""
    source = FIXTURES / "aws" / "test-load-balancer" / "aws_configs"
    folder = tmp_path / "aws"
    folder.mkdir()
    for each in source.glob("*.json"):
        if each.name != "Reservations.json":
            (folder / each.name).write_bytes(each.read_bytes())
    _round_trips(cli, folder, tmp_path)


@pytest.mark.parametrize(
    "version",
    ['"' + "9" * 4301 + '"', "9" * 4400, '"\\uff11.\\uff10"', '"x"', '["1.0"]', "2.5"],
    ids=["digits-string", "digits-number", "full-width", "letter", "list", "float"],
)
def test_a_terraform_format_version_of_no_shape_is_located(
    cli: CliRunner, tmp_path: Path, version: str
) -> None:
    """Found by the campaign: a 4,301-digit ``format_version`` ended in ``int()``'s ValueError
    (exit 70); a version is compared as ASCII digits, never converted whole."""
    plan = json.loads(PLAN.read_text())
    plan["format_version"] = "VERSION"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan).replace('"VERSION"', version))
    run = cli("validate", "--json", str(path))
    assert run.status == 2, run.out
    location = _located(_error(run), path)
    assert location["path"] == "$.format_version" or location["line"] is not None


@pytest.mark.parametrize(
    "protocol", ["9" * 4301, "\u00b2", "\uff16"], ids=["digits", "superscript", "full-width"]
)
def test_a_protocol_of_digits_python_cannot_convert_is_refused_where_it_is(
    cli: CliRunner, tmp_path: Path, protocol: str
) -> None:
    """The class of the ``format_version`` crash: ``str.isdigit()`` is true of 4,301 digits and
    of ``²``, which ``int()`` refuses (exit 70, or Python's words); protocols are compared as at
    most three ASCII digits."""
    acls = json.loads((PUBLIC_PRIVATE / "NetworkAcls.json").read_text())
    acls["NetworkAcls"][0]["Entries"][0]["Protocol"] = protocol
    groups = json.loads((PUBLIC_PRIVATE / "SecurityGroups.json").read_text())
    groups["SecurityGroups"][0]["IpPermissions"] = [
        {"IpProtocol": protocol, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ]
    folder = _dump(tmp_path, {"NetworkAcls.json": acls, "SecurityGroups.json": groups})
    run = cli("validate", "--json", str(folder))
    assert run.status in (0, 2), run.out
    problems = run.json.get("load_warnings") or _error(run)["details"]
    bad = [p for p in problems if "Protocol" in p["message"] and p["severity"] == "error"]
    assert len(bad) == 2, problems
    assert not any(PYTHON_INTERNALS.search(p["message"]) for p in problems)


@pytest.mark.parametrize("field", ["Origin", "State"])
@pytest.mark.parametrize("value", [[["x"]], {"a": 1}, 3, None, True])
def test_a_route_field_of_any_json_type_is_judged_in_vpcsims_words(
    cli: CliRunner, tmp_path: Path, field: str, value: object
) -> None:
    """Found by campaign 5 (seed 36): a list as a route's ``Origin`` reached a set lookup and
    the item was refused as ``unreadable item of RouteTables (unhashable type: 'list')``."""
    tables = json.loads((PUBLIC_PRIVATE / "RouteTables.json").read_text())
    routes = next(t["Routes"] for t in tables["RouteTables"] if t["Routes"])
    routes[0][field] = value
    folder = _dump(tmp_path, {"RouteTables.json": tables})
    run = cli("validate", "--json", str(folder))
    assert run.status in (0, 2), run.out
    text = run.out + run.err
    assert not PYTHON_INTERNALS.search(text), text
    assert "unreadable item" not in text, text


@pytest.mark.parametrize(
    ("file", "key", "path", "field"),
    [
        ("TransitGatewayVpcAttachments.json", "TransitGatewayVpcAttachments", (), "VpcOwnerId"),
        ("TransitGatewayAttachments.json", "TransitGatewayAttachments", (), "ResourceOwnerId"),
    ],
)
def test_an_owner_account_of_a_transit_gateway_attachment_is_12_digits(
    cli: CliRunner, tmp_path: Path, file: str, key: str, path: tuple[str, ...], field: str
) -> None:
    """Found by campaign 5 (seed 36): ``VpcOwnerId = "Value"`` was read, then exported as the
    account of the attachment's scope."""
    source = FIXTURES / "aws" / "test-transit-gateway" / "aws_configs"
    folder = tmp_path / "aws"
    folder.mkdir()
    for item in source.iterdir():
        (folder / item.name).write_bytes(item.read_bytes())
    document = json.loads((folder / file).read_text())
    document[key][0][field] = "Value"
    (folder / file).write_text(json.dumps(document))
    run = cli("validate", "--json", str(folder))
    assert run.status == 2, run.out
    bad = [d for d in _error(run)["details"] if d["location"]["path"] == f"$.{key}[0].{field}"]
    assert bad and "'Value' is not an AWS account id" in bad[0]["message"], run.out
