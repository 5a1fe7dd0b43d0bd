"""The Tesseract kept running between pages, on real pages of the scanned sample: it must read
what a one-off `tesseract` run reads, page after page, and recover from a page it fails on."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest

from pipeline.errors import MissingDependencyError
from pipeline.pool import LocalPool
from pipeline.tesseract import StreamFailed, TesseractStream, close_streams, stream

SAMPLE = Path(__file__).parents[1] / "raw" / "catalogo_muestra_escaneado.pdf"
DPI = 150
"""Low enough to keep Tesseract quick, high enough to read the sample's text."""


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[Path]:
    """Two pages of the scanned sample as PGM files, the top half of each (less to read)."""
    folder = tmp_path_factory.mktemp("pages")
    out = []
    document = pdfium.PdfDocument(SAMPLE)
    for index in (1, 2):
        pixels = np.asarray(document[index].render(scale=DPI / 72, grayscale=True).to_pil())
        path = folder / f"page{index}.pgm"
        top = pixels[: pixels.shape[0] // 2]
        path.write_bytes(b"P5\n%d %d\n255\n" % (top.shape[1], top.shape[0]) + top.tobytes())
        out.append(path)
    return out


def one_off(path: Path) -> list[list[str]]:
    """`tesseract PAGE - tsv` run once for the page: its rows, without the page number column."""
    tsv = subprocess.run(["tesseract", str(path), "-", "-l", "spa", "--psm", "3", "--dpi", str(DPI), "tsv"],
                         capture_output=True, text=True, check=True, env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"}).stdout
    return rows(tsv)


def rows(tsv: str) -> list[list[str]]:
    return [cells[:1] + cells[2:] for line in tsv.splitlines() if (cells := line.split("\t"))[0] != "level"]


def test_pages_read_in_a_row_by_one_process_read_as_one_off_runs(pages):
    running = TesseractStream("spa", 3, DPI)
    try:
        pid = running._process.pid
        for path in pages + pages[:1]:  # back to the first: nothing is carried from page to page
            read = rows(running.read(path, timeout=60))
            assert read == one_off(path)
            assert sum(row[0] == "1" for row in read) == 1, "one page row: the sentinel's is not in it"
            assert any(row[0] == "5" and row[-1].strip() for row in read)
        assert running._process.pid == pid and running.alive
    finally:
        running.close()
    assert not running.alive


def test_a_page_that_times_out_stops_the_process_and_the_next_page_reads(pages):
    first = stream("spa", 3, DPI)
    with pytest.raises(StreamFailed, match="timed out"):
        first.read(pages[0], timeout=0.01)
    assert not first.alive
    again = stream("spa", 3, DPI)
    assert again is not first and rows(again.read(pages[0], timeout=60)) == one_off(pages[0])
    close_streams()


def test_an_unreadable_page_is_reported_and_the_next_page_reads(pages, tmp_path):
    broken = tmp_path / "broken.pgm"
    broken.write_bytes(b"P5\n10 10\n255\n")  # the header promises pixels that are not there
    with pytest.raises(StreamFailed, match="tesseract failed"):
        stream("spa", 3, DPI).read(broken, timeout=60)
    assert rows(stream("spa", 3, DPI).read(pages[1], timeout=60)) == one_off(pages[1])
    close_streams()


def test_missing_language_data_is_a_missing_dependency(pages):
    with pytest.raises(MissingDependencyError, match="language data"):
        TesseractStream("zzz", 3, DPI).read(pages[0], timeout=60)


def test_closing_the_pool_stops_its_tesseracts(pages):
    pool = LocalPool(2)
    streams = [pool.submit(lambda: stream("spa", 3, DPI)).result() for _ in range(4)]
    futures = [pool.submit(lambda s=s: s.read(pages[0], timeout=60)) for s in streams[:1]]
    assert all(f.result() for f in futures)
    assert any(s.alive for s in streams)
    pool.close()
    assert not any(s.alive for s in streams)
