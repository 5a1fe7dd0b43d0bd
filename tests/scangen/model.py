"""The printed page as a list of blocks: what content.py builds and layout.py draws.

Keeping the document abstract lets one record → blocks mapping serve every family and
geometry (the seeded Style decides faces, sizes, rules and widths when the blocks are laid out).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Align = Literal["justify", "left", "center"]


@dataclass(frozen=True)
class Run:
    """A piece of text in one face: bold run-in labels share a line with regular text."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Para:
    """A paragraph; `heading` paragraphs are slightly larger, set in the style's heading look, and
    kept with what follows."""

    runs: tuple[Run, ...]
    align: Align = "justify"
    heading: bool = False
    space_before: float = 0.45  # in lines (inside a table cell: any value means one blank line)


@dataclass(frozen=True)
class Row:
    """A table row: one list of paragraphs per cell; `span` draws one cell across the table."""

    cells: tuple[tuple[Para, ...], ...]
    shaded: bool = False
    span: bool = False


@dataclass(frozen=True)
class Table:
    """A table; `label_col` marks a first column of labels (or codes) that the style may shade,
    embolden or centre vertically; `summary` selects the style's look for the area summary."""

    rows: tuple[Row, ...]
    col_fracs: tuple[float, ...]
    label_col: bool = False
    summary: bool = False


@dataclass(frozen=True)
class Tiles:
    """The ODS icons: coloured squares with no text, as a scan of the graphics would show."""

    count: int
    salt: int


@dataclass(frozen=True)
class Checks:
    """A row of check boxes ("Tipo de lección"): labels with ticked or not; the style draws the marks."""

    items: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class AreaTitle:
    """An area's numbered title: coloured text, a banner, or a banner on a divider page."""

    text: str


@dataclass(frozen=True)
class KeepTogether:
    """Start a new page unless `lines` lines of body text still fit: keeps a ficha header whole.

    `ficha` marks the start of a ficha, which some styles always put on a new page.
    """

    lines: float
    ficha: bool = False


Block = Para | Table | Tiles | Checks | AreaTitle | KeepTogether


def para(*runs: Run | str, **kw) -> Para:
    """Shorthand: plain strings become regular runs."""
    return Para(tuple(Run(r) if isinstance(r, str) else r for r in runs), **kw)


def restyle(p: Para, *, bold: bool | None = None, upper: bool = False) -> Para:
    """The same paragraph with every run made bold or upper case, as a style prints it."""
    runs = tuple(replace(r, text=r.text.upper() if upper else r.text, bold=r.bold if bold is None else bold)
                 for r in p.runs)
    return replace(p, runs=runs)


def heading(text: str) -> Para:
    """A section title such as "Hallazgo" or "Metas del proyecto:"."""
    return Para((Run(text, bold=True),), align="left", heading=True, space_before=0.7)
