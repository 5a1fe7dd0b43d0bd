"""Blocks → PDF pages with reportlab, collecting each page's printed text as it draws.

A small line-based layout (not platypus) so that the text of every page is known exactly:
the ground truth for CER is what was drawn on that page, including the part of a table
row or paragraph that continues on the next page, and the running header and footer.
One Pager draws every family: the Style says how each kind of block looks.
"""
from __future__ import annotations

import io
import random
from dataclasses import dataclass

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from .model import AreaTitle, Block, Checks, KeepTogether, Para, Row, Run, Table, Tiles, restyle
from .style import FONTS, SYMBOLS, RunningLine, Font, Style, has_glyphs, register

ODS_COLOURS = ((0.90, 0.14, 0.24), (0.87, 0.65, 0.23), (0.30, 0.62, 0.22), (0.77, 0.10, 0.19),
               (0.99, 0.23, 0.13), (0.15, 0.74, 0.89), (0.99, 0.76, 0.04), (0.64, 0.11, 0.27),
               (0.99, 0.41, 0.15), (0.87, 0.09, 0.51), (0.99, 0.62, 0.15), (0.75, 0.55, 0.18))
TEXT_MARKS = {"glyph": ("☒", "☐"), "brackets": ("[X]", "[ ]"), "parens": ("(x)", "( )"),
              "x_only": ("X", ""), "none": ("", "")}
"""Printed marks (ticked, not ticked) of the tick styles that are text, not drawn boxes."""
BLACK = (0.0, 0.0, 0.0)


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


