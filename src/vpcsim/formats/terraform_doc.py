"""Reading ``terraform show -json`` documents: resource instances, addresses and configuration.

Why it is separate from the mapping onto the model: Terraform's JSON has its own shapes (a plan's
``planned_values`` plus ``resource_changes[].change.after_unknown``, a state's ``values``, a raw
``terraform.tfstate``), its own addresses (``module.net["a"].aws_subnet.x[0]``) and its own
expression references (``aws_vpc.main.id``, ``var.vpc_id``, ``module.net.subnet_ids``). This module
turns all of them into one list of :class:`TfResource` and answers "what does this reference
point at" (:class:`References`); the mappers only ask for attribute values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

Key = int | str | None
"""A ``count`` index, a ``for_each`` key, or None for a single instance."""
ModulePath = tuple[tuple[str, Key], ...]
"""Module instance path from the root: ``(("net", "a"), ("subnets", 0))``."""


class _Unknown:
    """The value of an attribute that is not known (until apply, or at all)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Any = _Unknown()


def is_unknown(value: object) -> bool:
    return value is UNKNOWN


# ---------------------------------------------------------------------------- addresses

_TOKEN_RE = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+|"(?:[^"\\]|\\.)*"|\*)\]|\.(\*)')

Token = tuple[str, Any]
"""``("n", name)``, ``("i", index)`` or ``("*", None)`` (a splat)."""


def tokens(text: str) -> list[Token] | None:
    """Split a traversal (``module.net["a"].aws_subnet.x[0].id``) into names and indexes."""
    out: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if match is None or match.end() == pos:
            return None
        name, index, splat = match.groups()
        if name is not None:
            out.append(("n", name))
        elif splat is not None or index == "*":
            out.append(("*", None))
        elif index is not None and index.startswith('"'):
            out.append(("i", json.loads(index)))
        elif index is not None:
            out.append(("i", int(index)))
        pos = match.end()
    return out


def format_key(key: Key) -> str:
    if key is None:
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    return f"[{json.dumps(key)}]"


def format_module(path: ModulePath) -> str:
    return ".".join(f"module.{name}{format_key(key)}" for name, key in path)


def parse_module_address(address: str | None) -> ModulePath | None:
    """``module.a["x"].module.b`` -> ``(("a", "x"), ("b", None))``; ``""``/None is the root."""
    if not address:
        return ()
    parts = tokens(address)
    if parts is None:
        return None
    path: list[tuple[str, Key]] = []
    i = 0
    while i < len(parts):
        if parts[i] != ("n", "module") or i + 1 >= len(parts) or parts[i + 1][0] != "n":
            return None
        name = str(parts[i + 1][1])
        key: Key = None
        i += 2
        if i < len(parts) and parts[i][0] == "i":
            key = parts[i][1]
            i += 1
        path.append((name, key))
    return tuple(path)


# ---------------------------------------------------------------------------- resource instances


@dataclass(slots=True)
class TfResource:
    """One resource instance as the document has it (managed or data)."""

    address: str
    module: ModulePath
    mode: str
    type: str
    name: str
    index: Key
    values: dict[str, Any]
    unknown: Any
    """``after_unknown`` of a plan: ``True`` or a structure of booleans mirroring ``values``."""
    json_path: str
    """Where the resource is in the input (``$.planned_values.root_module.resources[3]``)."""
    actions: tuple[str, ...] = ()
    values_path: str = ""
    """Where its attribute values are (``...resources[3].values``); problems name attributes below it."""
    derived: dict[str, Any] = field(default_factory=dict)
    """Attributes vpcsim computes (placeholder ids, assigned addresses); callables are lazy."""

    @property
    def module_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.module)

    def unknown_at(self, *path: str | int) -> bool:
        """Whether ``after_unknown`` marks the attribute (or an enclosing value) unknown."""
        node = self.unknown
        for step in path:
            if node is True:
                return True
            if isinstance(node, dict) and isinstance(step, str):
                node = node.get(step)
            elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
                node = node[step]
            else:
                return False
        return node is True


