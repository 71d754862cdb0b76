"""The differential runs' kernel observations, gathered once per test run.

Gathering takes minutes (networks realised as labs and probed); every test of a module compares
the same observations with the engine, real or mutated, and pytest-xdist's workers share them
through a file lock and a pickle in the run's temporary directory."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from vpcsim.fidelity import NetworkRun


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def shared_runs(
    tmp_path_factory: pytest.TempPathFactory, name: str, gather: Callable[[], list[NetworkRun]]
) -> list[NetworkRun]:
    """What ``gather`` observes, run by the first worker to ask under ``name``, read by the others."""
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    root = tmp_path_factory.getbasetemp().parent if run_id else tmp_path_factory.getbasetemp()
    cache = root / f"vpcsim-{name}-{run_id or 'solo'}.pickle"
    with _locked(root / f"vpcsim-{name}-{run_id or 'solo'}.lock"):
        if cache.exists():
            runs: list[NetworkRun] = pickle.loads(cache.read_bytes())
            return runs
        runs = gather()
        cache.write_bytes(pickle.dumps(runs))
        return runs
