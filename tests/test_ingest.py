"""Ingest on real files: a generated ficha page as a digital PDF, as a degraded scan (image-only
PDF, PNG, multi-page TIFF with a page turned 90°), the legacy text dump, and broken or protected
PDFs from public test suites. Real Tesseract, real PDFium; nothing is mocked.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image
from rapidfuzz.distance import Levenshtein
from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from pipeline.errors import EncryptedPdfError, InputFileError
from pipeline.ingest import ingest
from pipeline.limits import IngestLimits
from pipeline.records import Document

DATA = Path(__file__).parent / "data" / "ingest"
SEEDS = Path(__file__).parent / "data" / "seeds"
CORPUS = Path("/work/shared/corpus")

PAGE_CER_CEILING = 0.02
"""Measured 0.0–0.9% on this page over four degradations (rotation ±1–2°, noise σ 10–25,
JPEG q 50–75); 2% leaves room for other Tesseract builds without hiding a broken layout."""
ROW_CER_CEILING = 0.03
"""Per table row: a row split or merged wrongly costs far more than 3%."""

PARAGRAPH = (
    "La emergencia sanitaria incrementó la demanda de asistencias de alojamiento temporal y emergente "
    "a la vez que redujo el aforo permitido en espacios cerrados; algunos Socios Implementadores firman "
    "convenios con entidades locales que cuentan con infraestructura para garantizar la provisión de "
    "alojamiento temporal a niñas, niños y adolescentes en condición de movilidad humana."
)
ROWS = [
    ("Territorio", "Tulcán, Huaquillas, Lago Agrio, Quito"),
    ("Tipo de asistencia", "Asistencias relacionadas al alojamiento"),
    ("Actores involucrados (ONG, Gobierno, Empresa)", "OIM, Socios Implementadores, actores locales."),
    ("Presupuesto aproximado", "1,500 USD"),
    ("Potencial de replicación y por quién",
     "Agencias del Sistema de Naciones Unidas y Socios Implementadores. El potencial de replicación se "
     "condiciona por la disponibilidad de actores locales con espacios para alcanzar acuerdos, depende de la "
     "gestión de cada socio implementador en territorio y el acompañamiento de la OIM en las crisis migratorias."),
    ("Vínculos ascendentes a objetivos más elevados de la Institución",
     "El alcanzar acuerdos para la adecuada provisión de asistencia (considerando la emergencia sanitaria) "
     "permite cumplir con los objetivos planteados por el proyecto y mantener altos estándares de seguridad."),
]
PACTO = [
    ("Principios rectores", "Objetivos"),
    ("1) Centrarse en las personas. 6) Derechos humanos. 7) Perspectiva de género.",
     "Objetivo 7: Abordar y reducir las vulnerabilidades en la migración. "
     "Objetivo 15: Proporcionar a los migrantes acceso a servicios básicos."),
]
ACCENTED = {"incrementó", "provisión", "niñas,", "niños", "condición", "Tulcán,", "replicación", "quién",
            "gestión", "acompañamiento", "Vínculos", "más", "Institución", "estándares", "Relación", "género."}


@dataclass(frozen=True)
class Fixtures:
    digital: Path
    scan_pdf: Path
    scan_png: Path
    tiff: Path
    """Two frames: the degraded page, then the same page turned 90° counter-clockwise."""


def build_ficha_pdf(path: Path) -> None:
    """A ficha-like A4 page: headings, justified Spanish paragraphs, two ruled tables whose
    cells are vertically centred, so multi-line values start above their labels."""
    pdfmetrics.registerFont(TTFont("Vera", "Vera.ttf"))
    pdfmetrics.registerFont(TTFont("VeraBd", "VeraBd.ttf"))
    body = ParagraphStyle("body", fontName="Vera", fontSize=10, leading=13, alignment=TA_JUSTIFY)
    head = ParagraphStyle("head", fontName="VeraBd", fontSize=11, leading=14, spaceBefore=6, spaceAfter=4)
    cell = ParagraphStyle("cell", fontName="Vera", fontSize=10, leading=13)
    style = TableStyle([("GRID", (0, 0), (-1, -1), 0.75, (0, 0, 0)), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 5)])

    def table(rows: list[tuple[str, str]], item_per_line: bool = False) -> Table:
        def markup(text: str) -> str:
            return text.replace(". ", ".<br/>") if item_per_line else text

        result = Table([[Paragraph(markup(a), cell), Paragraph(markup(b), cell)] for a, b in rows],
                       colWidths=[6 * cm, 10 * cm])
        result.setStyle(style)
        return result

    story = [Paragraph("Hallazgo", head), Paragraph(PARAGRAPH, body), Spacer(1, 10),
             Paragraph("Metas del proyecto:", head), table(ROWS), Spacer(1, 10),
             Paragraph("Relación con el Pacto Mundial para la Migración Segura", head),
             table(PACTO, item_per_line=True),
             Spacer(1, 10), Paragraph("Sostenibilidad: Alta", head), Paragraph(PARAGRAPH, body)]
    SimpleDocTemplate(str(path), pagesize=A4, leftMargin=2.5 * cm, rightMargin=2.5 * cm,
                      topMargin=2.5 * cm, bottomMargin=2.5 * cm).build(story)


def degrade(pdf: Path) -> Image.Image:
    """The page rendered at 300 dpi, turned 1°, with gaussian noise and a JPEG round trip."""
    image = pdfium.PdfDocument(pdf)[0].render(scale=300 / 72, grayscale=True).to_pil()
    image = image.rotate(1, resample=Image.BICUBIC, fillcolor=255)
    noisy = np.asarray(image, dtype=np.float32) + np.random.default_rng(7).normal(0, 10, (image.height, image.width))
    buffer = io.BytesIO()
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=75)
    return Image.open(io.BytesIO(buffer.getvalue()))


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> Fixtures:
    folder = tmp_path_factory.mktemp("ingest")
    digital = folder / "ficha_digital.pdf"
    build_ficha_pdf(digital)
    scan = degrade(digital)
    paths = Fixtures(digital, folder / "ficha_scan.pdf", folder / "ficha_scan.png", folder / "ficha_scan.tif")
    scan.save(paths.scan_pdf, resolution=300)
    scan.save(paths.scan_png, dpi=(300, 300))
    scan.save(paths.tiff, dpi=(300, 300), save_all=True, append_images=[scan.rotate(90, expand=True)])
    return paths


@pytest.fixture(scope="module")
def digital_doc(fixtures: Fixtures) -> Document:
    return ingest(fixtures.digital)


@pytest.fixture(scope="module")
def scan_doc(fixtures: Fixtures) -> Document:
    return ingest(fixtures.scan_pdf)


def page_text(document: Document, page: int = 0) -> str:
    return "\n".join(line.text for line in document.pages[page].lines)


def cer(text: str, truth: str) -> float:
    return Levenshtein.distance(text, truth) / max(len(truth), 1)


# --- text layer ---------------------------------------------------------------------------------

def test_text_layer_reads_words_with_boxes(fixtures: Fixtures, digital_doc: Document):
    page = digital_doc.pages[0]
    assert digital_doc.sha256 == hashlib.sha256(fixtures.digital.read_bytes()).hexdigest()
    assert (page.number, page.source, page.rotation) == (1, "text_layer", 0)
    assert page.width == pytest.approx(595.3, abs=0.5) and page.height == pytest.approx(841.9, abs=0.5)
    assert page.lines[0].text == "Hallazgo"
    assert page.lines[1].text.startswith("La emergencia sanitaria incrementó la demanda")
    for line in page.lines:
        assert line.raw is None and line.confidence == 1.0 and line.page == 1
        x0, top, x1, bottom = line.bbox
        assert 0 <= x0 < x1 <= page.width and 0 <= top < bottom <= page.height


def test_text_layer_table_rows_are_single_lines(digital_doc: Document):
    texts = [line.text for line in digital_doc.pages[0].lines]
    for label, value in ROWS + PACTO:
        assert f"{label} {value}" in texts
    # Paragraph lines stay one Line per printed line.
    assert texts.count("y adolescentes en condición de movilidad humana.") == 2


@pytest.mark.parametrize("displayed, turned", [(90, 270), (180, 180), (270, 90)])
def test_text_layer_of_a_rotated_page_reads_upright(fixtures: Fixtures, tmp_path: Path, displayed: int, turned: int):
    document = pdfium.PdfDocument(fixtures.digital)
    document[0].set_rotation(displayed)
    document.save(tmp_path / "rotated.pdf")
    page = ingest(tmp_path / "rotated.pdf").pages[0]
    assert page.rotation == turned and page.width < page.height
    texts = [line.text for line in page.lines]
    assert texts[0] == "Hallazgo" and f"{ROWS[4][0]} {ROWS[4][1]}" in texts


# --- OCR ----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_ocr_reads_spanish_with_accents(digital_doc: Document, scan_doc: Document):
    page = scan_doc.pages[0]
    assert page.source == "ocr" and page.rotation == 0
    assert page.width == pytest.approx(595.3, abs=1) and page.height == pytest.approx(841.9, abs=1)
    assert cer(page_text(scan_doc), page_text(digital_doc)) <= PAGE_CER_CEILING
    assert ACCENTED <= set(page_text(scan_doc).split())
    assert all(0 < line.confidence <= 1 and line.raw is None for line in page.lines)


@pytest.mark.slow
def test_ocr_table_rows_are_single_lines(scan_doc: Document):
    lines = scan_doc.pages[0].lines
    for label, value in ROWS + PACTO:
        expected = f"{label} {value}"
        line = min(lines, key=lambda l: cer(l.text, expected))
        assert cer(line.text, expected) <= ROW_CER_CEILING, (expected, line.text)
    potencial = next(l for l in lines if l.text.startswith("Potencial de replicación"))
    assert potencial.bbox[3] - potencial.bbox[1] > 5 * 10  # the row spans its 6 value lines


@pytest.mark.slow
def test_png_and_multipage_tiff_with_a_page_turned_90(fixtures: Fixtures, digital_doc: Document):
    truth = page_text(digital_doc)
    png = ingest(fixtures.scan_png)
    assert len(png.pages) == 1 and cer(page_text(png), truth) <= PAGE_CER_CEILING
    tiff = ingest(fixtures.tiff)
    assert [p.rotation for p in tiff.pages] == [0, 90]
    turned = tiff.pages[1]
    assert turned.height > turned.width  # boxes are given in the upright page
    assert cer(page_text(tiff, 1), truth) <= PAGE_CER_CEILING


@pytest.mark.slow
def test_render_limit_lowers_dpi_but_keeps_page_geometry(fixtures: Fixtures):
    document = ingest(fixtures.scan_pdf, limits=IngestLimits(max_render_pixels=4_000_000))
    page = document.pages[0]
    assert page.width == pytest.approx(595.3, abs=1)
    assert "Territorio Tulcán, Huaquillas, Lago Agrio, Quito" in [l.text for l in page.lines]


def test_decompression_bomb_is_refused_before_decoding(fixtures: Fixtures):
    small = IngestLimits(max_image_pixels=1_000_000)
    for path in (fixtures.scan_pdf, fixtures.scan_png):
        with pytest.raises(InputFileError, match="decompression bomb") as error:
            ingest(path, limits=small)
        assert path.name in str(error.value)


def test_page_limit(fixtures: Fixtures):
    with pytest.raises(InputFileError, match="2 pages, over the limit of 1"):
        ingest(fixtures.tiff, limits=IngestLimits(max_pages=1))


# --- legacy text --------------------------------------------------------------------------------

def test_legacy_dump_splits_pages_at_its_page_marks():
    document = ingest(SEEDS / "000_b033b46dcbce62bb.part1.txt")
    assert len(document.pages) == 49
    assert {p.source for p in document.pages} == {"legacy_text"}
    first = document.pages[0].lines[0]
    assert first.text.startswith("LA2_ISE: Se fomenta") and first.bbox is None and first.confidence is None
    assert document.pages[4].lines[0].text == "METODOLOGIA"
    lines = [line for p in document.pages for line in p.lines]
    assert all(line.text.strip() == line.text for line in lines)
    assert all(a.text or b.text for a, b in zip(lines, lines[1:]) if a.page == b.page)  # blank runs collapsed
    assert all(p.lines[0].text and p.lines[-1].text for p in document.pages)


def test_legacy_text_splits_on_form_feeds(tmp_path: Path):
    dump = tmp_path / "dump.txt"
    dump.write_text("CODIGO BP1_AH\n\n  Territorio Quito\n\fsegunda página\n\f", encoding="utf-8")
    pages = ingest(dump).pages
    assert [[l.text for l in p.lines] for p in pages] == [["CODIGO BP1_AH", "", "Territorio Quito"], ["segunda página"]]


def test_legacy_text_in_windows_1252_is_read_with_a_warning(tmp_path: Path):
    dump = tmp_path / "dump.txt"
    dump.write_bytes("Relación con ODS\nniñez migrante\n".encode("cp1252"))
    document = ingest(dump)
    assert [l.text for l in document.pages[0].lines] == ["Relación con ODS", "niñez migrante"]
    assert document.warnings == ["not UTF-8: read as Windows-1252"]


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, error, reason", [
    ("pdfplumber__empty_zero_bytes.pdf", InputFileError, "empty file (0 bytes)"),
    ("qpdf__bad1_not_a_pdf.pdf", InputFileError, "not a PDF"),
    ("qpdf__empty_zero_pages.pdf", InputFileError, "PDF has no pages"),
    ("pdfjs__bug1020226_truncated.pdf", InputFileError, "corrupt PDF: truncated (no %%EOF marker)"),
    ("pypdf__r4-aes-user-password.pdf", EncryptedPdfError, "encrypted: needs a password"),
])
def test_bad_input_raises_one_line_reason_naming_the_file(name: str, error: type, reason: str):
    with pytest.raises(InputFileError) as raised:
        ingest(DATA / name)
    assert type(raised.value) is error
    assert raised.value.reason == reason
    assert name in str(raised.value) and "\n" not in str(raised.value)


@pytest.mark.parametrize("name, password, expected", [
    ("pypdf__r4-aes-user-password.pdf", "asdfzxcv", "pdfencryptiontest"),
    ("pdfjs__issue6010_2_utf8_password.pdf", "æøå", "Issue 6010"),
    ("pdfium__encrypted_hello_world_r6.pdf", "âge", "Hello, world!"),
    ("pypdf__r2-owner-password.pdf", "not-its-password", "pdfencryptiontest"),  # needs none
])
def test_password_opens_protected_pdfs(name: str, password: str, expected: str):
    text = " ".join(l.text for p in ingest(DATA / name, password=password).pages for l in p.lines)
    assert expected in text


def test_wrong_password():
    with pytest.raises(EncryptedPdfError, match="wrong password"):
        ingest(DATA / "pypdf__r4-aes-user-password.pdf", password="tiger")


def test_no_pages_is_not_mistaken_for_encryption_after_an_encrypted_file():
    """PDFium keeps its last error code: a stale "incorrect password" must not leak."""
    with pytest.raises(EncryptedPdfError):
        ingest(DATA / "pypdf__r4-aes-user-password.pdf")
    with pytest.raises(InputFileError, match="PDF has no pages"):
        ingest(DATA / "qpdf__empty_zero_pages.pdf")


def test_recoverable_xref_damage_still_reads():
    assert ingest(DATA / "qpdf__bad-xref.pdf").pages[0].lines[0].text == "Potato"


@pytest.mark.parametrize("name, found, text", [
    ("pdfium__trailer_unterminated.pdf", "trailer, offset 452: unknown token while reading object; treating as string", ""),
    ("qpdf__bad-direct-root.pdf", "can't find PDF header", ""),  # its catalog sits inline in the trailer
    ("pdfjs__bug1606566_no_header.pdf", "can't find PDF header", "Bug 1606566"),
])
def test_pdf_that_pdfium_refuses_is_read_from_qpdfs_repair(name: str, found: str, text: str):
    """The warning names qpdf's first finding; the text layer is read from the repaired copy too;
    the document keeps the original file's sha256 (a header-less file still counts as a PDF)."""
    path = DATA / name
    document = ingest(path)
    assert document.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(document.pages) == 1
    assert document.warnings == [f"repaired: {found}"]
    assert " ".join(line.text for line in document.pages[0].lines) == text


