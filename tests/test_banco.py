"""The Banco de Saberes pages (pipeline/review/banco.py, banco_web.py) over a real run: the old
OCR catalogue, the scanned sample read by Tesseract, and a clean ficha whose text carries a
script.

What a reader relies on: a search finds what fichas.json says, blind to case and accents; the
facet counts are the JSON's; two facets narrow it as the JSON says; a ficha shows every field
under its printed heading with its confidence, its crop, and the guide's criteria beside the
fields that speak to them; unsure fields are marked; the export holds the selection. And what
whoever serves it relies on: the database is only read, a search is only a bound parameter, a
malformed one is answered in Spanish, and document text is never run as markup.

Every expected value is computed here from fichas.json, the template or the gazetteer.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import sqlite3
from collections import Counter
from contextlib import closing
from html import unescape
from pathlib import Path

import pytest
from openpyxl import load_workbook

from extractors.template import load_template
from pipeline.bank import BANK_NAME
from pipeline.batch import run
from pipeline.emit import cell
from pipeline.errors import TemplateError
from pipeline.review import banco
from pipeline.review.app import create_app, crop_box
from pipeline.review.banco_web import marked
from pipeline.review.store import STORE_NAME, ReviewStore
from pipeline.text import fold
from tests.test_bank import facet_counts_from_json, full_text, words
from tests.test_review_app import OLD_CATALOGUE, ROOT, SCANNED_SAMPLE, SCRIPT, hostile_ficha, shared_ocr_cache

TEMPLATE = load_template()
FACETS = list(TEMPLATE.bank.facets)
RESULT_LINKS = re.compile(r'<h2><a href="/banco/ficha/(\w{64})/(\w+)[?"]')
FIELD_ROWS = re.compile(r'<tr id="campo-(\w+)"( class="dudoso")?>\s*<th scope="row">[^<]*</th>\s*'
                        r'<td class="valor">(.*?)</td>\s*<td>\s*<span class="conf \w+">([\d,]+)</span>(.*?)</td>\s*'
                        r'<td>(.*?)</td>', re.S)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """One real run: the hostile ficha, the old OCR catalogue, the scanned sample."""
    folder = tmp_path_factory.mktemp("banco")
    run([hostile_ficha(folder), OLD_CATALOGUE, SCANNED_SAMPLE], folder / "out", shared_ocr_cache(tmp_path_factory))
    return folder / "out"


@pytest.fixture(scope="module")
def data(out) -> dict:
    return json.loads((out / "fichas.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def client(out):
    return create_app(out).test_client()


@pytest.fixture
def db(out):
    with closing(banco.connect(out)) as opened:
        yield opened


def key(ficha: dict) -> tuple[str, str]:
    return ficha["documento"], ficha["codigo"]


def mentions(data: dict, word: str) -> list[dict]:
    """The fichas whose searched fields, in fichas.json, have `word` (case and accents aside)."""
    return [f for f in data["fichas"] if fold(word) in words(full_text(f))]


def has(ficha: dict, facet: str, value: str) -> bool:
    return str(value) in map(str, facet_counts_from_json({"fichas": [ficha]}, facet))


def expected_counts(fichas: list[dict], facet: str) -> dict[str, int]:
    """How many of `fichas` have each value of `facet`, as the page counts them (no value, no count)."""
    return {str(v): n for v, n in facet_counts_from_json({"fichas": fichas}, facet).items() if v is not None}


def every_hit(db, selection: banco.Selection) -> list[banco.Hit]:
    """The hits of every page of results."""
    first = banco.search(db, TEMPLATE, selection)
    hits = list(first.hits)
    for page in range(2, first.pages + 1):
        hits += banco.search(db, TEMPLATE, selection.at(page)).hits
    assert len(hits) == first.total
    return hits


def unsure(field: dict, name: str) -> bool:
    return TEMPLATE.review_threshold.needs_review(name, field["confidence"]) and not field["revisado"]


def test_the_sample_run_has_what_the_tests_need(data):
    keys = [key(f) for f in data["fichas"]]
    assert len(keys) == len(set(keys)) > banco.PAGE_SIZE  # a ficha is its document and code; more than a page
    assert {f["fields"]["tipo"]["value"] for f in data["fichas"]} == {"buena_practica", "leccion_aprendida"}


@pytest.mark.parametrize("query", ["xenofobia", "XENOFOBÍA", "integracion", "Integración", "tulcan", "TULCÁN", "Quito"])
def test_a_search_finds_what_fichas_json_has_whatever_the_case_and_accents(db, data, query):
    expected = {key(f) for f in mentions(data, query)}
    assert expected and expected != {key(f) for f in data["fichas"]}
    assert {(h.sha256, h.codigo) for h in every_hit(db, banco.Selection(query))} == expected


def test_without_accents_finds_the_accented_only_text(db, data):
    accented_only = {key(f) for f in data["fichas"] if re.search(r"\b[Pp]oblación\b", full_text(f))
                     and not re.search(r"\b[Pp]oblacion\b", full_text(f))}
    assert accented_only <= {(h.sha256, h.codigo) for h in every_hit(db, banco.Selection("poblacion"))}
    assert accented_only


def test_without_a_search_every_ficha_is_listed_in_document_order_a_page_at_a_time(db, data):
    results = banco.search(db, TEMPLATE, banco.Selection())
    assert results.total == len(data["fichas"]) and results.pages == -(-len(data["fichas"]) // banco.PAGE_SIZE)
    assert [(h.sha256, h.codigo) for h in every_hit(db, banco.Selection())] == [key(f) for f in data["fichas"]]
    assert all(h.snippet is None and h.marked_title is None for h in results.hits)


def test_each_facet_counts_what_fichas_json_has(db, data):
    facets = banco.search(db, TEMPLATE, banco.Selection()).facets
    assert list(facets) == FACETS
    for facet in FACETS:
        counts = {v.value: v.count for v in facets[facet]}
        assert counts == expected_counts(data["fichas"], facet), facet
        assert [v.count for v in facets[facet]] == sorted(counts.values(), reverse=True)
    names = {d["sha256"]: Path(d["path"]).name for d in data["documents"]}
    assert {v.value: v.label for v in facets["documento"]} == names
    assert {v.label for v in facets["tipo"]} == {"Buena práctica", "Lección aprendida"}


def test_two_facets_narrow_the_search_and_each_counts_what_choosing_would_leave(db, data):
    """Practices on «poblacion» in the commonest province, under the commonest Pacto Mundial
    objective that only some of them have."""
    found = mentions(data, "poblacion")
    provincia = Counter(expected_counts(found, "provincia")).most_common(1)[0][0]
    in_province = [f for f in found if has(f, "provincia", provincia)]
    objetivo = next(v for v, n in Counter(expected_counts(in_province, "objetivo")).most_common()
                    if n < len(in_province))
    selected = [f for f in in_province if has(f, "objetivo", objetivo)]
    assert 0 < len(selected) < len(in_province) < len(found)

    selection = banco.Selection("poblacion", (("provincia", provincia), ("objetivo", objetivo)))
    results = banco.search(db, TEMPLATE, selection)
    assert results.total == len(selected)
    assert {(h.sha256, h.codigo) for h in every_hit(db, selection)} == {key(f) for f in selected}
    for facet in FACETS:
        over = {"provincia": [f for f in found if has(f, "objetivo", objetivo)],
                "objetivo": in_province}.get(facet, selected)
        assert {v.value: v.count for v in results.facets[facet]} == expected_counts(over, facet), facet


def test_a_search_marks_its_matches_in_the_title_and_extract(client, data):
    html = client.get("/banco?texto=xenofobia").text
    assert RESULT_LINKS.findall(html) == RESULT_LINKS.findall(html)[:banco.PAGE_SIZE]
    marked = re.findall(r"<mark>(.*?)</mark>", html)
    assert marked and {fold(m) for m in marked} == {"xenofobia"}
    titled = [f for f in mentions(data, "xenofobia") if "xenofobia" in words(f["fields"]["titulo"]["value"] or "")]
    for ficha in titled:
        assert re.search(rf'{ficha["codigo"]}</a>\s*<span class="titulo">[^<]*<mark>', html), ficha["codigo"]


@pytest.mark.parametrize("query", ['"', "AND OR", "NOT", "(", "causa-efecto", "¿qué?", "titulo:", "*"])
def test_a_malformed_search_gets_a_message_in_spanish(client, db, query):
    with pytest.raises(banco.QueryError, match="La búsqueda no se entiende"):
        banco.search(db, TEMPLATE, banco.Selection(query))
    answer = client.get("/banco", query_string={"texto": query, "provincia": "Carchi"})
    assert answer.status_code == 400
    assert '<div class="aviso error" role="alert">' in answer.text and "La búsqueda no se entiende" in answer.text
    assert f'value="{query}"' in unescape(answer.text)  # the search is kept to be corrected
    assert client.get("/banco/exportar.xlsx", query_string={"texto": query}).status_code == 400


def test_a_malformed_search_is_offered_as_its_words(client, data):
    html = client.get("/banco", query_string={"texto": "trata-de personas"}).text
    offered = unescape(re.search(r'<a id="tal-cual" href="([^"]+)"', html)[1])
    answer = client.get(offered)
    assert answer.status_code == 200
    assert {RESULT_LINKS.findall(answer.text)[0]} <= {key(f) for f in mentions(data, "trata")}


@pytest.mark.parametrize("hostile", ["'; DROP TABLE fichas; --", "x' OR '1'='1", "1) OR (1=1"])
def test_search_and_facets_are_only_ever_parameters(client, db, out, hostile):
    before = hashlib.sha256((out / BANK_NAME).read_bytes()).hexdigest()
    for query in ({"texto": hostile}, {"area": hostile}, {"objetivo": hostile}, {"texto": "oim", "provincia": hostile}):
        assert client.get("/banco", query_string=query).status_code in (200, 400), query
    for facet in ("area", "objetivo", "provincia", "documento"):
        assert banco.search(db, TEMPLATE, banco.Selection("", ((facet, hostile),))).total == 0
    assert hashlib.sha256((out / BANK_NAME).read_bytes()).hexdigest() == before


def test_the_database_is_opened_read_only_and_left_as_it_was(client, out, data):
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.name.startswith(BANK_NAME)}
    ficha = data["fichas"][0]
    for path in ("/banco", "/banco?texto=oim&tipo=buena_practica", "/banco/exportar.csv?texto=oim",
                 f"/banco/ficha/{ficha['documento']}/{ficha['codigo']}"):
        assert client.get(path).status_code == 200, path
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name.startswith(BANK_NAME)} == before
    with closing(banco.connect(out)) as db, pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("DELETE FROM fichas")


def test_a_script_in_a_value_stays_text(client, data):
    ficha = next(f for f in data["fichas"] if SCRIPT in (f["fields"].get("tipo_asistencia", {}).get("value") or ""))
    pages = [client.get("/banco", query_string={"texto": "alert"}).text,
             client.get(f"/banco/ficha/{ficha['documento']}/{ficha['codigo']}").text]
    for html in pages:
        assert "<script" not in html
        assert "&lt;script&gt;" in html
    assert "<mark>alert</mark>" in pages[0]
    assert client.get("/banco").headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_a_value_holding_the_match_markers_cannot_make_markup():
    text = f"<b>{banco.MARK_OPEN}x{banco.MARK_CLOSE}</b>{banco.MARK_OPEN}<i>"  # a pair, and one stray marker
    assert str(marked(text)) == "&lt;b&gt;<mark>x</mark>&lt;/b&gt;&lt;i&gt;"


def scanned_ficha(data: dict, tipo: str) -> dict:
    document = next(d["sha256"] for d in data["documents"] if d["path"].endswith(SCANNED_SAMPLE.name))
    return next(f for f in data["fichas"] if f["documento"] == document and f["fields"]["tipo"]["value"] == tipo)


@pytest.mark.parametrize("tipo", ["buena_practica", "leccion_aprendida"])
def test_a_ficha_shows_every_field_under_its_printed_heading_with_confidence_and_crop(client, data, tipo):
    ficha = scanned_ficha(data, tipo)
    html = client.get(f"/banco/ficha/{ficha['documento']}/{ficha['codigo']}").text
    kind = "bp" if tipo == "buena_practica" else "lesson"
    sections = [s for s in TEMPLATE.bank.page.sections[kind] if any(k in ficha["fields"] for k in s.fields)]
    assert re.findall(r'<section class="apartado">\s*<h2>(.*?)</h2>', html) == [unescape(s.heading) for s in sections]
    rows = FIELD_ROWS.findall(html)
    assert [r[0] for r in rows] == [k for s in sections for k in s.fields if k in ficha["fields"]]
    assert {r[0] for r in rows} == set(ficha["fields"])
    cropped = 0
    for name, dudoso, value, confidence, marks, original in rows:
        field = ficha["fields"][name]
        assert unescape(value) == shown(field["value"]), name
        assert confidence == f"{field['confidence']:.2f}".replace(".", ","), name
        assert bool(dudoso) == ("por revisar" in marks) == unsure(field, name), name
        if field["bbox"]:
            link = f'/imagen/{ficha["documento"]}/{field["page"]}?caja={crop_box(tuple(field["bbox"]))}'
            assert link in unescape(original), name
            cropped += 1
    assert cropped == len(rows)  # a scanned page: every field has its box
    crop = client.get(re.search(r'<a class="recorte"[^>]*href="([^"]+)"', html)[1].replace("&amp;", "&"))
    assert crop.status_code == 200 and crop.mimetype == "image/png"


def shown(value: object) -> str:
    """A value as the page shows it (the review page's `valor` filter)."""
    if value is None or value == [] or value == "":
        return "(vacío)"
    return "; ".join(map(str, value)) if isinstance(value, list) else str(value)


def test_the_guides_criteria_show_what_the_ficha_says_on_each(client, data):
    criteria = TEMPLATE.bank.page.criteria
    assert [c.name for c in criteria] == ["Asociación", "Innovadora", "Sostenibilidad", "Replicable", "Eficacia"]
    for tipo in ("buena_practica", "leccion_aprendida"):
        ficha = scanned_ficha(data, tipo)
        html = client.get(f"/banco/ficha/{ficha['documento']}/{ficha['codigo']}").text
        aside = html[html.index('<aside class="criterios">'):]
        shown_criteria = re.split(r'<section class="criterio">', aside)[1:]
        assert [unescape(re.search(r"<h3>(.*?)</h3>", s)[1]) for s in shown_criteria] == [c.name for c in criteria]
        for criterion, section in zip(criteria, shown_criteria):
            present = [k for k in criterion.fields if k in ficha["fields"]]
            assert re.findall(r'<a href="#campo-(\w+)">', section) == present, (tipo, criterion.name)
            values = [unescape(v) for v in re.findall(r'<p class="valor">(.*?)</p>', section, re.S)]
            assert values == [shown(ficha["fields"][k]["value"]) for k in present], (tipo, criterion.name)
            assert ("no tiene campos que traten de este criterio" in section) == (not present)
    lesson = scanned_ficha(data, "leccion_aprendida")
    assert "potencial_replicacion" not in lesson["fields"]  # so a lesson's «Replicable» has nothing to show


def test_a_reviewed_field_is_no_longer_marked_unsure(tmp_path):
    out = tmp_path / "out"
    run([OLD_CATALOGUE], out)
    data = json.loads((out / "fichas.json").read_text(encoding="utf-8"))
    ficha, name = next((f, n) for f in data["fichas"] for n, v in f["fields"].items() if unsure(v, n) and v["value"])
    client = create_app(out).test_client()
    path = f"/banco/ficha/{ficha['documento']}/{ficha['codigo']}"
    row = next(r for r in FIELD_ROWS.findall(client.get(path).text) if r[0] == name)
    assert row[1] and f'href="/campo/{ficha["documento"]}/{ficha["codigo"]}/{name}">por revisar</a>' in row[4]
    store = ReviewStore(out / STORE_NAME)
    field = ficha["fields"][name]
    store.save((ficha["documento"], ficha["codigo"], name), field["value"], field["raw"], field["value"], "Ana", None)
    store.close()
    run([OLD_CATALOGUE], out)
    row = next(r for r in FIELD_ROWS.findall(client.get(path).text) if r[0] == name)
    assert not row[1] and "revisado" in row[4] and row[3] == "1,00"


def test_the_export_holds_the_selection_as_xlsx_and_csv(client, db, data):
    selection = banco.Selection("poblacion", (("tipo", "buena_practica"),))
    expected = {key(f): f for f in mentions(data, "poblacion") if f["fields"]["tipo"]["value"] == "buena_practica"}
    order = [(h.sha256, h.codigo) for h in every_hit(db, selection)]
    assert set(order) == set(expected) and len(order) > 1
    header = ["documento", "archivo", *TEMPLATE.all_record_keys(), "por_revisar"]
    paths = {d["sha256"]: d["path"] for d in data["documents"]}

    def row_of(ficha: dict) -> list[object]:
        fields = ficha["fields"]
        doubtful = "; ".join(n for n, v in fields.items() if unsure(v, n)) or None
        return [ficha["documento"], paths[ficha["documento"]],
                *(cell(fields[k]["value"]) if k in fields else None for k in TEMPLATE.all_record_keys()), doubtful]

    answer = client.get("/banco/exportar.xlsx", query_string=selection.args())
    assert answer.status_code == 200 and 'filename="banco-de-saberes.xlsx"' in answer.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(answer.data)).active
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0] == header
    assert [tuple(r[i] for i in (0, header.index("codigo"))) for r in table[1:]] == order
    assert table[1:] == [row_of(expected[k]) for k in order]

    answer = client.get("/banco/exportar.csv", query_string=selection.args())
    assert answer.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert rows[0] == header
    assert rows[1:] == [["" if v is None else str(v) for v in row_of(expected[k])] for k in order]


