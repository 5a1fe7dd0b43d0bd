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


@lru_cache(maxsize=8192)
def squash(text: str) -> tuple[str, tuple[int, ...]]:
    """Letters and digits of `fold(text)`, with each one's index in `text`. Cached: label
    matching squashes each line, and each label's words, again for every label it tries."""
    chars, index = [], []
    for i, ch in enumerate(text):
        for c in _squashed(ch):
            chars.append(c)
            index.append(i)
    return "".join(chars), tuple(index)


@lru_cache(maxsize=4096)
def _squashed(ch: str) -> str:
    """One character's letters and digits once folded: squash runs over every line many times."""
    return "".join(c for c in fold(ch) if c.isalnum())


_LEADING_JUNK = re.compile(r"^[\s:;.,\-–—|_·•*)\]]+")


def strip_junk(text: str) -> str:
    """Drop the punctuation OCR leaves between a label and its value (': ', '- ', '. ')."""
    return _LEADING_JUNK.sub("", text).strip()


_CLOSERS = {"(": ")", "[": "]", "¿": "?", "¡": "!", "“": "”", '"': '"', "«": "»", "'": "'"}
MAX_LEADING_MARKS = 3


def strip_marks(value: str) -> str:
    """Drop the bullets and specks OCR reads at a value's start (`o `, `• `, `( `, `¡`, `L "`).

    A token standing alone before the value's first word is a mark when it has no letter or
    digit (an opening sign counts only if the value never closes it), or when it is one letter
    before a capital or a sign: no value opens with a lone conjunction or article.
    """
    tokens = value.split(" ")
    for _ in range(MAX_LEADING_MARKS):
        if len(tokens) < 2 or not tokens[0]:
            break
        first, rest = tokens[0], " ".join(tokens[1:])
        if not any(c.isalnum() for c in first):
            closer = _CLOSERS.get(first[-1])
            if closer is not None and closer in rest:
                break
        elif not (len(first) == 1 and first.isalpha() and not rest[:1].islower()):
            break
        tokens = tokens[1:]
    return " ".join(tokens)
