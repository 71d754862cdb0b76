"""The regions and availability zones the server offers (a commercial-partition subset with
AWS's zone names and zone ids), for ``DescribeRegions``, ``DescribeAvailabilityZones`` and the
default subnets (one per zone)."""

from __future__ import annotations

__all__ = ["REGIONS", "zones"]

#: region -> (zone id prefix, zone letters, zone id numbers in letter order)
REGIONS: dict[str, tuple[str, str, tuple[int, ...]]] = {
    "us-east-1": ("use1", "abcdef", (6, 1, 2, 4, 3, 5)),
    "us-east-2": ("use2", "abc", (1, 2, 3)),
    "us-west-1": ("usw1", "ab", (1, 3)),
    "us-west-2": ("usw2", "abcd", (2, 1, 3, 4)),
    "ca-central-1": ("cac1", "abd", (1, 2, 4)),
    "eu-west-1": ("euw1", "abc", (3, 1, 2)),
    "eu-west-2": ("euw2", "abc", (2, 3, 1)),
    "eu-west-3": ("euw3", "abc", (1, 2, 3)),
    "eu-central-1": ("euc1", "abc", (2, 3, 1)),
    "eu-north-1": ("eun1", "abc", (1, 2, 3)),
    "ap-south-1": ("aps1", "abc", (1, 3, 2)),
    "ap-northeast-1": ("apne1", "acd", (4, 1, 2)),
    "ap-northeast-2": ("apne2", "abcd", (1, 2, 3, 4)),
    "ap-northeast-3": ("apne3", "abc", (3, 1, 2)),
    "ap-southeast-1": ("apse1", "abc", (2, 1, 3)),
    "ap-southeast-2": ("apse2", "abc", (2, 1, 3)),
    "sa-east-1": ("sae1", "abc", (1, 2, 3)),
}


def zones(region: str) -> list[tuple[str, str]]:
    """``[(zone name, zone id)]`` of ``region``; a region outside the table gets zones a-c."""
    prefix, letters, numbers = REGIONS.get(region, (region.replace("-", "")[:6], "abc", (1, 2, 3)))
    return [
        (f"{region}{letter}", f"{prefix}-az{number}") for letter, number in zip(letters, numbers, strict=True)
    ]
