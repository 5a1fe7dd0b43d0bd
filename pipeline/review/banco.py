"""The Banco de Saberes as its web page reads it: a search narrowed by facets, each facet's
counts, one ficha, and the rows of an export, each a plain function over OUT/fichas.sqlite
(pipeline/bank.py) opened read-only, answering typed records.

A search is FTS5 query syntax (words, "a phrase", prefix*, `titulo: palabra`, OR, NOT), only
ever a bound parameter; one SQLite cannot parse is a QueryError with a message in Spanish. A
facet narrows the selection to one of its values; a facet's counts are what choosing each value
would leave, under the rest of the selection.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from extractors.template import Criterion, Kind, Template
from pipeline import bank
from pipeline.bank import BANK_NAME, FTS_TABLE, quoted
from pipeline.emit import cell

MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
"""What snippet() and highlight() put around a match: private-use characters, so the page can
escape the text first and only then turn them into <mark>."""
PAGE_SIZE = 20
"""Fichas on one page of results."""
SNIPPET_TOKENS = 24
"""Words around a match in a result's extract."""
LIST_TYPES = ("list", "principles", "objectives")
MATCHES, SELECTED = "matches", "selected"
"""Temp tables of ficha ids a search is made of (`_narrowed`)."""
SCAN_SHARE = 5
"""A facet is counted by reading its index through when its ids are more than a fifth of all fichas."""


class BankUnavailable(Exception):
    """No database to read (no run yet, or one written by another version); the message is Spanish."""


class QueryError(ValueError):
    """A search SQLite cannot parse as FTS5 query syntax; the message is Spanish."""


@dataclass(frozen=True)
class Selection:
    """What the reader asked for: a search, one value per facet, a page of results."""

    text: str = ""
    facets: tuple[tuple[str, str], ...] = ()
    page: int = 1

    @property
    def chosen(self) -> dict[str, str]:
        return dict(self.facets)

    def choose(self, facet: str, value: str) -> Selection:
        return replace(self, facets=(*self.drop(facet).facets, (facet, value)), page=1)

    def drop(self, facet: str) -> Selection:
        return replace(self, facets=tuple(f for f in self.facets if f[0] != facet), page=1)

    def at(self, page: int) -> Selection:
        return replace(self, page=page)

    def args(self) -> dict[str, str]:
        """As query parameters: `texto`, each facet by its name, `pagina` past the first."""
        args = {"texto": self.text} if self.text else {}
        args.update(self.facets)
        return {**args, "pagina": str(self.page)} if self.page > 1 else args


@dataclass(frozen=True)
class Field:
    """One field of a ficha as the bank holds it."""

    key: str
    value: object
    confidence: float
    page: int | None
    bbox: tuple[float, float, float, float] | None
    raw: str | None
    revisado: bool
    revisar: bool
    """Reviewed, but read differently since."""
    unsure: bool
    """Under the template's review threshold and not reviewed: to be read with care."""


@dataclass(frozen=True)
class Hit:
    """A ficha in a list of results."""

    sha256: str
    document: str
    codigo: str
    tipo: str | None
    area: str | None
    titulo: str | None
    marked_title: str | None
    """The title with its matches between MARK_OPEN and MARK_CLOSE; None without a search."""
    snippet: str | None
    """The best matching passage, marked the same way; None without a search."""
    unsure: int
    """Fields to be read with care."""


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    """As the page shows it: the template's title for the value, a code with its name ("16 · Empoderar
    a los migrantes…"), a document's file name."""
    detail: str | None
    """The longer form, shown on hover: a document's path."""
    count: int


@dataclass(frozen=True)
class Results:
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


@dataclass(frozen=True)
class Ficha:
    sha256: str
    document: str
    codigo: str
    kind: Kind
    fields: dict[str, Field]


def connect(out_dir: Path) -> sqlite3.Connection:
    """OUT/fichas.sqlite, read-only (the next run replaces it; this one never writes)."""
    path = Path(out_dir).absolute() / BANK_NAME
    if not path.is_file():
        raise BankUnavailable(f"Esta carpeta no tiene Banco de Saberes ({BANK_NAME}): ejecute «fichas run».")
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError:
        db.close()
        raise BankUnavailable(f"{BANK_NAME} no es una base de datos legible: vuelva a ejecutar «fichas run».") from None
    if version != bank.SCHEMA_VERSION:
        db.close()
        raise BankUnavailable(f"{BANK_NAME} es de otra versión de fichas (esquema {version}, se espera "
                              f"{bank.SCHEMA_VERSION}): vuelva a ejecutar «fichas run».")
    db.execute("PRAGMA temp_store = MEMORY")  # a search's tables of ids (`_narrowed`)
    return db


