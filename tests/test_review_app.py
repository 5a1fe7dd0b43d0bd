"""The reviewers' web page through Flask's test client, over real runs: the old OCR catalogue,
a clean ficha whose text carries a script, and the scanned sample read by the real Tesseract.

What a reviewer and whoever runs the server rely on: the queue and its filters, a save that
lands in the store, typed values checked, no form accepted without its token, no lost work
when two reviewers save one field, document text never run as markup, and images served only
from the run's own documents.
"""
from __future__ import annotations

import io
import json
import os
import re
import shutil
from html import unescape
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from markupsafe import escape
from PIL import Image

from pipeline.batch import MANIFEST, BatchOptions, run
from pipeline.review.app import PAGE_DPI, create_app, crop_box
from pipeline.review.queue import ReviewItem, load_items, queue
from pipeline.review.store import STORE_NAME, ReviewStore

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]
CLEAN_FICHA = DATA / "seeds" / "001_ce2a060a3a93c4fe.txt"
OLD_CATALOGUE = ROOT / "raw" / "catalogo_oim_ocr_antiguo.txt"
SCANNED_SAMPLE = ROOT / "raw" / "catalogo_muestra_escaneado.pdf"
SCRIPT = "<script>alert(1)</script>"
ASSISTANCE = "Atención en salud, Prevención contra la trata y tráfico de personas."
"""The "Tipo de asistencia" value of the clean BP6_PC ficha: the script goes in front of it."""


def hostile_ficha(folder: Path) -> Path:
    """The clean BP6_PC ficha (legacy text) with a script in its "Tipo de asistencia" line."""
    text = CLEAN_FICHA.read_text(encoding="utf-8")
    assert ASSISTANCE in text
    path = folder / "ficha.txt"
    path.write_text(text.replace(ASSISTANCE, f"{SCRIPT} {ASSISTANCE}"), encoding="utf-8")
    return path


def shared_ocr_cache(tmp_path_factory) -> BatchOptions:
    """One OCR cache for the session: the scanned sample is OCR'd once for all review tests."""
    return BatchOptions(cache_path=tmp_path_factory.getbasetemp() / "review-ocr-cache.sqlite")


@pytest.fixture(scope="module")
def legacy_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("legacy")
    out = folder / "out"
    run([hostile_ficha(folder), OLD_CATALOGUE], out)
    return out


def tiff_of_scan(path: Path) -> Path:
    """Pages 1–2 of the scanned sample (ficha BP1_AH) as a two-page 200 dpi TIFF, as a scanner saves them."""
    pdf = pdfium.PdfDocument(SCANNED_SAMPLE)
    pages = [pdf[i].render(scale=200 / 72, grayscale=True).to_pil() for i in (0, 1)]
    pages[0].save(path, save_all=True, append_images=pages[1:], dpi=(200, 200), compression="tiff_deflate")
    pdf.close()
    return path


def sideways_pages(path: Path) -> Path:
    """Pages 1–2 of the scanned sample as a 200 dpi TIFF, laid on the scanner turned a quarter."""
    pdf = pdfium.PdfDocument(SCANNED_SAMPLE)
    pages = [pdf[i].render(scale=200 / 72, grayscale=True).to_pil().rotate(90, expand=True) for i in (0, 1)]
    pages[0].save(path, save_all=True, append_images=pages[1:], dpi=(200, 200), compression="tiff_deflate")
    pdf.close()
    return path


@pytest.fixture(scope="module")
def scanned_run(tmp_path_factory) -> Path:
    """The scanned sample PDF, two of its pages as a TIFF, and one scanned sideways."""
    folder = tmp_path_factory.mktemp("scanned")
    inputs = [SCANNED_SAMPLE, tiff_of_scan(folder / "paginas.tif"), sideways_pages(folder / "de_lado.tif")]
    run(inputs, folder / "out", shared_ocr_cache(tmp_path_factory))
    return folder / "out"


@pytest.fixture
def out(legacy_run, tmp_path) -> Path:
    """A copy of the legacy run's outputs per test, so each test's saves are its own."""
    return Path(shutil.copytree(legacy_run, tmp_path / "out"))


@pytest.fixture
def client(out):
    return create_app(out).test_client()


def hostile_item(out: Path, field: str) -> ReviewItem:
    return next(i for i in load_items(out) if i.document.endswith("ficha.txt") and i.field == field)


def url(item: ReviewItem, query: str = "") -> str:
    return f"/campo/{item.sha256}/{item.codigo}/{item.field}" + (f"?{query}" if query else "")


def form_of(html: str) -> dict[str, str]:
    """The hidden fields of a field page's form: the CSRF token, the value seen, on top of what."""
    fields = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html)
    return {name: unescape(value) for name, value in fields}


