"""Fixtures of the lab tests: the environment gate, leftovers of crashed runs, the host's state.

Lab tests need root, ``ip`` and ``nft``. Where one is missing they skip with the reason --
except under ``CI=true``, where they fail: CI must run them (``scripts/install-lab-deps.sh``).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator

import pytest
from tests.support.lab import make_lab_name

from vpcsim.lab import lab_down, missing_requirements
from vpcsim.lab.netns import lab_namespaces
from vpcsim.lab.state import list_states


def lab_requirements_missing() -> str | None:
    missing = missing_requirements()
    return "the live lab needs " + "; ".join(missing) if missing else None


@pytest.fixture(scope="session")
def lab_environment() -> None:
    """Skip (or, under CI=true, fail) when this machine cannot run a lab."""
    reason = lab_requirements_missing()
    if reason is None:
        _remove_leftovers()
        return
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(
            f"{reason} -- CI=true: the lab tests must run here (run scripts/install-lab-deps.sh as root)"
        )
    pytest.skip(reason)


_TEST_LAB = re.compile(r"^(?:[ft]|sl)(\d+)(?:n\d+|[skh])$")


def _remove_leftovers() -> None:
    """Labs of earlier test runs whose process is gone (a crash, a kill) are removed."""
    names = set(list_states())
    for namespace in lab_namespaces("vs-"):
        names.add(namespace.split("-")[1])
    for name in sorted(names):
        match = _TEST_LAB.match(name)
        if match and not os.path.exists(f"/proc/{match.group(1)}"):
            with contextlib.suppress(Exception):
                lab_down(name)


@pytest.fixture
def lab_name(lab_environment: None) -> Iterator[str]:
    """A fresh lab name, removed after the test whatever happens."""
    name = make_lab_name()
    lab_down(name)
    try:
        yield name
    finally:
        lab_down(name)
