"""Words → printed lines: the grouping every layout step shares.

`printed_lines` groups a page's (or a cell's) words into the lines they were printed on;
`PageWords` carries what the layout steps need about one page; `Rule` is a ruled line.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from statistics import fmean, median

from pipeline.records import BBox, Line, Word

SAME_LINE_OVERLAP = 0.5
"""Two fragments sit on one printed line when they share this much of the smaller height."""
SMALL_FRAGMENT = 0.5
"""Fragments shorter than this share of the typical height are placed on lines last."""
RULE_JOIN = 2.0
"""Points: ruling pieces this close in height and along the line are one ruling."""


@dataclass(frozen=True)
class Rule:
    """A horizontal ruled line (e.g. a table's cell border), in the same units as the words."""

    x0: float
    x1: float
    y: float


@dataclass(frozen=True)
class PageWords:
    """What every layout step needs: the words, their Tesseract line ids, their typical height
    and the whole rulings."""

    words: Sequence[Word]
    line_ids: Sequence[Hashable] | None
    height: float
    rules: list[Rule]

    def top(self, indices: Sequence[int]) -> float:
        return min(self.words[i].bbox[1] for i in indices)

    def bottom(self, indices: Sequence[int]) -> float:
        return max(self.words[i].bbox[3] for i in indices)

    def centre(self, index: int) -> float:
        return (self.words[index].bbox[1] + self.words[index].bbox[3]) / 2

    def sides(self, indices: Sequence[int], split: float) -> tuple[list[int], list[int]]:
        """The words left of `split` and the words right of it (by their left edge)."""
        left = [i for i in indices if self.words[i].bbox[0] < split]
        return left, [i for i in indices if self.words[i].bbox[0] >= split]


def merge_rules(rules: Sequence[Rule]) -> list[Rule]:
    """Join collinear pieces (a table drawn cell by cell) into whole rulings."""
    merged: list[Rule] = []
    for rule in sorted(rules, key=lambda r: (r.y, r.x0)):
        same = next((k for k, m in enumerate(merged) if abs(m.y - rule.y) <= RULE_JOIN
                     and rule.x0 <= m.x1 + RULE_JOIN and rule.x1 >= m.x0 - RULE_JOIN), None)
        if same is None:
            merged.append(rule)
        else:
            m = merged[same]
            merged[same] = Rule(min(m.x0, rule.x0), max(m.x1, rule.x1), m.y)
    return merged


def printed_lines(words: Sequence[Word], line_ids: Sequence[Hashable] | None = None) -> list[list[int]]:
    """Word indices grouped into printed lines, lines top to bottom, words left to right.

    Words sharing a Tesseract line id start as one fragment (robust to residual skew); other
    words start alone. A fragment joins the line whose band it shares most, if it shares at
    least SAME_LINE_OVERLAP of the smaller height and overlaps none of its words. Small
    fragments (punctuation, specks) are placed last so they cannot seed or split a line.
    """
    keys = line_ids if line_ids is not None else range(len(words))
    groups: dict[Hashable, list[int]] = {}
    for index, key in enumerate(keys):
        groups.setdefault(key, []).append(index)
    fragments = [(union(words, g), g) for g in groups.values()]
    typical = median(box[3] - box[1] for box, _ in fragments) if fragments else 0.0
    lines: list[tuple[BBox, list[int]]] = []
    for box, fragment in sorted(fragments, key=lambda f: (f[0][3] - f[0][1] < SMALL_FRAGMENT * typical, f[0][1])):
        best, best_share = None, SAME_LINE_OVERLAP
        for band, members in lines:
            shared = (min(box[3], band[3]) - max(box[1], band[1])) / max(min(box[3] - box[1], band[3] - band[1]), 1e-6)
            clear = not any(words[i].bbox[0] < box[2] and words[i].bbox[2] > box[0] for i in members)
            if shared >= best_share and clear:
                best, best_share = members, shared
        if best is None:
            lines.append((box, list(fragment)))
        else:
            best.extend(fragment)
    for _, members in lines:
        members.sort(key=lambda i: words[i].bbox[0])
    return sorted((members for _, members in lines), key=lambda m: min(words[i].bbox[1] for i in m))


def cell_lines(page: PageWords, subset: list[int]) -> list[list[int]]:
    """The printed lines of a subset of the page's words (a cell), as indices into the page's words."""
    ids = [page.line_ids[i] for i in subset] if page.line_ids is not None else None
    return [[subset[k] for k in line] for line in printed_lines([page.words[i] for i in subset], ids)]


def union(words: Sequence[Word], indices: Sequence[int]) -> BBox:
    boxes = [words[i].bbox for i in indices]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def to_line(words: Sequence[Word], indices: Sequence[int], page_number: int) -> Line:
    return Line(
        text=" ".join(words[i].text for i in indices),
        page=page_number,
        bbox=union(words, indices),
        confidence=fmean(words[i].confidence for i in indices),
        weakest=min((words[i].confidence for i in indices if any(c.isalnum() for c in words[i].text)), default=None),
    )
