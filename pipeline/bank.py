"""The Banco de Saberes: OUT/fichas.sqlite, every ficha of the outputs in one SQLite file that
can be searched (FTS5, blind to case and accents) and counted by facet (área, provincia, ...).

It is written with the other outputs (`pipeline.emit`), from the same items fichas.json is
written from (reviewers' corrections already laid over), one document at a time. The database
is built in a scratch file beside the outputs, without a journal (nothing reads it meanwhile),
then copied into the staged fichas.sqlite that `files.replaced_together` puts in place with the
other outputs: a run that fails leaves the earlier database as it was. Which values get a table
and which are searched is the template's `bank` section; docs/bank.md describes the schema.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from pipeline.errors import TemplateError
from pipeline.files import STAGED_SUFFIX, read_yaml
from pipeline.text import fold

if TYPE_CHECKING:
    from extractors.template import Template

BANK_NAME = "fichas.sqlite"
SCHEMA_VERSION = 1
"""PRAGMA user_version of the file; raised when a table or column changes meaning or goes away."""
TOKENIZER = "unicode61 remove_diacritics 2"
"""FTS5's tokenizer: case folded and accents removed from letters with several, so `poblacion`
finds `población` and `xenofobia` finds `Xenofobia`."""
FTS_TABLE = "fichas_fts"
ITEM_SEPARATOR = "; "
"""Between a list's items in its full-text column."""
FICHA_COLUMNS = ("id", "documento_id", "documento")
"""The fichas table's own columns, before the template's."""
ITEM_EXTRAS = {"places": ("provincia", "canton"), "principles": ("nombre",), "objectives": ("nombre",)}
"""The columns a list table has beside its item, by the kind of list."""
SQL_TYPES = {"int": "INTEGER", "objectives": "INTEGER"}
"""Declared column types by field type (the rest TEXT; lists in fichas are JSON arrays)."""


@dataclass(frozen=True)
class ListTable:
    key: str
    """The record key."""
    table: str
    column: str
    kind: str
    """"places", "principles", "objectives" or "list"."""


@dataclass
class Bank:
    """A database being built: the connection and what the template says goes where."""

    db: sqlite3.Connection
    path: Path
    columns: list[str]
    lists: list[ListTable]
    full_text: list[str]
    places: dict[str, tuple[str | None, str | None]]
    """Folded place name → (provincia, canton)."""
    pacto: dict[str, dict[object, str]]
    """"principles": letter → name, "objectives": number → name."""
    facets: dict[str, tuple[str, str]]
    """Facet name → (table, column)."""


@contextmanager
def building(folder: Path, template: Template) -> Iterator[Bank]:
    """A new database in a scratch file in `folder` (removed when the block ends, and by the
    next run if this one is killed); `finish` copies it into the staged output. SQLite tells a
    refused write only as "disk I/O error": it becomes the OSError the system gave, so that the
    run stops like any output that cannot be written."""
    fd, name = tempfile.mkstemp(dir=folder, prefix=f".{BANK_NAME}.", suffix=f".build{STAGED_SUFFIX}")
    os.close(fd)
    path = Path(name)
    db: sqlite3.Connection | None = None
    try:
        try:
            db = sqlite3.connect(path, isolation_level=None)
            yield _start(db, path, template)
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL):
                raise
            raise _refusal(path) or OSError(errno.EIO, f"{exc} ({path.name})") from exc
    finally:
        if db is not None:
            db.close()
        path.unlink(missing_ok=True)


def add_document(bank: Bank, document: dict, fichas: list[dict]) -> None:
    """One document and its fichas, as fichas.json holds them (`emit.document_json`, `emit.ficha_json`)."""
    db = bank.db
    document_id = db.execute(
        "INSERT INTO documents (path, sha256, pages, status, error, warnings) VALUES (?, ?, ?, ?, ?, ?)",
        (document["path"], document["sha256"], document["pages"], document["status"], document.get("error"),
         _json(document["warnings"]))).lastrowid
    for ficha in fichas:
        fields: dict[str, dict] = ficha["fields"]
        values = [_cell(fields[k]["value"]) if k in fields else None for k in bank.columns]
        marks = ", ".join("?" * (len(values) + 2))
        ficha_id = db.execute(f"INSERT INTO fichas (documento_id, documento, {_names(bank.columns)}) VALUES ({marks})",
                              (document_id, ficha["documento"], *values)).lastrowid
        db.executemany(
            "INSERT INTO campos (ficha_id, campo, valor, confianza, pagina, box, texto_leido, reparaciones, evidencia,"
            " revisado, revisar_de_nuevo) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(ficha_id, key, _cell(f["value"]), f["confidence"], f["page"], _json(f["bbox"]) if f["bbox"] else None,
              f["raw"], _json(f["repairs"]), _json(f["evidence"]), f["revisado"], f.get("revisar_de_nuevo", False))
             for key, f in fields.items()])
        for spec in bank.lists:
            items = _items(fields[spec.key]["value"]) if spec.key in fields else []
            extras = ITEM_EXTRAS.get(spec.kind, ())
            db.executemany(
                f"INSERT INTO {quoted(spec.table)} (ficha_id, posicion, {_names([spec.column, *extras])})"
                f" VALUES ({', '.join('?' * (3 + len(extras)))})",
                [(ficha_id, n, item, *_extras(bank, spec.kind, item)) for n, item in enumerate(items, 1)])
        if bank.full_text:
            texts = [_text(fields[k]["value"]) if k in fields else None for k in bank.full_text]
            db.execute(f"INSERT INTO {FTS_TABLE} (rowid, {_names(bank.full_text)})"
                       f" VALUES ({', '.join('?' * (len(texts) + 1))})", (ficha_id, *texts))


