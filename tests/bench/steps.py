"""Where a scanned page's time goes: each step of `pipeline.ocr` timed on its own, on the same pages.

    .venv/bin/python -m tests.bench.steps [PDF ...] [--dpi 300] [--rounds 3]

Every page is rendered once (gray, at --dpi), then each round runs the steps one after the other,
as `ocr._read` does: ink mask, sideways check, skew estimate, levelling (only where the skew is
over MIN_SKEW_DEG), ink crop, Tesseract (this process's engine, the one the pipeline uses:
`pipeline.engines`; the CLI engine's PGM writing counts in it), the TSV parse, the rulings, and the layout (words → lines). It prints
the seconds per page of each step (the median over the rounds) and its share of the page, so a
step that costs more than it gives shows. Default: the scanned sample in raw/.
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium

from pipeline import engines, ocr, raster
from pipeline.layout import words_to_lines
from pipeline.lines import Rule

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "raw" / "catalogo_muestra_escaneado.pdf"


def pages(pdfs: list[Path], dpi: int) -> list[np.ndarray]:
    images = []
    for path in pdfs:
        document = pdfium.PdfDocument(path)
        images.extend(np.asarray(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
                      for page in document)
        document.close()
    return images


def one_page(pixels: np.ndarray, dpi: int, clock: dict[str, float]) -> None:
    """The steps of ocr._read (no rotation), each added to `clock`."""
    def lap(step: str, started: float) -> float:
        now = time.perf_counter()
        clock[step] += now - started
        return now

    t = time.perf_counter()
    mask = raster.ink_mask(pixels)
    t = lap("ink mask", t)
    raster.looks_sideways(mask)
    t = lap("sideways check", t)
    skew = raster.estimate_skew(mask)
    t = lap("skew estimate", t)
    if abs(skew) >= ocr.MIN_SKEW_DEG:
        pixels = raster.level(pixels, skew)
    t = lap("levelling", t)
    left, top, right, bottom = raster.ink_box(pixels, round(ocr.INK_MARGIN_IN * dpi))
    t = lap("ink crop", t)
    tsv = engines.engine(ocr.LANG, ocr.PSM).read(pixels[top:bottom, left:right], dpi, (), 120)
    t = lap("Tesseract", t)
    points = 72 / dpi
    size = (pixels.shape[1] * points, pixels.shape[0] * points)
    words, ids = ocr._words(tsv, points, size, (left, top))
    t = lap("TSV parse", t)
    rules = tuple(Rule(r.x0 * points, r.x1 * points, r.y * points) for r in raster.horizontal_rules(pixels, dpi))
    t = lap("rulings", t)
    words_to_lines(words, 1, size[0], line_ids=ids, rules=rules)
    lap("layout", t)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.steps", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pdfs", nargs="*", type=Path, default=[SAMPLE])
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    images = pages(args.pdfs, args.dpi)
    rounds: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.rounds):
        clock: dict[str, float] = defaultdict(float)
        for pixels in images:
            one_page(pixels, args.dpi, clock)
        for step, seconds in clock.items():
            rounds[step].append(seconds / len(images))
    engines.close_engines()
    per_page = {step: statistics.median(values) for step, values in rounds.items()}
    total = sum(per_page.values())
    print(f"{len(images)} pages at {args.dpi} dpi, median of {args.rounds} rounds, one Tesseract")
    print("| step | s/page | share |\n|---|---|---|")
    for step, seconds in per_page.items():
        print(f"| {step} | {seconds:.4f} | {seconds / total:.1%} |")
    print(f"| all | {total:.3f} | 100% |")


if __name__ == "__main__":
    main()
