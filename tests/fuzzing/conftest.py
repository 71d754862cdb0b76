"""The CLI runner of tests/cli, for the fuzz tests."""

from __future__ import annotations

import pytest
from tests.support.cli import CliRunner, make_runner


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    return make_runner(capsys, monkeypatch, 100)
