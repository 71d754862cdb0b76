"""SSM's public parameters for the latest AMIs, the way scripts and tests find an image id.

``ssm.get_parameter(Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64")``
is how AWS's own examples (and moto's tests) pick the ``ImageId`` of ``RunInstances``. The
server answers ``GetParameter`` and ``GetParameters`` (AWS JSON 1.1, ``X-Amz-Target:
AmazonSSM.*``) for the public AMI parameters AWS publishes under :data:`PUBLIC_AMI_PATHS`: each
name of each region maps to a stable ``ami-`` id (vpcsim has no images; ``RunInstances`` takes
any id). Any other name is ``ParameterNotFound``; other SSM operations are not served.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from .errors import ApiError

__all__ = ["PUBLIC_AMI_PATHS", "answer", "public_parameter"]

#: Paths of AWS's public parameters whose value is an AMI id.
PUBLIC_AMI_PATHS = (
    "/aws/service/ami-amazon-linux-latest/",
    "/aws/service/ami-windows-latest/",
    "/aws/service/canonical/ubuntu/",
    "/aws/service/debian/release/",
)
_PUBLISHED = datetime(2024, 1, 1, tzinfo=UTC).timestamp()


def public_parameter(name: str, region: str) -> dict[str, Any] | None:
    """The public parameter ``name`` as ``GetParameter`` shows it, or None."""
    if not name.startswith(PUBLIC_AMI_PATHS) or name.endswith("/"):
        return None
    digest = hashlib.sha256(f"{region}\0{name}".encode()).hexdigest()
    return {
        "Name": name,
        "Type": "String",
        "Value": f"ami-{digest[:17]}",
        "Version": 1,
        "LastModifiedDate": _PUBLISHED,
        "ARN": f"arn:aws:ssm:{region}::parameter{name}",
        "DataType": "aws:ec2:image",
    }


def answer(operation: str, body: dict[str, Any], region: str) -> dict[str, Any]:
    """The JSON answer of SSM ``operation`` with request ``body``; :class:`ApiError` otherwise."""
    if operation == "GetParameter":
        name = body.get("Name")
        if not isinstance(name, str) or not name:
            raise ApiError("ValidationException", "1 validation error detected: Value null at 'name'")
        found = public_parameter(name, region)
        if found is None:
            raise ApiError("ParameterNotFound", f"Parameter {name} not found.")
        return {"Parameter": found}
    if operation == "GetParameters":
        names = body.get("Names")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise ApiError("ValidationException", "1 validation error detected: Value null at 'names'")
        parameters = [p for n in names if (p := public_parameter(n, region)) is not None]
        invalid = [n for n in names if public_parameter(n, region) is None]
        return {"Parameters": parameters, "InvalidParameters": invalid}
    raise ApiError("UnknownOperationException", f"The operation {operation} is not served by vpcsim serve.")
