"""AWS ``describe-*`` JSON: the entry points to import a folder (or documents) and to export one.

``load_aws`` reads ``[aws_configs/][ACCOUNT/][REGION/]*.json`` (see :mod:`.aws_json` for the
layout and :mod:`.aws_import` for what is read); ``export_aws`` writes the same layout back
(:mod:`.aws_export`), so that a network survives the trip.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..heap import quiet_gc
from .aws_export import export_aws, network_to_aws_documents
from .aws_import import KEY_RANK, AwsImporter, Scope
from .aws_json import discover, first_key, parse
from .problems import InputError, LoadProblem, LoadResult, Location

__all__ = ["export_aws", "load_aws", "load_aws_documents", "network_to_aws_documents"]


def load_aws(path: str | Path) -> LoadResult:
    """Import a folder of AWS JSON (or one JSON file).

    Raises :class:`InputError` when the path does not exist or nothing usable is in it.
    """
    root = Path(path)
    if not root.exists():
        raise InputError(
            LoadProblem("error", "VPCSIM_NOT_FOUND", "no such file or folder", Location(file=str(root)))
        )
    sources = discover(root)
    if not sources:
        raise InputError(
            LoadProblem(
                "error",
                "VPCSIM_NO_INPUT",
                "no .json file here: expected AWS describe-* output ([aws_configs/][ACCOUNT/][REGION/]*.json)",
                Location(file=str(root)),
            )
        )
    importer = AwsImporter()
    scopes: dict[str, Scope] = {}
    pending: list[tuple[int, str, bytes, Scope]] = []
    for source in sources:
        scope = scopes.get(source.directory)
        if scope is None:
            scope = scopes[source.directory] = Scope(account=source.account, region=source.region)
        try:
            data = source.path.read_bytes()
        except OSError as exc:
            importer.report(
                "error", "VPCSIM_UNREADABLE", f"cannot read the file: {exc.strerror}", source.name
            )
            continue
        rank = KEY_RANK.get(first_key(data) or "", len(KEY_RANK))
        pending.append((rank, source.name, data, scope))
    # referenced before referencing: NetworkInterfaces before Reservations saves building ENIs twice
    pending.sort(key=lambda entry: entry[0])
    with quiet_gc():
        for index, (_, name, data, scope) in enumerate(pending):
            document, problem = parse(name, data)
            pending[index] = (0, name, b"", scope)
            if problem is not None:
                importer.problems.append(problem)
            if document is not None:
                importer.read(name, document, scope)
            del document
        return _finish(importer)


def load_aws_documents(
    docs: Iterable[tuple[str, Any]], *, account: str | None = None, region: str | None = None
) -> LoadResult:
    """Import parsed documents, each ``(source name, JSON value)``, all of one account and region
    (given, or inferred from the data: OwnerId, ARNs, availability zones)."""
    importer = AwsImporter()
    scope = Scope(account=account, region=region)
    ordered = sorted(docs, key=lambda doc: _rank(doc[1]))
    with quiet_gc():
        for name, document in ordered:
            importer.read(name, document, scope)
        return _finish(importer)


def _rank(document: object) -> int:
    if isinstance(document, dict) and document:
        return min(KEY_RANK.get(key, len(KEY_RANK)) for key in document)
    return len(KEY_RANK)


def _finish(importer: AwsImporter) -> LoadResult:
    if importer.recognised == 0:
        problems = importer.problems or [
            LoadProblem(
                "error",
                "VPCSIM_NO_INPUT",
                "no AWS describe-* result (Vpcs, Subnets, RouteTables...) in the input",
            )
        ]
        raise InputError(problems)
    importer.finish()
    result = importer.result()
    errors = [p for p in result.warnings if p.severity == "error"]
    if errors and next(result.network.resources(), None) is None:
        raise InputError(errors)  # damaged input of which nothing usable remains
    return result
