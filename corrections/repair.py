"""The OCR-repair stage: one line of legacy OCR text in, the repaired line and its repairs out.

Rules (the `rule` of each `Repair`), applied in this order:
- `code`: a ficha code written canonically (`BPI_AH` → `BP1_AH`, `LAl ISE` → `LA1_ISE`);
- `token`: an acronym glued to a number (`COVIDI9` → `COVID19`), `0` for the word `o`, `y/0`;
- `word`: a word that is no valid Spanish form gets its accents, ñ or letters back
  (`poblacién` → `población`, `nifios` → `niños`); valid words are never touched;
- `split`: a function word glued to a word, split off (`paraincrementar` → `para incrementar`);
- `number`: 1-like characters in a number (`|5` → `15`; `Objetivo |:` → `Objetivo 1:`).
All knowledge is in `data/` (see `data/README.md`); an ambiguous number is left as read.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from corrections.codes import CodeFixer
from corrections.lexicon import base_lexicon
from corrections.numbers import NumberFixer
from corrections.tokens import TokenFixer
from corrections.words import Confusions, Joiners, WordFixer
from pipeline.records import Repair

WORD = re.compile(r"(?<![\w|&@])(?:[^\W_]|[|&@])+(?![\w|&@])")
"""A run of letters, digits and the glyphs OCR puts for letters (`|`, `&`, `@`), not part of a code."""
URL = re.compile(r"\S*(?:://|www\.|\w@\w|\.(?:pdf|html?|com|org|net|gob|edu)\b)\S*", re.IGNORECASE)


class Repairer:
    """Repairs legacy OCR text line by line. Build it once: it holds the lexicon and its caches."""

    def __init__(self, prefixes: Iterable[str] = ("BP", "LA", "LN"),
                 areas: Iterable[str] = ("AH", "ISE", "PC", "PR", "GF", "ME", "AF", "GN"),
                 domain_words: Iterable[str] = ()) -> None:
        words = {w.strip(".,:;()/#¿?¡!\"“”") for phrase in domain_words for w in phrase.split()}
        lexicon = base_lexicon().with_domain(w for w in words if w)
        self.codes = CodeFixer(prefixes, areas)
        self.tokens = TokenFixer(lexicon)
        self.words = WordFixer(lexicon, Confusions.load(), Joiners.load())
        self.numbers = NumberFixer()

    def line(self, text: str) -> tuple[str, tuple[Repair, ...]]:
        """The repaired line and every change made to it, in the order made."""
        text, code_repairs = self.codes.repair(text)
        text, token_repairs = self.tokens.repair(text)
        text, word_repairs = self._words(text)
        text, number_repairs = self.numbers.repair(text)
        return text, tuple(code_repairs + token_repairs + word_repairs + number_repairs)

    def text(self, text: str) -> str:
        """A whole text, repaired line by line (line breaks kept as they are)."""
        return "\n".join(self.line(line)[0] for line in text.split("\n"))

    def _words(self, text: str) -> tuple[str, list[Repair]]:
        """Word and split repairs; URLs and e-mail addresses are left as read."""
        skip = [m.span() for m in URL.finditer(text)]
        repairs: list[Repair] = []

        def fix(m: re.Match[str]) -> str:
            token = m[0]
            if not self.words.wordlike(token) or any(a <= m.start() < b for a, b in skip):
                return token
            fixed = self.words.fix(token)
            if fixed is not None:
                repairs.append(Repair(token, fixed, "word"))
                return fixed
            parts = self.words.split(token)
            if parts is not None:
                joined = " ".join(parts)
                repairs.append(Repair(token, joined, "split"))
                return joined
            return token

        return WORD.sub(fix, text), repairs


@lru_cache(maxsize=1)
def default_repairer() -> Repairer:
    """The repairer with the default prefixes and areas and no extra domain words."""
    return Repairer()
