"""Fixtures shared by the browser tests of the review and Banco de Saberes pages."""
import pytest

from tests.review_screenshot import VIEWPORT, chromium


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium under Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = chromium(playwright)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    """A fresh page (own cookies, downloads allowed) whose dialogs are dismissed and kept in `page.dialogs`."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    opened.dialogs = dialogs
    yield opened
    context.close()
