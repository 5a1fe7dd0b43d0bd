"""A local pool tells the run as each page is handed to Tesseract (a blank page never is): the
run then builds the repairer and spaCy beside it. Until then nothing of that is built, unless a
document needs it. Documents read at the same time share the reader's bound on the page images
in memory."""
from __future__ import annotations

import threading
import time
import weakref
from concurrent.futures import CancelledError, ThreadPoolExecutor

import pytest

from PIL import Image, ImageDraw, ImageFont

from pipeline.batch import _Loader
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


def test_the_pool_tells_as_a_page_goes_to_tesseract_and_a_blank_page_never_does():
    handed: list[str] = []
    reader = PageReader(LocalPool(1, on_reading=lambda: handed.append(threading.current_thread().name)))
    try:
        reader.read("blank", [OcrJob(1, 200.0, lambda: page(None))], 1, 60, [])
        assert handed == []
        texts = [OcrJob(n, 200.0, lambda: page("Lecciones aprendidas en Tulcán")) for n in (1, 2)]
        pages = reader.read("texts", texts, 2, 60, [])
        assert all(p.lines for p in pages)
        assert len(handed) >= 2 and all(name.startswith("tesseract") for name in handed)
    finally:
        reader.close()


def test_the_loader_builds_nothing_until_ocr_starts_or_a_document_needs_it():
    built: list[str] = []
    loader = _Loader(with_pages=lambda: built.append("spacy"))
    repairer = loader.submit(lambda: built.append("repairer") or "repairer")
    time.sleep(0.3)  # a thread free to build would have built by now
    assert built == []
    assert loader.wanted(repairer)() == "repairer"  # a text document needs it: spaCy waits for pages
    time.sleep(0.3)
    assert built == ["repairer"]
    loader.ocr_started()
    loader.ocr_started()  # two OCR threads say so
    deadline = time.monotonic() + 10
    while "spacy" not in built and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert built == ["repairer", "spacy"]
    loader.close()

    idle = _Loader(with_pages=lambda: built.append("never"))
    never = idle.submit(lambda: built.append("never"))
    idle.close()
    with pytest.raises(CancelledError):
        never.result(timeout=10)
    assert built == ["repairer", "spacy"]


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