@dataclass(slots=True)
class TfDocument:
    """The resources of a plan's planned side or of a state, with the plan's configuration."""

    kind: str
    """``plan``, ``state`` or ``tfstate`` (a raw ``terraform.tfstate``)."""
    format_version: str | None
    terraform_version: str | None
    resources: list[TfResource]
    data: list[TfResource]
    """Data sources (from the plan's prior state or the state): read for references only."""
    configuration: dict[str, Any]
    variables: dict[str, Any]
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    """(code, message, JSON path) of what could not be read."""
    superseded: list[TfResource] = field(default_factory=list)
    """A plan's separate rule resources (:data:`RULE_TYPES`) that it deletes or changes, as they
    were (``before``): AWS revokes those rules, while the refreshed parent group or ACL still lists
    them inline."""


#: Rule resources whose rules a parent group or ACL also lists inline once refreshed.
RULE_TYPES = frozenset(
    {
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
        "aws_vpc_security_group_egress_rule",
        "aws_network_acl_rule",
    }
)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def read_document(doc: dict[str, Any]) -> TfDocument:
    """Collect the resource instances of a ``terraform show -json`` document (plan or state) or of a
    raw ``terraform.tfstate`` (version 4)."""
    configuration = _dict(doc.get("configuration"))
    variables = _dict(doc.get("variables"))
    fmt = doc.get("format_version")
    tf_version = doc.get("terraform_version")
    out = TfDocument(
        kind="state",
        format_version=fmt if isinstance(fmt, str) else None,
        terraform_version=tf_version if isinstance(tf_version, str) else None,
        resources=[],
        data=[],
        configuration=configuration,
        variables=variables,
    )
    if "planned_values" in doc or "resource_changes" in doc:
        out.kind = "plan"
        changes: dict[str, dict[str, Any]] = {}
        for i, change in enumerate(_list(doc.get("resource_changes"))):
            if isinstance(change, dict) and isinstance(change.get("address"), str):
                changes[change["address"]] = {
                    **_dict(change.get("change")),
                    "_path": f"$.resource_changes[{i}]",
                }
        planned = _dict(doc.get("planned_values")).get("root_module")
        seen: set[str] = set()
        if isinstance(planned, dict):
            for res in _walk_module(planned, "$.planned_values.root_module", out.problems, seen):
                change = changes.get(res.address, {})
                res.unknown = change.get("after_unknown", {})
                actions = change.get("actions")
                res.actions = tuple(a for a in _list(actions) if isinstance(a, str))
                seen.add(res.address)
                (out.data if res.mode == "data" else out.resources).append(res)
        for address, change in changes.items():
            actions = _list(change.get("actions"))
            if ("delete" in actions or "update" in actions) and isinstance(change.get("before"), dict):
                before = _from_change(address, {**change, "after": change["before"]}, out.problems)
                if before is not None and before.mode == "managed" and before.type in RULE_TYPES:
                    before.unknown = {}
                    before.values_path = str(change.get("_path", "$.resource_changes")) + ".change.before"
                    out.superseded.append(before)
        # A plan stripped of planned_values still has each change's ``after``.
        for address, change in changes.items():
            if address in seen or ("delete" in _list(change.get("actions")) and change.get("after") is None):
                continue
            from_change = _from_change(address, change, out.problems)
            if from_change is not None:
                (out.data if from_change.mode == "data" else out.resources).append(from_change)
        prior = _dict(_dict(doc.get("prior_state")).get("values")).get("root_module")
        if isinstance(prior, dict):
            known = {r.address for r in out.data}
            for res in _walk_module(prior, "$.prior_state.values.root_module", out.problems):
                if res.mode == "data" and res.address not in known:
                    out.data.append(res)
    elif "values" in doc:
        root = _dict(doc.get("values")).get("root_module")
        if isinstance(root, dict):
            for res in _walk_module(root, "$.values.root_module", out.problems):
                (out.data if res.mode == "data" else out.resources).append(res)
    elif isinstance(doc.get("resources"), list) and "version" in doc:
        out.kind = "tfstate"
        out.format_version = str(doc.get("version"))
        for res in _walk_tfstate(doc, out.problems):
            (out.data if res.mode == "data" else out.resources).append(res)
    return out