def post(client, item: ReviewItem, value: str, reviewer: str = "Ana", accion: str = "guardar", query: str = "",
         **overrides):
    page = client.get(url(item, query))
    assert page.status_code == 200
    form = {**form_of(page.text), "valor": value, "revisor": reviewer, "accion": accion, **overrides}
    return client.post(url(item, query), data=form)


def row_links(html: str) -> list[tuple[str, str, str]]:
    """The (sha256, codigo, field) each queue row links to, in order."""
    return list(dict.fromkeys(re.findall(r'<td><a href="/campo/(\w{64})/(\w+)/(\w+)[?"]', html)))


def test_queue_lists_the_unsure_fields_least_confident_first(client, out):
    expected = queue(load_items(out))
    assert len(expected) > 20
    html = client.get("/").text
    assert row_links(html) == [i.key for i in expected]
    assert f"<strong>{len(expected)}</strong> campos por revisar" in html


def test_filters_narrow_the_queue_and_count_what_is_left(client, out):
    expected = queue(load_items(out))
    hostile = next(i for i in expected if i.document.endswith("ficha.txt"))
    both = [i for i in expected if i.codigo == hostile.codigo]
    assert {i.sha256 for i in both} == {hostile.sha256, next(i.sha256 for i in both if i.sha256 != hostile.sha256)}

    html = client.get(f"/?ficha={hostile.codigo}").text  # BP6_PC is in both documents
    assert row_links(html) == [i.key for i in both]
    assert f"<strong>{len(both)}</strong> con estos filtros" in html
    html = client.get(f"/?ficha={hostile.codigo}&documento={hostile.sha256}").text
    mine = [i.key for i in both if i.sha256 == hostile.sha256]
    assert row_links(html) == mine
    assert f'<option value="{hostile.sha256}" selected>ficha.txt ({len(mine)})</option>' in html
    html = client.get(f"/?ficha={hostile.codigo}&documento={hostile.sha256}&campo={hostile.field}").text
    assert row_links(html) == [hostile.key]
    assert "No queda nada por revisar con estos filtros" in client.get("/?ficha=NO_EXISTE").text


def test_document_text_is_shown_escaped_never_run(client, out):
    item = hostile_item(out, "tipo_asistencia")
    assert SCRIPT in item.raw
    for address in (url(item), f"/ficha/{item.sha256}/{item.codigo}", f"/?documento={item.sha256}"):
        html = client.get(address).text
        assert "<script>alert" not in html, address
        assert html.count("<script") == html.count('<script src="/static/atajos.js">'), address
    html = client.get(url(item)).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert client.get("/").headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_the_field_page_shows_what_was_read_and_how_it_was_repaired(client, out):
    item = next(i for i in queue(load_items(out)) if i.repairs and i.raw)
    html = client.get(url(item)).text
    assert f'<pre class="leido">{escape(item.raw)}</pre>' in html
    for r in item.repairs:
        assert f"<td>{escape(r.before)}</td><td>→</td><td>{escape(r.after)}</td><td>{r.rule}</td>" in html
    assert f"{item.confidence:.2f}".replace(".", ",") in html and "Nadie ha revisado este campo" in html


def test_the_input_fits_the_field_type(client, out):
    assert 'type="number"' in client.get(url(hostile_item(out, "presupuesto_usd"))).text
    choice = client.get(url(hostile_item(out, "sostenibilidad"))).text
    assert re.search(r'<select id="valor" name="valor">\s*<option value="">\(vacío\)</option>\s*'
                     r'<option>Alta</option><option selected>Media</option><option>Baja</option>', choice)
    places = hostile_item(out, "territorio")
    assert f'<textarea id="valor" name="valor" rows="6">{chr(10).join(places.value)}</textarea>' in \
        client.get(url(places)).text


def test_a_save_lands_in_the_store_and_moves_to_the_next_field(client, out):
    items = queue(load_items(out))
    first, second = items[0], items[1]
    answer = post(client, first, "valor corregido" if first.input == "text" else "", reviewer=" Ana ")
    assert answer.status_code == 302 and answer.location == url(second)
    [saved] = ReviewStore(out / STORE_NAME).history(first.key)
    assert saved.reviewer == "Ana" and saved.value_seen == first.value
    assert saved.new_value == ("valor corregido" if first.input == "text" else [] if first.input == "list" else None)

    page = client.get(url(second)).text
    assert "Guardado:" in page and 'name="revisor" required value="Ana"' in page  # remembered for the session
    html = client.get(url(first)).text
    assert "<td>Ana</td>" in html and f'name="on_top_of" value="{saved.id}"' in html


