"""AWS's errors as an exception: an action raises :class:`ApiError` with AWS's code and message,
the server answers it as EC2's error XML with the HTTP status AWS uses (400, or 412 for
``DryRunOperation``); anything else raised is an ``InternalError`` (500) whose traceback stays in
the server's log."""

from __future__ import annotations

__all__ = ["ApiError", "dry_run", "not_found"]


class ApiError(Exception):
    """An error AWS would answer: its code (``InvalidVpcID.NotFound``), message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def not_found(code: str, what: str, ids: str | list[str]) -> ApiError:
    """``<code>`` (``InvalidVpcID.NotFound``...): "The vpc ID 'vpc-1' does not exist"."""
    if isinstance(ids, list):
        shown = ", ".join(f"'{i}'" for i in ids)
        return ApiError(
            code,
            f"The {what} IDs {shown} do not exist"
            if len(ids) > 1
            else f"The {what} ID {shown} does not exist",
        )
    return ApiError(code, f"The {what} ID '{ids}' does not exist")


def dry_run() -> ApiError:
    return ApiError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412)
