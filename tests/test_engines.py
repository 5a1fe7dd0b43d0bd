"""The two OCR engines on real pages of the scanned sample: Tesseract in process reads what the
CLI reads, a machine without tesserocr falls back on the CLI for a whole run, and the cache key
and the manifest name the engine."""
from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest

from pipeline import engines
from pipeline.tesseract import StreamFailed

pytest.importorskip("tesserocr")

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "raw" / "catalogo_muestra_escaneado.pdf"
DPI = 200
NO_TESSEROCR = "sys.modules['tesserocr'] = None; "
"""Prepended to a `python -c` program: `import tesserocr` then fails as on a machine without it."""


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    document = pdfium.PdfDocument(SAMPLE)
    pixels = np.asarray(document[1].render(scale=DPI / 72, grayscale=True).to_pil())
    document.close()
    return pixels


def words(tsv: str) -> list[tuple[str, tuple[int, ...]]]:
    rows = [line.split("\t") for line in tsv.splitlines()]
    return [(r[11].strip(), tuple(map(int, r[6:10]))) for r in rows if r[0] == "5" and r[11].strip()]


def test_in_process_reads_the_words_the_cli_reads(page):
    cli, in_process = engines.Cli("spa", 3), engines.InProcess("spa", 3)
    try:
        by_cli, by_api = words(cli.read(page, DPI, (), 60)), words(in_process.read(page, DPI, (), 60))
        assert by_api == words(in_process.read(page, DPI, (), 60)), "nothing carried from page to page"
    finally:
        cli.close()
        in_process.close()
    matcher = difflib.SequenceMatcher(a=[w for w, _ in by_cli], b=[w for w, _ in by_api], autojunk=False)
    assert len(by_cli) > 100 and matcher.ratio() > 0.97
    matched = [(by_cli[i + k][1], by_api[j + k][1]) for i, j, n in matcher.get_matching_blocks() for k in range(n)]
    assert all(max(abs(a - b) for a, b in zip(*boxes)) <= 3 for boxes in matched)


def test_a_config_holds_for_two_pages_only(page):
    in_process = engines.InProcess("spa", 3)
    try:
        plain = in_process.read(page, DPI, (), 60)
        in_process.read(page, DPI, ("thresholding_method=2",), 60)
        assert in_process.read(page, DPI, (), 60) == plain
    finally:
        in_process.close()


def test_a_page_that_times_out_fails_and_the_next_reads(page):
    in_process = engines.InProcess("spa", 3)
    try:
        with pytest.raises(StreamFailed, match="timed out"):
            in_process.read(page, DPI, (), 0.001)
        assert words(in_process.read(page, DPI, (), 60))
    finally:
        in_process.close()


