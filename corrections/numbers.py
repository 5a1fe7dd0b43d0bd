"""Numbers: `|5` → 15 in running text, and integer cells (population, budget) read safely.

A number in a record is a claim: a misread digit is worse than no value. So a reading
that could mean two things (`3,0000`, `1,5`, two numbers in one cell) is reported as
ambiguous with a note, never guessed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from corrections.lexicon import data_yaml, skeleton
from pipeline.records import Repair


@dataclass(frozen=True)
class NumberRules:
    """The knowledge of `data/numbers.yml`."""

    one_like: str
    one_like_max_digits: int
    lone_one: str
    numbered_labels: frozenset[str]
    no_value: tuple[str, ...]
    group_separators: str

    @property
    def cell_token(self) -> re.Pattern[str]:
        """A number token of a cell, currency marks aside: `$61.500`, `1,500USD)`, `|5`."""
        digit = rf"[\d{re.escape(self.one_like)}]"
        return re.compile(rf"^(?:US\$|USD|\$)?(?P<num>{digit}+(?:[,.]{digit}+)*)(?:USD)?[.,;:)]*$")

    @classmethod
    def load(cls, name: str = "numbers.yml") -> NumberRules:
        raw = data_yaml(name)
        return cls(raw["one_like"], raw["one_like_max_digits"], raw["lone_one"],
                   frozenset(skeleton(w) for w in raw["numbered_labels"]),
                   tuple(skeleton(p) for p in raw["no_value"]), raw["group_separators"])


@dataclass(frozen=True)
class IntReading:
    """An integer cell as read: `value` is None when the cell has none or is ambiguous."""

    value: int | None
    ambiguous: bool
    repairs: tuple[Repair, ...] = ()
    note: str = ""


@lru_cache(maxsize=1)
def rules() -> NumberRules:
    """The shipped number rules, read once."""
    return NumberRules.load()


def ones(token: str, one_like: str) -> str | None:
    """`token` with its 1-like characters as 1 ("|5" → "15"), if it is a number misread so.

    The token must hold a real digit from 1 to 9: "l0" may as well be the word "lo".
    """
    if not any(c in one_like for c in token) or not re.search(r"[1-9]", token):
        return None
    fixed = "".join("1" if c in one_like else c for c in token)
    return fixed if re.fullmatch(r"\d+(?:[,.]\d+)*", fixed) else None


class NumberFixer:
    """Line repairs of numbers: `|5` → `15`, `Objetivo |:` → `Objetivo 1:`. Never a guess."""

    def __init__(self, number_rules: NumberRules | None = None) -> None:
        self.rules = number_rules or rules()
        one = re.escape(self.rules.one_like)
        self.token = re.compile(rf"(?<![\w{one}])[\d{one}]+(?![\w{one}])")
        lone = re.escape(self.rules.lone_one)
        self.lone_one = re.compile(rf"(?P<label>[^\W\d_]+)(?P<gap>\s+)(?P<one>[{lone}])(?=\s*[:.)]|\s*$)")

    def repair(self, text: str) -> tuple[str, list[Repair]]:
        """`text` with its misread numbers written in digits, and one Repair per number."""
        repairs: list[Repair] = []

        def number(m: re.Match[str]) -> str:
            fixed = ones(m[0], self.rules.one_like)
            if fixed is None or len(fixed) > self.rules.one_like_max_digits:
                return m[0]
            repairs.append(Repair(m[0], fixed, "number"))
            return fixed

        def labelled(m: re.Match[str]) -> str:
            if skeleton(m["label"]) not in self.rules.numbered_labels:
                return m[0]
            repairs.append(Repair(m["one"], "1", "number"))
            return f"{m['label']}{m['gap']}1"

        text = self.token.sub(number, text)
        return self.lone_one.sub(labelled, text), repairs


def read_int(raw: str, number_rules: NumberRules | None = None) -> IntReading:
    """The integer of a population or budget cell: `32,000` → 32000, `$61.500` → 61500.

    `No aplica` / `No registra` give None (not ambiguous); a misshapen or doubled number
    gives None with `ambiguous=True` and a note saying why; a number after a lone 1-like
    mark ("| 400") keeps its value, flagged ambiguous.
    """
    r = number_rules or rules()
    folded = skeleton(raw).strip(" .:;")
    if any(folded.startswith(p) for p in r.no_value):
        return IntReading(None, False, (), "no value: " + raw.strip())
    numbers = _numbers(raw, r)
    if not numbers:
        digits = bool(re.search(r"\d", raw))
        return IntReading(None, digits, (), "digits that read as no number" if digits else "no number")
    if len(numbers) > 1:
        return IntReading(None, True, (), "several numbers: " + ", ".join(numbers))
    read = numbers[0]
    fixed = "".join("1" if c in r.one_like else c for c in read)
    repairs = (Repair(read, fixed, "number"),) if fixed != read else ()
    value, note = _grouped(fixed, r.group_separators)
    if value is not None and re.search(rf"(^|\s)[{re.escape(r.one_like)}]\s+{re.escape(read)}", raw):
        # "| 400": a table rule, or the 1 of "1,400" read apart; kept as read, for review
        return IntReading(value, True, repairs, f"a mark before the number may be a lost 1: {raw.strip()}")
    return IntReading(value, value is None, repairs, note)


def _numbers(raw: str, r: NumberRules) -> list[str]:
    """The number-like tokens of a cell; "32 000" (a space between thousands) is one number."""
    token_re = r.cell_token
    found: list[str] = []
    after_number = False
    for token in raw.split():
        m = token_re.match(token)
        num = m["num"] if m else None
        if num is None or (ones(num, r.one_like) is None and not re.fullmatch(r"[\d,.]+", num)):
            after_number = False
            continue
        if after_number and " " in r.group_separators and re.fullmatch(r"\d{3}", num):
            found[-1] += " " + num
        else:
            found.append(num)
        after_number = True
    return found


def _grouped(text: str, separators: str) -> tuple[int | None, str]:
    """The value of digits in thousands groups, or None and why it is ambiguous."""
    groups = re.split("[" + re.escape(separators) + "]", text)
    seps = re.findall("[" + re.escape(separators) + "]", text)
    if len(groups) == 1:
        return int(text), ""
    if len(seps) >= 2 and seps[-1] != seps[0] and len(groups[-1]) <= 2 and len(set(seps[:-1])) == 1:
        cut = text.rindex(seps[-1])
        value, note = _grouped(text[:cut], separators)
        if value is not None:
            return value, f"decimals dropped: {text}" if text[cut + 1:].strip("0") else note
    if 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]) and len(set(seps)) == 1:
        return int("".join(groups)), ""
    return None, f"thousands groups of the wrong length: {text}"
