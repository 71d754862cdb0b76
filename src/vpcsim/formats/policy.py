"""Reading a policy file (``vpcsim check NETWORK POLICY.yaml``) into a :class:`~vpcsim.model.policy.Policy`.

The file is read with the spec's own YAML reader (:mod:`vpcsim.formats.spec_yaml`): the same
syntax errors, and a key written twice is an error naming ``file:line`` (a plain YAML loader
would silently keep the second). Every problem the grammar finds names the file, line, column
and key path, and says what to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..model.policy import Policy
from .problems import InputError, LoadProblem, Location
from .spec_errors import plain_message
from .spec_yaml import Document, format_path, parse_yaml
from .spec_yaml import Path as KeyPath

CODE = "VPCSIM_POLICY"
_NOT_A_MAPPING = "a policy is a mapping with `assertions:` (see docs/policy.md)"
#: The grammar's Python names of keys that are Python keywords, and the keys a file writes.
_ALIASES = {"from_": "from", "except_": "except"}


def _duplicate(path: KeyPath) -> tuple[str, str]:
    return CODE, f"key {path[-1]!r} appears twice here; keep one"


def _is_union_tag(part: str) -> bool:
    """Pydantic names union alternatives in error locations (``str``, ``SelectorSpec``...)."""
    return part in ("str", "SelectorSpec") or part.startswith(("list[", "literal[", "function-", "dict["))


def _message(loc: tuple[int | str, ...], error: Any) -> str:
    message: str = error["msg"].removeprefix("Value error, ")
    if error["type"] != "value_error" and not error["type"].startswith("VPCSIM_"):
        # pydantic's wording ("Field required") as the spec says it ("missing required key 'to'")
        message = plain_message(error, loc[-1] if loc else None)
    if error["type"] == "extra_forbidden":
        return f"unknown key {loc[-1]!r}: see docs/policy.md for the keys"
    if loc and loc[-1] == "deny" and error["type"] in ("list_type", "literal_error"):
        return "deny is a list of flows (tcp/22, icmp, all...) or the word all"
    if loc and loc[-1] in ("from", "to", "except") and error["type"] in ("string_type", "model_type"):
        return "a selector is a string (internet, all, an endpoint name, an id, a Name tag) or a mapping"
    return message


def _problems(exc: ValidationError, document: Document | None, file: str | None) -> list[LoadProblem]:
    """One problem per location, most specific first, value errors before type errors."""
    errors = []
    for error in exc.errors():
        loc = tuple(
            _ALIASES.get(p, p) if isinstance(p, str) else p
            for p in error["loc"]
            if not (isinstance(p, str) and _is_union_tag(p))
        )
        errors.append((loc, error))
    # A union reports every alternative: keep the most specific, and value errors first.
    locs = [loc for loc, _ in errors]
    errors = [
        (loc, e) for loc, e in errors if not any(len(o) > len(loc) and o[: len(loc)] == loc for o in locs)
    ]
    errors.sort(key=lambda le: 0 if le[1]["type"] == "value_error" else 1)
    unique: dict[tuple[object, ...], LoadProblem] = {}
    for loc, error in errors:
        where = (
            document.locate(loc) if document is not None else Location(file, path=format_path(loc) or None)
        )
        problem = LoadProblem("error", CODE, _message(loc, error), where)
        # One problem per location: a union's alternatives each report the same place.
        unique.setdefault((where.line, where.column, where.path), problem)
    return list(unique.values())


def policy_from_data(data: object, *, document: Document | None = None, file: str | None = None) -> Policy:
    """Validate parsed data as a policy; :class:`InputError` names each key that is wrong."""
    if not isinstance(data, Mapping):
        raise InputError(LoadProblem("error", CODE, _NOT_A_MAPPING, Location(file, 1, 1)))
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise InputError(_problems(exc, document, file)) from None


def parse_policy(text: str, filename: str | None = None) -> tuple[Policy, list[int]]:
    """A policy from YAML text; returns it and each assertion's line (1-based)."""
    document = parse_yaml(text, filename, empty=(CODE, _NOT_A_MAPPING), duplicate=_duplicate)
    policy = policy_from_data(document.data, document=document, file=filename)
    lines = [document.locate(("assertions", index)).line or 1 for index in range(len(policy.assertions))]
    return policy, lines


def read_policy(path: str | PathLike[str]) -> tuple[Policy, list[int]]:
    """Read and validate a policy file; returns it and each assertion's line (1-based).

    Raises :class:`InputError` naming file:line:column, the key path and what to fix.
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise InputError(
            LoadProblem("error", CODE, f"cannot read the policy: {reason}", Location(file))
        ) from None
    return parse_policy(text, file)
