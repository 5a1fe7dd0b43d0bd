"""What reviewers work on: every extracted field of the run, corrections applied, with what
they need to judge it, and the parsing of what they type back.

The queue is the fields under the template's review threshold (per field, default 0.9) plus
the reviewed fields a re-run flagged to review again, least confident first. The web page and
the spreadsheet both read it from here, so they show and accept the same things.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from extractors.template import DEFAULT_TEMPLATE, Template, load_template
from pipeline.batch import Manifest, load_result
from pipeline.records import Repair
from pipeline.review.apply import apply_corrections
from pipeline.review.store import STORE_NAME, FieldKey, ReviewStore

InputKind = Literal["number", "list", "choice", "text"]
LIST_SEPARATORS = re.compile(r"\s*(?:;|\n)\s*")
"""A list is typed one item per line, or with `;` between items (as the CSV shows it)."""


@dataclass(frozen=True)
class ReviewItem:
    """One field of one ficha, as a reviewer sees it."""

    sha256: str
    document: str
    """The document's path, as the run read it."""
    area: str
    codigo: str
    field: str
    value: object
    confidence: float
    page: int | None
    bbox: tuple[float, float, float, float] | None
    raw: str | None
    repairs: tuple[Repair, ...]
    revisado: bool
    revisar: bool
    needs_review: bool
    on_top_of: int | None
    """The correction in force (its id), which a save must be made on top of; None when none."""
    input: InputKind
    choices: tuple[str, ...] = ()
    whole_numbers: bool = False
    """A list whose items are whole numbers (the Pacto Mundial objectives)."""
    rotation: int = 0
    """Degrees clockwise the field's page was turned to read upright; its box is on the turned page."""

    @property
    def key(self) -> FieldKey:
        return (self.sha256, self.codigo, self.field)

    @property
    def in_queue(self) -> bool:
        return self.needs_review or self.revisar


def input_kind(template: Template, field: str) -> tuple[InputKind, tuple[str, ...]]:
    """The form input that fits the field's type in the template."""
    spec = template.fields.get(field)
    kind = spec.type if spec else "text"
    if kind == "int":
        return "number", ()
    if kind == "enum":
        return "choice", tuple(spec.values)
    if kind in ("list", "principles", "objectives"):
        return "list", ()
    return "text", ()


def _whole_number_items(template: Template, field: str) -> bool:
    spec = template.fields.get(field)
    return spec is not None and spec.type == "objectives"


def load_items(out_dir: Path, template_path: Path | None = None) -> list[ReviewItem]:
    """Every field of every ficha in OUT, with the reviewers' corrections laid over."""
    template = load_template(template_path or DEFAULT_TEMPLATE)
    manifest = Manifest.load(out_dir)
    results = [load_result(e, out_dir) for e in sorted(manifest.documents.values(), key=lambda e: e.path)]
    store = ReviewStore(out_dir / STORE_NAME)
    latest = store.latest() if store.version() else {}
    store.close()
    apply_corrections(results, latest)
    items = []
    for result in results:
        for ficha in result.fichas:
            area = ficha.fields["area"].value if "area" in ficha.fields else ""
            for name, fv in ficha.fields.items():
                kind, choices = input_kind(template, name)
                correction = latest.get((ficha.documento, ficha.codigo, name))
                items.append(ReviewItem(
                    ficha.documento, str(result.path), str(area), ficha.codigo, name, fv.value, fv.confidence, fv.page,
                    tuple(fv.bbox) if fv.bbox else None, fv.raw, fv.repairs, fv.revisado, fv.revisar,
                    template.review_threshold.needs_review(name, fv.confidence),
                    correction.id if correction else None, kind, choices, _whole_number_items(template, name),
                    result.rotations.get(fv.page, 0) if fv.page else 0))
    return items


def queue(items: list[ReviewItem]) -> list[ReviewItem]:
    """The fields to review, least confident first (flagged re-reviews first of all)."""
    return sorted((i for i in items if i.in_queue), key=lambda i: (not i.revisar, i.confidence, i.codigo, i.field))


def parse_input(item: ReviewItem, text: str) -> object:
    """What a reviewer typed, as a value of the field's type; ValueError (in Spanish) if it is not one."""
    text = text.strip()
    if item.input == "number":
        return _whole_number(text) if text else None
    if item.input == "list":
        parts = [part for part in LIST_SEPARATORS.split(text) if part] if text else []
        return [_whole_number(p) for p in parts] if item.whole_numbers else parts
    if item.input == "choice":
        if text and text not in item.choices:
            raise ValueError(f"«{text}» no es una de las opciones: {', '.join(item.choices)}")
        return text or None
    return text or None


def _whole_number(text: str) -> int:
    digits = re.sub(r"[.,\s](?=\d{3}\b)", "", text)  # 1.500 / 1,500 / 1 500
    if not digits.isdigit():
        raise ValueError(f"«{text}» no es un número entero")
    return int(digits)


def as_text(item: ReviewItem, value: object) -> str:
    """A value as the reviewer types it: lists one item per line."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)
