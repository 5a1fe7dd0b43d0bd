"""The OCR engine: an 8-bit gray page image in, Tesseract's TSV (words with boxes and
confidences) out, so `pipeline.ocr` parses one format whichever engine read the page.

- `InProcess`: the Tesseract library bundled in the `tesserocr` wheel (5.5), called in this
  process. No process to start or image file to write, and it releases the GIL while it
  recognises, so the pool's threads each keep one and read pages side by side.
- `Cli`: the `tesseract` command kept running (`pipeline.tesseract`), when tesserocr cannot be
  imported or `FICHAS_OCR_ENGINE=cli` asks for it. Orientation detection always uses the CLI.

Both read the same language data (the CLI's tessdata folder). Each OCR worker thread keeps
one engine (`engine()`) until its pool closes (`close_engines`).
"""
from __future__ import annotations

import atexit
import functools
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import numpy as np

from pipeline import tesseract
from pipeline.errors import MissingDependencyError
from pipeline.files import scratch_dir

ENGINE_VARIABLE = "FICHAS_OCR_ENGINE"
"""`cli` forces the CLI engine (benchmarks, or a Tesseract build of one's own); unset: the
in-process one when tesserocr imports."""


class Engine(Protocol):
    def read(self, pixels: np.ndarray, dpi: int, config: tuple[str, ...], timeout: float) -> str:
        """The TSV of one page (`config`: Tesseract variables as `name=value`). Raises
        tesseract.StreamFailed when Tesseract fails or times out on it."""

    def close(self) -> None: ...


class Cli:
    """The `tesseract` command, one kept running per resolution and config for this thread."""

    def __init__(self, lang: str, psm: int):
        self._lang, self._psm = lang, psm
        self._owner = threading.get_ident()
        self._folder = tempfile.TemporaryDirectory(prefix="page-", dir=scratch_dir())

    def read(self, pixels: np.ndarray, dpi: int, config: tuple[str, ...], timeout: float) -> str:
        path = write_pgm(pixels, Path(self._folder.name) / "page.pgm")
        return tesseract.stream(self._lang, self._psm, dpi, config).read(path, timeout)

    def close(self) -> None:
        tesseract.close_streams([self._owner])
        self._folder.cleanup()


class InProcess:
    """One `tesserocr.PyTessBaseAPI`: its model loads once; variables of a `config` are set for
    one page and put back after it."""

    def __init__(self, lang: str, psm: int):
        import tesserocr

        try:
            self._api = tesserocr.PyTessBaseAPI(path=tessdata(), lang=lang, psm=psm)
        except RuntimeError:
            raise tesseract.no_language(lang) from None

    def read(self, pixels: np.ndarray, dpi: int, config: tuple[str, ...], timeout: float) -> str:
        height, width = pixels.shape
        data = np.ascontiguousarray(pixels).tobytes()  # Tesseract reads it in place: keep it alive
        defaults = {}
        for name, value in (c.split("=", 1) for c in config):
            defaults[name] = self._api.GetVariableAsString(name)
            self._api.SetVariable(name, value)
        try:
            self._api.SetImageBytes(data, width, height, 1, width)
            self._api.SetSourceResolution(dpi)
            if not self._api.Recognize(timeout=round(timeout * 1000)):
                raise tesseract.StreamFailed(f"tesseract failed or timed out after {timeout:.0f} s")
            return self._api.GetTSVText(0)
        finally:
            for name, value in defaults.items():
                self._api.SetVariable(name, value)
            self._api.Clear()

    def close(self) -> None:
        self._api.End()


def write_pgm(pixels: np.ndarray, path: Path) -> Path:
    """A binary PGM file Tesseract reads directly: no encoding at all (OpenCV's and PIL's PGM
    writers take two to three times as long)."""
    height, width = pixels.shape
    path.write_bytes(b"P5\n%d %d\n255\n" % (width, height) + pixels.tobytes())
    return path


@functools.cache
def name() -> str:
    """The engine this process uses: `tesserocr` or `cli`."""
    if os.environ.get(ENGINE_VARIABLE, "").lower() == "cli":
        return "cli"
    try:
        import tesserocr  # noqa: F401
    except ImportError:
        return "cli"
    return "tesserocr"


def version() -> str:
    """The engine and the Tesseract it runs, e.g. `tesserocr 2.13.0, tesseract 5.5.4`: part of
    the OCR cache key, the run summary and the manifest. Raises MissingDependencyError when the
    `tesseract` command is missing, which either engine needs (OSD, the language data's folder)."""
    pytesseract = tesseract.import_pytesseract()
    try:
        command = pytesseract.get_tesseract_version()
    except pytesseract.TesseractNotFoundError:
        raise tesseract.not_installed() from None
    if name() == "tesserocr":
        import tesserocr

        library = tesserocr.tesseract_version().split()[1]
        return f"tesserocr {tesserocr.__version__}, tesseract {library}; poor pages: cli, tesseract {command}"
    return f"cli, tesseract {command}"


def tessdata() -> str:
    """The language data folder: TESSDATA_PREFIX, else the one the `tesseract` command uses (the
    wheel's library would look in the folder it was built for)."""
    if folder := os.environ.get("TESSDATA_PREFIX"):
        return folder.rstrip("/") + "/"
    return _listed_tessdata(tesseract.import_pytesseract().pytesseract.tesseract_cmd)


@functools.cache
def _listed_tessdata(command: str) -> str:
    try:
        listing = subprocess.run([command, "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except FileNotFoundError:
        raise tesseract.not_installed() from None
    found = re.search(r'"(.+?)/?"', listing)
    if not found:
        raise MissingDependencyError("cannot find Tesseract's language data: set TESSDATA_PREFIX")
    return found.group(1) + "/"


_engines: dict[tuple[int, str, int, str], Engine] = {}
"""Each OCR thread's engines, by (thread id, lang, psm, kind)."""
_lock = threading.Lock()


def engine(lang: str, psm: int, kind: str | None = None) -> Engine:
    """This thread's engine for these settings, made on its first page; `kind` (`tesserocr`,
    `cli`): that engine rather than this process's default."""
    kind = kind or name()
    key = (threading.get_ident(), lang, psm, kind)
    with _lock:
        mine = _engines.get(key)
    if mine is None:
        mine = InProcess(lang, psm) if kind == "tesserocr" else Cli(lang, psm)
        with _lock:
            _engines[key] = mine
    return mine


def close_engines(threads: Iterable[int] | None = None) -> None:
    """Close the engines of these threads (by thread id), or of every thread."""
    threads = None if threads is None else set(threads)
    with _lock:
        keys = [k for k in _engines if threads is None or k[0] in threads]
        closing = [_engines.pop(key) for key in keys]
    for running in closing:
        running.close()
    tesseract.close_streams(threads)  # the OSD's, and those of a Cli engine


atexit.register(close_engines)
