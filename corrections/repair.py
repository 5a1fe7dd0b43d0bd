"""The OCR-repair stage: one line of legacy OCR text in, the repaired line and its repairs out.

Rules (the `rule` of each `Repair`), applied in this order:
- `code`: a ficha code written canonically (`BPI_AH` → `BP1_AH`, `LAl ISE` → `LA1_ISE`);
- `join`: a word OCR read in two pieces, joined (`ac tores` → `actores`, `pobla cion` →
  `población`) when the pieces read as no plausible pair of words (`de la`, `para lelo` stay);
- `token`: an acronym glued to a number (`COVIDI9` → `COVID19`), `0` for the word `o`, `y/0`;
- `word`: a word that is no valid Spanish form gets its accents, ñ or letters back
  (`poblacién` → `población`, `nifios` → `niños`); valid words are never touched;
- `split`: a function word glued to a word, split off (`paraincrementar` → `para incrementar`);
- `number`: 1-like characters in a number (`|5` → `15`; `Objetivo |:` → `Objetivo 1:`);
- `twin`: in a document whose OCR drops accents, a valid word gets the accents of its far
  more common twin (`practicas` → `prácticas`); needs the whole document (`Repairer.lines`).
All knowledge is in `data/` (see `data/README.md`); an ambiguous number is left as read.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from corrections.codes import CodeFixer
from corrections.lexicon import base_lexicon, skeleton
from corrections.numbers import NumberFixer
from corrections.tokens import TokenFixer
from corrections.words import Confusions, Joiners, Pieces, WordFixer
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
        self.words = WordFixer(lexicon, Confusions.load(), Joiners.load(), Pieces.load())
        self.numbers = NumberFixer()
        gap = self.words.pieces.max_gap
        self._pair = re.compile(rf"(?<![\w|&@])([^\W\d_]+)(?=( {{1,{gap}}})([^\W\d_]+)(?![\w|&@]))")
        """Two runs of letters apart by spaces only: the pieces a `join` may put together."""

    def line(self, text: str) -> tuple[str, tuple[Repair, ...]]:
        """The repaired line and every change made to it, in the order made."""
        text, code_repairs = self.codes.repair(text)
        text, join_repairs = self._joins(text)
        text, token_repairs = self.tokens.repair(text)
        text, word_repairs = self._words(text)
        text, number_repairs = self.numbers.repair(text)
        return text, tuple(code_repairs + join_repairs + token_repairs + word_repairs + number_repairs)

    def lines(self, texts: Iterable[str]) -> list[tuple[str, tuple[Repair, ...]]]:
        """The lines of one document, each repaired; then, if the document's OCR drops
        accents (most of its accented words needed them back), its accent twins too."""
        repaired = [self.line(text) for text in texts]
        if not self._accents_lost(repaired):
            return repaired
        out = []
        for text, repairs in repaired:
            text, twins = self._twins(text)
            out.append((text, repairs + tuple(twins)))
        return out

    def text(self, text: str) -> str:
        """A whole text, repaired as one document (line breaks kept as they are)."""
        return "\n".join(line for line, _ in self.lines(text.split("\n")))

    def _accents_lost(self, repaired: list[tuple[str, tuple[Repair, ...]]]) -> bool:
        accented = sum(1 for text, _ in repaired for word in WORD.findall(text) if _has_accent(word))
        restored = sum(1 for _, repairs in repaired for r in repairs if r.rule == "word" and _has_accent(r.after))
        conf = self.words.conf
        return accented >= conf.accent_loss_words and restored >= conf.accent_loss_share * accented

    def _twins(self, text: str) -> tuple[str, list[Repair]]:
        return self._each_word(text, lambda token: (self.words.twin(token), "twin"))

    def _joins(self, text: str) -> tuple[str, list[Repair]]:
        """Join repairs: two neighbouring runs of letters, apart by spaces only, that are one
        word OCR read in two pieces. Where a middle piece could join either neighbour
        ("de mo vilidad", "La cre ación"), the likelier reading of the three wins."""
        pairs = [(m.start(), m[1], len(m[2]), m[3]) for m in self._pair.finditer(text)]
        if not pairs:
            return text, []
        joins = [self.words.join(left, right) for _, left, _, right in pairs]
        if not any(joins):
            return text, []
        skip = [m.span() for m in URL.finditer(text)]  # URLs and e-mail addresses stay as read
        joins = [None if any(a < start + len(left) + gap + len(right) and start < b for a, b in skip) else joined
                 for (start, left, gap, right), joined in zip(pairs, joins)]
        repairs: list[Repair] = []
        out, pos = [], 0
        for i, (start, left, gap, right) in enumerate(pairs):
            joined = joins[i]
            if joined is None or start < pos:  # no join, or its left piece went to the last one
                continue
            middle = start + len(left) + gap
            if i + 1 < len(pairs) and joins[i + 1] is not None and pairs[i + 1][0] == middle:
                later, after = joins[i + 1], pairs[i + 1][3]
                if self._reading(later, left) > self._reading(joined, after):
                    continue
            end = middle + len(right)
            repairs.append(Repair(text[start:end], joined, "join"))
            out.append(text[pos:start] + joined)
            pos = end
        return "".join(out) + text[pos:], repairs

    def _reading(self, joined: str, piece: str) -> float:
        """How likely three pieces read as `joined` beside `piece` (a fragment counts 0)."""
        return self.words.lexicon.zipf(joined.lower()) + (self.words.readable(piece) or 0.0)

    def _words(self, text: str) -> tuple[str, list[Repair]]:
        """Word and split repairs."""
        def fix(token: str) -> tuple[str | None, str]:
            fixed = self.words.fix(token)
            if fixed is not None:
                return fixed, "word"
            parts = self.words.split(token)
            return (" ".join(parts) if parts else None), "split"

        return self._each_word(text, fix)

    def _each_word(self, text: str, fix) -> tuple[str, list[Repair]]:
        """`fix` applied to each word token (it gives the new text or None, and its rule);
        URLs and e-mail addresses are left as read."""
        skip = [m.span() for m in URL.finditer(text)]
        repairs: list[Repair] = []

        def one(m: re.Match[str]) -> str:
            token = m[0]
            if not self.words.wordlike(token) or any(a <= m.start() < b for a, b in skip):
                return token
            fixed, rule = fix(token)
            if fixed is None:
                return token
            repairs.append(Repair(token, fixed, rule))
            return fixed

        return WORD.sub(one, text), repairs


def _has_accent(word: str) -> bool:
    return skeleton(word) != word.lower()


@lru_cache(maxsize=1)
def default_repairer() -> Repairer:
    """The repairer with the default prefixes and areas and no extra domain words."""
    return Repairer()
