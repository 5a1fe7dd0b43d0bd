"""Tesseract kept running: one process per OCR worker thread and resolution, fed page images
through its stdin file list (`-c stream_filelist=1`), so it loads its model once, not per page.

Measured on this 2-core machine: starting Tesseract and loading `spa` is ~0.17–0.2 s of a
~2.4 s page (7–8 %), and a streamed process gives the same TSV as one run per page (compared
byte for byte). Tesseract flushes each page's TSV as it finishes it but marks no page end, so
each page is followed by a blank 8×8 sentinel image, whose page row closes the page.

The process runs the same `tesseract` command pytesseract runs (`pytesseract.tesseract_cmd`),
single-threaded. It ends when its pool closes (`close_streams`), when fichas exits (its stdin
closes), or when a page fails or times out (the next page starts a new one).
"""
from __future__ import annotations

import atexit
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from pipeline.errors import MissingDependencyError
from pipeline.files import scratch_dir

SENTINEL = b"P5\n8 8\n255\n" + b"\xff" * 64
"""A blank 8×8 page: Tesseract reads nothing on it and writes only its page row."""
STDERR_TAIL = 2000
"""Bytes of Tesseract's messages kept to explain a failure."""


def import_pytesseract():
    """pytesseract, imported without pandas: it imports pandas whenever pandas is installed, for
    a DataFrame output fichas never asks for, and that is ~0.3 s of every OCR run's start."""
    if "pytesseract" in sys.modules or "pandas" in sys.modules:
        import pytesseract
    else:
        sys.modules["pandas"] = None  # `import pandas` fails, as if it were not installed
        try:
            import pytesseract
        finally:
            del sys.modules["pandas"]
    return pytesseract


def not_installed() -> MissingDependencyError:
    return MissingDependencyError("tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-spa")


def no_language(lang: str) -> MissingDependencyError:
    return MissingDependencyError(f"Tesseract has no '{lang}' language data: apt-get install tesseract-ocr-{lang}")


class StreamFailed(Exception):
    """Tesseract stopped or ran out of time on a page; the process is gone."""


class TesseractStream:
    """One running `tesseract stdin - ... tsv` that reads page images one at a time."""

    def __init__(self, lang: str, psm: int, dpi: int, config: tuple[str, ...] = ()):
        pytesseract = import_pytesseract()  # for its tesseract_cmd

        self._folder = tempfile.TemporaryDirectory(prefix="tesseract-", dir=scratch_dir())
        self._sentinel = Path(self._folder.name) / "fin.pgm"
        self._sentinel.write_bytes(SENTINEL)
        self._lang = lang
        self._stderr = tempfile.TemporaryFile()
        command = [pytesseract.pytesseract.tesseract_cmd, "stdin", "-", "-l", lang, "--psm", str(psm),
                   "--dpi", str(dpi), "-c", "stream_filelist=1", *(a for c in config for a in ("-c", c)), "tsv"]
        try:
            self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             stderr=self._stderr, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
        except FileNotFoundError:
            raise not_installed() from None
        self._images = 0
        """Images sent so far, sentinels included: Tesseract numbers its pages by them."""
        self._buffer = b""

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def read(self, image: Path, timeout: float) -> str:
        """The TSV of one page image. Raises StreamFailed when Tesseract fails on it or takes
        longer than `timeout` seconds (the process is stopped), MissingDependencyError when
        its language data is missing."""
        try:
            self._process.stdin.write(f"{image}\n{self._sentinel}\n".encode())
            self._process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._failure() from None
        self._images += 2
        end = b"1\t%d\t" % self._images  # the sentinel's page row
        deadline = time.monotonic() + timeout
        while (at := self._row_start(end)) < 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._process.stdout], [], [], remaining)[0]:
                self._process.kill()
                self.close()
                raise StreamFailed(f"tesseract timed out after {timeout:.0f} s")
            chunk = os.read(self._process.stdout.fileno(), 1 << 16)
            if not chunk:
                raise self._failure()
            self._buffer += chunk
        page = self._buffer[:at]
        self._buffer = self._buffer[self._buffer.index(b"\n", at) + 1:]
        return page.decode("utf-8", errors="replace")

    def _row_start(self, prefix: bytes) -> int:
        """Where a whole line starting with `prefix` starts in the buffer, -1 if none has yet."""
        if self._buffer.startswith(prefix):
            at = 0
        elif (at := self._buffer.find(b"\n" + prefix)) >= 0:
            at += 1
        else:
            return -1
        return at if self._buffer.find(b"\n", at) >= 0 else -1

    def _failure(self) -> Exception:
        """Why the process stopped, from its last messages."""
        self._stop()
        self._stderr.seek(max(0, self._stderr.seek(0, os.SEEK_END) - STDERR_TAIL))
        lines = self._stderr.read().decode("utf-8", errors="replace").strip().splitlines()
        self.close()
        if any("Failed loading language" in line for line in lines):
            return no_language(self._lang)
        return StreamFailed(f"tesseract failed: {lines[-1] if lines else f'exit {self._process.returncode}'}")

    def _stop(self) -> None:
        """End the process: its input closes, so it stops after the page it is reading (if it
        takes more than a few seconds, it is killed)."""
        if self._process.returncode is None:
            try:
                self._process.stdin.close()
            except OSError:  # it had stopped already
                pass
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process.stdout.close()

    def close(self) -> None:
        self._stop()
        self._stderr.close()
        self._folder.cleanup()


_streams: dict[int, dict[tuple[str, int, int, tuple[str, ...]], TesseractStream]] = {}
"""The running processes of each OCR thread (by thread id), by (lang, psm, dpi, config)."""
_lock = threading.Lock()


def stream(lang: str, psm: int, dpi: int, config: tuple[str, ...] = ()) -> TesseractStream:
    """This thread's running Tesseract for these settings (`config`: more `-c` variables),
    started if it has none (or it died)."""
    key = (lang, psm, dpi, config)
    with _lock:
        mine = _streams.setdefault(threading.get_ident(), {})
        running = mine.get(key)
    if running is not None and running.alive:
        return running
    if running is not None:
        running.close()  # it stopped between pages (killed from outside): free its files
    started = TesseractStream(lang, psm, dpi, config)
    with _lock:
        mine[key] = started
    return started


def close_streams(threads: Iterable[int] | None = None) -> None:
    """Stop the Tesseracts of these threads (by thread id), or of every thread."""
    with _lock:
        owners = list(_streams) if threads is None else [t for t in threads if t in _streams]
        closing = [s for owner in owners for s in _streams.pop(owner).values()]
    for running in closing:
        running.close()


atexit.register(close_streams)