def _walk_module(
    module: dict[str, Any], path: str, problems: list[tuple[str, str, str]], seen: set[str] | None = None
) -> Iterator[TfResource]:
    """The resources of a module and its children; ``seen`` collects every address met, read or not."""
    module_path = parse_module_address(
        module.get("address") if isinstance(module.get("address"), str) else ""
    )
    if module_path is None:
        problems.append(
            ("VPCSIM_TF_BAD_ADDRESS", f"module address {module.get('address')!r} cannot be read", path)
        )
        return
    for i, raw in enumerate(_list(module.get("resources"))):
        where = f"{path}.resources[{i}]"
        if seen is not None and isinstance(raw, dict) and isinstance(raw.get("address"), str):
            seen.add(raw["address"])
        res = _resource(raw, module_path, where, problems)
        if res is not None:
            yield res
    for i, child in enumerate(_list(module.get("child_modules"))):
        if isinstance(child, dict):
            yield from _walk_module(child, f"{path}.child_modules[{i}]", problems, seen)


def _resource(
    raw: object, module_path: ModulePath, where: str, problems: list[tuple[str, str, str]]
) -> TfResource | None:
    if not isinstance(raw, dict):
        problems.append(("VPCSIM_TF_BAD_VALUE", "a resource must be a JSON object", where))
        return None
    address, rtype, name = raw.get("address"), raw.get("type"), raw.get("name")
    if not isinstance(address, str) or not isinstance(rtype, str) or not isinstance(name, str):
        problems.append(("VPCSIM_TF_BAD_VALUE", "a resource needs string address, type and name", where))
        return None
    if not address or not rtype or not name:
        # an empty address cannot name the resource in any later message (nor its references)
        problems.append(("VPCSIM_TF_BAD_VALUE", "a resource needs a non-empty address, type and name", where))
        return None
    index = raw.get("index")
    if index is not None and not isinstance(index, int | str):
        index = None
    values = raw.get("values")
    if values is None:
        values = {}
    if not isinstance(values, dict):
        problems.append(("VPCSIM_TF_BAD_VALUE", "values must be a JSON object", where + ".values"))
        return None
    mode = raw.get("mode") if isinstance(raw.get("mode"), str) else "managed"
    return TfResource(
        address=address,
        module=module_path,
        mode=str(mode),
        type=rtype,
        name=name,
        index=index,
        values=values,
        unknown={},
        json_path=where,
        values_path=where + ".values",
    )


def _from_change(
    address: str, change: dict[str, Any], problems: list[tuple[str, str, str]]
) -> TfResource | None:
    parts = tokens(address)
    after = change.get("after")
    if parts is None or not isinstance(after, dict):
        return None
    mode = "managed"
    module: list[tuple[str, Key]] = []
    i = 0
    while i + 1 < len(parts) and parts[i] == ("n", "module"):
        key: Key = None
        name = str(parts[i + 1][1])
        i += 2
        if i < len(parts) and parts[i][0] == "i":
            key = parts[i][1]
            i += 1
        module.append((name, key))
    if i < len(parts) and parts[i] == ("n", "data"):
        mode = "data"
        i += 1
    if i + 1 >= len(parts):
        return None
    rtype, name = str(parts[i][1]), str(parts[i + 1][1])
    index: Key = parts[i + 2][1] if i + 2 < len(parts) and parts[i + 2][0] == "i" else None
    return TfResource(
        address=address,
        module=tuple(module),
        mode=mode,
        type=rtype,
        name=name,
        index=index,
        values=after,
        unknown=change.get("after_unknown", {}),
        json_path=str(change.get("_path", "$.resource_changes")),
        actions=tuple(a for a in _list(change.get("actions")) if isinstance(a, str)),
        values_path=str(change.get("_path", "$.resource_changes")) + ".change.after",
    )


