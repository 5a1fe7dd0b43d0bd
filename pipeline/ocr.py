"""A page image → words with boxes, by Tesseract, after turning the page upright and deskewing it.

Measured on this 2-core machine (shared, ±15%; 2026-12-01): an A4 ficha page scanned at
250 dpi costs ~2.2–2.5 s of Tesseract CPU with `OMP_THREAD_LIMIT=1`, plus ~0.1 s of work of
our own (ink mask, skew, levelling, rulings, the TSV). Orientation detection (OSD, ~0.8 s) runs
only when the page looks turned on its side (a numpy projection test) or when the first
reading comes back with poor confidence (an upside-down page does): a 90° page costs ~1.3 s
more, a 180° page about twice an upright one; no OSD ran on 56 upright generated ficha pages.

The page goes to this thread's OCR engine (`pipeline.engines`: Tesseract in this process, or
the `tesseract` command kept running between pages), which loads its model once; the
resolution is passed along, since the pixels carry none. The page is one numpy array from PIL on.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from pipeline import engines, pool, tesseract
from pipeline.files import scratch_dir
from pipeline.lines import Rule
from pipeline.records import Word

pytesseract = tesseract.import_pytesseract()

# Tesseract's OpenMP threads make it ~7× slower here; one process per core is the fast setup.
os.environ["OMP_THREAD_LIMIT"] = "1"

LANG = "spa"
PSM = 3
"""Automatic page segmentation: best CER on ficha pages among psm 3/4/6/11 (ocr-facts.md)."""
POOR_CONFIDENCE = 0.7
"""Mean word confidence under which the page may be upside down: OSD is consulted."""
OSD_MIN_CONFIDENCE = 2.0
"""Tesseract's orientation confidence below which OSD's answer is ignored (turned pages score 9–33)."""
MIN_SKEW_DEG = 0.2
"""Smaller skews are left alone: levelling costs time and blurs the glyphs a little."""
JUNK_CONFIDENCE = 0.3
"""Words with no letter or digit read below this confidence are specks and cell borders."""
SPECK_PT = 3.0
SPECK_CONFIDENCE = 0.5
"""A "word" smaller than SPECK_PT points both ways, read below SPECK_CONFIDENCE or without a
letter or digit, is a speck of noise."""
EDGE_STRIP = 0.04
EDGE_CONFIDENCE = 0.5
"""Words inside the outer EDGE_STRIP of the page, read below EDGE_CONFIDENCE, are the scanner
bed's dark edge; printed text keeps out of it (page numbers sit ~6% in)."""
INK_MARGIN_IN = 0.15
"""Blank paper kept around the ink when the page is cropped for Tesseract: the empty margins
cost it ~4% of its time and hold nothing to read."""
ALWAYS = ("textord_disable_pitch_test=1",)
"""Tesseract variables for every reading. Its search for fixed-pitch (typewriter) rows took ~2.6 %
of its time on ficha pages, and the LSTM recognizer reads a row the same either way: identical
words on the 43 scanned pages of the corpus, a typewritten one among them, and on the 12-page
typical scan of the benchmark."""
SECOND_LOOK = ("thresholding_method=2",)
"""Tesseract's adaptive (Sauvola) binarization, for a second look at a page that read poorly:
shaded table cells, bleed-through and uneven light defeat the global threshold there. On the
generated poor scans of the four development families the reading with the higher mean
confidence was chosen page by page: field accuracy 0.918 → 0.962 on average (shaded label
cells 0.838 → 0.948); typical scans unchanged. Global is kept first: it reads plain pages
better and costs nothing more."""
SECOND_LOOK_CONFIDENCE = 0.93
SECOND_LOOK_WEAK_SHARE = 0.03
"""A page whose mean word confidence is under SECOND_LOOK_CONFIDENCE, or with more than this
share of its words read under WEAK_WORD, gets the second look (on the poor scans above, 53 of
305 pages, none of the typical ones: 90 % of what reading every page twice would gain)."""
WEAK_WORD = 0.6
FEW_WORDS = 50
"""A page with ink (blank pages are not read at all) read as fewer words is doubted too:
Tesseract 5.5 read a sparse page of a development family (23 words) as none at all, with
nothing in the confidences to show it; such pages are short to read again."""
SWITCH_CONFIDENCE = 0.945
SWITCH_WEAK_SHARE = 0.02
"""With the in-process engine (Tesseract 5.5), a page read at a mean word confidence under
SWITCH_CONFIDENCE, with more than this share of weak words, or with few words, is read again by
the CLI engine (Debian's 5.3), whose reading is kept: 5.5 reads clean and typical scans as well
as 5.3, degraded ones less reliably. Set from 5.5's readings of the development families'
pages: typical scans, medians 0.957–0.962 and 0–0.5 % weak; poor scans, 0.945–0.952 and
1.0–1.9 %. Typical pages switched: sparse ones and 3 of 219 others; poor pages: 40–50 %.
Benchmark poor scans, headline cells: switching only the pages that get the second look
0.972 · 0.967 · 0.931 · 0.938; with these thresholds 0.975 · 0.969 · 0.929 · 0.942 (the CLI
engine alone 0.966 · 0.967 · 0.927 · 0.945)."""
READER_VERSION = 6
"""Bump when the image analysis or the word filters below change what a page reads as: cached
readings made by another version are then read again."""
RULING_CHARS_TEXT = "|¦"
"""A vertical cell border read as text, alone or glued to a word; the catalogue never prints these."""