def test_accept_saves_the_value_as_shown_and_filters_are_kept(client, out):
    item = hostile_item(out, "territorio")
    query = f"documento={item.sha256}"
    answer = post(client, item, "lo que haya escrito no cuenta", accion="aceptar", query=query)
    assert answer.status_code == 302 and answer.location.endswith(query)
    [saved] = ReviewStore(out / STORE_NAME).history(item.key)
    assert saved.accepted and saved.new_value == item.value
    assert answer.location.startswith((f"/campo/{item.sha256}/", "/?"))  # the next field of the same document


def test_a_value_of_the_wrong_type_is_shown_back_with_the_reason(client, out):
    item = hostile_item(out, "presupuesto_usd")
    answer = post(client, item, "mil quinientos")
    assert answer.status_code == 400
    assert "«mil quinientos» no es un número entero" in answer.text
    assert 'value="mil quinientos"' in answer.text
    nameless = post(client, item, "1500", reviewer="  ")
    assert nameless.status_code == 400 and "Escriba su nombre" in nameless.text
    assert not (out / STORE_NAME).exists() or ReviewStore(out / STORE_NAME).all() == []


def test_a_post_without_the_right_csrf_token_is_refused(client, out):
    item = hostile_item(out, "hallazgo")
    assert post(client, item, "x", csrf="").status_code == 400
    refused = post(client, item, "x", csrf="otro-token")
    assert refused.status_code == 400 and "código de seguridad" in refused.text
    stranger = create_app(out).test_client()  # never got a form: no token in its session
    assert stranger.post(url(item), data={"valor": "x", "revisor": "Eva", "accion": "guardar"}).status_code == 400
    assert not (out / STORE_NAME).exists() or ReviewStore(out / STORE_NAME).all() == []


def test_two_reviewers_on_one_field_lose_nothing(out):
    app = create_app(out)
    ana, luis = app.test_client(), app.test_client()
    item = hostile_item(out, "hallazgo")
    form_ana, form_luis = form_of(ana.get(url(item)).text), form_of(luis.get(url(item)).text)
    first = ana.post(url(item), data={**form_ana, "valor": "Valor de Ana", "revisor": "Ana", "accion": "guardar"})
    assert first.status_code == 302
    second = luis.post(url(item), data={**form_luis, "valor": "Valor de Luis", "revisor": "Luis", "accion": "guardar"})
    assert second.status_code == 409
    assert "<strong>Ana</strong> guardó «<span class=\"guardado\">Valor de Ana</span>»" in second.text
    assert ">Valor de Luis</textarea>" in second.text  # the second reviewer's work is still there
    store = ReviewStore(out / STORE_NAME)
    [kept] = store.history(item.key)
    assert (kept.reviewer, kept.new_value) == ("Ana", "Valor de Ana")

    again = form_of(second.text)  # saved on top of Ana's this time
    assert again["on_top_of"] == str(kept.id)
    assert luis.post(url(item), data={**again, "valor": "Valor de Luis", "revisor": "Luis",
                                      "accion": "guardar"}).status_code == 302
    assert [c.new_value for c in store.history(item.key)] == ["Valor de Ana", "Valor de Luis"]


@pytest.mark.parametrize("address", [
    "/imagen/..%2F..%2Fetc%2Fpasswd/1",
    "/imagen/../../etc/passwd/1",
    "/imagen/" + "0" * 64 + "/1",
    "/imagen/" + "A" * 64 + "/1",
    "/imagen/etc/1",
    "/campo/" + "0" * 64 + "/BP6_PC/hallazgo",
    "/ficha/" + "0" * 64 + "/BP6_PC",
    "/no/existe",
])
def test_unknown_documents_and_paths_are_not_found(client, address):
    answer = client.get(address)
    assert answer.status_code == 404
    assert "No encontrado" in answer.text and "root:" not in answer.text


def test_a_field_or_page_that_is_not_there_says_so_in_spanish(client, out):
    item = hostile_item(out, "hallazgo")
    missing = client.get(f"/campo/{item.sha256}/{item.codigo}/no_es_un_campo")
    assert missing.status_code == 404 and "No hay un campo «no_es_un_campo» en la ficha BP6_PC" in missing.text
    text_only = client.get(f"/imagen/{item.sha256}/1")  # legacy text: no page image
    assert text_only.status_code == 404 and "no tiene la página 1 como imagen" in text_only.text
    assert "Texto sin imagen" in client.get(url(item)).text


def png(answer) -> Image.Image:
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    image = Image.open(io.BytesIO(answer.data))
    assert image.format == "PNG"
    return image


