"""Cheap numpy measurements on a grayscale page image, taken before and around OCR.

Each function answers one question Tesseract would otherwise answer slowly or not at all: is
the page blank, does it look turned on its side, how much is it skewed, where are the ruled
lines of its tables. All work on the page as a 2-D uint8 numpy array (dark ink on light paper),
taken from PIL once per page: each `np.asarray` of a PIL page copies it (~5 ms at 250 dpi).
"""
from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image

from pipeline.lines import Rule

# One process per core is the design (ocr.py): OpenCV's own threads would only fight Tesseract.
cv2.setNumThreads(1)

ANALYSIS_WIDTH = 1000
"""Pixels across the downscaled copy used for the blank, sideways and skew measurements."""
BLANK_INK_FRACTION = 0.0005
"""Below this share of dark pixels a page holds no text worth a Tesseract run."""
SIDEWAYS_RATIO = 0.8
"""Row-profile sharpness / column-profile sharpness below this: text lines probably run vertically."""
MAX_SKEW_DEG = 3.0
SKEW_COARSE_STEP_DEG = 0.5
SKEW_FINE_STEP_DEG = 0.1
SKEW_SAMPLE_POINTS = 200_000
"""Ink pixels sampled for the skew search; more only costs time."""
RULE_MIN_FRACTION = 0.25
"""A horizontal ruling runs at least this share of the page width."""
RULE_FILL = 0.9
"""Share of a ruling's length that must be dark: degraded scans break their lines."""
RULE_MAX_THICKNESS_PT = 4.0
"""Darker bands thicker than this are filled shapes or bold text, not rulings."""


def ink_mask(pixels: np.ndarray, width: int = ANALYSIS_WIDTH) -> np.ndarray:
    """Dark pixels (Otsu threshold) of a copy shrunk by a whole factor to about `width` across,
    each pixel the mean of a block: noise averages out, and the measurements take milliseconds
    whatever the resolution. (PIL's block reduce: ~4 ms a 250 dpi page, a third of a resample's.)"""
    factor = pixels.shape[1] // width
    if factor > 1:
        pixels = np.asarray(Image.fromarray(pixels).reduce(factor))
    return pixels < otsu_threshold(pixels)


def otsu_threshold(pixels: np.ndarray) -> int:
    """The gray level that best separates ink from paper (Otsu's between-class variance)."""
    hist = cv2.calcHist([np.ascontiguousarray(pixels)], [0], None, [256], [0, 256]).ravel().astype(np.float64)
    levels = np.arange(256)
    weight_dark = np.cumsum(hist)
    weight_light = weight_dark[-1] - weight_dark
    sum_dark = np.cumsum(hist * levels)
    mean_dark = sum_dark / np.maximum(weight_dark, 1)
    mean_light = (sum_dark[-1] - sum_dark) / np.maximum(weight_light, 1)
    between = weight_dark * weight_light * (mean_dark - mean_light) ** 2
    threshold = int(np.argmax(between)) + 1
    # A blank page has no ink class: keep only clearly dark pixels.
    return min(threshold, 160)