class OcrFailed(Exception):
    """Tesseract could not read one page (timeout, crash); the document goes on without it."""


@dataclass(frozen=True)
class OcrPage:
    """What Tesseract read on one page, in PDF points in the page's upright frame."""

    words: tuple[Word, ...]
    line_ids: tuple[tuple[int, int, int], ...]
    """Tesseract's (block, paragraph, line) number per word."""
    rules: tuple[Rule, ...]
    width: float
    height: float
    rotation: int = 0
    """Degrees the image was turned clockwise to read upright."""
    skew: float = 0.0
    """Degrees the upright image was then turned counter-clockwise to level its lines."""

    @property
    def score(self) -> float:
        """Total word confidence: garbage read from a wrongly turned page scores low."""
        return sum(w.confidence for w in self.words)

    @property
    def confidence(self) -> float:
        return self.score / len(self.words) if self.words else 0.0


def read_or_fail(image: Image.Image, dpi: float, timeout: float) -> OcrPage | str:
    """The page as read, or why Tesseract could not read it: what a pool worker runs."""
    try:
        return ocr_image(image, dpi, timeout)
    except OcrFailed as exc:
        return str(exc)


def settings() -> dict[str, object]:
    """Everything besides the image that decides what `ocr_image` reads: the OCR cache's key."""
    return {"engine": engines.version(), "lang": LANG, "psm": PSM,
            "reader": READER_VERSION}


def ocr_image(image: Image.Image, dpi: float, timeout: float) -> OcrPage:
    """Read an 8-bit grayscale page image whose resolution is `dpi`.

    Raises OcrFailed when Tesseract times out or fails on the page, MissingDependencyError
    when Tesseract or its Spanish data is missing.
    """
    from pipeline import raster  # OpenCV: a page read from the OCR cache needs this module, not it

    pixels = np.asarray(image)
    mask = raster.ink_mask(pixels)
    points = 72 / dpi
    if raster.is_blank(mask):
        return OcrPage((), (), (), image.width * points, image.height * points)
    rotation = None
    if raster.looks_sideways(mask):
        rotation = detect_rotation(pixels, dpi, timeout)
    page = _read(pixels, dpi, rotation or 0, timeout, mask)
    if rotation is None and page.words and page.confidence < POOR_CONFIDENCE:
        rotation = detect_rotation(pixels, dpi, timeout)
        if rotation:
            turned = _read(pixels, dpi, rotation, timeout)
            page = turned if turned.score > page.score else page
    kind = None
    if engines.name() != "cli" and doubtful(page, SWITCH_CONFIDENCE, SWITCH_WEAK_SHARE):
        kind = "cli"
        page = _read(pixels, dpi, page.rotation, timeout, kind=kind)
    if doubtful(page, SECOND_LOOK_CONFIDENCE, SECOND_LOOK_WEAK_SHARE):
        again = _read(pixels, dpi, page.rotation, timeout, config=SECOND_LOOK, kind=kind)
        page = again if again.confidence > page.confidence else page
    return page


def doubtful(page: OcrPage, confidence: float, weak_share: float) -> bool:
    """Few words, a mean word confidence under `confidence`, or more than `weak_share` of weak words."""
    if len(page.words) < FEW_WORDS:
        return True
    weak = sum(w.confidence < WEAK_WORD for w in page.words) / len(page.words)
    return page.confidence < confidence or weak > weak_share


def detect_rotation(pixels: np.ndarray, dpi: float, timeout: float) -> int:
    """Clockwise degrees (0/90/180/270) that turn the page upright, by Tesseract OSD; 0 if unsure."""
    try:
        with tempfile.TemporaryDirectory(prefix="osd-", dir=scratch_dir()) as tmp:
            path = engines.write_pgm(pixels, Path(tmp) / "osd.pgm")
            osd = _run(pytesseract.image_to_osd, str(path), config=f"--psm 0 --dpi {round(dpi)}",
                       output_type=pytesseract.Output.DICT, timeout=timeout)
    except OcrFailed:
        return 0  # "Too few characters": nothing to orient by
    return int(osd["rotate"]) % 360 if float(osd["orientation_conf"]) >= OSD_MIN_CONFIDENCE else 0


