"""The README's table of measured accuracy and speed, made from the benchmark's results.

    python -m tests.bench.readme [--bench out/bench/default.json] [--speed out/bench/speed.json]
                                 [--startup out/bench/startup.json]

Keeps what the README shows in `docs/figures.json` (the headline of each result, with the command
that made it) and rewrites the README between its FIGURES markers from that file alone, so the
figures live in one place the benchmarks regenerate; a test checks that the README still says
what `docs/figures.json` holds.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

from pipeline.files import atomic_write_text
from tests.bench.speed import whole_set

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
FIGURES = ROOT / "docs" / "figures.json"
BEGIN = "<!-- FIGURES: made by `python -m tests.bench.readme` from docs/figures.json; do not edit by hand -->"
END = "<!-- /FIGURES -->"
ACCURACY_COLUMNS = (
    ("held-out family, unseen fichas", "held-out layout, unseen fichas"),
    ("held-out family, seen fichas, area left out", "held-out layout, seen fichas (area left out)"),
    ("other families, unseen fichas", "other layouts, unseen fichas"),
    ("other families, seen fichas, area left out", "other layouts, seen fichas (area left out)"),
)


def figures(bench: dict, speed: dict | None, startup: dict | None) -> dict:
    """What the README shows of the benchmarks' results."""
    kept = {"accuracy": {"command": _reproducing(bench["command"]), "date": bench.get("date"), "headline": bench["headline"]}}
    if speed:
        rounds = speed["rounds"]
        default = speed["engines"][0]

        def median(key: str, field: str | None = "seconds") -> float:
            return statistics.median(t[key][field] if field else t[key] for t in rounds)

        kept["speed"] = {"command": _reproducing(speed["command"]), "date": speed.get("date"), "pages": speed["pages"],
                         "dpi": speed["dpi"], "cores": speed["cores"], "engine": speed["default_engine"],
                         "rounds": len(rounds), "cli": median("tesseract_cli", None),
                         "fichas": median(f"fichas_{default}"), "fichas_jobs1": median(f"fichas_{default}_jobs1"),
                         "engine_alone": median(f"{default}_alone", None),
                         "fallback": {"engine": "cli", "fichas": median("fichas_cli"), "engine_alone": median("cli_alone", None)}
                         if default != "cli" and "cli" in speed["engines"] else None,
                         "process_mb": max(t[f"fichas_{default}"]["process_mb"] for t in rounds),
                         "whole": speed.get("whole")}
    if startup:
        firsts = [m["first_page"]["median"] for m in startup["measures"].values() if m.get("first_page")]
        read = [m["first_ocr"]["median"] for m in startup["measures"].values() if m.get("first_ocr")]
        kept["startup"] = {"command": "python -m tests.bench.startup", "date": startup.get("date"),
                           "first_page": [min(firsts), max(firsts)],
                           "first_ocr": [min(read), max(read)] if read else None}
    return kept


def _reproducing(command: str) -> str:
    """The command without where it wrote its results (`--out DIR`, `--name NAME`)."""
    return re.sub(r" --(?:out|name) \S+", "", command)


