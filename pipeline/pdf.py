"""PDF pages → Pages: the text layer where it holds real words, else the page image + Tesseract.

PDFium (pypdfium2) opens the file, decides the page count and renders; pdfplumber reads the
text layer. When the two disagree on the page count (a damaged page tree), the text layer is
ignored and every page is OCR'd, so that page numbers stay PDFium's. A damaged file PDFium
refuses is read from the copy qpdf (pikepdf) repairs, when it can.
"""
from __future__ import annotations

import io
import logging
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from pipeline.errors import EncryptedPdfError, InputFileError
from pipeline.layout import words_to_lines
from pipeline.limits import IngestLimits
from pipeline.lines import Rule, to_line
from pipeline.reader import OcrJob, PageReader
from pipeline.records import BBox, Page, Word

MIN_REAL_WORDS = 1
"""A text layer with fewer real words is treated as absent (unmapped fonts, no text)."""
MAX_JUNK_SHARE = 0.5
"""...and so is one where more than half of the words are junk ("(cid:25)", "\"7+%-"); numbers are fine."""
SCAN_COVERAGE = 0.5
"""A page whose largest image covers this share of it is a scan..."""
MIN_WORDS_OVER_SCAN = 20
"""...and its text layer is trusted only with this many real words (an OCR layer), not a stamp."""
RULE_MIN_LENGTH = 20.0
"""Points; shorter horizontal strokes are ticks or glyph parts. Longer ones, even one cell
wide (tables drawn cell by cell), go to the layout, which joins them into rulings."""
RULE_MAX_THICKNESS = 4.0
"""Points; thicker horizontal shapes are fills, not rulings."""
SCAN_FIT_PT = 1.0
"""A page's only image lying within this of the page's edges fills the page: a plain scan."""
PDF_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
"""An indirect object's header ("12 0 obj"): bytes without one hold nothing to read or repair."""

PDFIUM = threading.RLock()
"""PDFium is not thread-safe, not even across documents: every call into it holds this lock.
Documents of a batch are read in parallel threads; rendering is a small share of their time."""

# pdfminer logs every repair it makes on a damaged file; the page-level warnings say enough.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

_ROTATION_OF_DIRECTION = {"ltr": 0, "btt": 90, "rtl": 180, "ttb": 270}
"""Clockwise turn that makes text running in this direction read left to right."""


@dataclass(frozen=True)
class TextLayer:
    """A page's text layer turned upright: words, rulings and the upright size."""

    words: list[Word]
    """Words running in the page's main direction, boxes in the upright frame."""
    aside: list[list[Word]]
    """Runs of words set in another direction (a vertical margin note), one line each."""
    rules: list[Rule]
    width: float
    height: float
    rotation: int


def read_pdf(path: Path, data: bytes, sha256: str, password: str | None, limits: IngestLimits,
             reader: PageReader, warnings: list[str]) -> list[Page]:
    """Every page of the PDF, in order; raises InputFileError for a PDF that cannot be read."""
    document, data, used_password = open_pdf(path, data, password, warnings)
    try:
        with PDFIUM:
            count = len(document)
        if count == 0:
            raise InputFileError(path, "PDF has no pages")
        if count > limits.max_pages:
            raise InputFileError(path, f"{count} pages, over the limit of {limits.max_pages}")
        with _text_layers(data, used_password, count, warnings) as plumber:
            jobs = _page_jobs(path, document, count, plumber, limits, warnings)
            return reader.read(sha256, jobs, count, limits.ocr_timeout_s, warnings)
    finally:
        with PDFIUM:
            document.close()


def open_pdf(path: Path, data: bytes, password: str | None,
             warnings: list[str]) -> tuple[pdfium.PdfDocument, bytes, str | None]:
    """The opened document, the bytes it was opened from and the password it needed (None if none).

    A password is tried only when the file needs one, so a batch-wide --password does not
    break files that open without it. A damaged file is opened from its repaired copy
    (`_open_repaired`), whose bytes the text layer must read too.
    """
    try:
        with PDFIUM:
            return pdfium.PdfDocument(data), data, None
    except pdfium.PdfiumError as exc:
        # PDFium's last-error code can be stale from an earlier file: trust it only for a
        # file that has an encryption dictionary.
        encrypted = b"/Encrypt" in data
        if encrypted and exc.err_code == pdfium_c.FPDF_ERR_SECURITY:
            raise InputFileError(path, "encrypted with an unsupported security handler") from None
        if not encrypted or exc.err_code != pdfium_c.FPDF_ERR_PASSWORD:
            document, repaired = _open_repaired(path, data, warnings)
            return document, repaired, None
    if not password:
        raise EncryptedPdfError(path, "encrypted: needs a password")
    try:
        with PDFIUM:
            return pdfium.PdfDocument(data, password=password), data, password
    except pdfium.PdfiumError:
        raise EncryptedPdfError(path, "wrong password") from None