def wrap(p: Para, width: float, size: float, font: Font, index: int = 0) -> list[Line]:
    """Greedy word wrap of a paragraph's runs into lines no wider than `width`."""
    words = [(w, font.face(r.bold, r.italic)) for r in p.runs for w in r.text.split()]
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
    """Draws blocks top to bottom, breaking pages, and records every page's text.

    `total` is the last page's number, for footers such as "Página 7 de 48".
    """

    def __init__(self, canvas: Canvas, style: Style, total: int):
        self.c, self.s, self.total = canvas, style, total
        self.texts: list[list[str]] = [[]]  # body lines, then the footer
        self.heads: list[list[str]] = []  # the running header, above the body
        self.y = style.page[1] - style.top
        self.header()

    @property
    def room(self) -> float:
        """Vertical space left in the frame."""
        return self.y - self.s.bottom

    @property
    def at_top(self) -> bool:
        """True before any body text was drawn on the page: no leading space there."""
        return not self.texts[-1]

    @property
    def number(self) -> int:
        """The printed number of the current page."""
        return self.s.first_page + len(self.texts) - 1

    @property
    def accent(self) -> tuple[float, float, float]:
        """Colour of headings and page furniture: the accent, or black in black-heading styles."""
        return self.s.heading_rgb if self.s.headings.coloured else BLACK

    def finish(self) -> list[str]:
        """Close the last page and return the page texts."""
        self.footer()
        self.c.showPage()
        self.c.save()
        return ["\n".join([*head, *body]) for head, body in zip(self.heads, self.texts)]

    def new_page(self) -> None:
        """Footer, page break, a fresh text list, and the next page's header."""
        self.footer()
        self.c.showPage()
        self.texts.append([])
        self.y = self.s.page[1] - self.s.top
        self.header()

    def header(self) -> None:
        """Running header in the top margin, rule under it."""
        y = self.s.page[1] - self.s.top * 0.55
        self.heads.append([self.running(self.s.header, y, y - 4)] if self.s.header else [])

    def footer(self) -> None:
        """Running footer in the bottom margin, rule over it."""
        if self.s.footer:
            y = self.s.bottom * 0.5
            self.texts[-1].append(self.running(self.s.footer, y, y + 11))

    def running(self, line: RunningLine, y: float, rule_y: float) -> str:
        """Draw a running header or footer at baseline `y`; returns it as read."""
        s, c, n = self.s, self.c, self.number
        right = s.page[0] - s.right
        if line.rule:
            c.setStrokeColorRGB(*self.accent)
            c.setLineWidth(0.6)
            c.line(s.left, rule_y, right, rule_y)
        c.setFillColorRGB(*self.accent)
        c.setFont(s.font.face(bold=line.bold), line.size)
        parts = line.text.format(n=n, total=self.total).split("   ")
        if line.align == "outer" and not n % 2:
            parts.reverse()
        text = "   ".join(parts)
        if line.align == "spread":
            c.drawString(s.left, y, parts[0])
            c.drawRightString(right, y, "   ".join(parts[1:]))
        elif line.align == "center":
            c.drawCentredString(s.left + s.width / 2, y, text)
        elif line.align == "right" or (line.align == "outer" and n % 2):
            c.drawRightString(right, y, text)
        else:
            c.drawString(s.left, y, text)
        return " ".join(text.split())

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
            case AreaTitle():
                self.area_title(block)
            case KeepTogether(lines=n, ficha=ficha):
                if not self.at_top and ((ficha and self.s.new_page) or self.room < n * self.s.leading):
                    self.new_page()

    def paragraph(self, p: Para) -> None:
        """Body or heading paragraph; a heading needs room for three lines after it."""
        s = self.s
        if p.heading and s.headings.upper:
            p = restyle(p, upper=True)
        size = s.size * (1.08 if p.heading else 1)
        lines = wrap(p, s.width, size, s.font)
        lead = s.leading * size / s.size
        need = lead * (len(lines) + 3 if p.heading else min(len(lines), 2))
        if not self.at_top and self.room < need + p.space_before * s.leading:
            self.new_page()
        if not self.at_top:
            self.y -= p.space_before * s.leading
        rgb = self.accent if p.heading else BLACK
        for line in lines:
            if self.room < lead:
                self.new_page()
            self.y -= lead
            draw_line(self.c, line, s.left, self.y + lead * 0.22, s.width, rgb)
            self.texts[-1].append(line.text)
        if p.heading and s.headings.rule:
            self.c.setStrokeColorRGB(*rgb)
            self.c.setLineWidth(0.5)
            rule_y = self.y + lead * 0.22 - 0.3 * size
            self.c.line(s.left, rule_y, s.left + s.width, rule_y)

    def area_title(self, a: AreaTitle) -> None:
        """The area title as a heading, as a banner in the flow, or as a banner alone on a divider page."""
        s = self.s
        title = Para((Run(a.text, bold=True),), align="left", heading=True, space_before=0.5)
        if not s.area.banner:
            self.paragraph(title)
        elif not s.area.divider:
            self.banner(title, 1.08)
        else:
            if not self.at_top:
                self.new_page()
            self.y -= (self.room - 4 * s.leading) * 0.4
            self.banner(title, 1.5)
            self.new_page()

    def banner(self, title: Para, scale: float) -> None:
        """White bold text on a full-width rectangle filled with the accent colour."""
        s, c = self.s, self.c
        size, lead, pad = s.size * scale, s.leading * scale, 1.5 * s.pad
        lines = wrap(title, s.width - 2 * pad, size, s.font)
        height = len(lines) * lead + 2 * pad
        if not self.at_top and self.room < height + 4 * s.leading:
            self.new_page()
        if not self.at_top:
            self.y -= title.space_before * s.leading
        c.setFillColorRGB(*s.heading_rgb)
        c.rect(s.left, self.y - height, s.width, height, stroke=0, fill=1)
        y = self.y - pad
        for line in lines:
            y -= lead
            draw_line(c, line, s.left + pad, y + lead * 0.22, s.width - 2 * pad, (1.0, 1.0, 1.0))
            self.texts[-1].append(line.text)
        self.y -= height

    def table(self, t: Table) -> None:
        """A table; rows too tall for the page continue on the next one."""
        s = self.s
        if not self.at_top:
            self.y -= 0.5 * s.leading
        widths = [f * s.width for f in t.col_fracs]
        bold = t.label_col and (s.summary if t.summary else s.fichas).bold_first
        for i, row in enumerate(t.rows):
            cells, first = row_cells(row, widths, s, bold), True
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
        look = s.summary if t.summary else s.fichas
        vcenter = s.vcenter_codes if t.summary else s.vcenter_labels
        if row.span:
            widths = [sum(widths)]
        height = max(len(x) for x in cells) * s.leading + 2 * s.pad
        top, x = self.y, s.left
        c.setLineWidth(0.5)
        c.setStrokeColorRGB(0.25, 0.25, 0.25)
        for i, (lines, w) in enumerate(zip(cells, widths)):
            label = t.label_col and i == 0 and not row.span
            if ((row.shaded or row.span) and look.shade_header) or (label and look.shade_first):
                c.setFillColorRGB(*s.shade_rgb)
                c.rect(x, top - height, w, height, stroke=0, fill=1)
            y = top - s.pad
            if centre and label and vcenter:
                y -= (height - 2 * s.pad - len(lines) * s.leading) / 2
            for line in lines:
                y -= s.leading
                draw_line(c, line, x + s.pad, y + s.leading * 0.22, w - 2 * s.pad, BLACK)
            if look.rules == "grid":
                c.rect(x, top - height, w, height, stroke=1, fill=0)
            x += w
        if look.rules == "rows":
            c.line(s.left, top, x, top)
            c.line(s.left, top - height, x, top - height)
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
        """One line of choices, each marked in the style's way: a drawn box (graphics only) or printed marks."""
        s, c = self.s, self.c
        if self.room < 1.6 * s.leading:
            self.new_page()
        self.y -= 1.3 * s.leading
        x, box, face = s.left, s.size * 0.9, s.font.face()
        c.setStrokeColorRGB(0, 0, 0)
        c.setLineWidth(0.7)
        words = []
        for label, ticked in ch.items:
            if s.ticks in ("box_tick", "box_cross"):
                self.box(x, box, ticked)
                lead = box + 5
            elif mark := TEXT_MARKS[s.ticks][not ticked]:
                mark_face = symbol_face(face, mark)
                c.setFillColorRGB(0, 0, 0)
                c.setFont(mark_face, s.size)
                c.drawString(x, self.y + 1, mark + " ")
                lead = pdfmetrics.stringWidth(mark + " ", mark_face, s.size)
                words.append(mark)
            else:
                lead = 0
            c.setFillColorRGB(0, 0, 0)
            c.setFont(face, s.size)
            c.drawString(x + lead, self.y + 1, label)
            x += lead + pdfmetrics.stringWidth(label, face, s.size) + 30
            words.append(label)
        self.texts[-1].append(" ".join(words))

    def box(self, x: float, side: float, ticked: bool) -> None:
        """A drawn check box, ticked or crossed out when chosen."""
        c, y = self.c, self.y
        c.rect(x, y, side, side, stroke=1, fill=0)
        if ticked and self.s.ticks == "box_tick":
            c.line(x + 2, y + side * 0.5, x + side * 0.4, y + 2)
            c.line(x + side * 0.4, y + 2, x + side - 1, y + side - 1)
        elif ticked:
            c.line(x + 1.5, y + 1.5, x + side - 1.5, y + side - 1.5)
            c.line(x + 1.5, y + side - 1.5, x + side - 1.5, y + 1.5)


