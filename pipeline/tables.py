"""Two-column table regions of a page, and their rows rebuilt as single lines.

A region is a run of printed lines split at one x into a left and a right column; its rows
come from the rulings across the split, or from gaps across both columns. See the contract
in `pipeline.layout`.
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from statistics import median

from pipeline.lines import PageWords, Rule, cell_lines

COLUMN_TOLERANCE = 0.6
"""How far (× word height) left edges may wander and still start the same column."""
MAX_INDENT = 3.0
"""A line's right-column words may start this far (× word height) right of the split."""
COLUMN_GAP = 0.6
"""A gap wider than this (× word height) may separate two columns; word spaces are ~0.3..."""
GAP_RATIO = 1.5
"""...and this many times the word spaces beside it."""
GRID_GAP = 1.5
"""Gaps wider than this (× word height) separate the columns of a data grid."""
MIN_COLUMN_STARTS = 2
"""Lines that must start the right column at the split for a band to count as a table..."""
MIN_SIDE_BY_SIDE = 4
"""...or this many, when no other evidence (rulings, a line on one side only) backs it."""
MIN_COLUMN_WIDTH = 0.08
"""Each column of a table spans at least this share of the page width (list indents, margin notes don't)."""
REGION_MAX_GAP = 2.5
"""A vertical gap wider than this (× word height) ends a table region."""
ROW_GAP = 0.6
"""Without rulings, an empty band this tall (× word height) across both columns splits rows."""
MAX_CELL_LINES = 10
"""Longer unruled cells are columns of running text, not table cells..."""
TEXT_COLUMN_LINES = 3
TEXT_FILL = 0.9
"""...and so is an unruled left column whose rows average TEXT_COLUMN_LINES lines or more and
whose lines mostly reach this share of its width (labels stop short; codes are one line a row)."""


def table_regions(page: PageWords, lines: list[list[int]], page_width: float) -> list[tuple[int, int, float]]:
    """Non-overlapping (first line, end line, split x) runs of lines that form two columns.

    A split x sits just left of a left edge where lines start a column (as the line's first
    word or after a column gap), well right of the page's left margin. Around it, runs of
    consecutive lines that respect it with no big vertical gap are candidates; those that look
    like a table (`_is_table`) are kept, longest first.
    """
    tolerance = COLUMN_TOLERANCE * page.height
    margin = min(page.words[line[0]].bbox[0] for line in lines)
    starts = sorted(x for x in _column_starts(page, lines) if x > margin + MIN_COLUMN_WIDTH * page_width)
    right_edge = max(w.bbox[2] for w in page.words)
    edges = [_Edges.of(page, line) for line in lines]
    candidates = [(start, end, split) for split in _splits(starts, tolerance)
                  if right_edge - split >= MIN_COLUMN_WIDTH * page_width
                  for start, end in _runs(page, lines, edges, split)]
    taken: list[tuple[int, int, float]] = []
    for start, end, split in sorted(candidates, key=lambda c: c[0] - c[1]):  # longest first
        if all(end <= s or start >= e for s, e, _ in taken):
            taken.append((start, end, split))
    return sorted(taken)


def _column_starts(page: PageWords, lines: list[list[int]]) -> list[float]:
    """Left edges of words that could open a column: a line's first word or one after a column gap."""
    words, found = page.words, []
    for line in lines:
        found.append(words[line[0]].bbox[0])
        found.extend(words[b].bbox[0] for a, b in zip(line, line[1:])
                     if words[b].bbox[0] - words[a].bbox[2] > COLUMN_GAP * page.height)
    return found


def _splits(starts: list[float], tolerance: float) -> list[float]:
    """Candidate splits: just left of each start that MIN_COLUMN_STARTS starts line up with
    (within `tolerance` to its right), leftmost first."""
    splits = []
    for k, x in enumerate(starts):
        support = sum(1 for other in starts[k:] if other - x <= tolerance)
        if support >= MIN_COLUMN_STARTS and (not splits or x - tolerance / 2 > splits[-1]):
            splits.append(x - tolerance / 2)
    return splits


