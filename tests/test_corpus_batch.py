"""One batch over the broken and odd files of the public corpus (../shared/corpus): every file
ends `ok`/`sin_fichas` or `failed` with a one-line reason, and nothing stops the batch.

The corpus is read where it is; the tests skip when it is absent (a clone without ../shared).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.batch import collect_inputs, run

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FOLDERS = ("bad", "scanned")

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not here")

EDGE_CASES = {
    "ocrmypdf__hugemono.pdf": "failed",  # 35000×35000 px: refused as a decompression bomb
    "ocrmypdf__2400dpi.pdf": "sin_fichas",  # read at 300 dpi
    "ocrmypdf__jbig2.pdf": "sin_fichas",
    "ocrmypdf__ccitt.pdf": "sin_fichas",
    "ocrmypdf__multipage.pdf": "sin_fichas",
    "ocrmypdf__graph_ocred.pdf": "sin_fichas",  # already OCR'd: its text layer is read
    "docling__ocr_test_rotated_90.pdf": "sin_fichas",
    "docling__2206.01062.tif": "sin_fichas",  # multi-page TIFF
    "unstructured__DA-1p.heic": "sin_fichas",
    "pdfium__trailer_unterminated.pdf": "sin_fichas",  # read from qpdf's repair
    "qpdf__bad-direct-root.pdf": "sin_fichas",  # no header either
    "pdfjs__bug1606566_no_header.pdf": "sin_fichas",
    "pdfplumber__empty_zero_bytes.pdf": "failed",
    "pypdf__r4-aes-user-password.pdf": "failed",
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    report = run([CORPUS / f for f in FOLDERS], out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return report, {Path(d["path"]).name: d for d in manifest["documents"]}, out


@pytest.mark.slow
def test_every_file_ends_read_or_with_a_clear_error(batch):
    report, documents, _ = batch
    files = collect_inputs([CORPUS / f for f in FOLDERS])
    assert len(documents) == len(files)
    for name, entry in documents.items():
        assert entry["status"] in ("ok", "sin_fichas", "failed"), name
        if entry["status"] == "failed":
            assert entry["error"] and "\n" not in entry["error"] and "Traceback" not in entry["error"], name
        else:
            assert entry["error"] is None and entry["pages"] >= 1, name


@pytest.mark.slow
def test_edge_cases_end_as_expected(batch):
    _, documents, _ = batch
    assert {name: documents[name]["status"] for name in EDGE_CASES} == EDGE_CASES
    assert "decompression bomb" in documents["ocrmypdf__hugemono.pdf"]["error"]
    assert "needs a password" in documents["pypdf__r4-aes-user-password.pdf"]["error"]


@pytest.mark.slow
def test_a_second_run_retries_only_the_failures(batch):
    report, documents, out = batch
    again = run([CORPUS / f for f in FOLDERS], out)
    failed = sum(d["status"] == "failed" for d in documents.values())
    assert again.processed == failed and again.pages_ocr == 0
