"""The benchmark sets and how each is measured.

- legacy: the seed OCR text (part1) against the hand-checked gold;
- pairs: the OCR of a ficha against its clean digital copy, before and after repair;
- generated sets, `<kind>/<family>/<content>`: fichas rendered by tests/scangen in a layout
  family (`anuario` is kept out of all tuning), as a digital PDF, a scan at a level, or the
  legacy text `tesseract -l eng` makes of a scan (`legacy-gen`); the content is either the gold
  fichas (`seen`: the rules were written looking at them) or `tests/data/unseen` (never
  looked at while writing rules);
- on the catalogo family's typical scans the same page images also go through the plain
  tesseract CLI and OCRmyPDF + pdfplumber, taking turns with fichas (the speed comparison).

Every set of seen fichas is also scored leaving one area out: each area's fichas are read
with what the extractor learns from hand-checked records (the fields' usual lengths)
learned from the other two areas only (`loao`).
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from extractors.template import DEFAULT_TEMPLATE, Template, load_template
from pipeline.cache import OcrCache
from pipeline.evaluate import Report, score_fichas
from pipeline.ingest import ingest
from pipeline.reader import PageReader
from pipeline.records import Document, Ficha
from pipeline.run import extract_document, process_document, repair_lines, repairer_for
from tests.bench.baselines import (TESSERACT_CLI_COMMAND, Baseline, fichas_cli, ocrmypdf_then_pdfplumber,
                                   page_images, tesseract_cli)
from tests.bench.lengths import lengths_without, template_with
from tests.bench.textmetrics import cer, false_corrections, wer
from tests.scangen import FAMILIES, HELD_OUT_FAMILY, render_legacy, render_pdf

DATA = Path(__file__).resolve().parents[1] / "data"
CONTENT = {"seen": DATA / "gold", "unseen": DATA / "unseen"}
AREAS = ("AH", "ISE", "PC")
"""The areas of the seen fichas: each is left out once."""
LEGACY_TEXT = DATA / "seeds" / "000_b033b46dcbce62bb.part1.txt"
PAIRS = {"BP6_PC": "001_", "BP1_GN": "002_"}
"""Fichas with a clean digital copy among the seeds (file name prefix)."""
STAGES = ("ingest", "repair", "segment", "extract")
OCR_CACHE = Path(__file__).resolve().parents[1] / ".cache" / "bench-ocr.sqlite"
"""Page OCR of the accuracy sets, kept between runs (the timed comparison never uses it)."""


@dataclass
class Config:
    levels: tuple[str, ...] = ("digital", "legacy-gen", "clean", "typical", "poor")
    families: tuple[str, ...] = FAMILIES
    contents: tuple[str, ...] = ("seen", "unseen")
    compare_level: str | None = "typical"
    """The level whose catalogo scans also go through the baselines (None: no comparison)."""
    seed: int = 7
    codes: tuple[str, ...] | None = None
    """Only these fichas (all when None)."""
    jobs: int = os.cpu_count() or 1
    ocr_cache: Path | None = OCR_CACHE

    def wanted(self, level: str, family: str) -> bool:
        """`clean` is measured on catalogo only (it tells little the other levels do not)."""
        return level != "clean" or family == "catalogo"


@dataclass
class SetResult:
    name: str
    kind: str = ""
    family: str | None = None
    content: str = "seen"
    documents: int = 0
    pages: int = 0
    report: Report | None = None
    loao: Report | None = None
    """Seen fichas, each area read with what was learned from the other two."""
    per_area: dict[str, dict[str, float]] = field(default_factory=dict)
    """Area → accuracy read with everything learned (`seen`) and with the area left out (`loao`)."""
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


def content_records(content: str, codes: tuple[str, ...] | None) -> dict[str, tuple[list[dict], list[dict]]]:
    """Per area: (fichas, summary rows) of the seen or unseen records, limited to `codes`."""
    out = {}
    for path in sorted(CONTENT[content].glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        fichas = [f for f in data["fichas"] if codes is None or f["codigo"] in codes]
        if fichas:
            wanted = {f["codigo"] for f in fichas}
            out[path.stem] = (fichas, [r for r in data["resumen"] if r["codigo"] in wanted])
    return out


def gold_records(codes: tuple[str, ...] | None) -> dict[str, tuple[list[dict], list[dict]]]:
    return content_records("seen", codes)


class Templates:
    """The template as shipped, and one per area that learned nothing from that area."""

    def __init__(self, folder: Path):
        self.all = load_template()
        self._folder = folder
        self._without: dict[str, Template] = {}

    def without(self, area: str) -> Template:
        if area not in self._without:
            self._without[area] = template_with(self.all, lengths_without(area), self._folder)
        return self._without[area]


def _area(codigo: str) -> str:
    return codigo.rsplit("_", 1)[1]


def _score_loao(out: SetResult, seen: list[Ficha], loao: list[Ficha], gold: list[dict]) -> None:
    """The set's reports with everything learned and with each area left out, and per area."""
    out.report, out.loao = score_fichas(seen, gold), score_fichas(loao, gold)
    for area in sorted({_area(g["codigo"]) for g in gold}):
        mine = [g for g in gold if _area(g["codigo"]) == area]
        out.per_area[area] = {"seen": score_fichas([f for f in seen if _area(f.codigo) == area], mine).accuracy,
                              "loao": score_fichas([f for f in loao if _area(f.codigo) == area], mine).accuracy}


