"""One document through the stages: ingest → repair → segment → extract.

Reads top to bottom; each stage lives in its own module. A document that cannot be read
becomes a `failed` result with a one-line error. The batch (`pipeline.batch`) runs this over
many documents and emits the outputs.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from corrections.repair import Repairer
from extractors.entities import load_gazetteer
from extractors.template import Template, load_template
from extractors.values import extract_ficha
from pipeline.errors import InputFileError
from pipeline.files import read_yaml
from pipeline.ingest import ingest
from pipeline.limits import IngestLimits
from pipeline.reader import PageReader
from pipeline.records import Document, DocumentResult, Line
from pipeline.furniture import drop_page_furniture
from pipeline.segment import segment


def process_document(path: Path, template: Template, repairer: Repairer | Callable[[], Repairer],
                     password: str | None = None, limits: IngestLimits | None = None,
                     reader: PageReader | None = None) -> DocumentResult:
    """Ingest one file and extract its fichas; a file that cannot be read becomes `failed`.

    `repairer` may still be in the making: a function that gives it, called once the pages are read."""
    started = time.perf_counter()
    try:
        document = ingest(path, password=password, limits=limits, reader=reader)
    except InputFileError as exc:
        return DocumentResult(path, None, 0, "failed", error=f"{exc.reason} ({exc.hint})" if exc.hint else exc.reason,
                              seconds={"ingest": time.perf_counter() - started})
    ingested = time.perf_counter() - started
    if not isinstance(repairer, Repairer):
        repairer = repairer()
    result = extract_document(document, template, repairer)
    result.seconds = {"ingest": ingested, **result.seconds}
    return result


def extract_document(document: Document, template: Template, repairer: Repairer) -> DocumentResult:
    """Repair, segment and extract an ingested document."""
    path = document.path
    clock = _StageClock()
    lines = repair_lines(document, repairer)
    clock.lap("repair")
    lines = drop_page_furniture(lines, template)
    segmentation = segment(lines, template)
    clock.lap("segment")
    fichas = [extract_ficha(block, document.sha256, template) for block in segmentation.blocks]
    clock.lap("extract")
    warnings = document.warnings + segmentation.warnings
    if not fichas:
        warnings.append("no ficha headers (ÁREA A LA QUE CORRESPONDE / CÓDIGO) found: not a ficha catalogue?")
    status = "ok" if fichas else "sin_fichas"
    rotations = {p.number: p.rotation for p in document.pages if p.rotation}
    return DocumentResult(path, document.sha256, len(document.pages), status, fichas, warnings, seconds=clock.seconds,
                          rotations=rotations)


class _StageClock:
    """Seconds spent in each stage, lap by lap."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = now - self._last
        self._last = now


def repair_lines(document: Document, repairer: Repairer) -> list[Line]:
    """Every line of the document, repaired, keeping the text as read in `raw`."""
    lines = [line for page in document.pages for line in page.lines]
    return [replace(line, text=text, raw=line.text, repairs=repairs)
            for line, (text, repairs) in zip(lines, repairer.lines(line.text for line in lines))]


@lru_cache(maxsize=4)
def repairer_for(template_path: Path) -> Repairer:
    """A repairer that also knows the template's labels, areas, principles and places."""
    template = load_template(template_path)
    words: list[str] = []
    for spec in template.fields.values():
        words.extend(w for label in spec.labels for w in label.split())
    words.extend(template.stop_headings)
    words.extend(template.codes.areas.values())
    pacto = read_yaml(template.data_path("pacto_mundial"))
    words.extend(pacto["principios"].values())
    words.extend(pacto["objetivos"].values())
    words.extend(load_gazetteer(template.data_path("places")).values())
    tokens = {t.strip(".,:;()/#") for w in words for t in w.split()}
    return Repairer(
        prefixes=tuple(template.codes.prefixes),
        areas=tuple(template.codes.areas) + tuple(a for a in template.codes.area_aliases if len(a) <= 3),
        domain_words=sorted(t for t in tokens if len(t) > 1),
    )
