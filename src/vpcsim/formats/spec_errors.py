"""Pydantic's validation errors, rewritten as problems a person can act on.

Pydantic reports ``('vpcs', 'main', 'subnets', 'a', 'cidr')`` and "Input should be a valid
string"; a user needs the line, the key path, and what to write instead ("expected a string, got
the number 10; quote it"). Locations come from :class:`~vpcsim.formats.spec_yaml.Document`;
for unknown keys the allowed keys (and the closest one) come from the schema models themselves.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Union

from pydantic import BaseModel, Tag, ValidationError

from ..model.hints import did_you_mean
from .problems import LoadProblem
from .spec_schema import NetworkSpec
from .spec_yaml import Document

__all__ = ["did_you_mean"]


def _yaml_type(value: object) -> str:
    """How YAML users call the type of ``value``."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _tags(tp: Any) -> dict[str, Any] | None:
    """The arms of a tagged union (``Annotated[X, Tag("text")]`` ...) by tag, else None."""
    if typing.get_origin(tp) not in (Union, types.UnionType):
        return None
    arms: dict[str, Any] = {}
    for arm in typing.get_args(tp):
        if typing.get_origin(arm) is typing.Annotated:
            for meta in arm.__metadata__:
                if isinstance(meta, Tag):
                    arms[meta.tag] = typing.get_args(arm)[0]
    return arms or None


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``Optional`` down to the type that holds values."""
    while True:
        if typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if typing.get_origin(tp) in (Union, types.UnionType) and _tags(tp) is None:
            arms = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(arms) == 1:
                tp = arms[0]
                continue
        return tp


def _walk(loc: tuple[int | str, ...]) -> tuple[list[int | str], type[BaseModel] | None, bool]:
    """Pydantic's loc -> (the key path in the file, the model owning its last key, on a key?).

    Union tags and ``[key]`` markers are pydantic's, not the file's: they are dropped.
    """
    tp: Any = NetworkSpec
    path: list[int | str] = []
    owner: type[BaseModel] | None = None
    on_key = False
    for item in loc:
        tp = _unwrap(tp)
        arms = _tags(tp)
        if arms is not None and isinstance(item, str) and item in arms:
            tp = arms[item]
            continue
        if item == "[key]":
            on_key = True
            continue
        path.append(item)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            owner = tp
            field = tp.model_fields.get(str(item))
            tp = field.annotation if field is not None else None
        elif typing.get_origin(tp) is dict:
            owner = None
            tp = typing.get_args(tp)[1]
        elif typing.get_origin(tp) is list:
            owner = None
            tp = typing.get_args(tp)[0]
        else:
            owner = None
            tp = None
    return path, owner, on_key


def _message(err: Any, key: object, owner: type[BaseModel] | None, on_key: bool) -> tuple[str, str]:
    """(code, message) for one pydantic error."""
    kind: str = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        allowed = sorted(owner.model_fields) if owner is not None else []
        hint = did_you_mean(str(key), allowed)
        return "VPCSIM_SPEC_UNKNOWN_KEY", f"unknown key {key!r}; {hint}allowed here: {', '.join(allowed)}"
    if kind == "missing":
        return "VPCSIM_SPEC_MISSING_KEY", f"missing required key {key!r}; add `{key}: ...`"
    if kind[:1].isupper() or kind.startswith("VPCSIM_"):
        # our own validators name the problem with its AWS (or VPCSIM_) code
        return kind, str(err["msg"])
    if on_key:
        if kind.startswith("int"):
            return "VPCSIM_SPEC_TYPE", f"{value!r} is not a rule number; write an integer 1-32766 (unquoted)"
        return "VPCSIM_SPEC_TYPE", f"key {value!r} must be a name (a string); quote it"
    if kind == "string_type":
        return "VPCSIM_SPEC_TYPE", f"expected a string, got {_yaml_type(value)}; quote it"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "VPCSIM_SPEC_TYPE", f"expected an integer, got {_yaml_type(value)}"
    if kind == "bool_type":
        return "VPCSIM_SPEC_TYPE", f"expected true or false, got {_yaml_type(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "VPCSIM_SPEC_TYPE", f"expected a mapping (key: value lines), got {_yaml_type(value)}"
    if kind == "list_type":
        return "VPCSIM_SPEC_TYPE", f"expected a list (- item lines or [a, b]), got {_yaml_type(value)}"
    if kind == "literal_error":
        return "VPCSIM_SPEC_VALUE", f"{value!r} is not allowed; use one of {ctx.get('expected', '')}"
    if kind == "greater_than_equal":
        return "VPCSIM_SPEC_VALUE", f"{value!r} is too small; use at least {ctx.get('ge')}"
    if kind == "union_tag_invalid":
        return "VPCSIM_SPEC_TYPE", f"unexpected {_yaml_type(value)}"
    return "VPCSIM_SPEC_VALUE", str(err["msg"])


def plain_message(err: Any, key: object) -> str:
    """What a person reads for one pydantic error, without pydantic's wording ("Field required",
    "Input should be a valid list"): shared by the spec and the policy readers."""
    return _message(err, key, None, False)[1]


def schema_problems(exc: ValidationError, document: Document) -> list[LoadProblem]:
    """One problem per offending key path, in file order."""
    problems: list[LoadProblem] = []
    seen: set[str] = set()
    for err in exc.errors(include_url=False):
        path, owner, on_key = _walk(tuple(err["loc"]))
        key = path[-1] if path else None
        code, message = _message(err, key, owner, on_key)
        at_key = on_key or err["type"] in ("extra_forbidden",)
        location = document.locate(path, key=at_key)
        marker = f"{location.path}|{on_key}"
        if marker in seen:
            continue
        seen.add(marker)
        problems.append(LoadProblem("error", code, message, location))
    return sort_problems(problems)


def sort_problems(problems: list[LoadProblem]) -> list[LoadProblem]:
    """File order: by line, then column, then path."""
    return sorted(
        problems,
        key=lambda p: (
            p.location.file or "",
            p.location.line or 0,
            p.location.column or 0,
            p.location.path or "",
        ),
    )