def finish(bank: Bank, out: BinaryIO) -> None:
    """Index, commit and close the database, and copy it into `out` (the staged fichas.sqlite)."""
    db = bank.db
    for statement in _indexes(bank):
        db.execute(statement)
    if bank.full_text:
        db.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')")
    db.execute("ANALYZE")  # facet counts pick their indexes by the table statistics
    db.execute("COMMIT")
    db.close()
    with bank.path.open("rb") as built:
        shutil.copyfileobj(built, out, 1 << 20)


def schema(template: Template) -> list[str]:
    """The CREATE statements of the tables (the indexes come once the rows are in)."""
    bank = template.bank
    clash = [k for k in bank.columns if k in FICHA_COLUMNS]
    if clash:
        raise TemplateError(f"bank.columns: {clash} are columns of the fichas table already")
    columns = [f"{quoted(k)} {_sql_type(template, k)}" for k in bank.columns]
    statements = [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE documents (id INTEGER PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT, pages INTEGER NOT NULL,"
        " status TEXT NOT NULL, error TEXT, warnings TEXT NOT NULL)",
        "CREATE TABLE fichas (id INTEGER PRIMARY KEY, documento_id INTEGER NOT NULL REFERENCES documents (id),"
        f" documento TEXT, {', '.join(columns)})",
        "CREATE TABLE campos (id INTEGER PRIMARY KEY, ficha_id INTEGER NOT NULL REFERENCES fichas (id),"
        " campo TEXT NOT NULL, valor, confianza REAL NOT NULL, pagina INTEGER, box TEXT, texto_leido TEXT,"
        " reparaciones TEXT NOT NULL, evidencia TEXT NOT NULL, revisado INTEGER NOT NULL,"
        " revisar_de_nuevo INTEGER NOT NULL, UNIQUE (ficha_id, campo))",
    ]
    for spec in list_tables(template):
        extras = "".join(f", {quoted(c)} TEXT" for c in ITEM_EXTRAS.get(spec.kind, ()))
        item_type = SQL_TYPES.get(spec.kind, "TEXT")
        statements.append(
            f"CREATE TABLE {quoted(spec.table)} (ficha_id INTEGER NOT NULL REFERENCES fichas (id),"
            f" posicion INTEGER NOT NULL, {quoted(spec.column)} {item_type}{extras}, PRIMARY KEY (ficha_id, posicion))")
    if bank.full_text:
        statements.append(f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({_names(bank.full_text)},"
                          f" tokenize = '{TOKENIZER}')")
    return statements


def list_tables(template: Template) -> list[ListTable]:
    tables = []
    for key, spec in template.bank.lists.items():
        field = template.fields[key]
        kind = "places" if field.split == "places" else field.type if field.type in ITEM_EXTRAS else "list"
        tables.append(ListTable(key, spec.table, spec.column, kind))
    return tables


def facet_columns(template: Template) -> dict[str, tuple[str, str]]:
    """Facet name → (table, column), each checked to be a column of the database."""
    columns = {"fichas": {*FICHA_COLUMNS, *template.bank.columns}}
    for spec in list_tables(template):
        columns[spec.table] = {"ficha_id", spec.column, *ITEM_EXTRAS.get(spec.kind, ())}
    facets = {}
    for name, ref in template.bank.facets.items():
        table, column = ref.split(".")
        if column not in columns.get(table, ()):
            raise TemplateError(f"bank.facets.{name}: {ref} is no column of the Banco de Saberes")
        facets[name] = (table, column)
    return facets


def load_places(path: Path) -> dict[str, tuple[str | None, str | None]]:
    """Folded place name → (provincia, canton), from the gazetteer: a province's name is the
    province (no canton: "Loja" may mean the city, the gazetteer cannot tell); a canton's or its
    alias's name is the canton, in its province when only one province has a canton so named;
    a province's alias the province. Names in none of these are no place known (None, None)."""
    data = read_yaml(path)
    provinces: dict[str, list[str]] = data["provincias"]
    in_provinces: dict[str, set[str]] = {}
    for province, cantons in provinces.items():
        for canton in cantons:
            in_provinces.setdefault(str(canton), set()).add(province)
    names: dict[str, tuple[str | None, str | None]] = {}
    for alias, province in (data.get("alias_provincias") or {}).items():
        names[fold(str(alias))] = (province, None)
    for name, canton in [(c, c) for c in in_provinces] + [(str(a), str(c)) for a, c in (data.get("alias") or {}).items()]:
        found = in_provinces.get(canton, set())
        names[fold(name)] = (next(iter(found)) if len(found) == 1 else None, canton)
    for province in provinces:
        names[fold(province)] = (province, None)
    return names


@lru_cache(maxsize=4)
def pacto_names(path: Path) -> dict[str, dict[object, str]]:
    """The names of the Pacto Mundial's items, from its data file: "principles" by letter,
    "objectives" by number (the kinds of list that have a `nombre` column)."""
    pacto = read_yaml(path)
    return {"principles": {str(k): v for k, v in pacto["principios"].items()},
            "objectives": {int(k): v for k, v in pacto["objetivos"].items()}}


def _start(db: sqlite3.Connection, path: Path, template: Template) -> Bank:
    bank = Bank(db, path, list(template.bank.columns), list_tables(template), list(template.bank.full_text),
                load_places(template.data_path("places")), pacto_names(template.data_path("pacto_mundial")),
                facet_columns(template))  # a facet naming no column fails before anything is written
    db.execute("PRAGMA journal_mode = OFF")  # a scratch file: replacing it whole is the transaction
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    db.execute("BEGIN")
    for statement in schema(template):
        db.execute(statement)
    db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
        ("schema_version", str(SCHEMA_VERSION)), ("template", template.name),
        ("template_version", str(template.version)), ("fts_tokenizer", TOKENIZER),
        ("facets", _json(template.bank.facets))])
    return bank


