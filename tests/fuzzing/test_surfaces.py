"""A short derandomized fuzz run of every input surface (``make fuzz`` is the long campaign).

Each test draws its inputs with hypothesis (derandomized: the same inputs on every run), runs
them as ``python -m fuzz`` does, and fails -- with the shrunk input -- on any broken promise of
:mod:`fuzz.oracle`: an internal error, a traceback, a rejection without file and location, a
rejection in Python's words.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz.campaign import run_surface
from fuzz.surfaces import SURFACES

EXAMPLES = {"yaml": 60, "aws": 30, "terraform": 30, "policy": 40, "cli": 80}


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_surface_keeps_the_cli_contract(surface: str, tmp_path: Path) -> None:
    stats = run_surface(
        surface,
        tmp_path / "work",
        examples=EXAMPLES[surface],
        derandomize=True,
        sample=2,
        processes=0,
        raise_failures=True,
    )
    assert stats.inputs >= EXAMPLES[surface] // 2
    assert not stats.failures
    # the run reached past the parsers: some inputs were accepted, some rejected
    assert stats.statuses[2] and sum(n for s, n in stats.statuses.items() if s != 2)