def _open_repaired(path: Path, data: bytes, warnings: list[str]) -> tuple[pdfium.PdfDocument, bytes]:
    """PDFium on qpdf's repair of a file PDFium refuses, warning what qpdf found wrong;
    InputFileError with `corrupt_reason` when qpdf cannot repair it either."""
    repair = _repaired(data)
    if repair is None:
        raise InputFileError(path, corrupt_reason(data))
    repaired, found = repair
    try:
        with PDFIUM:
            document = pdfium.PdfDocument(repaired)
    except pdfium.PdfiumError:
        raise InputFileError(path, corrupt_reason(data)) from None
    warnings.append(f"repaired: {_first_damage(found)}")
    return document, repaired


def _repaired(data: bytes) -> tuple[bytes, list[str]] | None:
    """qpdf's repaired copy of a damaged PDF and the damage it reported; None when qpdf cannot
    open it or finds no page in it."""
    import pikepdf  # only damaged files need it, and it is slow to import

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) == 0:
                return None
            # qpdf keeps a catalog written inline in the trailer; PDFium refuses one.
            pdf.trailer.Root = pdf.make_indirect(pdf.Root)
            found = pdf.get_warnings()
            copy = io.BytesIO()
            # Streams are copied as they are: decoding them would expand a decompression bomb.
            pdf.save(copy, stream_decode_level=pikepdf.StreamDecodeLevel.none, compress_streams=False)
    except Exception:  # qpdf's errors on a file beyond repair have no common base class
        return None
    return copy.getvalue(), found


_QPDF_SOURCE = re.compile(r"^stream <[^>]*>[ ,(]*([^:]*?)\)?: ")
"""How qpdf begins a warning: the in-memory stream's name, then where ("(trailer, offset 452)")."""


def _first_damage(found: list[str]) -> str:
    """qpdf's first warning on one line, without the stream's name: "trailer, offset 452: unknown token…"."""
    if not found:
        return "no damage named"
    said = _QPDF_SOURCE.sub(lambda where: f"{where[1]}: " if where[1] else "", found[0].strip())
    return said.partition("\n")[0][:100]


def corrupt_reason(data: bytes) -> str:
    """A short cause for a PDF that PDFium refuses: no pages, no objects, truncated, or broken."""
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) == 0:
                return "PDF has no pages"
    except Exception:  # pdfminer raises anything on a broken file; it only helps to diagnose
        pass
    if not PDF_OBJECT.search(data):
        return "corrupt PDF: no PDF objects"
    if b"%%EOF" not in data:
        return "corrupt PDF: truncated (no %%EOF marker)"
    return "corrupt PDF: broken cross-reference table or trailer"


@contextmanager
def _text_layers(data: bytes, password: str | None, count: int, warnings: list[str]) -> Iterator[pdfplumber.PDF | None]:
    """pdfplumber on the same bytes, or None when it cannot open them or miscounts the pages."""
    try:
        pdf = pdfplumber.open(io.BytesIO(data), password=password or "", unicode_norm="NFC")
    except Exception as exc:  # pdfminer's errors have no common base class
        warnings.append(f"text layer unreadable ({_short(exc)}); every page OCR'd")
        yield None
        return
    with pdf:
        if len(pdf.pages) == count:
            yield pdf
        else:
            warnings.append(f"text layer ignored: page tree damaged ({len(pdf.pages)} pages for pdfplumber, "
                            f"{count} for PDFium); every page OCR'd")
            yield None


def _page_jobs(path: Path, document: pdfium.PdfDocument, count: int, plumber: pdfplumber.PDF | None,
               limits: IngestLimits, warnings: list[str]) -> Iterator[Page | OcrJob]:
    """Per page, a Page read from its text layer, or an OcrJob that renders the page."""
    for index in range(count):
        number = index + 1
        with PDFIUM:
            page = document[index]
        plumbed = plumber.pages[index] if plumber else None
        try:
            layer = _text_layer(plumbed, number, warnings) if plumbed else None
            if layer is not None:
                lines = words_to_lines(layer.words, number, layer.width, rules=layer.rules)
                lines += tuple(to_line(run, range(len(run)), number) for run in layer.aside)
                yield Page(number, lines, "text_layer", layer.width, layer.height, layer.rotation)
            else:
                yield _ocr_job(path, page, number, limits, warnings, plumbed is not None and opaque_images(plumbed))
        finally:
            if plumbed:
                plumbed.close()
            with PDFIUM:
                page.close()


