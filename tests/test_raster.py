"""The numpy page measurements and the levelling of a skewed page, on drawn images.

These tests draw a level page, turn it the way a scanner would, and check that the skew is
measured and that the rulings are found once the page is levelled again.
"""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipeline import raster

DPI = 300
WIDTH, HEIGHT = 2480, 3508
RULES_Y = (600, 1400, 2300)
"""Pixel rows of the drawn table borders on the level page."""


def level_page() -> Image.Image:
    """An A4 page at 300 dpi with three long rulings and text-like bars between them."""
    page = Image.new("L", (WIDTH, HEIGHT), 255)
    draw = ImageDraw.Draw(page)
    for y in RULES_Y:
        draw.line((250, y, 2230, y), fill=0, width=3)
    for y in range(400, 3200, 60):
        if all(abs(y - rule) > 40 for rule in RULES_Y):
            for x in range(300, 2100, 180):
                draw.rectangle((x, y, x + 140, y + 25), fill=0)
    return page


def turned(page: Image.Image, degrees: float) -> np.ndarray:
    """The page as scanned askew: turned clockwise by `degrees`, as the pixels ingest measures."""
    return np.asarray(page.rotate(-degrees, resample=Image.BILINEAR, fillcolor=255))


@pytest.mark.parametrize("degrees", [-2.0, -0.8, 1.3, 2.5])
def test_skew_is_measured(degrees: float):
    skew = raster.estimate_skew(raster.ink_mask(turned(level_page(), degrees)))
    assert skew == pytest.approx(degrees, abs=0.15)


@pytest.mark.parametrize("degrees", [0.0, -1.7, 2.4])
def test_rulings_of_a_levelled_page(degrees: float):
    """Each drawn ruling is found once, at its row and extent on the level page."""
    scanned = turned(level_page(), degrees)
    page = raster.level(scanned, raster.estimate_skew(raster.ink_mask(scanned)))
    rules = raster.horizontal_rules(page, DPI)
    assert len(rules) == len(RULES_Y)
    for rule, y in zip(sorted(rules, key=lambda r: r.y), RULES_Y):
        assert rule.y == pytest.approx(y, abs=4)
        assert rule.x0 == pytest.approx(250, abs=12)
        assert rule.x1 == pytest.approx(2230, abs=12)


def test_rulings_of_a_skewed_page_are_not_found_unlevelled():
    """Levelling is what finds them: at 2.4° a ruling drifts ~80 px across the page."""
    assert raster.horizontal_rules(turned(level_page(), 2.4), DPI) == []


def test_the_ink_box_holds_all_the_ink_and_the_margin():
    page = level_page()
    left, top, right, bottom = raster.ink_box(np.asarray(page), 45)
    assert (left, top) == (pytest.approx(250 - 45, abs=4), pytest.approx(400 - 45, abs=4))
    assert (right, bottom) == (pytest.approx(2230 + 45, abs=5), pytest.approx(3185 + 45, abs=5))
    ImageDraw.Draw(page).point((30, 30), fill=0)  # a speck of dust in the corner
    assert raster.ink_box(np.asarray(page), 45) == (left, top, right, bottom)


def test_a_blank_page_keeps_its_size():
    assert raster.ink_box(np.full((HEIGHT, WIDTH), 255, np.uint8), 45) == (0, 0, WIDTH, HEIGHT)
