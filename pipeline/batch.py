"""The batch: find what is new, read it in parallel, and never lose an earlier result.

What the output folder keeps between runs:
- `manifest.json`: one entry per document (path, sha256, pages, status, error, timings, tool
  version, and the fingerprint of the extraction that made its result);
- `documents/<sha256>.json`: each document's full result, fichas with provenance;
- `ocr-cache.sqlite`: what Tesseract read on each page (`pipeline.cache`).

A document is read again only when its content (sha256) or the extraction (template, repair
data, code, version) changed, or when it failed last time; a changed extraction re-reads the
OCR from the cache. A document that fails now keeps its last good result, marked `stale`.
Each finished document is saved at once (its result, then the manifest), so a killed run
resumes where it stopped. One run at a time writes an output folder (`files.output_lock`): a
second one waits. The heavy stages (spaCy, the OCR and PDF stacks) are imported only when
there is work that needs them: a re-run with nothing new takes a fraction of a second.
"""
from __future__ import annotations

import ctypes
import functools
import gc
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Literal, Protocol, TypeVar

from pipeline.emit import OUTPUT_NAMES, write_outputs
from pipeline.errors import OutputError
from pipeline.files import atomic_write_text, output_lock, remove_dead_scratch, remove_staged_leftovers
from pipeline.records import DocumentResult
from pipeline.review.store import STORE_NAME, Correction, ReviewStore

log = logging.getLogger("fichas")
T = TypeVar("T")

INPUT_SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".heic", ".heif", ".txt"}
MANIFEST = "manifest.json"
RESULTS = "documents"
CACHE = "ocr-cache.sqlite"
PACKAGES = ("pipeline", "extractors", "corrections")
"""The code whose change makes every result out of date (the OCR cache stays valid)."""

Status = Literal["ok", "sin_fichas", "failed", "stale"]


def tool_version() -> str:
    try:
        return version("fichas")
    except PackageNotFoundError:
        return "0+unknown"


@dataclass
class Entry:
    """One document in the manifest."""

    path: str
    sha256: str | None
    """The content the result was made from (for `stale`, the last good one)."""
    pages: int
    status: Status
    error: str | None
    fichas: int
    review: int
    """Fields under the template's review threshold, reviewers' corrections applied."""
    reviewed: int
    """Fields a reviewer corrected or accepted..."""
    review_again: int
    """...of which this run read other text than the reviewer saw."""
    seconds: dict[str, float]
    """Wall-clock time per stage (ingest, repair, segment, extract) when it was last read."""
    tool_version: str
    fingerprint: str
    processed: str
    """When it was last read (UTC, ISO 8601)."""
    ocr_engine: str | None = None
    """The OCR engine and Tesseract version that read its pages when it was last read (the cache
    key names the engine, so pages from the cache were read by it too); None without pages to OCR."""


@dataclass
class Manifest:
    documents: dict[str, Entry] = field(default_factory=dict)
    corrections: int = 0
    """The version of the reviewers' corrections (`ReviewStore.version`) the outputs carry."""
    outputs_current: bool = False
    """The outputs were written from these entries. A run killed after saving a document and
    before writing the outputs leaves it False, and the next run writes them even with nothing to read."""

    @classmethod
    def load(cls, out_dir: Path) -> Manifest:
        """The folder's manifest; an empty one when there is none or it is unreadable (results are
        then matched again by content, and the OCR cache still spares the OCR)."""
        path = out_dir / MANIFEST
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            entries = [Entry(**e) for e in raw["documents"]]
            corrections = int(raw.get("corrections", 0))
            current = raw.get("outputs_current") is True
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("fichas: %s: unreadable manifest (%s); every document is checked again", path, exc)
            return cls()
        return cls({e.path: e for e in entries}, corrections, current)

    def save(self, out_dir: Path) -> None:
        data = {"tool": "fichas", "version": tool_version(), "corrections": self.corrections,
                "outputs_current": self.outputs_current,
                "documents": [asdict(e) for e in sorted(self.documents.values(), key=lambda e: e.path)]}
        atomic_write_text(out_dir / MANIFEST, json.dumps(data, ensure_ascii=False, indent=1))


class BatchProgress(Protocol):
    """What a run reports as it goes; `pipeline.progress` draws it."""

    def start(self, todo: int, unchanged: int) -> None: ...

    def pages_found(self, count: int) -> None: ...

    def page_done(self, how: str) -> None: ...

    def document_done(self, result: DocumentResult) -> None: ...

    def close(self) -> None: ...


