"""What ``import`` calls skipped is what it really did not read: an empty listing skips nothing,
and listings of the account's context (availability zones, regions) are no resources. Neither
makes ``import`` exit 1 nor ``exposure`` call itself incomplete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.support.cli import CliRunner, make_runner

from vpcsim.formats.aws_import import CONTEXT_ONLY, NOT_MODELLED


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    return make_runner(capsys, monkeypatch, 160)


@pytest.fixture
def folder(cli: CliRunner, tmp_path: Path) -> Path:
    out = tmp_path / "aws"
    assert cli("export", "bastion-nat", "--to", "aws", "-o", str(out)).status == 0
    return next(out.rglob("Vpcs.json")).parent


def _extra(folder: Path, document: dict[str, object]) -> None:
    (folder / "extra.json").write_text(json.dumps(document))


@pytest.mark.parametrize("key", sorted(NOT_MODELLED | CONTEXT_ONLY))
def test_an_empty_listing_is_not_skipped(cli: CliRunner, folder: Path, key: str) -> None:
    _extra(folder, {key: []})
    run = cli("import", str(folder.parents[1]), "--json")
    assert run.json["skipped"] == {}
    assert run.status == 0
    exposure = cli("exposure", str(folder.parents[1]), "--json")
    assert exposure.json["incomplete"] == []


def test_availability_zones_are_context_not_skipped(cli: CliRunner, folder: Path) -> None:
    zones = [{"ZoneName": "sa-east-1a", "RegionName": "sa-east-1", "State": "available"}]
    _extra(folder, {"AvailabilityZones": zones, "Regions": [{"RegionName": "sa-east-1"}]})
    run = cli("import", str(folder.parents[1]), "--json")
    assert run.status == 0 and run.json["skipped"] == {}


def test_a_listing_of_unmodelled_resources_is_skipped_with_its_count(cli: CliRunner, folder: Path) -> None:
    _extra(
        folder,
        {"DBInstances": [{"DBInstanceIdentifier": "a"}, {"DBInstanceIdentifier": "b"}], "VpnConnections": []},
    )
    run = cli("import", str(folder.parents[1]), "--json")
    assert run.status == 1 and run.json["skipped"] == {"DBInstances": 2}
    text = cli("import", str(folder.parents[1]))
    assert "VpnConnections" not in text.out
    exposure = cli("exposure", str(folder.parents[1]), "--json")
    assert [i["component"] for i in exposure.json["incomplete"]] == ["DBInstances"]
