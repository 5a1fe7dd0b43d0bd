"""The scanned-catalogue generator: deterministic, faithful text layer, honest OCR difficulty."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pytest
from rapidfuzz.distance import Levenshtein

from tests.scangen import FAMILIES, LEVELS, render_pdf
from tests.scangen.__main__ import main as cli
from tests.scangen.content import pacto_mundial

GOLD = Path(__file__).parent / "data" / "gold"
SEED = 0
# CER of tesseract 5.3 (-l spa, fast model) against the printed reading order, typical level,
# seed 0, BP1_AH + LA1_AH: page 0 (summary table + header + prose) measured 0.0086, page 2
# (label | value table with wrapped cells, which tesseract reads column by column) 0.0405.
CER_CEILING = {0: 0.02, 2: 0.07}


def gold(area: str) -> dict:
    """A gold file: summary rows and records."""
    return json.loads((GOLD / f"{area}.json").read_text("utf-8"))


def pick(area: str, *codes: str) -> list[dict]:
    """Some fichas of an area, in the order asked."""
    by_code = {f["codigo"]: f for f in gold(area)["fichas"]}
    return [by_code[c] for c in codes]


def raster(pdf_path: Path, index: int, dpi: int) -> np.ndarray:
    """One page as a greyscale array."""
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        return np.asarray(pdf[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
    finally:
        pdf.close()


def norm(text: str) -> str:
    """Whitespace collapsed: line breaks are layout, not characters."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def typical(tmp_path_factory):
    """A typical scan of the AH summary, BP1_AH and LA1_AH, rendered once into a private cache."""
    root = tmp_path_factory.mktemp("scangen")
    records = pick("AH", "BP1_AH", "LA1_AH")
    result = render_pdf(records, gold("AH")["resumen"], root / "typical.pdf", level="typical", seed=SEED,
                        cache_dir=root / "cache")
    return records, result, root


def test_same_seed_same_bytes_other_seed_other_pixels(tmp_path):
    records = pick("AH", "LA1_AH")
    a = render_pdf(records, [], tmp_path / "a.pdf", level="typical", seed=5, cache_dir=None)
    b = render_pdf(records, [], tmp_path / "b.pdf", level="typical", seed=5, cache_dir=None)
    c = render_pdf(records, [], tmp_path / "c.pdf", level="typical", seed=6, cache_dir=None)
    assert a.path.read_bytes() == b.path.read_bytes()
    assert a.page_texts == b.page_texts
    pa, pc = raster(a.path, 0, 100), raster(c.path, 0, 100)
    assert pa.shape != pc.shape or np.abs(pa.astype(int) - pc).mean() > 1


def test_cache_returns_the_stored_rendering(typical, tmp_path, monkeypatch):
    records, first, root = typical

    def no_build(*_args):
        raise AssertionError("rendered again instead of reading the cache")

    monkeypatch.setattr("tests.scangen.render.build", no_build)
    again = render_pdf(records, gold("AH")["resumen"], tmp_path / "again.pdf", level="typical", seed=SEED,
                       cache_dir=root / "cache")
    assert again.path.read_bytes() == first.path.read_bytes() and again.page_texts == first.page_texts
    assert len([p for p in (root / "cache").iterdir() if p.is_dir()]) == 1


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("area", ["AH", "ISE", "PC"])
def test_digital_text_layer_is_the_printed_text(area, family, tmp_path):
    """Every page's words (pdfplumber) are exactly the words of that page's ground-truth text,
    running header and footer, banners and printed tick marks included."""
    g = gold(area)
    result = render_pdf(g["fichas"], g["resumen"], tmp_path / "d.pdf", level="digital", seed=SEED, family=family,
                        cache_dir=None)
    with pdfplumber.open(result.path) as pdf:
        layer = [page.extract_text() for page in pdf.pages]
    assert len(layer) == len(result.page_texts)
    assert len(g["fichas"]) <= len(layer) <= 3 * len(g["fichas"]) + 3  # + summary page and divider page
    for printed, truth in zip(layer, result.page_texts):
        assert Counter(printed.split()) == Counter(truth.split())


