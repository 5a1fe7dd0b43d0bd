"""The soak's batch: N documents drawn from a seed, as an archive of old catalogues looks.

Mostly legacy OCR text of 1–4 fichas, cut from the real dump (tests/data/seeds/000) and from
scangen's `tesseract -l eng` readings of the unseen fichas; a few narrative texts without
fichas; a few small scanned PDFs (1–2 pages) to make the OCR stage part of the soak; and
broken files of every kind a user drops into a folder. Every readable file differs from the
others (a numbered first line), so no two documents share a result file. The same seed gives
the same bytes: scans come from scangen's cache (tests/.cache/scangen), pages are dropped
with a fixed PDF id.
"""
from __future__ import annotations

import hashlib
import io
import json
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from PIL import Image

from tests.scangen import render_legacy, render_pdf

DATA = Path(__file__).resolve().parents[1] / "data"
SEEDS = DATA / "seeds"
UNSEEN = DATA / "unseen"
REAL_DUMP = SEEDS / "000_b033b46dcbce62bb.part1.txt"
CLEAN_COPIES = (SEEDS / "001_ce2a060a3a93c4fe.txt", SEEDS / "002_585bf2afbf18c63f.txt")
NARRATIVES = (SEEDS / "003_9295ad3f06c28057.txt", SEEDS / "004_139d8a3b926dea77.txt")
LEGACY_RENDERS = (("AF", "catalogo"), ("GF", "memoria"), ("GN", "boletin"), ("ME", "informe"))
"""Unseen areas read the legacy way, one per development family: fixed, so scangen's cache
serves every soak seed (~26 pages of `tesseract -l eng` the first time)."""
LEGACY_SEED = 1

CODE_LINE = re.compile(r"^\s*Cc?ODIGO\b")
"""The CÓDIGO header of a ficha as the dumps read it (CODIGO, CcODIGO); the summary table's
mixed-case "Codigo Descripcion" is not one."""
PAGE_START = re.compile(r"^ (?=\S)")
"""The dump's page start: a first line opening with one space (`pipeline.ingest`)."""

BROKEN_KINDS = ("truncated-pdf", "empty", "html-as-pdf", "binary-txt", "utf16-txt", "cp1252-txt",
                "text-as-png", "truncated-png")
"""cp1252-txt is read (with a warning), a truncated PDF is what the PDF reader can repair of it
(often pages without text); the others fail with a one-line reason."""


@dataclass(frozen=True)
class Doc:
    path: Path
    kind: str
    """legacy, clean, narrative, scan, or broken:<one of BROKEN_KINDS>."""


@dataclass(frozen=True)
class Source:
    """A legacy text cut into its fichas: `intro` before the first one (front matter, summary table)."""

    name: str
    intro: list[str]
    fichas: list[list[str]]


def ficha_blocks(name: str, text: str) -> Source:
    """Cut a dump before each ficha's ÁREA header (the line with CORRESPONDE up to 3 lines above
    its CÓDIGO line, or the CÓDIGO line itself)."""
    lines = text.split("\n")
    starts: list[int] = []
    for i, line in enumerate(lines):
        if CODE_LINE.match(line):
            floor = starts[-1] + 1 if starts else 0
            starts.append(next((j for j in range(i - 1, max(i - 4, floor - 1), -1) if "CORRESPONDE" in lines[j]), i))
    bounds = starts + [len(lines)]
    return Source(name, lines[:starts[0]], [lines[a:b] for a, b in zip(bounds, bounds[1:])])


def legacy_sources(cache: Path) -> list[Source]:
    """The real dump and scangen's legacy readings of the unseen areas (rendered once, then cached)."""
    sources = [ficha_blocks(REAL_DUMP.name, REAL_DUMP.read_text("utf-8"))]
    for area, family in LEGACY_RENDERS:
        gold = json.loads((UNSEEN / f"{area}.json").read_text("utf-8"))
        text = render_legacy(gold["fichas"], gold["resumen"], cache / f"legacy-{area}-{family}.txt",
                             family=family, seed=LEGACY_SEED, level="typical").path.read_text("utf-8")
        sources.append(ficha_blocks(f"{area}/{family}", text))
    return sources


def unseen_fichas() -> list[tuple[dict, list[dict]]]:
    """Every unseen ficha with its summary row."""
    fichas = []
    for path in sorted(UNSEEN.glob("*.json")):
        gold = json.loads(path.read_text("utf-8"))
        fichas += [(f, [r for r in gold["resumen"] if r["codigo"] == f["codigo"]]) for f in gold["fichas"]]
    return fichas


def counts(docs: int) -> dict[str, int]:
    """How many documents of each kind: ~1 % scans, ~3 % broken (every kind at least once), ~4 % narrative."""
    scans = max(1, round(docs * 0.012))
    broken = max(len(BROKEN_KINDS), round(docs * 0.03))
    narrative = max(1, round(docs * 0.04))
    clean = max(1, round(docs * 0.02))
    legacy = docs - scans - broken - narrative - clean
    if legacy < 1:
        raise ValueError(f"--docs {docs}: too few for every kind (at least {docs - legacy + 1})")
    return {"legacy": legacy, "clean": clean, "narrative": narrative, "scan": scans, "broken": broken}