def legacy_set(templates: Templates) -> SetResult:
    """Field accuracy on the whole seed OCR text, whose fichas the gold describes."""
    repairer = repairer_for(DEFAULT_TEMPLATE)
    result = process_document(LEGACY_TEXT, templates.all, repairer)
    gold = [f for fichas, _ in gold_records(None).values() for f in fichas]
    document = ingest(LEGACY_TEXT)
    loao = [f for area in AREAS
            for f in extract_document(document, templates.without(area), repairer).fichas if _area(f.codigo) == area]
    out = SetResult("legacy", "legacy", None, "seen", 1, result.pages, seconds=dict(result.seconds))
    _score_loao(out, result.fichas, loao, gold)
    return out


def pairs_set() -> SetResult:
    """Word and character error of the legacy OCR of a ficha against its clean copy."""
    out = SetResult("pairs", "pairs")
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


def generated_set(level: str, family: str, content: str, config: Config, folder: Path, templates: Templates,
                  against_cli: bool = False) -> tuple[SetResult, list[Path], list[str]]:
    """The records of `content` rendered in `family` at `level` and read by the pipeline, stage
    by stage; seen fichas are read again with their area left out.

    `against_cli`: right after fichas reads each document, the plain tesseract CLI reads the
    same page images (`baselines.tesseract_cli`), so that the two tools take turns document by
    document and a slow spell of this shared machine falls on both alike; no OCR cache then.
    """
    repairer = repairer_for(DEFAULT_TEMPLATE)
    kind = "legacy-gen" if level == "legacy-gen" else "digital" if level == "digital" else f"scans-{level}"
    out = SetResult(f"{kind}/{family}/{content}", kind, family, content)
    documents, truths, gold = [], [], []
    for area, (records, resumen) in content_records(content, config.codes).items():
        stem = folder / f"{content}-{area}-{family}-{level}"
        if level == "legacy-gen":
            rendered = render_legacy(records, resumen, stem.with_suffix(".txt"), family=family, seed=config.seed)
        else:
            rendered = render_pdf(records, resumen, stem.with_suffix(".pdf"), level=level, seed=config.seed, family=family)
        documents.append((area, rendered.path))
        truths.extend(rendered.page_texts)
        gold.extend(records)
    cli = Baseline("tesseract CLI", TESSERACT_CLI_COMMAND.format(jobs=config.jobs))
    images = {}
    if against_cli:
        (folder / "images").mkdir(exist_ok=True)
        images = {path: page_images([path], folder / "images") for _, path in documents}
    cache = OcrCache(config.ocr_cache) if config.ocr_cache and not against_cli else None
    reader = PageReader(cache=cache)
    fichas, loao, raw_pages, repaired_pages = [], [], [], []
    try:
        for area, path in documents:
            started = time.perf_counter()
            document = ingest(path, reader=reader)
            ingested = time.perf_counter() - started
            result = extract_document(document, templates.all, repairer)
            for stage, seconds in {"ingest": ingested, **result.seconds}.items():
                out.seconds[stage] = out.seconds.get(stage, 0.0) + seconds
            if against_cli:
                turn = tesseract_cli(images[path], config.jobs)
                cli.seconds, cli.skipped = cli.seconds + turn.seconds, turn.skipped
                cli.page_texts += turn.page_texts
                out.turns.append({"document": path.name, "pages": len(document.pages),
                                  "fichas_seconds": ingested + sum(result.seconds.values()), "cli_seconds": turn.seconds})
            fichas.extend(result.fichas)
            if content == "seen":
                loao.extend(extract_document(document, templates.without(area), repairer).fichas)
            _pages_text(document, repairer, raw_pages, repaired_pages)
            out.documents += 1
            out.pages += len(document.pages)
    finally:
        reader.close()
        if cache is not None:
            cache.close()
    if content == "seen":
        _score_loao(out, fichas, loao, gold)
    else:
        out.report = score_fichas(fichas, gold)
    if level not in ("digital", "legacy-gen"):
        out.cer_before = _mean_cer(raw_pages, truths)
        out.cer_after = _mean_cer(repaired_pages, truths)
        changed = [false_corrections(r, p, t) for r, p, t in zip(raw_pages, repaired_pages, truths)]
        out.false_corrections = (sum(c for c, _ in changed), sum(n for _, n in changed))
    if against_cli:
        out.baselines.append(_baseline_row(cli, out, truths))
    return out, [path for _, path in documents], truths


def _pages_text(document: Document, repairer, raw_pages: list[str], repaired_pages: list[str]) -> None:
    lines = repair_lines(document, repairer)
    for number in range(1, len(document.pages) + 1):
        raw_pages.append("\n".join(l.raw for l in lines if l.page == number))
        repaired_pages.append("\n".join(l.text for l in lines if l.page == number))


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


def held_out(family: str | None) -> bool:
    return family == HELD_OUT_FAMILY
