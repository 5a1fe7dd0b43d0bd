"""The review spreadsheet round trip and the corrections export, on a real run, real .xlsx files
(openpyxl) and the real corrections store: what a reviewer types in Excel reaches fichas.csv,
and what cannot be saved is reported by row without stopping the others."""
from __future__ import annotations

import codecs
import csv
import json
import random
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from extractors.template import DEFAULT_TEMPLATE
from pipeline.batch import run
from pipeline.cli import main
from pipeline.errors import ExitCode, FichasError
from pipeline.review.queue import ReviewItem, load_items, queue
from pipeline.review.sheet import (
    COLUMNS,
    SheetError,
    export_corrections,
    export_queue,
    import_queue,
)
from pipeline.review.store import STORE_NAME, ReviewStore

CLEAN_FICHA = Path(__file__).parent / "data" / "seeds" / "001_ce2a060a3a93c4fe.txt"


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """One run over a clean ficha (BP6_PC); each test works on a copy of its outputs."""
    base = tmp_path_factory.mktemp("ficha")
    raw = base / "raw"
    raw.mkdir()
    shutil.copy(CLEAN_FICHA, raw / "ficha.txt")
    run([raw], base / "out")
    return raw, base / "out"


@pytest.fixture
def outputs(first_run, tmp_path):
    raw, out = first_run
    shutil.copytree(out, tmp_path / "out")
    return raw, tmp_path / "out"


@pytest.fixture(scope="module")
def strict(tmp_path_factory) -> Path:
    """The catalogue template with a review threshold of 1.0, which queues every field nobody
    reviewed: the clean ficha leaves only text fields under 0.9, and these tests need numbers,
    lists and choices in the queue too."""
    text = DEFAULT_TEMPLATE.read_text(encoding="utf-8")
    assert "review_threshold:\n  default: 0.9\n" in text
    path = tmp_path_factory.mktemp("template") / "estricta.yml"
    path.write_text(text.replace("review_threshold:\n  default: 0.9\n", "review_threshold:\n  default: 1.0\n"),
                    encoding="utf-8")
    return path


def queued(out: Path, kind: str, template: Path) -> ReviewItem:
    return next(i for i in queue(load_items(out, template)) if i.input == kind)


def header(path: Path) -> dict[str, int]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    return {c.value: c.column for c in sheet[1]}


def row_of(path: Path, field: str) -> int:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    campo = header(path)["campo"]
    return next(r[0].row for r in sheet.iter_rows(min_row=2) if r[campo - 1].value == field)


