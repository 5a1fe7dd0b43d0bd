"""The benchmark's results as JSON (everything) and a markdown summary (what the README shows)."""
from __future__ import annotations

import math

from pipeline.evaluate import wrong_below_low
from tests.bench.suite import STAGES, SetResult


def as_json(sets: list[SetResult]) -> list[dict]:
    out = []
    for s in sets:
        row: dict = {"name": s.name, "documents": s.documents, "pages": s.pages, "notes": s.notes}
        if s.report is not None:
            row.update(
                accuracy=s.report.accuracy,
                field_accuracy=s.report.field_accuracy(),
                fichas_found=len(s.report.per_field["codigo"]) - len(s.report.missing),
                fichas_missing=s.report.missing,
                fichas_spurious=s.report.spurious,
                calibration=s.report.calibration(),
                reliability=[{"bin": b, "fields": n, "right": None if math.isnan(r) else r}
                             for b, n, r in s.report.reliability()],
            )
        if s.seconds:
            row["seconds"] = s.seconds
            row["seconds_per_page"] = {k: v / max(s.pages, 1) for k, v in s.seconds.items()}
        if s.cer_before is not None:
            row.update(cer_before_repair=s.cer_before, cer_after_repair=s.cer_after)
        if s.false_corrections is not None:
            changed, correct = s.false_corrections
            row["false_corrections"] = {"changed": changed, "correct_words": correct,
                                        "rate": changed / correct if correct else 0.0}
        if s.baselines:
            row["baselines"] = s.baselines
        if s.cli:
            row["cli"] = s.cli
        if s.turns:
            row["turns"] = s.turns
        out.append(row)
    return out


def markdown(rows: list[dict], command: str) -> str:
    lines = [f"Command: `{command}`", ""]
    lines += [
        "| set | pages | fichas found / missing / spurious | field accuracy | acc. at conf ≥ 0.9 | share ≥ 0.9 | wrong < 0.6 | CER before → after repair | false corrections |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        fichas = accuracy = at_high = share = wrong = "–"
        if "accuracy" in r:
            c = r["calibration"]
            fichas = f"{r['fichas_found']} / {len(r['fichas_missing'])} / {len(r['fichas_spurious'])}"
            accuracy, at_high = f"{r['accuracy']:.3f}", _num(c["accuracy_at_high"], 3)
            share, wrong = f"{c['share_high']:.2f}", wrong_below_low(c)
        cers = f"{r['cer_before_repair']:.2%} → {r['cer_after_repair']:.2%}" if "cer_before_repair" in r else "–"
        fc = r.get("false_corrections")
        fcs = f"{fc['changed']} of {fc['correct_words']} ({fc['rate']:.2%})" if fc else "–"
        lines.append(f"| {r['name']} | {r['pages'] or '–'} | {fichas} | {accuracy} | {at_high} | {share} | {wrong} | {cers} | {fcs} |")
    scored = [r for r in rows if "field_accuracy" in r]
    if scored:
        lines += ["", "Accuracy per field:", "", "| field | " + " | ".join(r["name"] for r in scored) + " |",
                  "|---|" + "---|" * len(scored)]
        for key in sorted({k for r in scored for k in r["field_accuracy"]}):
            lines.append(f"| {key} | " + " | ".join(_num(r["field_accuracy"].get(key), 2) for r in scored) + " |")
    timed = [r for r in rows if "seconds_per_page" in r]
    if timed:
        lines += ["", "Seconds per page by stage (wall clock):", "",
                  "| set | " + " | ".join(STAGES) + " | total |", "|---|" + "---|" * (len(STAGES) + 1)]
        for r in timed:
            per = r["seconds_per_page"]
            lines.append(f"| {r['name']} | " + " | ".join(f"{per.get(s, 0):.3f}" for s in STAGES)
                         + f" | {sum(per.values()):.3f} |")
    for r in rows:
        if r.get("baselines"):
            total = sum(r["seconds"].values())
            lines += ["", f"Side by side on the same {r['pages']} pages ({r['name']}):", "",
                      "| tool | s/page | CER | fichas throughput vs. it |", "|---|---|---|---|",
                      f"| fichas (whole pipeline) | {total / r['pages']:.2f} | {r['cer_after_repair']:.2%} | 1.00 |"]
            for b in r["baselines"]:
                if "skipped" in b:
                    lines.append(f"| {b['name']} | skipped: {b['skipped']} | – | – |")
                else:
                    lines.append(f"| {b['name']} | {b['seconds_per_page']:.2f} | {b['cer']:.2%} | {b['pipeline_throughput_ratio']:.2f}× |")
            lines += ["", "Commands: " + "; ".join(f"{b['name']}: `{b['command']}`" for b in r["baselines"])]
            if r.get("turns"):
                lines += ["", "Turn by turn (fichas reads a document, then the tesseract CLI reads its page images):", "",
                          "| document | pages | fichas s | tesseract CLI s | fichas throughput vs. it |", "|---|---|---|---|---|"]
                lines += [f"| {t['document']} | {t['pages']} | {t['fichas_seconds']:.1f} | {t['cli_seconds']:.1f} | "
                          f"{t['cli_seconds'] / t['fichas_seconds']:.2f}× |" for t in r["turns"]]
            cli = r["cli"]
            lines += ["", f"`fichas run` on the same pages as a user starts it: {cli['seconds']:.1f} s "
                          f"({cli['seconds_per_page']:.2f} s/page, imports and model loading included), "
                          f"peak memory of its process {cli['peak_memory_mb']:.0f} MB (each Tesseract process comes on top)."]
    for r in rows:
        if r.get("reliability"):
            lines += ["", f"Reliability, {r['name']}:", "", "| confidence | fields | right |", "|---|---|---|"]
            lines += [f"| {b['bin']} | {b['fields']} | {_num(b['right'], 2)} |" for b in r["reliability"]]
    notes = [f"- {r['name']}: {n}" for r in rows for n in r["notes"]]
    if notes:
        lines += ["", "Notes:", "", *notes]
    return "\n".join(lines) + "\n"


def _num(value: float | None, digits: int) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"