def _indexes(bank: Bank) -> list[str]:
    """An index per facet column (with the ficha, so a count reads the index alone), and on the
    columns that join and look up."""
    statements = ["CREATE INDEX documents_sha256 ON documents (sha256)",
                  "CREATE INDEX fichas_documento_id ON fichas (documento_id)",
                  "CREATE INDEX fichas_codigo ON fichas (codigo)" if "codigo" in bank.columns else None]
    for table, column in sorted(set(bank.facets.values())):
        with_ficha = "" if table == "fichas" else ", ficha_id"  # fichas' own id is in every index
        statements.append(f"CREATE INDEX {quoted(f'{table}_{column}')} ON {quoted(table)} ({quoted(column)}{with_ficha})")
    return [s for s in statements if s]


def _extras(bank: Bank, kind: str, item: object) -> tuple:
    if kind == "places":
        return bank.places.get(fold(str(item).strip()), (None, None))
    if kind == "principles":
        return (bank.pacto["principles"].get(str(item).strip().lower()),)
    if kind == "objectives":
        try:
            return (bank.pacto["objectives"].get(int(item)),)
        except (TypeError, ValueError):
            return (None,)
    return ()


def _items(value: object) -> list[object]:
    """A list value's items (a reviewer's single value counts as one)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _cell(value: object) -> object:
    """A value as SQLite keeps it: text and numbers as they are, a list as a JSON array."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    return _json(value)


def _text(value: object) -> str | None:
    """A value as the full-text index reads it: a list's items one after another."""
    if value is None:
        return None
    if isinstance(value, list):
        return ITEM_SEPARATOR.join(str(v) for v in value)
    return str(value)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _sql_type(template: Template, key: str) -> str:
    field = template.fields.get(key)
    if field is None:
        return "TEXT"  # codigo, tipo, area, titulo: found by the code, not by a label
    return "TEXT" if field.type in ("list", "principles", "objectives") else SQL_TYPES.get(field.type, "TEXT")


def quoted(name: str) -> str:
    """An identifier quoted for SQL."""
    return '"' + name.replace('"', '""') + '"'


def _names(names: list[str]) -> str:
    return ", ".join(map(quoted, names))


def _refusal(path: Path) -> OSError | None:
    """What the system says to one more block written to `path`: no space left, file too large..."""
    try:
        with path.open("ab") as fh:
            fh.write(bytes(1 << 16))
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        return exc
    return None
