"""The Spanish lexicon the repairer trusts: which forms are valid, and how common each is.

Validity comes from `data/es_forms.txt`, frequencies from wordfreq's Spanish list, as
prepared in `data/es_freq.txt` (both made by `build_lexicon.py`). Candidates are looked up by
*skeleton* (lowercase, accents and ñ/ü folded), because the OCR lost exactly those marks:
every valid word sharing the skeleton of a repaired reading is a candidate.

The prepared files are what a run reads: importing wordfreq, loading its lists and indexing
the forms by skeleton took ~1.1 s of every run's start; these load in ~0.2 s.
"""
from __future__ import annotations

import copy
import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path

from pipeline.files import read_yaml

DATA = Path(__file__).parent / "data"
FORMS = DATA / "es_forms.txt"
"""`skeleton<TAB>form form ...`: the valid forms, grouped by the key they are looked up by."""
SPANISH_FREQ = DATA / "es_freq.txt"
"""wordfreq's Spanish list: `n<TAB>words` for the words of frequency 10^(−n/100)."""
ENGLISH_ZIPF = DATA / "en_zipf.txt"
"""wordfreq's English list, its words of plain letters: `zipf<TAB>words`."""
PLAIN_WORD = re.compile(r"[a-záéíóúüñ]+")
"""A word wordfreq reads as itself, one token (NFC, lower case, no digit or mark to split or
fold): its frequency is the prepared lists' entry. Any other word is asked of wordfreq."""
DOMAIN_ZIPF = 3.0
"""Zipf frequency given to a domain word wordfreq barely knows: template words are expected."""


def data_yaml(name: str) -> dict:
    """A YAML file of `data/`."""
    return read_yaml(DATA / name)


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


def _columns(path: Path) -> Iterator[list[str]]:
    """The two tab-separated columns of each line of a prepared file, `#` lines skipped."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            yield line.split("\t")


@lru_cache(maxsize=1)
def spanish_frequencies() -> dict[str, float]:
    """wordfreq's Spanish "large" list, word → frequency, as its `get_frequency_dict` gives it."""
    freq: dict[str, float] = {}
    for centibels, words in _columns(SPANISH_FREQ):
        freq.update(dict.fromkeys(words.split(" "), 10 ** (-int(centibels) / 100)))
    return freq


@lru_cache(maxsize=1)
def _english_zipf() -> dict[str, float]:
    zipf: dict[str, float] = {}
    for value, words in _columns(ENGLISH_ZIPF):
        zipf.update(dict.fromkeys(words.split(" "), float(value)))
    return zipf


def load_languages(languages: Iterable[str]) -> None:
    """Load now the prepared list of each language (English: ~0.14 s), which would otherwise
    load at the first lookup: in the middle of a page's repair, after the OCR, where a run waits for it."""
    if "en" in languages:
        _english_zipf()


def zipf_frequency(word: str, lang: str) -> float:
    """`wordfreq.zipf_frequency(word, lang)`; an English word of plain letters from the prepared list."""
    if lang == "en" and PLAIN_WORD.fullmatch(word):
        return _english_zipf().get(word, 0.0)
    import wordfreq

    return wordfreq.zipf_frequency(word, lang)


def in_spanish_list(word: str) -> bool:
    """`wordfreq.zipf_frequency(word, "es") > 0`: Spanish text uses the word, however rarely."""
    if PLAIN_WORD.fullmatch(word):
        return word in spanish_frequencies()
    import wordfreq

    return wordfreq.zipf_frequency(word, "es") > 0


class Lexicon:
    """Valid Spanish forms (lowercase) with their Zipf frequency, indexed by skeleton.

    Domain words (template labels, place names) sit in an overlay, so a repairer with its
    own domain words shares the big base tables instead of copying them.
    """

    def __init__(self, index: Mapping[str, str], freq: Mapping[str, float]) -> None:
        """`index`: skeleton → the valid forms with it, space-separated (kept so: splitting
        145,000 groups at load costs more than splitting those looked up)."""
        self._index = index
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
            if not self._is_form(low):
                self._domain_index.setdefault(skeleton(low), []).append(low)

    def _unaccented(self, word: str) -> bool:
        """`word` is a known word with its accents lost ("util", "economico"): OCR's spelling,
        not the domain's, so it must not become valid."""
        return (not self._is_form(word) and word == skeleton(word)
                and bool(self._index.get(word) or self._domain_index.get(word)))

    def is_valid(self, word: str) -> bool:
        """`word` (lowercase) is a real form: such a word is never changed."""
        return word in self._domain or self._is_form(word)

    def _is_form(self, word: str) -> bool:
        """`word` is one of the shipped forms, looked up among those sharing its skeleton: a set
        of all 164,000 forms would hold 21 MB more, in runs whose peak is near 500 MB."""
        forms = self._index.get(skeleton(word))
        return forms is not None and f" {word} " in f" {forms} "

    def candidates(self, key: str) -> list[str]:
        """Every valid form whose skeleton is `key`."""
        forms = self._index.get(key)
        return (forms.split(" ") if forms else []) + self._domain_index.get(key, [])

    @functools.cached_property
    def top_zipf(self) -> float:
        """The zipf of the most common word: no word is more common."""
        return max([to_zipf(max(self._freq.values(), default=0.0)), *self._domain.values()])

    def zipf(self, word: str) -> float:
        """How common `word` (lowercase) is; domain words count as common."""
        return self._domain.get(word) or to_zipf(self._freq.get(word, 0.0))


@lru_cache(maxsize=1)
def base_lexicon() -> Lexicon:
    """The shipped lexicon, loaded once: it is the expensive part (~0.2 s)."""
    index = dict(_columns(FORMS))
    return Lexicon(index, spanish_frequencies()).with_domain(data_words("domain_es.txt"))
