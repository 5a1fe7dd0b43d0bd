"""A document's pages → Pages: ready pages pass through, page images go to the OCR pool,
through the OCR cache.

The ingest stage hands over its pages lazily, as `Page`s (read from a text layer) or as
`OcrJob`s that can render their image. A job whose page is in the cache is never rendered;
the others are rendered here, in the document's thread (PDFium is not thread-safe), read on
the pool, and stored in the cache as soon as each comes back, so a killed run loses only the
pages in flight. One reader serves every document of a batch, so documents read at the same
time share the pool's Tesseracts.
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from pipeline.layout import words_to_lines
from pipeline.pool import Future, LocalPool, Pool
from pipeline.records import Page

if TYPE_CHECKING:  # the OCR stack (pytesseract, numpy, OpenCV) is imported once a page needs it
    from PIL import Image

    from pipeline import ocr
    from pipeline.cache import OcrCache

RENDERED_PER_WORKER = 2
"""Page images alive at once per pool worker, the one it reads included, over all the documents
read at the same time: enough to keep it busy, few in memory (~6–9 MB each). Over the whole
typical benchmark set, a bound per document (two documents at once) made the peak ~30 MB higher."""


@dataclass(frozen=True)
class OcrJob:
    """A page to OCR. `render` is called only when the cache does not have the page; it gives
    the 8-bit gray image, or None when the page cannot be rendered (it has said why)."""

    number: int
    dpi: float
    """The resolution the page will be rendered at; part of the cache key."""
    render: Callable[[], Image.Image | None]


class PageProgress(Protocol):
    """Told about pages as a run goes; the CLI draws a progress bar from it."""

    def pages_found(self, count: int) -> None: ...

    def page_done(self, how: PageOrigin) -> None: ...


PageOrigin = Literal["ocr", "cache", "other"]
"""How a page was read: by Tesseract now, from the OCR cache, or otherwise (text layer, unrenderable)."""


@dataclass
class ReadCounts:
    """Pages by how they were read, over the reader's life; documents may add at once."""

    ocr: int = 0
    cache: int = 0
    other: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, how: PageOrigin) -> None:
        with self.lock:
            setattr(self, how, getattr(self, how) + 1)


class PageReader:
    """Reads the pages of documents on a pool, through an optional cache.

    `refresh=True` (`fichas run --force`) reads every page again and overwrites the cache.
    """

    def __init__(self, pool: Pool | None = None, cache: OcrCache | None = None, *, refresh: bool = False,
                 progress: PageProgress | None = None):
        self.pool = pool or LocalPool()
        self.cache = cache
        self.refresh = refresh
        self.progress = progress
        self.counts = ReadCounts()
        self._rendered = threading.Semaphore(RENDERED_PER_WORKER * self.pool.workers)
        """Taken by each page image before it is rendered, given back once it has been read."""
        self.engine: str | None = None
        """The OCR engine and its Tesseract (`engines.version()`); None until a page needed OCR."""
        self.engines: dict[str, str] = {}
        """The engine that read (or whose cache held) the pages of each document with pages to OCR, by sha256."""
        self._settings: str | None = None

    def settings_key(self, dpi: float) -> str:
        """The OCR settings a cached page must have been read with, at this resolution."""
        return hashlib.sha256(f"{self._ocr_settings()}|{dpi:.2f}".encode()).hexdigest()[:16]

    def _ocr_settings(self) -> str:
        if self._settings is None:
            from pipeline import ocr

            settings = ocr.settings()
            self._settings, self.engine = json.dumps(settings, sort_keys=True), str(settings["engine"])
        return self._settings

    def read(self, sha256: str, jobs: Iterable[OcrJob | Page], count: int, timeout: float,
             warnings: list[str]) -> list[Page]:
        """The document's `count` pages in order. A page Tesseract fails on stays empty, with a warning."""
        if self.progress:
            self.progress.pages_found(count)
        queued: deque[Page | tuple[Future, OcrJob, tuple[int, int]]] = deque()
        pages: list[Page] = []

        def collect_oldest() -> None:
            item = queued.popleft()
            if isinstance(item, Page):
                pages.append(item)
                return
            future, job, (width, height) = item
            read = future.result()
            if isinstance(read, str):
                warnings.append(f"page {job.number}: {read}; page left empty")
                points = 72 / job.dpi
                pages.append(Page(job.number, (), "ocr", width * points, height * points))
            else:
                if self.cache:
                    self.cache.put(sha256, job.number, self.settings_key(job.dpi), read)
                pages.append(_to_page(read, job.number))
            self._done("ocr")

        for job in jobs:
            if not isinstance(job, Page) and sha256 not in self.engines:
                self._ocr_settings()
                self.engines[sha256] = self.engine
            if isinstance(job, Page):
                queued.append(job)
                self._done("other")
            elif (cached := self._cached(sha256, job)) is not None:
                queued.append(_to_page(cached, job.number))
                self._done("cache")
            elif (image := self._render(job)) is None:
                queued.append(Page(job.number, (), "ocr"))
                self._done("other")
            else:
                queued.append((self._submit(image, job.dpi, timeout), job, image.size))
            while sum(not isinstance(item, Page) for item in queued) > RENDERED_PER_WORKER * self.pool.workers:
                collect_oldest()
        while queued:
            collect_oldest()
        return pages

    def _render(self, job: OcrJob) -> Image.Image | None:
        """The page image, rendered once fewer than RENDERED_PER_WORKER per worker are alive.
        `_submit` gives its place back once it has been read; None (unrenderable) holds none."""
        self._rendered.acquire()
        image = None
        try:
            image = job.render()
        finally:
            if image is None:
                self._rendered.release()
        return image

    def _submit(self, image: Image.Image, dpi: float, timeout: float) -> Future:
        from pipeline.ocr import read_or_fail

        try:
            future = self.pool.submit(read_or_fail, image, dpi, timeout)
        except BaseException:
            self._rendered.release()
            raise
        future.add_done_callback(lambda _: self._rendered.release())
        return future

    def _cached(self, sha256: str, job: OcrJob) -> ocr.OcrPage | None:
        if self.cache is None or self.refresh:
            return None
        return self.cache.get(sha256, job.number, self.settings_key(job.dpi))

    def _done(self, how: PageOrigin) -> None:
        self.counts.add(how)
        if self.progress:
            self.progress.page_done(how)

    def close(self) -> None:
        self.pool.close()


def _to_page(read: ocr.OcrPage, number: int) -> Page:
    lines = words_to_lines(read.words, number, read.width, line_ids=read.line_ids, rules=read.rules)
    return Page(number, lines, "ocr", read.width, read.height, read.rotation)
