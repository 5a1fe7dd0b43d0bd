"""CLI: render a gold JSON file (or some of its fichas) to a digital or scanned PDF in one family,
and optionally to legacy OCR text (Tesseract without Spanish data)."""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from .legacy import render_legacy
from .render import DEFAULT_CACHE, render_pdf
from .style import HOUSE_STYLES


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, render, and report pages and time."""
    ap = argparse.ArgumentParser(prog="python -m tests.scangen", description=__doc__)
    ap.add_argument("--gold", type=Path, required=True, help="gold JSON with 'resumen' and 'fichas'")
    ap.add_argument("--level", default="typical", choices=["digital", "clean", "typical", "poor"])
    ap.add_argument("--family", default="catalogo", choices=list(HOUSE_STYLES), help="house style")
    ap.add_argument("--out", type=Path, help="the PDF (required unless --legacy is given)")
    ap.add_argument("--legacy", type=Path, help="also write the scan's legacy OCR text (tesseract -l eng)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--codes", help="comma-separated codes to print (default: all fichas)")
    ap.add_argument("--texts", type=Path, help="also write the printed page texts, pages split by form feed")
    ap.add_argument("--no-cache", action="store_true")
    args = ap.parse_args(argv)
    if args.out is None and args.legacy is None:
        ap.error("give --out, --legacy or both")
    if args.legacy and args.level == "digital":
        ap.error("--legacy reads a scan: choose --level clean, typical or poor")
    gold = json.loads(args.gold.read_text("utf-8"))
    fichas = gold["fichas"]
    if args.codes:
        wanted = args.codes.split(",")
        fichas = [f for f in fichas if f["codigo"] in wanted]
        missing = set(wanted) - {f["codigo"] for f in fichas}
        if missing:
            ap.error(f"codes not in {args.gold}: {', '.join(sorted(missing))}")
    start = time.perf_counter()
    options = dict(level=args.level, seed=args.seed, family=args.family,
                   cache_dir=None if args.no_cache else DEFAULT_CACHE)
    outputs = []
    if args.out:
        result = render_pdf(fichas, gold["resumen"], args.out, **options)
        outputs.append(result.path)
    if args.legacy:
        result = render_legacy(fichas, gold["resumen"], args.legacy, **options)
        outputs.append(result.path)
    if args.texts:
        args.texts.write_text("\f".join(result.page_texts), "utf-8")
    print(f"{', '.join(map(str, outputs))}: {len(result.page_texts)} pages, {args.family}, {args.level}, "
          f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
