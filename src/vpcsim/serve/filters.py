"""``Filter.N.Name`` / ``Filter.N.Value.M`` on Describe calls, with AWS's matching rules.

A family declares, per filter name, a function giving the values an item has for it
(:data:`FilterFields`); this module applies the request's filters: every filter must match
(AND), any of a filter's values may (OR), ``*`` and ``?`` are wildcards, booleans compare as
``true``/``false``. ``tag:<key>``, ``tag-key`` and ``tag-value`` work on every resource with
``Tags``. An unknown filter name is AWS's ``InvalidParameterValue``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from .errors import ApiError

__all__ = ["FilterFields", "apply_filters", "field", "tag_values", "tags_of"]

FilterFields = Mapping[str, Callable[[dict[str, Any]], Iterable[Any]]]


def field(*path: str) -> Callable[[dict[str, Any]], Iterable[Any]]:
    """The values at ``path`` of an item; a list on the way is walked into
    (``field("CidrBlockAssociationSet", "CidrBlock")``)."""

    def get(item: dict[str, Any]) -> Iterable[Any]:
        values: list[Any] = [item]
        for key in path:
            step: list[Any] = []
            for value in values:
                if isinstance(value, dict) and key in value:
                    inner = value[key]
                    step.extend(inner if isinstance(inner, list) else [inner])
            values = step
        return values

    return get


def tags_of(item: dict[str, Any]) -> list[dict[str, Any]]:
    """A resource's tags: ``Tags``, or ``TagSet`` where AWS names them so (network interfaces)."""
    return list(item.get("Tags") or item.get("TagSet") or [])


def tag_values(item: dict[str, Any], key: str) -> list[str]:
    return [tag.get("Value", "") for tag in tags_of(item) if tag.get("Key") == key]


@lru_cache(maxsize=1024)
def _pattern(value: str) -> re.Pattern[str]:
    out = []
    for char in value:
        out.append(".*" if char == "*" else "." if char == "?" else re.escape(char))
    return re.compile("".join(out), re.DOTALL)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _matches(have: Iterable[Any], wanted: Sequence[str]) -> bool:
    texts = [_text(v) for v in have if v is not None]
    for want in wanted:
        if "*" in want or "?" in want:
            pattern = _pattern(want)
            if any(pattern.fullmatch(text) for text in texts):
                return True
        elif want in texts:
            return True
    return False


def _getter(name: str, fields: FilterFields) -> Callable[[dict[str, Any]], Iterable[Any]]:
    if name in fields:
        return fields[name]
    if name.startswith("tag:"):
        key = name[4:]
        return lambda item: tag_values(item, key)
    if name == "tag-key":
        return lambda item: [tag.get("Key") for tag in tags_of(item)]
    if name == "tag-value":
        return lambda item: [tag.get("Value") for tag in tags_of(item)]
    raise ApiError("InvalidParameterValue", f"The filter '{name}' is invalid")


def apply_filters(
    items: Iterable[dict[str, Any]], filters: Sequence[Mapping[str, Any]] | None, fields: FilterFields
) -> list[dict[str, Any]]:
    """The items every filter matches (``filters`` as parsed: ``[{"Name":..., "Values": [...]}]``)."""
    checks = []
    for entry in filters or []:
        name = entry.get("Name")
        if not name:
            raise ApiError("InvalidParameterValue", "The filter 'null' is invalid")
        checks.append((_getter(name, fields), list(entry.get("Values") or [])))
    return [item for item in items if all(_matches(get(item), wanted) for get, wanted in checks)]