def _walk_tfstate(doc: dict[str, Any], problems: list[tuple[str, str, str]]) -> Iterator[TfResource]:
    for i, raw in enumerate(_list(doc.get("resources"))):
        where = f"$.resources[{i}]"
        if not isinstance(raw, dict):
            problems.append(("VPCSIM_TF_BAD_VALUE", "a resource must be a JSON object", where))
            continue
        module_path = parse_module_address(raw.get("module") if isinstance(raw.get("module"), str) else "")
        rtype, name = raw.get("type"), raw.get("name")
        if module_path is None or not isinstance(rtype, str) or not isinstance(name, str):
            problems.append(("VPCSIM_TF_BAD_VALUE", "a resource needs module, type and name", where))
            continue
        mode = "data" if raw.get("mode") == "data" else "managed"
        for j, instance in enumerate(_list(raw.get("instances"))):
            if not isinstance(instance, dict) or not isinstance(instance.get("attributes"), dict):
                problems.append(
                    ("VPCSIM_TF_BAD_VALUE", "an instance needs attributes", f"{where}.instances[{j}]")
                )
                continue
            index = instance.get("index_key")
            key: Key = index if isinstance(index, int | str) else None
            prefix = format_module(module_path)
            local = f"{'data.' if mode == 'data' else ''}{rtype}.{name}{format_key(key)}"
            yield TfResource(
                address=f"{prefix}.{local}" if prefix else local,
                module=module_path,
                mode=mode,
                type=rtype,
                name=name,
                index=key,
                values=instance["attributes"],
                unknown={},
                json_path=f"{where}.instances[{j}]",
                values_path=f"{where}.instances[{j}].attributes",
            )


# ---------------------------------------------------------------------------- configuration and references


@dataclass(frozen=True, slots=True)
class Context:
    """Where an expression is evaluated: a module instance, and the instance key of the resource
    (or module call) it belongs to (``count.index`` / ``each.key``)."""

    module: ModulePath
    key: Key = None
    for_each: tuple[str, ...] = ()
    """The ``for_each`` expression's references (to resolve ``each.value`` over a resource)."""


