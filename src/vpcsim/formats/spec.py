"""The YAML network spec: a human-friendly file in, a :class:`~vpcsim.model.Network` out, and back.

``load_spec`` is strict, unlike the AWS and Terraform importers: a spec is written by a person,
so every unknown key, wrong type, dangling name or impossible network is an error naming
``file:line:column``, the key path and what to fix -- all of them at once, never a traceback.
Four passes, each with one job:

1. :mod:`.spec_yaml` -- YAML text to data, keeping every key's position; duplicate keys refused.
2. :mod:`.spec_schema` -- the pydantic models: unknown keys, types, CIDRs, rule syntax
   (messages rewritten by :mod:`.spec_errors`).
3. :mod:`.spec_build` -- names resolved to ids and the network built through the model's builder
   methods, which create AWS's implicit resources.
4. :func:`vpcsim.model.validate` -- what AWS would refuse (overlapping subnets, reserved
   addresses...), each problem mapped back to the key that produced it.

``dump_spec`` (:mod:`.spec_dump`) writes any network as a spec that loads back to an equivalent
network, ids included. The format is documented in ``docs/spec.md``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pydantic import ValidationError

from ..model import DEFAULT_ACCOUNT, DEFAULT_REGION, Network, Problem, validate
from ..model.network import COLLECTIONS
from .problems import InputError, LoadProblem, LoadResult, Location
from .spec_build import SpecBuilder
from .spec_dump import SpecDumpError, dump_spec
from .spec_errors import schema_problems, sort_problems
from .spec_schema import SPEC_VERSION, NetworkSpec, spec_json_schema
from .spec_yaml import Document, format_path, parse_yaml

__all__ = [
    "SPEC_VERSION",
    "SpecDumpError",
    "dump_spec",
    "load_spec",
    "read_text",
    "spec_json_schema",
]

_FILE_SUFFIXES = (".yaml", ".yml", ".json")
_ID_IN_TEXT = re.compile(r"\b[a-z]+-[0-9a-f]{8,17}\b")


def read_text(path: Path) -> str:
    """A file's text, or :class:`InputError` naming the file and why it cannot be read."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        reason = "no such file"
    except IsADirectoryError:
        reason = "it is a directory"
    except PermissionError:
        reason = "permission denied"
    except OSError as exc:
        reason = exc.strerror or str(exc)
    else:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            reason = f"it is not UTF-8 text (byte {exc.start})"
    raise InputError(
        LoadProblem("error", "VPCSIM_FILE_UNREADABLE", f"cannot read {path}: {reason}", Location(str(path)))
    )


def _source(path_or_text: str | Path, filename: str | None) -> tuple[str, str | None]:
    """A :class:`~pathlib.Path`, or a one-line string ending in ``.yaml``/``.yml``/``.json``, is a
    file; any other string is the spec's text."""
    if isinstance(path_or_text, Path) or (
        "\n" not in path_or_text and path_or_text.strip().lower().endswith(_FILE_SUFFIXES)
    ):
        path = Path(path_or_text)
        return read_text(path), filename or str(path)
    return path_or_text, filename


def default_seed(filename: str | None, text: str) -> str:
    """Ids not written in a file derive from its name (without directory or extension), so they
    survive edits; text without a name seeds them with its content."""
    if filename:
        return Path(filename).stem
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_spec(path_or_text: str | Path, *, filename: str | None = None) -> LoadResult:
    """Load a YAML spec (a path, or the text itself); ``filename`` names it in messages and
    seeds its generated ids. Raises :class:`InputError` listing every problem."""
    text, name = _source(path_or_text, filename)
    document = parse_yaml(text, name)
    if not isinstance(document.data, dict):
        raise InputError(
            document.problem(
                (),
                "VPCSIM_SPEC_TYPE",
                "a spec is a mapping of keys such as `region:` and `vpcs:`; see docs/spec.md",
            )
        )
    try:
        spec = NetworkSpec.model_validate(document.data)
    except ValidationError as exc:
        # Every problem in one run: what the schema refuses, and what building and validating
        # the rest of the file finds (the parts the schema refused left out).
        problems = schema_problems(exc, document)
        raise InputError(sort_problems([*problems, *_beyond_schema(document, exc, name, text)])) from None
    network, builder, found = _build(spec, document, name, text)
    warnings = _validate(builder, found)
    counts = {name: len(items) for name, items in _collections(network) if items}
    locations = {rid: document.locate(path, key=True) for rid, path in builder.where.items()}
    return LoadResult(
        network=network,
        format="yaml",
        warnings=warnings,
        counts=counts,
        locations=locations,
        validation=found,
    )


