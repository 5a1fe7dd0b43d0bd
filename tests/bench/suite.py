"""The benchmark sets and how each is measured.

- legacy: the seed OCR text (part1) against the hand-checked gold;
- pairs: the OCR of a ficha against its clean digital copy, before and after repair;
- scans-<level>: the gold fichas rendered and degraded by tests/scangen, read by the whole
  pipeline; on one level, the same page images also go through the plain tesseract CLI and
  through OCRmyPDF + pdfplumber, in the same run.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from extractors.template import DEFAULT_TEMPLATE, load_template
from pipeline.evaluate import Report, score_fichas
from pipeline.ingest import ingest
from pipeline.run import extract_document, process_document, repair_lines, repairer_for
from tests.bench.baselines import (TESSERACT_CLI_COMMAND, Baseline, fichas_cli, ocrmypdf_then_pdfplumber,
                                   page_images, tesseract_cli)
from tests.bench.textmetrics import cer, false_corrections, wer
from tests.scangen import render_pdf

DATA = Path(__file__).resolve().parents[1] / "data"
GOLD = {area: DATA / "gold" / f"{area}.json" for area in ("AH", "ISE", "PC")}
LEGACY_TEXT = DATA / "seeds" / "000_b033b46dcbce62bb.part1.txt"
PAIRS = {"BP6_PC": "001_", "BP1_GN": "002_"}
"""Fichas with a clean digital copy among the seeds (file name prefix)."""
STAGES = ("ingest", "repair", "segment", "extract")


@dataclass
class Config:
    levels: tuple[str, ...] = ("clean", "typical", "poor")
    compare_level: str = "typical"
    """The level whose pages also go through the baselines."""
    seed: int = 7
    codes: tuple[str, ...] | None = None
    """Only these fichas (all when None)."""
    jobs: int = os.cpu_count() or 1


@dataclass
class SetResult:
    name: str
    documents: int = 0
    pages: int = 0
    report: Report | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    cer_before: float | None = None
    cer_after: float | None = None
    false_corrections: tuple[int, int] | None = None
    notes: list[str] = field(default_factory=list)
    baselines: list[dict] = field(default_factory=list)
    cli: dict | None = None
    """The `fichas run` command on the same pages: seconds and peak memory."""
    turns: list[dict] = field(default_factory=list)
    """Document by document, fichas' seconds and then the tesseract CLI's on the same pages."""


def gold_records(codes: tuple[str, ...] | None) -> dict[str, tuple[list[dict], list[dict]]]:
    """Per area: (fichas, summary rows), limited to `codes`."""
    out = {}
    for area, path in GOLD.items():
        gold = json.loads(path.read_text(encoding="utf-8"))
        fichas = [f for f in gold["fichas"] if codes is None or f["codigo"] in codes]
        if fichas:
            wanted = {f["codigo"] for f in fichas}
            out[area] = (fichas, [r for r in gold["resumen"] if r["codigo"] in wanted])
    return out


def legacy_set() -> SetResult:
    """Field accuracy on the whole seed OCR text, whose fichas the gold describes."""
    template, repairer = load_template(), repairer_for(DEFAULT_TEMPLATE)
    result = process_document(LEGACY_TEXT, template, repairer)
    gold = [f for fichas, _ in gold_records(None).values() for f in fichas]
    return SetResult("legacy", 1, result.pages, score_fichas(result.fichas, gold), dict(result.seconds))


def pairs_set() -> SetResult:
    """Word and character error of the legacy OCR of a ficha against its clean copy."""
    out = SetResult("pairs")
    repairer = repairer_for(DEFAULT_TEMPLATE)
    lines = LEGACY_TEXT.read_text(encoding="utf-8").split("\n")
    gold = {f["codigo"]: f for fichas, _ in gold_records(None).values() for f in fichas}
    measured = []
    for codigo, prefix in PAIRS.items():
        if codigo not in gold:
            out.notes.append(f"{codigo}: its OCR is not in the seed text part1, no pair to measure")
            continue
        first, last = gold[codigo]["_lines"]
        raw = "\n".join(lines[first - 1:last])
        clean = next((DATA / "seeds").glob(prefix + "*.txt")).read_text(encoding="utf-8")
        truth = clean[clean.index("ÁREA A LA QUE CORRESPONDE"):]
        repaired = repairer.text(raw)
        measured.append((raw, repaired, truth))
        out.notes.append(f"{codigo}: word error {wer(raw, truth):.1%} → {wer(repaired, truth):.1%}")
    if measured:
        out.cer_before = sum(cer(r, t) for r, _, t in measured) / len(measured)
        out.cer_after = sum(cer(p, t) for _, p, t in measured) / len(measured)
        changed = [false_corrections(r, p, t) for r, p, t in measured]
        out.false_corrections = (sum(c for c, _ in changed), sum(n for _, n in changed))
    return out


def scan_set(level: str, config: Config, folder: Path, against_cli: bool = False) -> tuple[SetResult, list[Path], list[str]]:
    """The gold fichas rendered at `level` and read by the pipeline, stage by stage.

    `against_cli`: right after fichas reads each document, the plain tesseract CLI reads the
    same page images (`baselines.tesseract_cli`), so that the two tools take turns document by
    document and a slow spell of this shared machine falls on both alike.
    """
    template, repairer = load_template(), repairer_for(DEFAULT_TEMPLATE)
    out = SetResult(f"scans-{level}")
    pdfs, truths, fichas, gold = [], [], [], []
    for area, (records, resumen) in gold_records(config.codes).items():
        rendered = render_pdf(records, resumen, folder / f"{area}-{level}.pdf", level=level, seed=config.seed)
        pdfs.append(rendered.path)
        truths.extend(rendered.page_texts)
        gold.extend(records)
    cli = Baseline("tesseract CLI", TESSERACT_CLI_COMMAND.format(jobs=config.jobs))
    images = {}
    if against_cli:
        (folder / "images").mkdir(exist_ok=True)
        images = {pdf: page_images([pdf], folder / "images") for pdf in pdfs}
    raw_pages, repaired_pages = [], []
    for pdf in pdfs:
        started = time.perf_counter()
        document = ingest(pdf)
        ingested = time.perf_counter() - started
        result = extract_document(document, template, repairer)
        for stage, seconds in {"ingest": ingested, **result.seconds}.items():
            out.seconds[stage] = out.seconds.get(stage, 0.0) + seconds
        if against_cli:
            turn = tesseract_cli(images[pdf], config.jobs)
            cli.seconds, cli.skipped = cli.seconds + turn.seconds, turn.skipped
            cli.page_texts += turn.page_texts
            out.turns.append({"document": pdf.name, "pages": len(document.pages),
                              "fichas_seconds": ingested + sum(result.seconds.values()), "cli_seconds": turn.seconds})
        fichas.extend(result.fichas)
        lines = repair_lines(document, repairer)
        for number in range(1, len(document.pages) + 1):
            raw_pages.append("\n".join(l.raw for l in lines if l.page == number))
            repaired_pages.append("\n".join(l.text for l in lines if l.page == number))
        out.documents += 1
        out.pages += len(document.pages)
    out.report = score_fichas(fichas, gold)
    out.cer_before = _mean_cer(raw_pages, truths)
    out.cer_after = _mean_cer(repaired_pages, truths)
    changed = [false_corrections(r, p, t) for r, p, t in zip(raw_pages, repaired_pages, truths)]
    out.false_corrections = (sum(c for c, _ in changed), sum(n for _, n in changed))
    if against_cli:
        out.baselines.append(_baseline_row(cli, out, truths))
    return out, pdfs, truths


def compare(scan: SetResult, pdfs: list[Path], truths: list[str], jobs: int) -> None:
    """OCRmyPDF + pdfplumber on the same PDFs, and `fichas run` as a user starts it."""
    scan.baselines.append(_baseline_row(ocrmypdf_then_pdfplumber(pdfs, jobs), scan, truths))
    cli = fichas_cli(pdfs)
    scan.cli = {"seconds": cli.seconds, "seconds_per_page": cli.seconds / len(truths), "peak_memory_mb": cli.peak_memory_mb}


def _baseline_row(baseline: Baseline, scan: SetResult, truths: list[str]) -> dict:
    """A baseline's figures, with the pipeline's throughput against it on the same pages."""
    row = {"name": baseline.name, "command": baseline.command}
    if baseline.skipped:
        row["skipped"] = baseline.skipped
    else:
        row.update(seconds=baseline.seconds, seconds_per_page=baseline.seconds / len(truths),
                   cer=_mean_cer(baseline.page_texts, truths),
                   pipeline_throughput_ratio=baseline.seconds / sum(scan.seconds.values()))
    return row


def _mean_cer(read: list[str], truths: list[str]) -> float:
    return sum(cer(r, t) for r, t in zip(read, truths)) / max(len(truths), 1)
