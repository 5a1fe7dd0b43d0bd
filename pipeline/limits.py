"""Resource limits of ingest, shared by the PDF and image readers.

Its own module so that `pipeline.ingest` (which dispatches to the readers) and `pipeline.pdf`
(one of them) both depend on it, and not on each other.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import InputFileError

DEFAULT_IMAGE_DPI = 300.0
MIN_IMAGE_DPI = 70.0
"""Smaller resolutions in an image's header are placeholders (JPEG's 1×1, TIFF's 1 dpi): ignored."""
MAX_IMAGE_DPI = 400.0
"""Finer images are scaled to 300 dpi: Tesseract reads as well and 2–4× faster."""


@dataclass(frozen=True)
class IngestLimits:
    """Resource limits: a hostile or absurd file is refused or scaled down, never a hang or a crash."""

    max_pages: int = 1000
    """Documents with more pages are refused (a catalogue has ~100; the corpus's largest 400)."""
    max_image_pixels: int = 150_000_000
    """An image (file, frame or embedded in a PDF) with more pixels is refused as a decompression
    bomb. An A4 page scanned at 1200 dpi has 140 M; the corpus's hugemono page 1,225 M."""
    max_render_pixels: int = 40_000_000
    """Pages are read at most at this many pixels (A2 at 300 dpi): at a lower dpi when need be."""
    ocr_timeout_s: float = 120.0
    """Tesseract is stopped after this long on one page (a 300-dpi A4 page takes 1.5–4.5 s)."""

    def reading_dpi(self, own_dpi: float | None, width_in: float, height_in: float) -> float:
        """The resolution a page of width_in × height_in inches is read at.

        A scan (`own_dpi`: an image file, or a PDF page that is one image) is read at its own
        resolution up to MAX_IMAGE_DPI, never scaled up: on the benchmark's poor scans (200 dpi)
        reading them as they are, rather than brought to 300 dpi, cut the CER from 2.1% to 1.7%
        and Tesseract's time by a third. Finer scans and drawn pages are read at 300 dpi.
        Either way, within max_render_pixels.
        """
        dpi = own_dpi if own_dpi is not None and own_dpi <= MAX_IMAGE_DPI else DEFAULT_IMAGE_DPI
        return min(dpi, (self.max_render_pixels / max(width_in * height_in, 1e-9)) ** 0.5)

    def check_image(self, path: Path, page: int, width: int, height: int) -> None:
        """Refuse an image whose pixel count makes it a decompression bomb."""
        if width * height > self.max_image_pixels:
            raise InputFileError(path, f"page {page}: image of {width}×{height} px is over the limit of "
                                       f"{self.max_image_pixels / 1e6:.0f} Mpx (decompression bomb?)")
