"""Turn the spans of a ficha into normalised, typed field values with confidence and provenance."""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from corrections.lexicon import base_lexicon
from corrections.numbers import read_int
from extractors.choices import read_choice_row
from extractors.confidence import Evidence, absent_score, score
from extractors.entities import find_entities, load_gazetteer, names_only, split_list
from extractors.fit import Doubts, heading_like
from extractors.spans import TITLE, Span, agrees_with, assign, join_pieces
from extractors.template import FieldSpec, Template
from pipeline.files import read_yaml
from pipeline.records import FichaBlock, Ficha, FieldValue, Line
from pipeline.text import fold, strip_junk, strip_marks

OPTIONAL_FIELDS = {"limitaciones"}
FROM_CODE = ("codigo", "tipo", "area_codigo", "area")
"""Record keys read from the ficha's code, not from a label."""
LABEL_FOR_CODE = {"header": "full", "title": "shared", "summary": "summary"}
"""How sure the code is: read on the CÓDIGO line, on the title line, or inferred from the summary."""
MAX_CELL_WORDS = 25
PLACE_MATCH = 80
"""rapidfuzz ratio a place name read by OCR needs against the gazetteer ("Tulcén" → "Tulcán")."""
NAME_MATCH = 80
"""rapidfuzz score a printed principle or objective text needs to be decided by its name."""


def extract_ficha(block: FichaBlock, documento: str, template: Template) -> Ficha:
    """All record keys of the ficha's kind; absent fields are null with their confidence."""
    match = template.code_pattern.match(block.codigo)
    prefix = match["prefix"]
    kind = template.kind_of(prefix)
    spans = assign(list(block.lines[1:]), block.codigo, template, kind,
                   block.summary.descripcion if block.summary else None)
    by_key: dict[str, list[Span]] = {}
    for span in spans:
        if not span.empty:
            by_key.setdefault(span.key, []).append(span)

    doubts = Doubts(template)
    code_line = block.code_line
    code_evidence = Evidence(LABEL_FOR_CODE[block.code_found_in], code_line.confidence, 0, 1)
    tipo = template.codes.prefixes[prefix]
    # a tick box that says another kind than the code doubts the code (or the tick)
    code_evidence = replace(code_evidence, valid=_ticked_agrees(block, "tipo", tipo, template))
    fields: dict[str, FieldValue] = {
        "codigo": _fixed(block.codigo, code_line, code_evidence),
        "tipo": _fixed(tipo, code_line, code_evidence),
        "area_codigo": _fixed(block.area_codigo, code_line, code_evidence),
        "area": _fixed(template.codes.areas[block.area_codigo], code_line, code_evidence),
    }
    before_lost = _printed_before_lost(by_key, template, kind)
    for key in template.record_keys(kind):
        if key in fields:
            continue
        if key == "titulo":
            fields[key] = _title(by_key.get(TITLE, []), block)
        elif key == "sostenibilidad_detalle":
            fields[key] = _sustainability_detail(by_key.get("sostenibilidad", []), doubts)
        elif key in ("pmm_principios", "pmm_objetivos"):
            pmm = [span for k in PACTO for span in by_key.get(k, [])]
            parse = _principles if key == "pmm_principios" else _objectives
            fields[key] = _typed(pmm, lambda text: parse(text, template), key)
        else:
            fields[key] = _field(key, template.fields[key], by_key.get(key, []), template, doubts,
                                 next_lost=key in before_lost)
    return Ficha(block.codigo, documento, fields)


PACTO = ("pmm_principios", "pmm_objetivos")
"""Read together from one table: a span of either carries both."""


def _printed_before_lost(by_key: dict[str, list[Span]], template: Template, kind: str) -> set[str]:
    """The fields printed right before a field of which nothing was found (optional ones
    aside): their text may run on into its text, its label lost."""
    order = [k for k in template.printed_order.get(kind, []) if k not in OPTIONAL_FIELDS]
    found = set(by_key) | (set(PACTO) if set(PACTO) & set(by_key) else set())
    return {key for key, nxt in zip(order, order[1:]) if nxt not in found}


def _ticked_agrees(block: FichaBlock, key: str, value: str, template: Template) -> bool | None:
    """Whether the ficha's tick boxes for `key` agree with `value` (None: no readable tick)."""
    ticks = {tick.option for line in block.lines
             if (tick := read_choice_row(line.text, template)[1]) is not None and tick.key == key}
    return None if len(ticks) != 1 else ticks == {value}


