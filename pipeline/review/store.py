"""Reviewers' corrections, in SQLite beside the outputs: the most expensive data in the system.

A correction is never updated or deleted: each save adds a row, so every field keeps its
history, and the latest row of a (document sha256, codigo, field) is the one applied. A save
names the row it was made on top of; if another reviewer saved that field meanwhile, the save
is refused with a `Conflict` carrying both values, and nothing is written or lost.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pipeline.errors import FichasError
from pipeline.files import open_database

STORE_NAME = "revisiones.sqlite"
"""The corrections' file name in the output folder."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS corrections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256 TEXT NOT NULL,
    codigo TEXT NOT NULL,
    field TEXT NOT NULL,
    value_seen TEXT NOT NULL,
    raw_seen TEXT,
    new_value TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS corrections_key ON corrections (sha256, codigo, field, id);
"""

FieldKey = tuple[str, str, str]
"""(document sha256, codigo, field)."""


class ReviewStoreError(FichasError):
    hint = "it holds the reviewers' work: restore it from a backup rather than delete it"


@dataclass(frozen=True)
class Correction:
    id: int
    sha256: str
    codigo: str
    field: str
    value_seen: object
    """The value the reviewer was shown (JSON-decoded)."""
    raw_seen: str | None
    """The text as read that the reviewer was shown; a re-run that reads other text flags the field."""
    new_value: object
    """The value the reviewer saved: the same as value_seen when they accepted it."""
    reviewer: str
    created: str
    """UTC, ISO 8601."""

    @property
    def key(self) -> FieldKey:
        return (self.sha256, self.codigo, self.field)

    @property
    def accepted(self) -> bool:
        return self.new_value == self.value_seen


class Conflict(Exception):
    """Someone saved the field after the version this save was made on, or that version is not
    in the store (`current` is then the correction in force, or None when there is none)."""

    def __init__(self, current: Correction | None, attempted: object):
        self.current = current
        self.attempted = attempted
        super().__init__(f"{current.codigo}.{current.field} was saved by {current.reviewer} at {current.created}"
                         if current else "the version this save was made on is not in the store")


class ReviewStore:
    """The corrections file; safe to share between a web server's threads."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._db is None:
                try:
                    self._db = open_database(self.path, _SCHEMA, autocommit=True)  # save() opens its own transaction
                except sqlite3.DatabaseError as exc:
                    raise ReviewStoreError(f"{self.path}: not a usable corrections file ({exc})") from None
            yield self._db

    def save(self, key: FieldKey, value_seen: object, raw_seen: str | None, new_value: object, reviewer: str,
             on_top_of: int | None) -> Correction:
        """Add a correction made on top of correction `on_top_of` (None: on the value as extracted).

        Raises Conflict when the field's latest correction is another one.
        """
        if not reviewer.strip():
            raise ValueError("a correction needs the reviewer's name")
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")  # the check and the insert see the same latest row
            try:
                latest = self._latest(db, key)
                if (latest.id if latest else None) != on_top_of:
                    raise Conflict(latest, new_value)
                created = datetime.now(timezone.utc).isoformat(timespec="seconds")
                cursor = db.execute(
                    "INSERT INTO corrections (sha256, codigo, field, value_seen, raw_seen, new_value, reviewer, created)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (*key, _dump(value_seen), raw_seen, _dump(new_value), reviewer.strip(), created))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return Correction(cursor.lastrowid, *key, value_seen, raw_seen, new_value, reviewer.strip(), created)

    def latest(self) -> dict[FieldKey, Correction]:
        """The correction in force for each corrected field."""
        with self._connection() as db:
            rows = db.execute(
                "SELECT * FROM corrections WHERE id IN (SELECT MAX(id) FROM corrections GROUP BY sha256, codigo, field)"
            ).fetchall()
        return {c.key: c for c in map(_correction, rows)}

    def history(self, key: FieldKey) -> list[Correction]:
        """Every correction of one field, oldest first."""
        with self._connection() as db:
            rows = db.execute("SELECT * FROM corrections WHERE sha256 = ? AND codigo = ? AND field = ? ORDER BY id",
                              key).fetchall()
        return [_correction(r) for r in rows]

    def all(self) -> list[Correction]:
        with self._connection() as db:
            return [_correction(r) for r in db.execute("SELECT * FROM corrections ORDER BY id")]

    def version(self) -> int:
        """The id of the latest correction (0 when none): outputs made at another version are out of date."""
        if not self.path.exists():
            return 0
        with self._connection() as db:
            return db.execute("SELECT COALESCE(MAX(id), 0) FROM corrections").fetchone()[0]

    @staticmethod
    def _latest(db: sqlite3.Connection, key: FieldKey) -> Correction | None:
        row = db.execute("SELECT * FROM corrections WHERE sha256 = ? AND codigo = ? AND field = ? "
                         "ORDER BY id DESC LIMIT 1", key).fetchone()
        return _correction(row) if row else None

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _correction(row: tuple) -> Correction:
    id_, sha256, codigo, field, value_seen, raw_seen, new_value, reviewer, created = row
    return Correction(id_, sha256, codigo, field, json.loads(value_seen), raw_seen, json.loads(new_value), reviewer,
                      created)
