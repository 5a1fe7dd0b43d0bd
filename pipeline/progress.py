"""How a batch shows its progress: bars on a terminal, plain lines in a log, or nothing.

All three print a document that fails, on stderr, since a reviewer must hear about it;
`--quiet` keeps only those lines.
"""
from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from pipeline.records import DocumentResult

LOG_EVERY_PAGES = 20
"""Without a terminal, a line on the pages every this many pages (plus one per document)."""


def _failure(result: DocumentResult) -> str | None:
    if result.status == "failed":
        return f"fichas: {result.path}: {result.error}"
    if result.status == "stale":
        return f"fichas: {result.path}: {result.error} (kept its last good result, marked stale)"
    return None


class QuietProgress:
    """Only failures."""

    def __init__(self, stream: TextIO = sys.stderr):
        self.stream = stream

    def start(self, todo: int, unchanged: int) -> None: ...

    def pages_found(self, count: int) -> None: ...

    def page_done(self, how: str) -> None: ...

    def document_done(self, result: DocumentResult) -> None:
        if (line := _failure(result)) is not None:
            print(line, file=self.stream, flush=True)

    def close(self) -> None: ...


class LogProgress(QuietProgress):
    """Plain lines, for logs and pipes: one per document and one every LOG_EVERY_PAGES pages."""

    def __init__(self, stream: TextIO = sys.stderr):
        super().__init__(stream)
        self._lock = threading.Lock()
        self._todo = self._documents = self._pages = self._found = 0
        self._started = time.monotonic()

    def start(self, todo: int, unchanged: int) -> None:
        self._todo = todo
        self._started = time.monotonic()
        print(f"fichas: {todo} documents to read, {unchanged} unchanged", file=self.stream, flush=True)

    def pages_found(self, count: int) -> None:
        with self._lock:
            self._found += count

    def page_done(self, how: str) -> None:
        with self._lock:
            self._pages += 1
            if self._pages % LOG_EVERY_PAGES == 0:
                rate = self._pages / max(time.monotonic() - self._started, 1e-9)
                print(f"fichas: {self._pages}/{self._found} pages so far, {rate:.2f} pages/s",
                      file=self.stream, flush=True)

    def document_done(self, result: DocumentResult) -> None:
        with self._lock:
            self._documents += 1
            number = self._documents
        if (line := _failure(result)) is not None:
            print(line, file=self.stream, flush=True)
        else:
            seconds = sum(result.seconds.values())
            print(f"[{number}/{self._todo}] {result.path}: {len(result.fichas)} fichas, {result.pages} pages "
                  f"({result.status}, {seconds:.1f} s)", file=self.stream, flush=True)


class BarProgress(QuietProgress):
    """Two tqdm bars, documents (with the ETA) and pages; failures print above them."""

    def __init__(self, stream: TextIO = sys.stderr):
        from tqdm import tqdm

        super().__init__(stream)
        self._tqdm = tqdm
        self._documents = self._pages = None
        self._lock = threading.Lock()

    def start(self, todo: int, unchanged: int) -> None:
        self._documents = self._tqdm(total=todo, desc="documentos", unit="doc", file=self.stream, position=0,
                                     postfix=f"{unchanged} sin cambios" if unchanged else None)
        self._pages = self._tqdm(total=0, desc="páginas", unit="pág", file=self.stream, position=1)

    def pages_found(self, count: int) -> None:
        with self._lock:
            self._pages.total += count
            self._pages.refresh()

    def page_done(self, how: str) -> None:
        with self._lock:
            self._pages.update(1)

    def document_done(self, result: DocumentResult) -> None:
        if (line := _failure(result)) is not None:
            self._tqdm.write(line, file=self.stream)
        with self._lock:
            self._documents.update(1)

    def close(self) -> None:
        for bar in (self._pages, self._documents):
            if bar is not None:
                bar.close()


def for_stream(stream: TextIO = sys.stderr, quiet: bool = False) -> QuietProgress:
    """Bars on a terminal, plain lines otherwise; only failures when quiet."""
    if quiet:
        return QuietProgress(stream)
    return BarProgress(stream) if stream.isatty() else LogProgress(stream)
