"""Score extracted fichas against hand-checked gold records: per-field accuracy and calibration.

A field is right when it matches exactly (structured and list fields) or, for free text,
when its rapidfuzz similarity to the gold text is at least TEXT_SIMILARITY.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz

from pipeline.records import FieldValue, Ficha

TEXT_SIMILARITY = 95.0
STRUCTURED = {"codigo", "tipo", "area_codigo", "area", "poblacion_asistida", "presupuesto_usd", "sostenibilidad"}


def field_correct(key: str, got, want) -> bool:
    if want is None or got is None or key in STRUCTURED or isinstance(want, list):
        return got == want
    return fuzz.ratio(str(got), str(want)) >= TEXT_SIMILARITY


@dataclass
class Report:
    per_field: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    scored: list[tuple[float, bool]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)
    errors: list[tuple[str, str, object, object]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        flat = [ok for oks in self.per_field.values() for ok in oks]
        return sum(flat) / len(flat) if flat else 0.0

    def field_accuracy(self) -> dict[str, float]:
        return {k: sum(v) / len(v) for k, v in sorted(self.per_field.items())}

    def calibration(self, high: float = 0.9, low: float = 0.6) -> dict[str, float]:
        """`wrong_below_low` is 1.0 when no field is wrong; `wrong_fields` tells that case apart."""
        at_high = [ok for c, ok in self.scored if c >= high]
        wrong = [c for c, ok in self.scored if not ok]
        return {
            "accuracy_at_high": sum(at_high) / len(at_high) if at_high else float("nan"),
            "share_high": len(at_high) / len(self.scored) if self.scored else 0.0,
            "wrong_below_low": sum(c < low for c in wrong) / len(wrong) if wrong else 1.0,
            "wrong_fields": len(wrong),
        }

    def reliability(self, edges=(0.0, 0.3, 0.6, 0.8, 0.9, 0.95, 1.01)) -> list[tuple[str, int, float]]:
        """(confidence bin, fields in it, share right) — how far the confidence can be trusted."""
        rows = []
        for lo, hi in zip(edges, edges[1:]):
            oks = [ok for c, ok in self.scored if lo <= c < hi]
            rows.append((f"[{lo:.2f}, {min(hi, 1.0):.2f}{']' if hi > 1 else ')'}", len(oks), sum(oks) / len(oks) if oks else float("nan")))
        return rows

    def table(self) -> str:
        rows = ["| field | accuracy | n |", "|---|---|---|"]
        for key, oks in sorted(self.per_field.items()):
            rows.append(f"| {key} | {sum(oks) / len(oks):.2f} | {len(oks)} |")
        rows.append(f"| **all** | **{self.accuracy:.3f}** | {sum(len(v) for v in self.per_field.values())} |")
        return "\n".join(rows)


def merge_reports(reports: list[Report]) -> Report:
    """One report over the fields of several (sets read apart, scored together)."""
    merged = Report()
    for report in reports:
        for key, oks in report.per_field.items():
            merged.per_field[key].extend(oks)
        merged.scored += report.scored
        merged.missing += report.missing
        merged.spurious += report.spurious
        merged.errors += report.errors
    return merged


def score_fichas(fichas: list[Ficha], gold: list[dict]) -> Report:
    report = Report()
    by_code = {f.codigo: f for f in fichas}
    gold_codes = {g["codigo"] for g in gold}
    report.spurious = [c for c in by_code if c not in gold_codes]
    for record in gold:
        ficha = by_code.get(record["codigo"])
        if ficha is None:
            report.missing.append(record["codigo"])
        for key, want in record.items():
            if key.startswith("_"):
                continue
            fv = ficha.fields.get(key) if ficha else None
            got = fv.value if fv else None
            ok = field_correct(key, got, want)
            report.per_field[key].append(ok)
            report.scored.append((fv.confidence if fv else 0.0, ok))
            if not ok:
                report.errors.append((record["codigo"], key, got, want))
    return report


def score_output(fichas_json: Path, gold_files: list[Path], document: str | None = None) -> Report:
    """Score a run's fichas.json (optionally one document, by a substring of its path)."""
    data = json.loads(fichas_json.read_text(encoding="utf-8"))
    paths = {d["sha256"]: d["path"] for d in data["documents"]}
    fichas = [
        Ficha(f["codigo"], f["documento"], {k: FieldValue(v["value"], v["confidence"], v["page"], None, v["raw"])
                                           for k, v in f["fields"].items()})
        for f in data["fichas"]
        if document is None or document in paths.get(f["documento"], "")
    ]
    gold = [r for path in gold_files for r in json.loads(path.read_text(encoding="utf-8"))["fichas"]]
    return score_fichas(fichas, gold)


def wrong_below_low(calibration: dict[str, float]) -> str:
    """The share of wrong fields scored under 0.6, with the count it is a share of."""
    wrong = calibration["wrong_fields"]
    if not wrong:
        return "– (no wrong field)"
    return f"{calibration['wrong_below_low']:.2f} ({round(calibration['wrong_below_low'] * wrong)} of {wrong})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.evaluate",
                                     description="Per-field accuracy and calibration of a run against gold records.")
    parser.add_argument("fichas_json", type=Path, help="a run's out/fichas.json")
    parser.add_argument("gold", type=Path, nargs="+", help="gold JSON files (tests/data/gold/*.json)")
    parser.add_argument("--document", help="score only the document whose path contains this text")
    args = parser.parse_args(argv)
    report = score_output(args.fichas_json, args.gold, args.document)
    print(report.table())
    calibration = report.calibration()
    print(f"\nfichas missing: {report.missing or 'none'}; spurious: {report.spurious or 'none'}")
    print(f"accuracy of fields at confidence >= 0.9: {calibration['accuracy_at_high']:.3f}; "
          f"share of fields at >= 0.9: {calibration['share_high']:.2f}; "
          f"share of wrong fields under 0.6: {wrong_below_low(calibration)}")
    print("\n| confidence | fields | right |\n|---|---|---|")
    for label, n, share in report.reliability():
        print(f"| {label} | {n} | {share:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
