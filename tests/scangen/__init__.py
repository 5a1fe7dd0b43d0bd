"""Scanned-catalogue generator: renders ficha records into catalogue-like PDFs for tests.

    from tests.scangen import render_pdf
    result = render_pdf(gold["fichas"], gold["resumen"], Path("x.pdf"), level="typical", seed=3,
                        family="boletin")
    result.page_texts  # ground truth per page, for CER

Families are house styles (fonts, running header and footer, banners, table rules, tick
boxes, number format); the seed draws the details inside one. `HELD_OUT_FAMILY` is kept out
of all tuning of the extractor. Levels: `digital` (text layer), `clean`, `typical`, `poor`
(image-only scans). `render_legacy` OCRs a scan the way the old dumps were made (Tesseract
without Spanish data). CLI: `python -m tests.scangen --gold tests/data/gold/AH.json
--family memoria --level typical --out x.pdf [--legacy x.txt]`.
"""
from .degrade import LEVELS
from .legacy import LegacyResult, render_legacy
from .render import DEFAULT_CACHE, RenderResult, ScanLevel, generator_version, render_pdf
from .style import HELD_OUT_FAMILY, HOUSE_STYLES

FAMILIES: tuple[str, ...] = tuple(HOUSE_STYLES)
"""The family names, `catalogo` (the original look) first."""

__all__ = ["DEFAULT_CACHE", "FAMILIES", "HELD_OUT_FAMILY", "LEVELS", "LegacyResult", "RenderResult", "ScanLevel",
           "generator_version", "render_legacy", "render_pdf"]
