"""Page furniture: running headers and footers, page numbers and footnotes belong to the page,
not to the ficha whose text crosses it.

A catalogue nobody wrote a pattern for still repeats its furniture: a line at the top or the
bottom of a page that comes back, give or take its page number and an OCR slip, on many pages
of the document. That repetition is what finds it here (`repeated_furniture`); the template's
patterns (`page_furniture`, `footnote`) add what repetition cannot see (a footnote, a page
number alone on its line).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import groupby

from rapidfuzz import fuzz

from extractors.labels import LabelMatcher
from extractors.template import Template
from pipeline.records import Line
from pipeline.text import fold

BAND_LINES = 2
"""Lines at each end of a page (by position) where running headers and footers are printed
(a fifth of a short page's lines)."""
REPEATED_SHARE = 0.4
MIN_PAGES = 3
SEQUENCE_PAGES = 3
"""Bare numbers on this many pages that run with the pages' order are the page numbers."""
SAME_FURNITURE = 85
"""rapidfuzz ratio of two lines' letters for them to be one running header read twice by OCR."""
MIN_LETTERS = 4
"""A line with fewer letters (a page number, a dash) is left to the template's patterns."""
LONG_HEADING = 12
"""A line containing a heading this long (letters) is that heading, whatever OCR put around it;
a shorter one ("Útil", "Contexto") may be a word of a running title."""
ELSEWHERE_SHARE = 4
"""A running header is seen away from its end of the page (OCR's reading order) on at most a
quarter as many pages as at it; text the catalogue repeats in every ficha is seen anywhere."""
ANYWHERE_LETTERS = 15
"""A repeated header this long is dropped wherever OCR put it on the page, not only at an end."""


def drop_page_furniture(lines: list[Line], template: Template) -> list[Line]:
    """The document's lines without its page furniture and footnotes."""
    furniture = {l for l in lines if any(p.match(l.text) for p in template.furniture)}
    furniture |= repeated_furniture(lines, template)
    furniture |= page_numbers(lines, template, furniture)
    kept = [l for l in lines if l not in furniture]
    if template.footnote is None:
        return kept
    footnote = re.compile(template.footnote)
    out: list[Line] = []
    for _, page in groupby(kept, key=lambda l: l.page):
        page = list(page)
        tail = len(page) - template.footnote_last_lines
        cut = next((i for i, l in enumerate(page) if i >= tail and footnote.match(l.text)), len(page))
        out.extend(page[:cut])
    return out


def repeated_furniture(lines: list[Line], template: Template) -> set[Line]:
    """Lines that repeat, digits aside, at the top or at the bottom of enough of the pages and
    seldom anywhere else.

    Running headers and footers are printed on (nearly) every page: enough is REPEATED_SHARE
    of the pages with text, and at least three. A catalogue repeats much of its own text in
    every ficha (labels, the Pacto Mundial's objectives, "OIM, Socios Implementadores.", one
    project's goal), at no fixed place on the page: a line seen elsewhere on more than a
    quarter as many pages as at one end of the page is content. So is a line that opens with
    a template label or heading, or carries a ficha code.
    """
    pages = {page: [l for l in group if l.text.strip()] for page, group in groupby(lines, key=lambda l: l.page)}
    needed = max(MIN_PAGES, math.ceil(REPEATED_SHARE * sum(1 for p in pages.values() if p)))
    labels = heading_matcher(template)
    headings = [_letters(h) for h in _headings(template)]
    clusters: list[_Cluster] = []
    for number, page in pages.items():
        top, bottom = _ends(page)
        for line in page:
            key = _letters(line.text)
            if (len(key) < MIN_LETTERS or template.code_pattern.search(line.text) or labels.match(line.text)
                    or any(key in h or (len(h) >= LONG_HEADING and h in key) for h in headings)):
                continue
            cluster = next((c for c in clusters if fuzz.ratio(c.key, key) >= SAME_FURNITURE), None)
            if cluster is None:
                cluster = _Cluster(key)
                clusters.append(cluster)
            where = cluster.top if line in top else cluster.bottom if line in bottom else cluster.middle
            where.add(number)
    furniture = [c.key for c in clusters if c.is_furniture(needed)]
    if not furniture:
        return set()
    found: set[Line] = set()
    for page in pages.values():
        top, bottom = _ends(page)
        for line in page:
            key = _letters(line.text)
            if len(key) < MIN_LETTERS or (line not in top and line not in bottom and len(key) < ANYWHERE_LETTERS):
                continue
            if any(fuzz.ratio(f, key) >= SAME_FURNITURE for f in furniture):
                found.add(line)
    return found


def page_numbers(lines: list[Line], template: Template, furniture: set[Line]) -> set[Line]:
    """Page numbers alone on their lines (the template's `page_number`).

    A bare number may be a value ("500" under "# de población asistida" in flattened text), so
    it counts only when the document's numbers run in sequence with its pages (SEQUENCE_PAGES
    of them, at one offset give or take one) or it stands next to other furniture. A named one
    ("Pág. 19") counts anywhere, a dressed one ("— 19 —", "[19]") at a page's top or bottom."""
    if template.page_number is None:
        return set()
    pattern = re.compile(template.page_number, re.IGNORECASE)
    printed = [(i, l) for i, l in enumerate(lines) if l.text.strip()]
    candidates = [(k, line, m) for k, (_, line) in enumerate(printed) if (m := pattern.match(line.text.strip()))]
    offsets: dict[int, set[int]] = {}
    for _, line, m in candidates:
        offsets.setdefault(int(m["number"]) - line.page, set()).add(line.page)
    ends = {l for _, group in groupby(lines, key=lambda l: l.page) for l in sum(_ends([x for x in group if x.text.strip()]), [])}
    found: set[Line] = set()
    for k, line, m in candidates:
        offset = int(m["number"]) - line.page
        in_sequence = len(set().union(*(offsets.get(offset + d, set()) for d in (-1, 0, 1)))) >= SEQUENCE_PAGES
        beside = any(0 <= j < len(printed) and printed[j][1] in furniture for j in (k - 1, k + 1))
        named = any(c.isalpha() for c in m["before"])  # "Pág. 19": never a value
        dressed = bool(m["before"].strip() and m["after"].strip())  # "— 19 —"
        if in_sequence or beside or named or (dressed and line in ends):
            found.add(line)
    return found


@dataclass
class _Cluster:
    """One repeated line: the pages it was seen on at the top, at the bottom and elsewhere."""

    key: str
    top: set[int] = field(default_factory=set)
    bottom: set[int] = field(default_factory=set)
    middle: set[int] = field(default_factory=set)

    def is_furniture(self, pages_needed: int) -> bool:
        end = self.top if len(self.top) >= len(self.bottom) else self.bottom
        elsewhere = (self.top | self.bottom | self.middle) - end
        return len(end) >= pages_needed and len(elsewhere) * ELSEWHERE_SHARE <= len(end)


def _ends(page: list[Line]) -> tuple[list[Line], list[Line]]:
    """The first and the last lines of a page by position (reading order for legacy text)."""
    if all(l.bbox is not None for l in page):
        page = sorted(page, key=lambda l: l.bbox[1])
    n = max(1, min(BAND_LINES, len(page) // 5))
    return page[:n], page[len(page) - n:]


def _letters(text: str) -> str:
    """A line's letters only, folded: page numbers, rules and spacing differ between pages."""
    return re.sub(r"[^a-z]", "", fold(text))


def _headings(template: Template) -> list[str]:
    """Every label and heading the template prints, of either kind of ficha: never furniture,
    whether OCR printed it whole, cut, or after a section number ("2.1 LECCIONES Y ...")."""
    labels = [label for spec in template.fields.values() for label in spec.labels]
    return [*labels, *template.stop_headings, template.header.area_label, template.header.code_label,
            template.header.summary_heading]


def heading_matcher(template: Template) -> LabelMatcher:
    return LabelMatcher([("_heading", h, False) for h in _headings(template)])
