"""Sets of integers as sorted disjoint closed intervals: ports, protocol numbers, IPv4 addresses.

Why a module of its own: every analysis ends by turning the atoms that work back into the compact
ranges users read ("tcp 22, 80, 443", "sources 0.0.0.0/0"), and addresses need one operation more,
the smallest CIDR cover of a set inside a universe (what lies outside the universe is "don't care").
The algebra itself (normalize, intersect, subtract, the printed form) is the engine's
(:mod:`vpcsim.engine.ports`), so that the analyses and the engine cannot drift apart; this module
adds indexes and CIDR covers, and re-exports the algebra for the analyses.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

from ..engine.compiled import ip_str
from ..engine.ports import Range, Ranges, format_ranges, from_points, intersect, normalize, size, subtract
from ..model.addressing import FULL_MASK, FULL_MASK6, V6_FLAG

Interval = Range
Intervals = Ranges

ADDRESS_SPACE: Intervals = ((0, 2**32 - 1),)
ADDRESS_SPACE6: Intervals = ((V6_FLAG, V6_FLAG | FULL_MASK6),)
"""Every IPv6 address, as :func:`vpcsim.model.addressing.ip_int` numbers them."""


class IntervalIndex:
    """Fast membership and "first member at or after" over a fixed interval set."""

    __slots__ = ("_sizes", "his", "intervals", "los")

    def __init__(self, intervals: Intervals) -> None:
        self.intervals = intervals
        self.los = [lo for lo, _ in intervals]
        self.his = [hi for _, hi in intervals]
        self._sizes: list[int] | None = None

    def count(self, lo: int, hi: int) -> int:
        """How many members lie in ``[lo, hi]``: two bisections over running sizes, so that
        counting a wide range of a universe with thousands of holes is not a walk over them."""
        sizes = self._sizes
        if sizes is None:
            total, sizes = 0, [0]
            for a, b in self.intervals:
                total += b - a + 1
                sizes.append(total)
            self._sizes = sizes
        return self._upto(hi) - self._upto(lo - 1) if hi >= lo else 0

    def _upto(self, value: int) -> int:
        """Members at or below ``value``."""
        i = bisect_right(self.los, value)
        if i == 0:
            return 0
        assert self._sizes is not None
        return self._sizes[i - 1] + min(self.his[i - 1], value) - self.los[i - 1] + 1

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


def as_lists(ranges: Intervals) -> list[list[int]]:
    return [[lo, hi] for lo, hi in ranges]


# ---------------------------------------------------------------------------- CIDR covers


def cidr_interval(net: int, prefixlen: int, bits: int = 32) -> Interval:
    span = 1 << (bits - prefixlen)
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
    six = members[0][0] > FULL_MASK  # one family per set: IPv6 sets are covered in IPv6 blocks
    bits = 128 if six else 32
    gaps = subtract(ADDRESS_SPACE6 if six else ADDRESS_SPACE, members)
    # A block is judged by the member (or gap) pieces it overlaps -- a few -- each asked for an
    # address the universe holds with one bisection. The universe is never intersected with the
    # set: it has a hole per public address of the estate, and intersecting it once per cover
    # made covers x holes.
    mlos, mhis = [lo for lo, _ in members], [hi for _, hi in members]
    glos, ghis = [lo for lo, _ in gaps], [hi for _, hi in gaps]
    first_in = (universe or IntervalIndex(ADDRESS_SPACE6 if six else ADDRESS_SPACE)).first_in

    def meets(los: list[int], his: list[int], lo: int, hi: int) -> bool:
        """``[lo, hi]`` holds an address of the pieces that the universe holds too."""
        i = bisect_right(los, lo) - 1
        if i < 0 or his[i] < lo:
            i += 1
        while i < len(los) and los[i] <= hi:
            if first_in(max(los[i], lo), min(his[i], hi)) is not None:
                return True
            i += 1
        return False

    out: list[str] = []
    stack = [(V6_FLAG if six else 0, 0)]
    while stack:  # depth first, lower half first: the blocks come out in address order
        net, prefixlen = stack.pop()
        hi = net + (1 << (bits - prefixlen)) - 1
        if not meets(mlos, mhis, net, hi):
            continue  # no member here
        if not meets(glos, ghis, net, hi):
            out.append(f"{ip_str(net)}/{prefixlen}")  # members only
            continue
        stack.append((net + (1 << (bits - 1 - prefixlen)), prefixlen + 1))
        stack.append((net, prefixlen + 1))
    return out


def cidrs_to_intervals(cidrs: Iterable[tuple[int, int]]) -> Intervals:
    """(network, mask) pairs to intervals."""
    out = []
    for net, mask in cidrs:
        span = ((~mask) & (FULL_MASK6 if mask > FULL_MASK else 0xFFFFFFFF)) + 1
        out.append((net, net + span - 1))
    return normalize(out)


__all__ = [
    "ADDRESS_SPACE",
    "ADDRESS_SPACE6",
    "Interval",
    "IntervalIndex",
    "Intervals",
    "as_lists",
    "cidr_cover",
    "cidr_interval",
    "cidrs_to_intervals",
    "format_ranges",
    "from_points",
    "intersect",
    "normalize",
    "size",
    "subtract",
]
