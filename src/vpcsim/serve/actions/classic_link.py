"""ClassicLink: EC2-Classic's link into a VPC. AWS retired EC2-Classic on 15 August 2023 and
marks every ClassicLink action deprecated (EC2 API reference); no account has EC2-Classic
instances to link any more, so each action is answered with ``UnsupportedOperation`` rather than
with a state that no longer exists (moto still emulates it: its ClassicLink tests are listed in
docs/serve.md, "Where moto's tests and AWS disagree")."""

from __future__ import annotations

from typing import Any

from ..context import Request
from ..errors import ApiError
from ..registry import action

ACTIONS = (
    "AttachClassicLinkVpc",
    "DetachClassicLinkVpc",
    "DescribeClassicLinkInstances",
    "EnableVpcClassicLink",
    "DisableVpcClassicLink",
    "DescribeVpcClassicLink",
    "EnableVpcClassicLinkDnsSupport",
    "DisableVpcClassicLinkDnsSupport",
    "DescribeVpcClassicLinkDnsSupport",
)


def retired(request: Request) -> dict[str, Any]:
    raise ApiError(
        "UnsupportedOperation",
        "ClassicLink is not supported: EC2-Classic was retired on August 15, 2023.",
    )


for _name in ACTIONS:
    action(_name)(retired)
