"""Batch benchmark: `fichas run` over a folder of scanned PDFs, as a user starts it.

    python -m tests.bench.batch [--seed 7] [--out out/bench] [--name batch]

The folder holds one generated `typical` scan per gold ficha (22 PDFs, ~50 pages). Measured,
each run a fresh process (imports and model loading included):
- a full run with `--jobs 2`, then a re-run with nothing new;
- adding one PDF to the batch of the others;
- a full run with `--jobs 1`, for the speed-up of the second core;
- peak memory of the fichas process and of one Tesseract (one OCR worker).
Writes out/bench/<name>.json and .md.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import pypdfium2 as pdfium

from tests.bench.baselines import Measured, measured_fichas
from tests.bench.report import save
from tests.bench.suite import gold_records
from tests.scangen import render_pdf


def scanned_batch(folder: Path, seed: int) -> list[Path]:
    """One typical scan per gold ficha, named by its code."""
    folder.mkdir(parents=True, exist_ok=True)
    pdfs = []
    for records, resumen in gold_records(None).values():
        for record in records:
            rows = [r for r in resumen if r["codigo"] == record["codigo"]]
            pdfs.append(render_pdf([record], rows, folder / f"{record['codigo']}.pdf", level="typical", seed=seed).path)
    return pdfs


def run_cli(inputs: Path, out: Path, *extra: str) -> Measured:
    return measured_fichas(["run", str(inputs), "--out", str(out), "-q", *extra])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.bench.batch", description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path("out/bench"))
    ap.add_argument("--name", default="batch")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print("[bench] generating the scans ...", file=sys.stderr, flush=True)
        pdfs = scanned_batch(root / "scans", args.seed)
        pages = {p.name: len(pdfium.PdfDocument(p)) for p in pdfs}
        raw = root / "raw"
        raw.mkdir()
        for pdf in pdfs:
            shutil.copy(pdf, raw / pdf.name)

        print("[bench] full run, --jobs 2 ...", file=sys.stderr, flush=True)
        full = run_cli(raw, root / "out2", "--jobs", "2")
        again = run_cli(raw, root / "out2", "--jobs", "2")

        print("[bench] adding one PDF ...", file=sys.stderr, flush=True)
        added = pdfs[-1].name
        (raw / added).unlink()
        run_cli(raw, root / "out_add", "--jobs", "2")
        shutil.copy(pdfs[-1], raw / added)
        add_one = run_cli(raw, root / "out_add", "--jobs", "2")
        alone = run_cli(raw / added, root / "out_alone", "--jobs", "2")

        print("[bench] full run, --jobs 1 ...", file=sys.stderr, flush=True)
        single = run_cli(raw, root / "out1", "--jobs", "1")

    total_pages = sum(pages.values())
    result = {
        "command": "python -m tests.bench.batch" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip(),
        "cores": os.cpu_count(), "documents": len(pdfs), "pages": total_pages,
        "full_jobs2": asdict(full), "rerun_nothing_new": asdict(again),
        "add_one": {**asdict(add_one), "document": added, "pages": pages[added]},
        "that_one_alone": asdict(alone),
        "full_jobs1": asdict(single),
        "seconds": time.perf_counter() - started,
    }
    text = markdown(result)
    save(args.out, args.name, result, text)
    print(text)
    return 0


def markdown(r: dict) -> str:
    full, again, add, single = r["full_jobs2"], r["rerun_nothing_new"], r["add_one"], r["full_jobs1"]
    alone = r["that_one_alone"]
    per_page = full["seconds"] / r["pages"]
    rows = [
        ("full run, `--jobs 2`", full["seconds"], f"{per_page:.2f} s/page"),
        ("re-run, nothing new", again["seconds"], f"{again['seconds'] / full['seconds']:.1%} of the full run"),
        (f"add one PDF ({add['pages']} pages) to the other {r['documents'] - 1}", add["seconds"],
         f"{add['seconds'] / add['pages']:.2f} s per new page"),
        ("that PDF alone, into an empty folder", alone["seconds"], "the cost of the new pages plus start-up"),
        ("full run, `--jobs 1`", single["seconds"], f"`--jobs 2` is {single['seconds'] / full['seconds']:.2f}× faster"),
    ]
    lines = [f"Command: `{r['command']}` ({r['documents']} scanned PDFs, {r['pages']} pages, {r['cores']} cores)", "",
             "| run | seconds | |", "|---|---|---|"]
    lines += [f"| {name} | {seconds:.1f} | {note} |" for name, seconds, note in rows]
    lines += ["", f"Peak memory: fichas process {full['process_mb']:.0f} MB (`--jobs 2`), "
                  f"{single['process_mb']:.0f} MB (`--jobs 1`); one Tesseract, i.e. one OCR worker, "
                  f"{full['tesseract_mb']:.0f} MB at most.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