def test_page_images_and_field_crops_of_a_scanned_pdf(scanned_run):
    client = create_app(scanned_run).test_client()
    item = next(i for i in queue(load_items(scanned_run)) if i.bbox and i.document.endswith(".pdf"))
    page = png(client.get(f"/imagen/{item.sha256}/{item.page}"))
    assert abs(page.width - 595.3 * PAGE_DPI / 72) <= 1 and abs(page.height - 842.1 * PAGE_DPI / 72) <= 1  # A4

    box = crop_box(item.bbox)
    assert f"/imagen/{item.sha256}/{item.page}?caja={box}" in client.get(url(item)).text
    part = png(client.get(f"/imagen/{item.sha256}/{item.page}?caja={box}"))
    x0, top, x1, bottom = (float(v) * PAGE_DPI / 72 for v in box.split(","))
    assert abs(part.width - (min(x1, page.width) - max(x0, 0))) <= 1
    assert abs(part.height - (min(bottom, page.height) - max(top, 0))) <= 1
    assert client.get(f"/imagen/{item.sha256}/99").status_code == 404
    assert client.get(f"/imagen/{item.sha256}/{item.page}?caja=uno,dos").status_code == 400


def test_a_tiff_page_is_scaled_from_its_own_resolution_like_the_pdf_page(scanned_run):
    """The TIFF holds the PDF's pages at 200 dpi: its second frame and its boxes match the PDF's page 2."""
    client = create_app(scanned_run).test_client()
    items = load_items(scanned_run)
    tiff = next(i for i in items if i.document.endswith("paginas.tif") and i.field == "territorio")
    pdf = next(i for i in items if i.document.endswith(".pdf") and (i.codigo, i.field) == (tiff.codigo, tiff.field))
    assert tiff.page == pdf.page == 2
    frame, page = png(client.get(f"/imagen/{tiff.sha256}/2")), png(client.get(f"/imagen/{pdf.sha256}/2"))
    assert abs(frame.width - page.width) <= 1 and abs(frame.height - page.height) <= 1
    tiff_crop = png(client.get(f"/imagen/{tiff.sha256}/2?caja={crop_box(tiff.bbox)}"))
    pdf_crop = png(client.get(f"/imagen/{pdf.sha256}/2?caja={crop_box(pdf.bbox)}"))
    assert abs(tiff_crop.width - pdf_crop.width) <= 3 and abs(tiff_crop.height - pdf_crop.height) <= 3
    assert client.get(f"/imagen/{tiff.sha256}/3").status_code == 404


def test_a_page_read_turned_is_shown_turned(scanned_run):
    """The sideways page was turned to be read and its boxes are on the turned page: the image
    and the crop are turned the same way, and match the upright PDF's."""
    client = create_app(scanned_run).test_client()
    items = load_items(scanned_run)
    sideways = next(i for i in items if i.document.endswith("de_lado.tif") and i.field == "territorio")
    pdf = next(i for i in items if i.document.endswith(".pdf") and (i.codigo, i.field) == (sideways.codigo, sideways.field))
    assert sideways.rotation in (90, 270)
    assert sideways.page == 2
    page = png(client.get(f"/imagen/{sideways.sha256}/2"))
    assert page.height > page.width  # upright, though the frame is landscape
    turned = png(client.get(f"/imagen/{sideways.sha256}/2?caja={crop_box(sideways.bbox)}"))
    upright = png(client.get(f"/imagen/{pdf.sha256}/2?caja={crop_box(pdf.bbox)}"))
    assert abs(turned.width - upright.width) <= 3 and abs(turned.height - upright.height) <= 3
    def ink(image: Image.Image) -> float:
        return float((np.asarray(image.convert("L")) < 128).mean())

    assert abs(ink(turned) - ink(upright)) < 0.05 and ink(turned) > 0.01


def test_a_run_between_view_and_save_flags_the_field_to_review_again(out):
    """The correction records the text the reviewer read, not what a run read meanwhile, so the
    field is marked to review again."""
    app = create_app(out)
    ana = app.test_client()
    item = hostile_item(out, "hallazgo")
    form = form_of(ana.get(url(item)).text)
    result_file = out / "documents" / f"{item.sha256}.json"
    result = json.loads(result_file.read_text(encoding="utf-8"))
    ficha = next(f for f in result["fichas"] if f["codigo"] == item.codigo)
    ficha["fields"]["hallazgo"]["raw"] = "otro texto leído por una ejecución posterior"
    result_file.write_text(json.dumps(result), encoding="utf-8")
    os.utime(out / MANIFEST)  # as the run's manifest save would

    saved = ana.post(url(item), data={**form, "valor": "Valor de Ana", "revisor": "Ana", "accion": "guardar"})
    assert saved.status_code == 302
    [correction] = ReviewStore(out / STORE_NAME).history(item.key)
    assert correction.raw_seen == item.raw
    again = next(i for i in load_items(out) if i.key == item.key)
    assert again.revisar and again.value == "Valor de Ana"