def _text_layer(page: pdfplumber.page.Page, number: int, warnings: list[str]) -> TextLayer | None:
    """The page's words and rulings, upright, when its text layer is usable; else None."""
    width, height = float(page.width), float(page.height)
    try:
        raw = page.extract_words(**_reading_directions(page.chars))
        coverage = max((_area(i) for i in page.images), default=0.0) / max(width * height, 1.0)
        if not usable_text_layer([w["text"] for w in raw], coverage):
            return None
        edges = page.edges
    except Exception as exc:  # pdfminer fails in many ways on damaged content streams
        warnings.append(f"page {number}: text layer unreadable ({_short(exc)}); page OCR'd")
        return None
    rotation = _dominant_rotation(raw)
    words, aside = _split_by_direction(raw, rotation, width, height)
    upright_width, upright_height = (height, width) if rotation in (90, 270) else (width, height)
    rules = []
    for edge in edges:
        x0, top, x1, bottom = _turn(_box(edge), rotation, width, height)
        if x1 - x0 >= RULE_MIN_LENGTH and bottom - top <= RULE_MAX_THICKNESS:
            rules.append(Rule(x0, x1, (top + bottom) / 2))
    return TextLayer(words, aside, rules, upright_width, upright_height, rotation)


def usable_text_layer(words: list[str], image_coverage: float) -> bool:
    """Real words, little junk, and over a scanned page more than a stamp ("pdf.js", a date)."""
    real = sum(_is_real_word(w) for w in words)
    junk = sum(_is_junk(w) for w in words)
    needed = MIN_WORDS_OVER_SCAN if image_coverage >= SCAN_COVERAGE else MIN_REAL_WORDS
    return real >= needed and junk <= MAX_JUNK_SHARE * len(words)


def _is_real_word(text: str) -> bool:
    """Two letters or more, mostly letters, and no unmapped glyph."""
    letters = sum(c.isalpha() for c in text)
    return not _is_junk(text) and letters >= 2 and letters >= 0.5 * len(text)


def _is_junk(text: str) -> bool:
    """Unmapped glyphs ("(cid:12)", private-use, U+FFFD, controls) or mostly symbols ('"7+%-')."""
    if "(cid:" in text or "\ufffd" in text or any(unicodedata.category(c) in ("Co", "Cc") for c in text):
        return True
    return sum(c.isalnum() for c in text) < 0.5 * len(text)


def _reading_directions(chars: list[dict]) -> dict[str, str]:
    """extract_words settings that read every char in its true direction.

    pdfplumber only tells upright chars from rotated ones and reads the rotated top to bottom;
    the char matrix says which way each one runs, and the majority sets the reading order.
    """
    count = Counter(_char_direction(c) for c in chars)
    upright = "rtl" if count["rtl"] > count["ltr"] else "ltr"
    rotated = "btt" if count["btt"] > count["ttb"] else "ttb"
    return {"char_dir": upright, "line_dir": "ttb" if upright == "ltr" else "btt",
            "char_dir_rotated": rotated, "line_dir_rotated": "rtl" if rotated == "ttb" else "ltr"}


def _char_direction(char: dict) -> str:
    """Which way the text runs on the page, from the char's baseline vector (PDF y points up)."""
    a, b = char["matrix"][0], char["matrix"][1]
    if abs(a) >= abs(b):
        return "ltr" if a >= 0 else "rtl"
    return "btt" if b > 0 else "ttb"


def _direction_rotation(word: dict) -> int:
    return _ROTATION_OF_DIRECTION.get(word.get("direction", "ltr"), 0)


def _dominant_rotation(words: list[dict]) -> int:
    """The clockwise turn that makes most of the text (by characters) run left to right."""
    weight: dict[int, int] = {}
    for w in words:
        weight[_direction_rotation(w)] = weight.get(_direction_rotation(w), 0) + len(w["text"])
    return max(weight, key=weight.__getitem__, default=0)


def _split_by_direction(raw: list[dict], rotation: int, width: float, height: float) -> tuple[list[Word], list[list[Word]]]:
    """Words in the page's main direction, and runs of consecutive words set in another one
    (kept out of the layout: a vertical margin note would pass for a table column)."""
    words: list[Word] = []
    aside: list[list[Word]] = []
    previous = None
    for w in raw:
        word = Word(w["text"], _turn(_box(w), rotation, width, height), 1.0)
        if _direction_rotation(w) == rotation:
            words.append(word)
            previous = None
            continue
        if previous is not None and _direction_rotation(previous) == _direction_rotation(w) and _same_run(previous, w):
            aside[-1].append(word)
        else:
            aside.append([word])
        previous = w
    return words, aside


def _same_run(a: dict, b: dict) -> bool:
    """Two words on one line of their own direction: they share the band across it."""
    low, high = ("x0", "x1") if a.get("direction") in ("ttb", "btt") else ("top", "bottom")
    shared = min(a[high], b[high]) - max(a[low], b[low])
    return shared >= 0.5 * min(a[high] - a[low], b[high] - b[low])