def test_digital_values_with_accents_and_formats(tmp_path):
    records = pick("AH", "BP1_AH", "BP2_AH", "LA1_AH") + pick("PC", "BP10_PC")
    result = render_pdf(records, [], tmp_path / "d.pdf", level="digital", seed=SEED, cache_dir=None)
    with pdfplumber.open(result.path) as pdf:
        layer = set(" ".join(page.extract_text() for page in pdf.pages).split())
    text = norm(" ".join(result.page_texts))
    for expected in [
        "ÁREA A LA QUE CORRESPONDE", "ASISTENCIA HUMANITARIA", "PROTECCIÓN", "CÓDIGO BP1_AH",
        "BUENA PRÁCTICA", "LECCIÓN APRENDIDA", "BP2_AH: Elaborar Guías de Alojamientos Temporales",
        "# de población asistida 32,000", "Presupuesto aproximado 1,500 USD", "20,000 USD",
        "Tulcán, Huaquillas, Lago Agrio, Quito", "Relación causa-efecto:", "Sostenibilidad: Alta",
        "a) Centrarse en las personas.", "g) Perspectiva de género.",
        "Objetivo 15: Proporcionar a los migrantes acceso a servicios básicos.",
        "Objetivo 19: Crear las condiciones necesarias para que los migrantes y las diásporas",
        "Vínculos ascendentes a objetivos más elevados de la", "IMPORTANTE Sí, debido a que",
        "ECONÓMICO", "Éxito / Cuestiones positivas", "Desafíos, dificultades, problemas",
    ]:
        assert expected in text, expected
        assert set(expected.split()) <= layer, expected
    bp10 = text[text.index("BP10_PC:"):]
    assert "No registra" in bp10 or "No aplica" in bp10


def test_null_fields_are_not_printed(tmp_path):
    (bp2,) = pick("AH", "BP2_AH")
    assert bp2["limitaciones"] is None
    result = render_pdf([bp2], [], tmp_path / "d.pdf", level="digital", seed=SEED, cache_dir=None)
    assert "Limitaciones" not in "\n".join(result.page_texts)


def test_scan_is_image_only_degraded_and_page_sized(typical, tmp_path):
    records, result, _ = typical
    dpi = LEVELS["typical"].dpi
    digital = render_pdf(records, gold("AH")["resumen"], tmp_path / "d.pdf", level="digital", seed=SEED,
                         cache_dir=None)
    with pdfplumber.open(result.path) as scan, pdfplumber.open(digital.path) as dig:
        assert len(scan.pages) == len(dig.pages) == len(result.page_texts)
        assert not any(page.chars for page in scan.pages)
        for s, d in zip(scan.pages, dig.pages):
            assert abs(s.width - d.width) < 1 and abs(s.height - d.height) < 1
    scanned, clean = raster(result.path, 0, dpi).astype(int), raster(digital.path, 0, dpi).astype(int)
    assert np.abs(np.subtract(scanned.shape, clean.shape)).max() <= 1  # page size rounds to whole pixels
    h, w = min(scanned.shape[0], clean.shape[0]), min(scanned.shape[1], clean.shape[1])
    diff = np.abs(scanned[:h, :w] - clean[:h, :w])
    assert diff.mean() > 8 and (diff > 40).mean() > 0.01


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
@pytest.mark.parametrize("page", sorted(CER_CEILING))
def test_typical_page_ocr_cer(typical, page, tmp_path):
    _, result, _ = typical
    image = tmp_path / "page.pgm"
    pdf = pdfium.PdfDocument(str(result.path))
    pdf[page].render(scale=result.dpi / 72, grayscale=True).to_pil().convert("L").save(image)
    pdf.close()
    ocr = subprocess.run(
        ["tesseract", str(image), "stdout", "-l", "spa", "--dpi", str(result.dpi)],
        capture_output=True, text=True, check=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    ).stdout
    truth = norm(result.page_texts[page])
    assert Levenshtein.distance(norm(ocr), truth) / len(truth) < CER_CEILING[page]


def test_pacto_mundial_data_is_complete():
    pm = pacto_mundial()
    assert list(pm["principios"]) == list("abcdefghij")
    assert sorted(pm["objetivos"]) == list(range(1, 24))
    assert pm["objetivos"][7] == "Abordar y reducir las vulnerabilidades en la migración"


def test_cli_renders_chosen_codes(tmp_path, capsys):
    out, texts = tmp_path / "x.pdf", tmp_path / "x.txt"
    cli(["--gold", str(GOLD / "AH.json"), "--codes", "BP3_AH", "--level", "digital", "--out", str(out),
         "--texts", str(texts), "--no-cache"])
    pages = texts.read_text("utf-8").split("\f")
    assert out.exists() and "pages" in capsys.readouterr().out
    text = norm(" ".join(pages))
    assert "CÓDIGO BP3_AH" in text and "BP3_AH: Asistir directamente el arriendo" in text
    assert "BP1_AH:" not in text
