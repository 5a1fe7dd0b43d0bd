"""The Banco de Saberes pages of the review site: search the bank, narrow it by facets, read a
ficha beside the guide's criteria, download the selection as xlsx or CSV.

The handlers are thin: the queries are `banco`'s, over OUT/fichas.sqlite opened read-only for
each request (a run replaces the file whole, so a request reads the version it opened). Values
are text: Jinja escapes them, and the markers of a search's matches become <mark> only after.
"""
from __future__ import annotations

import csv
import io
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import replace
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, request
from markupsafe import Markup, escape
from openpyxl import Workbook
from openpyxl.styles import Font

from extractors.template import Template
from pipeline.review import banco
from pipeline.review.banco import MARK_CLOSE, MARK_OPEN, BankUnavailable, QueryError, Results, Selection
from pipeline.review.sheet import write_cell

MARKED = re.compile(f"{MARK_OPEN}([^{MARK_OPEN}{MARK_CLOSE}]*){MARK_CLOSE}")
EXPORTS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8"}
EXPORT_NAME = "banco-de-saberes"
COLUMN_WIDTH = 30
"""Width of the exported sheet's columns, in characters: long text is there to be read in the cell."""


def blueprint(out_dir: Path, template: Template) -> Blueprint:
    """The pages under /banco, over OUT/fichas.sqlite, laid out by `template`'s bank section."""
    pages = Blueprint("banco", __name__, url_prefix="/banco")
    pages.add_app_template_filter(marked, "marcado")
    pages.add_app_template_global(lambda key: banco.title(template, key), "titulo_campo")

    @contextmanager
    def opened() -> Iterator[sqlite3.Connection]:
        try:
            db = banco.connect(out_dir)
        except BankUnavailable as exc:
            abort(404, str(exc))
        with closing(db):
            yield db

    @pages.get("")
    def buscar():
        chosen = selection(template)
        with opened() as db:
            try:
                results, problem = banco.search(db, template, chosen), None
            except QueryError as exc:
                results, problem = Results(0, [], {}), str(exc)
        # a search that cannot be read, if it has words, is offered as those words
        has_words = any(map(str.isalnum, chosen.text))
        offered = replace(chosen, text=banco.literal(chosen.text)) if problem and has_words else None
        return render_template("banco.html", results=results, selection=chosen, problem=problem, literal=offered,
                               titles=template.bank.page.facet_titles,
                               tipos=template.bank.page.value_titles.get("tipo", {})), 400 if problem else 200

    @pages.get("/ficha/<sha256>/<codigo>")
    def ficha(sha256: str, codigo: str):
        with opened() as db:
            found = banco.ficha(db, template, sha256, codigo)
        if found is None:
            abort(404, f"No hay una ficha {codigo} de ese documento en el Banco de Saberes.")
        return render_template("banco_ficha.html", ficha=found, sections=banco.sections(template, found),
                               evidence=banco.evidence(template, found), selection=selection(template),
                               tipos=template.bank.page.value_titles.get("tipo", {}))

    @pages.get("/exportar.<formato>")
    def exportar(formato: str):
        if formato not in EXPORTS:
            abort(404)
        with opened() as db:
            try:
                header, rows = banco.export(db, template, selection(template))
            except QueryError as exc:
                abort(400, str(exc))
        data = workbook(header, rows) if formato == "xlsx" else csv_bytes(header, rows)
        return Response(data, mimetype=EXPORTS[formato],
                        headers={"Content-Disposition": f'attachment; filename="{EXPORT_NAME}.{formato}"'})

    return pages


def selection(template: Template) -> Selection:
    """The request's search, facets (the template's, one value each) and page."""
    chosen = tuple((name, request.args[name]) for name in template.bank.facets if request.args.get(name))
    return Selection(request.args.get("texto", "").strip(), chosen, max(1, request.args.get("pagina", 1, type=int)))


def marked(text: str | None) -> Markup:
    """`text` escaped, its matches (between MARK_OPEN and MARK_CLOSE) in <mark>; a stray marker dropped."""
    html = MARKED.sub(r"<mark>\1</mark>", str(escape(text or "")))
    return Markup(html.replace(MARK_OPEN, "").replace(MARK_CLOSE, ""))


def workbook(header: list[str], rows: list[list[object]]) -> bytes:
    """The rows as an .xlsx sheet: header bold, frozen and filterable, text kept as text."""
    book = Workbook()
    sheet = book.active
    sheet.title = "banco"
    sheet.append(header)
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            write_cell(sheet.cell(number, column), value)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = COLUMN_WIDTH
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def csv_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    """The rows as CSV, UTF-8 with a BOM (so Excel shows accents), as fichas.csv is written."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8-sig")
