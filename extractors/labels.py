"""Find template labels at the start of OCR'd lines, however the OCR spaced, accented or split them.

Matching works on a "squashed" form of the text (lower case, no accents, letters and digits
only), so `# depoblacion asistida` still matches `# de población asistida`. A label whose words
OCR split over two lines matches by its first words (a *head*) on one line and its last words
(a *tail*) on another; the tail is then dropped from the value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from pipeline.text import fold, squash, strip_junk


MIN_SIMILARITY = 0.86
"""Share of a long label's letters that must survive OCR for a line prefix to count as it."""
MIN_HEAD_CHARS = 14
"""A partial label (its first words only) must be at least this long, squashed."""
MIN_TAIL_CHARS = 7
START_CHARS = 3
"""Letters at the start of a line that must match a label exactly."""
MIN_FUZZY_CHARS = 12
"""Labels shorter than this (squashed) must be read exactly."""
CONTINUATION_WORD = 5
"""Squashed letters a piece of a label's unread rest needs to be dropped from a line's start
("de la" could open any sentence; "la Institución" does not)."""
LOOSE_EDITS = 0.4
ENDS_MIN_WORDS = 4
NEAR_MIN_CHARS = 6
NEAR_CHARS_PER_EDIT = 6
"""`near`: a garbled label may have one letter wrong (a stray leading one included) per this
many of its letters, at least one."""


@dataclass(frozen=True)
class LabelHit:
    key: str
    """The field (or stop heading) the label belongs to."""
    label: str
    rest: str
    """The line after the label: the start of the value, if any."""
    partial: bool
    """Only the label's first words were printed on this line."""
    unread: str = ""
    """The label's words not read on this line (a head's rest, printed on the lines below)."""


@dataclass(frozen=True)
class _Label:
    key: str
    text: str
    squashed: str
    case_sensitive: bool
    word_ends: tuple[int, ...]
    """Squashed offsets where a word of the label ends: the places a head may stop."""


def _word_ends(label: str) -> tuple[int, ...]:
    ends, total = [], 0
    for word in label.split():
        total += len(squash(word)[0])
        ends.append(total)
    return tuple(ends)