@dataclass(frozen=True)
class _Edges:
    """A printed line's word edges left to right, measured once and tested against every
    candidate split (a page has ~100): the left column is a prefix of the line."""

    x0: list[float]
    reach: list[float]
    """The furthest right edge of the line's first k+1 words."""
    gaps: list[float]
    widest: list[float]
    """The widest of the first k+1 gaps."""
    top: float
    bottom: float

    @classmethod
    def of(cls, page: PageWords, line: list[int]) -> _Edges:
        boxes = [page.words[i].bbox for i in line]
        gaps = [b[0] - a[2] for a, b in zip(boxes, boxes[1:])]
        return cls([b[0] for b in boxes], list(accumulate((b[2] for b in boxes), max)), gaps,
                   list(accumulate(gaps, max)), min(b[1] for b in boxes), max(b[3] for b in boxes))


def _runs(page: PageWords, lines: list[list[int]], edges: list[_Edges], split: float) -> list[tuple[int, int]]:
    """Runs of consecutive lines that respect `split`, without a big vertical gap, that look like a table."""
    runs: list[tuple[int, int]] = []
    start, column = 0, None
    for index, line in enumerate(edges):
        broken = not _respects(page, line, split)
        far = index > start and line.top - edges[index - 1].bottom > REGION_MAX_GAP * page.height
        opens = _right_start(line, split)
        moved = opens is not None and column is not None and abs(opens - column) > COLUMN_TOLERANCE * page.height
        if broken or far or moved:
            runs.append((start, index))
            start, column = (index + 1, None) if broken else (index, None)
        if not broken and opens is not None and column is None:
            column = opens
    runs.append((start, len(lines)))
    return [(s, e) for s, e in runs if e > s and _is_table(page, lines[s:e], split)]


def _right_start(line: _Edges, split: float) -> float | None:
    """Where the line's right column starts, when the line has words on both sides of `split`:
    one table's value column starts at one x; a table below with another split starts a run of
    its own even where both respect this split."""
    left = bisect_left(line.x0, split)
    return line.x0[left] if 0 < left < len(line.x0) else None


def _respects(page: PageWords, line: _Edges, split: float) -> bool:
    """No word crosses `split`, right-column words start at it (or a paragraph indent after
    it), and a line with words on both sides has a column gap there.

    A column gap is wider than COLUMN_GAP and GAP_RATIO times the word spaces beside it (the
    left cell's widest, else the right cell's typical): a justified line stretches all its
    spaces alike, so one of them near the split does not make a column.
    """
    left = bisect_left(line.x0, split)  # words left of the split: the first `left`
    if left and line.reach[left - 1] > split:
        return False
    if left < len(line.x0) and line.x0[left] - split > MAX_INDENT * page.height:
        return False  # a centred heading or another table's column, not this column
    if left == 0 or left == len(line.x0):
        return True
    gap = line.gaps[left - 1]
    beside = line.widest[left - 2] if left > 1 else median(line.gaps[left:] or [0.0])
    return gap >= max(COLUMN_GAP * page.height, GAP_RATIO * beside)


def _gaps(page: PageWords, line: list[int]) -> list[float]:
    """The spaces between consecutive words of a line (words sorted left to right)."""
    return [page.words[b].bbox[0] - page.words[a].bbox[2] for a, b in zip(line, line[1:])]


def _is_table(page: PageWords, lines: list[list[int]], split: float) -> bool:
    """Two columns rather than text whose wide gaps line up by chance, or a data grid.

    Needs MIN_COLUMN_STARTS lines opening the right column at `split` plus evidence: two
    rulings across the split, a line with right-column words only, or a line with left-column
    words only between two opening lines (a label's second line). Without such evidence,
    MIN_SIDE_BY_SIDE opening lines. Most lines must not be cut in three or more columns.
    """
    opening = [k for k, line in enumerate(lines) if _opens_right(page, line, split)]
    if len(opening) < MIN_COLUMN_STARTS:
        return False
    if sum(_wide_gaps(page, line) >= 2 for line in lines) > len(lines) / 2:
        return False
    sides = [page.sides(line, split) for line in lines]
    right_only = any(not left for left, _ in sides)
    left_only_inside = any(not sides[k][1] for k in range(opening[0] + 1, opening[-1]))
    ruled = len(_cuts(page, [i for line in lines for i in line], split)) >= 2
    return ruled or right_only or left_only_inside or len(opening) >= MIN_SIDE_BY_SIDE


def _opens_right(page: PageWords, line: list[int], split: float) -> bool:
    """The line's first right-column word starts at the split."""
    _, right = page.sides(line, split)
    return bool(right) and page.words[right[0]].bbox[0] - split <= 2 * COLUMN_TOLERANCE * page.height


def _wide_gaps(page: PageWords, line: list[int]) -> int:
    return sum(gap > GRID_GAP * page.height for gap in _gaps(page, line))


