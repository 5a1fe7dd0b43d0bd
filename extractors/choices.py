"""Rows of tick boxes ("[X] Lección aprendida [ ] Lección no aprendida"): a stop line for the
field before them, and where one box reads as ticked, evidence for the record key they name.

OCR prints a box as anything (`[X]`, `X`, `☒`, `(x)`, `[ ]`, `☐`, `O`) or drops it, and may put
each option on a line of its own; a row is recognised by its options, with nothing else on the
line but such marks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.template import ChoiceOption, Template
from pipeline.text import fold

MAX_MARK_CHARS = 4
"""A box's mark is a short token; a longer run of text before an option is not a mark."""


@dataclass(frozen=True)
class Tick:
    """The option of a choice row that reads as ticked."""

    key: str
    """The record key the row speaks to (e.g. `tipo`)."""
    option: str
    """The value it says (e.g. `leccion_aprendida`)."""


def read_choice_row(text: str, template: Template) -> tuple[bool, Tick | None]:
    """Whether the line is a row of tick boxes, and the tick it shows (None: no or two ticks)."""
    folded = fold(text)
    if len(folded) != len(text):
        return False, None
    found: list[tuple[int, int, ChoiceOption]] = []
    for option in template.choice_options:
        found += [(m.start(), m.end(), option) for m in option.pattern.finditer(folded)]
    if not found:
        return False, None
    found.sort(key=lambda f: f[0])
    marks, end = [], 0
    for start, stop, option in found:
        marks.append((text[end:start].strip(), option))
        end = stop
    rest = text[end:].strip()
    if any(len(mark) > MAX_MARK_CHARS for mark, _ in marks) or re.search(r"[^\W\d_]{2,}", rest):
        return False, None
    ticks = {(o.key, o.value) for mark, o in marks if re.search(template.choices[o.key].ticked, mark)}
    if len(ticks) != 1:
        return True, None
    key, value = ticks.pop()
    return True, Tick(key, value)
