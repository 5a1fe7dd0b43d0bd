"""The review as a spreadsheet, for reviewers who work in Excel, and the corrections as a CSV.

`export_queue` writes the review queue (`queue.queue`) to an .xlsx file, one row per field, with
an empty «corrección» column. In it the reviewer types the right value (a list one item per line
or with `;` between items), or `ok` to accept the value as it is; a row left empty is not
reviewed. `import_queue` saves those rows into the same corrections store as the web page, each
on top of the version the sheet was exported at: a field someone saved since then is reported
as a conflict and left as they saved it. `export_corrections` writes every correction ever
saved, history included.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.batch import MANIFEST, Manifest
from pipeline.emit import cell
from pipeline.errors import FichasError, InputFileError
from pipeline.files import atomic_write, atomic_write_text
from pipeline.review.queue import ReviewItem, as_text, load_items, parse_input, queue
from pipeline.review.store import STORE_NAME, Conflict, FieldKey, ReviewStore

ACCEPT = "ok"
"""Typed in «corrección» (any case): the value is right as it is."""
CORRECTION = "corrección"
COLUMNS = ("documento", "area", "codigo", "campo", "confianza", "pagina", "motivo", "texto_leido", "valor",
           "formato", CORRECTION, "sha256", "version")
"""The sheet's header. sha256 and version (the correction in force when exported) are hidden:
the import finds the field and detects conflicts with them."""
NEEDED = ("codigo", "campo", "valor", CORRECTION, "sha256", "version")
HIDDEN = ("sha256", "version")
WIDTHS = {"documento": 24, "area": 18, "codigo": 10, "campo": 22, "confianza": 10, "pagina": 7, "motivo": 18,
          "texto_leido": 50, "valor": 40, "formato": 18, CORRECTION: 40}
WRAPPED = ("texto_leido", "valor", CORRECTION)
CORRECTIONS_CSV = ("id", "sha256", "documento", "codigo", "campo", "valor_visto", "texto_visto", "valor_nuevo",
                   "revisor", "fecha")


class SheetError(InputFileError):
    """A review spreadsheet that cannot be read: not an .xlsx, corrupt, or without the exported header."""


def export_queue(out_dir: Path, path: Path, template_path: Path | None = None) -> int:
    """Write the review queue of OUT to PATH (.xlsx); returns the number of fields written."""
    if path.suffix.lower() != ".xlsx":
        raise FichasError(f"{path}: the review sheet is an Excel workbook: name it *.xlsx")
    items = queue(_items(out_dir, template_path))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "revisar"
    sheet.append(COLUMNS)
    for number, item in enumerate(items, start=2):
        for column, value in enumerate(_row(item), start=1):
            write_cell(sheet.cell(number, column), value)
    _lay_out(sheet, items)
    atomic_write(path, workbook.save)
    return len(items)


def _row(item: ReviewItem) -> list[object]:
    return [item.document, item.area, item.codigo, item.field, round(item.confidence, 3), item.page,
            "leído de nuevo tras revisarlo" if item.revisar else "confianza baja", item.raw,
            as_text(item, item.value) or None, _format(item), None, item.sha256, item.on_top_of]


def _format(item: ReviewItem) -> str:
    if item.input == "number":
        return "número entero"
    if item.input == "list":
        return "lista: un elemento por línea"
    if item.input == "choice":
        return " / ".join(item.choices)
    return "texto"


def write_cell(target: Cell, value: object) -> None:
    """Text stays text (OCR that reads "=..." is not a formula), without the control characters
    an xlsx cannot hold."""
    if isinstance(value, str):
        target.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        target.data_type = "s"
    else:
        target.value = value


def _lay_out(sheet: Worksheet, items: list[ReviewItem]) -> None:
    """Header frozen and filterable, the reviewer's column highlighted, long text wrapped, the
    import's columns hidden, a drop-down on the choice fields."""
    letters = {name: get_column_letter(i) for i, name in enumerate(COLUMNS, start=1)}
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for header in sheet[1]:
        header.font = Font(bold=True)
    sheet[f"{letters[CORRECTION]}1"].comment = Comment(
        f"Escriba el valor correcto (una lista: un elemento por línea), u «{ACCEPT}» si el valor es correcto "
        "tal como está. Una fila vacía queda sin revisar.", "fichas")
    for name, width in WIDTHS.items():
        sheet.column_dimensions[letters[name]].width = width
    for name in HIDDEN:
        sheet.column_dimensions[letters[name]].hidden = True
    for row in sheet.iter_rows(min_row=2):
        for c in row:
            c.alignment = Alignment(vertical="top", wrap_text=COLUMNS[c.column - 1] in WRAPPED)
        row[COLUMNS.index(CORRECTION)].fill = PatternFill("solid", fgColor="FFF2CC")
    drop_downs: dict[tuple[str, ...], DataValidation] = {}
    for number, item in enumerate(items, start=2):
        if item.input == "choice":
            if item.choices not in drop_downs:
                drop_downs[item.choices] = DataValidation(
                    type="list", formula1='"' + ",".join((*item.choices, ACCEPT)) + '"', allow_blank=True)
                sheet.add_data_validation(drop_downs[item.choices])
            drop_downs[item.choices].add(f"{letters[CORRECTION]}{number}")


