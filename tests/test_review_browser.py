"""The reviewers' web page in a real browser (Debian's Chromium, driven by Playwright) over a
real run: the scanned sample read by Tesseract and a legacy ficha whose text carries a script.

A correction made in the page reaches the next run's CSV; document text stays text; two
reviewers saving one field lose nothing; the keyboard shortcuts do what the page says.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.batch import run
from pipeline.review.queue import ReviewItem, load_items, queue
from pipeline.review.store import STORE_NAME, ReviewStore
from tests.review_screenshot import CHROMIUM, serving
from tests.test_review_app import SCANNED_SAMPLE, SCRIPT, hostile_ficha, shared_ocr_cache

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def base_run(tmp_path_factory) -> tuple[list[Path], Path]:
    """The inputs and one run's outputs, copied by each test."""
    folder = tmp_path_factory.mktemp("browser")
    inputs = [hostile_ficha(folder), SCANNED_SAMPLE]
    run(inputs, folder / "out", shared_ocr_cache(tmp_path_factory))
    return inputs, folder / "out"


@pytest.fixture
def site(base_run, tmp_path, tmp_path_factory):
    """A fresh copy of the run, served: (address, output folder, inputs, batch options)."""
    inputs, base = base_run
    out = Path(shutil.copytree(base, tmp_path / "out"))
    with serving(out) as address:
        yield address, out, inputs, shared_ocr_cache(tmp_path_factory)


def field_path(item: ReviewItem) -> str:
    return f"/campo/{item.sha256}/{item.codigo}/{item.field}"


def hostile(out: Path, field: str) -> ReviewItem:
    return next(i for i in load_items(out) if i.document.endswith("ficha.txt") and i.field == field)


def test_a_correction_made_in_the_page_reaches_the_next_runs_csv(site, page):
    address, out, inputs, options = site
    target = next(i for i in queue(load_items(out)) if i.sha256 != hostile(out, "hallazgo").sha256
                  and i.bbox and i.input == "text")
    page.goto(address + "/")
    for name, value in (("documento", target.sha256), ("ficha", target.codigo), ("campo", target.field)):
        page.select_option(f"select[name={name}]", value)
    page.click("text=Filtrar")
    page.click(f"td a[href^='{field_path(target)}']")
    # The field's box on the scan: the crop is rendered on request, so wait for it to load.
    page.wait_for_function(
        "() => { const image = document.querySelector('img.recorte');"
        " return image !== null && image.complete && image.naturalWidth > 0; }",
        timeout=30_000)

    page.fill("#valor", "Texto corregido en el navegador")
    page.fill("#revisor", "Ana")
    with page.expect_navigation():
        page.press("#valor", "Control+Enter")  # the shortcut that works while typing
    assert "Guardado:" in page.content()

    run(inputs, out, options)
    table = pd.read_csv(out / "fichas.csv", encoding="utf-8-sig")
    row = table[(table["documento"] == target.sha256) & (table["codigo"] == target.codigo)].iloc[0]
    assert row[target.field] == "Texto corregido en el navegador"
    assert bool(row[f"{target.field}__revisado"]) is True


def test_a_script_in_the_document_is_shown_as_text(site, page):
    address, out, _, _ = site
    item = hostile(out, "tipo_asistencia")
    for path in ("/", f"/ficha/{item.sha256}/{item.codigo}", field_path(item)):
        page.goto(address + path)
    assert SCRIPT in page.locator("pre.leido").inner_text()
    assert page.locator("script").count() == 1  # the shortcuts' file, nothing from the document
    assert page.dialogs == []


def test_two_reviewers_saving_one_field_lose_nothing(site, browser):
    address, out, _, _ = site
    item = hostile(out, "hallazgo")
    ana, luis = browser.new_context(), browser.new_context()
    try:
        first, second = ana.new_page(), luis.new_page()
        for opened in (first, second):
            opened.goto(address + field_path(item))
        first.fill("#valor", "Valor de Ana")
        first.fill("#revisor", "Ana")
        with first.expect_navigation():
            first.click("#guardar")
        second.fill("#valor", "Valor de Luis")
        second.fill("#revisor", "Luis")
        with second.expect_response(lambda r: r.request.method == "POST") as answer:
            second.click("#guardar")
        assert answer.value.status == 409
        assert "Valor de Ana" in second.locator(".conflicto").inner_text()
        assert second.input_value("#valor") == "Valor de Luis"
    finally:
        ana.close()
        luis.close()
    assert [(c.reviewer, c.new_value) for c in ReviewStore(out / STORE_NAME).history(item.key)] == \
        [("Ana", "Valor de Ana")]


def test_keyboard_shortcuts(site, page):
    address, out, _, _ = site
    items = [i for i in queue(load_items(out)) if i.document.endswith("ficha.txt")]
    first, second = items[0], items[1]
    query = f"?documento={first.sha256}"
    page.goto(address + field_path(first) + query)
    page.fill("#revisor", "Ana")
    page.press("#revisor", "n")  # typing: not a shortcut
    page.press("#revisor", "a")
    assert page.url.endswith(field_path(first) + query) and page.input_value("#revisor") == "Anana"

    page.locator("h1").click()
    with page.expect_navigation():
        page.keyboard.press("n")
    assert page.url.endswith(field_path(second) + query)

    page.goto(address + field_path(first) + query)
    page.fill("#revisor", "Ana")
    page.locator("h1").click()
    with page.expect_navigation():
        page.keyboard.press("a")
    [saved] = ReviewStore(out / STORE_NAME).history(first.key)
    assert saved.accepted and saved.reviewer == "Ana"
    assert page.url.endswith(field_path(second) + query)
