"""House styles (families) and the seeded Style drawn inside one: every knob of the look.

A family is what another hand laying out the same catalogue would choose (fonts, page
furniture, how tables, headings and tick boxes look); the seed draws the details inside it
(which of its fonts, sizes, margins, colours), so no extractor is tuned to one layout.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import reportlab
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

RGB = tuple[float, float, float]
Range = tuple[float, float]
TRUETYPE = Path("/usr/share/fonts/truetype")


@dataclass(frozen=True)
class Font:
    """A type family: its four faces (regular, bold, italic, bold italic) as file stems in `folder`."""

    faces: tuple[str, str, str, str]
    folder: Path
    package: str  # the Debian package shipping the files ("" for reportlab's bundled Vera)

    def face(self, bold: bool = False, italic: bool = False) -> str:
        """Registered name of one face."""
        return self.faces[2 * italic + bold]


FONTS: dict[str, Font] = {
    "Vera": Font(("Vera", "VeraBd", "VeraIt", "VeraBI"), Path(reportlab.__file__).parent / "fonts", ""),
    "DejaVuSans": Font(("DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique"),
                       TRUETYPE / "dejavu", "fonts-dejavu-core"),
    "DejaVuSerif": Font(("DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSerif-Italic", "DejaVuSerif-BoldItalic"),
                        TRUETYPE / "dejavu", "fonts-dejavu-extra"),
    "LiberationSans": Font(("LiberationSans-Regular", "LiberationSans-Bold", "LiberationSans-Italic",
                            "LiberationSans-BoldItalic"), TRUETYPE / "liberation2", "fonts-liberation2"),
    "LiberationSerif": Font(("LiberationSerif-Regular", "LiberationSerif-Bold", "LiberationSerif-Italic",
                             "LiberationSerif-BoldItalic"), TRUETYPE / "liberation2", "fonts-liberation2"),
    "FreeSans": Font(("FreeSans", "FreeSansBold", "FreeSansOblique", "FreeSansBoldOblique"),
                     TRUETYPE / "freefont", "fonts-freefont-ttf"),
    "FreeSerif": Font(("FreeSerif", "FreeSerifBold", "FreeSerifItalic", "FreeSerifBoldItalic"),
                      TRUETYPE / "freefont", "fonts-freefont-ttf"),
    "Carlito": Font(("Carlito-Regular", "Carlito-Bold", "Carlito-Italic", "Carlito-BoldItalic"),
                    TRUETYPE / "crosextra", "fonts-crosextra-carlito"),
    "Caladea": Font(("Caladea-Regular", "Caladea-Bold", "Caladea-Italic", "Caladea-BoldItalic"),
                    TRUETYPE / "crosextra", "fonts-crosextra-caladea"),
}
SYMBOLS = "DejaVuSans"
"""Where ☒/☐ come from when the body font lacks them, as a word processor substitutes a font."""


@cache
def register(font: Font) -> None:
    """Register a family's faces with reportlab; a missing file names the package to install."""
    for face in font.faces:
        path = font.folder / f"{face}.ttf"
        if not path.is_file():
            raise FileNotFoundError(f"font file {path} is missing: install the Debian package {font.package} "
                                    f"(apt-get install {font.package})")
        pdfmetrics.registerFont(TTFont(face, str(path)))


def has_glyphs(face: str, text: str) -> bool:
    """True when a registered face draws every character of `text` (no .notdef boxes)."""
    return all(ord(ch) in pdfmetrics.getFont(face).face.charToGlyph for ch in text)


@dataclass(frozen=True)
class RunningLine:
    """A running header or footer: `{n}` is the page number, `{total}` the last page's.

    Parts of `text` are separated by three spaces. `outer` puts the line on the outer edge
    (right on odd pages, left on even ones) with its parts mirrored, so the number stays on
    the outside; `spread` puts the first part at the left margin and the last at the right.
    """

    text: str
    align: Literal["outer", "spread", "left", "right", "center"]
    rule: bool  # under a header, over a footer
    bold: bool = True
    size: float = 8