def _box(obj: dict) -> BBox:
    return (float(obj["x0"]), float(obj["top"]), float(obj["x1"]), float(obj["bottom"]))


def _area(obj: dict) -> float:
    x0, top, x1, bottom = _box(obj)
    return max(0.0, x1 - x0) * max(0.0, bottom - top)


def _turn(box: BBox, rotation: int, width: float, height: float) -> BBox:
    """A top-left-origin box on a width × height page, after turning the page clockwise."""
    x0, top, x1, bottom = box
    if rotation == 90:
        return (height - bottom, x0, height - top, x1)
    if rotation == 180:
        return (width - x1, height - bottom, width - x0, height - top)
    if rotation == 270:
        return (top, width - x1, bottom, width - x0)
    return (x0, top, x1, bottom)


def _ocr_job(path: Path, page: pdfium.PdfPage, number: int, limits: IngestLimits,
             warnings: list[str], opaque: bool = False) -> OcrJob | Page:
    """A job giving the page as an 8-bit gray image, or an empty Page when the page has no area.

    A scanner's page (one image filling it) is read at the image's own resolution
    (`IngestLimits.reading_dpi`), drawn from the image alone; other pages are rendered whole
    at 300 dpi. `opaque`: the page's images carry no mask (`opaque_images`). The job must run
    before the page closes.
    """
    with PDFIUM:
        width, height = page.get_size()
    if width * height < 1:
        warnings.append(f"page {number}: page has no area; left empty")
        return Page(number, (), "ocr", width, height)
    with PDFIUM:
        scan = lone_scan(page)
        pixels = scan.get_px_size() if scan else None
    # Rounded: a page size kept to 0.01 pt makes a 400 dpi scan 400.00001 dpi.
    own_dpi = round(max(pixels[0] / width, pixels[1] / height) * 72, 2) if pixels else None
    scale = limits.reading_dpi(own_dpi, width / 72, height / 72) / 72
    size = (max(1, round(width * scale)), max(1, round(height * scale)))

    def render() -> Image.Image | None:
        with PDFIUM:
            # Embedded images are measured first: PDFium would decode a decompression bomb in full.
            for image in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)):
                try:
                    meta = image.get_metadata()
                except pdfium.PdfiumError:
                    continue  # an image PDFium cannot describe, it will not decode either
                limits.check_image(path, number, meta.width, meta.height)
            try:
                drawn = scan_image(scan, size, opaque) if scan else None
                return drawn or page.render(scale=scale, grayscale=True).to_pil().copy()  # the bitmap dies with the page
            except pdfium.PdfiumError as exc:
                warnings.append(f"page {number}: cannot render ({_short(exc)}); left empty")
                return None

    return OcrJob(number, scale * 72, render)


def lone_scan(page: pdfium.PdfPage) -> pdfium.PdfImage | None:
    """The page's only object when it is an image filling the page, as scanners write pages;
    else None. The caller holds PDFIUM."""
    if page.get_rotation() != 0:
        return None
    objects = list(page.get_objects(max_depth=1))
    if len(objects) != 1 or objects[0].type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
        return None
    if min(objects[0].get_px_size()) < 1:
        return None  # a broken image: the page render copes with it
    if any(abs(a - b) > SCAN_FIT_PT for a, b in zip(objects[0].get_bounds(), page.get_cropbox())):
        return None
    return objects[0]


def scan_image(scan: pdfium.PdfImage, size: tuple[int, int], opaque: bool = False) -> Image.Image | None:
    """A lone scan as a gray page of `size` pixels, None when PDFium gives no bitmap of it.

    An `opaque` scan placed upright is simply decoded (its colour space applied): ~0.015 s
    a page. Any other is drawn by PDFium at its own resolution, masks and
    placement applied (~0.05 s). OpenCV scales it. Either way this beats rendering the page
    (0.10–0.15 s), where PDFium's resampling is the slow part. The caller holds PDFIUM.
    """
    from pipeline import raster  # OpenCV: only for pages that are read

    matrix = scan.get_matrix()
    decoded = opaque and matrix.b == matrix.c == 0 and matrix.a > 0 and matrix.d > 0
    bitmap = scan.get_bitmap(render=not decoded)
    if bitmap.mode not in ("L", "BGR", "BGRX", "BGRA"):
        return None
    return raster.on_paper(bitmap.to_numpy(), bitmap.mode, size)


def opaque_images(page: pdfplumber.page.Page) -> bool:
    """No image on the page has a soft mask, a colour-key mask or a decode array, nor is a
    stencil: decoding such an image gives what the page shows of it."""
    try:
        return all(not {"SMask", "Mask", "ImageMask", "Decode"} & image["stream"].attrs.keys() for image in page.images)
    except Exception:  # pdfminer fails in many ways on damaged content streams; PDFium will draw it
        return False


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:80]}" if text else type(exc).__name__
