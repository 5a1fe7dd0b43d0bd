"""CLI: run the benchmark sets, write out/bench/<name>.json and <name>.md, print the table."""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from pipeline.files import atomic_write_text
from tests.bench.report import as_json, markdown
from tests.bench.suite import Config, compare, legacy_set, pairs_set, scan_set

QUICK_CODES = ("BP1_AH", "LA1_ISE")
"""The --quick smoke run: one buena práctica and one lección, one level, every measure."""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="smoke run: two fichas, typical level only (about a minute)")
    ap.add_argument("--levels", default="clean,typical,poor", help="scan levels to generate (default: %(default)s)")
    ap.add_argument("--compare-level", default="typical", help="level whose pages also go through the baselines")
    ap.add_argument("--seed", type=int, default=7, help="generator seed (default: %(default)s)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes for the baselines (default: cores)")
    ap.add_argument("--out", type=Path, default=Path("out/bench"), help="folder for the results (default: %(default)s)")
    ap.add_argument("--name", help="result file name (default: quick or default)")
    args = ap.parse_args(argv)
    config = Config(tuple(args.levels.split(",")), args.compare_level, args.seed, None, args.jobs)
    if args.quick:
        config = replace(config, levels=("typical",), compare_level="typical", codes=QUICK_CODES)
    name = args.name or ("quick" if args.quick else "default")
    command = "python -m tests.bench" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()

    started = time.perf_counter()
    sets = [legacy_set(), pairs_set()]
    compared = None
    with tempfile.TemporaryDirectory() as tmp:
        for level in config.levels:
            print(f"[bench] scans at level {level} ...", file=sys.stderr, flush=True)
            scan, pdfs, truths = scan_set(level, config, Path(tmp), against_cli=level == config.compare_level)
            sets.append(scan)
            if level == config.compare_level:
                compared = (scan, pdfs, truths)
        if compared:
            print("[bench] baselines on the same pages ...", file=sys.stderr, flush=True)
            compare(*compared, config.jobs)
    rows = as_json(sets)
    result = {"command": command, "seed": config.seed, "levels": list(config.levels), "codes": config.codes,
              "jobs": config.jobs, "cores": os.cpu_count(), "seconds": time.perf_counter() - started,
              "sets": rows}
    args.out.mkdir(parents=True, exist_ok=True)
    text = markdown(rows, command)
    atomic_write_text(args.out / f"{name}.json", json.dumps(result, ensure_ascii=False, indent=2))
    atomic_write_text(args.out / f"{name}.md", text)
    print(text)
    print(f"[bench] {result['seconds']:.0f} s; written {args.out / name}.json and .md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
