"""Interval sets and CIDR covers: the last step of every analysis, so exactness matters."""

from __future__ import annotations

from vpcsim.analysis.intervals import (
    IntervalIndex,
    cidr_cover,
    intersect,
    normalize,
    subtract,
)
from vpcsim.engine.compiled import ip_int


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
