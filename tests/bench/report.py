"""The benchmark's results as JSON (everything) and a markdown summary (what the README shows).

The headline puts first the figures on data the rules were not written from: the held-out
layout family, the unseen fichas, and the seen fichas read with their own area left out of
what the extractor learns; the all-seen figures stand beside them.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from pipeline.files import atomic_write_text
from pipeline.evaluate import Report, merge_reports, wrong_below_low
from tests.bench.suite import STAGES, SetResult
from tests.scangen import HELD_OUT_FAMILY

KINDS = ("legacy", "legacy-gen", "digital", "scans-clean", "scans-typical", "scans-poor")
COLUMNS = (
    ("held-out family, unseen fichas", lambda s: s.family == HELD_OUT_FAMILY and s.content == "unseen", "report"),
    ("held-out family, seen fichas, area left out", lambda s: s.family == HELD_OUT_FAMILY and s.content == "seen", "loao"),
    ("other families, unseen fichas", lambda s: s.family != HELD_OUT_FAMILY and s.content == "unseen", "report"),
    ("other families, seen fichas, area left out", lambda s: s.family != HELD_OUT_FAMILY and s.content == "seen", "loao"),
    ("all seen: other families, seen fichas", lambda s: s.family != HELD_OUT_FAMILY and s.content == "seen", "report"),
)
"""Headline columns: which sets they pool and which of their reports. The real legacy text has
no family: it counts as seen fichas of the other families."""


def headline(sets: list[SetResult]) -> list[dict]:
    """Per kind of input, each column's pooled accuracy and calibration."""
    rows = []
    for kind in KINDS:
        row = {"kind": kind}
        for title, chosen, which in COLUMNS:
            reports = [getattr(s, which) for s in sets if s.kind == kind and chosen(s) and getattr(s, which)]
            row[title] = _summary(merge_reports(reports)) if reports else None
        if any(row[title] for title, _, _ in COLUMNS):
            rows.append(row)
    return rows


def per_area(sets: list[SetResult]) -> list[dict]:
    """Per kind and area, the seen fichas' accuracy with everything learned and with the area left out."""
    rows = []
    for kind in KINDS:
        chosen = [s for s in sets if s.kind == kind and s.per_area and s.family != HELD_OUT_FAMILY]
        for area in sorted({a for s in chosen for a in s.per_area}):
            values = [s.per_area[area] for s in chosen if area in s.per_area]
            rows.append({"kind": kind, "area": area, "seen": sum(v["seen"] for v in values) / len(values),
                         "loao": sum(v["loao"] for v in values) / len(values)})
    return rows


def _summary(report: Report) -> dict:
    return {"accuracy": report.accuracy, "calibration": report.calibration(), "fields": len(report.scored),
            "fichas_missing": len(report.missing), "fichas_spurious": len(report.spurious)}


def as_json(sets: list[SetResult]) -> dict:
    rows = []
    for s in sets:
        row: dict = {"name": s.name, "kind": s.kind, "family": s.family, "content": s.content,
                     "documents": s.documents, "pages": s.pages, "notes": s.notes}
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
                errors=[{"codigo": c, "field": k, "got": g, "want": w} for c, k, g, w in s.report.errors],
            )
        if s.loao is not None:
            row.update(accuracy_loao=s.loao.accuracy, calibration_loao=s.loao.calibration(), per_area=s.per_area)
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
        rows.append(row)
    return {"headline": headline(sets), "per_area": per_area(sets), "sets": rows,
            "by_kind": {kind: _kind_report(sets, kind) for kind in KINDS if any(s.kind == kind for s in sets)}}


def _kind_report(sets: list[SetResult], kind: str) -> dict:
    """Per field accuracy and reliability of every set of one kind, pooled."""
    report = merge_reports([s.report for s in sets if s.kind == kind and s.report])
    return {"field_accuracy": report.field_accuracy(),
            "reliability": [{"bin": b, "fields": n, "right": None if math.isnan(r) else r}
                            for b, n, r in report.reliability()]}


