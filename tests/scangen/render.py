"""Public entry point: records → digital or scanned PDF plus the printed page texts, cached."""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from .content import document_blocks
from .degrade import LEVELS, scan_pdf
from .layout import render_blocks
from .style import HOUSE_STYLES, style_for

ScanLevel = Literal["digital", "clean", "typical", "poor"]
DEFAULT_CACHE = Path(__file__).resolve().parents[1] / ".cache" / "scangen"


@dataclass(frozen=True)
class RenderResult:
    """The written PDF and, per page, the text as printed (reading order, table rows "label value")."""

    path: Path
    page_texts: list[str]
    level: str
    dpi: int | None  # raster resolution of a scanned PDF; None for the digital one


@cache
def generator_version() -> str:
    """Hash of the generator's own sources: any change to them invalidates the cache."""
    h = hashlib.sha256()
    folder = Path(__file__).parent
    for f in sorted([*folder.glob("*.py"), *folder.glob("*.yml")]):
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()[:16]


def printed(records: list[dict]) -> list[dict]:
    """Records without the gold files' bookkeeping keys (`_lines`, `_notes`), which are not printed."""
    return [{k: v for k, v in r.items() if not k.startswith("_")} for r in records]


def cache_key(records: list[dict], resumen: list[dict], *params: object) -> str:
    """Key of one rendering: its inputs, its parameters (level, seed, family, …) and generator version."""
    inputs = [printed(records), resumen, *params, generator_version()]
    payload = json.dumps(inputs, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


@contextmanager
def entry_for(cache_dir: Path | None, key: str, fill: Callable[[Path], None]) -> Iterator[Path]:
    """The folder holding one rendering: the cached one, or `fill`ed now (and only for now if no cache)."""
    if cache_dir is None:
        with tempfile.TemporaryDirectory() as tmp:
            entry = Path(tmp) / "entry"
            entry.mkdir()
            fill(entry)
            yield entry
        return
    entry = Path(cache_dir) / key
    if not entry.is_dir():
        entry.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=entry.parent) as tmp:
            built = Path(tmp) / "entry"
            built.mkdir()
            fill(built)
            try:
                built.rename(entry)  # atomic: a reader never sees half an entry
            except OSError:  # a concurrent run stored the same entry first
                pass
    yield entry


def render_pdf(
    records: list[dict],
    resumen: list[dict],
    out: Path,
    *,
    level: ScanLevel = "digital",
    seed: int = 0,
    family: str = "catalogo",
    cache_dir: Path | None = DEFAULT_CACHE,
) -> RenderResult:
    """Render fichas (gold JSON format) and their summary rows to `out` in a family's house style.

    `digital` keeps the text layer; the other levels are image-only scans. The same inputs,
    family and seed give the same pixels and bytes. `cache_dir=None` always renders afresh.
    """
    if level != "digital" and level not in LEVELS:
        raise ValueError(f"unknown level {level!r}: digital, {', '.join(LEVELS)}")
    if family not in HOUSE_STYLES:
        raise ValueError(f"unknown family {family!r}: {', '.join(HOUSE_STYLES)}")
    out, dpi = Path(out), (LEVELS[level].dpi if level in LEVELS else None)
    key = cache_key(records, resumen, level, seed, family)
    with entry_for(cache_dir, key, lambda entry: build(entry, records, resumen, level, seed, family)) as entry:
        return finish(entry, out, level, dpi)


def build(entry: Path, records: list[dict], resumen: list[dict], level: str, seed: int, family: str) -> None:
    """Render into the folder `entry`: doc.pdf and texts.json."""
    style = style_for(seed, family)
    digital = entry / ("doc.pdf" if level == "digital" else "digital.pdf")
    texts = render_blocks(document_blocks(printed(records), resumen, seed, style), str(digital), style)
    if level != "digital":
        scan_pdf(digital, entry / "doc.pdf", level, seed)
        digital.unlink()
    (entry / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), "utf-8")


def finish(entry: Path, out: Path, level: str, dpi: int | None) -> RenderResult:
    """Copy a rendered entry to `out` and read its page texts back."""
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(entry / "doc.pdf", out)
    texts = json.loads((entry / "texts.json").read_text("utf-8"))
    return RenderResult(out, texts, level, dpi)