def table_rows(page: PageWords, region: list[int], split: float) -> list[list[int]]:
    """The region's rows, each its left cell's words then its right cell's words.

    With two or more rulings across the split, rows are the bands between them and the lines
    above the first or below the last stay plain lines; otherwise rows are split at empty
    horizontal strips. Running text in two columns comes back column by column instead.
    """
    cuts = _cuts(page, region, split)
    if text_in_columns(page, region, split):
        return _text_columns(page, region, split)
    if len(cuts) < 2:
        bands, above, below = _bands_by_gaps(page, region), [], []
    else:
        above = [i for i in region if page.centre(i) <= cuts[0]]
        below = [i for i in region if page.centre(i) >= cuts[-1]]
        inside = [i for i in region if cuts[0] < page.centre(i) < cuts[-1]]
        bands = _bands_by_rules(page, inside, cuts)
    rows = []
    for band in bands:
        cells = [cell_lines(page, side) for side in page.sides(band, split)]
        rows.append([i for cell in cells for line in cell for i in line])
    return cell_lines(page, above) + rows + cell_lines(page, below)


def _text_columns(page: PageWords, region: list[int], split: float) -> list[list[int]]:
    """The left column's printed lines, then the right column's; full-width lines above or
    below the right column (a heading over or under both) stay above or below."""
    left, right = page.sides(region, split)
    top, bottom = page.top(right), page.bottom(right)
    above = [i for i in left if page.words[i].bbox[3] <= top]
    below = [i for i in left if page.words[i].bbox[1] >= bottom]
    beside = [i for i in left if top < page.words[i].bbox[3] and page.words[i].bbox[1] < bottom]
    return [line for part in (above, beside, right, below) for line in cell_lines(page, part)]


def text_in_columns(page: PageWords, region: list[int], split: float) -> bool:
    """Unruled columns of running text rather than a table: a column runs past MAX_CELL_LINES
    lines without a break across both, or the left column is text, not labels or codes: rows
    of TEXT_COLUMN_LINES lines or more on average, most lines filling the column's width."""
    if len(_cuts(page, region, split)) >= 2:
        return False
    cells = [[cell_lines(page, cell) for cell in page.sides(band, split)]
             for band in _bands_by_gaps(page, region)]
    if any(len(side) > MAX_CELL_LINES for band in cells for side in band):
        return True
    left = [line for band in cells for line in band[0]]
    if not left or len(left) < TEXT_COLUMN_LINES * sum(1 for band in cells if band[0]):
        return False
    x0 = min(page.words[line[0]].bbox[0] for line in left)
    x1 = max(page.words[line[-1]].bbox[2] for line in left)
    return median((page.words[line[-1]].bbox[2] - x0) / max(x1 - x0, 1e-6) for line in left) >= TEXT_FILL


def _cuts(page: PageWords, region: list[int], split: float) -> list[float]:
    """Heights of the rulings at the region that run across the split (a faded ruling may
    survive only in part: reaching a word height into each column is enough)."""
    return sorted(r.y for r in _rules_near(page, region)
                  if r.x0 < split - page.height and r.x1 > split + page.height)


def _rules_near(page: PageWords, indices: Sequence[int]) -> list[Rule]:
    """Rulings within the words' vertical extent, or a region gap above or below it."""
    margin = REGION_MAX_GAP * page.height
    top, bottom = page.top(indices) - margin, page.bottom(indices) + margin
    return [r for r in page.rules if top <= r.y <= bottom]


def _bands_by_rules(page: PageWords, region: list[int], cuts: list[float]) -> list[list[int]]:
    """Words grouped by the ruled band their vertical centre falls in."""
    bands: dict[int, list[int]] = {}
    for i in region:
        bands.setdefault(sum(c < page.centre(i) for c in cuts), []).append(i)
    return [bands[k] for k in sorted(bands)]


def _bands_by_gaps(page: PageWords, region: list[int]) -> list[list[int]]:
    """Words grouped into bands separated by empty horizontal strips at least ROW_GAP tall."""
    bands: list[list[int]] = []
    bottom = float("-inf")
    for i in sorted(region, key=lambda k: page.words[k].bbox[1]):
        if page.words[i].bbox[1] - bottom >= ROW_GAP * page.height:
            bands.append([])
        bands[-1].append(i)
        bottom = max(bottom, page.words[i].bbox[3])
    return bands