def _build(
    spec: NetworkSpec, document: Document, name: str | None, text: str
) -> tuple[Network, SpecBuilder, list[Problem]]:
    """Build and validate; a build problem raises :class:`InputError` together with what
    validating the rest finds (when the build went to its end)."""
    seed = spec.seed if spec.seed is not None else default_seed(name, text)
    network = Network(
        account=spec.account or DEFAULT_ACCOUNT, region=spec.region or DEFAULT_REGION, seed=seed
    )
    builder = SpecBuilder(spec, document, seed, network)
    try:
        builder.build()
    except InputError as exc:
        later = _located(builder, validate(network)) if builder.complete else []
        raise InputError(sort_problems([*exc.problems, *later])) from None
    return network, builder, validate(network)


def _beyond_schema(
    document: Document, exc: ValidationError, name: str | None, text: str
) -> list[LoadProblem]:
    """The problems of the parts of a spec the schema accepts: the refused parts are left out
    (a key, else the resource holding it), and what refers to a resource left out is not
    reported (its own problem is)."""
    data, removed, shifted = _pruned(document.data, exc)
    if data is None:
        return []
    try:
        spec = NetworkSpec.model_validate(data)
    except ValidationError:
        return []
    try:
        _network, builder, found = _build(spec, document, name, text)
    except InputError as later:
        problems = later.problems
    else:
        problems = _located(builder, found)
    return [
        p
        for p in problems
        if not any(f"'{r}'" in p.message for r in removed)
        # in a list with an item left out, later items moved: their places would be wrong
        and not any((p.location.path or "").startswith(f"{s}[") for s in shifted)
    ]


def _pruned(data: object, exc: ValidationError, rounds: int = 6) -> tuple[object | None, set[str], set[str]]:
    """``data`` without what the schema refuses (None when nothing valid is left), the names of
    the mapping entries removed whole, and the key paths of the lists an item was removed from."""
    import copy

    current = copy.deepcopy(data)
    removed: set[str] = set()
    shifted: set[str] = set()
    error: ValidationError | None = exc
    for _ in range(rounds):
        if error is None:
            return current, removed, shifted
        for err in error.errors():
            _remove(current, tuple(err["loc"]), removed)
        _compact(current, (), shifted)
        try:
            NetworkSpec.model_validate(current)
        except ValidationError as again:
            error = again
        else:
            error = None
    return (current if error is None else None), removed, shifted


_GONE = object()


def _remove(data: object, loc: tuple[object, ...], removed: set[str]) -> None:
    """Remove the deepest part of ``data`` along ``loc`` (pydantic's error location)."""
    parent: object = None
    key: object = None
    node = data
    depth = 0
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            parent, key, node = node, part, node[part]  # type: ignore[index]
            depth += 1
        # else: pydantic's union tags and missing keys, which are no place in the data
    if parent is None or depth < 1:
        return
    if isinstance(parent, dict):
        if isinstance(node, dict) and isinstance(key, str):
            removed.add(key)
        parent.pop(key, None)
    elif isinstance(parent, list) and isinstance(key, int):
        parent[key] = _GONE


def _compact(node: object, path: tuple[object, ...], shifted: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _compact(value, (*path, key), shifted)
    elif isinstance(node, list):
        if any(item is _GONE for item in node):
            shifted.add(format_path(path))
            node[:] = [item for item in node if item is not _GONE]
        for index, item in enumerate(node):
            _compact(item, (*path, index), shifted)


def _collections(network: Network) -> list[tuple[str, dict[str, object]]]:
    return [(name, getattr(network, name)) for name in COLLECTIONS.values()]


def _validate(builder: SpecBuilder, problems_found: list[Problem]) -> list[LoadProblem]:
    """The model's own checks, each mapped to the key that produced the resource at fault; an
    error raises :class:`InputError` with all of them."""
    problems = _located(builder, problems_found)
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    return problems


def _located(builder: SpecBuilder, problems_found: list[Problem]) -> list[LoadProblem]:
    problems = []
    for found in problems_found:
        path = builder.locate(found.resource, found.field) or ()

        def named(match: re.Match[str]) -> str:
            where = builder.where.get(match.group(0))
            return f"{match.group(0)} ({format_path(where)})" if where else match.group(0)

        message = _ID_IN_TEXT.sub(named, found.message)
        location = builder.doc.locate(path)
        problems.append(LoadProblem(found.severity, found.code, message, location))
    return sort_problems(problems)