def _pieces(spans: list[Span]) -> list[tuple[Line, str]]:
    return [piece for span in spans for para in span.paragraphs for piece in para]


def _provenance(pieces: list[tuple[Line, str]]) -> dict:
    lines = list(dict.fromkeys(line for line, _ in pieces))
    page = lines[0].page
    boxes = [l.bbox for l in lines if l.bbox is not None and l.page == page]
    bbox = (
        (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        if boxes else None
    )
    repairs = tuple(dict.fromkeys(r for l in lines for r in l.repairs))
    confidences = [l.confidence for l in lines if l.confidence is not None]
    return {
        "page": page,
        "bbox": bbox,
        "raw": "\n".join(l.raw if l.raw is not None else l.text for l in lines),
        "repairs": repairs,
        "reading": sum(confidences) / len(confidences) if confidences else None,
        "weakest": min((l.weakest for l in lines if l.weakest is not None), default=None),
        "words": sum(len(l.text.split()) for l in lines),
    }


def _label_of(spans: list[Span]) -> str:
    if any(s.close_call for s in spans):
        return "close"
    return "shared" if any(s.shared or s.partial_label for s in spans) else "full"


def _value(value, spans: list[Span], pieces, *, valid=None, ambiguous=False, extra_repairs=(),
           doubt: str | None = None) -> FieldValue:
    prov = _provenance(pieces)
    repairs = prov["repairs"] + tuple(extra_repairs)
    evidence = Evidence(_label_of(spans), prov["reading"], len(repairs), prov["words"], valid, ambiguous,
                        prov["weakest"], doubt)
    return FieldValue(value, score(evidence), prov["page"], prov["bbox"], prov["raw"], repairs, evidence.describe())


def _absent(key: str) -> FieldValue:
    return FieldValue(None, absent_score(key not in OPTIONAL_FIELDS), None, None, None, (), ("absent",))


def _fixed(value: str, line: Line, evidence: Evidence) -> FieldValue:
    return FieldValue(value, score(evidence), line.page, line.bbox, line.raw or line.text, line.repairs, evidence.describe())


def _field(key: str, spec: FieldSpec, spans: list[Span], template: Template, doubts: Doubts,
           next_lost: bool = False) -> FieldValue:
    if not spans:
        return _absent(key)
    chosen = spans if spec.join_repeats else spans[:1]
    pieces = _pieces(chosen)
    text = strip_marks(join_pieces(pieces))
    if spec.type == "int":
        reading = read_int(text)
        return _value(reading.value, chosen, pieces, valid=reading.value is not None or not re.search(r"\d", text),
                      ambiguous=reading.ambiguous, extra_repairs=reading.repairs)
    if spec.type == "enum":
        word = re.split(r"[\s.,;:]+", text.strip())[0] if text.strip() else ""
        match = process.extractOne(fold(word), {v: fold(v) for v in spec.values}, scorer=fuzz.ratio)
        ok = match is not None and match[1] >= 80
        return _value(match[2] if ok else word, chosen, pieces[:1], valid=ok)
    doubt = doubts.about(key, [t for _, t in pieces], text, next_lost)
    if spec.type == "list" and spec.split == "places":
        places, ok = split_places(text, template.data_path("places"))
        return _value(places, chosen, pieces, valid=ok, doubt=doubt)
    if spec.type == "list":
        pieces = _list_pieces(pieces)
        text = strip_marks(join_pieces(pieces))
        items = split_list(text)
        valid = None
        if spec.entity:
            valid = names_only(items, spec.entity, template.data_path("places"))
        return _value(items, chosen, pieces, valid=valid, doubt=doubt)
    if spec.single_line:
        return _value(text, chosen, pieces, valid=plausible_cell(text), doubt=doubt)
    return _value(text, chosen, pieces, valid=plausible_text(text, capital_first=not spec.run_in), doubt=doubt)


_NO_VALUE = re.compile(r"^\W*(no aplica|no registra|n/a)\W*$", re.IGNORECASE)


def _list_pieces(pieces: list[tuple[Line, str]]) -> list[tuple[Line, str]]:
    """The lines of a list value, up to its end: a list ends with its final period, and never
    runs into a heading or a neighbour cell's "No aplica" (what the OCR put after it)."""
    kept: list[tuple[Line, str]] = []
    for line, text in pieces:
        if kept and (_NO_VALUE.match(text) or heading_like(text)):
            break
        kept.append((line, text))
        if text.rstrip().endswith("."):
            break
    return kept


def plausible_cell(text: str) -> bool:
    """A one-line table cell is a short phrase: a capitalised word first, no second sentence
    glued on, not a bare amount (those belong to the number cells)."""
    words = text.split()
    if not words or len(words) > MAX_CELL_WORDS or not re.match(r"[A-ZÁÉÍÓÚÑ][a-záéíóúñ]", words[0]):
        return False
    return not re.search(r"[.;]\s+\S", text) and not re.search(r"\d[\d.,]*\s*USD", text)


def plausible_text(text: str, capital_first: bool = True) -> bool:
    """A free-text value reads as whole sentences: a capital (or opening mark) first, a full stop
    last, no stray OCR fragments. A cut or spliced value usually fails one of these. After a
    run-in label ("Contexto: ...") a value may start in lower case."""
    if len(text.split()) < 3 or not re.search(r"[.!?)]$", text):
        return False
    if capital_first and not (text[:1].isupper() or text[:1] in "¿¡(\"“"):
        return False
    if re.match(r"[B-DF-NP-XZ]\s", text):  # a lone letter that is no Spanish word: OCR debris
        return False
    return not re.search(r"https?:|www\.|\s[^\w\s(¿¡\"“]{2,}\s|(^|\s)\d[A-ZÁÉÍÓÚ][a-z]", text)


def _typed(spans: list[Span], parse, key: str) -> FieldValue:
    if not spans:
        return _absent(key)
    pieces = _pieces(spans)
    value, ok = parse("\n".join(text for _, text in pieces))
    if not value:
        return _absent(key)
    return _value(value, spans, pieces, valid=ok)


def _title(spans: list[Span], block: FichaBlock) -> FieldValue:
    summary = block.summary
    if spans:
        pieces = _pieces(spans[:1])
        text = strip_marks(join_pieces(pieces))
        agrees = None
        if summary is not None:
            agrees = agrees_with(text, summary.descripcion)
        return _value(text, spans[:1], pieces, valid=agrees)
    if summary is not None:
        pieces = [(l, l.text) for l in summary.lines]
        prov = _provenance(pieces)
        evidence = Evidence("summary", prov["reading"], len(prov["repairs"]), prov["words"], weakest=prov["weakest"])
        return FieldValue(summary.descripcion, score(evidence), prov["page"], prov["bbox"], prov["raw"], prov["repairs"], evidence.describe())
    return _absent("titulo")


def _sustainability_detail(spans: list[Span], doubts: Doubts) -> FieldValue:
    """The paragraph under "Sostenibilidad: Alta": the span's text after its first word."""
    if not spans:
        return _absent("sostenibilidad_detalle")
    pieces = _pieces(spans[:1])
    first_line, first_text = pieces[0]
    rest = re.sub(r"^\W*\w+\W*", "", first_text, count=1)
    pieces = ([(first_line, rest)] if rest.strip() else []) + pieces[1:]
    if not pieces:
        return _absent("sostenibilidad_detalle")
    text = strip_marks(join_pieces(pieces))
    return _value(text, spans[:1], pieces, doubt=doubts.about("sostenibilidad_detalle", [t for _, t in pieces], text))


def split_places(text: str, gazetteer: Path) -> tuple[list[str], bool]:
    """Canonical place names, in order, up to the first words that are no place.

    Text after the list (a neighbour cell's overflow) is dropped; a phrase that starts with no
    place at all ("Alcance nacional ...") stays one item and is not validated.
    """
    text = text.strip()
    entities = {fold(e.text): e.canonical for e in find_entities(text, gazetteer) if e.label == "LOC"}
    places: list[str] = []
    for part in re.split(r"[,;]|\.\s|\s+[ye]\s+", text):
        part = part.strip(" .;:")
        canonical = _place(part, entities, gazetteer)
        if canonical:
            places.append(canonical)
            continue
        found, text_follows = _places_among_debris(part.split(), entities, gazetteer)
        places.extend(found)
        if text_follows:
            break
    if not places:
        return [strip_junk(text)], False
    return list(dict.fromkeys(places)), True


PLACE_WORDS = 4
"""The most words a place name has ("Santo Domingo de los Tsáchilas" is found whole by the ruler)."""


def _places_among_debris(words: list[str], entities: dict[str, str], gazetteer: Path) -> tuple[list[str], bool]:
    """Places in a part that is no place as a whole, read word by word: OCR debris between or
    before names ("L", "yaqu 8 )", a label's bleed) is skipped, a real word ends the list. A line
    break printed where the comma was ("Quito" / "Riobamba") leaves such a part too. Returns the
    places and whether real text follows them."""
    found, i = [], 0
    while i < len(words):
        for n in range(min(PLACE_WORDS, len(words) - i), 0, -1):
            canonical = _place(" ".join(words[i:i + n]).strip(" .;:()"), entities, gazetteer)
            if canonical:
                found.append(canonical)
                i += n
                break
        else:
            if not _debris(words[i]):
                return found, True
            i += 1
    return found, False


def _debris(word: str) -> bool:
    """A token that is no Spanish word: punctuation, a digit, one or two letters, or letters the
    lexicon does not know."""
    letters = re.sub(r"[^\w]|[\d_]", "", word)
    return len(letters) <= 2 or len(letters) < len(word.strip(".,;:()")) or not base_lexicon().is_valid(letters.lower())


def _place(part: str, entities: dict[str, str], gazetteer: Path) -> str | None:
    return entities.get(fold(part)) or _gazetteer_match(part, gazetteer) if part else None


def _gazetteer_match(part: str, gazetteer: Path) -> str | None:
    """The canonical place closest to `part`, when OCR changed at most a letter or two."""
    match = process.extractOne(fold(part), _place_names(gazetteer), scorer=fuzz.ratio, score_cutoff=PLACE_MATCH)
    return match[2] if match else None


@lru_cache(maxsize=4)
def _place_names(gazetteer: Path) -> dict[str, str]:
    return {canonical: folded for folded, canonical in load_gazetteer(gazetteer).items()}


_PRINCIPLE = re.compile(
    r"(?:^(?P<lead>[^\s()]{0,2}\))?|(?<=\s)(?P<mark>[^\s()]{0,2}\)))\s*(?P<name>[^\W\d_][^.;)\n]{3,60})", re.M
)
"""A principle opens a table row: after a list marker (`f)`, `6)`, `)`) or at a line start."""
_OBJECTIVE = re.compile(r"\bO\w{1,4}tivos?\s*(?P<number>[\dIl|!]{0,3})\s*[:.;]?")


@lru_cache(maxsize=4)
def _pacto(path: Path) -> dict:
    return read_yaml(path)


def _principles(text: str, template: Template) -> tuple[list[str], bool]:
    """Letters of the printed principles, decided by name: OCR prints `6)` for `f)`.

    A principle is a name that opens a row, so the same words inside an objective's text
    ("... al desarrollo sostenible") do not count. A row marked "x)" whose name reads as none
    fails the check: a principle may be missing.
    """
    names = {letter: fold(name) for letter, name in _pacto(template.data_path("pacto_mundial"))["principios"].items()}
    found, unread = set(), False
    for m in _PRINCIPLE.finditer(text):
        printed = fold(m["name"])
        match = process.extractOne(printed, names, scorer=fuzz.ratio, score_cutoff=NAME_MATCH)
        if match is None and (m["lead"] or m["mark"]):  # after a marker the row may run on
            match = process.extractOne(printed, names, scorer=_starts_with, score_cutoff=NAME_MATCH)
            unread |= match is None and len(m["mark"] or m["lead"] or "") == 2  # "x)": a row whose name is lost
        if match:
            found.add(match[2])
    return sorted(found), not unread


def _starts_with(printed: str, name: str, **_) -> float:
    """Similarity of a principle name to the start of the printed text (a row may run on)."""
    return fuzz.ratio(printed[: len(name)], name)


def _objectives(text: str, template: Template) -> tuple[list[int], bool]:
    """Objective numbers, decided by the objective's text; the printed number breaks ties."""
    names = {int(n): fold(t) for n, t in _pacto(template.data_path("pacto_mundial"))["objetivos"].items()}
    found, agree = set(), True
    starts = list(_OBJECTIVE.finditer(text))
    for m, nxt in zip(starts, starts[1:] + [None]):
        printed = _printed_number(m["number"])
        body = fold(text[m.end(): nxt.start() if nxt else len(text)])[:80]
        match = process.extractOne(body, names, scorer=fuzz.partial_ratio, score_cutoff=NAME_MATCH) if len(body) > 12 else None
        if match:
            found.add(match[2])
            agree &= printed == match[2]
        elif printed in names:
            found.add(printed)
            agree = False
    return sorted(found), agree


def _printed_number(raw: str) -> int | None:
    digits = raw.translate(str.maketrans({"I": "1", "l": "1", "|": "1", "!": "1"}))
    return int(digits) if digits.isdigit() else None