@dataclass
class BatchOptions:
    template_path: Path | None = None
    """None: the IOM Ecuador catalogue template."""
    password: str | None = None
    jobs: int | None = None
    """Pages read at once (local executor); None: one per core."""
    executor: Literal["local", "dask"] = "local"
    scheduler: str | None = None
    """The Dask scheduler's address, for executor "dask"."""
    force: bool = False
    """Read every document again, OCR included."""
    cache_path: Path | None = None
    """None: OUT/ocr-cache.sqlite."""
    max_pages: int | None = None
    """Documents with more pages are refused; None: IngestLimits' default."""
    max_image_pixels: int | None = None
    """Images with more pixels are refused as decompression bombs; None: IngestLimits' default."""
    wait: bool = True
    """Wait for another run writing the same output folder; False: raise OutputBusyError at once."""


def cache_path(out_dir: Path, options: BatchOptions | None = None) -> Path:
    return (options.cache_path if options and options.cache_path else None) or out_dir / CACHE


@dataclass
class BatchReport:
    entries: list[Entry]
    """Every document in the outputs, in path order."""
    processed: int
    unchanged: int
    pages_ocr: int = 0
    pages_cached: int = 0
    ocr_engine: str | None = None
    """The OCR engine and its Tesseract, when any page needed OCR."""
    seconds: float = 0.0
    dropped: list[str] = field(default_factory=list)
    """Documents of earlier runs whose file is gone: left out of the outputs."""
    unapplied: list[Correction] = field(default_factory=list)
    """Reviewers' corrections whose ficha is not in the outputs (kept in the store)."""

    def count(self, status: Status) -> int:
        return sum(e.status == status for e in self.entries)

    @property
    def fichas(self) -> int:
        return sum(e.fichas for e in self.entries)

    @property
    def review(self) -> int:
        return sum(e.review for e in self.entries)

    @property
    def reviewed(self) -> int:
        return sum(e.reviewed for e in self.entries)

    @property
    def review_again(self) -> int:
        return sum(e.review_again for e in self.entries)


def collect_inputs(inputs: Iterable[Path]) -> list[Path]:
    """Files named directly, plus the supported files under each folder, in a stable order.

    Paths are made absolute: a document is the same entry of the manifest whether it was named
    `raw/a.pdf` or `/home/ana/fichas/raw/a.pdf`, and the review page finds it from any folder.
    """
    files: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            files.extend(
                p for p in sorted(item.rglob("*"))
                if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES and not p.name.startswith(".")
            )
        else:
            files.append(item)
    return list(dict.fromkeys(Path(os.path.abspath(p)) for p in files))


