"""Sets of integers as sorted disjoint closed intervals: ports, protocol numbers, IPv4 addresses.

Why a module of its own: every analysis ends by turning the atoms that work back into the compact
ranges users read ("tcp 22, 80, 443", "sources 0.0.0.0/0"), and addresses need one operation more,
the smallest CIDR cover of a set inside a universe (what lies outside the universe is "don't care").
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

from ..engine.compiled import ip_str

Interval = tuple[int, int]
Intervals = tuple[Interval, ...]

ADDRESS_SPACE: Intervals = ((0, 2**32 - 1),)


def normalize(ranges: Iterable[Interval]) -> Intervals:
    """Sorted, disjoint, with touching intervals merged."""
    merged: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            if hi > merged[-1][1]:
                merged[-1][1] = hi
        else:
            merged.append([lo, hi])
    return tuple((a, b) for a, b in merged)


def from_points(points: Iterable[int]) -> Intervals:
    return normalize((p, p) for p in points)


def intersect(a: Intervals, b: Intervals) -> Intervals:
    out: list[Interval] = []
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


def subtract(a: Intervals, b: Intervals) -> Intervals:
    out: list[Interval] = []
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


def size(a: Intervals) -> int:
    return sum(hi - lo + 1 for lo, hi in a)


def contains(a: Intervals, value: int) -> bool:
    starts = [lo for lo, _ in a]
    i = bisect_right(starts, value) - 1
    return i >= 0 and a[i][1] >= value


class IntervalIndex:
    """Fast membership and "first member at or after" over a fixed interval set."""

    __slots__ = ("his", "intervals", "los")

    def __init__(self, intervals: Intervals) -> None:
        self.intervals = intervals
        self.los = [lo for lo, _ in intervals]
        self.his = [hi for _, hi in intervals]

    def __contains__(self, value: int) -> bool:
        i = bisect_right(self.los, value) - 1
        return i >= 0 and self.his[i] >= value

    def first_in(self, lo: int, hi: int) -> int | None:
        """The smallest member in ``[lo, hi]``, or None."""
        i = bisect_right(self.los, lo) - 1
        if i >= 0 and self.his[i] >= lo:
            return lo
        i += 1
        if i < len(self.los) and self.los[i] <= hi:
            return self.los[i]
        return None

    def last_in(self, lo: int, hi: int) -> int | None:
        """The largest member in ``[lo, hi]``, or None."""
        i = bisect_right(self.los, hi) - 1
        if i < 0:
            return None
        if self.his[i] >= hi:
            return hi
        return self.his[i] if self.his[i] >= lo else None

    def overlaps(self, lo: int, hi: int) -> bool:
        return self.first_in(lo, hi) is not None

    def within(self, lo: int, hi: int) -> list[Interval]:
        """The members in ``[lo, hi]``, as clipped intervals."""
        i = max(0, bisect_right(self.los, lo) - 1)
        out = []
        while i < len(self.los) and self.los[i] <= hi:
            a, b = max(self.los[i], lo), min(self.his[i], hi)
            if a <= b:
                out.append((a, b))
            i += 1
        return out


def format_ranges(ranges: Intervals) -> str:
    """``22, 80-81, 443``."""
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


def as_lists(ranges: Intervals) -> list[list[int]]:
    return [[lo, hi] for lo, hi in ranges]


# ---------------------------------------------------------------------------- CIDR covers


def cidr_interval(net: int, prefixlen: int) -> Interval:
    span = 1 << (32 - prefixlen)
    return net, net + span - 1


def cidr_cover(members: Intervals, universe: IntervalIndex | None = None) -> list[str]:
    """The fewest CIDR blocks whose union, read inside ``universe``, is exactly ``members``
    read inside ``universe``.

    Addresses outside ``universe`` are "don't care": a block may include them, and ``members``
    may too (address atoms are stored as raw pieces). With no universe the cover is exact over
    the whole address space.
    """
    members = normalize(members)
    if not members:
        return []
    member_index = IntervalIndex(members)
    gaps = IntervalIndex(subtract(ADDRESS_SPACE, members))

    def useful(lo: int, hi: int) -> bool:
        """The block holds a member (inside the universe)."""
        if universe is None:
            return member_index.overlaps(lo, hi)
        return any(universe.overlaps(a, b) for a, b in member_index.within(lo, hi))

    def allowed(lo: int, hi: int) -> bool:
        """The block holds no non-member (inside the universe)."""
        if universe is None:
            return not gaps.overlaps(lo, hi)
        return not any(universe.overlaps(a, b) for a, b in gaps.within(lo, hi))

    out: list[str] = []

    def walk(net: int, prefixlen: int) -> None:
        lo, hi = cidr_interval(net, prefixlen)
        if not useful(lo, hi):
            return
        if allowed(lo, hi):
            out.append(f"{ip_str(net)}/{prefixlen}")
            return
        half = 1 << (31 - prefixlen)
        walk(net, prefixlen + 1)
        walk(net + half, prefixlen + 1)

    walk(0, 0)
    return out


def cidrs_to_intervals(cidrs: Iterable[tuple[int, int]]) -> Intervals:
    """(network, mask) pairs to intervals."""
    out = []
    for net, mask in cidrs:
        span = ((~mask) & 0xFFFFFFFF) + 1
        out.append((net, net + span - 1))
    return normalize(out)
