"""Digital PDF → image-only "scanned" PDF: rasterise, degrade with PIL + numpy, embed JPEGs.

The degradations are the ones the seed scan shows or a flatbed scan of a bound catalogue
gives: skew, soft focus and low optical resolution, the reverse side showing through,
paper tone with uneven lighting toward the binding, stains, sensor noise, speckle, faded
ink, JPEG artefacts. Every random draw comes from a
generator seeded by (seed, level, page), so a seed always yields the same pixels.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter


@dataclass(frozen=True)
class Level:
    """How hard a scan level degrades a page."""

    dpi: int
    max_angle: float  # degrees, either way
    noise: float  # gaussian sigma, grey levels
    blur: float  # gaussian radius in pixels at this dpi
    optics: float  # optical resolution as a fraction of `dpi` (soft, blocky small type)
    jpeg: int  # JPEG quality
    stains: int  # maximum number of stains
    shade: float  # depth of the lighting falloff (0 = even)
    fade: float  # ink contrast kept (1 = black stays black)
    speckle: float  # fraction of pixels turned into dust
    show_through: float  # opacity of the mirrored reverse side


LEVELS: dict[str, Level] = {
    "clean": Level(300, 0.3, 2.0, 0.4, 1.0, 70, 0, 0.04, 1.0, 0.0, 0.0),
    "typical": Level(250, 1.0, 3.5, 0.7, 0.65, 55, 2, 0.10, 0.92, 0.00005, 0.08),
    "poor": Level(200, 2.0, 6.0, 0.9, 0.55, 40, 4, 0.18, 0.8, 0.0003, 0.16),
}
# fixed document dates: PIL would otherwise stamp the time and break byte-identity
EPOCH = time.gmtime(1622505600)  # 2021-06-01


def page_rng(seed: int, level: str, page: int) -> np.random.Generator:
    """An independent, reproducible generator per page."""
    digest = hashlib.sha256(f"{seed}:{level}:{page}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def rasterise(pdf_path: Path, dpi: int) -> list[Image.Image]:
    """Render every page of a digital PDF to greyscale at `dpi`."""
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        return [page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for page in pdf]
    finally:
        pdf.close()


def lighting(shape: tuple[int, int], rng: np.random.Generator, depth: float) -> np.ndarray:
    """Multiplicative illumination: a linear gradient plus a darker band at one side (binding)."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * xx / w + np.sin(angle) * yy / h)
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    side = xx / w if rng.random() < 0.5 else 1 - xx / w
    binding = np.exp(-side / rng.uniform(0.02, 0.06))
    return 1 - depth * (0.6 * ramp + 0.8 * binding)


def stains(shape: tuple[int, int], rng: np.random.Generator, count: int) -> np.ndarray:
    """Soft brownish blots (greyscale darkening) built at low resolution then upsampled."""
    h, w = shape
    small = np.ones((h // 8, w // 8), np.float32)
    yy, xx = np.mgrid[0 : h // 8, 0 : w // 8].astype(np.float32)
    for _ in range(count):
        cy, cx = rng.uniform(0, h // 8), rng.uniform(0, w // 8)
        ry, rx = rng.uniform(8, 40), rng.uniform(8, 40)
        d = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2
        ring = np.exp(-((np.sqrt(d) - 1) ** 2) / 0.02) * rng.uniform(0.03, 0.08)
        small *= 1 - (np.where(d < 1, rng.uniform(0.02, 0.06), 0) + ring)
    img = Image.fromarray((small * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(2))
    return np.asarray(img.resize((w, h), Image.BILINEAR), np.float32) / 255


def degrade(page: Image.Image, back: Image.Image | None, level: Level, rng: np.random.Generator) -> Image.Image:
    """Turn one clean greyscale render into a scan-like greyscale image.

    `back` is the render of the other side of the sheet, which shows through thin paper.
    """
    img = page
    if back is not None and level.show_through:
        mirrored = back.transpose(Image.FLIP_LEFT_RIGHT).filter(ImageFilter.GaussianBlur(level.dpi / 100))
        through = 1 - level.show_through * (1 - np.asarray(mirrored, np.float32) / 255)
        img = Image.fromarray((np.asarray(img, np.float32) * through).astype(np.uint8), "L")
    img = img.filter(ImageFilter.GaussianBlur(level.blur))
    if level.optics < 1:
        low = (round(img.width * level.optics), round(img.height * level.optics))
        img = img.resize(low, Image.BOX).resize(img.size, Image.BILINEAR)
    paper = float(rng.uniform(232, 248))
    angle = float(rng.uniform(-level.max_angle, level.max_angle))
    shift = tuple(int(v) for v in rng.integers(-12, 13, size=2))
    img = img.rotate(angle, resample=Image.BICUBIC, translate=shift, fillcolor=255)
    ink = 1 - (1 - np.asarray(img, np.float32) / 255) * level.fade
    out = paper * ink * lighting(ink.shape, rng, level.shade)
    n_stains = int(rng.integers(0, level.stains + 1)) if level.stains else 0
    if n_stains:
        out *= stains(ink.shape, rng, n_stains)
    out += rng.normal(0, level.noise, ink.shape).astype(np.float32)
    if level.speckle:
        dust = rng.random(ink.shape) < level.speckle
        out[dust] = rng.uniform(40, 120, int(dust.sum()))
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "L")


def reverse(pages: list[Image.Image], i: int) -> Image.Image | None:
    """The other side of page i's sheet when printed duplex (odd index = back of the previous)."""
    j = i + 1 if i % 2 == 0 else i - 1
    return pages[j] if j < len(pages) and pages[j].size == pages[i].size else None


def scan_pdf(digital: Path, out: Path, level_name: str, seed: int) -> None:
    """Write an image-only PDF of `digital` as scanned at `level_name`.

    Pages keep their physical size: PIL sizes each page from the pixel count and `resolution`.
    """
    level = LEVELS[level_name]
    clean = rasterise(digital, level.dpi)
    pages = [degrade(p, reverse(clean, i), level, page_rng(seed, level_name, i)) for i, p in enumerate(clean)]
    pages[0].save(
        out, "PDF", resolution=level.dpi, save_all=True, append_images=pages[1:],
        quality=level.jpeg, optimize=True, creationDate=EPOCH, modDate=EPOCH,
        title="Catálogo de Lecciones Aprendidas y Buenas Prácticas",
    )