@dataclass(frozen=True)
class TableLook:
    """How one kind of table is drawn: rules, fills, and the face of its first (label or code) column."""

    rules: Literal["grid", "rows", "none"]
    shade_first: bool
    bold_first: bool
    shade_header: bool  # the header row and a full-width span row


@dataclass(frozen=True)
class HeadingLook:
    """Section headings ("Hallazgo"): letter case, colour, and a rule under them."""

    upper: bool
    coloured: bool
    rule: bool


@dataclass(frozen=True)
class AreaLook:
    """The area title: coloured text or a white-on-dark banner, in the flow or alone on a divider page."""

    banner: bool
    divider: bool


@dataclass(frozen=True)
class Numbers:
    """How counts and amounts are printed: thousands separator and where "USD" goes."""

    sep: str
    money: str  # "{n} USD" or "USD {n}"

    def count(self, n: int) -> str:
        """32000 → "32,000" or "32.000"."""
        return f"{n:,}".replace(",", self.sep)

    def amount(self, n: int) -> str:
        """1500 → "1,500 USD", "USD 1.500", …"""
        return self.money.format(n=self.count(n))


Ticks = Literal["box_tick", "box_cross", "glyph", "brackets", "parens", "x_only", "none"]
"""How the "Tipo de lección" choice is marked: drawn boxes (graphics only), ☒/☐, [X]/[ ],
(x)/( ), an X before the ticked label only, or no mark at all."""

TITLE_FOOTER = RunningLine("LECCIONES APRENDIDAS Y BUENAS PRÁCTICAS   {n}", "outer", rule=True)
RUNNING_TITLE = "Institución · Catálogo de lecciones aprendidas y buenas prácticas · Página {n}"


@dataclass(frozen=True)
class Family:
    """A house style: the menus and ranges a seed draws one rendering's Style from."""

    fonts: tuple[str, ...]
    sizes: tuple[float, ...]
    pages: tuple[tuple[float, float], ...]
    accent: tuple[RGB, RGB]  # headings, furniture and banners: a colour between the two
    headers: tuple[RunningLine | None, ...]
    footers: tuple[RunningLine | None, ...]
    headings: tuple[HeadingLook, ...]
    areas: tuple[AreaLook, ...]
    summary: tuple[TableLook, ...]
    fichas: tuple[TableLook, ...]
    ticks: tuple[Ticks, ...]
    numbers: tuple[Numbers, ...]
    vcenter_labels: float  # chance that label cells are vertically centred
    vcenter_codes: float  # chance that summary codes are vertically centred
    new_page: float  # chance that every ficha starts on a new page
    label_split: Range  # share of the label column in label | value tables
    left: Range = (56, 78)
    right: Range = (50, 72)
    top: Range = (56, 72)
    bottom: Range = (62, 78)
    leading: Range = (1.15, 1.25)
    shade: tuple[RGB, RGB] = ((0.86, 0.9, 0.93), (0.86, 0.9, 0.98))
    pad: Range = (3, 5)