def test_the_export_of_a_script_keeps_it_as_text(client, data):
    answer = client.get("/banco/exportar.xlsx", query_string={"texto": "alert"})
    sheet = load_workbook(io.BytesIO(answer.data)).active
    column = [c.value for c in sheet[1]].index("tipo_asistencia")
    [row] = list(sheet.iter_rows(min_row=2))
    assert SCRIPT in row[column].value and row[column].data_type == "s"


def test_without_a_database_the_page_says_so(tmp_path, out):
    empty = tmp_path / "vacia"
    empty.mkdir()
    answer = create_app(empty).test_client().get("/banco")
    assert answer.status_code == 404 and "no tiene Banco de Saberes" in answer.text
    other = Path(shutil.copytree(out, tmp_path / "otra"))
    with closing(sqlite3.connect(other / BANK_NAME)) as db:
        db.execute("PRAGMA user_version = 99")
    answer = create_app(other).test_client().get("/banco")
    assert answer.status_code == 404 and "es de otra versión de fichas" in answer.text


@pytest.mark.parametrize("spoil, problem", [
    (("        fields: [potencial_replicacion]\n", "        fields: [potencial]\n"),
     "criteria.Replicable: no field potencial"),
    (("fields: [exito, desafios]}", "fields: [exito]}"), "sections.lesson: missing ['desafios']"),
    (("fields: [hallazgo]}", "fields: [hallazgo, exito]}"), "sections.bp: not of this kind ['exito']"),
    (("fields: [pmm_principios, pmm_objetivos]}\n        - {heading: Factores",
      "fields: [pmm_objetivos, pmm_principios]}\n        - {heading: Factores"),
     "sections.bp: not in the printed order"),
    (("      canton: Cantón\n", "      distrito: Distrito\n"), "facet_titles: no facet distrito"),
    (("      codigo: Código\n", "      code: Código\n"), "titles: no field code"),
])
def test_the_page_layout_in_the_template_is_checked_when_loaded(tmp_path, spoil, problem):
    text = (ROOT / "extractors" / "templates" / "catalogo_oim.yml").read_text(encoding="utf-8")
    before, after = spoil
    assert before in text
    spoiled = tmp_path / "plantilla.yml"
    spoiled.write_text(text.replace(before, after, 1), encoding="utf-8")
    with pytest.raises(TemplateError, match=re.escape(problem)):
        load_template(spoiled)
