"""Scanned PDF pages: the plain-scan shortcut must give the picture PDFium's page render gives,
and must stand aside for any page that is more than one image filling it."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from pipeline.pdf import PDFIUM, plain_scan

SCALE = 300 / 72
A4_PT = (595.0, 842.0)


def scan_image(dpi: int, mode: str = "L") -> Image.Image:
    """An A4 page at `dpi` with text-like strokes and a ruled table, gray or coloured."""
    size = (round(A4_PT[0] / 72 * dpi), round(A4_PT[1] / 72 * dpi))
    image = Image.new(mode, size, "white")
    draw = ImageDraw.Draw(image)
    step = dpi // 6
    for row, y in enumerate(range(step, size[1] - step, step)):
        draw.line((step, y, size[0] - step, y), fill="black", width=max(1, dpi // 150))
        for x in range(step + (row % 3) * 7, size[0] // 2, dpi // 10):
            draw.rectangle((x, y - dpi // 12, x + dpi // 25, y - dpi // 40), fill=(30, 60, 200) if mode == "RGB" else 40)
    return image


def pdf_of(image: Image.Image, path: Path, dpi: int) -> Path:
    image.save(path, resolution=dpi)  # one DCT image filling the page, as scanners write it
    return path


def render(page: pdfium.PdfPage) -> np.ndarray:
    return np.asarray(page.render(scale=SCALE, grayscale=True).to_pil(), dtype=np.int16)


def shortcut(path: Path) -> tuple[np.ndarray | None, np.ndarray]:
    page = pdfium.PdfDocument(path)[0]
    with PDFIUM:
        scan = plain_scan(page, SCALE)
    return (None if scan is None else np.asarray(scan, dtype=np.int16)), render(page)


def assert_same_picture(scan: np.ndarray | None, whole: np.ndarray, source: Image.Image) -> None:
    """The shortcut's picture is the source scan in gray at 300 dpi, as PDFium's render is
    (up to resampling, which differs on sharp synthetic edges); a flip or a shift is not."""
    assert scan is not None
    assert abs(scan.shape[0] - whole.shape[0]) <= 1 and abs(scan.shape[1] - whole.shape[1]) <= 1
    height, width = min(scan.shape[0], whole.shape[0]), min(scan.shape[1], whole.shape[1])
    expected = np.asarray(source.convert("L").resize((scan.shape[1], scan.shape[0]), Image.BILINEAR), dtype=np.int16)
    assert np.abs(scan - expected).mean() < 3
    assert np.abs(scan[:height, :width] - whole[:height, :width]).mean() < 10


@pytest.mark.parametrize("dpi, mode", [(300, "L"), (250, "L"), (400, "RGB"), (200, "RGB")])
def test_a_plain_scan_gives_the_page_render(tmp_path: Path, dpi: int, mode: str):
    source = scan_image(dpi, mode)
    assert_same_picture(*shortcut(pdf_of(source, tmp_path / "scan.pdf", dpi)), source)


def test_transparent_parts_of_the_scan_are_white_paper(tmp_path: Path):
    image = scan_image(200, "RGB").convert("RGBA")
    alpha = Image.new("L", image.size, 255)
    ImageDraw.Draw(alpha).rectangle((0, 0, image.width // 2, image.height // 2), fill=0)
    image.putalpha(alpha)
    path = tmp_path / "masked.pdf"
    sheet = canvas.Canvas(str(path), pagesize=A4_PT)
    sheet.drawImage(ImageReader(image), 0, 0, *A4_PT, mask="auto")
    sheet.save()
    scan, whole = shortcut(path)
    assert_same_picture(scan, whole, Image.alpha_composite(Image.new("RGBA", image.size, "white"), image))
    assert scan[: scan.shape[0] // 3, : scan.shape[1] // 3].min() >= 250


def test_pages_that_are_more_than_one_scan_are_rendered_whole(tmp_path: Path):
    image = scan_image(200)
    plain = pdf_of(image, tmp_path / "plain.pdf", 200)

    document = pdfium.PdfDocument(plain)
    document[0].set_rotation(90)
    document.save(tmp_path / "turned.pdf")

    stamped = tmp_path / "stamped.pdf"
    sheet = canvas.Canvas(str(stamped), pagesize=A4_PT)
    sheet.drawImage(ImageReader(image), 0, 0, *A4_PT)
    sheet.drawString(72, 72, "Recibido")
    sheet.save()

    half = tmp_path / "half.pdf"
    sheet = canvas.Canvas(str(half), pagesize=A4_PT)
    sheet.drawImage(ImageReader(image), 0, 0, A4_PT[0] / 2, A4_PT[1] / 2)
    sheet.save()

    for path in (tmp_path / "turned.pdf", stamped, half):
        scan, _ = shortcut(path)
        assert scan is None, path.name
