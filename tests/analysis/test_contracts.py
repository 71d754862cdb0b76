"""Real outputs of every analysis command validate against the published models."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.cli import CliRunner

from vpcsim.analysis.contracts import ANALYSIS_OUTPUTS


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("reach", ("reach", "bastion-nat", "--from", "internet", "--to", "bastion")),
        ("reach", ("reach", "bastion-nat", "--from", "app", "--to", "internet")),
        ("why", ("why", "bastion-nat", "--from", "app", "--to", "bastion", "--port", "80")),
        ("exposure", ("exposure", "bastion-nat")),
        ("matrix", ("matrix", "bastion-nat", "--by", "security-group")),
        ("diff", ("diff", "bastion-nat", "custom-vpc")),
    ],
)
def test_outputs_match_their_contract(cli: CliRunner, name: str, args: tuple[str, ...]) -> None:
    run = cli(*args, "--json")
    assert run.status in (0, 1, 3), run.out
    ANALYSIS_OUTPUTS[name].model_validate(run.json)


def test_check_output_matches_its_contract(cli: CliRunner, tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("assertions:\n  - name: x\n    from: app\n    to: bastion\n    allow: [tcp/80]\n")
    run = cli("check", "bastion-nat", str(policy), "--json")
    assert run.status == 1
    ANALYSIS_OUTPUTS["check"].model_validate(run.json)


def test_schemas_generate() -> None:
    for model in ANALYSIS_OUTPUTS.values():
        schema = model.model_json_schema(by_alias=True)
        assert schema["type"] == "object" and "schema_version" in schema["properties"]
