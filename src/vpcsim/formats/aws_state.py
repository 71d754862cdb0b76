"""The state of ``vpcsim serve`` as a NETWORK: its SQLite file, or the server's URL.

The server keeps one row per resource: ``(account, region, type, id, body)``, where ``type`` is the
key of the ``describe-*`` answer listing it (``Vpcs``, ``Subnets``...) and ``body`` the JSON of
the resource exactly as that answer shows it. So the state *is* a set of ``describe-*`` documents,
one per account and region, and it is read by the AWS importer like a folder written by
``vpcsim collect``: one AWS-to-model mapping, not two. The schema is defined here, where it is
read; the server (``vpcsim.serve.store``) creates and writes it.

A URL (``http://127.0.0.1:4566``) is read from the server's ``GET /vpcsim-api/documents``, which
answers the same documents as JSON.
"""

from __future__ import annotations

import sqlite3
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from ..heap import quiet_gc
from .aws import _finish as finish_import
from .aws_import import KEY_RANK, AwsImporter, Scope
from .problems import InputError, LoadProblem, LoadResult, Location

__all__ = [
    "DOCUMENTS_PATH",
    "SCHEMA",
    "documents",
    "is_url",
    "load_documents",
    "load_state_file",
    "load_url",
]

DOCUMENTS_PATH = "/vpcsim-api/documents"

#: The server's tables. ``seq`` keeps creation order (Describe answers list oldest first);
#: ``scopes`` records the account/region pairs that exist (each starts with its default VPC).
SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (account, region, type, id)
);
CREATE INDEX IF NOT EXISTS resources_by_type ON resources (account, region, type, seq);
CREATE INDEX IF NOT EXISTS resources_by_id ON resources (account, region, id);
CREATE TABLE IF NOT EXISTS scopes (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    PRIMARY KEY (account, region)
);
"""

#: Stored types that are not ``describe-*`` listings of the importer (internal bookkeeping).
_INTERNAL_PREFIX = "_"


def documents(rows: Iterable[tuple[str, str, str, Any]]) -> dict[tuple[str, str], dict[str, list[Any]]]:
    """``(account, region, type, body)`` rows -> one ``describe-*`` document per account and region.
    Instances are listed as EC2 lists them, inside ``Reservations``."""
    out: dict[tuple[str, str], dict[str, list[Any]]] = {}
    for account, region, kind, body in rows:
        if kind.startswith(_INTERNAL_PREFIX):
            continue
        if kind == "VpcPeeringConnections" and not _requester_side(body, account, region):
            continue  # the server keeps a copy on each side; the network holds the connection once
        document = out.setdefault((account, region), {})
        if kind == "Instances":
            document.setdefault("Reservations", []).append(
                {"ReservationId": body.get("_ReservationId", ""), "OwnerId": account, "Instances": [body]}
            )
        else:
            document.setdefault(kind, []).append(body)
    return out


def _requester_side(body: Any, account: str, region: str) -> bool:
    requester = body.get("RequesterVpcInfo") if isinstance(body, dict) else None
    if not isinstance(requester, dict):
        return True
    return (requester.get("OwnerId"), requester.get("Region")) in ((account, region), (None, None))


def load_documents(scoped: Mapping[tuple[str, str], Mapping[str, Any]], source: str) -> LoadResult:
    """Import the documents of every account and region (keyed ``(account, region)``)."""
    importer = AwsImporter()
    with quiet_gc():
        for (account, region), document in sorted(scoped.items()):
            scope = Scope(account=account, region=region)
            name = f"{source}#{account}/{region}"
            ordered = sorted(document.items(), key=lambda item: KEY_RANK.get(item[0], len(KEY_RANK)))
            importer.read(name, dict(ordered), scope)
        if not scoped:
            raise InputError(
                LoadProblem(
                    "error", "VPCSIM_NO_INPUT", f"{source} holds no resources yet", Location(file=source)
                )
            )
        return finish_import(importer)


def _problem(source: str, message: str) -> InputError:
    return InputError(LoadProblem("error", "VPCSIM_FILE_UNREADABLE", message, Location(file=source)))


def load_state_file(path: Path) -> LoadResult:
    """A ``vpcsim serve --state`` file (read-only; a running server may keep writing it)."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise _problem(str(path), f"cannot open {path} as a vpcsim serve state: {exc}") from None
    try:
        rows = connection.execute("SELECT account, region, type, body FROM resources ORDER BY seq").fetchall()
    except sqlite3.Error as exc:
        raise _problem(str(path), f"{path} is an SQLite file but not a vpcsim serve state: {exc}") from None
    finally:
        connection.close()
    decoded = ((account, region, kind, orjson.loads(body)) for account, region, kind, body in rows)
    return load_documents(documents(decoded), str(path))


def is_url(source: object) -> bool:
    return isinstance(source, str) and source.startswith(("http://", "https://"))


def load_url(url: str, *, timeout: float = 30.0) -> LoadResult:
    """The state of the ``vpcsim serve`` at ``url``."""
    target = url.rstrip("/") + DOCUMENTS_PATH
    try:
        with urllib.request.urlopen(target, timeout=timeout) as answer:
            payload = orjson.loads(answer.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise _problem(url, f"cannot read the network of the vpcsim serve at {url}: {exc}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("scopes"), list):
        raise _problem(url, f"{target} did not answer a vpcsim serve state")
    scoped: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in payload["scopes"]:
        if isinstance(entry, dict) and isinstance(entry.get("documents"), dict):
            scoped[(str(entry.get("account")), str(entry.get("region")))] = entry["documents"]
    return load_documents(scoped, url)