def fill(path: Path, typed: dict[str, object], extra_rows: tuple[dict[str, object], ...] = ()) -> None:
    """Type into «corrección» as a reviewer would (field → what is typed), and add whole rows."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    columns = header(path)
    for row in sheet.iter_rows(min_row=2):
        field = row[columns["campo"] - 1].value
        if field in typed:
            row[columns["corrección"] - 1].value = typed[field]
    for extra in extra_rows:
        sheet.append([extra.get(name) for name in columns])
    workbook.save(path)


def ficha_row(out: Path) -> pd.Series:
    table = pd.read_csv(out / "fichas.csv", encoding="utf-8-sig")
    return table[table["codigo"] == "BP6_PC"].iloc[0]


def json_value(out: Path, field: str) -> object:
    data = json.loads((out / "fichas.json").read_text(encoding="utf-8"))
    return next(f for f in data["fichas"] if f["codigo"] == "BP6_PC")["fields"][field]["value"]


def test_export_writes_one_row_per_queued_field_with_an_empty_correction(outputs, tmp_path):
    _, out = outputs
    path = tmp_path / "cola.xlsx"
    items = queue(load_items(out))
    assert export_queue(out, path) == len(items) > 0
    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = [dict(zip(COLUMNS, r)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    assert [(r["codigo"], r["campo"], r["sha256"], r["version"]) for r in rows] == \
        [(i.codigo, i.field, i.sha256, None) for i in items]
    assert all(r["corrección"] is None for r in rows)
    assert sheet.freeze_panes == "A2"
    columns = header(path)
    assert all(sheet.column_dimensions[get_column_letter(columns[c])].hidden for c in ("sha256", "version"))
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_typed_corrections_reach_fichas_csv_and_are_not_saved_twice(outputs, strict, tmp_path):
    raw, out = outputs
    path = tmp_path / "cola.xlsx"
    export_queue(out, path, strict)
    items = queue(load_items(out, strict))
    number, listed = queued(out, "number", strict), queued(out, "list", strict)
    choice = next((i for i in items if i.field == "sostenibilidad"), None) or queued(out, "text", strict)
    accepted = next(i for i in items if i.field not in {number.field, listed.field, choice.field})
    new_choice = next((c for c in choice.choices if c != choice.value), "Texto revisado por Ana.")
    fill(path, {number.field: 123457, listed.field: "Quito\nCuenca", choice.field: new_choice, accepted.field: "OK"})

    report = import_queue(out, path, "Ana", strict)
    assert report.problems == []
    assert (report.corrected, report.accepted, report.unchanged, report.empty) == (3, 1, 0, len(items) - 4)
    assert "3 corrections saved, 1 accepted as is" in report.summary()

    run([raw], out)
    row = ficha_row(out)
    assert row[number.field] == 123457
    assert row[listed.field] == "Quito; Cuenca"
    assert row[choice.field] == new_choice
    assert json_value(out, accepted.field) == accepted.value
    assert all(bool(row[f"{i.field}__revisado"]) for i in (number, listed, choice, accepted))
    untouched = next(i for i in items if i not in (number, listed, choice, accepted))
    assert not bool(row[f"{untouched.field}__revisado"])

    again = import_queue(out, path, "Ana", strict)  # the same sheet once more: already so, nothing new
    assert (again.corrected, again.accepted, again.unchanged, again.problems) == (0, 0, 4, [])
    store = ReviewStore(out / STORE_NAME)
    assert len(store.all()) == 4
    store.close()
    assert export_queue(out, tmp_path / "resto.xlsx", strict) == len(items) - 4  # reviewed fields leave the queue


def test_problems_name_their_row_and_the_other_rows_are_saved(outputs, strict, tmp_path):
    _, out = outputs
    path = tmp_path / "cola.xlsx"
    export_queue(out, path, strict)
    number, listed, text = (queued(out, kind, strict) for kind in ("number", "list", "text"))
    store = ReviewStore(out / STORE_NAME)
    store.save(listed.key, listed.value, listed.raw, ["Loja"], "Luis", listed.on_top_of)  # after the export
    fill(path, {number.field: "mil", listed.field: "Quito", text.field: "ok"},
         ({"codigo": "BP9_PC", "campo": "titulo", "sha256": number.sha256, "corrección": "Otro título"},))
    last_row = openpyxl.load_workbook(path).worksheets[0].max_row

    report = import_queue(out, path, "Ana", strict)
    problems = {p.split(":")[0]: p for p in report.problems}
    assert len(report.problems) == 3 and "3 problems:" in report.summary()
    assert problems[f"fila {row_of(path, number.field)}"].endswith(
        f"BP6_PC.{number.field}: «mil» no es un número entero")
    conflict = problems[f"fila {row_of(path, listed.field)}"]
    assert "Luis" in conflict and "Loja" in conflict and "«Quito» no se guardó" in conflict
    assert problems[f"fila {last_row}"] == f"fila {last_row}: BP9_PC.titulo no está en los resultados"
    assert report.accepted == 1  # the good row went in all the same
    assert [(c.reviewer, c.new_value) for c in store.history(listed.key)] == [("Luis", ["Loja"])]
    assert store.history(number.key) == []
    assert [c.reviewer for c in store.history(text.key)] == ["Ana"]
    store.close()


def test_a_renamed_header_is_a_clear_error(outputs, tmp_path):
    _, out = outputs
    path = tmp_path / "cola.xlsx"
    export_queue(out, path)
    workbook = openpyxl.load_workbook(path)
    workbook.worksheets[0].cell(1, header(path)["corrección"]).value = "valor corregido"
    workbook.save(path)
    with pytest.raises(SheetError, match=r"cola\.xlsx: missing columns corrección"):
        import_queue(out, path, "Ana")
    assert ReviewStore(out / STORE_NAME).version() == 0


def test_a_corrupt_file_is_a_clear_error(outputs, tmp_path):
    _, out = outputs
    path = tmp_path / "roto.xlsx"
    path.write_bytes(random.Random(5).randbytes(4096))
    with pytest.raises(SheetError, match=r"roto\.xlsx: not a readable \.xlsx review sheet") as error:
        import_queue(out, path, "Ana")
    assert error.value.exit_code == ExitCode.input_file


def test_export_needs_results_and_an_xlsx_name(tmp_path):
    with pytest.raises(FichasError, match="no results here"):
        export_queue(tmp_path / "vacio", tmp_path / "cola.xlsx")
    with pytest.raises(FichasError, match=r"cola\.csv: .*\*\.xlsx"):
        export_queue(tmp_path / "vacio", tmp_path / "cola.csv")


def test_command_line_round_trip(outputs, strict, tmp_path, capsys):
    _, out = outputs
    path = tmp_path / "cola.xlsx"
    review = ["review", "--out", str(out), "--template", str(strict)]
    assert main([*review, "--export", str(path)]) == ExitCode.ok
    assert f"fields to review → {path}" in capsys.readouterr().err
    number, text = queued(out, "number", strict), queued(out, "text", strict)
    fill(path, {text.field: "ok"})

    assert main([*review, "--import", str(path)]) == ExitCode.bad_args
    assert "--import needs --reviewer" in capsys.readouterr().err
    assert main([*review, "--import", str(path), "--reviewer", "Ana"]) == ExitCode.ok
    assert "1 accepted as is" in capsys.readouterr().err

    fill(path, {number.field: "mil"})
    assert main([*review, "--import", str(path), "--reviewer", "Ana"]) == ExitCode.input_file
    assert "no es un número entero" in capsys.readouterr().err
    broken = tmp_path / "roto.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    assert main([*review, "--import", str(broken), "--reviewer", "Ana"]) == ExitCode.input_file
    assert f"{broken}: not a readable .xlsx review sheet" in capsys.readouterr().err


def test_export_corrections_keeps_the_history(outputs, strict, tmp_path):
    raw, out = outputs
    number, listed = queued(out, "number", strict), queued(out, "list", strict)
    store = ReviewStore(out / STORE_NAME)
    first = store.save(number.key, number.value, number.raw, 1400, "Ana", number.on_top_of)
    store.save(number.key, 1400, number.raw, 1500, "Luis", first.id)
    store.save(listed.key, listed.value, listed.raw, ["Quito", "Cuenca"], "Ana", listed.on_top_of)
    store.close()
    path = tmp_path / "informes" / "correcciones.csv"

    assert export_corrections(out, path) == 3
    assert path.read_bytes().startswith(codecs.BOM_UTF8)
    rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert list(rows[0]) == ["id", "sha256", "documento", "codigo", "campo", "valor_visto", "texto_visto",
                             "valor_nuevo", "revisor", "fecha"]
    assert [(r["campo"], r["valor_nuevo"], r["revisor"]) for r in rows] == \
        [(number.field, "1400", "Ana"), (number.field, "1500", "Luis"), (listed.field, "Quito; Cuenca", "Ana")]
    assert rows[1]["valor_visto"] == "1400" and rows[0]["texto_visto"] == (number.raw or "")
    assert all(r["documento"] == str(raw / "ficha.txt") and r["sha256"] == number.sha256 and r["fecha"]
               for r in rows)
