"""Ingest: a PDF, a page image or a legacy OCR text dump → a Document of pages of lines.

`ingest(path, password=None, limits=None)` is the stage's one entry point.

* PDF: each page is read from its text layer when that layer holds enough real words (digital
  PDFs, scans that already carry an OCR layer), else OCR'd (`pipeline.pdf`): a scanned page
  at the scan's own resolution, any other page rendered at 300 dpi (`pipeline.limits.IngestLimits.reading_dpi`).
  Image files (PNG, JPEG, TIFF, multi-page TIFF, HEIC) are OCR'd the same way.
* `.txt`: legacy OCR text without geometry, one Page per text page (`read_legacy_text`).
* Lines come out as read: `Line.text` is the raw text and `Line.raw` stays None; the repair
  stage fills it. Boxes are PDF points from the top-left of the page's upright frame; a page
  that had to be turned to read upright says so in `Page.rotation` (degrees clockwise).
* A file that cannot be read raises `InputFileError` (or `EncryptedPdfError`) whose reason is
  one line ("not a PDF", "empty file (0 bytes)", "wrong password", ...). A page that fails
  inside a readable document (OCR timeout, broken text layer) becomes a warning instead.
"""
from __future__ import annotations

import hashlib
import io
import re
import warnings as pywarnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from pipeline.errors import InputFileError
from pipeline.limits import DEFAULT_IMAGE_DPI, MIN_IMAGE_DPI, IngestLimits
from pipeline.reader import OcrJob, PageReader
from pipeline.records import Document, Line, Page

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".heic", ".heif"}
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1")
"""ISO media brands (bytes 8–12) of HEIF images: phone photos of catalogue pages."""
TEXT_SUFFIXES = {".txt"}
HEADER_WINDOW = 1024
"""PDF readers accept junk before `%PDF-` within the first KiB; so do we."""

register_heif_opener()  # Pillow opens HEIC/HEIF from here on

_PAGE_START = re.compile(r"^ (?![-*•·]\s)(?=\S)")
"""How the legacy dump marks a new page when it has no form feeds: the first line of each page
starts with one space (seen in tests/data/seeds/000_*.part1.txt, 49 pages). A list bullet
indented by one space (seed 004, a markdown export) is not a page start."""
_INDENTED = re.compile(r"^(?: {2,}|\t)\S", re.MULTILINE)


def ingest(path: Path, password: str | None = None, limits: IngestLimits | None = None,
           reader: PageReader | None = None) -> Document:
    """Read one input file into a Document; see the module docstring.

    `reader` OCRs the pages that need it (a batch shares one, with its pool and cache);
    by default a reader of its own, one Tesseract per core and no cache.
    """
    path = Path(path)
    limits = limits or IngestLimits()
    data = _read_bytes(path)
    document = Document(path=path, sha256=hashlib.sha256(data).hexdigest())
    kind = sniff(data)
    suffix = path.suffix.lower()
    if kind is None and suffix == ".pdf" and _pdf().PDF_OBJECT.search(data):
        kind = "pdf"  # a PDF that lost its header: qpdf may repair it
    if kind in ("pdf", "image") or suffix in IMAGE_SUFFIXES:
        with _own_reader(reader) as pages_reader:
            if kind == "pdf":
                document.pages = _pdf().read_pdf(path, data, document.sha256, password, limits, pages_reader,
                                                 document.warnings)
            else:
                document.pages = read_image(path, data, document.sha256, limits, pages_reader,
                                            document.warnings)
    elif suffix == ".pdf":
        raise InputFileError(path, "not a PDF")
    elif suffix in TEXT_SUFFIXES:
        document.pages = read_legacy_text(path, data, document.warnings)
    else:
        raise InputFileError(path, f"unsupported file type {suffix or '(no extension)'}")
    return document


def _pdf():
    """`pipeline.pdf`, imported for the first PDF: pdfplumber and PDFium take ~0.15 s to import."""
    from pipeline import pdf

    return pdf


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(path, "no such file") from None
    except IsADirectoryError:
        raise InputFileError(path, "is a folder, not a file") from None
    except OSError as exc:
        raise InputFileError(path, f"cannot read: {exc.strerror or exc}") from None
    if not data:
        raise InputFileError(path, "empty file (0 bytes)")
    return data


def sniff(data: bytes) -> str | None:
    """"pdf", "image" or None, from the file's first bytes: content wins over the file name."""
    if b"%PDF-" in data[:HEADER_WINDOW]:
        return "pdf"
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")):
        return "image"
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return "image"
    return None


@contextmanager
def _own_reader(reader: PageReader | None) -> Iterator[PageReader]:
    """The reader given, or one made for this call and closed after it."""
    if reader is not None:
        yield reader
        return
    own = PageReader()
    try:
        yield own
    finally:
        own.close()