def generate(folder: Path, docs: int, seed: int, cache: Path) -> list[Doc]:
    """Write the batch into `folder` (emptied first) and return its documents in path order."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    cache.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"soak:{seed}")
    kinds = [kind for kind, n in counts(docs).items() for _ in range(n)]
    rng.shuffle(kinds)
    sources = legacy_sources(cache)
    scan_files = [_scan(rng, cache, n) for n in range(kinds.count("scan"))]
    scans = iter(scan_files)
    texts = {"legacy": lambda n: _legacy(rng, n, sources), "clean": lambda n: _clean(rng, n),
             "narrative": lambda n: _narrative(rng, n)}
    broken = iter(BROKEN_KINDS[i % len(BROKEN_KINDS)] for i in range(kinds.count("broken")))
    made: list[Doc] = []
    for number, kind in enumerate(kinds):
        if kind == "scan":
            made.append(_write(folder / f"{number:04d}-scan.pdf", next(scans).read_bytes(), kind))
        elif kind == "broken":
            what = next(broken)
            name, data = _broken(rng, what, number, sources, scan_files)
            made.append(_write(folder / f"{number:04d}-{name}", data, f"broken:{what}"))
        else:
            text = _variant(rng, texts[kind](number))
            made.append(_write(folder / f"{number:04d}-{kind}.txt", text.encode("utf-8"), kind))
    _check_distinct(made)
    return made


def _write(path: Path, data: bytes, kind: str) -> Doc:
    path.write_bytes(data)
    return Doc(path, kind)


def _marker(number: int) -> str:
    return f"Copia {number:04d} del Catálogo de Lecciones Aprendidas y Buenas Prácticas"


def _legacy(rng: random.Random, number: int, sources: list[Source]) -> str:
    """1–4 consecutive fichas of one dump (small runs more often), with its intro when cut from the start."""
    source = sources[0] if rng.random() < 0.6 else rng.choice(sources[1:])
    size = min(rng.choice((1, 1, 2, 2, 3, 4)), len(source.fichas))
    start = rng.randrange(len(source.fichas) - size + 1)
    lines = (source.intro if start == 0 else []) + [line for ficha in source.fichas[start:start + size] for line in ficha]
    return "\n".join([_marker(number), *lines])


def _clean(rng: random.Random, number: int) -> str:
    """A clean digital copy of one ficha (seeds 001, 002)."""
    return _marker(number) + "\n" + rng.choice(CLEAN_COPIES).read_text("utf-8")


def _narrative(rng: random.Random, number: int) -> str:
    """A stretch of a guide that holds no ficha: read, `sin_fichas`."""
    lines = rng.choice(NARRATIVES).read_text("utf-8").split("\n")
    size = rng.randint(20, 150)
    start = rng.randrange(max(1, len(lines) - size))
    return "\n".join([_marker(number), *lines[start:start + size]])


def _variant(rng: random.Random, text: str) -> str:
    """The ways old dumps were saved: pages by leading space or by form feed, Unix or Windows lines."""
    if rng.random() < 0.25:
        text = "\n".join(("\f" + line[1:]) if i and PAGE_START.match(line) else line
                         for i, line in enumerate(text.split("\n")))
    if rng.random() < 0.1:
        text = text.replace("\n", "\r\n")
    return text


def _scan(rng: random.Random, cache: Path, number: int) -> Path:
    """One unseen ficha printed and scanned (clean or typical, any family), kept whole (2 pages) or
    its first page only; cached under `cache`, named by what made it."""
    fichas = unseen_fichas()
    record, rows = fichas[rng.randrange(len(fichas))]
    level = rng.choice(("clean", "typical"))
    family = rng.choice(("catalogo", "boletin", "memoria", "informe", "anuario"))
    scan_seed, pages = rng.randrange(1000), rng.choice((1, 2))
    path = cache / f"scan-{record['codigo']}-{level}-{family}-{scan_seed}-{pages}p.pdf"
    if not path.exists():
        full = render_pdf([record], rows, cache / f"full-{number}.pdf", level=level, seed=scan_seed, family=family)
        with pikepdf.open(full.path) as pdf:
            del pdf.pages[pages:]
            pdf.save(path.with_suffix(".part"), deterministic_id=True)
        path.with_suffix(".part").rename(path)
        full.path.unlink()
    return path


def _broken(rng: random.Random, what: str, number: int, sources: list[Source], scans: list[Path]) -> tuple[str, bytes]:
    """A file name and its bytes for one kind of broken document."""
    if what == "truncated-pdf":
        data = rng.choice(scans).read_bytes()
        return "truncated.pdf", data[:int(len(data) * rng.uniform(0.2, 0.8))]
    if what == "empty":
        return rng.choice(("empty.pdf", "empty.txt")), b""
    if what == "html-as-pdf":
        return "download.pdf", (f"<html><head><title>404 Not Found</title></head><body>catalogo-{number}.pdf "
                                "was not found on this server.</body></html>").encode()
    if what == "binary-txt":
        return "binary.txt", b"\x00\x01" + rng.randbytes(4096)
    if what == "utf16-txt":
        return "utf16.txt", _legacy(rng, number, sources).encode("utf-16")
    if what == "cp1252-txt":
        return "cp1252.txt", _legacy(rng, number, sources).encode("cp1252", errors="replace")
    if what == "text-as-png":
        return "page.png", f"page {number} of the catalogue: this is text, not an image\n".encode()
    if what == "truncated-png":
        image = io.BytesIO()
        Image.frombytes("L", (400, 560), rng.randbytes(400 * 560)).save(image, "PNG")
        return "page.png", image.getvalue()[:image.tell() // 2]
    raise ValueError(what)


def _check_distinct(docs: list[Doc]) -> None:
    """No two readable documents alike: each has its own result file, as the soak compares them."""
    seen: dict[str, Path] = {}
    for doc in docs:
        if doc.kind.startswith("broken"):
            continue
        digest = hashlib.sha256(doc.path.read_bytes()).hexdigest()
        if digest in seen:
            raise AssertionError(f"{doc.path.name} and {seen[digest].name} are the same file")
        seen[digest] = doc.path
