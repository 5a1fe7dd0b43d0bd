"""Ficha code repairs: `BPI_AH` → `BP1_AH`, `LAl ISE` → `LA1_ISE`, `BPI10_PC` → `BP10_PC`.

Codes key every record, so a misread code loses a whole ficha. Only a token shaped like
a code is touched: a known prefix, a short digit-like run, `_` (or a space, a hyphen, or
nothing: OCR loses the underscore, `BP1GN`, `BP1-GF`), a known area.
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

from corrections.lexicon import data_yaml
from pipeline.records import Repair

LETTER_OR_DIGIT = r"0-9A-Za-zÀ-ÿ"


def _alternation(options: Iterable[str]) -> str:
    """A regex alternation that tries longer options first."""
    return "|".join(re.escape(o) for o in sorted(set(options), key=len, reverse=True))


class CodeFixer:
    """Finds code-shaped tokens in a line and writes them canonically."""

    def __init__(self, prefixes: Iterable[str], areas: Iterable[str], rules: dict | None = None) -> None:
        rules = rules or data_yaml("codes.yml")
        self.digits: dict[str, str] = rules["digits"]
        self.doubled: dict[str, str] = rules["doubled"]
        self.strong = set(rules["strong"])
        self.max_number = int(rules["max_number"])
        self.areas = self._area_variants(areas, rules["area_letters"])
        digit_like = set("0123456789") | set(self.digits) | set("".join(self.doubled))
        number = "[" + re.escape("".join(sorted(digit_like))) + "]{1,3}"
        self.pattern = re.compile(
            rf"(?<![{LETTER_OR_DIGIT}])(?P<prefix>{_alternation(prefixes)})(?P<gap> ?)(?P<num>{number})"
            rf"(?P<sep> ?_ ?| |-|)(?P<area>{_alternation(self.areas)})(?![{LETTER_OR_DIGIT}])"
        )

    @staticmethod
    def _area_variants(areas: Iterable[str], letters: dict[str, str]) -> dict[str, str]:
        """Every OCR reading of each area code (`lSE` → `ISE`), mapped to the area code."""
        variants: dict[str, str] = {}
        for area in areas:
            choices = [letters.get(c, c) for c in area]
            for reading in itertools.product(*choices):
                variants.setdefault("".join(reading), area)
        return variants

    def number(self, raw: str) -> str | None:
        """The code number a digit-like run stands for, or None if it is no plausible number."""
        for seen, digit in self.doubled.items():
            raw = raw.replace(seen, digit)
        digits = "".join(self.digits.get(c, c) for c in raw)
        if not digits.isdigit() or digits.startswith("0") or int(digits) > self.max_number:
            return None
        return digits

    def repair(self, text: str) -> tuple[str, list[Repair]]:
        """`text` with its codes canonical, and one Repair per code rewritten."""
        repairs: list[Repair] = []

        def canonical(m: re.Match[str]) -> str:
            spaced = "_" not in m["sep"]
            if (m["gap"] and spaced) or (spaced and not self.strong & set(m["num"])):
                return m[0]
            number = self.number(m["num"])
            if number is None:
                return m[0]
            code = f"{m['prefix']}{number}_{self.areas[m['area']]}"
            if code != m[0]:
                repairs.append(Repair(m[0], code, "code"))
            return code

        return self.pattern.sub(canonical, text), repairs
