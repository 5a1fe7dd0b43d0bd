"""Scanned PDF pages: a page that is one image filling it is drawn from that image alone, and
must give the picture PDFium's page render gives; any other page is rendered whole."""
from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from pipeline.ingest import ingest
from pipeline.limits import IngestLimits
from pipeline.reader import PageReader
from pipeline.records import Page
from pipeline.pdf import PDFIUM, opaque_images, lone_scan, scan_image

A4_PT = (595.0, 842.0)


def page_image(dpi: int, mode: str = "L") -> Image.Image:
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


def shortcut(path: Path) -> tuple[np.ndarray | None, np.ndarray]:
    """The page drawn from its lone scan at the resolution it is read at, as ingest draws it
    (decoded when pdfplumber finds no mask on it), and rendered whole."""
    page = pdfium.PdfDocument(path)[0]
    width, height = page.get_size()
    with pdfplumber.open(path) as plumbed:
        opaque = opaque_images(plumbed.pages[0])
    with PDFIUM:
        scan = lone_scan(page)
        if scan is None:
            return None, np.zeros(0)
        own_dpi = scan.get_px_size()[0] / width * 72
        scale = IngestLimits().reading_dpi(own_dpi, width / 72, height / 72) / 72
        drawn = scan_image(scan, (round(width * scale), round(height * scale)), opaque)
        whole = page.render(scale=scale, grayscale=True).to_pil()
    return np.asarray(drawn, dtype=np.int16), np.asarray(whole, dtype=np.int16)


def assert_same_picture(scan: np.ndarray | None, whole: np.ndarray, source: Image.Image, tolerance: float = 3) -> None:
    """The drawn picture is the source scan in gray, as PDFium's page render is (up to
    resampling, which differs on sharp synthetic edges); a flip or a one-pixel shift is not."""
    assert scan is not None
    assert abs(scan.shape[0] - whole.shape[0]) <= 1 and abs(scan.shape[1] - whole.shape[1]) <= 1
    height, width = min(scan.shape[0], whole.shape[0]), min(scan.shape[1], whole.shape[1])
    expected = np.asarray(source.convert("L").resize((scan.shape[1], scan.shape[0]), Image.BILINEAR), dtype=np.int16)
    assert np.abs(scan - expected).mean() < tolerance
    assert np.abs(scan[:height, :width] - whole[:height, :width]).mean() < 10


@pytest.mark.parametrize("dpi, mode, read_at", [(300, "L", 300), (200, "L", 200), (400, "RGB", 400), (600, "RGB", 300)])
def test_a_scan_is_read_at_its_own_resolution_as_the_page_render_shows_it(tmp_path: Path, dpi: int, mode: str, read_at: int):
    source = page_image(dpi, mode)
    scan, whole = shortcut(pdf_of(source, tmp_path / "scan.pdf", dpi))
    assert scan.shape[1] == pytest.approx(A4_PT[0] / 72 * read_at, abs=1)
    assert_same_picture(scan, whole, source)


def test_a_plain_scan_is_decoded_to_its_own_pixels(tmp_path: Path):
    for mode in ("L", "RGB"):
        path = pdf_of(page_image(200, mode), tmp_path / f"{mode}.pdf", 200)
        with pdfplumber.open(path) as plumbed:
            assert opaque_images(plumbed.pages[0])
        page = pdfium.PdfDocument(path)[0]
        with PDFIUM:
            scan = lone_scan(page)
            decoded = np.asarray(scan_image(scan, scan.get_px_size(), opaque=True), dtype=np.int16)
            jpeg = bytes(scan.get_data(decode_simple=False))
        own = np.asarray(Image.open(io.BytesIO(jpeg)).convert("L"), dtype=np.int16)
        # The JPEG's pixels, not a resampled drawing of them (PDFium draws this one a pixel wider).
        assert decoded.shape == own.shape and np.abs(decoded - own).max() <= 1, mode