def fingerprint(template_path: Path) -> str:
    """A hash of everything that turns page text into fichas: the template, the code and data
    of the three packages, and the tool version."""
    digest = hashlib.sha256(tool_version().encode())
    root = Path(__file__).resolve().parents[1]
    files = [Path(template_path)] + sorted(
        p for package in PACKAGES for p in (root / package).rglob("*")
        if p.is_file() and p.suffix in (".py", ".yml", ".yaml", ".json", ".txt", ".tsv") and "__pycache__" not in p.parts
    )
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def file_sha256(path: Path) -> str | None:
    """The file's sha256, or None when it cannot be read (reading it will then fail clearly)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def run(inputs: Iterable[Path], out_dir: Path, options: BatchOptions | None = None,
        progress: BatchProgress | None = None) -> BatchReport:
    """Bring OUT up to date with the inputs: read what is new, then write fichas.json,
    fichas.csv, campos.csv, fichas.sqlite and manifest.json. See the module docstring."""
    from extractors import DEFAULT_TEMPLATE

    started = time.perf_counter()
    options = options or BatchOptions()
    template_path = options.template_path or DEFAULT_TEMPLATE
    with output_lock(out_dir, wait=options.wait):
        for folder in (out_dir, out_dir / RESULTS):  # a killed run's half-written files
            remove_staged_leftovers(folder)
        remove_dead_scratch()  # and its page images
        manifest = Manifest.load(out_dir)
        current = fingerprint(template_path)
        files = collect_inputs(inputs)
        todo = [p for p in files if options.force or not _up_to_date(manifest.documents.get(str(p)), p, current, out_dir)]
        dropped = sorted(k for k in manifest.documents if not Path(k).exists())
        for key in dropped:
            del manifest.documents[key]
        if progress:
            progress.start(len(todo), len(files) - len(todo))
        report = BatchReport([], processed=len(todo), unchanged=len(files) - len(todo), dropped=dropped)
        reviews = ReviewStore(out_dir / STORE_NAME)
        unwritable = False
        try:
            if todo:
                _process(todo, out_dir, manifest, options, template_path, current, progress, report)
        except OutputError:
            unwritable = True  # nothing more can be written; the earlier outputs stay as they were
            raise
        finally:
            if not unwritable:
                _write_if_needed(manifest, out_dir, template_path, reviews, report, bool(todo or dropped))
            reviews.close()
            report.entries = sorted(manifest.documents.values(), key=lambda e: e.path)
            report.seconds = time.perf_counter() - started
            if progress:
                progress.close()
    return report


def _write_if_needed(manifest: Manifest, out_dir: Path, template_path: Path, reviews: ReviewStore,
                     report: BatchReport, changed: bool) -> None:
    """Write the outputs and the manifest when documents changed, the last run did not get to
    write them, corrections were saved since, or an output is missing."""
    # The version is read before the corrections are laid over: one saved in between makes the
    # next run write again, so no correction is ever left out for good.
    corrections = reviews.version()
    if (changed or not manifest.outputs_current or corrections != manifest.corrections
            or not all((out_dir / name).exists() for name in OUTPUT_NAMES)):
        report.unapplied = _write_outputs(manifest, out_dir, template_path, reviews)
        manifest.corrections, manifest.outputs_current = corrections, True
        manifest.save(out_dir)


def _up_to_date(entry: Entry | None, path: Path, current: str, out_dir: Path) -> bool:
    return (entry is not None and entry.status in ("ok", "sin_fichas") and entry.fingerprint == current
            and entry.sha256 is not None and (out_dir / RESULTS / f"{entry.sha256}.json").exists()
            and file_sha256(path) == entry.sha256)


def _process(todo: list[Path], out_dir: Path, manifest: Manifest, options: BatchOptions, template_path: Path,
             current: str, progress: BatchProgress | None, report: BatchReport) -> None:
    """Read the documents, as many at once as the pool has workers, saving each as it ends."""
    from extractors.entities import entity_pipeline
    from extractors.template import load_template
    from pipeline.cache import OcrCache
    from pipeline.limits import IngestLimits
    from pipeline.pool import make_pool
    from pipeline.reader import PageReader
    from pipeline.run import process_document, repairer_for

    template = load_template(template_path)
    loading = _Loader(with_pages=functools.partial(entity_pipeline, template.data_path("places")))
    repairer = loading.wanted(loading.submit(repairer_for, template_path))
    chosen = {"max_pages": options.max_pages, "max_image_pixels": options.max_image_pixels}
    limits = IngestLimits(**{k: v for k, v in chosen.items() if v is not None})
    try:
        cache = OcrCache(cache_path(out_dir, options))
        reader = PageReader(make_pool(options.executor, options.jobs, options.scheduler, on_reading=loading.ocr_started),
                            cache, refresh=options.force, progress=progress)
    except BaseException:
        loading.close()  # its waiting task would keep the interpreter from exiting
        raise
    documents = ThreadPoolExecutor(max_workers=reader.pool.workers, thread_name_prefix="document")
    try:
        pending: set[Future[DocumentResult]] = set()
        queue = list(reversed(todo))
        while queue or pending:
            # Start documents only as workers free up, so a Ctrl-C leaves few half-read.
            while queue and len(pending) < reader.pool.workers:
                pending.add(documents.submit(process_document, queue.pop(), template, repairer,
                                             options.password, limits, reader))
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                result = _settle(future.result(), manifest, out_dir)
                manifest.documents[str(result.path)] = _entry(result, current, reader.engines.get(result.sha256))
                manifest.outputs_current = False
                manifest.save(out_dir)
                if progress:
                    progress.document_done(result)
            if queue or pending:  # not after the last: the run is ending, and a release then only delays it
                loading.submit(_give_back_memory)
    finally:
        documents.shutdown(wait=False, cancel_futures=True)
        loading.close()
        reader.close()
        cache.close()
        report.pages_ocr, report.pages_cached = reader.counts.ocr, reader.counts.cache
        report.ocr_engine = reader.engine


class _Loader:
    """Builds what extraction needs, the repairer and spaCy, on one background thread: once a
    page is with Tesseract, or once a document needs them, whichever comes first.

    Both are ~1.7 s of Python holding its lock. Built from the start of a run, they slowed the
    imports and the drawing that bring the first page to Tesseract (a 1-page scan reached it
    1.2–1.4 s after launch, now ~0.8 s), and spaCy waited for a page with text. Built while
    Tesseract reads, they use the core a short document leaves idle (a 1-page scanned PDF: 3.6 s
    → 2.4 s end to end) and share the cores on a long one (12 pages, the benchmark's 35 scans: as
    before, within noise).
    """

    def __init__(self, with_pages: Callable[[], object]) -> None:
        """`with_pages`: built too, last, once pages are read (spaCy: a run of text files has it
        built by its first extraction, and one that finds no ficha never)."""
        self._with_pages: Callable[[], object] | None = with_pages
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="load")
        self._go = threading.Event()
        self._lock = threading.Lock()
        self._closed = False

    def ocr_started(self) -> None:
        """A page is with Tesseract: start building, `with_pages` too. Any thread, any number of times."""
        with self._lock:
            build, self._with_pages = self._with_pages, None
            if build is not None and not self._closed:
                self.submit(build)
        self._go.set()

    def submit(self, build: Callable[..., T], *args: object) -> Future[T]:
        return self._executor.submit(self._when_started, build, *args)

    def wanted(self, future: Future[T]) -> Callable[[], T]:
        """A function giving the future's value, starting the building first if need be."""
        def value() -> T:
            self._go.set()
            return future.result()
        return value

    def close(self) -> None:
        """Build nothing more; what is being built finishes on its own."""
        with self._lock:
            self._closed = True
            self._executor.shutdown(wait=False, cancel_futures=True)
        self._go.set()

    def _when_started(self, build: Callable[..., T], *args: object) -> T:
        self._go.wait()
        if self._closed:
            raise CancelledError("the run ended before it was needed")
        return build(*args)


