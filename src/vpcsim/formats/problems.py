"""What loaders report: the result of a load, and problems with a location.

Every loader (YAML spec, AWS folder, Terraform JSON) returns a :class:`LoadResult` or raises
:class:`InputError`. The problem classes live in :mod:`vpcsim.model.problems` (every layer
raises them); they are re-exported here for the readers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..model import Network, Problem
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
    locations: dict[str, Location] = field(default_factory=dict)
    """Resource id -> where the input defines it (file and line for YAML, JSON path for Terraform),
    so that reports (SARIF) can point at it."""
    validation: list[Problem] = field(default_factory=list)
    """What :func:`vpcsim.model.validate` found at load: warnings only, since a network with
    errors does not load (``vpcsim.formats.loader``); each is also in ``warnings``, located."""
    locate: Callable[[str], tuple[str, Location | None]] | None = field(
        default=None, repr=False, compare=False
    )
    """A resource (by id) as the input names it (a Terraform address, an id) and where the input
    holds it (file and JSON path; None when the reader made it)."""