def render(kept: dict) -> str:
    """The README's figures section, between its markers."""
    accuracy = kept["accuracy"]
    lines = [BEGIN, "", f"Field accuracy (share of the fields of the hand-checked records read right), "
             f"`{accuracy['command']}`{_on(accuracy)}:", "",
             "| input | " + " | ".join(title for _, title in ACCURACY_COLUMNS) + " |",
             "|---|" + "---|" * len(ACCURACY_COLUMNS)]
    highs, lows = [], []
    for row in accuracy["headline"]:
        cells = []
        for key, _ in ACCURACY_COLUMNS:
            cell = row.get(key)
            cells.append(f"{cell['accuracy']:.3f}" if cell else "–")
            if cell and cell["calibration"]["accuracy_at_high"] is not None:
                highs.append(cell["calibration"]["accuracy_at_high"])
            if cell and cell["calibration"]["wrong_fields"]:
                lows.append(cell["calibration"]["wrong_below_low"])
        lines.append(f"| {row['kind']} | " + " | ".join(cells) + " |")
    lines += ["", f"A field scored ≥ 0.9 was right {min(highs):.1%}–{max(highs):.1%} of the time in these cells; "
                  f"of the wrong fields, {min(lows):.0%}–{max(lows):.0%} scored under 0.6 (the review queue)."]
    if speed := kept.get("speed"):
        cli = speed["cli"]
        lines += ["", f"Speed, `{speed['command']}`{_on(speed)}: one {speed['pages']}-page typical scan "
                      f"({', '.join(f'{d:g}' for d in speed['dpi'])} dpi) on {speed['cores']} cores, "
                      f"medians of {speed['rounds']} rounds taking turns; engine {speed['engine']}:", "",
                  "| run | seconds | pages/s | tesseract CLI ÷ this |", "|---|---|---|---|",
                  f"| `tesseract` CLI, {speed['cores']} at a time, on the same page images | {cli:.1f} "
                  f"| {speed['pages'] / cli:.2f} | 1.00× |"]
        for label, seconds in (("`fichas run`, end to end (start-up included)", speed["fichas"]),
                               ("`fichas run --jobs 1`", speed["fichas_jobs1"]),
                               ("the OCR engine alone, no fichas around it", speed["engine_alone"])):
            lines.append(f"| {label} | {seconds:.1f} | {speed['pages'] / seconds:.2f} | {cli / seconds:.2f}× |")
        if fallback := speed.get("fallback"):
            for label, seconds in ((f"`fichas run` with the fallback engine (`FICHAS_OCR_ENGINE={fallback['engine']}`)",
                                    fallback["fichas"]),
                                   ("the fallback engine alone", fallback["engine_alone"])):
                lines.append(f"| {label} | {seconds:.1f} | {speed['pages'] / seconds:.2f} | {cli / seconds:.2f}× |")
        lines += ["", f"Peak memory of the fichas process: {speed['process_mb']:.0f} MB."]
        if whole := speed.get("whole"):
            figures = whole_set(whole)
            lines[-1] += (f" The whole typical benchmark set ({whole['pages']} pages, {len(whole['rounds'])} rounds taking turns): "
                          f"fichas {figures['fichas']:.0f} s, the CLI {figures['tesseract_cli']:.0f} s ({figures['ratio']:.2f}×), "
                          f"`--jobs 1` {figures['fichas_jobs1']:.0f} s ({figures['fichas_jobs1'] / figures['fichas']:.2f}× slower); "
                          f"peak memory of the fichas process {figures['process_mb']:.0f} MB.")
    if startup := kept.get("startup"):
        fastest, slowest = startup["first_page"]
        lines += ["", f"Start-up, from launch to the first page of a text file, a page image or a PDF "
                      f"(`{startup['command']}`{_on(startup)}): {fastest:.2f}–{slowest:.2f} s."]
        if startup.get("first_ocr"):
            fastest, slowest = startup["first_ocr"]
            lines[-1] += (f" From launch until Tesseract is handed the first page of a 1-page scan (the PDF or image "
                          f"opened, the page drawn, levelled and cropped): {fastest:.2f}–{slowest:.2f} s.")
    lines += ["", END]
    return "\n".join(lines)


def _on(result: dict) -> str:
    return f", {result['date']}" if result.get("date") else ""


def readme_section(text: str) -> str:
    """The README's figures section as it stands."""
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[start:end]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.bench.readme", description=__doc__.splitlines()[0])
    bench = Path("out/bench")
    ap.add_argument("--bench", type=Path, default=bench / "default.json")
    ap.add_argument("--speed", type=Path, default=bench / "speed.json")
    ap.add_argument("--startup", type=Path, default=bench / "startup.json")
    args = ap.parse_args(argv)

    def load(path: Path) -> dict | None:
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    if not args.bench.exists():
        print(f"{args.bench}: no benchmark result; run `python -m tests.bench` first", file=sys.stderr)
        return 1
    kept = figures(load(args.bench), load(args.speed), load(args.startup))
    atomic_write_text(FIGURES, json.dumps(kept, ensure_ascii=False, indent=1) + "\n")
    text = README.read_text(encoding="utf-8")
    atomic_write_text(README, text.replace(readme_section(text), render(kept)))
    print(f"[bench] {FIGURES.relative_to(ROOT)} and the README's figures written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
