"""The NETWORK rule: which reader a path goes to, and the errors for what no reader takes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from vpcsim.formats import loader
from vpcsim.formats.loader import EXAMPLES, detect_format, load_example, load_network
from vpcsim.formats.problems import InputError, LoadResult
from vpcsim.model import Network

SPEC = "vpcs:\n  main:\n    cidr: 10.0.0.0/16\n"


def fake_reader(calls: list[tuple[str, Path]], kind: str):  # type: ignore[no-untyped-def]
    def read(path: Path) -> LoadResult:
        calls.append((kind, Path(path)))
        return LoadResult(network=Network(), format=kind)

    return read


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Path]]:
    """Record dispatches to the AWS and Terraform readers instead of running them."""
    recorded: list[tuple[str, Path]] = []
    monkeypatch.setattr(loader, "load_aws", fake_reader(recorded, "aws"))
    monkeypatch.setattr(loader, "load_terraform", fake_reader(recorded, "terraform"))
    return recorded


def error(path: Path, **kwargs: str) -> str:
    with pytest.raises(InputError) as info:
        load_network(path, **kwargs)
    (problem,) = info.value.problems
    assert problem.severity == "error" and problem.location.file == str(path)
    return problem.message


@pytest.mark.parametrize("name", ["net.yaml", "net.yml", "NET.YAML"])
def test_yaml_suffix_is_a_spec(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(SPEC)
    result = load_network(path)
    assert result.format == "yaml" and len(result.network.vpcs) == 1
    assert load_network(str(path)).network.vpcs.keys() == result.network.vpcs.keys()


def test_spec_ids_come_from_the_file_name(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "net.yaml").write_text(SPEC)
    (tmp_path / "b" / "net.yaml").write_text(SPEC)
    (tmp_path / "other.yaml").write_text(SPEC)
    first = load_network(tmp_path / "a" / "net.yaml").network.vpcs.keys()
    assert load_network(tmp_path / "b" / "net.yaml").network.vpcs.keys() == first
    assert load_network(tmp_path / "other.yaml").network.vpcs.keys() != first


def test_format_wins(tmp_path: Path, calls: list[tuple[str, Path]]) -> None:
    text = tmp_path / "net.txt"
    text.write_text(SPEC)
    assert load_network(text, format="yaml").format == "yaml"
    spec = tmp_path / "net.yaml"
    spec.write_text(SPEC)
    load_network(spec, format="aws")
    load_network(spec, format="terraform")
    assert calls == [("aws", spec), ("terraform", spec)]


def test_directory_is_an_aws_folder(tmp_path: Path, calls: list[tuple[str, Path]]) -> None:
    assert load_network(tmp_path).format == "aws"
    assert calls == [("aws", tmp_path)]
    assert detect_format(tmp_path) == "aws"


def test_json_with_format_version_is_terraform(tmp_path: Path, calls: list[tuple[str, Path]]) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"format_version": "1.2", "planned_values": {}}))
    state = tmp_path / "terraform.tfstate"
    state.write_text(
        json.dumps({"version": 4, "terraform_version": "1.7.0", "lineage": "x", "resources": []})
    )
    load_network(plan)
    load_network(state)
    assert calls == [("terraform", plan), ("terraform", state)]


@pytest.mark.parametrize("key", ["Vpcs", "Subnets", "Reservations", "SecurityGroups", "NetworkAcls"])
def test_json_with_describe_keys_is_aws(tmp_path: Path, calls: list[tuple[str, Path]], key: str) -> None:
    path = tmp_path / "dump.json"
    path.write_text(json.dumps({key: [], "ResponseMetadata": {}}))
    load_network(path)
    assert calls == [("aws", path)]


def test_binary_terraform_plan_says_how_to_convert_it(tmp_path: Path) -> None:
    path = tmp_path / "tfplan"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)))
    message = error(path)
    assert "binary Terraform plan" in message and "terraform show -json tfplan > plan.json" in message


def test_other_json_is_refused_with_its_keys(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"hello": 1, "world": 2}))
    message = error(path)
    assert "neither Terraform" in message and "its keys: hello, world" in message and "--format" in message


@pytest.mark.parametrize(
    ("name", "content", "hint"),
    [
        ("main.tf", 'resource "aws_vpc" "main" {}\n', "vpcsim reads Terraform JSON"),
        ("notes.txt", "hello\n", "pass --format yaml|aws|terraform"),
        ("list.json", "[1, 2]", "it is JSON but not an object"),
    ],
)
def test_anything_else_is_an_input_error_with_a_hint(
    tmp_path: Path, name: str, content: str, hint: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    message = error(path)
    assert message.startswith(f"cannot tell the format of {path}") and hint in message


def test_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    assert error(path) == f"cannot read {path}: no such file or directory"


def test_directory_given_as_a_spec(tmp_path: Path) -> None:
    assert "it is a directory" in error(tmp_path, format="yaml")


def test_unknown_format_value(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(SPEC)
    assert error(path, format="json") == "unknown format 'json'; use one of yaml, aws, terraform"


def test_text_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_bytes(b"vpcs: \xff\xfe\n")
    assert "is not UTF-8 text" in error(path)


def test_spec_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("vpcs:\n  main:\n    cidr: 10.0.0.0/33\n")
    with pytest.raises(InputError) as info:
        load_network(path)
    (problem,) = info.value.problems
    assert (problem.location.file, problem.location.line, problem.code) == (
        str(path),
        3,
        "InvalidParameterValue",
    )


def test_missing_readers_are_reported_not_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vpcsim.formats.aws", None)
    monkeypatch.setitem(sys.modules, "vpcsim.formats.terraform", None)
    assert "AWS describe-* folders and files are not supported yet" in error(tmp_path)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"format_version": "1.2"}))
    assert "Terraform JSON files are not supported yet" in error(plan)


def test_the_real_readers_are_wired(tmp_path: Path) -> None:
    """When the AWS reader is installed, the loader reaches it (an empty folder is its error)."""
    pytest.importorskip("vpcsim.formats.aws")
    with pytest.raises(InputError) as info:
        load_network(tmp_path)
    assert info.value.problems and "not supported yet" not in str(info.value)


#: Instances per example: the tutorial's examples have two; the transit gateway example four.
EXAMPLE_INSTANCES = {
    "default-vpc": 2,
    "custom-vpc": 2,
    "bastion-nat": 2,
    "web-server": 2,
    "transit-hub": 4,
    "dual-stack": 2,
}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_load_example(name: str) -> None:
    result = load_example(name)
    assert result.format == "yaml" and result.warnings == []
    assert len(result.network.instances) == EXAMPLE_INSTANCES[name]
    names = [i.name for i in result.network.instances.values()]
    assert all(n is not None and len(result.network.find_by_name(n)) == 1 for n in names)


def test_examples_tell_the_story_in_order() -> None:
    assert list(EXAMPLES) == [
        "default-vpc",
        "custom-vpc",
        "bastion-nat",
        "web-server",
        "transit-hub",
        "dual-stack",
    ]


def test_unknown_example() -> None:
    with pytest.raises(InputError) as info:
        load_example("nope")
    assert "no built-in example 'nope'; the examples are default-vpc, custom-vpc" in str(info.value)