COMMA = Numbers(",", "{n} USD")
HOUSE_STYLES: dict[str, Family] = {
    # today's look: Vera, coloured headings, ruled tables, title footer on the outer side
    "catalogo": Family(
        fonts=("Vera",), sizes=(9.5, 10.0, 10.5, 11.0), pages=(A4, LETTER),
        accent=((0.05, 0.2, 0.35), (0.05, 0.2, 0.55)),
        headers=(None,), footers=(TITLE_FOOTER,),
        headings=(HeadingLook(upper=False, coloured=True, rule=False),),
        areas=(AreaLook(banner=False, divider=False),),
        summary=(TableLook("grid", shade_first=False, bold_first=False, shade_header=True),),
        fichas=(TableLook("grid", shade_first=True, bold_first=False, shade_header=True),),
        ticks=("box_tick",), numbers=(COMMA,),
        vcenter_labels=0.7, vcenter_codes=0.0, new_page=0.0, label_split=(0.3, 0.4),
    ),
    # a serif bulletin: running header with the page number, black upper-case headings with
    # rules, banners in the flow, horizontal rules only, Spanish number format
    "boletin": Family(
        fonts=("LiberationSerif", "DejaVuSerif", "FreeSerif"), sizes=(10.5, 11.0, 11.5, 12.0), pages=(A4,),
        accent=((0.35, 0.05, 0.08), (0.15, 0.25, 0.3)),
        headers=(RunningLine(RUNNING_TITLE, "left", rule=True, bold=False, size=8.5),
                 RunningLine(RUNNING_TITLE, "center", rule=False, bold=False, size=8.5)),
        footers=(None,),
        headings=(HeadingLook(upper=True, coloured=False, rule=True),),
        areas=(AreaLook(banner=True, divider=False),),
        summary=(TableLook("rows", shade_first=False, bold_first=True, shade_header=True),),
        fichas=(TableLook("rows", shade_first=False, bold_first=True, shade_header=False),
                TableLook("rows", shade_first=True, bold_first=True, shade_header=False)),
        ticks=("glyph", "brackets"), numbers=(Numbers(".", "{n} USD"), Numbers(".", "USD {n}")),
        vcenter_labels=0.0, vcenter_codes=0.5, new_page=1.0, label_split=(0.28, 0.33),
        left=(62, 80), right=(62, 80), top=(64, 78),
    ),
    # a report in Carlito or Liberation Sans on Letter: a title header and "Página n de N",
    # each area on a divider page, unruled summary, ruled label tables with bold centred labels
    "memoria": Family(
        fonts=("Carlito", "LiberationSans"), sizes=(10.0, 10.5, 11.0, 11.5), pages=(LETTER,),
        accent=((0.0, 0.3, 0.3), (0.05, 0.35, 0.2)),
        headers=(RunningLine("Catálogo de Lecciones Aprendidas y Buenas Prácticas", "right", rule=True,
                             bold=False),),
        footers=(RunningLine("Página {n} de {total}", "center", rule=False, bold=False, size=9),
                 RunningLine("Página {n} de {total}", "right", rule=False, bold=False, size=9)),
        headings=(HeadingLook(upper=False, coloured=True, rule=True),),
        areas=(AreaLook(banner=True, divider=True),),
        summary=(TableLook("none", shade_first=False, bold_first=False, shade_header=False),
                 TableLook("none", shade_first=False, bold_first=True, shade_header=True)),
        fichas=(TableLook("grid", shade_first=True, bold_first=True, shade_header=True),),
        ticks=("parens", "x_only"), numbers=(COMMA,),
        vcenter_labels=1.0, vcenter_codes=0.5, new_page=1.0, label_split=(0.36, 0.42),
        left=(68, 86), right=(60, 76), leading=(1.2, 1.3), shade=((0.88, 0.93, 0.9), (0.92, 0.96, 0.92)),
    ),
    # a dense sans layout: small type, narrow margins, "— n —" centred, black headings,
    # unruled label tables with a shaded label column, drawn boxes with a cross or no mark
    "informe": Family(
        fonts=("FreeSans", "DejaVuSans"), sizes=(9.0, 9.5, 10.0), pages=(A4, LETTER),
        accent=((0.45, 0.1, 0.1), (0.3, 0.1, 0.35)),
        headers=(None,),
        footers=(RunningLine("— {n} —", "center", rule=False, bold=False, size=9),
                 RunningLine("{n}", "right", rule=True, bold=False, size=9)),
        headings=(HeadingLook(upper=False, coloured=False, rule=False),),
        areas=(AreaLook(banner=False, divider=False), AreaLook(banner=False, divider=True)),
        summary=(TableLook("grid", shade_first=True, bold_first=False, shade_header=False),),
        fichas=(TableLook("none", shade_first=True, bold_first=False, shade_header=True),),
        ticks=("box_cross", "none"), numbers=(COMMA,),
        vcenter_labels=0.0, vcenter_codes=1.0, new_page=0.0, label_split=(0.3, 0.36),
        left=(42, 56), right=(40, 54), top=(48, 60), bottom=(56, 66), leading=(1.12, 1.2),
        shade=((0.9, 0.9, 0.9), (0.94, 0.94, 0.94)), pad=(2.5, 4),
    ),
    # kept out of all tuning: header and footer, Caladea or Liberation Sans, per-seed banners
    "anuario": Family(
        fonts=("Caladea", "LiberationSans"), sizes=(10.0, 10.5, 11.0), pages=(A4, LETTER),
        accent=((0.1, 0.15, 0.4), (0.3, 0.2, 0.05)),
        headers=(RunningLine("Catálogo de Lecciones Aprendidas y Buenas Prácticas   Institución", "spread",
                             rule=True, bold=False),),
        footers=(RunningLine("Página {n}", "outer", rule=False, bold=False, size=9),
                 RunningLine("{n}", "outer", rule=True, bold=True, size=9)),
        headings=(HeadingLook(upper=True, coloured=True, rule=False),
                  HeadingLook(upper=False, coloured=True, rule=True)),
        areas=(AreaLook(banner=True, divider=False), AreaLook(banner=True, divider=True)),
        summary=(TableLook("rows", shade_first=False, bold_first=False, shade_header=True),),
        fichas=(TableLook("rows", shade_first=True, bold_first=True, shade_header=True),
                TableLook("grid", shade_first=False, bold_first=True, shade_header=False)),
        ticks=("box_tick", "glyph", "brackets"), numbers=(COMMA,),
        vcenter_labels=0.5, vcenter_codes=0.5, new_page=0.5, label_split=(0.32, 0.4),
        shade=((0.9, 0.88, 0.84), (0.94, 0.92, 0.88)),
    ),
}
HELD_OUT_FAMILY = "anuario"


