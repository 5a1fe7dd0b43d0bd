"""The page reader tells the run once, and only once, that a page with text has been read: the
run then loads spaCy in the background while the other pages are OCR'd."""
from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from pipeline.pool import LocalPool
from pipeline.reader import OcrJob, PageReader

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def page(text: str | None) -> Image.Image:
    """A 200 dpi half-letter page: blank, or a few lines of `text`."""
    image = Image.new("L", (1100, 1400), 255)
    if text:
        draw, font = ImageDraw.Draw(image), ImageFont.truetype(FONT, 40)
        for row in range(6):
            draw.text((120, 150 + 90 * row), text, fill=0, font=font)
    return image


def test_the_first_page_with_text_is_announced_once_and_a_blank_page_never():
    announced: list[int] = []
    reader = PageReader(LocalPool(1), on_first_text=lambda: announced.append(len(announced)))
    try:
        blank = [OcrJob(1, 200.0, lambda: page(None))]
        reader.read("blank", blank, 1, 60, [])
        assert announced == []
        texts = [OcrJob(n, 200.0, lambda: page("Lecciones aprendidas en Tulcán")) for n in (1, 2, 3)]
        pages = reader.read("texts", texts, 3, 60, [])
        assert all(p.lines for p in pages)
        assert announced == [0]
    finally:
        reader.close()
