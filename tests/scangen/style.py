"""Fonts and the seeded page geometry: the knobs that vary from one rendering to the next."""
from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import reportlab
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FACES = {(False, False): "Vera", (True, False): "VeraBd", (False, True): "VeraIt", (True, True): "VeraBI"}


@cache
def register_fonts() -> None:
    """Register reportlab's bundled Vera faces (they carry á, ñ, ü, ¿, “ ”): no system fonts."""
    folder = Path(reportlab.__file__).parent / "fonts"
    for name in FACES.values():
        pdfmetrics.registerFont(TTFont(name, str(folder / f"{name}.ttf")))


@dataclass(frozen=True)
class Style:
    """Page geometry and type sizes; drawn per seed so no pipeline is tuned to one layout."""

    page: tuple[float, float]
    left: float
    right: float
    top: float
    bottom: float
    size: float
    leading: float
    heading_rgb: tuple[float, float, float]
    shade_rgb: tuple[float, float, float]
    pad: float
    vcenter_labels: bool
    first_page: int

    @property
    def width(self) -> float:
        """Width of the text frame."""
        return self.page[0] - self.left - self.right


def style_for(seed: int) -> Style:
    """Seeded geometry: A4 or Letter, margins, body 9.5–11 pt, table padding, colours."""
    rng = random.Random(f"{seed}:style")
    size = rng.choice([9.5, 10.0, 10.5, 11.0])
    blue = rng.uniform(0.35, 0.55)
    return Style(
        page=rng.choice([A4, LETTER]),
        left=rng.uniform(56, 78), right=rng.uniform(50, 72),
        top=rng.uniform(56, 72), bottom=rng.uniform(62, 78),
        size=size, leading=size * rng.uniform(1.15, 1.25),
        heading_rgb=(0.05, 0.2, blue), shade_rgb=(0.86, 0.9, rng.uniform(0.93, 0.98)),
        pad=rng.uniform(3, 5), vcenter_labels=rng.random() < 0.7, first_page=rng.randint(5, 40),
    )
