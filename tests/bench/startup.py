"""Start-up benchmark: how long `fichas run` takes before its first page, and end to end on tiny inputs.

    python -m tests.bench.startup [--runs 7] [--out out/bench]

Every figure is the median of RUNS fresh processes (spread: min–max), timed from just
before the process is spawned:
- `python -c pass` (the interpreter alone: the floor), `fichas --help`;
- a no-op re-run: a one-line text file already extracted into OUT;
- first page: until `pipeline.run.process_document` is first called, i.e. the batch is set
  up (inputs hashed, template and OCR pool ready, the repair lexicon building in the
  background) and the first document is about to be read; first page with Tesseract: until an
  OCR engine is first handed a page (the PDF opened, the page drawn, levelled and cropped:
  what a user waits for before the first page is being read); then end to end (to exit), for
  - a one-line text file (no ficha in it: no extraction),
  - one ficha of the old OCR text (`raw/catalogo_oim_ocr_antiguo.txt`, its first ficha),
  - a 1-page scan (PNG: page 5 of `raw/catalogo_muestra_escaneado.pdf`, the start of LA1_AH, at 200 dpi) and the
    same page as a 1-page scanned PDF: cold (fresh OUT: Tesseract reads it) and warm (the
    OCR cache of an earlier run kept, its result and manifest removed: no Tesseract);
- in-process loads, each in a fresh interpreter: the repair lexicon (`base_lexicon()`), the
  entity pipeline with its gazetteer (`entity_pipeline`), the repairer of the default template.
Writes OUT/startup.json and prints a table.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKS = {"first_page": ("FICHAS_BENCH_FIRST_PAGE", "pipeline.run", ("process_document",)),
         "first_ocr": ("FICHAS_BENCH_FIRST_OCR", "pipeline.engines", ("InProcess.read", "Cli.read"))}
"""What the child marks, by measure: (environment variable naming the mark file, module, its
functions whose first call is the moment)."""

CHILD = r"""
import importlib.util, os, sys, time

MARKS = %r

class _Marks:
    # Wraps the marked functions of each module when it is first imported: the first call of
    # any of them writes the monotonic clock (system-wide on Linux) to the file named by the
    # measure's environment variable.
    def find_spec(self, name, path=None, target=None):
        marks = [(env, names) for env, module, names in MARKS.values() if module == name and env in os.environ]
        if not marks:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        run_module = spec.loader.exec_module

        def exec_module(module):
            run_module(module)
            for env, names in marks:
                for qualified in names:
                    owner, _, attr = qualified.rpartition(".")
                    holder = getattr(module, owner) if owner else module
                    setattr(holder, attr, _marking(getattr(holder, attr), env))

        spec.loader.exec_module = exec_module
        return spec


def _marking(real, env):
    def marked(*args, **kwargs):
        if not os.path.exists(os.environ[env]):
            with open(os.environ[env], "w") as fh:
                fh.write(repr(time.monotonic()))
        return real(*args, **kwargs)
    return marked


