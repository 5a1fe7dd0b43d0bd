"""Confidence of an extracted field, from evidence that can be checked.

    confidence = label × reading × repairs × validation × weakest   (each factor in [0, 1])

- label: how the value was located. 1.0 the full label was read and the value followed it;
  0.85 only part of the label was read, or the value was shared out from a run of labels or
  moved across a label (two-column tables); 0.55 shared out by an assignment that another came
  close to (less than three times as likely: `extractors.fit.align`'s margin), as likely wrong
  as right; 0.65 no label, taken from the summary table.
  A full label leaves the doubt to the other factors: on the benchmark (legacy text and the
  clean, typical and poor scans) 1640 of the 1645 fields found by their full label, with no
  repair and no failed check, were right.
- reading: mean OCR word confidence of the value's lines (Tesseract) over SURE_READING, at most
  1.0; 1.0 for a digital text layer and for legacy OCR text, which carries no confidences (its
  doubt is in the repairs and the checks: 141 of its 141 full-label fields without either were
  right). Tesseract's confidences run low: on the benchmark's poor scans 38 of the 40 fields
  read at a mean of 0.8–0.9 were right. SURE_READING was chosen on those scans (seed 7) and
  checked on poor scans generated with seeds 8 and 9: the share of fields at ≥ 0.9 rose from
  0.58 to 0.65 and from 0.66 to 0.74, with 0.995 and 0.986 of them right, and 95 % and 81 %
  of the wrong fields still under 0.6.
- repairs: 1 − 0.5 × (words repaired / words read), floor 0.6: each repair is a guess, and
  a value whose words were mostly rewritten is a value mostly guessed.
- weakest: 0.55 when some word of the value (with a letter or digit) was read by Tesseract at
  under 0.3, else 1.0, so that such a value scores under 0.6 even when all else is sure. The
  mean reading hides one misread word, and one is enough to make a text field wrong: on the
  benchmark's poor scans 14 of the 24 wrong fields scored ≥ 0.6 had such a word, against 21
  of the 281 right fields at ≥ 0.9.
- validation: 1.0 when the value checks out against its type (a number, an enum value, places
  in the gazetteer, principle and objective names), or agrees with the summary table; 0.5 when
  a check fails, or when the value seems to hold text that is not its field's (a doubt of
  `extractors.fit`: another label or a heading inside it, far longer than the field usually
  is, text of another type); 0.35 for an ambiguous number kept as read.

The product is kept under MACHINE_CEILING: a score of 1.0 means a reviewer set or accepted the
value (`pipeline.review`), and no reading earns that.

A field the document does not carry is null; its confidence says how sure we are that it is
absent: 0.95 for optional fields, 0.4 for fields every ficha of its kind should have.
"""
from __future__ import annotations

from dataclasses import dataclass

LABEL_SCORE = {"full": 1.0, "shared": 0.85, "close": 0.55, "summary": 0.65}
LEGACY_TEXT_READING = 1.0
SURE_READING = 0.9
MACHINE_CEILING = 0.99
REPAIR_WEIGHT = 0.5
REPAIR_FLOOR = 0.6
VALIDATION_SCORE = {True: 1.0, None: 1.0, False: 0.5}
AMBIGUOUS_SCORE = 0.35
WEAK_WORD = 0.3
WEAK_WORD_FACTOR = 0.55
ABSENT_OPTIONAL = 0.95
ABSENT_EXPECTED = 0.4


@dataclass(frozen=True)
class Evidence:
    label: str
    """One of LABEL_SCORE's keys."""
    reading: float | None
    """Mean OCR word confidence; None for legacy text."""
    repairs: int
    words: int
    """Words of the lines the value was read from (the repairs' denominator)."""
    valid: bool | None = None
    """True/False after a check; None when the field type has no check."""
    ambiguous: bool = False
    weakest: float | None = None
    """The lowest OCR word confidence in the value's lines; None for legacy text."""
    doubt: str | None = None
    """Why the value seems not to be (only) its field's (extractors/fit.py): then it fails validation."""

    def describe(self) -> tuple[str, ...]:
        out = [f"label:{self.label}", f"repairs:{self.repairs}"]
        out.append("reading:legacy" if self.reading is None else f"reading:{self.reading:.2f}")
        if self.weakest is not None:
            out.append(f"weakest:{self.weakest:.2f}")
        if self.valid is not None or self.doubt:
            out.append("valid" if self.valid and not self.doubt else "invalid")
        if self.doubt:
            out.append(f"doubt:{self.doubt}")
        if self.ambiguous:
            out.append("ambiguous")
        return tuple(out)


def score(evidence: Evidence) -> float:
    reading = LEGACY_TEXT_READING if evidence.reading is None else min(1.0, evidence.reading / SURE_READING)
    repairs = max(REPAIR_FLOOR, 1 - REPAIR_WEIGHT * evidence.repairs / max(evidence.words, 1))
    validation = AMBIGUOUS_SCORE if evidence.ambiguous else VALIDATION_SCORE[False if evidence.doubt else evidence.valid]
    weakest = WEAK_WORD_FACTOR if evidence.weakest is not None and evidence.weakest < WEAK_WORD else 1.0
    return round(min(MACHINE_CEILING, LABEL_SCORE[evidence.label] * reading * repairs * validation * weakest), 3)


def absent_score(expected: bool) -> float:
    return ABSENT_EXPECTED if expected else ABSENT_OPTIONAL
