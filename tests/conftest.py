"""Shared fixtures: small networks built through the public builder API."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Property tests are derandomized in CI so that a red run is reproducible.
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