def ink_box(pixels: np.ndarray, margin: int) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) in pixels of the page's ink, `margin` wider all round, within
    the page. Measured on every fourth pixel; a row or column needs two dark ones, so a single
    speck of dust does not widen the box."""
    height, width = pixels.shape
    sample = pixels[::4, ::4]
    dark = sample < otsu_threshold(sample)
    rows = np.flatnonzero(np.count_nonzero(dark, axis=1) >= 2)
    cols = np.flatnonzero(np.count_nonzero(dark, axis=0) >= 2)
    if len(rows) == 0 or len(cols) == 0:
        return (0, 0, width, height)
    return (max(0, int(cols[0]) * 4 - margin), max(0, int(rows[0]) * 4 - margin),
            min(width, int(cols[-1]) * 4 + 4 + margin), min(height, int(rows[-1]) * 4 + 4 + margin))


def is_blank(mask: np.ndarray) -> bool:
    return float(mask.mean()) < BLANK_INK_FRACTION


def _profile_sharpness(profile: np.ndarray) -> float:
    """Text lines make a projection profile jump between ink and gaps; flat profiles score low."""
    return float(np.sum(np.diff(profile.astype(np.float64)) ** 2))


def looks_sideways(mask: np.ndarray) -> bool:
    """True when ink lines up in columns more sharply than in rows: a page turned 90° or 270°."""
    rows = _profile_sharpness(mask.mean(axis=1))
    cols = _profile_sharpness(mask.mean(axis=0))
    return rows < SIDEWAYS_RATIO * cols


def estimate_skew(mask: np.ndarray) -> float:
    """Degrees to turn the page counter-clockwise so its text lines run level (|angle| ≤ 3°).

    Projects sampled ink pixels onto the vertical axis at trial angles and keeps the angle
    whose row histogram is sharpest: a coarse pass, then a fine one around the best.
    """
    ys, xs = np.nonzero(mask)
    if len(ys) < 100:
        return 0.0
    if len(ys) > SKEW_SAMPLE_POINTS:
        pick = np.random.default_rng(0).choice(len(ys), SKEW_SAMPLE_POINTS, replace=False)
        ys, xs = ys[pick], xs[pick]
    # float32 halves the work of the 24 trial turns; the angle is kept to 0.01° only.
    ys = ys.astype(np.float32) - np.float32(mask.shape[0] / 2)
    xs = xs.astype(np.float32) - np.float32(mask.shape[1] / 2)

    def sharpness(angle: float) -> float:
        # A point's row once the page is turned counter-clockwise by `angle` degrees.
        t = np.deg2rad(angle)
        rows = ys * np.float32(np.cos(t)) - xs * np.float32(np.sin(t))
        return _profile_sharpness(np.bincount(np.rint(rows - rows.min()).astype(np.int32)))

    coarse = np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 1e-9, SKEW_COARSE_STEP_DEG)
    best = max(coarse, key=sharpness)
    fine = np.arange(best - SKEW_COARSE_STEP_DEG, best + SKEW_COARSE_STEP_DEG + 1e-9, SKEW_FINE_STEP_DEG)
    best = max(fine, key=sharpness)
    return float(np.clip(round(best, 2), -MAX_SKEW_DEG, MAX_SKEW_DEG))


def level(pixels: np.ndarray, skew: float) -> np.ndarray:
    """The page turned `skew` degrees counter-clockwise about its centre, same size, white filled.

    Bilinear, by OpenCV (~0.03 s a 300 dpi page; PIL's rotate takes 0.15 s): nearest-neighbour
    raised the benchmark's poor-scan CER from 2.7% to 3.9%, and leaving the skew to Tesseract, to 6.3%.
    """
    height, width = pixels.shape
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), skew, 1.0)
    return cv2.warpAffine(pixels, turn, (width, height), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=255)


_TO_GRAY = {"BGR": cv2.COLOR_BGR2GRAY, "BGRX": cv2.COLOR_BGRA2GRAY, "BGRA": cv2.COLOR_BGRA2GRAY}


def on_paper(pixels: np.ndarray, mode: str, size: tuple[int, int]) -> Image.Image:
    """A bitmap in one of PDFium's modes (L, BGR, BGRX, BGRA) as an 8-bit gray page of `size`
    (width, height): transparent parts are white paper. A bitmap a pixel off the size (PDFium
    rounds up) is trimmed or padded, not resampled; others are scaled, area-averaged when shrunk."""
    gray = pixels if mode == "L" else cv2.cvtColor(pixels, _TO_GRAY[mode])
    if mode == "BGRA" and (alpha := pixels[..., 3]).min() < 255:
        gray = (255 - (255 - gray.astype(np.uint16)) * alpha // 255).astype(np.uint8)
    width, height = size
    if abs(gray.shape[1] - width) <= 1 and abs(gray.shape[0] - height) <= 1:
        gray = gray[:height, :width]
        gray = np.pad(gray, ((0, height - gray.shape[0]), (0, width - gray.shape[1])), constant_values=255)
    else:
        shrink = width * height < gray.shape[0] * gray.shape[1]
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    return Image.fromarray(gray)


def horizontal_rules(pixels: np.ndarray, dpi: float) -> list[Rule]:
    """Long thin horizontal lines (table cell borders) in pixels, found by run length on the full image.

    A pixel row holds a ruling when some window of RULE_MIN_FRACTION × width is at least
    RULE_FILL dark; three rows are merged first so a line that drifts by a pixel still counts.
    """
    sample = pixels[::4, ::4]
    # Thin rulings blur to light gray: count pixels darker than halfway from ink to paper
    # (as 0/1 bytes: OpenCV thresholds, merges and sums them several times faster than numpy).
    halfway = (otsu_threshold(sample) + int(np.median(sample))) / 2
    _, dark = cv2.threshold(pixels, math.ceil(halfway) - 1, 1, cv2.THRESH_BINARY_INV)
    dark = cv2.dilate(dark, np.ones((3, 1), np.uint8))[1:-1]  # row r: rows r..r+2 of the page
    height, width = dark.shape
    window = max(8, int(width * RULE_MIN_FRACTION))
    if width <= window:
        return []
    row_ink = cv2.reduce(dark, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel()
    candidates = np.flatnonzero(row_ink >= RULE_FILL * window)  # cheap first cut
    sums = np.cumsum(dark[candidates], axis=1, dtype=np.int32)
    hits = np.zeros((height, width - window), dtype=bool)
    hits[candidates] = sums[:, window:] - sums[:, :-window] >= RULE_FILL * window
    rows = np.flatnonzero(hits.any(axis=1))
    max_thickness = max(3, RULE_MAX_THICKNESS_PT * dpi / 72)
    rules: list[Rule] = []
    for band in np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1):
        if len(band) == 0 or len(band) > max_thickness + 2:
            continue
        starts = np.flatnonzero(hits[band].any(axis=0))
        # Windows may start or end on a few light pixels: the ruling is where its ink is.
        span = slice(int(starts[0]), int(starts[-1]) + window)
        inked = np.flatnonzero(dark[band, span].any(axis=0)) + span.start
        rules.append(Rule(float(inked[0]), float(inked[-1]), float(band.mean() + 1)))
    return rules