def test_a_scan_placed_upside_down_is_drawn_as_the_page_shows_it(tmp_path: Path):
    source = page_image(200)
    path = tmp_path / "flipped.pdf"
    sheet = canvas.Canvas(str(path), pagesize=A4_PT)
    sheet.translate(0, A4_PT[1])
    sheet.scale(1, -1)  # the image matrix flips it: decoding it alone would show it upside down
    sheet.drawImage(ImageReader(source), 0, 0, *A4_PT)
    sheet.save()
    scan, whole = shortcut(path)
    # Drawn by PDFium one row taller, so resampled once: a looser match than a decoded scan's.
    assert_same_picture(scan, whole, source.transpose(Image.Transpose.FLIP_TOP_BOTTOM), tolerance=10)


def test_transparent_parts_of_the_scan_are_white_paper(tmp_path: Path):
    image = page_image(200, "RGB").convert("RGBA")
    alpha = Image.new("L", image.size, 255)
    ImageDraw.Draw(alpha).rectangle((0, 0, image.width // 2, image.height // 2), fill=0)
    image.putalpha(alpha)
    path = tmp_path / "masked.pdf"
    sheet = canvas.Canvas(str(path), pagesize=A4_PT)
    sheet.drawImage(ImageReader(image), 0, 0, *A4_PT, mask="auto")
    sheet.save()
    with pdfplumber.open(path) as plumbed:
        assert not opaque_images(plumbed.pages[0])
    scan, whole = shortcut(path)
    # PDFium draws this image one row taller than it is (a rounding), so it is resampled once.
    assert_same_picture(scan, whole, Image.alpha_composite(Image.new("RGBA", image.size, "white"), image), tolerance=10)
    assert scan[: scan.shape[0] // 3, : scan.shape[1] // 3].min() >= 250


def test_pages_that_are_more_than_one_scan_are_rendered_whole(tmp_path: Path):
    image = page_image(200)
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


class JobsSeen(PageReader):
    """The real ingest up to the OCR jobs, which are rendered but not read."""

    def read(self, sha256, jobs, count, timeout, warnings):
        self.seen = [(job.dpi, job.render().size) for job in jobs]
        return [Page(number + 1, (), "ocr") for number in range(count)]


@pytest.mark.parametrize("dpi, read_at", [(200, 200), (400, 400), (600, 300)])
def test_ingest_reads_a_scanned_pdf_at_the_scans_resolution(tmp_path: Path, dpi: int, read_at: int):
    reader = JobsSeen()
    ingest(pdf_of(page_image(dpi), tmp_path / "scan.pdf", dpi), reader=reader)
    [(job_dpi, size)] = reader.seen
    assert job_dpi == pytest.approx(read_at, abs=0.5)
    assert size[0] == pytest.approx(A4_PT[0] / 72 * read_at, abs=1)


def test_ingest_renders_a_stamped_scan_whole_at_300_dpi(tmp_path: Path):
    stamped = tmp_path / "stamped.pdf"
    sheet = canvas.Canvas(str(stamped), pagesize=A4_PT)
    sheet.drawImage(ImageReader(page_image(200)), 0, 0, *A4_PT)
    sheet.drawString(72, 72, "Recibido")
    sheet.save()
    reader = JobsSeen()
    ingest(stamped, reader=reader)
    assert [dpi for dpi, _ in reader.seen] == [pytest.approx(300)]


def test_a_scan_without_pixels_is_rendered_whole_as_a_blank_page(tmp_path: Path):
    data = pdf_of(page_image(200), tmp_path / "scan.pdf", 200).read_bytes()
    for key in (b"Width", b"Height"):  # same length, so the cross-reference table stays right
        field = re.search(rb"/" + key + rb" \d+", data).group(0)
        data = data.replace(field, (b"/" + key + b" 0").ljust(len(field)))
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(data)
    reader = JobsSeen()
    document = ingest(broken, reader=reader)
    assert [dpi for dpi, _ in reader.seen] == [pytest.approx(300)] and document.warnings == []
