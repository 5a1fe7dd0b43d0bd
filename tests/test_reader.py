"""The page reader tells the run once, and only once, that a page with text has been read: the
run then loads spaCy in the background while the other pages are OCR'd. Documents read at the
same time share its bound on the page images in memory."""
from __future__ import annotations

import threading
import weakref
from concurrent.futures import ThreadPoolExecutor

from PIL import Image, ImageDraw, ImageFont

from pipeline.pool import LocalPool
from pipeline.reader import RENDERED_PER_WORKER, OcrJob, PageReader

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


def test_documents_read_at_once_share_the_bound_on_page_images_in_memory():
    alive, most, lock = [0], [0], threading.Lock()

    def render() -> Image.Image:
        image = page("Buenas prácticas de protección")
        with lock:
            alive[0] += 1
            most[0] = max(most[0], alive[0])
        weakref.finalize(image, lambda: alive.__setitem__(0, alive[0] - 1))
        return image

    reader = PageReader(LocalPool(1))
    try:
        jobs = {name: [OcrJob(n, 200.0, render) for n in range(1, 7)] for name in ("a", "b")}
        with ThreadPoolExecutor(2) as documents:
            read = list(documents.map(lambda name: reader.read(name, jobs[name], 6, 60, []), jobs))
        assert [len(pages) for pages in read] == [6, 6] and all(p.lines for pages in read for p in pages)
        # The pool lets go of a page's image just after its place is given back: one more at most.
        assert most[0] <= RENDERED_PER_WORKER * reader.pool.workers + 1
    finally:
        reader.close()
