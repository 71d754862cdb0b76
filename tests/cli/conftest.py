"""The CLI tests' runner: ``vpcsim`` in-process on a plain terminal 100 columns wide."""

from __future__ import annotations

import pytest
from tests.support.cli import CliRunner, make_runner


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    return make_runner(capsys, monkeypatch, 100)
