"""Exit statuses and the errors the CLI turns into them (``docs/cli.md``)."""

from __future__ import annotations

from typing import Any

EXIT_OK = 0
"""Yes / clean."""
EXIT_NO = 1
"""No / findings / differences."""
EXIT_USAGE = 2
"""Usage, input or environment error."""
EXIT_UNKNOWN = 3
"""The answer depends on what is not modelled."""
EXIT_INTERNAL = 70
"""A bug in vpcsim (``--debug`` shows the traceback)."""


class CliError(Exception):
    """An error a user can fix: printed as one message (or ``{"error": ...}`` under ``--json``), exit 2."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "VPCSIM_USAGE",
        location: str | None = None,
        details: list[dict[str, Any]] | None = None,
        status: int = EXIT_USAGE,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.location = location
        self.details = details or []
        self.status = status

    def to_dict(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "location": self.location}
        if self.details:
            error["details"] = self.details
        return {"schema_version": 1, "error": error}
