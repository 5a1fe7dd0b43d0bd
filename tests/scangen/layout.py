"""Blocks → PDF pages with reportlab, collecting each page's printed text as it draws.

A small line-based layout (not platypus) so that the text of every page is known exactly:
the ground truth for CER is what was drawn on that page, including the part of a table
row or paragraph that continues on the next page.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from .model import Block, Checks, KeepTogether, Para, Row, Table, Tiles
from .style import FACES, Style, register_fonts, style_for

FOOTER = "LECCIONES APRENDIDAS Y BUENAS PRÁCTICAS"
ODS_COLOURS = ((0.90, 0.14, 0.24), (0.87, 0.65, 0.23), (0.30, 0.62, 0.22), (0.77, 0.10, 0.19),
               (0.99, 0.23, 0.13), (0.15, 0.74, 0.89), (0.99, 0.76, 0.04), (0.64, 0.11, 0.27),
               (0.99, 0.41, 0.15), (0.87, 0.09, 0.51), (0.99, 0.62, 0.15), (0.75, 0.55, 0.18))


@dataclass(frozen=True)
class Line:
    """One printed line: words with their faces, natural width, and whether it ends its paragraph."""

    words: tuple[tuple[str, str], ...]
    width: float
    last: bool
    align: str
    size: float
    para: int = 0

    @property
    def text(self) -> str:
        """The line as plain text."""
        return " ".join(w for w, _ in self.words)


def wrap(p: Para, width: float, size: float, index: int = 0) -> list[Line]:
    """Greedy word wrap of a paragraph's runs into lines no wider than `width`."""
    words = [(w, FACES[r.bold, r.italic]) for r in p.runs for w in r.text.split()]
    lines: list[Line] = []
    cur: list[tuple[str, str]] = []
    cur_w = 0.0
    for word, face in split_long(words, width, size):
        w = pdfmetrics.stringWidth(word, face, size)
        gap = pdfmetrics.stringWidth(" ", cur[-1][1], size) if cur else 0.0
        if cur and cur_w + gap + w > width:
            lines.append(Line(tuple(cur), cur_w, False, p.align, size, index))
            cur, cur_w, gap = [], 0.0, 0.0
        cur.append((word, face))
        cur_w += gap + w
    if cur:
        lines.append(Line(tuple(cur), cur_w, True, p.align, size, index))
    return lines


def split_long(words: list[tuple[str, str]], width: float, size: float) -> list[tuple[str, str]]:
    """Cut a word wider than the column (a URL) into pieces that fit."""
    out = []
    for word, face in words:
        while pdfmetrics.stringWidth(word, face, size) > width:
            n = max(i for i in range(1, len(word)) if pdfmetrics.stringWidth(word[:i], face, size) <= width)
            out.append((word[:n], face))
            word = word[n:]
        out.append((word, face))
    return out