def literal(text: str) -> str:
    """`text` with each word quoted: FTS5 reads it as the words themselves, whatever signs they carry."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in text.split())


def search(db: sqlite3.Connection, template: Template, selection: Selection) -> Results:
    """The fichas the selection finds (best match first when there is a search, else in the
    order written): how many, the page asked for, and every facet's counts, most first. A
    facet's counts are over the selection without that facet: what choosing a value would
    leave. Fichas without a value are not counted."""
    with _narrowed(db, template, selection) as counted_over:
        total = db.execute(f"SELECT COUNT(*) FROM temp.{SELECTED}").fetchone()[0]
        ids = _ordered_ids(db, selection, PAGE_SIZE, (selection.page - 1) * PAGE_SIZE)
        return Results(total, _hits(db, template, selection.text, ids),
                       _facet_counts(db, template, counted_over))


def ficha(db: sqlite3.Connection, template: Template, sha256: str, codigo: str) -> Ficha | None:
    """The ficha `codigo` of the document `sha256`, every field it has; None when there is none."""
    row = db.execute("SELECT f.id, d.path, f.tipo FROM fichas f JOIN documents d ON d.id = f.documento_id"
                     " WHERE f.documento = ? AND f.codigo = ?", (sha256, codigo)).fetchone()
    if row is None:
        return None
    ficha_id, document, tipo = row
    fields = _fields(db, template, [ficha_id])[ficha_id]
    return Ficha(sha256, document, codigo, _kind_of(template, tipo), fields)


def sections(template: Template, found: Ficha) -> list[tuple[str, list[Field]]]:
    """The ficha's fields under the headings its kind prints them under, in printed order; a
    field the layout does not place (a database from another template) comes last, headless."""
    laid_out = [(s.heading, [found.fields[k] for k in s.fields if k in found.fields])
                for s in template.bank.page.sections.get(found.kind, [])]
    placed = {f.key for _, fields in laid_out for f in fields}
    rest = [f for k, f in found.fields.items() if k not in placed]
    return [(heading, fields) for heading, fields in laid_out + [("", rest)] if fields]


def evidence(template: Template, found: Ficha) -> list[tuple[Criterion, list[Field]]]:
    """Each criterion of the guide with the ficha's fields that speak to it (none when the ficha
    has none of them): what a reader weighs, not a score."""
    return [(c, [found.fields[k] for k in c.fields if k in found.fields]) for c in template.bank.page.criteria]


def title(template: Template, key: str) -> str:
    """A field's title on the page: the page's own, else its printed label, else its key."""
    spec = template.fields.get(key)
    return template.bank.page.titles.get(key) or (spec.labels[0] if spec and spec.labels else key)


def export(db: sqlite3.Connection, template: Template, selection: Selection) -> tuple[list[str], list[list[object]]]:
    """Every ficha of the selection (all pages, in the order shown) as a table: the document's
    sha256 and path, each field of the record (lists joined with "; ", as in fichas.csv), and the
    fields to read with care."""
    with _narrowed(db, template, selection):
        ids = _ordered_ids(db, selection)
    keys = template.all_record_keys()
    documents = {row[0]: row[1:] for row in db.execute(
        "SELECT f.id, f.documento, d.path FROM fichas f JOIN documents d ON d.id = f.documento_id"
        " WHERE f.id IN (SELECT value FROM json_each(?))", (json.dumps(ids),))}
    fields = _fields(db, template, ids)
    rows = []
    for ficha_id in ids:
        these = fields[ficha_id]
        unsure = "; ".join(k for k, f in these.items() if f.unsure)
        rows.append([*documents[ficha_id], *(cell(these[k].value) if k in these else None for k in keys),
                     unsure or None])
    return ["documento", "archivo", *keys, "por_revisar"], rows


@dataclass(frozen=True)
class _Ids:
    """A temp table of ficha ids, and how many it holds."""

    table: str
    size: int


@contextmanager
def _narrowed(db: sqlite3.Connection, template: Template, selection: Selection) -> Iterator[dict[str, _Ids]]:
    """The selection's fichas as temp tables of ids, each made once for all the queries of a
    search: MATCHES (the search's), SELECTED (the whole selection) and, per chosen facet, the
    selection without that facet. Yields facet name → the ids its counts are made over.
    QueryError when FTS5 cannot read the search. The tables are dropped when the block ends."""
    facets = bank.facet_columns(template)
    chosen = [(name, value) for name, value in selection.facets if name in facets]
    made: list[str] = []

    def collect(table: str, select: str, params: list[object]) -> _Ids:
        db.execute(f"CREATE TEMP TABLE {table} (id INTEGER PRIMARY KEY)")
        made.append(table)
        return _Ids(table, db.execute(f"INSERT INTO temp.{table} {select}", params).rowcount)

    def narrowing(table: str, leave_out: str | None = None) -> _Ids:
        clauses, params = [f"f.id IN temp.{MATCHES}"] if selection.text else [], []
        for name, value in chosen:
            if name != leave_out:
                table_of, column = facets[name]
                clauses.append(f"f.{quoted(column)} = ?" if table_of == "fichas" else
                               f"f.id IN (SELECT ficha_id FROM {quoted(table_of)} WHERE {quoted(column)} = ?)")
                params.append(value)
        return collect(table, f"SELECT f.id FROM fichas f WHERE {' AND '.join(clauses) or 1}", params)

    try:
        if selection.text:
            try:
                collect(MATCHES, f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?", [selection.text])
            except sqlite3.OperationalError as exc:
                raise QueryError(_query_problem(str(exc))) from None
        selected = narrowing(SELECTED)
        without = {name: narrowing(f"{SELECTED}_without_{n}", leave_out=name) for n, (name, _) in enumerate(chosen)}
        yield {name: without.get(name, selected) for name in facets}
    finally:
        for table in made:
            db.execute(f"DROP TABLE temp.{table}")


def _facet_counts(db: sqlite3.Connection, template: Template,
                  counted_over: dict[str, _Ids]) -> dict[str, list[FacetValue]]:
    """Per facet, in the template's order: each value and how many of the facet's ids
    (`_narrowed`) have it, most first."""
    documents = dict(db.execute("SELECT sha256, path FROM documents WHERE sha256 IS NOT NULL"))
    everything = db.execute("SELECT COUNT(*) FROM fichas").fetchone()[0]
    item_names = _item_names(template)
    titles = template.bank.page.value_titles
    counts = {}
    for name, (table, column) in bank.facet_columns(template).items():
        ids, key = counted_over[name], "id" if table == "fichas" else "ficha_id"
        # Many ids: "+" has SQLite read the facet's index through, checking each row against the ids,
        # rather than look each id up (a lookup per ficha costs more, then, and the index is in order).
        member = f"{'+' if ids.size * SCAN_SHARE > everything else ''}{key} IN temp.{ids.table}"
        values = []
        for value, count in db.execute(
                f"SELECT {quoted(column)}, {'COUNT(*)' if table == 'fichas' else 'COUNT(DISTINCT ficha_id)'}"
                f" FROM {quoted(table)} WHERE {member} AND {quoted(column)} IS NOT NULL GROUP BY {quoted(column)}"):
            text, item = str(value), item_names.get(table, {}).get(value)
            path = documents.get(text) if name == "documento" else None
            label = Path(path).name if path else f"{text} · {item}" if item else titles.get(name, {}).get(text, text)
            values.append(FacetValue(text, label, path, count))
        counts[name] = sorted(values, key=lambda v: (-v.count, v.label))
    return counts


def _ordered_ids(db: sqlite3.Connection, selection: Selection, limit: int = -1, offset: int = 0) -> list[int]:
    """The ids of SELECTED (`_narrowed`), best match first when there is a search, else in the
    order written. (`+rowid`: FTS5 reads the search once and checks each match against the
    selection, rather than reading it again for every ficha of the selection.)"""
    if selection.text:
        sql = (f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? AND +rowid IN temp.{SELECTED}"
               " ORDER BY rank, rowid LIMIT ? OFFSET ?")
        return [row[0] for row in db.execute(sql, (selection.text, limit, offset))]
    sql = f"SELECT id FROM temp.{SELECTED} ORDER BY id LIMIT ? OFFSET ?"
    return [row[0] for row in db.execute(sql, (limit, offset))]


def _hits(db: sqlite3.Connection, template: Template, text: str, ids: list[int]) -> list[Hit]:
    """The fichas `ids`, in that order, with their marked title and best passage for `text`."""
    chosen = json.dumps(ids)
    rows = {row[0]: row[1:] for row in db.execute(
        "SELECT f.id, f.documento, d.path, f.codigo, f.tipo, f.area, f.titulo FROM fichas f"
        " JOIN documents d ON d.id = f.documento_id WHERE f.id IN (SELECT value FROM json_each(?))", (chosen,))}
    marked: dict[int, tuple[str | None, str | None]] = {}
    if text:
        full_text = template.bank.full_text
        title = f"highlight({FTS_TABLE}, {full_text.index('titulo')}, ?1, ?2)" if "titulo" in full_text else "NULL"
        marked = {row[0]: row[1:] for row in db.execute(
            f"SELECT rowid, {title}, snippet({FTS_TABLE}, -1, ?1, ?2, '…', ?3) FROM {FTS_TABLE}"
            f" WHERE {FTS_TABLE} MATCH ?4 AND +rowid IN (SELECT value FROM json_each(?5))",
            (MARK_OPEN, MARK_CLOSE, SNIPPET_TOKENS, text, chosen))}
    fields = _fields(db, template, ids)
    return [Hit(*rows[i], *_apart_from_title(*marked.get(i, (None, None))), sum(f.unsure for f in fields[i].values()))
            for i in ids]


def _apart_from_title(title: str | None, snippet: str | None) -> tuple[str | None, str | None]:
    """A snippet that is only a piece of the title (shown above it) is left out."""
    bare = snippet.replace(MARK_OPEN, "").replace(MARK_CLOSE, "").strip("…") if snippet else ""
    return title, None if bare and title and bare in title.replace(MARK_OPEN, "").replace(MARK_CLOSE, "") else snippet


def _fields(db: sqlite3.Connection, template: Template, ids: list[int]) -> dict[int, dict[str, Field]]:
    """Every field of the fichas `ids`, by ficha, in the order written."""
    threshold = template.review_threshold
    lists = {k for k, spec in template.fields.items() if spec.type in LIST_TYPES}
    found: dict[int, dict[str, Field]] = {i: {} for i in ids}
    for ficha_id, key, value, confidence, page, box, raw, revisado, revisar in db.execute(
            "SELECT ficha_id, campo, valor, confianza, pagina, box, texto_leido, revisado, revisar_de_nuevo"
            " FROM campos WHERE ficha_id IN (SELECT value FROM json_each(?)) ORDER BY id", (json.dumps(ids),)):
        if key in lists and isinstance(value, str):
            value = json.loads(value)
        found[ficha_id][key] = Field(key, value, confidence, page, tuple(json.loads(box)) if box else None, raw,
                                     bool(revisado), bool(revisar),
                                     threshold.needs_review(key, confidence) and not revisado)
    return found


def _kind_of(template: Template, tipo: str | None) -> Kind:
    """The kind of ficha a `tipo` value is (a buena práctica when the value is unknown)."""
    kinds = {value: template.kind_of(prefix) for prefix, value in template.codes.prefixes.items()}
    return kinds.get(tipo or "", "bp")


def _item_names(template: Template) -> dict[str, dict[object, str]]:
    """List table → {item: its name}, for the lists of codes (Pacto Mundial principles and objectives)."""
    names = bank.pacto_names(template.data_path("pacto_mundial"))
    return {spec.table: names[spec.kind] for spec in bank.list_tables(template) if spec.kind in names}


def _query_problem(reason: str) -> str:
    """SQLite's reason a search cannot be read, as a reader would be told it."""
    if reason.startswith("no such column"):
        column = reason.rsplit(":", 1)[1].strip()
        return (f"La búsqueda no se entiende: «{column}» no es un campo en el que buscar. Una palabra con guion "
                "(-) o dos puntos (:) se busca entre comillas, por ejemplo \"causa-efecto\".")
    return ("La búsqueda no se entiende: revise las comillas (van en pares), los paréntesis y las palabras "
            "AND, OR y NOT (van entre dos palabras). Para buscar un signo o una palabra tal cual, póngala "
            "entre comillas.")
