"""The port-range algebra the engine and the analyses share: the one-range forms the engine's
per-packet loop uses agree with the set forms the analyses use."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vpcsim.engine.ports import (
    Ranges,
    format_ranges,
    from_points,
    intersect,
    intersect_range,
    is_single,
    normalize,
    subtract,
    subtract_range,
)

_PORT = st.integers(min_value=0, max_value=300)
_SETS = st.lists(_PORT, max_size=40).map(from_points)
_RANGE = st.tuples(_PORT, _PORT).map(lambda r: (min(r), max(r)))


def _members(ranges: Ranges) -> set[int]:
    return {p for lo, hi in ranges for p in range(lo, hi + 1)}


@given(_SETS, _SETS)
def test_set_operations_are_set_operations(a: Ranges, b: Ranges) -> None:
    assert _members(intersect(a, b)) == _members(a) & _members(b)
    assert _members(subtract(a, b)) == _members(a) - _members(b)
    assert normalize(intersect(a, b)) == intersect(a, b)
    assert normalize(subtract(a, b)) == subtract(a, b)


@given(_SETS, _RANGE)
def test_one_range_forms_agree_with_the_set_forms(a: Ranges, r: tuple[int, int]) -> None:
    assert intersect_range(a, *r) == intersect(a, (r,))
    assert subtract_range(a, *r) == subtract(a, (r,))


def test_normalize_merges_touching_ranges() -> None:
    assert normalize([(5, 7), (1, 2), (3, 4), (10, 12), (11, 20)]) == ((1, 7), (10, 20))


def test_printed_forms() -> None:
    assert format_ranges(((22, 22), (80, 81), (443, 443))) == "22, 80-81, 443"
    assert format_ranges(((22, 22), (80, 81)), sep=",") == "22,80-81"
    assert is_single(((80, 80),)) and not is_single(((80, 81),)) and not is_single(((1, 1), (3, 3)))
