"""moto 5.2.5's own EC2 tests for the eleven VPC-area files, run in server mode against
``vpcsim serve`` (scripts/moto_server_mode.py): no failure outside the documented list of tests
where moto expects what AWS refuses (docs/serve-moto-disagreements.toml, with the AWS
documentation that says so), no listed test passing (the list stays true), and at least the
measured number of tests passing. docs/serve.md's table is written from the same file.

Runs under ``CI=true`` always (CI reaches PyPI for moto's source distribution); elsewhere it is
skipped when the source distribution can be neither found in the cache nor downloaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from scripts import moto_server_mode as suite

ROOT = Path(__file__).resolve().parents[2]


def _cache() -> Path:
    return Path(os.environ.get("VPCSIM_MOTO_CACHE") or Path.home() / ".cache" / "vpcsim" / "moto")


def _listed() -> tuple[dict[str, bool], int]:
    """Listed test -> whether it fails every time (``random``: true for the whole entry, or the
    list of its tests whose outcome depends on a random draw); the measured floor of passed tests."""
    data = suite.known()
    disagreements: dict[str, bool] = {}
    for entry in data["disagreement"]:  # type: ignore[attr-defined]
        drawn = entry.get("random", False)
        for test in entry["tests"]:
            disagreements[test] = not (drawn is True or (isinstance(drawn, list) and test in drawn))
    return disagreements, int(data["min_passed"])  # type: ignore[call-overload]


def test_every_listed_test_is_documented_once() -> None:
    data = suite.known()
    seen: list[str] = []
    for entry in data["disagreement"]:  # type: ignore[attr-defined]
        for key in ("tests", "moto", "aws", "source", "quote"):
            assert entry.get(key), f"a disagreement lacks {key}: {entry}"
        seen.extend(entry["tests"])
        drawn = entry.get("random", False)
        assert drawn is True or drawn is False or set(drawn) <= set(entry["tests"]), entry
    assert "pending" not in data, "no test is pending: each failure is a documented disagreement"
    assert len(seen) == len(set(seen)), "a test is listed twice"
    for test in seen:
        file, _, name = test.partition("::")
        assert file in suite.FILES and name.startswith("test_"), test


def test_docs_table_matches() -> None:
    """docs/serve.md carries the table written from the data file (regenerate:
    ``.venv/bin/python scripts/moto_server_mode.py --table``)."""
    assert suite.table() in (ROOT / "docs" / "serve.md").read_text()


def _sources_available() -> bool:
    if (_cache() / f"moto-{suite.VERSION}" / "tests" / "test_ec2").is_dir():
        return True
    try:
        suite.sources(_cache())
    except (subprocess.CalledProcessError, OSError):
        return False
    return True


def test_moto_suite_in_server_mode(tmp_path: Path) -> None:
    if os.environ.get("CI") != "true" and not _sources_available():
        pytest.skip("moto's source distribution is neither cached nor downloadable (CI runs this)")
    report = tmp_path / "outcomes.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "moto_server_mode.py"), "--json", str(report)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert report.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    outcomes: dict[str, str] = json.loads(report.read_text())
    disagreements, min_passed = _listed()
    failed = {node for node, outcome in outcomes.items() if outcome in ("failed", "error")}
    unexpected = sorted(node for node in failed if node not in disagreements)
    assert not unexpected, f"failing outside the documented list: {unexpected}\n{run.stdout[-3000:]}"
    stale = sorted(
        test for test, always in disagreements.items() if always and outcomes.get(test) == "passed"
    )
    assert not stale, f"listed as disagreeing with AWS but passing (remove from the list): {stale}"
    missing = sorted(test for test in disagreements if test not in outcomes)
    assert not missing, f"listed tests that moto {suite.VERSION} does not have: {missing}"
    passed = sum(outcome == "passed" for outcome in outcomes.values())
    assert passed >= min_passed, f"{passed} passed, fewer than the measured {min_passed}"
