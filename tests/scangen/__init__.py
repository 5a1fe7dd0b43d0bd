"""Scanned-catalogue generator: renders ficha records into catalogue-like PDFs for tests.

    from tests.scangen import render_pdf
    result = render_pdf(gold["fichas"], gold["resumen"], Path("x.pdf"), level="typical", seed=3)
    result.page_texts  # ground truth per page, for CER

Levels: `digital` (text layer), `clean`, `typical`, `poor` (image-only scans).
CLI: `python -m tests.scangen --gold tests/data/gold/AH.json --level typical --out x.pdf`.
"""
from .degrade import LEVELS
from .render import DEFAULT_CACHE, RenderResult, ScanLevel, generator_version, render_pdf

__all__ = ["DEFAULT_CACHE", "LEVELS", "RenderResult", "ScanLevel", "generator_version", "render_pdf"]