def symbol_face(face: str, mark: str) -> str:
    """`face` if it has the mark's glyphs, else the symbol font a word processor would fall back on."""
    if has_glyphs(face, mark):
        return face
    register(FONTS[SYMBOLS])
    return FONTS[SYMBOLS].face()


def row_cells(row: Row, widths: list[float], s: Style, bold_labels: bool) -> list[list[Line]]:
    """Wrap every cell of a row; a blank line separates paragraphs spaced apart in a cell."""
    if row.span:
        widths = [sum(widths)]
    cells = []
    for col, (paras, w) in enumerate(zip(row.cells, widths)):
        lines: list[Line] = []
        for i, p in enumerate(paras):
            if col == 0 and bold_labels and not row.span:
                p = restyle(p, bold=True)
            if i and p.space_before:
                lines.append(Line((), 0.0, True, "left", s.size, i))
            lines += wrap(p, w - 2 * s.pad, s.size, s.font, i)
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


def draw(blocks: list[Block], out, style: Style, total: int) -> list[str]:
    """Lay out and draw all blocks into `out` (path or file); returns the page texts."""
    canvas = Canvas(out, pagesize=style.page, invariant=1, pageCompression=1)
    canvas.setTitle("Catálogo de Lecciones Aprendidas y Buenas Prácticas")
    pager = Pager(canvas, style, total)
    for block in blocks:
        pager.place(block)
    return pager.finish()


def render_blocks(blocks: list[Block], out, style: Style) -> list[str]:
    """Draw the document; a footer that prints the last page's number first needs a dry run to count pages."""
    register(style.font)
    total = 0
    if any("{total}" in line.text for line in (style.header, style.footer) if line):
        total = style.first_page + len(draw(blocks, io.BytesIO(), style, 0)) - 1
    return draw(blocks, out, style, total)
