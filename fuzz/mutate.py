"""Structure-aware mutation: a valid document, changed field by field, written back as text.

A mutation works on the parsed document (dicts, lists, scalars), so most inputs stay close to
valid and reach the deep parts of a reader (name resolution, the model's builders, validation)
instead of dying in the tokenizer. The operators are the classes of bad input a user or a tool
produces: a value of the wrong type, a reference to nothing (or to the wrong kind of thing), a
number out of range, deep nesting, huge sizes, unusual unicode, keys removed, renamed or written
twice, a subtree copied elsewhere (duplicate ids). Text-level operators (truncation, stray
bytes, a byte-order mark) then damage the written text the way a broken download does.

Every choice goes through a :class:`Chooser`, so hypothesis drives (and shrinks) the mutations
in tests while the campaign can use the same code at full speed.

Some inputs cannot be expressed as Python data (a key written twice, a lone surrogate in JSON,
10,000 nested brackets that PyYAML's writer would recurse on): they are written as a sentinel
scalar and replaced in the text after serialization (:class:`Splices`).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import orjson
import yaml

T = TypeVar("T")

Path = tuple[Any, ...]


class Chooser(Protocol):
    """Where a mutation's choices come from (hypothesis' data, or a seeded random)."""

    def integer(self, low: int, high: int) -> int: ...

    def choice(self, options: Sequence[T]) -> T: ...


# ----------------------------------------------------------------------------- palettes

#: Values of every JSON/YAML type, for "wrong type" mutations.
TYPE_SWAPS: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    1,
    1.5,
    "",
    " ",
    "x",
    "true",
    "null",
    "yes",
    [],
    {},
    [1],
    ["a", "b"],
    {"a": 1},
    {"": None},
)

#: Numbers at and past the edges of ports, rule numbers, prefixes, ICMP codes, ASNs, counts.
NUMBERS: tuple[Any, ...] = (
    -1,
    -32768,
    0,
    1,
    32,
    33,
    128,
    255,
    256,
    32766,
    32767,
    32768,
    65535,
    65536,
    2**31 - 1,
    2**31,
    2**32,
    2**63,
    2**64,
    -(2**63) - 1,
    10**30,
    1e308,
    -0.0,
    0.5,
    3.0,
)

#: Strings shaped like addresses and prefixes, right and wrong.
ADDRESSES: tuple[str, ...] = (
    "0.0.0.0/0",
    "10.0.0.0/8",
    "10.0.0.0/33",
    "10.0.0.0/-1",
    "10.0.0.1/16",
    "10.0.0.0/16 ",
    " 10.0.0.0/16",
    "10.0.0.0/016",
    "256.0.0.0/16",
    "10.0.0/16",
    "10.0.0.0.0/16",
    "10.0.0.0/",
    "/16",
    "10.0.0.0//16",
    "10.0.0.0/1.5",
    "10.1.2.3",
    "0.0.0.0",
    "255.255.255.255",
    "169.254.169.253",
    "127.0.0.1/32",
    "224.0.0.0/4",
    "100.64.0.0/10",
    "::/0",
    "2001:db8::/32",
    "fe80::1",
    "2001:db8::/129",
    "10.0.0.0/16,10.1.0.0/16",
    "\uff11\uff10.\uff10.\uff10.\uff10/\uff11\uff16",
    "10.0.0.0\u200b/16",
    "pl-00000000",
    "sg-00000000",
)

#: Unicode that readers trip over: combining marks, direction overrides, zero-width, NUL,
#: non-BMP, full-width digits, NBSP, and a string that is only whitespace.
UNICODE: tuple[str, ...] = (
    "é",
    "e\u0301",
    "\u202eevil",
    "\u200b",
    "\ufeff",
    "\x00",
    "\x7f",
    "\x1b[31m",
    "😀",
    "\U0001d518\U0001d52b\U0001d526",
    "\uff11\uff12\uff13",
    "\u00a0",
    "\u2028",
    "ß",
    "İ",
    "日本語",
    "\t",
    "\n",
)

#: Strings YAML 1.1 reads as something else.
YAML_TRAPS: tuple[str, ...] = (
    "yes",
    "no",
    "on",
    "off",
    "~",
    "null",
    "0x1F",
    "0o17",
    "1_000",
    ".inf",
    ".nan",
    "-.inf",
)

_ID_RE = re.compile(r"^([a-z]+(?:-[a-z]+)*)-([0-9a-f]{8,17})$")


# ----------------------------------------------------------------------------- splices


@dataclass
class Splices:
    """Text to put in place of sentinel scalars once the document is written."""

    replacements: dict[str, str] = field(default_factory=dict)

    def sentinel(self, text: str) -> str:
        token = f"FUZZSPLICE{len(self.replacements):04d}X"
        self.replacements[token] = text
        return token

    def apply(self, text: str) -> str:
        for token, replacement in self.replacements.items():
            text = text.replace(f'"{token}"', replacement).replace(f"'{token}'", replacement)
            text = text.replace(token, replacement)
        return text


# ----------------------------------------------------------------------------- tree access


def pick(c: Chooser, doc: Any) -> Path:
    """A path into ``doc`` (never the root): a random descent that stops at a scalar, at an
    empty container, or now and then on the way (so containers are mutated too)."""
    path: Path = ()
    node = doc
    while True:
        if isinstance(node, dict) and node:
            key: Any = c.choice(list(node))
        elif isinstance(node, list) and node:
            key = c.integer(0, len(node) - 1)
        else:
            break
        path = (*path, key)
        node = node[key]
        if c.integer(0, 5) == 0:
            break
    return path


def get(doc: Any, path: Path) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def put(doc: Any, path: Path, value: Any) -> Any:
    """``doc`` with the value at ``path`` replaced (the root itself when ``path`` is empty)."""
    if not path:
        return value
    get(doc, path[:-1])[path[-1]] = value
    return doc


def strings(doc: Any) -> list[str]:
    """Every string value and key in ``doc``: the pool that dangling references are drawn from."""
    out: list[str] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            out.extend(k for k in node if isinstance(k, str))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            out.append(node)
    return out


# ----------------------------------------------------------------------------- operators


@dataclass
class Mutation:
    """One mutated document: its data, the sentinels to splice in, and what was done."""

    doc: Any
    splices: Splices
    log: list[str]


Operator = Callable[[Chooser, Mutation, Path], None]


def _wrong_type(c: Chooser, m: Mutation, path: Path) -> None:
    value = c.choice(TYPE_SWAPS)
    m.doc = put(m.doc, path, copy.deepcopy(value))
    m.log.append(f"type {path} = {value!r}")


def _number(c: Chooser, m: Mutation, path: Path) -> None:
    old = get(m.doc, path)
    if isinstance(old, str) and ("." in old or ":" in old or "/" in old):
        value: Any = c.choice(ADDRESSES)
    elif isinstance(old, str) and old.isdigit():
        value = str(c.choice(NUMBERS))
    else:
        value = c.choice(NUMBERS)
    m.doc = put(m.doc, path, value)
    m.log.append(f"number {path} = {value!r}")


def _dangle(c: Chooser, m: Mutation, path: Path) -> None:
    """A reference to nothing, or to something of another kind (a subnet where a VPC goes)."""
    old = get(m.doc, path)
    pool = strings(m.doc)
    kind = c.integer(0, 3)
    if kind == 0 and pool:
        value = c.choice(pool)
    elif kind == 1 and isinstance(old, str) and _ID_RE.match(old):
        prefix = _ID_RE.match(old).group(1)  # type: ignore[union-attr]
        value = f"{prefix}-{c.choice(('0123456789abcdef0', 'deadbeef', 'ffffffff00000000'))}"
    elif kind == 2:
        value = c.choice(("missing", "nonexistent-name", "default", "internet", "all", "local", "self"))
    else:
        value = c.choice(
            ("vpc-", "subnet-", "sg-", "igw-", "rtb-", "acl-", "nat-", "eni-", "i-", "pcx-", "tgw-")
        )
        value += "0" * c.integer(0, 17)
    m.doc = put(m.doc, path, value)
    m.log.append(f"dangle {path} = {value!r}")


def _deep(c: Chooser, m: Mutation, path: Path) -> None:
    depth = c.choice((8, 64, 500, 1001, 5000, 50_000))
    if c.integer(0, 1):
        text = "[" * depth + "]" * depth
    else:
        text = '{"a":' * depth + "1" + "}" * depth
    m.doc = put(m.doc, path, m.splices.sentinel(text))
    m.log.append(f"deep {path} depth={depth}")


def _huge(c: Chooser, m: Mutation, path: Path) -> None:
    old = get(m.doc, path)
    kind = c.integer(0, 3)
    if kind == 0:
        value: Any = c.choice(("a", "é", "10.0.0.0/16,", "x ")) * c.choice((1000, 100_000, 1_000_000))
        m.doc = put(m.doc, path, value)
        m.log.append(f"huge string {path} len={len(value)}")
    elif kind == 1 and isinstance(old, list) and old:
        times = c.choice((2, 50, 500))
        m.doc = put(m.doc, path, [copy.deepcopy(x) for x in old for _ in range(times)])
        m.log.append(f"huge list {path} x{times}")
    elif kind == 2:
        digits = c.choice((20, 400, 4301, 10_000))
        m.doc = put(m.doc, path, m.splices.sentinel("9" * digits))
        m.log.append(f"huge number {path} digits={digits}")
    else:
        m.doc = put(
            m.doc, path, m.splices.sentinel(c.choice(("1e999", "-1e999", "1e-999", "NaN", "Infinity")))
        )
        m.log.append(f"float edge {path}")


def _unicode(c: Chooser, m: Mutation, path: Path) -> None:
    old = get(m.doc, path)
    extra = c.choice(UNICODE)
    where = c.integer(0, 2)
    text = old if isinstance(old, str) else str(old)
    value = extra + text if where == 0 else text + extra if where == 1 else extra
    if c.integer(0, 7) == 0:
        # a lone surrogate cannot be UTF-8: only JSON's \\u escape writes it
        m.doc = put(m.doc, path, m.splices.sentinel('"\\ud800' + json.dumps(text)[1:]))
        m.log.append(f"surrogate {path}")
        return
    m.doc = put(m.doc, path, value)
    m.log.append(f"unicode {path} = {value!r}")


def _remove(c: Chooser, m: Mutation, path: Path) -> None:
    parent = get(m.doc, path[:-1])
    del parent[path[-1]]
    m.log.append(f"remove {path}")


def _rename_key(c: Chooser, m: Mutation, path: Path) -> None:
    parent = get(m.doc, path[:-1])
    if not isinstance(parent, dict):
        return _remove(c, m, path)
    key = path[-1]
    text = str(key)
    new = c.choice((text.upper(), text + "s", text[:-1], text.replace("_", "-"), text + "é", "", " " + text))
    if isinstance(key, int) and c.integer(0, 1):
        new = str(key)  # the number written as a string: 100 vs "100"
    value = parent.pop(key)
    parent[new] = value
    m.log.append(f"rename {path} -> {new!r}")


def _duplicate_key(c: Chooser, m: Mutation, path: Path) -> None:
    """The same key twice in one mapping, same or other value (``Pairs`` cannot live in a dict)."""
    parent = get(m.doc, path[:-1])
    if not isinstance(parent, dict):
        parent.insert(path[-1], copy.deepcopy(parent[path[-1]]))  # a list: duplicate the item
        m.log.append(f"duplicate item {path}")
        return
    key = path[-1]
    written = str(key) if isinstance(key, int) else json.dumps(key)
    token = m.splices.sentinel(written)
    value = copy.deepcopy(parent[key]) if c.integer(0, 1) else c.choice(TYPE_SWAPS)
    parent[token] = value
    m.log.append(f"duplicate key {path}")


def _splice(c: Chooser, m: Mutation, path: Path) -> None:
    """A subtree copied over another (or appended to a list): duplicate ids, misplaced kinds."""
    source = pick(c, m.doc)
    value = copy.deepcopy(get(m.doc, source))
    target = get(m.doc, path)
    if isinstance(target, list) and c.integer(0, 1):
        target.append(value)
    else:
        m.doc = put(m.doc, path, value)
    m.log.append(f"splice {source} -> {path}")


def _subset(c: Chooser, m: Mutation, path: Path) -> None:
    """Keep a slice of a list (the nearest list at or above ``path``): what is kept may refer to
    what is gone, and smaller documents keep the campaign fast."""
    while path and not isinstance(get(m.doc, path), list):
        path = path[:-1]
    target = get(m.doc, path)
    if not isinstance(target, list) or not target:
        return _remove(c, m, path) if path else None
    start = c.integer(0, len(target) - 1)
    end = c.integer(start, len(target))
    m.doc = put(m.doc, path, target[start:end])
    m.log.append(f"subset {path}[{start}:{end}]")


def _empty(c: Chooser, m: Mutation, path: Path) -> None:
    old = get(m.doc, path)
    value: Any = [] if isinstance(old, list) else {} if isinstance(old, dict) else ""
    m.doc = put(m.doc, path, value)
    m.log.append(f"empty {path}")


def _yaml_trap(c: Chooser, m: Mutation, path: Path) -> None:
    value = c.choice(YAML_TRAPS)
    m.doc = put(m.doc, path, m.splices.sentinel(value))
    m.log.append(f"yaml-1.1 {path} = {value}")


OPERATORS: dict[str, Operator] = {
    "type": _wrong_type,
    "number": _number,
    "dangle": _dangle,
    "deep": _deep,
    "huge": _huge,
    "unicode": _unicode,
    "remove": _remove,
    "rename": _rename_key,
    "duplicate": _duplicate_key,
    "splice": _splice,
    "empty": _empty,
    "subset": _subset,
}
#: Operators worth trying more often (the common mistakes), by repetition.
WEIGHTED = (
    *OPERATORS,
    "type",
    "number",
    "number",
    "dangle",
    "dangle",
    "dangle",
    "remove",
    "remove",
    "unicode",
    "splice",
)


def mutate(c: Chooser, doc: Any, *, yaml_traps: bool = False, count: int | None = None) -> Mutation:
    """``doc`` with 1-3 mutations applied, most often one; ``doc`` itself is changed (pass a
    fresh copy)."""
    m = Mutation(doc, Splices(), [])
    rounds = count if count is not None else c.choice((1, 1, 1, 2, 3))
    names = (*WEIGHTED, "yaml") if yaml_traps else WEIGHTED
    for _ in range(rounds):
        path = pick(c, m.doc)
        if not path:
            m.doc = c.choice(TYPE_SWAPS)
            m.log.append("root replaced")
            break
        name = c.choice(names)
        operator = _yaml_trap if name == "yaml" else OPERATORS[name]
        operator(c, m, path)
    return m


# ----------------------------------------------------------------------------- writing


def _json_default(value: Any) -> Any:
    raise TypeError(f"cannot write {type(value).__name__}")


def write_json(m: Mutation) -> bytes:
    """The mutated document as JSON text, sentinels spliced in."""
    try:
        data = orjson.dumps(
            m.doc, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=_json_default
        )
    except (TypeError, orjson.JSONEncodeError):
        data = json.dumps(m.doc, indent=2, default=str).encode()
    if not m.splices.replacements:
        return data
    return m.splices.apply(data.decode("utf-8")).encode("utf-8", "surrogatepass")


_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def write_yaml(m: Mutation) -> bytes:
    """The mutated document as YAML (block style, as people write it), sentinels spliced in."""
    try:
        text = yaml.dump(m.doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1 << 16)
    except (yaml.YAMLError, RecursionError, ValueError):
        text = json.dumps(m.doc, default=str)
    text = m.splices.apply(text)
    return text.encode("utf-8", "surrogatepass")


# ----------------------------------------------------------------------------- text damage

BYTES: tuple[bytes, ...] = (
    b"\xff",
    b"\xc3",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\r\n",
    b"\t",
    b"{",
    b"}",
    b"[",
    b"]",
    b'"',
    b":",
    b",",
    b"- ",
    b"&a ",
    b"*a",
    b"!!python/object:os.system ",
    b"<<: ",
    b"%YAML 1.1\n",
    b"---\n",
    b"...\n",
    b"#",
    b"'",
    b"\\",
)


def damage(c: Chooser, data: bytes) -> tuple[bytes, str]:
    """The text truncated, or with a few bytes inserted, removed or replaced."""
    if not data:
        return c.choice(BYTES), "bytes only"
    kind = c.integer(0, 4)
    at = c.integer(0, len(data))
    if kind == 0:
        return data[:at], f"truncated at {at}"
    if kind == 1:
        piece = c.choice(BYTES)
        return data[:at] + piece + data[at:], f"inserted {piece!r} at {at}"
    if kind == 2:
        span = c.integer(1, 64)
        return data[:at] + data[at + span :], f"removed {span} bytes at {at}"
    if kind == 3:
        return b"\xef\xbb\xbf" + data, "byte-order mark"
    return data.replace(b"\n", b"\r\n"), "CRLF line ends"
