"""What loaders report: the result of a load, and problems with a location.

Every loader (YAML spec, AWS folder, Terraform JSON) returns a :class:`LoadResult` or raises
:class:`InputError`. The problem classes live in :mod:`vpcsim.model.problems` (every layer
raises them); they are re-exported here for the readers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Network
from ..model.problems import InputError, LoadProblem, Location

__all__ = ["InputError", "LoadProblem", "LoadResult", "Location"]


@dataclass(slots=True)
class LoadResult:
    network: Network
    format: str
    """``yaml``, ``aws`` or ``terraform``."""
    warnings: list[LoadProblem] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    """Input keys or resource types read but not modelled, with their counts."""
    counts: dict[str, int] = field(default_factory=dict)
    """Resources loaded, per type."""
