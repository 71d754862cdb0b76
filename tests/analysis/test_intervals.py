"""Interval sets and CIDR covers: the last step of every analysis, so exactness matters."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vpcsim.analysis.intervals import (
    IntervalIndex,
    Intervals,
    cidr_cover,
    intersect,
    normalize,
    subtract,
)
from vpcsim.engine.compiled import ip_int, ip_str


def test_normalize_merges_touching_and_overlapping() -> None:
    assert normalize([(5, 7), (1, 2), (3, 4), (10, 12), (11, 20)]) == ((1, 7), (10, 20))


def test_subtract_and_intersect() -> None:
    a = ((0, 100),)
    b = ((10, 20), (30, 30), (90, 200))
    assert subtract(a, b) == ((0, 9), (21, 29), (31, 89))
    assert intersect(a, b) == ((10, 20), (30, 30), (90, 100))


def test_index_first_and_last_member() -> None:
    index = IntervalIndex(((10, 20), (30, 40)))
    assert index.first_in(0, 15) == 10
    assert index.first_in(21, 29) is None
    assert index.last_in(0, 35) == 35
    assert index.last_in(21, 29) is None
    assert 35 in index and 25 not in index


def test_cidr_cover_is_exact_without_universe() -> None:
    lo, hi = ip_int("10.0.0.0"), ip_int("10.0.1.255")
    assert cidr_cover(((lo, hi),)) == ["10.0.0.0/23"]
    assert cidr_cover(((lo, lo),)) == ["10.0.0.0/32"]
    assert cidr_cover(((lo + 1, lo + 6),)) == ["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"]


def test_cidr_cover_uses_the_universe_as_dont_care() -> None:
    """Inside a universe that excludes 10.0.0.0/8, "everything but 10/8" is 0.0.0.0/0."""
    ten_lo, ten_hi = ip_int("10.0.0.0"), ip_int("10.255.255.255")
    universe = IntervalIndex(((0, ten_lo - 1), (ten_hi + 1, 2**32 - 1)))
    assert cidr_cover(((0, 2**32 - 1),), universe) == ["0.0.0.0/0"]
    # A hole inside the universe must not be covered.
    hole = ip_int("8.8.8.8")
    members = ((0, hole - 1), (hole + 1, 2**32 - 1))
    cover = cidr_cover(members, universe)
    assert "0.0.0.0/0" not in cover and len(cover) == 32


def _cover_by_definition(members: Intervals, universe: IntervalIndex) -> list[str]:
    """The cover as the docstring defines it, block by block: split a block while it holds a
    non-member the universe holds; keep it once it holds none (and some member the universe
    holds). The oracle for the faster reading inside the universe."""
    members = normalize(members)
    gaps = subtract(((0, 2**32 - 1),), members)
    out: list[str] = []

    def holds(ranges: Intervals, lo: int, hi: int) -> bool:
        return any(universe.overlaps(max(a, lo), min(b, hi)) for a, b in ranges if a <= hi and b >= lo)

    def walk(net: int, prefixlen: int) -> None:
        lo, hi = net, net + (1 << (32 - prefixlen)) - 1
        if not holds(members, lo, hi):
            return
        if not holds(gaps, lo, hi):
            out.append(f"{ip_str(net)}/{prefixlen}")
            return
        walk(net, prefixlen + 1)
        walk(net + (1 << (31 - prefixlen)), prefixlen + 1)

    walk(0, 0)
    return out


_BASE = ip_int("10.0.0.0")
_pieces = st.lists(
    st.tuples(st.integers(0, 1023), st.integers(0, 64)).map(lambda p: (_BASE + p[0], _BASE + p[0] + p[1])),
    min_size=0,
    max_size=6,
)


@given(members=_pieces, universe=_pieces, wide=st.booleans())
def test_cidr_cover_inside_a_universe_is_the_definitions(
    members: list[tuple[int, int]], universe: list[tuple[int, int]], wide: bool
) -> None:
    """Reading members and gaps inside the universe once gives the block-by-block cover."""
    inside = normalize([*universe, *([(0, _BASE - 1)] if wide else [])])
    index = IntervalIndex(inside)
    assert cidr_cover(normalize(members), index) == _cover_by_definition(normalize(members), index)
