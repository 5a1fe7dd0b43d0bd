"""Soak test: a generated batch read by `fichas run` once without interruption (A) and once killed
with SIGKILL again and again and resumed (B); the outputs must come out the same, and the main
process's peak memory must not grow with the number of documents.

    .venv/bin/python -m tests.soak [--docs 1000] [--kills 20] [--seed 0] [--work out/soak] [--jobs 2]

The batch (tests/soak/batch.py): mostly legacy OCR text, some narrative text, ~1 % small scans,
~3 % broken files. B starts as a folder a user ran before (a complete run over the first 5 %),
then each run is killed at a moment drawn from the seed and started again, then one runs to
the end. Compared: fichas.json (parsed), fichas.csv and campos.csv (bytes), the manifest and
documents/*.json apart from times, the exit codes; no temporary file may stay in B. Memory:
VmHWM of run A's main process at 100, 500 and all documents done, and the peak of writing
the outputs of that many. Full size takes ~6 minutes on 2 cores (the first time ~3 more:
scangen renders and reads the sources, cached in tests/.cache). The work folder keeps the
batch, both output folders, every run's log, report.md and report.json.
Exit 1 when anything differs, a planned kill did not land, or the memory grows.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from tests.soak.check import ROOT, markdown, soak


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.soak", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1000, help="documents in the batch (default 1000)")
    ap.add_argument("--kills", type=int, default=20, help="SIGKILLs of run B (default 20)")
    ap.add_argument("--seed", type=int, default=0, help="draws the batch and the kill moments (default 0)")
    ap.add_argument("--work", type=Path, default=ROOT / "out" / "soak", help="work folder (default out/soak)")
    ap.add_argument("--jobs", type=int, default=2, help="fichas run --jobs (default 2)")
    args = ap.parse_args(argv)
    log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    report = soak(args.docs, args.kills, args.seed, args.work.resolve(), args.jobs, log)
    command = "python -m tests.soak " + " ".join(argv if argv is not None else sys.argv[1:])
    text = markdown(report, command.strip())
    (args.work / "report.md").write_text(text, "utf-8")
    (args.work / "report.json").write_text(json.dumps({**asdict(report), "ok": report.ok}, indent=1), "utf-8")
    print(text)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
