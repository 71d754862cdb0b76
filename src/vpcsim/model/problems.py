"""Problems found in input, with where they are: the one error every layer raises for bad input.

A location names the file and, where known, ``line:column`` (YAML) or a JSON path
(``$.Vpcs[2].CidrBlock``), so a user can find what to fix. Readers (:mod:`vpcsim.formats`) raise
:class:`InputError` for files they cannot use; analyses raise it for input that names nothing
(a policy's selector). It lives at the bottom layer so that every layer can raise it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


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


class InputWarning(UserWarning):
    """Input that was read with a loss: a key or resource type the model does not hold, a value
    taken in a weaker sense. :func:`vpcsim.load` tells each one, never drops it silently."""
