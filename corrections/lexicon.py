"""The Spanish lexicon the repairer trusts: which forms are valid, and how common each is.

Validity comes from `data/es_forms.txt` (see `build_lexicon.py`), frequencies from
wordfreq's Spanish list. Candidates are looked up by *skeleton* (lowercase, accents and
ñ/ü folded), because the OCR lost exactly those marks: every valid word sharing the
skeleton of a repaired reading is a candidate.
"""
from __future__ import annotations

import copy
import functools
import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import wordfreq
import yaml

DATA = Path(__file__).parent / "data"
DOMAIN_ZIPF = 3.0
"""Zipf frequency given to a domain word wordfreq barely knows: template words are expected."""


def data_yaml(name: str) -> dict:
    """A YAML file of `data/`."""
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def data_words(name: str) -> list[str]:
    """A plain word list of `data/`: one entry a line, `#` starts a comment."""
    lines = (line.split("#", 1)[0].strip() for line in (DATA / name).read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def skeleton(text: str) -> str:
    """Lowercase without accents, ñ as n, ü as u: what survives an OCR without Spanish data."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def to_zipf(freq: float) -> float:
    """wordfreq's Zipf scale: log10 of occurrences per billion words (0 when unseen)."""
    return math.log10(freq) + 9 if freq > 0 else 0.0


class Lexicon:
    """Valid Spanish forms (lowercase) with their Zipf frequency, indexed by skeleton.

    Domain words (template labels, place names) sit in an overlay, so a repairer with its
    own domain words shares the big base tables instead of copying them.
    """

    def __init__(self, forms: Iterable[str], freq: Mapping[str, float]) -> None:
        self._valid = frozenset(forms)
        index: dict[str, list[str]] = defaultdict(list)
        for word in self._valid:
            index[skeleton(word)].append(word)
        self._index = dict(index)
        self._freq = freq
        self._domain: dict[str, float] = {}
        self._domain_index: dict[str, list[str]] = {}

    def with_domain(self, words: Iterable[str]) -> Lexicon:
        """This lexicon plus `words`: they become valid forms and candidates."""
        clone = copy.copy(self)
        clone._domain = dict(self._domain)
        clone._domain_index = {key: list(forms) for key, forms in self._domain_index.items()}
        clone._add_domain(words)
        return clone

    def _add_domain(self, words: Iterable[str]) -> None:
        for word in sorted(words, key=lambda w: w == skeleton(w)):  # accented spellings first
            low = word.lower()
            if not low.isalpha() or low in self._domain or self._unaccented(low):
                continue
            self._domain[low] = max(DOMAIN_ZIPF, to_zipf(self._freq.get(low, 0.0)))
            if low not in self._valid:
                self._domain_index.setdefault(skeleton(low), []).append(low)

    def _unaccented(self, word: str) -> bool:
        """`word` is a known word with its accents lost ("util", "economico"): OCR's spelling,
        not the domain's, so it must not become valid."""
        return (word not in self._valid and word == skeleton(word)
                and bool(self._index.get(word) or self._domain_index.get(word)))

    def is_valid(self, word: str) -> bool:
        """`word` (lowercase) is a real form: such a word is never changed."""
        return word in self._valid or word in self._domain

    def candidates(self, key: str) -> list[str]:
        """Every valid form whose skeleton is `key`."""
        return self._index.get(key, []) + self._domain_index.get(key, [])

    @functools.cached_property
    def top_zipf(self) -> float:
        """The zipf of the most common word: no word is more common."""
        return max([to_zipf(max(self._freq.values(), default=0.0)), *self._domain.values()])

    def zipf(self, word: str) -> float:
        """How common `word` (lowercase) is; domain words count as common."""
        return self._domain.get(word) or to_zipf(self._freq.get(word, 0.0))


@lru_cache(maxsize=1)
def base_lexicon() -> Lexicon:
    """The shipped lexicon, loaded once: it is the expensive part (~0.6 s)."""
    freq = wordfreq.get_frequency_dict("es", "large")
    return Lexicon(data_words("es_forms.txt"), freq).with_domain(data_words("domain_es.txt"))
