"""Files the tool keeps: outputs written so that a reader never sees half of one, one writer
per output folder, and the SQLite stores (OCR cache, corrections) opened the same way; and the
YAML data files it reads."""
from __future__ import annotations

import atexit
import fcntl
import json
import logging
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO

from pipeline.errors import OutputBusyError, OutputError

log = logging.getLogger("fichas")

LOCK_NAME = ".fichas.lock"
"""The lock file in the output folder; it stays there, only the kernel's lock on it comes and goes."""

Writer = Callable[[BinaryIO], object]
STAGED_SUFFIX = ".tmp"

_UMASK = os.umask(0o022)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK
"""Outputs get the usual mode of a new file (temporary files are made private), so colleagues
sharing the folder can read them."""


def read_yaml(path: Path) -> Any:
    """A YAML data file (template, gazetteer, rules), parsed by libyaml's C parser when PyYAML
    has it: the pure-Python parser took ~8× as long over the files a run reads at start."""
    import yaml

    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def atomic_write(path: Path, write: Writer) -> None:
    """`write` fills a temporary file beside `path`, which then replaces it: readers never see half a file."""
    with replaced_together([path]) as (fh,):
        write(fh)


def atomic_write_text(path: Path, text: str, bom: bool = False) -> None:
    """UTF-8 text (with a BOM for Excel when `bom`), written atomically."""
    atomic_write(path, lambda fh: fh.write(text.encode("utf-8-sig" if bom else "utf-8")))


@contextmanager
def replaced_together(paths: list[Path]) -> Iterator[list[BinaryIO]]:
    """Files written in the block, each beside its target; when the block ends they are synced
    and only then put in place, all of them. If anything fails first (a disk that fills up or
    turns read-only, Ctrl-C, an error), every target is left as it was and the temporary files
    are removed; a write error becomes OutputError naming the files."""
    staged: list[tuple[Path, str, BinaryIO]] = []
    try:
        try:
            for path in paths:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=STAGED_SUFFIX)
                staged.append((path, tmp, os.fdopen(fd, "wb")))
                os.fchmod(fd, FILE_MODE)
            yield [fh for _, _, fh in staged]
            for _, _, fh in staged:
                fh.flush()
                os.fsync(fh.fileno())
                fh.close()
        except OSError as exc:
            named = ", ".join([str(paths[0])] + [p.name for p in paths[1:]])
            raise OutputError(named, exc.strerror or str(exc)) from exc
        for path, tmp, _ in staged:
            os.replace(tmp, path)
    except BaseException:
        for _, tmp, fh in staged:
            with suppress(OSError):  # closing flushes again, into the same full disk
                fh.close()
            Path(tmp).unlink(missing_ok=True)
        raise


def remove_staged_leftovers(folder: Path) -> int:
    """Delete the temporary files a killed writer left in `folder` (not its subfolders); only
    safe while holding the folder's lock. Returns how many there were."""
    leftovers = list(folder.glob(f".*{STAGED_SUFFIX}"))
    for path in leftovers:
        path.unlink(missing_ok=True)
    return len(leftovers)


@contextmanager
def output_lock(out_dir: Path, wait: bool = True) -> Iterator[None]:
    """One writer per output folder: an exclusive lock on OUT/.fichas.lock, held while the block runs.

    The kernel releases it when the process ends, however it ends, so a crash never leaves a
    stale lock. A second writer waits for the first, saying who it is waiting for, or with
    `wait=False` raises OutputBusyError at once.
    """
    path = out_dir / LOCK_NAME
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    except OSError as exc:
        raise OutputError(path, exc.strerror or str(exc)) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _lock_holder(fd)
            if not wait:
                raise OutputBusyError(f"{out_dir}: in use by {holder}") from None
            log.warning("fichas: %s is in use by %s; waiting for it to end (--no-wait to stop instead)",
                        out_dir, holder)
            fcntl.flock(fd, fcntl.LOCK_EX)
        since = datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "since": since}).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _lock_holder(fd: int) -> str:
    """Who holds the lock, as its holder wrote it down: "fichas run (pid 123, since …)"."""
    try:
        holder = json.loads(os.pread(fd, 4096, 0))
        return f"another fichas run (pid {int(holder['pid'])}, since {holder['since']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another fichas run"


def open_database(path: Path, schema: str, autocommit: bool = False) -> sqlite3.Connection:
    """A SQLite file shared by a run's threads, in WAL mode (readers never block the writer),
    with its tables made. Raises sqlite3.DatabaseError when the file is not a usable database."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, timeout=30, isolation_level=None if autocommit else "")
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(schema)
    return db


SCRATCH_PREFIX = "fichas-"


def scratch_dir() -> Path:
    """This process's folder for temporary files (page images for Tesseract), named by its pid
    so that a later run can remove what a killed one left (`remove_dead_scratch`)."""
    global _scratch
    with _scratch_lock:
        if _scratch is None or not _scratch.is_dir():
            _scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
            atexit.register(shutil.rmtree, _scratch, ignore_errors=True)
        return _scratch


_scratch: Path | None = None
_scratch_lock = threading.Lock()


def remove_dead_scratch() -> int:
    """Remove the scratch folders of processes that are gone (killed, crashed); returns how many."""
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-*"):
        pid = folder.name[len(SCRATCH_PREFIX):].partition("-")[0]
        if folder.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
