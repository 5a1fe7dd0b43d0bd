"""Text forms every stage compares in: folded (no case, no accents), squashed (letters and
digits only), and a value's leading OCR punctuation stripped.

Segmentation, label matching, entities and values all compare OCR text with what a template
or a gazetteer prints; they share these forms so that "CÓDIGO", "Codigo" and "codigo" are
one string to all of them.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


def fold(text: str) -> str:
    """Lower case without accents: the form labels and places are compared in."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def squash(text: str) -> tuple[str, list[int]]:
    """Letters and digits of `fold(text)`, with each one's index in `text`."""
    chars, index = [], []
    for i, ch in enumerate(text):
        for c in _squashed(ch):
            chars.append(c)
            index.append(i)
    return "".join(chars), index


@lru_cache(maxsize=4096)
def _squashed(ch: str) -> str:
    """One character's letters and digits once folded: squash runs over every line many times."""
    return "".join(c for c in fold(ch) if c.isalnum())


_LEADING_JUNK = re.compile(r"^[\s:;.,\-–—|_·•*)\]]+")


def strip_junk(text: str) -> str:
    """Drop the punctuation OCR leaves between a label and its value (': ', '- ', '. ')."""
    return _LEADING_JUNK.sub("", text).strip()