class LabelMatcher:
    """All labels of a template, longest first, matched against the start of a line."""

    def __init__(self, labels: list[tuple[str, str, bool]]):
        """`labels`: (key, label text, case_sensitive)."""
        built = [
            _Label(key, text, squash(text)[0], cs, _word_ends(text)) for key, text, cs in labels
        ]
        self._labels = sorted(built, key=lambda l: len(l.squashed), reverse=True)
        self._tails = [
            [(label.squashed[start:], _is_tail(label.text.split()[k + 1:], label.squashed[start:]))
             for k, start in enumerate(label.word_ends[:-1])]
            for label in self._labels
        ]
        """Per label, each tail a split label may leave: (squashed tail, worth stripping on any
        line), for `tail_length`."""
        self._matched: dict[str, LabelHit | None] = {}

    def match(self, line: str) -> LabelHit | None:
        """The label the line opens with, if any: any full label first, then a label's head.
        Remembered by line: a ficha's lines are matched more than once."""
        if line not in self._matched:
            self._matched[line] = self._match(line)
        return self._matched[line]

    def _match(self, line: str) -> LabelHit | None:
        stripped = line.strip()
        if not stripped:
            return None
        line_sq, index = squash(stripped)
        for heads in (False, True):
            for label in self._labels:
                if label.case_sensitive:
                    hit = None if heads else self._match_exact_word(label, stripped)
                else:
                    hit = self._match_prefix(label, stripped, line_sq, index, heads)
                if hit:
                    return hit if heads else self._longer_head(label, hit, stripped, line_sq, index)
        return None

    def _longer_head(self, label: _Label, hit: LabelHit, line: str, line_sq: str, index: tuple[int, ...]) -> LabelHit:
        """A longer label that opens with this one, its head printed on this line, wins: the
        heading "Condiciones y contexto relevantes: limitaciones o" / "consejos en términos de
        ..." is one heading cut in two, not a heading and then the label "Consejos ..."."""
        for longer in self._labels:
            if longer.squashed != label.squashed and longer.squashed.startswith(label.squashed):
                head = self._match_prefix(longer, line, line_sq, index, True)
                if head is not None and len(head.rest) < len(hit.rest):
                    return head
        return hit

    def keys(self) -> set[str]:
        return {label.key for label in self._labels}

    def near(self, line: str, keys: set[str] | None = None, loose: bool = False) -> LabelHit | None:
        """The label the line opens with when OCR garbled it beyond `match` (a first letter
        misread or added: "Ffectividad", "PEQUITATIVO", "Paiabras ciave"), with no lower-case
        word after it. Weaker evidence than `match`, for callers that check it against more
        (the template's order, a value's own field). Labels of fewer than NEAR_MIN_CHARS
        letters are left out, and so is a case-sensitive label on a line not in capitals.
        `keys`: only these fields' labels. `loose`: up to LOOSE_EDITS of the label's letters
        wrong ("Ferritocia" for Territorio, a shaded cell under bleed-through): evidence only
        together with a value that fits that field."""
        stripped = line.strip()
        if next((c for c in stripped if c.isalpha()), "").islower():  # labels are capitalised
            return None
        line_sq, index = squash(stripped)
        best: tuple[int, int, _Label, int] | None = None  # (edits, -length, label, end)
        for label in self._labels:
            size = len(label.squashed)
            if size < NEAR_MIN_CHARS or (label.case_sensitive and not _capitals(stripped[:len(label.text) + 2])):
                continue
            if keys is not None and label.key not in keys:
                continue
            allowed = int(size * LOOSE_EDITS) if loose else max(1, size // NEAR_CHARS_PER_EDIT)
            for skip in (0, 1):
                for length in range(max(1, size - 2), min(len(line_sq) - skip, size + 2) + 1):
                    end = index[skip + length - 1] + 1
                    if stripped[end:end + 1].isalnum():
                        continue
                    read = line_sq[skip:skip + length]
                    if read[-1:].isdigit() and not label.squashed[-1:].isdigit():
                        continue  # "Objetivo 7": a number after the word, not a letter of the label
                    edits = Levenshtein.distance(read, label.squashed) + skip
                    if edits <= allowed and not _inflected(read, label.squashed) and (best is None or (edits, -size) < best[:2]):
                        best = (edits, -size, label, end)
        if best is None:
            return None
        _, _, label, end = best
        rest = strip_junk(stripped[end:])
        if rest[:1].islower():  # "Hallazgos de campo muestran ...": a sentence, not a label
            return None
        return LabelHit(label.key, label.text, rest, False)

    def by_ends(self, line: str, keys: set[str]) -> LabelHit | None:
        """A label of ENDS_MIN_WORDS words or more read by its first and last words, its middle
        garbled ("Potencial de e nosiiRe y por quién Instituciones ..."): the last word stands
        where the label's length puts it, give or take two words. Only these fields' labels."""
        tokens = line.split()
        for label in self._labels:
            words = label.text.split()
            if label.key not in keys or len(words) < ENDS_MIN_WORDS or not tokens:
                continue
            if not _same_word(tokens[0], words[0]):
                continue
            for j in range(max(1, len(words) - 3), min(len(tokens), len(words) + 2)):
                if _same_word(tokens[j], words[-1]):
                    rest = strip_junk(" ".join(tokens[j + 1:]))
                    return LabelHit(label.key, label.text, rest, False)
        return None

    def continuation(self, line: str, unread: str) -> tuple[int, str]:
        """How much of a label a head left unread opens this line: (characters to drop, words
        still unread). A two-column table flattened by OCR prints a long label's rest in pieces
        at the start of the value's lines ("objetivos más elevados de | virtuales permite ...",
        "la Institución formación y ..."); a piece counts when it is a word of at least
        CONTINUATION_WORD letters, or longer, and reads as the next unread words."""
        stripped = line.lstrip()
        offset = len(line) - len(stripped)
        line_sq, index = squash(stripped)
        words = unread.split()
        best: tuple[int, int, int] | None = None  # (edits, -words, squashed length read)
        for n in range(len(words), 0, -1):
            piece = squash(" ".join(words[:n]))[0]
            if len(piece) < CONTINUATION_WORD or len(line_sq) < len(piece) - 1:
                continue
            read = _best_prefix(piece, stripped, line_sq, index)
            if read is not None and (best is None or (read[1], -n) < best[:2]):
                best = (read[1], -n, read[0])
        if best is None:
            return 0, ""
        end = index[best[2] - 1] + 1
        if stripped[end:end + 1] == ")":
            end += 1
        return offset + end, " ".join(words[-best[1]:])

    def tail_length(self, line: str, after_head: str | None = None) -> int:
        """Characters at the start of `line` that are the last words of a split label, else 0.

        A tail that opens with a short word ("de la Institución", "mas elevados ...") could be
        ordinary text; it only counts on the line right after that label's head (`after_head`,
        the label's key)."""
        stripped = line.lstrip()
        offset = len(line) - len(stripped)
        line_sq, index = squash(stripped)
        for label, tails in zip(self._labels, self._tails):
            if label.case_sensitive:
                continue
            for tail, a_tail in tails:
                after_its_head = label.key == after_head and len(tail) >= MIN_TAIL_CHARS
                if not (after_its_head or a_tail) or len(line_sq) < len(tail):
                    continue
                best = _best_prefix(tail, stripped, line_sq, index)
                if best is not None:
                    length = best[0]
                    end = index[length - 1] + 1
                    if stripped[end:end + 1] == ")":
                        end += 1
                    return offset + end
        return 0

    @staticmethod
    def _match_exact_word(label: _Label, line: str) -> LabelHit | None:
        for variant in {label.text, fold(label.text).upper()}:
            if line.startswith(variant) and not line[len(variant):len(variant) + 1].isalpha():
                return LabelHit(label.key, label.text, strip_junk(line[len(variant):]), False)
        return None

    def _match_prefix(self, label: _Label, line: str, line_sq: str, index: tuple[int, ...], head: bool) -> LabelHit | None:
        """The whole label (or, with `head`, its first words only) at the start of the line."""
        target = label.squashed
        if not label.text[:1].isalnum():
            # a label opening with a symbol ("# de población"): OCR reads the symbol as any
            # short token ("X", "H", "++"), which is dropped before matching the words
            first = re.match(r"\S{1,2}\s+", line)
            if first and not line_sq.startswith(target[:START_CHARS]):
                line = line[first.end():]
                line_sq, index = squash(line)
        if not _same_start(label, line, line_sq):
            return None
        if len(target) < 5:
            # short labels must match exactly and end at a word boundary
            if head or not line_sq.startswith(target) or line[index[len(target) - 1] + 1:][:1].isalpha():
                return None
            return LabelHit(label.key, label.text, strip_junk(line[index[len(target) - 1] + 1:]), False)
        stops = [s for s in label.word_ends[:-1] if s >= MIN_HEAD_CHARS] if head else [len(target)]
        found = None  # (line length, edits, head length) of the head read so far
        for stop in stops:
            best = _best_prefix(target[:stop], line, line_sq, index)
            if best is None:
                continue
            best, edits = best
            # one more label word is only read if it mostly matches: "objetivos mutuo" is the
            # head "objetivos" and the value's first word, not a misread "objetivos más"
            if found is None or edits - found[1] <= (stop - found[2]) // 3:
                found = (best, edits, stop)
        if found is None:
            return None
        words = label.word_ends.index(found[2]) + 1
        return LabelHit(label.key, label.text, strip_junk(line[index[found[0] - 1] + 1:]), head,
                        " ".join(label.text.split()[words:]))


def _same_word(read: str, word: str) -> bool:
    """One word of a label read with at most one letter wrong (none in a short word)."""
    a, b = squash(read)[0], squash(word)[0]
    return bool(b) and Levenshtein.distance(a, b) <= (1 if len(b) >= MIN_TAIL_CHARS - 1 else 0)


def _inflected(read: str, label: str) -> bool:
    """Whether `read` differs from `label` only at its end ("objetivo" / "objetivos",
    "territorios"): another form of the word, printed as such, not the label garbled."""
    ops = Levenshtein.editops(read, label)
    return bool(ops) and all(op.tag != "replace" and op.src_pos >= min(len(read), len(label)) - 1 for op in ops)


def _capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.7 * len(letters)


def _same_start(label: _Label, line: str, line_sq: str) -> bool:
    """Labels are printed capitalised and OCR rarely garbles a line's first letters, so a line
    that starts in lower case or with other letters continues a value ("población asistida en
    ...", "efectividad se mide ...") rather than opening a label."""
    if line_sq[:START_CHARS] != label.squashed[:START_CHARS]:
        return False
    first_label = next((c for c in label.text if c.isalpha()), "")
    first_line = next((c for c in line if c.isalpha()), "")
    return not (first_label.isupper() and first_line.islower())


def _allowed_edits(length: int) -> int:
    """Edits OCR may have made to a label of this squashed length: none to a short one,
    whose one-letter variants are ordinary words ("Territorios")."""
    return 0 if length < MIN_FUZZY_CHARS else max(1, int(length * (1 - MIN_SIMILARITY)))


def _is_tail(words: list[str], squashed: str) -> bool:
    """A label tail worth stripping: it starts with a content word and is long or closes a parenthesis."""
    if (len(squash(words[0])[0]) < 4 and not words[0].startswith("(")) or len(squashed) < MIN_TAIL_CHARS:
        return False
    return len(words) >= 2 or words[-1].endswith(")")


def _best_prefix(head: str, line: str, line_sq: str, index: tuple[int, ...]) -> tuple[int, int] | None:
    """(squashed length, edits) of the line prefix that best matches `head` and ends a word, if close enough."""
    best_len, best_dist = None, _allowed_edits(len(head)) + 1
    for length in range(max(1, len(head) - 2), min(len(line_sq), len(head) + 2) + 1):
        end = index[length - 1] + 1
        if line[end:end + 1].isalnum():
            continue
        dist = Levenshtein.distance(line_sq[:length], head)
        if dist < best_dist:
            best_len, best_dist = length, dist
    return None if best_len is None else (best_len, best_dist)