def markdown(result: dict, command: str) -> str:
    rows, head = result["sets"], result["headline"]
    lines = [f"Command: `{command}`", "", f"Held-out family: `{HELD_OUT_FAMILY}`.", "",
             "Field accuracy, on data the rules were not written from first:", "",
             "| input | " + " | ".join(title for title, _, _ in COLUMNS) + " |",
             "|---|" + "---|" * len(COLUMNS)]
    for row in head:
        lines.append(f"| {row['kind']} | " + " | ".join(_cell(row[t], "accuracy") for t, _, _ in COLUMNS) + " |")
    lines += ["", "Calibration in the same cells: share of fields at confidence ≥ 0.9 that are right · "
              "share of the wrong fields scored under 0.6 (their count):", "",
              "| input | " + " | ".join(title for title, _, _ in COLUMNS) + " |", "|---|" + "---|" * len(COLUMNS)]
    for row in head:
        lines.append(f"| {row['kind']} | " + " | ".join(_cell(row[t], "calibration") for t, _, _ in COLUMNS) + " |")
    if result["per_area"]:
        lines += ["", "Seen fichas per area (other families pooled): everything learned, and the area left out:", "",
                  "| input | area | all learned | area left out |", "|---|---|---|---|"]
        lines += [f"| {r['kind']} | {r['area']} | {r['seen']:.3f} | {r['loao']:.3f} |" for r in result["per_area"]]
    lines += ["", "Every set:", "",
              "| set | pages | fichas found / missing / spurious | field accuracy | area left out | acc. at conf ≥ 0.9 "
              "| share ≥ 0.9 | wrong < 0.6 | CER before → after repair | false corrections |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        fichas = accuracy = loao = at_high = share = wrong = "–"
        if "accuracy" in r:
            c = r["calibration"]
            fichas = f"{r['fichas_found']} / {len(r['fichas_missing'])} / {len(r['fichas_spurious'])}"
            accuracy, at_high = f"{r['accuracy']:.3f}", _num(c["accuracy_at_high"], 3)
            share, wrong = f"{c['share_high']:.2f}", wrong_below_low(c)
            loao = f"{r['accuracy_loao']:.3f}" if "accuracy_loao" in r else "–"
        cers = f"{r['cer_before_repair']:.2%} → {r['cer_after_repair']:.2%}" if "cer_before_repair" in r else "–"
        fc = r.get("false_corrections")
        fcs = f"{fc['changed']} of {fc['correct_words']} ({fc['rate']:.2%})" if fc else "–"
        lines.append(f"| {r['name']} | {r['pages'] or '–'} | {fichas} | {accuracy} | {loao} | {at_high} | {share} | "
                     f"{wrong} | {cers} | {fcs} |")
    kinds = result["by_kind"]
    if kinds:
        lines += ["", "Accuracy per field, every set of a kind pooled:", "", "| field | " + " | ".join(kinds) + " |",
                  "|---|" + "---|" * len(kinds)]
        for key in sorted({k for v in kinds.values() for k in v["field_accuracy"]}):
            lines.append(f"| {key} | " + " | ".join(_num(v["field_accuracy"].get(key), 2) for v in kinds.values()) + " |")
    timed = [r for r in rows if "seconds_per_page" in r and r["kind"] != "digital"]
    if timed:
        lines += ["", "Seconds per page by stage (wall clock; scans read through the OCR cache show its speed, "
                      "the timed comparison below does not use it):", "",
                  "| set | " + " | ".join(STAGES) + " | total |", "|---|" + "---|" * (len(STAGES) + 1)]
        for r in timed:
            per = r["seconds_per_page"]
            lines.append(f"| {r['name']} | " + " | ".join(f"{per.get(s, 0):.3f}" for s in STAGES)
                         + f" | {sum(per.values()):.3f} |")
    for r in rows:
        if r.get("baselines"):
            lines += _comparison(r)
    if kinds:
        for kind, v in kinds.items():
            lines += ["", f"Reliability, {kind} (every set pooled):", "", "| confidence | fields | right |", "|---|---|---|"]
            lines += [f"| {b['bin']} | {b['fields']} | {_num(b['right'], 2)} |" for b in v["reliability"]]
    notes = [f"- {r['name']}: {n}" for r in rows for n in r["notes"]]
    if notes:
        lines += ["", "Notes:", "", *notes]
    return "\n".join(lines) + "\n"


def _comparison(r: dict) -> list[str]:
    total = sum(r["seconds"].values())
    lines = ["", f"Side by side on the same {r['pages']} pages ({r['name']}):", "",
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
    if r.get("cli"):
        cli = r["cli"]
        lines += ["", f"`fichas run` on the same pages as a user starts it: {cli['seconds']:.1f} s "
                      f"({cli['seconds_per_page']:.2f} s/page, imports and model loading included), "
                      f"peak memory of its process {cli['peak_memory_mb']:.0f} MB (each Tesseract process comes on top)."]
    return lines


def _cell(summary: dict | None, what: str) -> str:
    if summary is None:
        return "–"
    if what == "accuracy":
        missing = f", {summary['fichas_missing']} fichas missing" if summary["fichas_missing"] else ""
        return f"{summary['accuracy']:.3f}{missing}"
    c = summary["calibration"]
    return f"{_num(c['accuracy_at_high'], 3)} · {wrong_below_low(c)}"


def _num(value: float | None, digits: int) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def save(out: Path, name: str, result: dict, text: str) -> None:
    """OUT/NAME.json (every figure) and OUT/NAME.md (its tables), each written atomically."""
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / f"{name}.json", json.dumps(result, ensure_ascii=False, indent=2))
    atomic_write_text(out / f"{name}.md", text)
