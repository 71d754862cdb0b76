"""An EC2 API error: AWS's code and message, answered as EC2 error XML with HTTP 400.

Raised by the pure rule modules (``sg_rules``, ``acl_rules``, ``addresses``) so that they stay
free of the HTTP layer; the server turns it into the response.
"""

from __future__ import annotations


class ApiError(Exception):
    """A client error with AWS's ``code`` (``InvalidPermission.Duplicate``) and ``message``."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