def test_unsupported_missing_and_folder(tmp_path: Path):
    (tmp_path / "notas.docx").write_bytes(b"PK\x03\x04 not really")
    for path, reason in [(tmp_path / "notas.docx", "unsupported file type .docx"),
                         (tmp_path / "missing.pdf", "no such file"),
                         (tmp_path, "is a folder, not a file")]:
        with pytest.raises(InputFileError) as raised:
            ingest(path)
        assert raised.value.reason == reason


@pytest.mark.slow
@pytest.mark.skipif(not (CORPUS / "bad").is_dir(), reason="shared corpus not available")
def test_every_bad_corpus_file_ends_as_document_or_input_error(tmp_path: Path):
    for path in sorted((CORPUS / "bad").iterdir()):
        try:
            document = ingest(path)
        except InputFileError as exc:
            assert path.name in str(exc) and "\n" not in exc.reason
        else:
            assert document.pages, path.name
    with pytest.raises(InputFileError, match="decompression bomb"):
        ingest(CORPUS / "bad" / "ocrmypdf__hugemono.pdf")


@pytest.mark.slow
def test_ocr_boxes_sit_where_the_text_layer_puts_the_words(digital_doc: Document, scan_doc: Document):
    """Tesseract reads a crop of the levelled page: its boxes must come back in page points."""
    texts = [line.text for line in digital_doc.pages[0].lines]
    digital = {line.text: line.bbox for line in digital_doc.pages[0].lines if texts.count(line.text) == 1}
    matched = [(digital[line.text], line.bbox) for line in scan_doc.pages[0].lines
               if line.text in digital and len(line.text) > 15]
    assert len(matched) >= 5
    for want, got in matched:
        assert all(abs(a - b) <= 10 for a, b in zip(want, got)), (want, got)  # the scan is turned 1°