@dataclass
class ImportReport:
    """What an import saved and what it could not, for the reviewer to fix in the sheet."""

    path: Path
    corrected: int = 0
    accepted: int = 0
    """Saved with the value as it was (`ok`, or the same value typed)."""
    unchanged: int = 0
    """Already reviewed with this value: not saved twice."""
    empty: int = 0
    problems: list[str] = field(default_factory=list)
    """One line each, naming the sheet's row; the other rows are imported all the same."""

    def summary(self) -> str:
        lines = [f"{self.path.name}: {self.corrected} corrections saved, {self.accepted} accepted as is "
                 f"(«{ACCEPT}»), {self.unchanged} already so, {self.empty} rows left empty"
                 + (f"; {len(self.problems)} problems:" if self.problems else "")]
        lines += [f"  {p}" for p in self.problems]
        if self.corrected or self.accepted:
            lines.append("`fichas run` writes them into fichas.json and fichas.csv")
        return "\n".join(lines)


def import_queue(out_dir: Path, path: Path, reviewer: str, template_path: Path | None = None) -> ImportReport:
    """Save the «corrección» cells of a sheet made by `export_queue` as `reviewer`'s corrections.

    `ok` accepts the value as it is; an empty cell skips the row. A row that cannot be saved (an
    unknown field, a value of the wrong type, a field saved by someone else since the export)
    becomes a problem in the report and the other rows are saved all the same.
    """
    if not reviewer.strip():
        raise FichasError("a correction needs the reviewer's name")
    rows = _read_rows(path)
    items = {i.key: i for i in _items(out_dir, template_path)}
    report = ImportReport(path)
    store = ReviewStore(out_dir / STORE_NAME)
    try:
        for number, row in rows:
            typed = _cell_text(row[CORRECTION])
            if not typed:
                report.empty += 1
            elif problem := _import_row(row, typed, items, store, reviewer, report):
                report.problems.append(f"fila {number}: {problem}")
    finally:
        store.close()
    return report


def _import_row(row: dict[str, object], typed: str, items: dict[FieldKey, ReviewItem], store: ReviewStore,
                reviewer: str, report: ImportReport) -> str | None:
    """Save one filled row; returns what went wrong, if anything."""
    name = f"{_cell_text(row['codigo'])}.{_cell_text(row['campo'])}"
    item = items.get((_cell_text(row["sha256"]), _cell_text(row["codigo"]), _cell_text(row["campo"])))
    if item is None:
        return f"{name} no está en los resultados"
    accept = typed.lower() == ACCEPT
    try:
        value = item.value if accept else parse_input(item, typed)
        on_top_of = _version(row["version"])
    except ValueError as exc:
        return f"{name}: {exc}"
    # `ok` accepts the value the sheet showed, which someone may have changed since the export
    already = as_text(item, item.value).strip() == _cell_text(row["valor"]) if accept else value == item.value
    if item.revisado and not item.revisar and already:
        report.unchanged += 1
        return None
    if on_top_of is not None and item.on_top_of is None:
        return f"{name}: la versión {on_top_of} de la hoja no está en {STORE_NAME} (¿una hoja de otra carpeta?)"
    try:
        saved = store.save(item.key, item.value, item.raw, value, reviewer, on_top_of)
    except Conflict as conflict:
        saved_by = conflict.current
        return (f"{name}: {saved_by.reviewer} lo guardó ({saved_by.created}) como "
                f"«{as_text(item, saved_by.new_value)}» después de exportar la hoja; «{typed}» no se guardó")
    if saved.accepted:
        report.accepted += 1
    else:
        report.corrected += 1
    return None


def _read_rows(path: Path) -> list[tuple[int, dict[str, object]]]:
    """The sheet's filled rows by their row number in Excel, each as {column: cell}."""
    try:
        workbook = load_workbook(path, data_only=True)
        table = list(workbook.worksheets[0].iter_rows(values_only=True))
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SheetError(path, f"not a readable .xlsx review sheet ({reason})") from None
    header = [_cell_text(v).lower() for v in table[0]] if table else []
    if missing := [c for c in NEEDED if c not in header]:
        raise SheetError(path, f"missing columns {', '.join(missing)}: the first row must keep the header "
                               f"written by --export ({', '.join(COLUMNS)})")
    index = {name: header.index(name) for name in NEEDED}
    return [(number, {name: values[i] for name, i in index.items()})
            for number, values in enumerate(table[1:], start=2) if any(v is not None for v in values)]


def _cell_text(value: object) -> str:
    """A cell as the text the reviewer typed (Excel keeps a typed 1500 as the number 1500.0)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _version(value: object) -> int | None:
    text = _cell_text(value)
    if text and not text.isdigit():
        raise ValueError(f"la columna version («{text}») no es la que se exportó")
    return int(text) if text else None


def _items(out_dir: Path, template_path: Path | None) -> list[ReviewItem]:
    if not (out_dir / MANIFEST).exists():
        raise FichasError(f"{out_dir}: no results here (run `fichas run --out {out_dir}` first)")
    return load_items(out_dir, template_path)


def export_corrections(out_dir: Path, path: Path) -> int:
    """Write every correction ever saved in OUT, oldest first, to PATH (CSV, UTF-8 with a BOM);
    returns how many. Lists are joined with `; `, as in fichas.csv; a null value is empty."""
    store_path = out_dir / STORE_NAME
    corrections = []
    if store_path.exists():
        store = ReviewStore(store_path)
        corrections = store.all()
        store.close()
    documents: dict[str, str] = {}
    for entry in sorted(Manifest.load(out_dir).documents.values(), key=lambda e: e.path):
        documents.setdefault(entry.sha256, entry.path)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(CORRECTIONS_CSV)
    for c in corrections:
        writer.writerow([c.id, c.sha256, documents.get(c.sha256, ""), c.codigo, c.field, cell(c.value_seen),
                         c.raw_seen, cell(c.new_value), c.reviewer, c.created])
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text.getvalue(), bom=True)
    return len(corrections)
