"""YAML text -> Python data, keeping where every key and value came from.

Why not ``yaml.safe_load``: a user who mistypes a CIDR on line 40 should be told "line 40". We
compose the document into PyYAML nodes (which carry line and column), refuse duplicate keys
(PyYAML would silently keep the last one: a second ``100:`` rule of a network ACL would vanish),
then construct the data from the same nodes, so any key path (``vpcs.main.subnets.a.cidr``) can
be mapped back to ``file:line:column``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import yaml

from .problems import InputError, LoadProblem, Location

PathItem = str | int
Path = tuple[PathItem, ...]

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def format_path(path: Sequence[object]) -> str:
    """``("vpcs", "main", "subnets", "a", "cidr")`` -> ``vpcs.main.subnets.a.cidr``.

    Numbers (list indexes, rule numbers) read ``[0]``; keys that are not plain words
    (``0.0.0.0/0``) read ``["0.0.0.0/0"]``.
    """
    text = ""
    for item in path:
        if isinstance(item, int) and not isinstance(item, bool):
            text += f"[{item}]"
        elif isinstance(item, str) and _PLAIN_KEY.match(item):
            text += f".{item}" if text else item
        else:
            quoted = '"' + str(item).replace('"', '\\"') + '"'
            text += f"[{quoted}]"
    return text


class Document:
    """A parsed YAML document: its data, and the nodes that locate any path in it."""

    def __init__(
        self, data: Any, root: yaml.Node | None, filename: str | None, loader: yaml.SafeLoader
    ) -> None:
        self.data = data
        self.root = root
        self.filename = filename
        self._loader = loader

    # ------------------------------------------------------------------ lookup

    def _key(self, node: yaml.Node) -> object:
        if isinstance(node, yaml.ScalarNode):
            return self._loader.construct_object(node, deep=True)
        return None

    def nodes(self, path: Sequence[object]) -> tuple[yaml.Node | None, yaml.Node | None, int]:
        """(key node, value node, depth reached) for ``path``; follows as far as the file goes."""
        node = self.root
        key_node: yaml.Node | None = None
        depth = 0
        for item in path:
            if isinstance(node, yaml.MappingNode):
                found = None
                for knode, vnode in node.value:
                    key = self._key(knode)
                    if (key == item and type(key) is type(item)) or (
                        isinstance(item, str) and not isinstance(key, str) and str(key) == item
                    ):
                        found = (knode, vnode)
                if found is None:
                    break
                key_node, node = found
            elif isinstance(node, yaml.SequenceNode) and isinstance(item, int) and not isinstance(item, bool):
                if not 0 <= item < len(node.value):
                    break
                key_node, node = None, node.value[item]
            else:
                break
            depth += 1
        return key_node, node, depth

    def locate(self, path: Sequence[object], *, key: bool = False) -> Location:
        """The location of ``path``: its value, or its key with ``key=True``. When the file does
        not hold the whole path (a missing key), the deepest key it holds."""
        key_node, node, depth = self.nodes(path)
        target = key_node if key_node is not None and (key or depth < len(path)) else node
        line = column = None
        if target is not None:
            line, column = target.start_mark.line + 1, target.start_mark.column + 1
        return Location(file=self.filename, line=line, column=column, path=format_path(path) or None)

    def problem(
        self, path: Sequence[object], code: str, message: str, *, key: bool = False, severity: str = "error"
    ) -> LoadProblem:
        return LoadProblem(
            "warning" if severity == "warning" else "error", code, message, self.locate(path, key=key)
        )


def _mark_location(filename: str | None, mark: yaml.Mark | None) -> Location:
    if mark is None:
        return Location(file=filename)
    return Location(file=filename, line=mark.line + 1, column=mark.column + 1)


def syntax_error(filename: str | None, exc: yaml.YAMLError, text: str = "") -> InputError:
    if isinstance(exc, yaml.reader.ReaderError):
        # a character YAML refuses (NUL, a control character): its offset is in the text read
        # (UTF-8 bytes for libyaml), which gives the line and column
        before = (
            text.encode("utf-8", "surrogatepass")[: exc.position] if _Loader is not yaml.SafeLoader else None
        )
        head = before.decode("utf-8", "replace") if before is not None else text[: exc.position]
        line = head.count("\n") + 1
        column = len(head) - (head.rfind("\n") + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        message = f"YAML syntax error: {exc.reason} (character #x{code:04x}); remove it"
        location = Location(file=filename, line=line, column=column)
        return InputError(LoadProblem("error", "VPCSIM_YAML_SYNTAX", message, location))
    if isinstance(exc, yaml.MarkedYAMLError):
        what = ": ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        mark = exc.problem_mark or exc.context_mark
        message = f"YAML syntax error: {what}; check the indentation and quoting here"
        return InputError(LoadProblem("error", "VPCSIM_YAML_SYNTAX", message, _mark_location(filename, mark)))
    return InputError(
        LoadProblem("error", "VPCSIM_YAML_SYNTAX", f"YAML syntax error: {exc}", Location(filename))
    )


def _duplicates(
    node: yaml.Node,
    loader: yaml.SafeLoader,
    path: list[object],
    seen: set[int],
    out: list[tuple[Path, yaml.Node]],
) -> None:
    """Every key written twice in one mapping (merge keys ``<<`` may be overridden, as YAML says)."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys: set[tuple[type, object]] = set()
        for knode, vnode in node.value:
            if knode.tag == "tag:yaml.org,2002:merge":
                continue
            key = loader.construct_object(knode, deep=True) if isinstance(knode, yaml.ScalarNode) else None
            if key is not None:
                marker = (type(key), key)
                if marker in keys:
                    out.append(((*path, key), knode))  # type: ignore[arg-type]
                keys.add(marker)
            _duplicates(vnode, loader, [*path, key], seen, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _duplicates(item, loader, [*path, index], seen, out)


def duplicate_message(path: Path) -> tuple[str, str]:
    """(code, message) for a key written twice; rule numbers and route destinations say so."""
    key = path[-1]
    parent = path[-2] if len(path) >= 2 else None
    if parent in ("ingress", "egress") and isinstance(key, int) and "network_acls" in path:
        return (
            "NetworkAclEntryAlreadyExists",
            f"rule number {key} appears twice in {parent}; give each rule its own number",
        )
    if parent in ("routes", "propagated_routes"):
        return "RouteAlreadyExists", f"two routes for {key}; keep one (a table has one route per destination)"
    return "VPCSIM_SPEC_DUPLICATE_KEY", f"key {key!r} appears twice here; keep one"


MAX_DEPTH = 100
"""Nesting deeper than this is refused: no spec needs it, and readers that recurse would not
survive it (Python's recursion limit is 1,000 frames)."""


def check_depth(root: yaml.Node, filename: str | None) -> None:
    """Refuse a document nested deeper than :data:`MAX_DEPTH`, at the first node too deep."""
    stack: list[tuple[yaml.Node, int]] = [(root, 0)]
    seen: set[int] = set()
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if depth > MAX_DEPTH:
            location = _mark_location(filename, node.start_mark)
            message = (
                f"the document is nested more than {MAX_DEPTH} levels deep here; vpcsim's inputs need a few"
            )
            raise InputError(LoadProblem("error", "VPCSIM_YAML_TOO_DEEP", message, location))
        if isinstance(node, yaml.MappingNode):
            stack.extend((child, depth + 1) for pair in node.value for child in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)


def unreadable_scalar(root: yaml.Node, filename: str | None) -> InputError:
    """The first scalar that cannot be made a value (a 5,000-digit number, February 30th)."""
    fresh = _Loader("")  # the failed construction left its loader's state behind
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            try:
                fresh.construct_object(node, deep=True)
            except (ValueError, OverflowError) as exc:
                digits = sum(ch.isdigit() for ch in str(node.value))
                reason = f"a number of {digits} digits is too long" if "digits" in str(exc) else str(exc)
                message = f"the value {str(node.value)[:40]!r} cannot be read: {reason}"
                location = _mark_location(filename, node.start_mark)
                return InputError(LoadProblem("error", "VPCSIM_YAML_VALUE", message, location))
        elif isinstance(node, yaml.MappingNode):
            stack.extend(child for pair in reversed(node.value) for child in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
    return InputError(
        LoadProblem("error", "VPCSIM_YAML_VALUE", "a value cannot be read", Location(filename, 1, 1))
    )


#: libyaml's parser when PyYAML was built with it (ten times faster), else the pure-Python one;
#: both give nodes with line and column, and the same safe constructor.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


#: What an empty document is told, for a spec.
EMPTY_SPEC = ("VPCSIM_SPEC_EMPTY", "the file is empty; a spec holds at least `vpcs:` (see docs/spec.md)")


def parse_yaml(
    text: str,
    filename: str | None,
    *,
    empty: tuple[str, str] = EMPTY_SPEC,
    duplicate: Callable[[Path], tuple[str, str]] = duplicate_message,
    empty_at_start: bool = False,
) -> Document:
    """Parse one YAML document; raise :class:`InputError` for syntax errors and duplicate keys.

    ``empty`` is the (code, message) of an empty document and ``duplicate`` words a key written
    twice, so that every file vpcsim reads in YAML (the spec, a policy) gets the same checks.
    ``empty_at_start`` places the empty document's problem at line 1, column 1 (a policy says
    so, as it does for any policy that is no mapping); else it names the file alone.
    """
    loader = _Loader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.YAMLError as exc:
            raise syntax_error(filename, exc, text) from None
        except RecursionError:  # PyYAML's pure-Python parser recurses per level
            message = f"the document is nested more than {MAX_DEPTH} levels deep; vpcsim's inputs need a few"
            raise InputError(
                LoadProblem("error", "VPCSIM_YAML_TOO_DEEP", message, Location(filename))
            ) from None
        if root is None:
            where = Location(filename, 1, 1) if empty_at_start else Location(file=filename)
            raise InputError(LoadProblem("error", empty[0], empty[1], where))
        check_depth(root, filename)
        found: list[tuple[Path, yaml.Node]] = []
        try:
            _duplicates(root, loader, [], set(), found)
            data = loader.construct_document(root)
        except yaml.YAMLError as exc:
            raise syntax_error(filename, exc, text) from None
        except (ValueError, OverflowError):
            raise unreadable_scalar(root, filename) from None
        document = Document(data, root, filename, loader)
        if found:
            problems = []
            for path, knode in found:
                code, message = duplicate(path)
                location = Location(
                    file=filename,
                    line=knode.start_mark.line + 1,
                    column=knode.start_mark.column + 1,
                    path=format_path(path),
                )
                problems.append(LoadProblem("error", code, message, location))
            raise InputError(problems)
        return document
    finally:
        loader.dispose()
