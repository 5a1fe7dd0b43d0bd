"""Fixtures shared by the browser tests of the review and Banco de Saberes pages."""
import pytest

from tests.review_screenshot import chromium


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium under Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = chromium(playwright)
        yield launched
        launched.close()