sys.meta_path.insert(0, _Marks())
sys.argv = ["fichas", *sys.argv[1:]]
from pipeline.cli import finish, main
finish(main(sys.argv[1:]))
""" % (MARKS,)

LOADS = {
    "lexicon": "from corrections.lexicon import base_lexicon as f; f()",
    "entity pipeline": "from extractors.entities import entity_pipeline as f; "
                       "from extractors.template import DATA_DIR; f(DATA_DIR / 'lugares_ecuador.yml')",
    "repairer": "from pipeline.run import repairer_for as f; from extractors.template import DEFAULT_TEMPLATE; "
                "f(DEFAULT_TEMPLATE)",
}


def timed(argv: list[str], work: Path | None = None) -> tuple[float, dict[str, float]]:
    """Seconds from spawn to exit, and to each mark the run reached (`MARKS`) when `work` is
    given (the folder for the mark files)."""
    env = dict(os.environ)
    files = {}
    if work is not None:
        for measure, (variable, _, _) in MARKS.items():
            files[measure] = work / measure
            files[measure].unlink(missing_ok=True)
            env[variable] = str(files[measure])
    started = time.monotonic()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    ended = time.monotonic()
    if done.returncode not in (0, 2):
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return ended - started, {m: float(f.read_text()) - started for m, f in files.items() if f.exists()}


def in_process(code: str) -> float:
    """Seconds `code` takes inside a fresh interpreter, its imports included."""
    wrapped = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    done = subprocess.run([sys.executable, "-c", wrapped], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(done.stdout.split()[-1])


def summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3), "runs": len(values)}


def make_inputs(folder: Path) -> dict[str, Path]:
    import pypdfium2 as pdfium

    one_line = folder / "one.txt"
    one_line.write_text("Catálogo de lecciones aprendidas\n", encoding="utf-8")
    legacy = (ROOT / "raw" / "catalogo_oim_ocr_antiguo.txt").read_text(encoding="utf-8")
    starts = [m.start() for m in re.finditer(r"(?m)^.*[ÁA]REA A LA QUE CORRESPONDE", legacy)]
    one_ficha = folder / "ficha.txt"
    one_ficha.write_text(legacy[starts[0]:starts[1]] if len(starts) > 1 else legacy, encoding="utf-8")
    source = pdfium.PdfDocument(ROOT / "raw" / "catalogo_muestra_escaneado.pdf")
    image = source[4].render(scale=200 / 72, grayscale=True).to_pil()
    png = folder / "page.png"
    image.save(png, dpi=(200, 200))
    single = pdfium.PdfDocument.new()
    single.import_pages(source, [4])
    pdf = folder / "page.pdf"
    single.save(pdf)
    return {"one-line text": one_line, "one-ficha text": one_ficha, "1-page scan (PNG)": png,
            "1-page scan (PDF)": pdf}


def measure(runs: int, work: Path) -> dict:
    fichas = [sys.executable, "-c", CHILD]
    results: dict[str, dict] = {}

    def repeat(name: str, prepare, argv: list[str], with_marks: bool = False) -> None:
        totals: list[float] = []
        marks: dict[str, list[float]] = {}
        for _ in range(runs):
            prepare()
            total, reached = timed(argv, work if with_marks else None)
            totals.append(total)
            for measure, seconds in reached.items():
                marks.setdefault(measure, []).append(seconds)
        results[name] = {"end_to_end": summary(totals), **{m: summary(v) for m, v in marks.items()}}
        print(f"  {name}: {results[name]}", file=sys.stderr)

    def nothing() -> None:
        pass

    repeat("python -c pass", nothing, [sys.executable, "-c", "pass"])
    repeat("fichas --help", nothing, fichas + ["--help"])
    inputs = make_inputs(work)
    out = work / "out"

    def fresh() -> None:
        shutil.rmtree(out, ignore_errors=True)

    def keep_cache() -> None:
        for name in ("manifest.json", "fichas.json", "fichas.csv", "campos.csv"):
            (out / name).unlink(missing_ok=True)
        shutil.rmtree(out / "documents", ignore_errors=True)

    for name, path in inputs.items():
        argv = fichas + ["run", str(path), "--out", str(out), "-q"]
        repeat(name, fresh, argv, with_marks=True)
        if "scan" in name:
            repeat(f"{name}, OCR cached", keep_cache, argv, with_marks=True)
    fresh()
    noop = fichas + ["run", str(inputs["one-line text"]), "--out", str(out), "-q"]
    timed(noop)
    repeat("no-op re-run", nothing, noop)
    for name, code in LOADS.items():
        results[f"load: {name}"] = {"in_process": summary([in_process(code) for _ in range(runs)])}
        print(f"  load: {name}: {results[f'load: {name}']}", file=sys.stderr)
    return results


def table(results: dict) -> str:
    rows = ["| measure | first page (s) | first page with Tesseract (s) | end to end / load (s) |", "|---|---|---|---|"]

    def cell(s: dict | None) -> str:
        return f"{s['median']:.3f} ({s['min']:.3f}–{s['max']:.3f})" if s else ""

    for name, r in results.items():
        rows.append(f"| {name} | {cell(r.get('first_page'))} | {cell(r.get('first_ocr'))} "
                    f"| {cell(r.get('end_to_end') or r.get('in_process'))} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.bench.startup", description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="fresh processes per measure (default: %(default)s)")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "bench", help="where startup.json goes")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fichas-startup-") as tmp:
        results = measure(args.runs, Path(tmp))
    args.out.mkdir(parents=True, exist_ok=True)
    report = {"date": datetime.date.today().isoformat(), "python": sys.version.split()[0], "machine": platform.machine(), "cores": os.cpu_count(),
              "runs": args.runs, "measures": results}
    (args.out / "startup.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