def python(program: str, **env: str) -> str:
    done = subprocess.run([sys.executable, "-c", "import sys; " + program], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def settings(prefix: str = "", **env: str) -> dict:
    return json.loads(python(prefix + "import json; from pipeline import ocr; print(json.dumps(ocr.settings()))", **env))


def test_the_cache_key_names_the_engine_and_its_version():
    in_process, cli = settings(), settings(FICHAS_OCR_ENGINE="cli")
    assert in_process["engine"].startswith("tesserocr ") and ", tesseract 5." in in_process["engine"]
    assert cli["engine"].startswith("cli, tesseract ")
    assert settings(NO_TESSEROCR) == cli
    assert {k: v for k, v in in_process.items() if k != "engine"} == {k: v for k, v in cli.items() if k != "engine"}


@pytest.fixture(scope="module")
def two_pages(tmp_path_factory) -> Path:
    """Pages 1–2 of the scanned sample (a ficha): a whole run takes a few seconds."""
    import pikepdf

    path = tmp_path_factory.mktemp("raw") / "pagina.pdf"
    with pikepdf.open(SAMPLE) as sample, pikepdf.new() as one:
        one.pages.extend(sample.pages[:2])
        one.save(path)
    return path


@pytest.mark.parametrize("prefix, engine", [("", "tesserocr "), (NO_TESSEROCR, "cli, tesseract ")])
def test_a_run_names_its_engine_in_the_summary_and_the_manifest(two_pages, tmp_path, prefix, engine):
    """With tesserocr blocked this is a real run of the fallback: the CLI reads the page."""
    out = tmp_path / "out"
    said = python(prefix + f"from pipeline.cli import main; sys.exit(main(['run', {str(two_pages)!r}, '--out', {str(out)!r}]))")
    assert f"2 OCR'd, 0 from the cache (OCR: {engine}" in said
    [entry] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["documents"]
    assert entry["ocr_engine"].startswith(engine) and entry["status"] == "ok" and entry["fichas"] >= 1


READ_WORDS = """
import json
from PIL import Image
from pipeline import ocr
page = ocr.ocr_image(Image.open({path!r}), {dpi}, 120)
print(json.dumps([[w.text, round(w.confidence, 4)] for w in page.words]))
"""


@pytest.fixture(scope="module")
def poor_page(tmp_path_factory) -> Path:
    """Page 2 of the scanned sample, degraded as the benchmark's poor scans are (200 dpi)."""
    from tests.scangen.degrade import LEVELS, degrade, page_rng

    document = pdfium.PdfDocument(SAMPLE)
    clean = document[1].render(scale=DPI / 72, grayscale=True).to_pil().convert("L")
    document.close()
    path = tmp_path_factory.mktemp("poor") / "page.png"
    degrade(clean, None, LEVELS["poor"], page_rng(0, "poor", 1)).save(path)
    return path


def test_a_page_the_in_process_engine_reads_poorly_is_read_as_the_cli_engine_reads_it(poor_page):
    from PIL import Image

    from pipeline import ocr

    first = ocr._read(np.asarray(Image.open(poor_page)), DPI, 0, 120)  # this process: tesserocr
    assert engines.name() == "tesserocr" and first.words
    assert ocr.doubtful(first, ocr.SWITCH_CONFIDENCE, ocr.SWITCH_WEAK_SHARE)
    program = READ_WORDS.format(path=str(poor_page), dpi=DPI)
    by_default, by_cli = python(program), python(program, FICHAS_OCR_ENGINE="cli")
    assert json.loads(by_default) == json.loads(by_cli)
    assert [[w.text, round(w.confidence, 4)] for w in first.words] != json.loads(by_cli)


@pytest.fixture(scope="module")
def sparse_page(tmp_path_factory) -> Path:
    """A page with a few lines of text on it (an eighth of page 1 of the scanned sample, which
    Tesseract 5.5 reads as ~40 words at a good confidence), the rest blank."""
    from PIL import Image

    document = pdfium.PdfDocument(SAMPLE)
    full = document[0].render(scale=DPI / 72, grayscale=True).to_pil().convert("L")
    document.close()
    page = Image.new("L", full.size, 255)
    eighth = full.height // 8
    page.paste(full.crop((0, 3 * eighth, full.width, 4 * eighth)), (0, full.height // 3))
    path = tmp_path_factory.mktemp("sparse") / "page.png"
    page.save(path)
    return path


def test_a_sparse_page_is_read_as_the_cli_engine_reads_it(sparse_page):
    """Tesseract 5.5 read a sparse page of a generated scan as no words at all, with nothing in
    the confidences to show it: a page of few words is read again by the CLI engine."""
    from pipeline import ocr

    from PIL import Image

    first = ocr._read(np.asarray(Image.open(sparse_page)), DPI, 0, 120)  # this process: tesserocr
    weak = sum(w.confidence < ocr.WEAK_WORD for w in first.words) / len(first.words)
    assert first.confidence >= ocr.SWITCH_CONFIDENCE and weak <= ocr.SWITCH_WEAK_SHARE, "only few words"
    program = READ_WORDS.format(path=str(sparse_page), dpi=DPI)
    by_default, by_cli = json.loads(python(program)), json.loads(python(program, FICHAS_OCR_ENGINE="cli"))
    assert 0 < len(by_cli) < ocr.FEW_WORDS
    assert by_default == by_cli
