"""CLI: render a gold JSON file (or some of its fichas) to a digital or scanned PDF."""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from .render import DEFAULT_CACHE, render_pdf


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, render, and report pages and time."""
    ap = argparse.ArgumentParser(prog="python -m tests.scangen", description=__doc__)
    ap.add_argument("--gold", type=Path, required=True, help="gold JSON with 'resumen' and 'fichas'")
    ap.add_argument("--level", default="typical", choices=["digital", "clean", "typical", "poor"])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--codes", help="comma-separated codes to print (default: all fichas)")
    ap.add_argument("--texts", type=Path, help="also write the printed page texts, pages split by form feed")
    ap.add_argument("--no-cache", action="store_true")
    args = ap.parse_args(argv)
    gold = json.loads(args.gold.read_text("utf-8"))
    fichas = gold["fichas"]
    if args.codes:
        wanted = args.codes.split(",")
        fichas = [f for f in fichas if f["codigo"] in wanted]
        missing = set(wanted) - {f["codigo"] for f in fichas}
        if missing:
            ap.error(f"codes not in {args.gold}: {', '.join(sorted(missing))}")
    start = time.perf_counter()
    result = render_pdf(fichas, gold["resumen"], args.out, level=args.level, seed=args.seed,
                        cache_dir=None if args.no_cache else DEFAULT_CACHE)
    if args.texts:
        args.texts.write_text("\f".join(result.page_texts), "utf-8")
    print(f"{result.path}: {len(result.page_texts)} pages, {args.level}, {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
