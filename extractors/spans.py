"""Assign the lines of a ficha block to its fields: which text belongs to which label.

Printed fichas are label → value, but OCR of two-column tables breaks that order: a run of
labels may come first and their values after (in the same order), a value may start above
its own label, and a table cell's overflow may land under the next label. The assignment is
done in passes over a list of events (labels and paragraphs of text):

1. a label owns the text after it, up to the next label. A label is read whole, by its head
   (its rest dropped from the lines below), garbled by a letter (`LabelMatcher.near`), by its
   first and last words, or garbled further when what follows fits its field; a row of tick
   boxes ends the field before it; labels read one after another on a line share the values
   after them by type;
2. a number cell with no number takes an amount-only line from a neighbour;
3. a one-line table cell keeps its first paragraph (or sentence) and passes the rest on;
4. an empty list-of-organisations field takes a list of organisations glued to the end of a
   text field, before the runs below count the values they share;
5. a run of labels with no text of their own shares the text that follows by what each
   field holds (`fit.align`: a scored, ordered assignment by type and usual length, its
   margin a close call or not); a run at the end of a table takes the paragraphs before it,
   in the template's printed order;
6. a value that starts mid-sentence takes the sentence start from the label before;
7. the title is checked against the summary table: a title that ran on gives the rest to
   the field after it, one swapped with another field's paragraph swaps back.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from corrections.lexicon import base_lexicon
from extractors.choices import read_choice_row
from extractors.entities import names_only, split_list
from extractors.fit import FieldFit, agrees_with, align
from extractors.labels import LabelHit, LabelMatcher
from extractors.template import FieldSpec, Kind, Template
from pipeline.records import Line
from pipeline.text import fold, strip_junk

Piece = tuple[Line, str]
"""A line and the part of its text that belongs to a value."""
Paragraph = list[Piece]

STOP = "_stop"
TITLE = "titulo"
PARAGRAPH_GAP = 0.8
"""A vertical gap larger than this many line heights starts a new paragraph (OCR'd pages)."""
LABEL_REST_LINES = 4
"""Lines after a label's head where the rest of the label may still be printed (OCR puts the
label column's wrapped words between the value's lines)."""
_SENTENCE_END = re.compile(r"[.!?:)]\s*$")


@dataclass
class Span:
    key: str
    label_found: bool = True
    partial_label: bool = False
    shared: bool = False
    """Some of its text was shared out from a run of labels or moved across a label."""
    close_call: bool = False
    """Shared out by an assignment that another one came close to (`fit.align`'s margin)."""
    label_line: Line | None = None
    """The line its label was read on."""
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(self.paragraphs)

    def add(self, piece: Piece, new_paragraph: bool) -> None:
        if new_paragraph or not self.paragraphs:
            self.paragraphs.append([])
        self.paragraphs[-1].append(piece)


def build_matcher(template: Template, kind: Kind) -> LabelMatcher:
    labels = [
        (key, label, spec.case_sensitive)
        for key, spec in template.fields.items()
        if kind in spec.kinds
        for label in spec.labels
    ]
    labels += [(STOP, h, False) for h in template.stop_headings]
    return LabelMatcher(labels)


def assign(lines: list[Line], codigo: str, template: Template, kind: Kind, title: str | None = None) -> list[Span]:
    """The spans of a ficha block in document order (a field may have several). `title`: the
    ficha's description in its area's summary table, when read."""
    matcher = build_matcher(template, kind)
    rows = [(key, re.compile(spec.opens_with)) for key, spec in template.fields.items()
            if spec.opens_with and kind in spec.kinds]
    fit = FieldFit(template, title)
    spans = _read_events(split_run_in(lines, template, kind), codigo, matcher, rows, template, fit)
    specs = template.fields
    _fetch_amounts(spans, specs)
    _pass_on_overflow(spans, specs)
    _claim_entity_lists(spans, template, kind)
    spans = _share_label_runs(spans, template, kind, fit)
    _fetch_amounts(spans, specs)  # the run sharing may have brought the amount next door
    _continue_lowercase(spans, specs)
    if title:
        order = template.printed_order.get(kind, [])
        _title_by_summary(spans, title, order[order.index(TITLE) + 1] if TITLE in order[:-1] else None)
    return [s for s in spans if s.key != STOP]


def split_run_in(lines: list[Line], template: Template, kind: Kind) -> list[Line]:
    """Break a line where a run-in label ("Beneficiarios previstos:") starts after a sentence."""
    labels = [
        label for spec in template.fields.values() if spec.run_in and kind in spec.kinds for label in spec.labels
    ]
    body = "|".join(r"\s*".join(re.escape(w) for w in fold(label).split()) for label in labels)
    pattern = re.compile(rf"(?<=[.;]\s)(?:{body})\s*:")
    out = []
    for line in lines:
        folded = fold(line.text)
        cut = pattern.search(folded) if len(folded) == len(line.text) else None
        if cut:
            out.append(replace(line, text=line.text[: cut.start()].rstrip()))
            out.append(replace(line, text=line.text[cut.start():]))
        else:
            out.append(line)
    return out


def _read_events(lines: list[Line], codigo: str, matcher: LabelMatcher,
                 rows: list[tuple[str, re.Pattern[str]]], template: Template, fit: FieldFit) -> list[Span]:
    """Pass 1: every label opens a span that takes the text up to the next label; a row of tick
    boxes ends the span before it."""
    title = re.compile(rf"^\s*{re.escape(codigo)}\s*[:.]")
    spans: list[Span] = [Span(STOP)]
    new_paragraph, previous = False, None
    # a garbled label ("Ffectividad") counts once, for a field whose label is read nowhere else
    unread = set(matcher.keys()) - {hit.key for line in lines if (hit := matcher.match(line.text))}
    unread_label, unread_for = "", 0
    for line in lines:
        text = line.text
        if not text.strip():
            new_paragraph = True
            continue
        if previous is not None and _gap_between(previous, line):
            new_paragraph = True
        after_head = spans[-1].key if spans[-1].partial_label and spans[-1].label_line is previous else None
        if unread_label and unread_for:  # a label's rest, printed in pieces on the lines below
            cut, rest = matcher.continuation(text, unread_label)
            text, unread_label = (strip_junk(text[cut:]), rest) if cut else (text, unread_label)
            unread_for -= 1
        previous = line
        if read_choice_row(text, template)[0]:
            spans.append(Span(STOP))
            continue
        title_match = title.match(text)
        if after_head is not None and not title_match:  # the rest of a heading cut in two lines
            text = strip_junk(text[matcher.tail_length(text, after_head=after_head):])
        hit = None if title_match else matcher.match(text)
        if not title_match and not hit and after_head is None:
            text = strip_junk(text[matcher.tail_length(text):])
            hit = matcher.match(text)
        if not title_match and not hit and (near := matcher.near(text)) is not None:
            if near.key in unread:
                unread.discard(near.key)
                hit = replace(near, partial=True)
            elif near.key == spans[-1].key:  # its own label read again, garbled ("Contribuci6n:")
                text = near.rest
        if not title_match and not hit and (near := _garbled_label(text, matcher, unread, fit)) is not None:
            unread.discard(near.key)
            hit = replace(near, partial=True)
        if not title_match and not hit and (near := matcher.by_ends(text, unread - {STOP})) is not None:
            unread.discard(near.key)
            hit = replace(near, partial=True)
        if not _has_word(text):
            continue
        row = next((key for key, pattern in rows if pattern.match(text)), None) if not hit else None
        if row and spans[-1].key != row:
            spans.append(Span(row))
        if title_match:
            spans.append(Span(TITLE, label_line=line))
            text = strip_junk(text[title_match.end():])
        elif hit:
            spans.append(Span(hit.key, partial_label=hit.partial, label_line=line))
            text, unread_label, unread_for = hit.rest, hit.unread, LABEL_REST_LINES
            inline = _labels_inline(text, matcher, template) if hit.key in template.fields else []
            if inline:  # several rows' labels read on one line, then their values: shared by type
                run = [spans[-1]] + [Span(more.key, label_line=line) for more in inline]
                units = [[(line, unit)] for unit in _inline_units(inline[-1].rest)]
                for span, group in zip(run, _align(units, run, fit)):
                    span.paragraphs, span.shared = group, True
                spans.extend(run[1:])
                unread_label, new_paragraph = inline[-1].unread, False
                continue
        if _has_word(text):
            spans[-1].add((line, text), new_paragraph or bool(title_match or hit))
        new_paragraph = False
    return spans


def _labels_inline(text: str, matcher: LabelMatcher, template: Template) -> list[LabelHit]:
    """Labels that follow a label on its line: OCR of an unruled table whose rows lie close
    read several rows as one ("# de población asistida Territorio Tipo de asistencia 32,000
    Tulcán, Quito. Asistencias ..."). A speck of one or two letters between them is skipped.
    The Pacto Mundial's column heads ("Principios rectores Objetivos") are one table's header,
    read together by design: their values are parsed from the table whole."""
    found: list[LabelHit] = []
    while text:
        hit = matcher.match(text)
        if hit is None:
            words = text.split(maxsplit=1)
            if len(words) == 2 and len(words[0]) <= 2:
                hit = matcher.match(words[1])
        if hit is None or hit.key not in template.fields or hit.partial or \
                template.fields[hit.key].type in ("principles", "objectives"):
            return found
        found.append(hit)
        text = hit.rest
    return found


_LEADING_AMOUNT = re.compile(r"^((?:US\$|USD|\$)?\s?\d[\d.,]*(?:\s?(?:USD|\$))?|No aplica\.?|No registra\.?)\s+(?=\S)", re.I)


def _inline_units(text: str) -> list[str]:
    """The values a run of labels read on one line shares, apart: a number first, then
    sentences (and lists) ended by a full stop before a capital."""
    units: list[str] = []
    amount = _LEADING_AMOUNT.match(text)
    if amount:
        units.append(amount.group(1))
        text = text[amount.end():]
    units += [u for u in re.split(r"(?<=[.;])\s+(?=[A-ZÁÉÍÓÚÑ¿¡])", text) if u.strip()]
    return units


def _garbled_label(text: str, matcher: LabelMatcher, unread: set[str], fit: FieldFit) -> LabelHit | None:
    """A label OCR garbled past `near` ("Ferritocia Quito, Tulcán"), taken for one only on
    more evidence: the word read is no word, the field's label is read nowhere else in the
    ficha, and what follows on the line is what that field holds (GOOD_FIT)."""
    first = re.sub(r"[^\w]", "", text.split()[0]).lower() if text.split() else ""
    if not first or base_lexicon().is_valid(first):
        return None
    hit = matcher.near(text, keys=unread - {STOP}, loose=True)
    return hit if hit is not None and hit.rest and fit(hit.key, hit.rest) >= GOOD_FIT else None


GOOD_FIT = 0.9


def _share_label_runs(spans: list[Span], template: Template, kind: Kind, fit: FieldFit) -> list[Span]:
    """Pass 5: labels printed in a run share the paragraphs after (or before) the run.

    After the run means the labels came first and the values follow in the same order (the
    text after a stop heading such as "Relación con ODS", whose content is a graphic, counts
    too): which values go to which label is decided by what each field holds (`_align`), not by
    counting. Before the run means the values were printed above their labels.
    """
    i = 0
    while i < len(spans):
        j = i
        while j < len(spans) and spans[j].empty and spans[j].key != STOP:
            j += 1
        run = spans[i:j]
        owner = spans[j] if j < len(spans) else None
        donor = spans[i - 1] if i > 0 and spans[i - 1].key != STOP else None
        if run and owner is not None and not owner.empty:
            wanted = len(run) + (owner.key != STOP)
            units = _units(owner.paragraphs, sentences=len(run) > 1)
            if owner.key == STOP:  # under a graphic heading only real sentences or amounts are values
                units = [u for u in units if _AMOUNT_LINE.match(u[0][1]) and len(re.findall(r"\d", u[0][1])) >= 2
                         or sum(len(_WORD.findall(t)) for _, t in u) >= 3]
            enough = len(units) >= wanted
            if units and (enough or (len(run) > 1 and not _values_before(run, donor))):
                slots = run + ([owner] if owner.key != STOP else [])
                if owner.key == TITLE and owner.paragraphs[0][0][0] is owner.label_line:
                    # a title printed again beside a flattened table keeps its own line's paragraph
                    slots, units = run, _units(owner.paragraphs[1:], sentences=len(run) > 1)
                    owner.paragraphs = owner.paragraphs[:1]
                for span, paras in zip(slots, _align(units, slots, fit)):
                    span.paragraphs, span.shared = paras, True
                if owner.key == STOP:
                    owner.paragraphs = []
                i = j + 1
                continue
        if run and _values_before(run, donor):
            units = _donor_units(donor, len(run))
            if len(run) == 1 and template.printed_before(run[0].key, donor.key, kind):
                # a row's label OCR'd below the next row: its value is the donor's first
                run[0].paragraphs, run[0].shared = units[:1], True
                donor.paragraphs = units[1:]
            else:
                keep = len(units) - len(run)
                donor.paragraphs = units[:keep]
                for span, unit in zip(run, units[keep:]):
                    span.paragraphs, span.shared = [unit], True
        i = j + 1
    return spans


def _values_before(run: list[Span], donor: Span | None) -> bool:
    """Whether the span before a run of empty labels holds enough text to give them values."""
    if donor is None:
        return False
    return len(_donor_units(donor, len(run))) > len(run)


def _donor_units(donor: Span, wanted: int) -> list[Paragraph]:
    """The donor's paragraphs, or its sentences when it has too few paragraphs to give.

    A table row's label is printed beside the middle of its cell, so the donor's own value
    ends with the first sentence that ends on or after its label's line; the rest of that
    paragraph was printed above the next labels.
    """
    paragraphs = [q for p in donor.paragraphs for q in _cut_after_label(p, donor.label_line)]
    units = _units(paragraphs, sentences=False)
    return units if len(units) > wanted else _units(paragraphs, sentences=True)


def _cut_after_label(paragraph: Paragraph, label_line: Line | None) -> list[Paragraph]:
    at = next((k for k, (line, _) in enumerate(paragraph) if line is label_line), None)
    if at is None:
        return [paragraph]
    for k in range(at, len(paragraph) - 1):
        if _SENTENCE_END.search(paragraph[k][1]) and strip_junk(paragraph[k + 1][1])[:1].isupper():
            return [paragraph[: k + 1], paragraph[k + 1:]]
    return [paragraph]


def _units(paragraphs: list[Paragraph], sentences: bool) -> list[Paragraph]:
    """Paragraphs, each broken into sentences when asked (values printed without blank lines)."""
    units: list[Paragraph] = []
    for para in (p for p in paragraphs if p):
        for unit in _sentences(para) if sentences else [para]:
            if units and _continues(units[-1], unit):
                units[-1] = units[-1] + unit  # a wrapped line, not a new value
            else:
                units.append(unit)
    return units


def _align(units: list[Paragraph], slots: list[Span], fit: FieldFit) -> list[list[Paragraph]]:
    """Units split into one group per slot, in order, each group fitting its field best: places
    to territorio, organisations to actores, an amount to a number, sentences to text. When
    another split is almost as likely (CLOSE_MARGIN), the slots are marked a close call."""
    def group_fit(slot: int, i: int, j: int) -> float:
        return fit(slots[slot].key, join_pieces([p for u in units[i:j] for p in u]))
    bounds, margin = align(len(units), len(slots), group_fit)
    if margin < CLOSE_MARGIN:
        for slot in slots:
            slot.close_call = True
    return [units[i:j] for i, j in bounds]


CLOSE_MARGIN = 3.0
"""An assignment less than this many times likelier than the next best one is a close call."""


_AMOUNT_LINE = re.compile(r"^\W*[\d.,]+\s*(USD|\$)?\W*$")
_WORD = re.compile(r"[^\W\d_]{2,}")


def _sentences(paragraph: Paragraph) -> list[Paragraph]:
    """Break where a line ends a sentence or a list and the next starts with a capital, and
    around a line that is only an amount ("840,000 USD"): table cells printed without blank
    lines ("Quito, Manta y Cuenca" / "OIM, Socios Implementadores" are two cells)."""
    out: list[Paragraph] = [[]]
    for k, piece in enumerate(paragraph):
        if _AMOUNT_LINE.match(piece[1]) and out[-1]:
            out.append([])
        out[-1].append(piece)
        nxt = paragraph[k + 1][1] if k + 1 < len(paragraph) else ""
        ends = _SENTENCE_END.search(piece[1]) or (len(out[-1]) == 1 and _list_line(piece[1]))
        if (ends and strip_junk(nxt)[:1].isupper()) or _AMOUNT_LINE.match(piece[1]):
            out.append([])
    return [p for p in out if p]


LIST_ITEM_WORDS = 4
_OPEN_END = {"y", "e", "o", "u", "de", "del", "la", "las", "los", "el", "en", "con", "para", "por", "a", "que"}


def _list_line(text: str) -> bool:
    """A line that is a list on its own ("Quito, Manta y Cuenca"): short items apart by commas,
    no sentence mark, not ending on a word that carries on ("… Socios Implementadores y")."""
    items = [i.strip() for i in text.split(",")]
    words = text.split()
    return (len(items) >= 2 and all(0 < len(i.split()) <= LIST_ITEM_WORDS for i in items)
            and not re.search(r"[.;:]", text) and words[-1].lower() not in _OPEN_END)


def _pass_on_overflow(spans: list[Span], specs: dict[str, FieldSpec]) -> None:
    """Pass 3: a one-line table cell keeps one paragraph; the rest belongs to the next label."""
    for k, span in enumerate(spans[:-1]):
        spec = specs.get(span.key)
        if spec and spec.type == "int":
            _one_line_per_number(span)
        if spec and spec.single_line:
            span.paragraphs = [s for p in span.paragraphs for s in _sentences(p)]
        if not spec or not spec.single_line or len(span.paragraphs) < 2:
            continue
        keep = 0
        if spec.type == "int":
            keep = next((i for i, p in enumerate(span.paragraphs) if _has_digit(p)), 0)
        while keep + 1 < len(span.paragraphs) and _continues(span.paragraphs[keep], span.paragraphs[keep + 1]):
            keep += 1  # the cell's own text, wrapped onto a line of its own
        nxt, overflow = spans[k + 1], span.paragraphs[keep + 1:]
        if nxt.key != STOP and overflow:
            nxt.paragraphs = overflow + nxt.paragraphs
            nxt.shared = True
        span.paragraphs = span.paragraphs[: keep + 1]


def _one_line_per_number(span: Span) -> None:
    """A number cell is one printed line: lines glued under it in the same paragraph (legacy
    text without a blank line) start a paragraph of their own, to be passed on."""
    for i, para in enumerate(span.paragraphs):
        if len(para) > 1:
            span.paragraphs[i:i + 1] = [para[:1], para[1:]]
            return


def _continues(before: Paragraph, after: Paragraph) -> bool:
    """Whether `after` carries on the sentence or list that `before` left open."""
    return before[-1][1].rstrip().endswith((",", ";")) or after[0][1][:1].islower()


def _fetch_amounts(spans: list[Span], specs: dict[str, FieldSpec]) -> None:
    """Pass 2: a number cell with no number takes an amount-only line printed beside a neighbour label."""
    for k, span in enumerate(spans):
        spec = specs.get(span.key)
        if not spec or spec.type != "int" or any(_has_digit(p) for p in span.paragraphs):
            continue
        for neighbour in (spans[k - 1] if k else None, spans[k + 1] if k + 1 < len(spans) else None):
            if neighbour is None or (specs.get(neighbour.key) and specs[neighbour.key].type == "int"):
                continue
            found = _take_amount(neighbour)
            if found:
                span.paragraphs.insert(0, [found])
                span.shared = True
                break


def _take_amount(span: Span) -> Piece | None:
    for para in span.paragraphs:
        for piece in para:
            if _AMOUNT_LINE.match(piece[1]):
                para.remove(piece)
                span.paragraphs = [p for p in span.paragraphs if p]
                return piece
    return None


def _continue_lowercase(spans: list[Span], specs: dict[str, FieldSpec]) -> None:
    """Pass 6: a value that starts mid-sentence takes the sentence start from the span before.

    Either the value starts in lower case, or its label is an upper-case row label (printed
    beside the middle of its cell) and the span before ends in an unfinished sentence.
    """
    for k in range(1, len(spans)):
        span, before = spans[k], spans[k - 1]
        if span.empty or before.key == STOP or before.empty:
            continue
        if span.paragraphs[0][0][1][:1].islower() and len(before.paragraphs) > 1:
            span.paragraphs[0] = before.paragraphs.pop() + span.paragraphs[0]
            span.shared = True
        elif specs.get(span.key) and specs[span.key].case_sensitive:
            pieces = before.paragraphs[-1]
            ends = [i for i, (_, text) in enumerate(pieces) if _SENTENCE_END.search(text)]
            start = ends[-1] + 1 if ends else (0 if len(before.paragraphs) > 1 else len(pieces))
            if start < len(pieces):
                span.paragraphs[0] = pieces[start:] + span.paragraphs[0]
                before.paragraphs[-1] = pieces[:start]
                before.paragraphs = [p for p in before.paragraphs if p]
                span.shared = True


def _title_by_summary(spans: list[Span], title: str, follower: str | None) -> None:
    """Pass 7: the summary table names the ficha's title. A title span that disagrees with it
    but whose first lines agree ran on into the next field, its heading lost under bleed-
    through: the rest is that field's. A title span that disagrees, while a paragraph under
    another label agrees, holds that label's text: the two swap (a flattened page printed the
    hallazgo where the title was and the title under "Hallazgo"). `follower`: the field the
    template prints right after the title.
    Without a title span nothing moves: the summary gives the title, and a lesson's
    description may repeat it."""
    own = next((s for s in spans if s.key == TITLE and not s.empty), None)
    if own is None or agrees_with(join_pieces([p for para in own.paragraphs for p in para]), title):
        return
    pieces = [p for para in own.paragraphs for p in para]
    cut = next((k for k in range(1, len(pieces)) if agrees_with(join_pieces(pieces[:k]), title)), None)
    if cut is not None and follower is not None and not any(s.key == follower and not s.empty for s in spans):
        # the title ran on into the text under a heading OCR lost: the rest is that field's
        own.paragraphs = [pieces[:cut]]
        spans.insert(spans.index(own) + 1, Span(follower, label_found=False, shared=True, paragraphs=[pieces[cut:]]))
        return
    for span in spans:
        if span.key in (TITLE, STOP):
            continue
        for k, para in enumerate(span.paragraphs):
            if agrees_with(join_pieces(para), title):
                span.paragraphs[k:k + 1] = own.paragraphs
                own.paragraphs, own.shared, span.shared = [para], True, True
                return


def _claim_entity_lists(spans: list[Span], template: Template, kind: Kind) -> None:
    """Pass 4: a list-of-organisations field ("Actores involucrados") with no text of its own
    takes the last sentence of a free-text field when every comma-separated item of it names
    an organisation: a flattened table put the actors' cell after a neighbour's text, and no
    sentence of running text is a bare list of organisations."""
    gazetteer = template.data_path("places")
    for key, spec in template.fields.items():
        if not spec.entity or kind not in spec.kinds or any(s.key == key and not s.empty for s in spans):
            continue
        for k, span in enumerate(spans):
            donor = template.fields.get(span.key)
            if span.empty or donor is None or donor.type != "text" or donor.single_line:
                continue
            last = _sentences(span.paragraphs[-1])[-1]
            if names_only(split_list(join_pieces(last)), spec.entity, gazetteer, spare_words=1):
                span.paragraphs[-1] = span.paragraphs[-1][: len(span.paragraphs[-1]) - len(last)]
                span.paragraphs = [p for p in span.paragraphs if p]
                own = next((s for s in spans if s.key == key), None)
                if own is None:
                    spans.insert(k + 1, Span(key, shared=True, paragraphs=[last]))
                else:  # its label keeps its place, so the label runs around it still count right
                    own.paragraphs, own.shared = [last], True
                break


_RULE_DEBRIS = re.compile(r"(?<=\w)_+(?=\s|$)|(?<!\S)[_|]+(?!\S)")
"""A table rule OCR read as "_" or "|", alone or glued to a word's end ("Alas de_ Colibrí")."""


def join_pieces(pieces: list[Piece]) -> str:
    """One value from its line pieces: hyphenation at line ends undone, table-rule debris
    dropped, spaces collapsed."""
    text = ""
    for _, piece in pieces:
        piece = piece.strip()
        if text.endswith("-") and piece[:1].islower():
            text = text[:-1] + piece
        else:
            text = f"{text} {piece}" if text else piece
    return re.sub(r"\s+", " ", _RULE_DEBRIS.sub(" ", text)).strip()


def _gap_between(a: Line, b: Line) -> bool:
    if a.bbox is None or b.bbox is None or a.page != b.page:
        return False
    height = max(a.bbox[3] - a.bbox[1], 1.0)
    return b.bbox[1] - a.bbox[3] > PARAGRAPH_GAP * height


def _has_word(text: str) -> bool:
    """A word, a number or a slashed abbreviation ("N/A", "s/d"), not only OCR specks."""
    return bool(re.search(r"[^\W\d_]{2,}|\d|\b[^\W\d_]/[^\W\d_]\b", text))


def _has_digit(paragraph: Paragraph) -> bool:
    return any(re.search(r"\d", text) for _, text in paragraph)
