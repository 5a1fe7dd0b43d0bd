"""CLI: run the benchmark sets, write out/bench/<name>.json and <name>.md, print the tables."""
from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from tests.bench.report import as_json, markdown, save
from tests.bench.suite import Config, Templates, compare, generated_set, legacy_set, pairs_set
from tests.scangen import FAMILIES

QUICK_CODES = ("BP1_AH", "LA1_ISE", "BP1_GF", "LA1_ME")
"""The --quick smoke run: a buena práctica and a lección of the seen and of the unseen fichas."""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: four fichas, catalogo typical scans and every family's digital PDF (a few minutes)")
    ap.add_argument("--levels", default=",".join(Config.levels),
                    help="digital, legacy-gen (tesseract -l eng text of clean scans), clean, typical, poor (default: %(default)s)")
    ap.add_argument("--families", default=",".join(FAMILIES), help="layout families (default: %(default)s)")
    ap.add_argument("--contents", default="seen,unseen", help="seen (the gold fichas) and/or unseen (default: %(default)s)")
    ap.add_argument("--compare-level", default="typical",
                    help="level whose catalogo scans also go through the baselines, timed ('none': no comparison)")
    ap.add_argument("--seed", type=int, default=7, help="generator seed (default: %(default)s)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes for the baselines (default: cores)")
    ap.add_argument("--no-ocr-cache", action="store_true", help="OCR every page again (the timed comparison always does)")
    ap.add_argument("--out", type=Path, default=Path("out/bench"), help="folder for the results (default: %(default)s)")
    ap.add_argument("--name", help="result file name (default: quick or default)")
    args = ap.parse_args(argv)
    config = Config(tuple(args.levels.split(",")), tuple(args.families.split(",")), tuple(args.contents.split(",")),
                    None if args.compare_level == "none" else args.compare_level, args.seed, None, args.jobs)
    if args.no_ocr_cache:
        config = replace(config, ocr_cache=None)
    if args.quick:
        config = replace(config, levels=("digital", "typical"), codes=QUICK_CODES)
    name = args.name or ("quick" if args.quick else "default")
    command = "python -m tests.bench" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        templates = Templates(Path(tmp))
        sets = [legacy_set(templates), pairs_set()]
        for level in config.levels:
            for family in config.families:
                if not config.wanted(level, family) or (args.quick and level != "digital" and family != "catalogo"):
                    continue
                for content in config.contents:
                    print(f"[bench] {level} / {family} / {content} ...", file=sys.stderr, flush=True)
                    timed = level == config.compare_level and family == "catalogo" and content == "seen"
                    result, pdfs, truths = generated_set(level, family, content, config, Path(tmp), templates,
                                                         against_cli=timed)
                    sets.append(result)
                    if timed:
                        print("[bench] baselines on the same pages ...", file=sys.stderr, flush=True)
                        compare(result, pdfs, truths, config.jobs)
    result = {"command": command, "date": datetime.date.today().isoformat(), "seed": config.seed, "levels": list(config.levels), "families": list(config.families),
              "codes": config.codes, "jobs": config.jobs, "cores": os.cpu_count(),
              "seconds": time.perf_counter() - started, **as_json(sets)}
    text = markdown(result, command)
    save(args.out, name, result, text)
    print(text)
    print(f"[bench] {result['seconds']:.0f} s; written {args.out / name}.json and .md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
