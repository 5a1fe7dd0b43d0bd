"""What a user would do without fichas, timed on the same pages: the plain `tesseract` CLI on
the page images, and `ocrmypdf -l spa` followed by pdfplumber's text extraction."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber

from pipeline.ingest import ingest
from pipeline.reader import PageReader
from pipeline.records import Page


@dataclass
class Baseline:
    name: str
    command: str
    seconds: float = 0.0
    page_texts: list[str] = field(default_factory=list)
    skipped: str | None = None
    """Why it did not run (a tool missing), else None."""
    peak_memory_mb: float | None = None


@dataclass(frozen=True)
class PageImage:
    path: Path
    dpi: float


class _ImageSaver(PageReader):
    """The pipeline's own ingest, up to the image each page would be OCR'd from: saved, not read."""

    def __init__(self, folder: Path, stem: str):
        super().__init__()
        self.folder, self.stem, self.images = folder, stem, []

    def read(self, sha256, jobs, count, timeout, warnings):
        for job in jobs:
            if not isinstance(job, Page) and (image := job.render()) is not None:
                path = self.folder / f"{self.stem}-{job.number:03d}.pgm"
                image.save(path)
                self.images.append(PageImage(path, job.dpi))
        return [Page(number + 1, (), "ocr") for number in range(count)]


def page_images(pdfs: list[Path], folder: Path) -> list[PageImage]:
    """Every page as the 8-bit gray image fichas reads it from (its resolution too), saved as PGM."""
    images = []
    for pdf in pdfs:
        saver = _ImageSaver(folder, pdf.stem)
        ingest(pdf, reader=saver)
        images += saver.images
    return images


TESSERACT_CLI_COMMAND = "OMP_THREAD_LIMIT=1 tesseract PAGE.pgm - -l spa --dpi DPI, {jobs} at a time"


def tesseract_cli(images: list[PageImage], jobs: int) -> Baseline:
    """`tesseract IMAGE - -l spa --dpi DPI`, one single-threaded process per core."""
    baseline = Baseline("tesseract CLI", TESSERACT_CLI_COMMAND.format(jobs=jobs))
    if shutil.which("tesseract") is None:
        baseline.skipped = "tesseract is not installed"
        return baseline
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def read(image: PageImage) -> str:
        done = subprocess.run(["tesseract", str(image.path), "-", "-l", "spa", "--dpi", str(round(image.dpi))],
                              capture_output=True, text=True, env=env, check=True)
        return done.stdout

    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        baseline.page_texts = list(pool.map(read, images))
    baseline.seconds = time.perf_counter() - start
    return baseline


def ocrmypdf_then_pdfplumber(pdfs: list[Path], jobs: int) -> Baseline:
    """`ocrmypdf -l spa --output-type pdf`, then every page's text read back with pdfplumber."""
    baseline = Baseline("OCRmyPDF + pdfplumber", f"ocrmypdf -l spa --output-type pdf -j {jobs} IN OUT; pdfplumber extract_text")
    if importlib.util.find_spec("ocrmypdf") is None:
        baseline.skipped = "ocrmypdf is not installed (pip install ocrmypdf)"
        return baseline
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        for pdf in pdfs:
            out = Path(tmp) / pdf.name
            subprocess.run([sys.executable, "-m", "ocrmypdf", "-q", "-l", "spa", "--output-type", "pdf", "-j", str(jobs), str(pdf), str(out)],
                           capture_output=True, text=True, check=True)
            with pdfplumber.open(out) as searchable:
                baseline.page_texts.extend(page.extract_text() or "" for page in searchable.pages)
        baseline.seconds = time.perf_counter() - start
    return baseline


_MEASURED_RUN = """
import json, sys
from pipeline.cli import finish, main
code = main(sys.argv[2:])
status = dict(l.split(":", 1) for l in open("/proc/self/status") if ":" in l)
open(sys.argv[1], "w").write(json.dumps({"process_mb": int(status["VmHWM"].split()[0]) / 1024}))
finish(code)
"""


@dataclass
class Measured:
    seconds: float
    process_mb: float
    """Peak resident memory of the fichas process (VmHWM, read by the process itself: a child's
    ru_maxrss would include the benchmark's own memory from before the exec)."""
    tesseract_mb: float
    """The highest peak (VmHWM) seen of one Tesseract process, i.e. of one OCR worker."""


def measured_fichas(args: list[str], env: dict[str, str] | None = None) -> Measured:
    """`fichas ARGS` in a fresh process as a user starts it, timed, with its peak memory;
    `env`: variables set for it (e.g. the OCR engine)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "peak.json"
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", _MEASURED_RUN, str(report), *args],
                                   env={**os.environ, **(env or {})})
        tesseract_kb = 0
        while True:
            tesseract_kb = max(tesseract_kb, _tesseract_peak_kb())
            try:
                process.wait(timeout=0.2)  # returns as the run ends, not at the next sample
                break
            except subprocess.TimeoutExpired:
                pass
        seconds = time.perf_counter() - start
        if process.returncode != 0:
            raise subprocess.CalledProcessError(process.returncode, args)
        peak = json.loads(report.read_text())
    return Measured(seconds, peak["process_mb"], tesseract_kb / 1024)


def _tesseract_peak_kb() -> int:
    """The largest VmHWM among the Tesseract processes running now (sampled while they live)."""
    peak = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:  # the process ended meanwhile
            continue
        if text.startswith("Name:\ttesseract") and "VmHWM:" in text:
            peak = max(peak, int(text.split("VmHWM:")[1].split()[0]))
    return peak


def fichas_cli(pdfs: list[Path]) -> Baseline:
    """The whole `fichas run` command as a user starts it (imports and model loading included)."""
    baseline = Baseline("fichas run (CLI, cold start)", "fichas run PDF... --out TMP -q")
    with tempfile.TemporaryDirectory() as tmp:
        measured = measured_fichas(["run", *map(str, pdfs), "--out", str(Path(tmp) / "out"), "-q"])
    baseline.seconds, baseline.peak_memory_mb = measured.seconds, measured.process_mb
    return baseline