class References:
    """Resolves configuration expressions to values, through resources, variables, module outputs
    and data sources.

    ``attribute(resource, name)`` is supplied by the caller: it answers a resource's attribute
    (known value, placeholder id or assigned address) and may itself come back here for values
    unknown in the plan. A depth guard breaks cycles.
    """

    def __init__(self, document: TfDocument, attribute: Callable[[TfResource, str], Any]) -> None:
        self.doc = document
        self.attribute = attribute
        self._depth = 0
        self._by_name: dict[tuple[ModulePath, str, str, str], list[TfResource]] = {}
        for res in [*document.resources, *document.data]:
            self._by_name.setdefault((res.module, res.mode, res.type, res.name), []).append(res)
        self._configs: dict[tuple[tuple[str, ...], str, str, str], dict[str, Any] | None] = {}
        self._module_keys: dict[tuple[ModulePath, str], list[Key]] = {}
        for res in document.resources:
            for depth in range(len(res.module)):
                parent, (call, key) = res.module[:depth], res.module[depth]
                keys = self._module_keys.setdefault((parent, call), [])
                if key not in keys:
                    keys.append(key)

    # ------------------------------------------------------------------ configuration lookups

    def module_config(self, names: tuple[str, ...]) -> dict[str, Any] | None:
        module = self.doc.configuration.get("root_module")
        for name in names:
            if not isinstance(module, dict):
                return None
            call = _dict(module.get("module_calls")).get(name)
            module = _dict(call).get("module")
        return module if isinstance(module, dict) else None

    def resource_config(self, res: TfResource) -> dict[str, Any] | None:
        key = (res.module_names, res.mode, res.type, res.name)
        if key not in self._configs:
            self._configs[key] = self._find_config(*key)
        return self._configs[key]

    def _find_config(self, names: tuple[str, ...], mode: str, rtype: str, name: str) -> dict[str, Any] | None:
        module = self.module_config(names)
        if module is None:
            return None
        local = f"{'data.' if mode == 'data' else ''}{rtype}.{name}"
        for raw in _list(module.get("resources")):
            if isinstance(raw, dict) and raw.get("address") == local:
                return raw
        return None

    def expression(self, res: TfResource, *path: str | int) -> dict[str, Any] | None:
        """The configuration expression of an attribute (or of a nested block's attribute:
        ``expression(res, "route", 0, "gateway_id")`` where 0 is the block's place in the
        configuration)."""
        config = self.resource_config(res)
        node: Any = _dict(config).get("expressions")
        for step in path:
            if isinstance(node, dict) and isinstance(step, str):
                node = node.get(step)
            elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
                node = node[step]
            else:
                return None
        return node if isinstance(node, dict) else None

    def blocks(self, res: TfResource, name: str) -> list[dict[str, Any]]:
        """The configuration's nested blocks ``name`` (``route``, ``ingress``...), in source order."""
        node = _dict(_dict(self.resource_config(res)).get("expressions")).get(name)
        return [b for b in _list(node) if isinstance(b, dict)]

    def context(self, res: TfResource) -> Context:
        config = _dict(self.resource_config(res))
        for_each = _dict(config.get("for_each_expression")).get("references")
        return Context(res.module, res.index, tuple(r for r in _list(for_each) if isinstance(r, str)))

    # ------------------------------------------------------------------ evaluation

    def evaluate(self, expression: dict[str, Any] | None, ctx: Context) -> list[Any]:
        """The values an expression refers to, one per significant reference (in order), or its
        constant value; unresolvable references are left out."""
        if expression is None:
            return []
        if "constant_value" in expression:
            return [expression["constant_value"]]
        refs = significant_references(expression.get("references"))
        uses_index = any(
            isinstance(r, str) and r.startswith(("count.", "each."))
            for r in _list(expression.get("references"))
        )
        out: list[Any] = []
        if self._depth > 40:
            return out
        self._depth += 1
        try:
            for ref in refs:
                value = self.reference(ref, ctx, uses_index)
                if not is_unknown(value):
                    out.append(value)
        finally:
            self._depth -= 1
        return out

    def reference(self, ref: str, ctx: Context, uses_index: bool) -> Any:
        parts = tokens(ref)
        if not parts or parts[0][0] != "n":
            return UNKNOWN
        head = parts[0][1]
        if head == "var" and len(parts) >= 2:
            return self._variable(str(parts[1][1]), parts[2:], ctx)
        if head == "module" and len(parts) >= 3:
            return self._module_output(parts[1:], ctx, uses_index)
        if head == "data" and len(parts) >= 3:
            return self._resource_ref("data", parts[1:], ctx, uses_index)
        if head == "count" and len(parts) == 2 and parts[1] == ("n", "index"):
            return ctx.key if isinstance(ctx.key, int) else UNKNOWN
        if head == "each" and len(parts) >= 2:
            return self._each(parts[1:], ctx)
        if head in ("local", "path", "terraform", "self") or len(parts) < 2:
            return UNKNOWN
        return self._resource_ref("managed", parts, ctx, uses_index)

    def _variable(self, name: str, rest: list[Token], ctx: Context) -> Any:
        if not ctx.module:
            raw = _dict(self.doc.variables.get(name))
            return traverse(raw["value"], rest) if "value" in raw else UNKNOWN
        parent = ctx.module[:-1]
        call_name, key = ctx.module[-1]
        parent_config = self.module_config(tuple(n for n, _ in parent))
        call = _dict(_dict(_dict(parent_config).get("module_calls")).get(call_name))
        expression = _dict(call.get("expressions")).get(name)
        if not isinstance(expression, dict):
            default = _dict(_dict(_dict(call.get("module")).get("variables")).get(name))
            return traverse(default["default"], rest) if "default" in default else UNKNOWN
        for_each = _dict(call.get("for_each_expression")).get("references")
        values = self.evaluate(
            expression, Context(parent, key, tuple(r for r in _list(for_each) if isinstance(r, str)))
        )
        return traverse(_collapse(values, expression), rest)

    def _module_output(self, parts: list[Token], ctx: Context, uses_index: bool) -> Any:
        call = str(parts[0][1])
        rest = parts[1:]
        keys = self._module_keys.get((ctx.module, call), [None])
        key: Key
        if rest and rest[0][0] == "i":
            key = rest[0][1]
            rest = rest[1:]
        elif keys == [None]:
            key = None
        elif uses_index and ctx.key in keys:
            key = ctx.key
        elif len(keys) == 1:
            key = keys[0]
        else:
            return UNKNOWN
        if not rest or rest[0][0] != "n":
            return UNKNOWN
        output = str(rest[0][1])
        child = self.module_config((*(n for n, _ in ctx.module), call))
        expression = _dict(_dict(_dict(child).get("outputs")).get(output)).get("expression")
        if not isinstance(expression, dict):
            return UNKNOWN
        values = self.evaluate(expression, Context((*ctx.module, (call, key))))
        return traverse(_collapse(values, expression), rest[1:])

    def _each(self, parts: list[Token], ctx: Context) -> Any:
        if parts[0] == ("n", "key"):
            return ctx.key if ctx.key is not None else UNKNOWN
        if parts[0] != ("n", "value") or ctx.key is None:
            return UNKNOWN
        # ``for_each = aws_subnet.private``: each.value is that resource's instance of the same key.
        for ref in significant_references(list(ctx.for_each)):
            target = tokens(ref)
            if (
                not target
                or target[0][0] != "n"
                or target[0][1] in ("var", "local", "module", "each", "count")
            ):
                continue
            mode = "data" if target[0][1] == "data" else "managed"
            names = target[1:] if mode == "data" else target
            if len(names) < 2:
                continue
            for res in self._by_name.get((ctx.module, mode, str(names[0][1]), str(names[1][1])), []):
                if res.index == ctx.key:
                    if len(parts) == 1:
                        return UNKNOWN
                    attr = parts[1]
                    if attr[0] != "n":
                        return UNKNOWN
                    return traverse(self.attribute(res, str(attr[1])), parts[2:])
        return UNKNOWN

    def _resource_ref(self, mode: str, parts: list[Token], ctx: Context, uses_index: bool) -> Any:
        if len(parts) < 2 or parts[0][0] != "n" or parts[1][0] != "n":
            return UNKNOWN
        candidates = self._by_name.get((ctx.module, mode, str(parts[0][1]), str(parts[1][1])), [])
        rest = parts[2:]
        splat = False
        chosen: list[TfResource]
        if rest and rest[0][0] == "i":
            chosen = [r for r in candidates if r.index == rest[0][1]]
            rest = rest[1:]
        elif rest and rest[0][0] == "*":
            chosen, splat, rest = candidates, True, rest[1:]
        elif len(candidates) == 1 and candidates[0].index is None:
            chosen = candidates
        elif uses_index and ctx.key is not None and any(r.index == ctx.key for r in candidates):
            chosen = [r for r in candidates if r.index == ctx.key]
        else:
            chosen, splat = candidates, True
        if not chosen:
            return UNKNOWN
        attr = "id"
        if rest and rest[0][0] == "n":
            attr, rest = str(rest[0][1]), rest[1:]
        values = [traverse(self.attribute(r, attr), rest) for r in chosen]
        if splat:
            return (
                [v for v in values if not is_unknown(v)]
                if all(not is_unknown(v) for v in values)
                else UNKNOWN
            )
        return values[0]


def significant_references(refs: object) -> list[str]:
    """Terraform lists each reference followed by its containers (``aws_vpc.main.id``,
    ``aws_vpc.main``); keep the most specific ones, in order."""
    kept: list[str] = []
    for ref in _list(refs):
        if not isinstance(ref, str):
            continue
        if kept and (kept[-1].startswith(ref + ".") or kept[-1].startswith(ref + "[")):
            continue
        if ref.startswith(("count.", "each.key")):
            continue
        kept.append(ref)
    return kept


def _collapse(values: list[Any], expression: dict[str, Any]) -> Any:
    """One value for a passed-through expression: the value itself when one reference made it,
    else the list (``[aws_security_group.a.id, aws_security_group.b.id]``)."""
    if not values:
        return UNKNOWN
    if len(values) == 1:
        return values[0]
    return values


def traverse(value: Any, rest: list[Token]) -> Any:
    for kind, step in rest:
        if is_unknown(value):
            return UNKNOWN
        if kind == "i" and isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
            value = value[step]
        elif kind in ("i", "n") and isinstance(value, dict) and str(step) in value:
            value = value[str(step)]
        else:
            return UNKNOWN
    return value
