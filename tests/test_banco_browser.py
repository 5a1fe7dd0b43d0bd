"""The Banco de Saberes page in a real browser (Debian's Chromium, driven by Playwright) over a
real run: the old OCR catalogue, the scanned sample read by Tesseract, and a clean ficha whose
text carries a script. The pages only read, so one server serves the whole module.

A reader searches with and without accents, narrows by two facets, opens a ficha, follows a
crop to the scanned page, and downloads the selection; what they see is what fichas.json says.
"""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from openpyxl import load_workbook

from pipeline.batch import run
from tests.review_screenshot import CHROMIUM, serving
from tests.test_banco import has, key, mentions
from tests.test_review_app import OLD_CATALOGUE, SCANNED_SAMPLE, SCRIPT, hostile_ficha, shared_ocr_cache

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The run's outputs served: (address, fichas.json)."""
    folder = tmp_path_factory.mktemp("banco-browser")
    out = folder / "out"
    run([hostile_ficha(folder), OLD_CATALOGUE, SCANNED_SAMPLE], out, shared_ocr_cache(tmp_path_factory))
    with serving(out) as address:
        yield address, json.loads((out / "fichas.json").read_text(encoding="utf-8"))


def search(page, text: str) -> None:
    page.fill("#texto", text)
    with page.expect_navigation():
        page.press("#texto", "Enter")


def listed(page) -> set[tuple[str, str]]:
    """The (document, code) of every ficha the results page lists."""
    hrefs = page.locator("ol.fichas h2 a").evaluate_all("links => links.map(a => a.pathname)")
    return {tuple(Path(href).parts[-2:]) for href in hrefs}


def total(page) -> int:
    return int(page.locator("p.resumen strong").inner_text())


def test_a_search_finds_the_same_fichas_with_and_without_accents(site, page):
    address, data = site
    expected = {key(f) for f in mentions(data, "integración")}
    assert 0 < len(expected) < len(data["fichas"])
    found = []
    for text in ("integración", "INTEGRACION", "Integracion"):
        page.goto(address + "/banco")
        search(page, text)
        assert total(page) == len(expected)
        found.append(listed(page))
        assert page.locator("ol.fichas mark").count() > 0
    assert found[0] == found[1] == found[2] == expected


def test_two_facets_narrow_the_search(site, page):
    address, data = site
    page.goto(address + "/banco")
    search(page, "poblacion")
    for facet in ("provincia", "objetivo"):
        with page.expect_navigation():
            page.click(f"section[data-faceta={facet}] li a >> nth=1")  # the second commonest: not every ficha
    chosen = {name: values[0] for name, values in parse_qs(urlparse(page.url).query).items()}
    assert set(chosen) == {"texto", "provincia", "objetivo"}
    expected = {key(f) for f in mentions(data, "poblacion")
                if has(f, "provincia", chosen["provincia"]) and has(f, "objetivo", chosen["objetivo"])}
    assert expected and total(page) == len(expected) and listed(page) == expected
    assert page.locator(".facetas .elegida").count() == 2

    with page.expect_navigation():
        page.click("section[data-faceta=objetivo] .quitar")
    assert total(page) == len({key(f) for f in mentions(data, "poblacion") if has(f, "provincia", chosen["provincia"])})


def test_a_ficha_opens_from_the_results_and_its_crop_shows_the_scan(site, page):
    address, data = site
    page.goto(address + "/banco")
    search(page, "conectividad")
    scanned = next(d["sha256"] for d in data["documents"] if d["path"].endswith(SCANNED_SAMPLE.name))
    with page.expect_navigation():
        page.click(f"ol.fichas h2 a[href^='/banco/ficha/{scanned}/']")
    codigo = page.url.split("?")[0].rsplit("/", 1)[1]
    ficha = next(f for f in data["fichas"] if key(f) == (scanned, codigo))
    assert page.locator("h1").inner_text().startswith(codigo)
    assert page.locator("tr[id^=campo-]").count() == len(ficha["fields"])
    assert page.locator(".criterio h3").all_inner_texts() == ["Asociación", "Innovadora", "Sostenibilidad",
                                                               "Replicable", "Eficacia"]

    with page.context.expect_page() as opened:
        page.click("#campo-territorio a.recorte")
    crop = opened.value
    crop.wait_for_load_state()
    field = ficha["fields"]["territorio"]
    assert f"/imagen/{scanned}/{field['page']}?caja=" in crop.url
    size = crop.evaluate("() => [document.images[0].naturalWidth, document.images[0].naturalHeight]")
    assert size[0] > size[1] > 0  # a strip of the page around the field

    with page.expect_navigation():
        page.click("nav.migas a")
    assert parse_qs(urlparse(page.url).query) == {"texto": ["conectividad"]}  # back to the same results


def test_the_selection_downloads_as_a_spreadsheet(site, page, tmp_path):
    address, data = site
    page.goto(address + "/banco")
    search(page, "migrantes")
    with page.expect_navigation():
        page.click("section[data-faceta=tipo] li a >> text=Buena práctica")
    shown = total(page)
    with page.expect_download() as download:
        page.click("#exportar-xlsx")
    saved = tmp_path / download.value.suggested_filename
    assert saved.name == "banco-de-saberes.xlsx"
    download.value.save_as(saved)
    sheet = load_workbook(saved).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    exported = {(r[header.index("documento")], r[header.index("codigo")]) for r in rows[1:]}
    expected = {key(f) for f in mentions(data, "migrantes") if f["fields"]["tipo"]["value"] == "buena_practica"}
    assert len(rows) - 1 == shown > 0 and exported == expected
    assert {r[header.index("tipo")] for r in rows[1:]} == {"buena_practica"}


def test_a_script_in_a_value_stays_text(site, page):
    address, data = site
    page.goto(address + "/banco")
    search(page, "alert")
    assert SCRIPT in page.locator("ol.fichas .extracto").inner_text()
    with page.expect_navigation():
        page.click("ol.fichas h2 a")
    assert SCRIPT in page.locator("#campo-tipo_asistencia td.valor").inner_text()
    assert page.locator("script").count() == 0 and page.dialogs == []


@pytest.mark.parametrize("query", ['"', "AND OR"])
def test_a_malformed_search_gets_a_friendly_message(site, page, query):
    address, _ = site
    page.goto(address + "/banco")
    search(page, query)
    alert = page.locator("[role=alert]")
    assert "La búsqueda no se entiende" in alert.inner_text()
    assert page.input_value("#texto") == query
    if query == "AND OR":  # words: offered as they are
        with page.expect_navigation():
            page.click("#tal-cual")
        assert page.locator("[role=alert]").count() == 0 and page.input_value("#texto") == '"AND" "OR"'
