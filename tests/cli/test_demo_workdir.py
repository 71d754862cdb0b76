"""``vpcsim demo`` leaves nothing behind unless asked: its changed networks go to a temporary
folder removed at the end, or to ``--keep DIR``, kept and named."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from tests.support.cli import CliRunner


def test_demo_removes_its_work_folder(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    run = cli("demo", "--network", "custom-vpc", "--json")
    assert run.status == 0 and run.json["story_holds"]
    assert run.json["workdir"] is None
    assert list(tmp_path.iterdir()) == []
    text = cli("demo", "--network", "custom-vpc")
    assert text.status == 0 and "removed at the end (--keep DIR keeps them)" in text.out
    assert list(tmp_path.iterdir()) == []


def test_demo_keeps_its_networks_on_request(cli: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "networks"
    run = cli("demo", "--network", "custom-vpc", "--keep", str(folder), "--json")
    assert run.status == 0 and run.json["workdir"] == str(folder)
    written = sorted(p.name for p in folder.iterdir())
    assert "custom-vpc-nacl-narrow-return.yaml" in written
    assert all(str(folder) in step["command"] for step in run.json["steps"])
