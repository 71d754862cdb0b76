"""How deeply a JSON input may nest, checked before any reader walks it.

orjson parses up to 1,024 levels, but the readers that walk a document (Terraform's expression
evaluation, the normalisation of rule sets) recurse, and Python stops at 1,000 frames: a
document nested a few hundred levels deep would end in an internal error instead of a message.
Real inputs nest little (a Terraform plan with modules about 15 levels, ``describe-*`` output 8),
so anything deeper than :data:`MAX_DEPTH` is refused with the JSON path where it goes too deep.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 100


def too_deep(document: Any, limit: int = MAX_DEPTH) -> str | None:
    """The JSON path (``$.a[0].b``) of the first value nested deeper than ``limit``, if any."""
    level = [document]
    for _ in range(limit + 1):  # level by level: a fraction of a millisecond for a large plan
        deeper: list[Any] = []
        for value in level:
            if type(value) is dict:
                deeper.extend(value.values())
            elif type(value) is list:
                deeper.extend(value)
        if not deeper:
            return None
        level = deeper
    return _path_below(document, limit)


def _path_below(document: Any, limit: int) -> str:
    """The path to a value at depth ``limit + 1`` (it exists: :func:`too_deep` found one)."""
    stack: list[tuple[Any, int, str]] = [(document, 0, "$")]
    while stack:
        value, depth, path = stack.pop()
        if depth > limit:
            return path
        if type(value) is dict:
            stack.extend(
                (v, depth + 1, f"{path}.{k}")
                for k, v in value.items()
                if type(v) in (dict, list) or depth == limit
            )
        elif type(value) is list:
            stack.extend(
                (v, depth + 1, f"{path}[{i}]")
                for i, v in enumerate(value)
                if type(v) in (dict, list) or depth == limit
            )
    return "$"


def too_deep_message(limit: int = MAX_DEPTH) -> str:
    return f"nested more than {limit} levels deep here; vpcsim's inputs need a few levels"
