"""Word repairs: give back the accents, ñ and letters a legacy OCR without Spanish data lost.

A token that is a valid form is never touched (a stock spell checker "corrects" valid
plurals and verb forms and makes the text worse). Only an invalid token gets candidates:
the OCR confusions of `data/confusions.yml`, looked up by skeleton in the lexicon, and
picked by frequency minus the cost of the confusions they assume.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from corrections.lexicon import Lexicon, data_yaml, load_languages, skeleton, zipf_frequency

Site = tuple[int, int, str, float]
"""A substitution the token allows: (start, end, replacement, cost)."""
Hints = tuple[tuple[int, str], ...]
"""Positions of a reading where the candidate must carry exactly this accented letter."""
ROMAN = re.compile(r"^(?=[ivxlc]+$)c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
"""List numbering (ii, iii, xiv), which is no misread word."""
CACHE_LIMIT = 200_000


@dataclass(frozen=True)
class Confusions:
    """The OCR confusions and scoring knobs of `data/confusions.yml`."""

    substitutions: dict[str, dict[str, float]]
    max_edits: int
    edit_weight: float
    margin: float
    min_zipf: float
    min_zipf_accents: float
    min_length: int
    short_length: int
    caps_max_edits: int
    upper_like: str
    foreign_languages: tuple[str, ...]
    foreign_zipf: float
    twin_margin: float
    accent_loss_share: float
    accent_loss_words: int

    @classmethod
    def load(cls, name: str = "confusions.yml") -> Confusions:
        raw = data_yaml(name)
        subs = {str(k).lower(): {str(t): float(c) for t, c in v.items()} for k, v in raw.pop("substitutions").items()}
        raw["foreign_languages"] = tuple(raw["foreign_languages"])
        return cls(substitutions=subs, **raw)


@dataclass(frozen=True)
class Joiners:
    """Function words OCR glues to a neighbour (`data/joiners.yml`)."""

    before: frozenset[str]
    after: frozenset[str]
    min_other: int
    before_min_zipf: float
    after_min_zipf: float

    @classmethod
    def load(cls, name: str = "joiners.yml") -> Joiners:
        raw = data_yaml(name)
        return cls(frozenset(raw.pop("before")), frozenset(raw.pop("after")), **raw)

    def allows(self, left: str, right: str, capitalised: bool) -> float | None:
        """The zipf the non-joiner side must reach for `left|right` to be split, or None."""
        if left in self.before:
            other, floor = right, self.before_min_zipf
        elif right in self.after and not capitalised:
            other, floor = left, self.after_min_zipf
        else:
            return None
        if other in self.before or other in self.after:
            return 0.0
        return floor if len(other) >= self.min_other else None


@dataclass(frozen=True)
class Pieces:
    """When two neighbouring tokens are one word OCR read in two pieces (`data/pieces.yml`)."""

    max_gap: int
    min_letters: int
    min_zipf: float
    pair_short: int
    pair_margin: float
    letter_min_zipf: float

    @classmethod
    def load(cls, name: str = "pieces.yml") -> Pieces:
        return cls(**data_yaml(name))


@lru_cache(maxsize=65536)
def foreign_zipf(word: str, languages: tuple[str, ...]) -> float:
    """How common `word` is in the other languages a Spanish report quotes (English)."""
    return max((zipf_frequency(word, lang) for lang in languages), default=0.0)


def match_case(src: str, dst: str, upper_like: str) -> str:
    """`dst` written in the case of `src`: ALL CAPS, Capitalised or lowercase.

    A leading `l` or `|` that became `i` was a capital I: OCR reads no dot on a capital.
    """
    letters = [c for c in src if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return dst.upper()
    if src[:1].isupper() or (src[:1] in upper_like and dst[:1] == "i"):
        return dst[:1].upper() + dst[1:]
    return dst


def _remembered(cache: dict, token: str, compute):
    """`compute(token)`, remembered per token; the cache is emptied when full, so it does not
    grow without end over a long batch."""
    if token not in cache:
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[token] = compute(token)
    return cache[token]


def _kept(text: str, offset: int) -> Hints:
    """The accented letters of `text` (at `offset` in a reading): a candidate must keep them,
    since OCR adds no accent that was not printed."""
    return tuple((offset + i, c) for i, c in enumerate(text) if c != skeleton(c))


class WordFixer:
    """Repairs one word token at a time; remembers every answer (the same words recur)."""

    def __init__(self, lexicon: Lexicon, confusions: Confusions, joiners: Joiners,
                 pieces: Pieces | None = None) -> None:
        self.lexicon = lexicon
        self.conf = confusions
        self.joiners = joiners
        self.pieces = pieces or Pieces.load()
        self._joins: dict[tuple[str, str], str | None] = {}
        self._readable: dict[str, float | None] = {}
        self._skeletons: dict[str, str] = {}
        self._fixes: dict[str, str | None] = {}
        self._twins: dict[str, str | None] = {}
        self._splits: dict[str, tuple[str, str] | None] = {}
        self._letter_digits = {c for key in confusions.substitutions for c in key if c.isdigit()}
        load_languages(confusions.foreign_languages)

    def wordlike(self, token: str) -> bool:
        """A token with letters whose digits, if any, the confusions read as letters
        (`pas6`, `4rea`): "COVID19" or "BP2" is no misread word."""
        return any(c.isalpha() for c in token) and all(c in self._letter_digits for c in token if c.isdigit())

    def fix(self, token: str) -> str | None:
        """The repaired word, or None when `token` is valid or nothing is clearly better."""
        return _remembered(self._fixes, token, self._fix)

    def twin(self, token: str) -> str | None:
        """The far more common accented twin of a valid word read without accents
        (`practicas` → `prácticas`), or None. Only for a document whose OCR drops accents."""
        return _remembered(self._twins, token, self._twin)

    def _twin(self, token: str) -> str | None:
        low = token.lower()
        if len(low) < self.conf.min_length or low != skeleton(low) or not self.lexicon.is_valid(low):
            return None
        zipf = self.lexicon.zipf
        best = max((w for w in self.lexicon.candidates(low) if w != low), key=zipf, default=None)
        if best is None or zipf(best) - zipf(low) < self.conf.twin_margin:
            return None
        return match_case(token, best, self.conf.upper_like)

    def split(self, token: str) -> tuple[str, str] | None:
        """Two words for a token OCR glued from a function word and a word, else None."""
        return _remembered(self._splits, token, self._split)

    def join(self, left: str, right: str) -> str | None:
        """The word OCR read as the two pieces `left` `right` ("ac", "tores" → "actores";
        "pobla", "cion" → "población"), or None when the pieces are a plausible reading."""
        return _remembered(self._joins, (left, right), self._join)

    def _join(self, pair: tuple[str, str]) -> str | None:
        left, right = pair
        if not (left.isalpha() and right.isalpha()) or len(left) + len(right) < self.pieces.min_letters:
            return None
        if not (right.islower() and (left.islower() or left[1:].islower() or len(left) == 1)
                or left.isupper() and right.isupper()):
            return None  # a capital inside a word: two words, unless the text is ALL CAPS
        low = (left + right).lower()
        zipf = self.lexicon.zipf
        first, second = self.readable(left), self.readable(right)
        if first is None or second is None:
            joined = low if self.lexicon.is_valid(low) else self.fix(left + right)
            if joined is None or zipf(joined.lower()) < self.pieces.min_zipf:
                return None
        else:
            # log10 of P(joined) / (P(left) P(right)), frequencies per billion words
            plausible = first + second - 9 + self.pieces.pair_margin
            if min(len(left), len(right)) > self.pieces.pair_short or self.lexicon.top_zipf < plausible:
                return None
            joined = low if self.lexicon.is_valid(low) else self._accented(
                low, self._skeleton(left) + self._skeleton(right))
            if joined is None or zipf(joined) < max(self.pieces.min_zipf, plausible):
                return None
        return match_case(left + right, joined, self.conf.upper_like)

    def _accented(self, low: str, key: str) -> str | None:
        """The most common valid form of `low` (whose skeleton is `key`) with only accents or
        ñ given back (no letter changed), keeping the accents it has: the word repair's cheap part."""
        forms = self.lexicon.candidates(key)
        if not forms:
            return None
        hints = _kept(low, 0)
        kept = (w for w in forms if all(w[pos] == char for pos, char in hints))
        return max(kept, key=self.lexicon.zipf, default=None)

    def _skeleton(self, piece: str) -> str:
        return _remembered(self._skeletons, piece, skeleton)

    def readable(self, piece: str) -> float | None:
        """How common the word `piece` reads as (as written, repaired or split, or as an
        English word, whichever is more common), or None when it reads as no word: a piece
        of a word OCR cut. English counts as for `fix`: a common English word is right as read."""
        return _remembered(self._readable, piece, self._readable_zipf)

    def _readable_zipf(self, piece: str) -> float | None:
        low = piece.lower()
        if len(low) == 1:  # a letter: a word only if a common one (a, e, o, y); English aside
            zipf = self.lexicon.zipf(low)
            return zipf if self.lexicon.is_valid(low) and zipf >= self.pieces.letter_min_zipf else None
        foreign = foreign_zipf(low, self.conf.foreign_languages)
        spanish = self._spanish_zipf(piece, low)
        if spanish is None:
            return foreign if foreign >= self.conf.foreign_zipf else None
        return max(spanish, foreign)

    def _spanish_zipf(self, piece: str, low: str) -> float | None:
        if self.lexicon.is_valid(low):
            return self.lexicon.zipf(low)
        fixed = self.fix(piece)
        if fixed is not None:
            return self.lexicon.zipf(fixed.lower())
        parts = self.split(piece)
        return None if parts is None else min(self.lexicon.zipf(p.lower()) for p in parts)

    def _fix(self, token: str) -> str | None:
        low = token.lower()
        if len(low) < self.conf.min_length or self.lexicon.is_valid(low) or ROMAN.match(low):
            return None
        letters = [c for c in token if c.isalpha()]
        if len(letters) > 1 and all(c.isupper() for c in letters) or self._foreign(low):
            max_edits = self.conf.caps_max_edits
        elif len(low) <= self.conf.short_length:
            max_edits = min(1, self.conf.max_edits)
        else:
            max_edits = self.conf.max_edits
        best = self._best(low, max_edits)
        return None if best is None else match_case(token, best, self.conf.upper_like)

    def _foreign(self, low: str) -> bool:
        """A common word of a quoted language (English): letters there are right as read."""
        return low.isalpha() and foreign_zipf(low, self.conf.foreign_languages) >= self.conf.foreign_zipf

    def _best(self, low: str, max_edits: int) -> str | None:
        """The highest-scoring candidate, if it clearly beats the token as read."""
        zipf = self.lexicon.zipf
        best, best_score = None, zipf(low) + self.conf.margin
        for (key, hints), cost in self._readings(low, max_edits).items():
            for word in self.lexicon.candidates(key):
                if any(word[pos] != char for pos, char in hints):
                    continue
                z = zipf(word)
                score = z - self.conf.edit_weight * cost
                floor = self.conf.min_zipf if cost else self.conf.min_zipf_accents
                if z >= floor and score > best_score:
                    best, best_score = word, score
        return best

    def _readings(self, low: str, max_edits: int) -> dict[tuple[str, Hints], float]:
        """Every skeleton the token may stand for (with the accented letters it requires),
        at the cost of the cheapest set of confusions that gives it."""
        sites = sorted(self._sites(low))
        seen: dict[tuple[str, Hints], float] = {}

        def walk(first: int, pos: int, head: str, hints: Hints, cost: float, edits: int) -> None:
            key = (head + skeleton(low[pos:]), hints + _kept(low[pos:], len(head)))
            seen[key] = min(cost, seen.get(key, cost))
            if edits == max_edits:
                return
            for i in range(first, len(sites)):
                start, end, repl, c = sites[i]
                if start < pos:
                    continue
                prefix = head + skeleton(low[pos:start])
                hint = _kept(low[pos:start], len(head)) + _kept(repl, len(prefix))
                walk(i + 1, end, prefix + skeleton(repl), hints + hint, cost + c, edits + 1)

        walk(0, 0, "", (), 0.0, 0)
        return seen

    def _sites(self, low: str) -> Iterator[Site]:
        """Every place a confusion of the table may have happened in the token."""
        for pattern, targets in self.conf.substitutions.items():
            anchored = pattern.startswith("^")
            pattern = pattern.removeprefix("^")
            start = low.find(pattern)
            while start != -1 and not (anchored and start > 0):
                for repl, cost in targets.items():
                    yield start, start + len(pattern), repl, cost
                start = low.find(pattern, start + 1)

    def _split(self, token: str) -> tuple[str, str] | None:
        low = token.lower()
        if (not token.isalpha() or len(low) < 4 or self.lexicon.is_valid(low)
                or self.lexicon.zipf(low) >= 3 or self._foreign(low)):
            return None
        best, best_score = None, 0.0
        for i in range(1, len(low)):
            floor = self.joiners.allows(low[:i], low[i:], token[0].isupper())
            if floor is None:
                continue
            left, right = self._word(token[:i]), self._word(token[i:])
            if left and right:
                score = min(self.lexicon.zipf(left.lower()), self.lexicon.zipf(right.lower()))
                if score >= floor and score > best_score:
                    best, best_score = (left, right), score
        return best

    def _word(self, part: str) -> str | None:
        """`part` if valid, else its repair, else None."""
        return part if self.lexicon.is_valid(part.lower()) else self.fix(part)
