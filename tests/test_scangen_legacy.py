"""Legacy OCR text: the real `tesseract -l eng` over one small rendered ficha, as the old dumps were made."""
from __future__ import annotations

import random
import re
import shutil

import pytest

from tests.scangen import render_legacy
from tests.scangen.legacy import join_pages
from tests.test_scangen import pick

ACCENTED = re.compile(r"[áéíóúñÁÉÍÓÚÑ]")


def seed_way(seed: int) -> bool:
    """True when the seed joins pages the seed dump's way (no form feeds)."""
    return random.Random(f"{seed}:legacy").random() >= 0.5


def test_join_pages_the_seed_way():
    """First line of each page opens with one space; other leading spaces and form feeds go."""
    assert join_pages(["\n  Hallazgo\n  La emergencia\n\n", "sanitaria\n   incrementó\n"], False) == (
        " Hallazgo\nLa emergencia\n sanitaria\nincrementó\n")


def test_join_pages_with_form_feeds():
    """Tesseract's own multi-page output: pages as read, separated by form feeds."""
    assert join_pages(["  a\n\n", "b\n"], True) == "  a\n\n\fb\n"


@pytest.fixture(scope="module")
def legacy(tmp_path_factory):
    """BP8_PC (the smallest ficha) in a dev family, clean scan, read once into a private cache."""
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract not installed")
    root = tmp_path_factory.mktemp("legacy")
    seed = next(s for s in range(20) if seed_way(s))
    records = pick("PC", "BP8_PC")
    result = render_legacy(records, [], root / "bp8.txt", family="informe", seed=seed, cache_dir=root / "cache")
    return records, seed, result, root


def test_legacy_text_has_the_damage_of_no_spanish_data(legacy):
    """Plain words come through, accented ones mostly do not (poblacién, nifios); pages are joined
    the seed dump's way."""
    _, _, result, _ = legacy
    text = result.path.read_text("utf-8")
    assert "\f" not in text
    assert sum(line.startswith(" ") for line in text.split("\n")) == len(result.page_texts) >= 2
    truth = [w.strip(".,:;()") for page in result.page_texts for w in page.split()]
    read = {w.strip(".,:;()") for w in text.split()}
    accented = [w for w in truth if ACCENTED.search(w) and len(w) >= 5]
    plain = [w for w in truth if w.isascii() and w.isalpha() and len(w) >= 6]
    assert len(accented) >= 30 and len(plain) >= 100
    assert sum(w in read for w in accented) / len(accented) < 0.6
    assert sum(w in read for w in plain) / len(plain) > 0.85


def test_legacy_text_is_cached(legacy, tmp_path, monkeypatch):
    records, seed, first, root = legacy

    def no_ocr(*_args):
        raise AssertionError("read again instead of using the cache")

    monkeypatch.setattr("tests.scangen.legacy.ocr_scan", no_ocr)
    again = render_legacy(records, [], tmp_path / "again.txt", family="informe", seed=seed,
                          cache_dir=root / "cache")
    assert again.path.read_text("utf-8") == first.path.read_text("utf-8") and again.page_texts == first.page_texts


def test_legacy_needs_a_scan(tmp_path):
    with pytest.raises(ValueError, match="scan level"):
        render_legacy(pick("PC", "BP8_PC"), [], tmp_path / "x.txt", family="informe", seed=0, level="digital")
