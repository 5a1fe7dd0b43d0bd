"""Speed against the bare OCR engine, taking turns: `fichas run` end to end against the plain
`tesseract` CLI on the same pages.

    python -m tests.bench.speed [--pages 12] [--rounds 3] [--jobs 2] [--whole] [--out out/bench]

One document: the first --pages pages of a generated typical scan (catalogo family, seen
fichas). Each round runs, one after the other on the same quiet machine:
- `fichas run DOC --out FRESH` in a fresh process (start-up, imports and model loading
  included), with each OCR engine (`FICHAS_OCR_ENGINE`);
- the same with `--jobs 1`, for what the second core gives;
- `tesseract PAGE.pgm - -l spa --dpi DPI`, one process per page, --jobs at a time, on the very
  page images fichas reads (its own rendering, saved once);
- each engine alone on those images, in this process: no fichas around it.
--whole adds every typical scan of the benchmark (every family, seen and unseen fichas), read as
one batch: WHOLE_ROUNDS rounds of `fichas run` (`--jobs N`) and the CLI taking turns, then one
`fichas run --jobs 1`. Peak memory: the fichas process (VmHWM, which holds the in-process
engines) and the largest Tesseract process (a CLI engine's worker).
Writes out/bench/<name>.json and .md; the ratios are CLI seconds over fichas seconds, medians of the rounds.
"""
from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from pipeline import engines, ocr
from tests.bench.baselines import PageImage, measured_fichas, page_images, tesseract_cli
from tests.bench.report import save
from tests.bench.suite import content_records
from tests.scangen import FAMILIES, render_pdf

ENGINES = ("tesserocr", "cli")
WHOLE_ROUNDS = 2
"""Rounds of fichas and the CLI over the whole set, taking turns: one run each let a slow spell of
this shared machine fall on one side only (1.15× to 1.30× on the same code). Shares of the set
taken in turns would make fichas pay its start-up and its last page's wait once per share
instead (a trial on a loaded machine: 5 documents in 5 shares, 107 s; as one batch, 89 s)."""


def one_document(folder: Path, pages: int, seed: int) -> Path:
    """The first `pages` pages of a typical scan of the seen fichas, areas one after the other."""
    whole = pdfium.PdfDocument.new()
    for area, (records, resumen) in content_records("seen", None).items():
        scan = render_pdf(records, resumen, folder / f"seen-{area}.pdf", level="typical", seed=seed, family="catalogo")
        source = pdfium.PdfDocument(scan.path)
        whole.import_pages(source, list(range(min(len(source), pages - len(whole)))))
        if len(whole) >= pages:
            break
    path = folder / f"catalogo-typical-{pages}p.pdf"
    whole.save(path)
    return path


def every_scan(folder: Path, seed: int) -> list[Path]:
    """Every typical scan of the benchmark: each family, seen and unseen fichas."""
    scans = []
    for family in FAMILIES:
        for content in ("seen", "unseen"):
            for area, (records, resumen) in content_records(content, None).items():
                scans.append(render_pdf(records, resumen, folder / f"{content}-{area}-{family}.pdf",
                                        level="typical", seed=seed, family=family).path)
    return scans


def engine_alone(kind: str, images: list[PageImage], jobs: int) -> float:
    """Seconds for `jobs` threads, each with its own engine of this kind, to read the images."""
    pixels = [(np.asarray(Image.open(image.path)), round(image.dpi)) for image in images]

    def read(item: tuple[np.ndarray, int]) -> str:
        return engines.engine(ocr.LANG, ocr.PSM, kind).read(item[0], item[1], (), 600)

    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(read, pixels))
    seconds = time.perf_counter() - start
    engines.close_engines()
    return seconds


def fichas(inputs: list[Path], out: Path, jobs: int, engine: str | None = None) -> dict:
    env = {engines.ENGINE_VARIABLE: engine} if engine else None
    measured = measured_fichas(["run", *map(str, inputs), "--out", str(out), "-q", "--jobs", str(jobs)], env)
    return asdict(measured)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.bench.speed", description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--whole", action="store_true", help="also time the whole typical benchmark set")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path("out/bench"))
    ap.add_argument("--name", default="speed")
    args = ap.parse_args(argv)
    kinds = [k for k in ENGINES if k == "cli" or engines.name() == "tesserocr"]
    rounds: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print("[bench] generating the scan ...", file=sys.stderr, flush=True)
        document = one_document(root, args.pages, args.seed)
        (root / "images").mkdir()
        images = page_images([document], root / "images")
        for n in range(args.rounds):
            print(f"[bench] round {n + 1} of {args.rounds} ...", file=sys.stderr, flush=True)
            turn: dict = {}
            for kind in kinds:
                turn[f"fichas_{kind}"] = fichas([document], root / f"out-{n}-{kind}", args.jobs, kind)
                turn[f"fichas_{kind}_jobs1"] = fichas([document], root / f"out-{n}-{kind}-1", 1, kind)
            turn["tesseract_cli"] = tesseract_cli(images, args.jobs).seconds
            for kind in kinds:
                turn[f"{kind}_alone"] = engine_alone(kind, images, args.jobs)
            rounds.append(turn)
        whole = None
        if args.whole:
            print("[bench] the whole typical set ...", file=sys.stderr, flush=True)
            scans = every_scan(root / "whole", args.seed)
            (root / "whole-images").mkdir()
            whole_images = page_images(scans, root / "whole-images")
            whole = {"documents": len(scans), "pages": len(whole_images), "rounds": []}
            for n in range(WHOLE_ROUNDS):
                print(f"[bench] the whole typical set, round {n + 1} of {WHOLE_ROUNDS} ...", file=sys.stderr, flush=True)
                whole["rounds"].append({"fichas": fichas(scans, root / f"out-whole-{n}", args.jobs),
                                        "tesseract_cli": tesseract_cli(whole_images, args.jobs).seconds})
            whole["fichas_jobs1"] = fichas(scans, root / "out-whole-jobs1", 1)
    result = {"command": "python -m tests.bench.speed" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip(),
              "date": datetime.date.today().isoformat(), "cores": os.cpu_count(), "jobs": args.jobs, "pages": len(images), "dpi": sorted({i.dpi for i in images}),
              "default_engine": engines.version(), "engines": kinds, "rounds": rounds, "whole": whole}
    text = markdown(result)
    save(args.out, args.name, result, text)
    print(text)
    return 0


