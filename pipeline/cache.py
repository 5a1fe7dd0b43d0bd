"""The OCR cache: what Tesseract read on each page, in SQLite beside the outputs.

A page is keyed by its document's sha256, its number and the OCR settings it was read with
(OCR engine and Tesseract version, language, segmentation mode, resolution, reader version), so a re-run,
a resumed run or a changed template re-extracts without OCR, and a new engine or Tesseract reads again.
Each page is committed as soon as it is read: a killed run loses only the pages in flight.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import FichasError, OutputError
from pipeline.files import open_database
from pipeline.lines import Rule
from pipeline.records import Word

if TYPE_CHECKING:
    from pipeline.ocr import OcrPage

CACHE_NAME = "ocr-cache.sqlite"
"""The cache's file name in the output folder, unless --cache says otherwise."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    sha256 TEXT NOT NULL,
    page INTEGER NOT NULL,
    settings TEXT NOT NULL,
    reading BLOB NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (sha256, page, settings)
)
"""


class CacheError(FichasError):
    """The cache file cannot be used."""

    hint = "delete it, or run `fichas cache clear`"


@dataclass(frozen=True)
class CacheInfo:
    path: Path
    pages: int
    documents: int
    bytes: int


class OcrCache:
    """Page readings in one SQLite file; safe to share between a run's threads."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                self._db = open_database(self.path, _SCHEMA)
            except sqlite3.DatabaseError as exc:
                raise CacheError(f"{self.path}: not a usable OCR cache ({exc})") from None
        return self._db

    def get(self, sha256: str, page: int, settings: str) -> OcrPage | None:
        with self._lock:
            row = self._connect().execute(
                "SELECT reading FROM pages WHERE sha256 = ? AND page = ? AND settings = ?",
                (sha256, page, settings),
            ).fetchone()
        return decode(row[0]) if row else None

    def put(self, sha256: str, page: int, settings: str, reading: OcrPage) -> None:
        """Keep a page's reading; raises OutputError when the file cannot grow (disk full, read-only)."""
        with self._lock:
            db = self._connect()
            try:
                db.execute("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?)",
                           (sha256, page, settings, encode(reading), time.time()))
                db.commit()
            except sqlite3.OperationalError as exc:
                db.rollback()
                raise OutputError(self.path, str(exc)) from exc

    def info(self) -> CacheInfo:
        if not self.path.exists():
            return CacheInfo(self.path, 0, 0, 0)
        with self._lock:
            pages, documents = self._connect().execute(
                "SELECT COUNT(*), COUNT(DISTINCT sha256) FROM pages").fetchone()
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*"))
        return CacheInfo(self.path, pages, documents, size)

    def clear(self) -> int:
        """Forget every page; returns how many there were."""
        if not self.path.exists():
            return 0
        with self._lock:
            db = self._connect()
            (count,) = db.execute("SELECT COUNT(*) FROM pages").fetchone()
            db.execute("DELETE FROM pages")
            db.commit()
            db.execute("VACUUM")
        return count

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def encode(reading: OcrPage) -> bytes:
    """A reading as compressed JSON: ~10 KB for a full ficha page."""
    data = {
        "words": [[w.text, *w.bbox, w.confidence, *ids] for w, ids in zip(reading.words, reading.line_ids)],
        "rules": [[r.x0, r.x1, r.y] for r in reading.rules],
        "size": [reading.width, reading.height],
        "rotation": reading.rotation,
        "skew": reading.skew,
    }
    return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())


def decode(blob: bytes) -> OcrPage:
    from pipeline.ocr import OcrPage  # a cached page is looked up with the OCR settings: ocr is loaded

    data = json.loads(zlib.decompress(blob))
    words = tuple(Word(w[0], (w[1], w[2], w[3], w[4]), w[5]) for w in data["words"])
    ids = tuple((w[6], w[7], w[8]) for w in data["words"])
    rules = tuple(Rule(*r) for r in data["rules"])
    return OcrPage(words, ids, rules, *data["size"], rotation=data["rotation"], skew=data["skew"])
