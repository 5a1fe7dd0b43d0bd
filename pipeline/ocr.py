"""A page image → words with boxes, by Tesseract, after turning the page upright and deskewing it.

Measured on this 2-core machine (shared, ±15%): an A4 ficha page scanned at 250 dpi costs ~1.6 s
of Tesseract CPU with `OMP_THREAD_LIMIT=1` (2–3 s at 300 dpi), plus ~0.09 s of image work of our
own (drawing the scan, ink mask, skew, levelling, rulings); two pages run at once, ~0.85 s per
page for a whole scanned PDF. Orientation detection (OSD, ~0.8 s) runs
only when the page looks turned on its side (a numpy projection test) or when the first
reading comes back with poor confidence (an upside-down page does): a 90° page costs ~1.3 s
more, a 180° page about twice an upright one; no OSD ran on 56 upright generated ficha pages.

Tesseract gets an uncompressed PGM file and the resolution on its command line: handing
pytesseract a PIL image costs a PNG encode per call, and a PGM carries no resolution.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytesseract
from PIL import Image

from pipeline import raster
from pipeline.errors import MissingDependencyError
from pipeline.lines import Rule
from pipeline.records import Word

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
READER_VERSION = 2
"""Bump when the image analysis or the word filters below change what a page reads as: cached
readings made by another version are then read again."""
RULING_CHARS_TEXT = "|¦"
"""A vertical cell border read as text, alone or glued to a word; the catalogue never prints these."""

_CLOCKWISE = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}
"""PIL's transposes turn counter-clockwise; these turn the page clockwise by the key's degrees."""


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
    return {"engine": str(_run(pytesseract.get_tesseract_version)), "lang": LANG, "psm": PSM,
            "reader": READER_VERSION}


def ocr_image(image: Image.Image, dpi: float, timeout: float) -> OcrPage:
    """Read an 8-bit grayscale page image whose resolution is `dpi`.

    Raises OcrFailed when Tesseract times out or fails on the page, MissingDependencyError
    when Tesseract or its Spanish data is missing.
    """
    mask = raster.ink_mask(image)
    points = 72 / dpi
    if raster.is_blank(mask):
        return OcrPage((), (), (), image.width * points, image.height * points)
    with tempfile.TemporaryDirectory(prefix="fichas-ocr-") as tmp:
        workdir = Path(tmp)
        rotation = None
        if raster.looks_sideways(mask):
            rotation = detect_rotation(image, dpi, workdir, timeout)
        page = _read(image, dpi, rotation or 0, workdir, timeout, mask)
        if rotation is None and page.words and page.confidence < POOR_CONFIDENCE:
            rotation = detect_rotation(image, dpi, workdir, timeout)
            if rotation:
                turned = _read(image, dpi, rotation, workdir, timeout)
                page = turned if turned.score > page.score else page
    return page


def detect_rotation(image: Image.Image, dpi: float, workdir: Path, timeout: float) -> int:
    """Clockwise degrees (0/90/180/270) that turn the page upright, by Tesseract OSD; 0 if unsure."""
    path = _write(image, workdir / "osd.pgm")
    try:
        osd = _run(pytesseract.image_to_osd, str(path), config=f"--psm 0 --dpi {round(dpi)}",
                   output_type=pytesseract.Output.DICT, timeout=timeout)
    except OcrFailed:
        return 0  # "Too few characters": nothing to orient by
    return int(osd["rotate"]) % 360 if float(osd["orientation_conf"]) >= OSD_MIN_CONFIDENCE else 0


def _read(image: Image.Image, dpi: float, rotation: int, workdir: Path, timeout: float,
          mask: np.ndarray | None = None) -> OcrPage:
    """Turn, deskew and read the page; boxes come back in points in the turned frame.

    `mask` is the page's ink mask when it is already known for this orientation.
    """
    if rotation:
        image, mask = image.transpose(_CLOCKWISE[rotation]), None
    skew = raster.estimate_skew(raster.ink_mask(image) if mask is None else mask)
    if abs(skew) >= MIN_SKEW_DEG:
        image = raster.level(image, skew)
    else:
        skew = 0.0
    inked = raster.ink_box(image, round(INK_MARGIN_IN * dpi))
    path = _write(image.crop(inked), workdir / "page.pgm")
    data = _run(pytesseract.image_to_data, str(path), lang=LANG, config=f"--psm {PSM} --dpi {round(dpi)}",
                output_type=pytesseract.Output.DICT, timeout=timeout)
    points = 72 / dpi
    words, ids = _words(data, points, (image.width * points, image.height * points), inked[:2])
    rules = tuple(Rule(r.x0 * points, r.x1 * points, r.y * points) for r in raster.horizontal_rules(image, dpi))
    return OcrPage(tuple(words), tuple(ids), rules, image.width * points, image.height * points, rotation, skew)


def _words(data: dict[str, list], points: float, size: tuple[float, float],
           origin: tuple[int, int]) -> tuple[list[Word], list[tuple[int, int, int]]]:
    """Tesseract's word rows as Words (confidence 0–1), dropping empty words and noise: cell
    borders, specks, and the dark edge of the scanner bed read as letters. Tesseract read the
    crop whose top-left corner is `origin` (pixels) on the page."""
    words, ids = [], []
    for i, text in enumerate(data["text"]):
        text = text.strip().strip(RULING_CHARS_TEXT)  # "|PROTECCIÓN": a cell border glued on
        confidence = float(data["conf"][i]) / 100
        if data["level"][i] != 5 or not text or confidence < 0:
            continue
        left, top = data["left"][i] + origin[0], data["top"][i] + origin[1]
        width, height = data["width"][i], data["height"][i]
        wordlike = any(c.isalnum() for c in text)
        speck = max(width, height) * points < SPECK_PT and (confidence < SPECK_CONFIDENCE or not wordlike)
        if speck or (confidence < JUNK_CONFIDENCE and not wordlike):
            continue
        box = (left * points, top * points, (left + width) * points, (top + height) * points)
        if confidence < EDGE_CONFIDENCE and _at_edge(box, size):
            continue
        words.append(Word(text, box, confidence))
        ids.append((data["block_num"][i], data["par_num"][i], data["line_num"][i]))
    return words, ids


def _at_edge(box: tuple[float, float, float, float], size: tuple[float, float]) -> bool:
    """The box lies in the outer strip of the page, where scans show the scanner's dark edge."""
    x0, top, x1, bottom = box
    width, height = size
    return (x1 < EDGE_STRIP * width or x0 > (1 - EDGE_STRIP) * width
            or bottom < EDGE_STRIP * height or top > (1 - EDGE_STRIP) * height)


def _write(image: Image.Image, path: Path) -> Path:
    """An uncompressed file Tesseract reads directly (no PNG encode, ~10 ms)."""
    image.save(path)
    return path


def _run(call, *args, **kwargs):
    """Call pytesseract, turning its failures into ours."""
    try:
        return call(*args, **kwargs)
    except pytesseract.TesseractNotFoundError:
        raise MissingDependencyError(
            "tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-spa"
        ) from None
    except pytesseract.TesseractError as exc:
        message = str(exc.message).strip().splitlines()
        if any("Failed loading language" in line for line in message):
            raise MissingDependencyError(
                f"Tesseract has no '{LANG}' language data: apt-get install tesseract-ocr-{LANG}"
            ) from None
        raise OcrFailed(f"tesseract failed: {message[-1] if message else exc.status}") from None
    except RuntimeError as exc:  # pytesseract's timeout
        raise OcrFailed(f"tesseract {exc}".lower()) from None