@dataclass(frozen=True)
class Style:
    """One rendering's look: the family's choices drawn for a seed."""

    page: tuple[float, float]
    left: float
    right: float
    top: float
    bottom: float
    size: float
    leading: float
    heading_rgb: RGB  # the accent colour
    shade_rgb: RGB
    pad: float
    vcenter_labels: bool
    first_page: int
    font: Font
    header: RunningLine | None
    footer: RunningLine | None
    headings: HeadingLook
    area: AreaLook
    summary: TableLook
    fichas: TableLook
    vcenter_codes: bool
    ticks: Ticks
    new_page: bool
    numbers: Numbers
    label_split: Range

    @property
    def width(self) -> float:
        """Width of the text frame."""
        return self.page[0] - self.left - self.right


def between(lo: RGB, hi: RGB, t: float) -> RGB:
    """The colour a fraction `t` of the way from `lo` to `hi` (`uniform`'s own formula)."""
    return tuple(a + (b - a) * t for a, b in zip(lo, hi))  # type: ignore[return-value]


def style_for(seed: int, family: str = "catalogo") -> Style:
    """Draw a Style from a family's menus.

    The knobs of the original single layout are drawn first, in their original order, so
    `catalogo` keeps giving the same pages for the same seed.
    """
    fam = HOUSE_STYLES[family]
    rng = random.Random(f"{seed}:style")
    size = rng.choice(fam.sizes)
    accent = between(*fam.accent, rng.random())
    geometry = dict(
        page=rng.choice(fam.pages),
        left=rng.uniform(*fam.left), right=rng.uniform(*fam.right),
        top=rng.uniform(*fam.top), bottom=rng.uniform(*fam.bottom),
        size=size, leading=size * rng.uniform(*fam.leading),
        heading_rgb=accent, shade_rgb=between(*fam.shade, rng.random()),
        pad=rng.uniform(*fam.pad), vcenter_labels=rng.random() < fam.vcenter_labels,
        first_page=rng.randint(5, 40),
    )
    return Style(
        **geometry,
        font=FONTS[rng.choice(fam.fonts)], header=rng.choice(fam.headers), footer=rng.choice(fam.footers),
        headings=rng.choice(fam.headings), area=rng.choice(fam.areas),
        summary=rng.choice(fam.summary), fichas=rng.choice(fam.fichas),
        vcenter_codes=rng.random() < fam.vcenter_codes, ticks=rng.choice(fam.ticks),
        new_page=rng.random() < fam.new_page, numbers=rng.choice(fam.numbers), label_split=fam.label_split,
    )