class Pager:
    """Draws blocks top to bottom, breaking pages, and records every page's text."""

    def __init__(self, canvas: Canvas, style: Style):
        self.c, self.s = canvas, style
        self.texts: list[list[str]] = [[]]
        self.y = style.page[1] - style.top

    @property
    def room(self) -> float:
        """Vertical space left in the frame."""
        return self.y - self.s.bottom

    @property
    def at_top(self) -> bool:
        """True before anything was drawn on the page: no leading space there."""
        return not self.texts[-1]

    def finish(self) -> list[str]:
        """Close the last page and return the page texts."""
        self.footer()
        self.c.showPage()
        self.c.save()
        return ["\n".join(lines) for lines in self.texts]

    def new_page(self) -> None:
        """Footer, page break, and a fresh text list."""
        self.footer()
        self.c.showPage()
        self.texts.append([])
        self.y = self.s.page[1] - self.s.top

    def footer(self) -> None:
        """Running footer with the page number on the outer side, as the catalogue prints it."""
        s, c = self.s, self.c
        n = s.first_page + len(self.texts) - 1
        y = s.bottom * 0.5
        c.setStrokeColorRGB(*s.heading_rgb)
        c.setLineWidth(0.6)
        c.line(s.left, y + 11, s.page[0] - s.right, y + 11)
        c.setFillColorRGB(*s.heading_rgb)
        c.setFont("VeraBd", 8)
        if n % 2:
            c.drawRightString(s.page[0] - s.right, y, f"{FOOTER}   {n}")
            self.texts[-1].append(f"{FOOTER} {n}")
        else:
            c.drawString(s.left, y, f"{n}   {FOOTER}")
            self.texts[-1].append(f"{n} {FOOTER}")

    def place(self, block: Block) -> None:
        """Draw one block at the current position."""
        match block:
            case Para():
                self.paragraph(block)
            case Table():
                self.table(block)
            case Tiles():
                self.tiles(block)
            case Checks():
                self.checks(block)
            case KeepTogether(lines=n):
                if not self.at_top and self.room < n * self.s.leading:
                    self.new_page()

    def paragraph(self, p: Para) -> None:
        """Body or heading paragraph; a heading needs room for three lines after it."""
        s = self.s
        size = s.size * (1.08 if p.heading else 1)
        lines = wrap(p, s.width, size)
        lead = s.leading * size / s.size
        need = lead * (len(lines) + 3 if p.heading else min(len(lines), 2))
        if not self.at_top and self.room < need + p.space_before * s.leading:
            self.new_page()
        if not self.at_top:
            self.y -= p.space_before * s.leading
        rgb = s.heading_rgb if p.heading else (0, 0, 0)
        for line in lines:
            if self.room < lead:
                self.new_page()
            self.y -= lead
            draw_line(self.c, line, s.left, self.y + lead * 0.22, s.width, rgb)
            self.texts[-1].append(line.text)

    def table(self, t: Table) -> None:
        """A ruled table; rows too tall for the page continue on the next one."""
        s = self.s
        if not self.at_top:
            self.y -= 0.5 * s.leading
        widths = [f * s.width for f in t.col_fracs]
        for i, row in enumerate(t.rows):
            cells, first = row_cells(row, widths, s), True
            while any(cells):
                height = max(len(c) for c in cells) * s.leading + 2 * s.pad
                # a shaded header row stays with the first two lines of the row under it
                after = 2 * s.leading + 2 * s.pad if row.shaded and i + 1 < len(t.rows) else 0
                if height + after > self.room and (
                    after or self.room < 2 * s.leading + 2 * s.pad or height < 4 * s.leading
                ):
                    self.new_page()
                fit = max(1, int((self.room - 2 * s.pad) // s.leading))
                part, cells = [c[:fit] for c in cells], [c[fit:] for c in cells]
                self.row_part(t, row, part, widths, centre=first and not any(cells))
                if any(cells):
                    self.new_page()
                first = False

    def row_part(self, t: Table, row: Row, cells: list[list[Line]], widths: list[float], centre: bool) -> None:
        """Draw the lines of one row (or the part of it on this page) with fill and rules."""
        s, c = self.s, self.c
        if row.span:
            widths = [sum(widths)]
        height = max(len(x) for x in cells) * s.leading + 2 * s.pad
        top, x = self.y, s.left
        c.setLineWidth(0.5)
        c.setStrokeColorRGB(0.25, 0.25, 0.25)
        for i, (lines, w) in enumerate(zip(cells, widths)):
            if row.shaded or row.span or (t.label_col and i == 0):
                c.setFillColorRGB(*s.shade_rgb)
                c.rect(x, top - height, w, height, stroke=0, fill=1)
            y = top - s.pad
            if centre and t.label_col and i == 0 and s.vcenter_labels:
                y -= (height - 2 * s.pad - len(lines) * s.leading) / 2
            for line in lines:
                y -= s.leading
                draw_line(c, line, x + s.pad, y + s.leading * 0.22, w - 2 * s.pad, (0, 0, 0))
            c.rect(x, top - height, w, height, stroke=1, fill=0)
            x += w
        self.y -= height
        self.texts[-1].extend(row_text(cells))

    def tiles(self, t: Tiles) -> None:
        """ODS icons: coloured squares with a white pictogram-like mark."""
        side = 46.0
        if self.room < side + self.s.leading:
            self.new_page()
        rng = random.Random(t.salt)
        self.y -= side + 0.4 * self.s.leading
        for i in range(t.count):
            x = self.s.left + i * (side + 6)
            self.c.setFillColorRGB(*rng.choice(ODS_COLOURS))
            self.c.rect(x, self.y, side, side, stroke=0, fill=1)
            self.c.setFillColorRGB(1, 1, 1)
            self.c.setStrokeColorRGB(1, 1, 1)
            self.c.setLineWidth(2.5)
            if rng.random() < 0.5:
                self.c.circle(x + side / 2, self.y + side * 0.42, side * rng.uniform(0.15, 0.25), stroke=1, fill=0)
            else:
                for k in range(3):
                    h = side * rng.uniform(0.15, 0.45)
                    self.c.rect(x + side * (0.25 + 0.18 * k), self.y + side * 0.2, side * 0.1, h, stroke=0, fill=1)

    def checks(self, ch: Checks) -> None:
        """One line of check boxes; the tick is drawn, only the labels are text."""
        s, c = self.s, self.c
        if self.room < 1.6 * s.leading:
            self.new_page()
        self.y -= 1.3 * s.leading
        x, box = s.left, s.size * 0.9
        c.setStrokeColorRGB(0, 0, 0)
        c.setLineWidth(0.7)
        for label, ticked in ch.items:
            c.rect(x, self.y, box, box, stroke=1, fill=0)
            if ticked:
                c.line(x + 2, self.y + box * 0.5, x + box * 0.4, self.y + 2)
                c.line(x + box * 0.4, self.y + 2, x + box - 1, self.y + box - 1)
            c.setFillColorRGB(0, 0, 0)
            c.setFont("Vera", s.size)
            c.drawString(x + box + 5, self.y + 1, label)
            x += box + 5 + pdfmetrics.stringWidth(label, "Vera", s.size) + 30
        self.texts[-1].append(" ".join(label for label, _ in ch.items))


def row_cells(row: Row, widths: list[float], s: Style) -> list[list[Line]]:
    """Wrap every cell of a row; a blank line separates paragraphs spaced apart in a cell."""
    if row.span:
        widths = [sum(widths)]
    cells = []
    for paras, w in zip(row.cells, widths):
        lines: list[Line] = []
        for i, p in enumerate(paras):
            if i and p.space_before:
                lines.append(Line((), 0.0, True, "left", s.size, i))
            lines += wrap(p, w - 2 * s.pad, s.size, i)
        cells.append(lines)
    return cells


def row_text(cells: list[list[Line]]) -> list[str]:
    """Reading order of a row: "label value" on one line, or one line per paragraph for lists."""
    paras = [[" ".join(line.text for line in group) for group in by_para(c)] for c in cells]
    if all(len(p) <= 1 for p in paras):
        return [" ".join(t for p in paras for t in p)]
    return [t for p in paras for t in p]


def by_para(lines: list[Line]) -> list[list[Line]]:
    """The printed lines of a cell grouped by paragraph, blank separator lines dropped."""
    groups: dict[int, list[Line]] = {}
    for line in lines:
        if line.words:
            groups.setdefault(line.para, []).append(line)
    return list(groups.values())


def draw_line(c: Canvas, line: Line, x: float, y: float, width: float, rgb: tuple) -> None:
    """Draw words one by one: justified lines spread the slack over the gaps.

    Each word but the last carries its trailing space so the text layer keeps word breaks.
    """
    n = len(line.words)
    slack = width - line.width
    gap = slack / (n - 1) if line.align == "justify" and not line.last and n > 1 else 0.0
    if line.align == "center":
        x += slack / 2
    c.setFillColorRGB(*rgb)
    for i, (word, face) in enumerate(line.words):
        c.setFont(face, line.size)
        text = word if i == n - 1 else word + " "
        c.drawString(x, y, text)
        x += pdfmetrics.stringWidth(text, face, line.size) + gap


def render_blocks(blocks: list[Block], out, seed: int) -> list[str]:
    """Lay out and draw all blocks into `out` (path or file); returns the page texts."""
    register_fonts()
    style = style_for(seed)
    canvas = Canvas(out, pagesize=style.page, invariant=1, pageCompression=1)
    canvas.setTitle("Catálogo de Lecciones Aprendidas y Buenas Prácticas")
    pager = Pager(canvas, style)
    for block in blocks:
        pager.place(block)
    return pager.finish()
