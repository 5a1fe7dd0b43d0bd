"""Words with boxes → the page's lines in reading order, with two-column table rows rebuilt.

Contract of `words_to_lines`
----------------------------
Input: the words of one page in its upright frame (PDF points, origin top-left), as read from
a text layer or by OCR; optionally Tesseract's (block, paragraph, line) id per word and the
page's horizontal rulings (cell borders), whole or in pieces.

Output, in reading order: top to bottom for a text layer; for OCR words, Tesseract's order
(its blocks keep the columns of a magazine page apart), each table region's rows placed where
Tesseract first reaches the region.

* A plain printed line is one `Line`: its words left to right, joined by one space.
* In a **table region**, a band of lines that splits into a left and a right column at one x
  (no word crosses it, lines with words on both sides have a column gap there, and several
  lines start the right column there), each table **row** is one `Line`: the left cell's words
  (its lines top to bottom, each left to right), then the right cell's words, e.g.
  "Potencial de replicación y por quién Agencias del Sistema ... migratorias.". This holds for
  label | value tables and for value | value tables ("Principios rectores | Objetivos").
  Row boundaries are the horizontal rulings that cross the column split when the page has at
  least two there (lines above the first or below the last stay plain lines), else horizontal
  gaps that cut across both columns. A value cell that starts above its label (vertically
  centred cells) stays in its label's row.
* A data grid (most lines cut in three or more columns) stays one `Line` per printed line.
* Text set in two columns (unruled, with a left column of running text rather than labels)
  reads its left column's lines first, then its right column's, one `Line` each (OCR words
  simply keep Tesseract's order there).

The steps live in `pipeline.lines` (printed lines) and `pipeline.tables` (regions and rows).

Text is never altered: words are joined as read, a hyphen at a cell's line end included.
`bbox` is the union of the words' boxes; `confidence` is the mean word confidence.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from statistics import median

from pipeline.lines import SAME_LINE_OVERLAP, PageWords, Rule, merge_rules, printed_lines, to_line
from pipeline.records import BBox, Line, Word
from pipeline.tables import table_regions, table_rows, text_in_columns


def words_to_lines(
    words: Sequence[Word],
    page_number: int,
    page_width: float,
    *,
    line_ids: Sequence[Hashable] | None = None,
    rules: Sequence[Rule] = (),
) -> tuple[Line, ...]:
    """The page's lines in reading order; see the module docstring for the contract."""
    if not words:
        return ()
    page = PageWords(words, line_ids, median(w.bbox[3] - w.bbox[1] for w in words) or 1.0, merge_rules(rules))
    lines = printed_lines(words, line_ids)
    tables = []
    for start, end, split in table_regions(page, lines, page_width):
        region = [w for line in lines[start:end] for w in line]
        if line_ids is not None and text_in_columns(page, region, split):
            continue  # Tesseract's own reading order handles columns of text better
        tables.append((table_rows(page, region, split), start, end))
    if line_ids is None:
        rows = _top_to_bottom(lines, tables)
    else:
        rows = _in_tesseract_order(words, line_ids, tables, lines)
    return tuple(to_line(words, row, page_number) for row in rows)


def _top_to_bottom(lines: list[list[int]], tables: list[tuple[list[list[int]], int, int]]) -> list[list[int]]:
    """Printed lines top to bottom, each table region's rows in place of its lines."""
    rows: list[list[int]] = []
    done = 0
    for table, start, end in tables:
        rows.extend(lines[done:start])
        rows.extend(table)
        done = end
    return rows + lines[done:]


def _in_tesseract_order(words: Sequence[Word], line_ids: Sequence[Hashable],
                        tables: list[tuple[list[list[int]], int, int]], lines: list[list[int]]) -> list[list[int]]:
    """Tesseract's lines in its reading order (columns of a magazine page stay apart), each
    table region's rows where Tesseract first reaches one of its words."""
    table_of = {w: k for k, (_, start, end) in enumerate(tables) for line in lines[start:end] for w in line}
    groups: dict[Hashable, list[int]] = {}
    for index, key in enumerate(line_ids):
        groups.setdefault(key, []).append(index)
    groups = _join_split_lines(words, groups)
    rows: list[list[int]] = []
    emitted: set[int] = set()
    for members in groups.values():
        free = sorted((i for i in members if i not in table_of), key=lambda i: words[i].bbox[0])
        if free:
            rows.append(free)
        for k in sorted({table_of[i] for i in members if i in table_of} - emitted):
            rows.extend(tables[k][0])
            emitted.add(k)
    return rows


SPLIT_LINE_GAP = 1.5
"""Word heights: Tesseract sometimes cuts one printed line into two blocks at an ordinary
word space; pieces this close on the same baseline are joined again."""
JUSTIFIED_GAP = 1.3
"""A justified line's spaces can be wider than that: pieces whose gap is at most this many
times their own word spacing are one printed line too."""


def _join_split_lines(words: Sequence[Word], groups: dict[Hashable, list[int]]) -> dict[Hashable, list[int]]:
    """Tesseract's lines, with a line joined to the one it continues on the same printed line."""
    keys = list(groups)
    spacing = {key: _word_spacing(words, members) for key, members in groups.items()}
    merged: dict[Hashable, list[int]] = {}
    absorbed: set[Hashable] = set()
    for key in keys:
        if key in absorbed:
            continue
        members = list(groups[key])
        extended = True
        while extended:
            extended = False
            last = max(members, key=lambda i: words[i].bbox[2])
            for other in keys:
                if other == key or other in absorbed or other in merged:
                    continue
                first = min(groups[other], key=lambda i: words[i].bbox[0])
                if _continues_line(words[last].bbox, words[first].bbox, max(spacing[key], spacing[other])):
                    members.extend(groups[other])
                    absorbed.add(other)
                    extended = True
                    break
        merged[key] = members
    return merged


def _continues_line(a: BBox, b: BBox, spacing: float) -> bool:
    height = max(a[3] - a[1], b[3] - b[1], 1e-6)
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    gap = b[0] - a[2]
    return overlap >= SAME_LINE_OVERLAP * height and -0.2 * height <= gap <= max(SPLIT_LINE_GAP * height,
                                                                                JUSTIFIED_GAP * spacing)


def _word_spacing(words: Sequence[Word], members: list[int]) -> float:
    """The median space between a line's words (0 for a single word)."""
    boxes = sorted((words[i].bbox for i in members), key=lambda box: box[0])
    gaps = [b[0] - a[2] for a, b in zip(boxes, boxes[1:])]
    return median(gaps) if gaps else 0.0
