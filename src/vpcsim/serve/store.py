"""The server's state: SQLite, one row per resource holding its AWS describe-shape dict.

Why: ``Describe*`` answers are the stored dicts (filtered, paginated), and the state is a set of
``describe-*`` documents the AWS importer reads as a NETWORK (:mod:`vpcsim.formats.aws_state`,
which owns the schema). WAL journal; every request runs in one transaction (:meth:`Store.transaction`,
``BEGIN IMMEDIATE`` ... ``COMMIT``), so an acknowledged write is on disk and a request that fails
leaves nothing half-written. Requests are serialised by a lock: one writer, as SQLite has.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from ..formats.aws_state import SCHEMA, documents

__all__ = ["Store", "Transaction"]


class Store:
    """One SQLite database (a file, or ``:memory:``)."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    @contextmanager
    def transaction(self, account: str, region: str) -> Iterator[Transaction]:
        """One request's view of ``account``/``region``; committed when the block ends normally."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self._db, account, region)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @property
    def version(self) -> int:
        """A number that moves whenever a row is written (SQLite's count of the changes made on
        this connection, the only one writing): the console reads the state again only then."""
        with self._lock:
            return self._db.total_changes

    def reset(self) -> None:
        """Forget everything (``POST /moto-api/reset``)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM resources")
            self._db.execute("DELETE FROM scopes")
            self._db.execute("COMMIT")

    def documents(self) -> dict[tuple[str, str], dict[str, list[Any]]]:
        """The whole state as ``describe-*`` documents per account and region."""
        with self._lock:
            rows = self._db.execute(
                "SELECT account, region, type, body FROM resources ORDER BY seq"
            ).fetchall()
        return documents((a, r, t, orjson.loads(b)) for a, r, t, b in rows)

    def close(self) -> None:
        with self._lock:
            self._db.close()


class Transaction:
    """Reads and writes of one request, scoped to an account and region (:meth:`scoped` for
    another one: a peering's accepter side). Bodies are plain JSON-able dicts in AWS's shape;
    a body returned is a fresh copy (change it, then :meth:`put` it)."""

    def __init__(self, db: sqlite3.Connection, account: str, region: str) -> None:
        self._db = db
        self.account = account
        self.region = region

    def scoped(self, account: str, region: str) -> Transaction:
        return Transaction(self._db, account, region)

    def is_new_scope(self) -> bool:
        """True the first time this account/region is seen (and records it)."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO scopes (account, region) VALUES (?, ?)", (self.account, self.region)
        )
        return cursor.rowcount == 1

    def get(self, kind: str, resource_id: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT body FROM resources WHERE account=? AND region=? AND type=? AND id=?",
            (self.account, self.region, kind, resource_id),
        ).fetchone()
        return None if row is None else dict(orjson.loads(row[0]))

    def put(self, kind: str, resource_id: str, body: dict[str, Any]) -> None:
        """Insert or replace (keeping its place in creation order)."""
        data = orjson.dumps(body, default=str).decode()
        cursor = self._db.execute(
            "UPDATE resources SET body=? WHERE account=? AND region=? AND type=? AND id=?",
            (data, self.account, self.region, kind, resource_id),
        )
        if cursor.rowcount == 0:
            self._db.execute(
                "INSERT INTO resources (account, region, type, id, body) VALUES (?, ?, ?, ?, ?)",
                (self.account, self.region, kind, resource_id, data),
            )

    def delete(self, kind: str, resource_id: str) -> bool:
        cursor = self._db.execute(
            "DELETE FROM resources WHERE account=? AND region=? AND type=? AND id=?",
            (self.account, self.region, kind, resource_id),
        )
        return cursor.rowcount > 0

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Every resource of a type, oldest first."""
        rows = self._db.execute(
            "SELECT body FROM resources WHERE account=? AND region=? AND type=? ORDER BY seq",
            (self.account, self.region, kind),
        ).fetchall()
        return [orjson.loads(row[0]) for row in rows]

    def every(self) -> list[tuple[str, str, dict[str, Any]]]:
        """``(type, id, body)`` of every resource of this account/region (not internal rows), oldest first."""
        rows = self._db.execute(
            "SELECT type, id, body FROM resources WHERE account=? AND region=? AND type NOT LIKE '\\_%' ESCAPE '\\' "
            "ORDER BY seq",
            (self.account, self.region),
        ).fetchall()
        return [(kind, rid, orjson.loads(body)) for kind, rid, body in rows]

    def find(self, resource_id: str) -> tuple[str, dict[str, Any]] | None:
        """The type and body of the resource with this id, whatever its type."""
        row = self._db.execute(
            "SELECT type, body FROM resources WHERE account=? AND region=? AND id=? AND type NOT LIKE '\\_%' ESCAPE '\\'",
            (self.account, self.region, resource_id),
        ).fetchone()
        return None if row is None else (row[0], orjson.loads(row[1]))

    def exists(self, resource_id: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM resources WHERE account=? AND region=? AND id=?",
            (self.account, self.region, resource_id),
        ).fetchone()
        return row is not None

    def new_id(self, prefix: str, digits: int = 17) -> str:
        """A fresh AWS-looking id (``vpc-0a1b2c...``: 17 hex digits), unused in this account/region."""
        while True:
            candidate = f"{prefix}-{secrets.token_hex((digits + 1) // 2)[:digits]}"
            if not self.exists(candidate):
                return candidate
