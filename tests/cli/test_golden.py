"""Golden tests: the exact rendered output of `show` and `trace` on the built-in examples.

Regenerate after an intended change with ``VPCSIM_UPDATE_GOLDEN=1 pytest tests/cli/test_golden.py``
and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.support.cli import CliRunner

GOLDEN = Path(__file__).parent / "golden"

CASES = {
    "show-bastion-nat": ["show", "bastion-nat"],
    "show-web-server": ["show", "web-server"],
    "trace-app-to-internet-via-nat": ["curl", "bastion-nat", "app", "internet", "--port", "443"],
    "trace-internet-ssh-default-vpc": ["ssh", "default-vpc", "internet", "instance-1"],
    "trace-blocked-ping": ["ping", "default-vpc", "instance-2", "instance-1"],
    "trace-internet-to-private-brief": ["ssh", "bastion-nat", "internet", "app", "--brief"],
    "trace-internet-to-alb-transit-hub": [
        "trace",
        "transit-hub",
        "--from",
        "internet",
        "--to",
        "web-alb",
        "--port",
        "443",
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_output(cli: CliRunner, name: str) -> None:
    run = cli(*CASES[name])
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("VPCSIM_UPDATE_GOLDEN"):
        path.write_text(run.out)
    assert run.out == path.read_text(), f"rendered output of {CASES[name]} changed"
    assert run.err == ""
