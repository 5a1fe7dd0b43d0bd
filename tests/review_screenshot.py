"""The screenshots in the docs, of the review queue and of the Banco de Saberes:

    python -m tests.review_screenshot docs/revision-cola.png
    python -m tests.review_screenshot docs/banco.png "/banco?texto=integración&provincia=Carchi"

Runs the two samples of raw/ (the scanned PDF and the old OCR text) into a temporary folder,
serves the review site over it and has Debian's Chromium take the page at PATH (default: the
queue) at 1280×800. The browser tests start their servers and browser the same way
(`serving`, `chromium`).
"""
from __future__ import annotations

import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from pipeline.batch import run
from pipeline.review.app import create_app

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = [ROOT / "raw" / "catalogo_muestra_escaneado.pdf", ROOT / "raw" / "catalogo_oim_ocr_antiguo.txt"]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
"""Headless in a container as root, and nothing fetched in the background."""
VIEWPORT = {"width": 1280, "height": 800}


@contextmanager
def serving(out_dir: Path) -> Iterator[str]:
    """The review page over OUT on a free local port, served from a thread; yields its address."""
    server = make_server("127.0.0.1", 0, create_app(out_dir), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="review-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def chromium(playwright):
    """Debian's Chromium (Playwright's own browser builds are not installed)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def screenshot(target: Path, path: str = "/") -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        run(SAMPLES, out)
        with serving(out) as address, sync_playwright() as playwright:
            browser = chromium(playwright)
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(address + path)
            target.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(target))
            browser.close()


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print("usage: python -m tests.review_screenshot OUT.png [PATH]", file=sys.stderr)
        return 1
    if not CHROMIUM.exists():
        print(f"tests.review_screenshot: {CHROMIUM} not found (apt-get install chromium)", file=sys.stderr)
        return 3
    screenshot(Path(argv[0]), *argv[1:])
    print(argv[0], file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
