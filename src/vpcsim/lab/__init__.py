"""vpcsim's live lab: a network of the model, run for real in Linux network namespaces.

Two uses. Readers of the tutorial ping, SSH and curl between real instances whose
security groups, network ACLs, routes and gateways behave as AWS's do; and the fidelity
harness (:mod:`vpcsim.fidelity`) compares the engine's verdicts with what the kernel does.
The lab never imports the engine (``.importlinter`` enforces it): it is an independent
implementation of the same AWS rules, built from kernel mechanisms (see :mod:`.plan`).

The package's entry points: :func:`lab_up`, :func:`lab_status`, :func:`lab_down`,
:func:`lab_exec`, :func:`lab_probe` (and :func:`probe_many` for concrete probes,
:func:`lab_reload` for changed rules); users reach them through ``vpcsim lab``
(``docs/lab.md``). Everything needs root, ``ip`` and ``nft``: :class:`LabEnvironmentError`
otherwise. Internal: only the names :mod:`vpcsim` exports are public (``docs/api.md``).
"""

from .api import (
    lab_down,
    lab_exec,
    lab_probe,
    lab_reload,
    lab_status,
    lab_up,
    probe_document,
    probe_many,
    resolve_namespace,
)
from .env import missing_requirements, require_environment
from .errors import LabEnvironmentError, LabError, LabNotFoundError
from .naming import DEFAULT_LAB, check_lab_name
from .plan import DEFAULT_INTERNET_HOSTS, LabPlan, build_plan
from .probe import ProbeResult, ProbeSpec
from .state import LabState, read_state

__all__ = [
    "DEFAULT_INTERNET_HOSTS",
    "DEFAULT_LAB",
    "LabEnvironmentError",
    "LabError",
    "LabNotFoundError",
    "LabPlan",
    "LabState",
    "ProbeResult",
    "ProbeSpec",
    "build_plan",
    "check_lab_name",
    "lab_down",
    "lab_exec",
    "lab_probe",
    "lab_reload",
    "lab_status",
    "lab_up",
    "missing_requirements",
    "probe_document",
    "probe_many",
    "read_state",
    "require_environment",
    "resolve_namespace",
]