def read_image(path: Path, data: bytes, sha256: str, limits: IngestLimits, reader: PageReader,
               warnings: list[str]) -> list[Page]:
    """OCR every frame of a PNG, JPEG or (multi-page) TIFF at its own resolution."""
    with _quiet_pillow():
        try:
            image = Image.open(io.BytesIO(data))
            frames = getattr(image, "n_frames", 1)
        except Image.DecompressionBombError:
            raise InputFileError(path, "image too large (decompression bomb?)") from None
        except UnidentifiedImageError:
            raise InputFileError(path, "unreadable image: not a PNG, JPEG, TIFF or HEIC") from None
        except Exception as exc:  # Pillow's decoders raise many types on broken files
            raise InputFileError(path, f"corrupt image: {_first_line(exc)}") from None
    if frames > limits.max_pages:
        raise InputFileError(path, f"{frames} pages, over the limit of {limits.max_pages}")

    def jobs() -> Iterator[OcrJob]:
        for index in range(frames):
            with _quiet_pillow():
                try:
                    image.seek(index)
                    limits.check_image(path, index + 1, image.width, image.height)
                    size, dpi = _page_size(image, limits)
                except InputFileError:
                    raise
                except Exception as exc:  # as above
                    raise InputFileError(path, f"corrupt image: {_first_line(exc)}") from None
            # The reader renders a job before asking for the next one: the frame is still current.
            yield OcrJob(index + 1, dpi, lambda size=size: _page_image(path, image, size))

    return reader.read(sha256, jobs(), frames, limits.ocr_timeout_s, warnings)


@contextmanager
def _quiet_pillow() -> Iterator[None]:
    """Pillow warns on stderr about large images (we check our own limit) and bad EXIF (harmless)."""
    with pywarnings.catch_warnings():
        pywarnings.simplefilter("ignore", Image.DecompressionBombWarning)
        pywarnings.simplefilter("ignore", UserWarning)
        yield


def _page_size(image: Image.Image, limits: IngestLimits) -> tuple[tuple[int, int], float]:
    """The pixel size and resolution a frame is read at, from its header alone
    (`pipeline.limits.IngestLimits.reading_dpi`), with square pixels (fax TIFFs have them oblong)."""
    xdpi, ydpi = (float(v) for v in image.info.get("dpi", (0, 0)))
    if min(xdpi, ydpi) < MIN_IMAGE_DPI:
        xdpi = ydpi = DEFAULT_IMAGE_DPI
    width_in, height_in = image.width / xdpi, image.height / ydpi
    dpi = limits.reading_dpi(max(xdpi, ydpi), width_in, height_in)
    return (max(1, round(width_in * dpi)), max(1, round(height_in * dpi))), dpi


def _page_image(path: Path, image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The current frame as 8-bit gray on white at `size`."""
    with _quiet_pillow():
        try:
            frame = image.convert("RGBA") if "A" in image.getbands() or "transparency" in image.info else image
            if frame.mode == "RGBA":
                frame = Image.alpha_composite(Image.new("RGBA", frame.size, "white"), frame)
            frame = ImageOps.grayscale(frame) if frame.mode != "L" else frame.copy()
        except Exception as exc:  # Pillow's decoders raise many types on broken files
            raise InputFileError(path, f"corrupt image: {_first_line(exc)}") from None
    return frame.resize(size, Image.BILINEAR) if size != frame.size else frame


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def read_legacy_text(path: Path, data: bytes, warnings: list[str]) -> list[Page]:
    """One Page per text page, one Line per text line (blank runs as one empty Line), no geometry.

    Pages are split on form feeds; a dump without them may mark each page's first line with
    one leading space (the seed dump does), which is used when no other line is indented.
    """
    if b"\x00" in data[:HEADER_WINDOW]:
        raise InputFileError(path, "not a text file (binary data)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        warnings.append("not UTF-8: read as Windows-1252")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    chunks = text.split("\f")
    if chunks[-1].strip() == "" and len(chunks) > 1:
        chunks.pop()  # a dump ends its last page with a form feed
    if len(chunks) == 1 and not _INDENTED.search(text):
        chunks = _split_on_page_starts(text)
    return [_text_page(number, chunk) for number, chunk in enumerate(chunks, 1)]


def _split_on_page_starts(text: str) -> list[str]:
    pages: list[list[str]] = [[]]
    for line in text.split("\n"):
        if _PAGE_START.match(line) and any(l.strip() for l in pages[-1]):
            pages.append([])
        pages[-1].append(line)
    return ["\n".join(page) for page in pages]


def _text_page(number: int, chunk: str) -> Page:
    """Lines stripped; a run of blank lines kept as one empty Line, the only paragraph break
    legacy text has (the extractor uses it to tell table cells apart)."""
    lines: list[Line] = []
    for text in (l.strip() for l in chunk.split("\n")):
        if text or (lines and lines[-1].text):
            lines.append(Line(text=text, page=number))
    while lines and not lines[-1].text:
        lines.pop()
    return Page(number=number, lines=tuple(lines), source="legacy_text")
