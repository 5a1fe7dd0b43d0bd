"""Text error measures: character and word error rates, and false corrections by the repairer."""
from __future__ import annotations

import re

from rapidfuzz.distance import Levenshtein


def words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text)


def cer(read: str, truth: str) -> float:
    """Character error rate of `read` against `truth`, whitespace runs counted as one space."""
    read, truth = " ".join(read.split()), " ".join(truth.split())
    return Levenshtein.distance(read, truth) / max(len(truth), 1)


def wer(read: str, truth: str) -> float:
    """Word error rate: word-level edit distance over the words of `truth`."""
    reference = words(truth)
    return Levenshtein.distance(words(read), reference) / max(len(reference), 1)


def false_corrections(raw: str, repaired: str, truth: str) -> tuple[int, int]:
    """(correct words the repair changed, correct words): a word is correct when the raw OCR
    word lines up with the same word of the truth; it was changed when it does not line up
    unchanged with the repaired text."""
    raw_words = words(raw)
    correct = _equal_positions(raw_words, words(truth))
    kept = _equal_positions(raw_words, words(repaired))
    return len(correct - kept), len(correct)


def _equal_positions(a: list[str], b: list[str]) -> set[int]:
    """Indices of `a` inside the 'equal' blocks of the word alignment of `a` to `b`."""
    return {
        i
        for op in Levenshtein.opcodes(a, b)
        if op.tag == "equal"
        for i in range(op.src_start, op.src_end)
    }
