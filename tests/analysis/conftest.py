"""Shared helpers for the analysis tests: the CLI in-process, at a width that fits the tables."""

from __future__ import annotations

import pytest
from tests.support.cli import CliRunner, make_runner


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    return make_runner(capsys, monkeypatch, 160)
