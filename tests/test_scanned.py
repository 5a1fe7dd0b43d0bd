"""End to end on scanned pages: catalogue pages rendered from gold records, degraded like a
`typical` scan, OCR'd by the real Tesseract, and scored field by field against the records.

The fichas come from an area other than the samples in raw/, and the generator varies its
layout by seed, so this does not score the geometry the pipeline was developed on.
"""
import json
from pathlib import Path

import pytest
from rapidfuzz.distance import Levenshtein

from extractors.template import DEFAULT_TEMPLATE, load_template
from pipeline.evaluate import score_fichas
from pipeline.ingest import ingest
from pipeline.run import extract_document, repair_lines, repairer_for
from tests.scangen import render_pdf

DATA = Path(__file__).parent / "data"
CODES = ("BP2_ISE", "LA1_ISE")
SEED = 11

FIELD_ACCURACY_FLOOR = 0.93
CER_CEILING = 0.02
"""Character error rate of a page's repaired text against what was printed, in reading order."""


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    gold = json.loads((DATA / "gold" / "ISE.json").read_text(encoding="utf-8"))
    records = [f for f in gold["fichas"] if f["codigo"] in CODES]
    resumen = [r for r in gold["resumen"] if r["codigo"] in CODES]
    out = tmp_path_factory.mktemp("scan") / "ise_typical.pdf"
    rendered = render_pdf(records, resumen, out, level="typical", seed=SEED)
    document = ingest(out)
    result = extract_document(document, load_template(), repairer_for(DEFAULT_TEMPLATE))
    return records, rendered, document, result


@pytest.mark.slow
def test_fields_of_a_typical_scan(scan):
    records, _, _, result = scan
    assert result.status == "ok"
    report = score_fichas(result.fichas, records)
    print("\n" + report.table())
    print(report.calibration())
    assert not report.missing and not report.spurious
    assert report.accuracy >= FIELD_ACCURACY_FLOOR


@pytest.mark.slow
def test_page_text_cer_of_a_typical_scan(scan):
    _, rendered, document, _ = scan
    lines = repair_lines(document, repairer_for(DEFAULT_TEMPLATE))
    rates = []
    for number, truth in enumerate(rendered.page_texts, 1):
        read = " ".join(l.text for l in lines if l.page == number)
        truth = " ".join(truth.split())
        rates.append(Levenshtein.distance(read, truth) / max(len(truth), 1))
    print("\nCER per page:", [round(r, 4) for r in rates])
    assert sum(rates) / len(rates) <= CER_CEILING


@pytest.mark.slow
def test_provenance_points_at_the_page(scan):
    _, _, _, result = scan
    ficha = result.fichas[0]
    territorio = ficha.fields["territorio"]
    assert territorio.page >= 1 and territorio.bbox is not None
    x0, top, x1, bottom = territorio.bbox
    assert 0 <= x0 < x1 and 0 <= top < bottom
    assert "Territorio" in territorio.raw


@pytest.mark.slow
def test_a_page_that_reads_poorly_gets_a_second_look_with_adaptive_binarization(tmp_path):
    """A poor scan whose label cells are shaded: the global threshold loses labels there, the
    second look reads them, and the page keeps the better reading."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    from pipeline import ocr

    gold = json.loads((DATA / "gold" / "PC.json").read_text(encoding="utf-8"))
    rendered = render_pdf(gold["fichas"], gold["resumen"], tmp_path / "pc.pdf", level="poor", seed=7,
                          family="memoria")
    pdf = pdfium.PdfDocument(str(rendered.path))
    pixels = np.asarray(pdf[8].render(scale=rendered.dpi / 72, grayscale=True).to_pil().convert("L"))
    pdf.close()
    first = ocr._read(pixels, rendered.dpi, 0, 120)
    page = ocr.ocr_image(Image.fromarray(pixels, "L"), rendered.dpi, 120)
    words = " ".join(w.text for w in page.words)
    assert ocr.doubtful(first, ocr.SECOND_LOOK_CONFIDENCE, ocr.SECOND_LOOK_WEAK_SHARE)
    assert page.confidence > first.confidence
    assert "Territorio" in words and "Territorio" not in " ".join(w.text for w in first.words)
