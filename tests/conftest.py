"""Shared fixtures: small networks built through the public builder API."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# Property tests are derandomized in CI so that a red run is reproducible.
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's network cache (vpcsim.cache) goes to a folder of this test session, never the
    user's; and a ``vpcsim`` command a test starts leaves no resident process behind
    (tests/resident turn it on in folders of their own)."""
    monkeypatch.setenv("VPCSIM_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "vpcsim-cache"))
    monkeypatch.setenv("VPCSIM_RESIDENT", "0")
