"""Legacy OCR text: a scan read by Tesseract without Spanish data, as the old text dumps were made.

The seed dump (tests/data/seeds/000_*.part1.txt) came from the English model: accents and ñ
mangled (poblacién, nifios), BP1 read as BPI, two-column tables flattened and interleaved.
Running the real `tesseract -l eng` over a rendered scan gives the same kind of damage, but
with a known ground truth, in any family.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pypdfium2 as pdfium

from .render import DEFAULT_CACHE, ScanLevel, cache_key, entry_for, render_pdf


@dataclass(frozen=True)
class LegacyResult:
    """The written text file and, per page, the text as printed (the OCR's ground truth)."""

    path: Path
    page_texts: list[str]


@cache
def tesseract_version() -> str:
    """`tesseract --version` as printed: another Tesseract reads otherwise, so it is part of the cache key."""
    if shutil.which("tesseract") is None:
        raise FileNotFoundError("tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-eng")
    return subprocess.run(["tesseract", "--version"], capture_output=True, text=True, check=True).stdout


def render_legacy(
    records: list[dict],
    resumen: list[dict],
    out_txt: Path,
    *,
    family: str,
    seed: int,
    level: ScanLevel = "clean",
    cache_dir: Path | None = DEFAULT_CACHE,
) -> LegacyResult:
    """Render the scan of `records` and write its `tesseract -l eng` text to `out_txt`, cached.

    The pages are joined the seed dump's way (a page's first line opens with one space, no
    form feed) or with form feeds, as the seed draws.
    """
    if level == "digital":
        raise ValueError("legacy text is the OCR of a scan: choose a scan level (clean, typical, poor)")
    key = cache_key(records, resumen, "legacy", level, seed, family, tesseract_version())
    def fill(entry: Path) -> None:
        ocr_scan(entry, records, resumen, level, seed, family, cache_dir)

    with entry_for(cache_dir, key, fill) as entry:
        out_txt = Path(out_txt)
        out_txt.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(entry / "legacy.txt", out_txt)
        return LegacyResult(out_txt, json.loads((entry / "texts.json").read_text("utf-8")))


def ocr_scan(entry: Path, records: list[dict], resumen: list[dict], level: ScanLevel, seed: int, family: str,
             cache_dir: Path | None) -> None:
    """Render the scan, read its pages two at a time, store legacy.txt and texts.json in `entry`."""
    scan = render_pdf(records, resumen, entry / "scan.pdf", level=level, seed=seed, family=family,
                      cache_dir=cache_dir)
    pages = page_images(scan.path, scan.dpi)
    scan.path.unlink()
    with ThreadPoolExecutor(2) as pool:
        texts = list(pool.map(lambda image: tesseract(image, scan.dpi), pages))
    form_feeds = random.Random(f"{seed}:legacy").random() < 0.5
    (entry / "legacy.txt").write_text(join_pages(texts, form_feeds), "utf-8")
    (entry / "texts.json").write_text(json.dumps(scan.page_texts, ensure_ascii=False), "utf-8")


def page_images(pdf_path: Path, dpi: int) -> list[bytes]:
    """Each page of a scanned PDF as a greyscale PGM at the scan's resolution."""
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        images = []
        for page in pdf:
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            images.append(f"P5 {image.width} {image.height} 255\n".encode() + image.tobytes())
        return images
    finally:
        pdf.close()


def tesseract(image: bytes, dpi: int) -> str:
    """Plain text of one page image, English model, default page segmentation, one thread."""
    return subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", "eng", "--dpi", str(dpi)], input=image, capture_output=True,
        check=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    ).stdout.decode("utf-8")


def join_pages(pages: list[str], form_feeds: bool) -> str:
    """One text file: Tesseract's own form-feed separated pages, or the seed dump's join, where each
    page's first line opens with one space and no other line keeps leading spaces."""
    if form_feeds:
        return "\f".join(pages)
    return "".join(" " + "\n".join(line.lstrip() for line in page.strip().splitlines()) + "\n" for page in pages)
