"""Port ranges and their algebra: sets of integers as closed ranges ``((lo, hi), ...)``.

Why one module: the engine splits a client's ephemeral ports across network-ACL entries and
reports the ports that fail; the analyses partition ports, protocols, ICMP types and addresses
into atoms and print what works as ranges. Both must mean the same thing by "intersect",
"subtract", "merge" and the printed form ``22, 80-81, 443``, so both use these functions. They
work for any integers (addresses as integers too); ports are simply the common case.

A *normal* set is sorted, disjoint, with touching ranges merged (:func:`normalize`).
:func:`intersect` and :func:`subtract` take normal sets; :func:`intersect_range` and
:func:`subtract_range` take any ranges and one range, keep their order, and are what the
engine's per-packet loop uses.
"""

from __future__ import annotations

from collections.abc import Iterable

Range = tuple[int, int]
Ranges = tuple[Range, ...]


def normalize(ranges: Iterable[Range]) -> Ranges:
    """Sorted, disjoint, with touching ranges merged (``(1, 2), (3, 5)`` -> ``(1, 5)``)."""
    merged: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            if hi > merged[-1][1]:
                merged[-1][1] = hi
        else:
            merged.append([lo, hi])
    return tuple((a, b) for a, b in merged)


def from_points(points: Iterable[int]) -> Ranges:
    return normalize((p, p) for p in points)


def intersect(a: Ranges, b: Ranges) -> Ranges:
    """What two normal sets share."""
    out: list[Range] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def subtract(a: Ranges, b: Ranges) -> Ranges:
    """The members of normal set ``a`` that are not in normal set ``b``."""
    out: list[Range] = []
    j = 0
    for lo, hi in a:
        cur = lo
        while j < len(b) and b[j][1] < cur:
            j += 1
        k = j
        while k < len(b) and b[k][0] <= hi:
            if b[k][0] > cur:
                out.append((cur, b[k][0] - 1))
            cur = max(cur, b[k][1] + 1)
            k += 1
        if cur <= hi:
            out.append((cur, hi))
    return tuple(out)


def intersect_range(ranges: Ranges, lo: int, hi: int) -> Ranges:
    """The parts of ``ranges`` within ``lo..hi``, in their order."""
    return tuple((max(a, lo), min(b, hi)) for a, b in ranges if a <= hi and b >= lo)


def subtract_range(ranges: Ranges, lo: int, hi: int) -> Ranges:
    """The parts of ``ranges`` outside ``lo..hi``, in their order."""
    out: list[Range] = []
    for a, b in ranges:
        if b < lo or a > hi:
            out.append((a, b))
            continue
        if a < lo:
            out.append((a, lo - 1))
        if b > hi:
            out.append((hi + 1, b))
    return tuple(out)


def size(a: Ranges) -> int:
    return sum(hi - lo + 1 for lo, hi in a)


def is_single(ranges: Ranges) -> bool:
    """One port (a pinned client port, a request's destination port)."""
    return len(ranges) == 1 and ranges[0][0] == ranges[0][1]


def format_ranges(ranges: Iterable[Range], sep: str = ", ") -> str:
    """``22, 80-81, 443`` (with ``sep=","``: ``22,80-81,443``, as the AWS CLI takes them)."""
    return sep.join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


__all__ = [
    "Range",
    "Ranges",
    "format_ranges",
    "from_points",
    "intersect",
    "intersect_range",
    "is_single",
    "normalize",
    "size",
    "subtract",
    "subtract_range",
]
