"""Write the run's outputs: fichas.json, fichas.csv, campos.csv and the Banco de Saberes
(fichas.sqlite, `pipeline.bank`), replaced together.

They are streamed: one document's fichas are in memory at a time (campos.csv, sorted least
confident first, keeps one sort key per row), so a batch of thousands of documents is written in
the memory of one. CSV files are UTF-8 with a BOM so Excel shows accents; column order is fixed
by the template's record keys. Floats are rounded here, when serialising, not in the records.
"""
from __future__ import annotations

import csv
import io
import json
import tempfile
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from pipeline import bank
from pipeline.files import replaced_together
from pipeline.records import DocumentResult, FieldValue, Ficha

if TYPE_CHECKING:
    from extractors.template import Template

SCHEMA_NAME = "fichas"
SCHEMA_VERSION = "1.0"
SCHEMA_ID = f"urn:fichas:schema:{SCHEMA_NAME}:{SCHEMA_VERSION}"
"""fichas.json's `$schema`: the `$id` of its JSON Schema, which ships as SCHEMA_FILE."""
SCHEMA_FILE = Path(__file__).parent / "schemas" / "fichas.schema.json"
OUTPUT_NAMES = ("fichas.json", "fichas.csv", "campos.csv", bank.BANK_NAME)
LIST_SEPARATOR = "; "
CONFIDENCE_DIGITS = 3
BBOX_DIGITS = 1
BOM = "\ufeff".encode()
FIELDS_COLUMNS = ["documento", "codigo", "campo", "valor", "confianza", "pagina", "texto_leido", "reparaciones",
                  "revisado", "revisar_de_nuevo"]


def write_outputs(results: Iterable[DocumentResult], out_dir: Path, template: Template) -> list[Path]:
    """fichas.json, fichas.csv, campos.csv and fichas.sqlite in `out_dir` from `results`, read
    once, in order; returns their paths."""
    keys = template.all_record_keys()
    paths = [out_dir / name for name in OUTPUT_NAMES]
    with (replaced_together(paths) as (json_out, fichas_out, fields_out, bank_out),
          tempfile.TemporaryFile(dir=out_dir) as documents_part, tempfile.TemporaryFile(dir=out_dir) as fichas_part,
          tempfile.TemporaryFile(dir=out_dir) as fields_part, bank.building(out_dir, template) as database):
        line = CsvLine()
        fichas_out.write(BOM + line(fichas_columns(keys)))
        fields_rows = SortedRows(fields_part)
        for result in results:
            document, fichas = document_json(result), [ficha_json(f, keys) for f in result.fichas]
            _json_items(documents_part, [document])
            _json_items(fichas_part, fichas)
            bank.add_document(database, document, fichas)
            for ficha in result.fichas:
                fichas_out.write(line(ficha_row(ficha, keys)))
                for k in keys:
                    if (fv := ficha.fields.get(k)) is not None:
                        fields_rows.add(round(fv.confidence, CONFIDENCE_DIGITS), line(field_row(ficha, k, fv)))
        json_out.write(f'{{\n "$schema": {json.dumps(SCHEMA_ID)},\n "schema_name": {json.dumps(SCHEMA_NAME)},\n'
                       f' "version": {json.dumps(SCHEMA_VERSION)},\n'.encode())
        _json_array(json_out, "documents", documents_part, last=False)
        _json_array(json_out, "fichas", fichas_part, last=True)
        json_out.write(b"}")
        fields_out.write(BOM + line(FIELDS_COLUMNS))
        fields_rows.write_sorted(fields_out)
        bank.finish(database, bank_out)
    return paths


def document_json(r: DocumentResult) -> dict:
    return {"path": str(r.path), "sha256": r.sha256, "pages": r.pages, "status": r.status, "warnings": r.warnings,
            **({"error": r.error} if r.error else {})}


def ficha_json(f: Ficha, keys: list[str]) -> dict:
    return {"codigo": f.codigo, "documento": f.documento,
            "fields": {k: _field_json(f.fields[k]) for k in keys if k in f.fields}}


def _json_items(part: BinaryIO, items: list[dict]) -> None:
    """Array items as json.dumps(indent=1) lays them out two levels down, each followed by ",\n"."""
    for item in items:
        text = json.dumps(item, ensure_ascii=False, indent=1)
        part.write(("  " + text.replace("\n", "\n  ") + ",\n").encode())


def _json_array(out: BinaryIO, name: str, part: BinaryIO, last: bool) -> None:
    """`"name": [...]` from the items gathered in `part`, without the last item's comma."""
    size = part.tell()
    if not size:
        out.write(f' "{name}": []{"" if last else ","}\n'.encode())
        return
    out.write(f' "{name}": [\n'.encode())
    part.seek(0)
    left = size - 2  # without the last ",\n"
    while left:
        chunk = part.read(min(left, 1 << 20))
        out.write(chunk)
        left -= len(chunk)
    out.write(f'\n ]{"" if last else ","}\n'.encode())


def _field_json(fv: FieldValue) -> dict:
    return {
        "value": fv.value,
        "confidence": round(fv.confidence, CONFIDENCE_DIGITS),
        "page": fv.page,
        "bbox": [round(v, BBOX_DIGITS) for v in fv.bbox] if fv.bbox else None,
        "raw": fv.raw,
        "repairs": [{"from": r.before, "to": r.after, "rule": r.rule} for r in fv.repairs],
        "evidence": list(fv.evidence),
        "revisado": fv.revisado,
        **({"revisar_de_nuevo": True} if fv.revisar else {}),
    }


def cell(value) -> object:
    """A value as one CSV cell: lists joined, null as empty."""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return value


def fichas_columns(keys: list[str]) -> list[str]:
    """fichas.csv: a column per field, then a `<field>__confianza` and a `<field>__revisado` column per field."""
    return ["documento"] + keys + [f"{k}__confianza" for k in keys] + [f"{k}__revisado" for k in keys]


def ficha_row(f: Ficha, keys: list[str]) -> list[object]:
    """One row of fichas.csv."""
    found = [f.fields.get(k) for k in keys]
    return ([f.documento] + [cell(fv.value) if fv else None for fv in found]
            + [round(fv.confidence, CONFIDENCE_DIGITS) if fv else None for fv in found]
            + [fv.revisado if fv else False for fv in found])


def field_row(f: Ficha, key: str, fv: FieldValue) -> list[object]:
    """One row of campos.csv: the list a reviewer works from."""
    return [f.documento, f.codigo, key, cell(fv.value), round(fv.confidence, CONFIDENCE_DIGITS), fv.page, fv.raw,
            LIST_SEPARATOR.join(f"{r.before}→{r.after}" for r in fv.repairs), fv.revisado, fv.revisar]


class CsvLine:
    """One CSV row as UTF-8 bytes, as pandas writes them: minimal quoting, None as empty."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")

    def __call__(self, values: list[object]) -> bytes:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(values)
        return self._buffer.getvalue().encode()


class SortedRows:
    """Rows kept in a temporary file and written out by a sort key, stably; only the keys and
    where each row ends stay in memory."""

    def __init__(self, part: BinaryIO):
        self._part = part
        self._keys = array("d")
        self._ends = array("q")

    def add(self, key: float, row: bytes) -> None:
        self._part.write(row)
        self._keys.append(key)
        self._ends.append(self._part.tell())

    def write_sorted(self, out: BinaryIO) -> None:
        for i in sorted(range(len(self._keys)), key=self._keys.__getitem__):
            start = self._ends[i - 1] if i else 0
            self._part.seek(start)
            out.write(self._part.read(self._ends[i] - start))
