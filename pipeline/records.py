"""Typed records passed between the stages: ingest → repair → segment → extract → emit.

Every value keeps a way back to where it was read: the document hash, the page, the box
on the page and the raw text, plus the repairs applied to it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

BBox = tuple[float, float, float, float]
"""(x0, top, x1, bottom) in PDF points (1/72 inch), origin at the page's top-left corner."""

PageSource = Literal["text_layer", "ocr", "legacy_text"]


@dataclass(frozen=True)
class Word:
    """One word as read from a text layer or by OCR."""

    text: str
    bbox: BBox
    confidence: float
    """0–1: Tesseract's word confidence / 100; 1.0 for a digital text layer."""


@dataclass(frozen=True)
class Repair:
    """One OCR repair: `before` became `after` by `rule` (e.g. `code`, `lexicon`, `number`)."""

    before: str
    after: str
    rule: str


@dataclass(frozen=True)
class Line:
    """A line of text in reading order.

    For a two-column table row rebuilt from word boxes, `text` is the label cell followed by
    the value cell, so a row reads like the clean catalogue text ("Territorio Quito, Tulcán").
    """

    text: str
    page: int
    """1-based page number."""
    bbox: BBox | None = None
    """None for legacy OCR text, which has no geometry."""
    confidence: float | None = None
    """Mean word confidence (0–1); None when the source gives none (legacy text)."""
    weakest: float | None = None
    """The lowest confidence of the line's words with a letter or digit (a stray mark does not count):
    one misread word spoils a value that the mean calls good. None without words or confidences."""
    raw: str | None = None
    """The text as read, before repair; None until the repair stage runs."""
    repairs: tuple[Repair, ...] = ()


@dataclass(frozen=True)
class Page:
    number: int
    """1-based."""
    lines: tuple[Line, ...]
    source: PageSource
    width: float | None = None
    """Page size in points; None for legacy text."""
    height: float | None = None
    rotation: int = 0
    """Degrees (0/90/180/270), clockwise, the page as displayed was turned to read upright."""


@dataclass
class Document:
    path: Path
    sha256: str
    pages: list[Page] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SummaryEntry:
    """One row of an area's summary table (`Código | Descripción`)."""

    codigo: str
    descripcion: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class FichaBlock:
    """The lines of one ficha, from its header to the next header or area."""

    codigo: str
    code_found_in: Literal["header", "title", "summary"]
    """Where the code was read: the CÓDIGO header line, the title line, or inferred from the summary."""
    area_codigo: str
    lines: tuple[Line, ...]
    code_line: Line
    """The line the code was read from (the first line when it was inferred)."""
    summary: SummaryEntry | None = None


@dataclass(frozen=True)
class FieldValue:
    """An extracted, normalised value with its confidence and provenance."""

    value: object
    confidence: float
    page: int | None
    bbox: BBox | None
    raw: str | None
    """The text as read before repair and normalisation."""
    repairs: tuple[Repair, ...] = ()
    evidence: tuple[str, ...] = ()
    """Why the confidence is what it is (e.g. "label", "ocr:0.93", "gazetteer")."""
    revisado: bool = False
    """A reviewer set or accepted this value (`pipeline.review`); its confidence is then 1.0."""
    revisar: bool = False
    """Reviewed, but this run read other text than the reviewer saw: to review again."""


@dataclass(frozen=True)
class Ficha:
    codigo: str
    documento: str
    """sha256 of the source document."""
    fields: dict[str, FieldValue]


@dataclass
class DocumentResult:
    """What one input document gave: its fichas, or why it gave none."""

    path: Path
    sha256: str | None
    pages: int
    status: Literal["ok", "sin_fichas", "failed"]
    fichas: list[Ficha] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall-clock time per stage (ingest, repair, segment, extract)."""
    rotations: dict[int, int] = field(default_factory=dict)
    """Page number → degrees clockwise it was turned to read upright, for the pages that were:
    boxes are measured on the turned page, so whoever shows a box must turn the page too."""
