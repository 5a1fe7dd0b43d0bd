"""Split a document's lines into ficha blocks by their code headers, and read the summary tables.

A ficha opens with `ÁREA A LA QUE CORRESPONDE <área>` and `CÓDIGO <code>` (OCR may split,
merge or garble these lines). Each area opens with a summary table (`Código | Descripción`)
listing its codes; the table is read to cross-check codes and titles.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from extractors.labels import LabelMatcher
from extractors.spans import STOP, build_matcher
from extractors.template import Template
from pipeline.records import FichaBlock, Line, SummaryEntry
from pipeline.text import fold, strip_junk

CODE_LINE_WINDOW = 4
HEADING_SIMILARITY = 85
"""rapidfuzz partial ratio of a line to the summary heading for a word of it misread."""
SUMMARY_HEAD_LINES = 6
"""A summary table's column header follows its heading within this many lines."""
MIN_LABELLED_LINES = 3
"""A ficha found without its header must show at least this many field labels (a table of
contents lists titles too)."""
"""Lines after the ÁREA header in which the CÓDIGO line is looked for."""


@dataclass
class Segmentation:
    blocks: list[FichaBlock] = field(default_factory=list)
    summary: list[SummaryEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def segment(lines: list[Line], template: Template) -> Segmentation:
    """Ficha blocks and summary entries, in document order, with cross-check warnings."""
    headers = _HeaderFinder(template)
    result = Segmentation()
    summary_starts = _summary_starts(lines, headers)
    starts = _outside_summaries(headers.ficha_starts(lines), summary_starts, lines, headers, template)
    boundaries = sorted(set(starts) | set(summary_starts)) + [len(lines)]

    for start in summary_starts:
        end = next(b for b in boundaries if b > start)
        result.summary.extend(read_summary(lines[start:end], template))
    summary_by_code = {e.codigo: e for e in result.summary}

    for start in starts:
        end = next(b for b in boundaries if b > start)
        block_lines = lines[start:end]
        code, found_in, code_line = headers.block_code(block_lines)
        area = headers.block_area(block_lines[0].text) or (code and template.code_pattern.match(code)["area"])
        if code is None:
            code, found_in = _next_unseen(result, summary_by_code), "summary"
        if code is None:
            result.warnings.append(
                f"page {block_lines[0].page}: ficha header without a readable code; skipped"
            )
            continue
        area = template.area_code(template.code_pattern.match(code)["area"]) or area
        if found_in != "header" and _labelled_lines(block_lines, code, template) < MIN_LABELLED_LINES:
            result.warnings.append(f"page {block_lines[0].page}: {code} has a title but no ficha under it; skipped")
            continue
        result.blocks.append(
            FichaBlock(code, found_in, area, tuple(block_lines), code_line, summary_by_code.get(code))
        )

    result.blocks = _one_block_per_code(_codes_by_summary(result, template, headers), template, result.warnings)
    _cross_check(result)
    return result


def _codes_by_summary(result: Segmentation, template: Template, headers: _HeaderFinder) -> list[FichaBlock]:
    """A ficha whose code no summary table lists, while a listed code with one character more
    or less has no ficha: one of the two readings is that code misread (`BP11_AH` for `BP1_AH`,
    a stroke read twice or lost). A code read twice alike in the ficha (its CÓDIGO line and its
    title line) outweighs the table's one reading: the table's row takes it. Otherwise the
    ficha takes the listed code, and scores as read from the table. Another digit is no
    misreading to guess."""
    listed = [e.codigo for e in result.summary]
    if not listed:
        return result.blocks
    found = {b.codigo for b in result.blocks}
    out = []
    for block in result.blocks:
        near = [c for c in listed if c not in found and abs(len(c) - len(block.codigo)) == 1
                and Levenshtein.distance(c, block.codigo) == 1] if block.codigo not in listed else []
        if len(near) == 1:
            row = next(e for e in result.summary if e.codigo == near[0])
            if block.code_found_in == "header" and any(headers.title_code(l.text) == block.codigo for l in block.lines):
                result.warnings.append(f"summary table: {near[0]} read as {block.codigo}, the code its ficha "
                                       f"prints twice (page {block.lines[0].page})")
                row = replace(row, codigo=block.codigo)
                result.summary[result.summary.index(next(e for e in result.summary if e.codigo == near[0]))] = row
                block = replace(block, summary=row)
            else:
                result.warnings.append(f"page {block.lines[0].page}: {block.codigo} is listed in no summary table; "
                                       f"read as {near[0]}, listed and with no other ficha")
                block = replace(block, codigo=near[0], code_found_in="summary", summary=row)
            found.add(block.codigo)
        out.append(block)
    return out


def _outside_summaries(starts: list[int], summary_starts: list[int], lines: list[Line],
                       headers: _HeaderFinder, template: Template) -> list[int]:
    """Ficha starts, less those a summary table's own rows made: inside a summary table (up to
    the next ÁREA header), a row whose code cell OCR read with the column header's word
    ("Código BP1_ME ...") opens no ficha, unless a ficha follows it (its title line, or
    labels) before the next start."""
    areas = [i for i in starts if headers.opens_area_header(lines, i)]
    kept = []
    for k, i in enumerate(starts):
        table = max((s for s in summary_starts if s < i), default=None)
        if table is None or i in areas or any(table < a <= i for a in areas):
            kept.append(i)
            continue
        block = lines[i:starts[k + 1] if k + 1 < len(starts) else len(lines)]
        code = headers.block_code(block)[0]
        if code and (any(headers.title_code(l.text) == code for l in block)
                     or _labelled_lines(block, code, template) >= MIN_LABELLED_LINES):
            kept.append(i)
    return kept


def _summary_starts(lines: list[Line], headers: _HeaderFinder) -> list[int]:
    """Where summary tables open: at their heading, or, where OCR lost the heading (a banner
    printed white on dark), at the table's column header ("Código | Descripción")."""
    starts: list[int] = []
    for i, line in enumerate(lines):
        if headers.is_summary_heading(line.text):
            starts.append(i)
        elif headers.is_summary_columns([l.text for l in lines[i:i + 2]]) \
                and not any(i - s <= SUMMARY_HEAD_LINES for s in starts):
            starts.append(i)
    return starts


def read_summary(lines: list[Line], template: Template) -> list[SummaryEntry]:
    """Rows of a summary table: each code with the description printed around it.

    OCR centres a code vertically against its description, so the description may start on
    the lines above the code. Lines are grouped into paragraphs (blank lines or code lines
    separate them); a paragraph without a code joins the next code when that code opens its
    own paragraph, else the code before it.
    """
    last_column = fold(template.header.summary_columns[-1])
    head = next((i for i, l in enumerate(lines[:6]) if last_column in fold(l.text)), 0)
    if template.code_pattern.search(lines[head].text):
        head -= 1  # the column header read on the first row's line: that line is a row
    groups: list[list[Line]] = [[]]
    for line in lines[head + 1:]:
        if not line.text.strip():
            groups.append([])
        else:
            groups[-1].append(line)
    groups = [g for g in groups if g]
    entries: list[tuple[str, list[Line]]] = []
    orphan: list[Line] = []
    for group in groups:
        codes = [m for l in group for m in template.code_pattern.finditer(l.text)]
        if not codes:
            orphan.extend(group)
            continue
        if len(codes) > 1:  # two rows glued together: give each code its own lines
            closed = False  # the row before ended its sentence: what follows opens the next
            for line in group:
                m = template.code_pattern.search(line.text)
                if m:
                    entries.append((m.group(0), orphan + [line]))
                    orphan, closed = [], False
                    continue
                if entries and not closed:
                    entries[-1][1].append(line)
                else:
                    orphan.append(line)
                closed = closed or bool(re.search(r"[.!?]\s*$", line.text))
            continue
        code_index = next(i for i, l in enumerate(group) if template.code_pattern.search(l.text))
        if orphan and code_index == 0 or not entries:
            group = orphan + group
        elif orphan:
            entries[-1][1].extend(orphan)
        orphan = []
        entries.append((codes[0].group(0), group))
    if orphan and entries:
        entries[-1][1].extend(orphan)
    first_rows = {code: group for code, group in reversed(entries)}
    return [
        SummaryEntry(code, _description(group, template), tuple(group))
        for code, group in entries
        if first_rows[code] is group
    ]


def _description(group: list[Line], template: Template) -> str:
    text = " ".join(l.text for l in group)
    text = template.code_pattern.sub(" ", text)
    text = re.sub(r"\s*\|\s*", " ", text)
    text = re.sub(r"(?<=\s)[-.,:;)]+(?=\s)", " ", text)
    return strip_junk(re.sub(r"\s+", " ", text))


class _HeaderFinder:
    def __init__(self, template: Template):
        self.template = template
        self.area_label = LabelMatcher([("area", template.header.area_label, False)])
        self.summary_heading = fold(template.header.summary_heading)
        self.summary_columns = [fold(c) for c in template.header.summary_columns]
        # the area label's last word ("corresponde") survives when OCR breaks the rest
        self.header_word = fold(template.header.area_label).split()[-1]
        # every word a header block prints: the area label and the area names
        self.header_words = set(fold(" ".join([template.header.area_label, *template.codes.areas.values(),
                                                 *template.codes.area_aliases])).split())

    def is_area_header(self, text: str) -> bool:
        return self.area_label.match(text) is not None

    def is_summary_heading(self, text: str) -> bool:
        """The heading that opens an area's summary table, a word of it garbled or not."""
        folded = fold(text)
        return self.summary_heading in folded or (
            len(folded) >= len(self.summary_heading) and fuzz.partial_ratio(self.summary_heading, folded) >= HEADING_SIMILARITY)

    def opens_area_header(self, lines: list[Line], start: int) -> bool:
        """Whether an ÁREA header starts at this line, after any of its pieces printed above it."""
        i = start
        while i < len(lines) and not self.is_area_header(lines[i].text):
            words = re.findall(r"[a-z]+", fold(lines[i].text))
            if not words or not set(words) <= self.header_words:
                return False
            i += 1
        return i < len(lines)

    def is_summary_columns(self, texts: list[str]) -> bool:
        """Whether a line (`texts[0]`), or it and the next (OCR may put each column name on a
        line of its own), is the column header of a summary table: its column names, in
        order, and little else."""
        for n in (1, 2):
            words = re.findall(r"[a-z]+", fold(" ".join(texts[:n])))
            if words[:1] == self.summary_columns[:1] and set(self.summary_columns) <= set(words) \
                    and len(words) <= len(self.summary_columns) + 2:
                return True
        return False

    def ficha_starts(self, lines: list[Line]) -> list[int]:
        """Indexes of the lines that open a ficha: the ÁREA header, else a lone CÓDIGO line,
        else (OCR lost both) the title line "BP9_PC: ..." of a code no header gave, together
        with the header debris just above it."""
        starts = [i for i, l in enumerate(lines) if self.is_area_header(l.text)]
        covered = {j for i in starts for j in range(i, i + CODE_LINE_WINDOW + 1)}
        for i, line in enumerate(lines):
            if i not in covered and self._is_code_line(line.text):
                starts.append(i)
        starts = [self._area_name_above(lines, i) for i in starts]
        known = {self.block_code(lines[i:i + CODE_LINE_WINDOW + 1])[0] for i in starts}
        for i, line in enumerate(lines):
            code = self.title_code(line.text)
            if code and code not in known:
                known.add(code)
                starts.append(self._debris_start(lines, i))
        return sorted(set(starts))

    def title_code(self, text: str) -> str | None:
        """The code of a title line ("BP9_PC: Generar alianzas ..."), if the line is one."""
        m = self.template.code_pattern.match(text.strip())
        return m.group(0) if m and text.strip()[m.end():].lstrip().startswith(":") else None

    def _area_name_above(self, lines: list[Line], start: int) -> int:
        """A header whose pieces OCR printed on the lines above (the area name alone, or the
        area label with its words shuffled) starts at those lines."""
        for _ in range(3):
            words = re.findall(r"[a-z]+", fold(lines[start - 1].text)) if start > 0 else []
            if not words or not set(words) <= self.header_words:
                break
            start -= 1
        return start

    def _debris_start(self, lines: list[Line], title: int) -> int:
        """The first of the few lines above a title that are remains of its header block."""
        start = title
        for j in range(title - 1, max(-1, title - CODE_LINE_WINDOW - 1), -1):
            folded = fold(lines[j].text)
            if self.header_word in folded or re.match(r"^\W*c\S{0,2}odigo\b", folded.strip()):
                start = j
        return start

    def _is_code_line(self, text: str) -> bool:
        folded = fold(text).strip()
        return bool(re.match(r"^c\S{0,2}odigo\b", folded)) and bool(self.template.code_pattern.search(text))

    def block_code(self, block: list[Line]) -> tuple[str | None, str, Line]:
        """The block's code, where it was read, and the line it was read from."""
        for line in block[: CODE_LINE_WINDOW + 1]:
            if self._is_code_line(line.text) or self.is_area_header(line.text):
                m = self.template.code_pattern.search(line.text)
                if m:
                    return m.group(0), "header", line
        for line in block:
            code = self.title_code(line.text)
            if code:
                return code, "title", line
        return None, "summary", block[0]

    def block_area(self, header_text: str) -> str | None:
        hit = self.area_label.match(header_text)
        if not hit or not hit.rest:
            return None
        name = fold(hit.rest).upper().strip()
        name = re.sub(r"[^A-Z ]", "", name).strip()
        return self.template.area_code(name)


def _labelled_lines(lines: list[Line], code: str, template: Template) -> int:
    matcher = build_matcher(template, template.kind_of(template.code_pattern.match(code)["prefix"]))
    return sum(1 for l in lines if (hit := matcher.match(l.text)) and hit.key != STOP)


def _next_unseen(result: Segmentation, summary_by_code: dict[str, SummaryEntry]) -> str | None:
    """The first summary code with no block yet: a header whose code OCR lost."""
    seen = {b.codigo for b in result.blocks}
    return next((c for c in summary_by_code if c not in seen), None)


def _one_block_per_code(blocks: list[FichaBlock], template: Template, warnings: list[str]) -> list[FichaBlock]:
    """A code gives one ficha per document, whatever OCR made of its pages.

    A block right after a ficha with the same code is that ficha's header printed again at a
    page break: its lines are joined on. A block with (almost) no labels right before one with
    the same code is a stray header (a summary row read as one): it is left out. Blocks apart,
    the one with the most labelled lines is the ficha. Each case warns, naming the pages."""
    out: list[FichaBlock] = []
    last_index: dict[str, int] = {}
    for i, block in enumerate(blocks):
        k = next((k for k, kept in enumerate(out) if kept.codigo == block.codigo), None)
        if k is None:
            out.append(block)
            last_index[block.codigo] = i
            continue
        kept = out[k]
        pages = f"pages {kept.lines[0].page} and {block.lines[0].page}"
        strong = _labelled_lines(list(kept.lines), kept.codigo, template) >= MIN_LABELLED_LINES
        if last_index[block.codigo] == i - 1 and strong:
            out[k] = replace(kept, lines=kept.lines + _after_header(block))
            warnings.append(f"{block.codigo}: its header appears again ({pages}); read as one ficha")
        elif last_index[block.codigo] == i - 1 or _labelled_lines(list(block.lines), block.codigo, template) > \
                _labelled_lines(list(kept.lines), kept.codigo, template):
            out[k] = block
            warnings.append(f"{block.codigo}: two blocks carry this code ({pages}); the ficha is read from "
                            f"page {block.lines[0].page}'s")
        else:
            warnings.append(f"{block.codigo}: two blocks carry this code ({pages}); the ficha is read from "
                            f"page {kept.lines[0].page}'s")
        last_index[block.codigo] = i
    return out


def _after_header(block: FichaBlock) -> tuple[Line, ...]:
    """A block's lines after its header (the lines up to the one its code was read from)."""
    at = next((k for k, l in enumerate(block.lines) if l is block.code_line), -1)
    return block.lines[at + 1:] if block.code_found_in == "header" else block.lines


def _cross_check(result: Segmentation) -> None:
    listed = [e.codigo for e in result.summary]
    found = [b.codigo for b in result.blocks]
    for code in listed:
        if code not in found:
            result.warnings.append(f"{code} is listed in a summary table but no ficha was found for it")
    if listed:
        for code in found:
            if code not in listed:
                result.warnings.append(f"ficha {code} is not listed in any summary table")
