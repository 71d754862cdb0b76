"""Exact analyses over sets of flows: reach, why, exposure, matrix, diff and policy checks.

The flow space is cut into atoms by every boundary the rules and routes on a path mention; the
reference engine walks each address pair once per walk class with the filters recorded
(skeletons), and every atom is decided with the engine's own rule functions. Equivalence
classes of ENI addresses let all-pairs analyses walk once per class pair. ``docs/symbolic.md``
explains the design. Internal: only the names :mod:`vpcsim` exports are public (``docs/api.md``).
"""

from .diff import DiffResult, diff
from .exposure import ExposureResult, Finding, exposure
from .matrix import MatrixResult, matrix
from .policy import CheckResult, check
from .reach import ReachResult, reach
from .why import WhyResult, why

__all__ = [
    "CheckResult",
    "DiffResult",
    "ExposureResult",
    "Finding",
    "MatrixResult",
    "ReachResult",
    "WhyResult",
    "check",
    "diff",
    "exposure",
    "matrix",
    "reach",
    "why",
]