def whole_set(whole: dict) -> dict[str, float]:
    """The whole set's figures: mean seconds of fichas and of the CLI over the rounds, the ratio of
    their sums, `--jobs 1` seconds, and the fichas process's peak memory (MB)."""
    fichas_seconds = sum(r["fichas"]["seconds"] for r in whole["rounds"])
    cli_seconds = sum(r["tesseract_cli"] for r in whole["rounds"])
    rounds = len(whole["rounds"])
    return {"fichas": fichas_seconds / rounds, "tesseract_cli": cli_seconds / rounds, "ratio": cli_seconds / fichas_seconds,
            "fichas_jobs1": whole["fichas_jobs1"]["seconds"],
            "process_mb": max(r["fichas"]["process_mb"] for r in whole["rounds"]),
            "process_mb_jobs1": whole["fichas_jobs1"]["process_mb"]}


def markdown(r: dict) -> str:
    rounds = r["rounds"]

    def median(key: str, field: str | None = "seconds") -> float:
        return statistics.median(t[key][field] if field else t[key] for t in rounds)

    cli = median("tesseract_cli", None)
    lines = [f"Command: `{r['command']}` — one {r['pages']}-page typical scan ({', '.join(f'{d:g}' for d in r['dpi'])} dpi), "
             f"{r['cores']} cores, `--jobs {r['jobs']}`, {len(rounds)} rounds taking turns (medians). "
             f"Default engine here: {r['default_engine']}.", "",
             "| run | seconds | s/page | CLI ÷ this | peak MB (fichas process · one Tesseract) |", "|---|---|---|---|---|",
             f"| `tesseract` CLI, {r['jobs']} at a time, on fichas' page images | {cli:.1f} | {cli / r['pages']:.2f} | 1.00× | |"]
    for kind in r["engines"]:
        for suffix, label in (("", f"`--jobs {r['jobs']}`"), ("_jobs1", "`--jobs 1`")):
            key = f"fichas_{kind}{suffix}"
            seconds = median(key)
            memory = f"{median(key, 'process_mb'):.0f} · {median(key, 'tesseract_mb'):.0f}"
            lines.append(f"| fichas run, engine `{kind}`, {label}, end to end | {seconds:.1f} | {seconds / r['pages']:.2f} "
                         f"| {cli / seconds:.2f}× | {memory} |")
        seconds = median(f"{kind}_alone", None)
        lines.append(f"| engine `{kind}` alone, {r['jobs']} threads | {seconds:.1f} | {seconds / r['pages']:.2f} | {cli / seconds:.2f}× | |")
    for kind in r["engines"]:
        lines.append(f"\n`--jobs 1` → `--jobs {r['jobs']}` with engine `{kind}`: "
                     f"{median(f'fichas_{kind}_jobs1') / median(f'fichas_{kind}'):.2f}× faster.")
    if r["whole"]:
        w = r["whole"]
        figures = whole_set(w)
        each = ", ".join(f"{t['tesseract_cli'] / t['fichas']['seconds']:.2f}×" for t in w["rounds"])
        lines += ["", f"Whole typical set ({w['documents']} documents, {w['pages']} pages, {len(w['rounds'])} rounds taking "
                      f"turns, means): fichas {figures['fichas']:.0f} s, the CLI {figures['tesseract_cli']:.0f} s: "
                      f"**{figures['ratio']:.2f}×** (by round: {each}); `--jobs 1` {figures['fichas_jobs1']:.0f} s "
                      f"({figures['fichas_jobs1'] / figures['fichas']:.2f}× slower); peak memory of the fichas process "
                      f"{figures['process_mb']:.0f} MB (`--jobs 1`: {figures['process_mb_jobs1']:.0f} MB)."]
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