def _read(pixels: np.ndarray, dpi: float, rotation: int, timeout: float, mask: np.ndarray | None = None,
          config: tuple[str, ...] = (), kind: str | None = None) -> OcrPage:
    """Turn, deskew and read the page; boxes come back in points in the turned frame.

    `mask` is the page's ink mask when it is already known for this orientation; `config`,
    more Tesseract variables (SECOND_LOOK); `kind`, the engine if not this process's default.
    """
    from pipeline import raster

    if rotation:
        # np.rot90 turns counter-clockwise for a positive count.
        pixels, mask = np.ascontiguousarray(np.rot90(pixels, -(rotation // 90))), None
    skew = raster.estimate_skew(raster.ink_mask(pixels) if mask is None else mask)
    if abs(skew) >= MIN_SKEW_DEG:
        pixels = raster.level(pixels, skew)
    else:
        skew = 0.0
    left, top, right, bottom = raster.ink_box(pixels, round(INK_MARGIN_IN * dpi))
    pool.reading()
    try:
        tsv = engines.engine(LANG, PSM, kind).read(pixels[top:bottom, left:right], round(dpi), ALWAYS + config, timeout)
    except tesseract.StreamFailed as exc:
        raise OcrFailed(str(exc)) from None
    points = 72 / dpi
    width, height = pixels.shape[1] * points, pixels.shape[0] * points
    words, ids = _words(tsv, points, (width, height), (left, top))
    rules = tuple(Rule(r.x0 * points, r.x1 * points, r.y * points) for r in raster.horizontal_rules(pixels, dpi))
    return OcrPage(tuple(words), tuple(ids), rules, width, height, rotation, skew)


def _words(tsv: str, points: float, size: tuple[float, float],
           origin: tuple[int, int]) -> tuple[list[Word], list[tuple[int, int, int]]]:
    """Tesseract's TSV word rows as Words (confidence 0–1), dropping empty words and noise: cell
    borders, specks, and the dark edge of the scanner bed read as letters. Tesseract read the
    crop whose top-left corner is `origin` (pixels) on the page.

    The TSV is split here rather than by pytesseract's dict output, whose cell-by-cell parse
    cost ~0.03 s a page."""
    words, ids = [], []
    for row in tsv.splitlines():  # level page block par line word left top width height conf text
        cells = row.split("\t", 11)
        if len(cells) < 12 or cells[0] != "5":
            continue
        text = cells[11].strip().strip(RULING_CHARS_TEXT)  # "|PROTECCIÓN": a cell border glued on
        confidence = float(cells[10]) / 100
        if not text or confidence < 0:
            continue
        left, top, width, height = (int(c) for c in cells[6:10])
        left, top = left + origin[0], top + origin[1]
        wordlike = any(c.isalnum() for c in text)
        speck = max(width, height) * points < SPECK_PT and (confidence < SPECK_CONFIDENCE or not wordlike)
        if speck or (confidence < JUNK_CONFIDENCE and not wordlike):
            continue
        box = (left * points, top * points, (left + width) * points, (top + height) * points)
        if confidence < EDGE_CONFIDENCE and _at_edge(box, size):
            continue
        words.append(Word(text, box, confidence))
        ids.append((int(cells[2]), int(cells[3]), int(cells[4])))
    return words, ids


def _at_edge(box: tuple[float, float, float, float], size: tuple[float, float]) -> bool:
    """The box lies in the outer strip of the page, where scans show the scanner's dark edge."""
    x0, top, x1, bottom = box
    width, height = size
    return (x1 < EDGE_STRIP * width or x0 > (1 - EDGE_STRIP) * width
            or bottom < EDGE_STRIP * height or top > (1 - EDGE_STRIP) * height)


def _run(call, *args, **kwargs):
    """Call pytesseract, turning its failures into ours."""
    try:
        return call(*args, **kwargs)
    except pytesseract.TesseractNotFoundError:
        raise tesseract.not_installed() from None
    except pytesseract.TesseractError as exc:
        message = str(exc.message).strip().splitlines()
        if any("Failed loading language" in line for line in message):
            raise tesseract.no_language(LANG) from None
        raise OcrFailed(f"tesseract failed: {message[-1] if message else exc.status}") from None
    except RuntimeError as exc:  # pytesseract's timeout
        raise OcrFailed(f"tesseract {exc}".lower()) from None
