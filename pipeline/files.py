"""Files the tool keeps: outputs written so that a reader never sees half of one, and the
SQLite stores (OCR cache, corrections) opened the same way."""
from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """`write` fills a temporary file beside `path`, which then replaces it: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str, bom: bool = False) -> None:
    """UTF-8 text (with a BOM for Excel when `bom`), written atomically."""
    atomic_write(path, lambda fh: fh.write(text.encode("utf-8-sig" if bom else "utf-8")))


def open_database(path: Path, schema: str, autocommit: bool = False) -> sqlite3.Connection:
    """A SQLite file shared by a run's threads, in WAL mode (readers never block the writer),
    with its tables made. Raises sqlite3.DatabaseError when the file is not a usable database."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, timeout=30, isolation_level=None if autocommit else "")
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(schema)
    return db
