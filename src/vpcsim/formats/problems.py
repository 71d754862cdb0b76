"""What loaders report: problems with a location, and the result of a load.

Every loader (YAML spec, AWS folder, Terraform JSON) returns a :class:`LoadResult` or raises
:class:`InputError`. A location names the file and, where known, ``line:column`` (YAML) or a
JSON path (``$.Vpcs[2].CidrBlock``), so a user can find what to fix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ..model import Network, Problem


@dataclass(frozen=True, slots=True)
class Location:
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    """Key path (``vpcs.main.subnets[0].cidr``) or JSON path (``$.Subnets[0].CidrBlock``)."""

    def __str__(self) -> str:
        text = self.file or "<input>"
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        if self.path:
            text += f": {self.path}"
        return text

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "column": self.column, "path": self.path}


@dataclass(frozen=True, slots=True)
class LoadProblem:
    severity: Literal["error", "warning"]
    code: str
    """AWS's error code where AWS has one (``InvalidSubnet.Range``), else ``VPCSIM_...``."""
    message: str
    location: Location = field(default_factory=Location)

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {self.message} [{self.code}]"

    def to_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "location": self.location.to_dict(),
        }


class InputError(Exception):
    """Input that cannot be used: the CLI exits 2 and prints every problem."""

    def __init__(
        self, problems: list[LoadProblem] | LoadProblem | str, *, code: str = "VPCSIM_INPUT"
    ) -> None:
        if isinstance(problems, str):
            problems = [LoadProblem("error", code, problems)]
        elif isinstance(problems, LoadProblem):
            problems = [problems]
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


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