def _give_back_memory() -> None:
    """Free what finished documents left behind, and hand it back to the system.

    pdfplumber's pages sit in reference cycles holding their page streams (the scans' image
    data), which Python's collector reaches only now and then; and glibc keeps freed memory of
    the worker threads' arenas. Over the 35 typical scans of the benchmark the process grew from
    ~480 MB to 612 MB: 65 MB of it was such cycles, another 230 MB freed memory never returned.
    Run off the main thread: a Ctrl-C that arrives while a collection there runs a finalizer is
    raised inside the finalizer, where Python prints it and goes on with the run.
    """
    gc.collect()
    if (libc := _glibc()) is not None:
        libc.malloc_trim(0)


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc, which has malloc_trim; else None."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None


def _settle(result: DocumentResult, manifest: Manifest, out_dir: Path) -> DocumentResult:
    """Save a good result; a failed one falls back on the document's last good result, as stale."""
    if result.status != "failed":
        _save_result(result, out_dir)
        return result
    before = manifest.documents.get(str(result.path))
    if before is None or before.status == "failed" or before.sha256 is None:
        return result
    last = load_result(before, out_dir)
    if last.status == "failed":
        return result
    last.status, last.error, last.seconds = "stale", result.error, result.seconds
    return last


def _entry(result: DocumentResult, current: str, ocr_engine: str | None) -> Entry:
    """The document's manifest entry; its review counts are filled when the outputs are written."""
    return Entry(str(result.path), result.sha256, result.pages, result.status, result.error, len(result.fichas),
                 0, 0, 0, {k: round(v, 3) for k, v in result.seconds.items()}, tool_version(), current,
                 datetime.now(timezone.utc).isoformat(timespec="seconds"), ocr_engine)


def _result_adapter():
    from pydantic import TypeAdapter

    return TypeAdapter(DocumentResult)


def _save_result(result: DocumentResult, out_dir: Path) -> None:
    (out_dir / RESULTS).mkdir(exist_ok=True)
    atomic_write_text(out_dir / RESULTS / f"{result.sha256}.json", _result_adapter().dump_json(result).decode())


def load_result(entry: Entry, out_dir: Path) -> DocumentResult:
    """The entry's saved result; a failed entry, or one whose result file is gone, without fichas."""
    failed = DocumentResult(Path(entry.path), entry.sha256, entry.pages, "failed", error=entry.error)
    if entry.status == "failed" or entry.sha256 is None:
        return failed
    try:
        result = _result_adapter().validate_json((out_dir / RESULTS / f"{entry.sha256}.json").read_bytes())
    except (OSError, ValueError) as exc:
        failed.error = f"saved result unreadable ({exc}); run again with --force"
        return failed
    result.path, result.status, result.error = Path(entry.path), entry.status, entry.error
    return result


def _write_outputs(manifest: Manifest, out_dir: Path, template_path: Path, reviews: ReviewStore) -> list[Correction]:
    """The outputs from every document's saved result with the reviewers' corrections laid over,
    one document at a time; the manifest's review counts follow. Returns the corrections whose
    ficha is not in them."""
    from extractors.template import load_template
    from pipeline.review.apply import Corrections

    template = load_template(template_path)
    corrections = Corrections(reviews.latest() if reviews.version() else {})

    def results() -> Iterator[DocumentResult]:
        for entry in sorted(manifest.documents.values(), key=lambda e: e.path):
            result = corrections.apply(load_result(entry, out_dir))
            values = [(k, v) for f in result.fichas for k, v in f.fields.items()]
            entry.review = sum(template.review_threshold.needs_review(k, v.confidence) for k, v in values)
            entry.reviewed = sum(v.revisado for _, v in values)
            entry.review_again = sum(v.revisar for _, v in values)
            yield result

    write_outputs(results(), out_dir, template)
    return corrections.unapplied()
