"""Token repairs that are neither lexicon words nor plain numbers: `COVIDI9` → `COVID19`,
`crisis 0 emergencia` → `crisis o emergencia`, `y/0` → `y/o`, `OIMy` → `OIM y`, `|Objetivo` → `Objetivo`
(a table's ruling read as a bar glued to the cell's first word), `P laboral` → `laboral`
(a speck read as a letter at a line start)."""
from __future__ import annotations

import re

from corrections.lexicon import Lexicon, data_yaml
from pipeline.records import Repair

LOWER_WORD = "[a-záéíóúüñ]"


class TokenFixer:
    """The rules of `data/tokens.yml`."""

    def __init__(self, lexicon: Lexicon, rules: dict | None = None) -> None:
        rules = rules or data_yaml("tokens.yml")
        self.lexicon = lexicon
        self.margin = float(rules["acronym_margin"])
        one = re.escape(rules["acronym_one_like"])
        self.acronym = re.compile(rf"(?<![\w|])(?P<name>[A-Z]{{2,}}?)(?P<one>[{one}]+)(?P<digits>\d+)(?![\w|])")
        n = int(rules["zero_as_o_min_letters"])
        self.zero = re.compile(rf"(?<={LOWER_WORD}{{{n}}} )0(?= {LOWER_WORD}{{{n}}})")
        rule = re.escape(rules["table_rule_marks"])
        self.rule_mark = re.compile(rf"(?<!\S)[{rule}]+(?=[A-ZÁÉÍÓÚÑ][a-záéíóúüñ]|[A-Z]{{2}})")
        self.stray_letter = re.compile(rf"^\s*[{re.escape(rules['stray_line_letters'])}]\s+(?=[^\W\d_]{{2}})")
        self.acronym_and = re.compile(r"(?<![\w|])(?P<name>[A-ZÁÉÍÓÚÑ]{2,})(?P<conj>[ye])(?!\w)")
        self.literals: dict[str, str] = rules["literals"]
        self.literal = re.compile(r"(?<!\S)(" + "|".join(map(re.escape, self.literals)) + r")(?![\w/])")

    def repair(self, text: str) -> tuple[str, list[Repair]]:
        """`text` with these tokens repaired, and one Repair per change."""
        repairs: list[Repair] = []

        def acronym(m: re.Match[str]) -> str:
            name, glued = m["name"].lower(), (m["name"] + m["one"]).lower()
            if self.lexicon.zipf(name) < self.lexicon.zipf(glued) + self.margin:
                return m[0]
            fixed = m["name"] + "1" * len(m["one"]) + m["digits"]
            repairs.append(Repair(m[0], fixed, "token"))
            return fixed

        def zero(_: re.Match[str]) -> str:
            repairs.append(Repair("0", "o", "token"))
            return "o"

        def literal(m: re.Match[str]) -> str:
            repairs.append(Repair(m[0], self.literals[m[0]], "token"))
            return self.literals[m[0]]

        def rule_mark(m: re.Match[str]) -> str:
            repairs.append(Repair(m[0], "", "token"))
            return ""

        def acronym_and(m: re.Match[str]) -> str:
            fixed = f"{m['name']} {m['conj']}"
            repairs.append(Repair(m[0], fixed, "split"))
            return fixed

        text = self.stray_letter.sub(rule_mark, text)
        text = self.rule_mark.sub(rule_mark, text)
        text = self.acronym_and.sub(acronym_and, text)
        text = self.acronym.sub(acronym, text)
        text = self.zero.sub(zero, text)
        return self.literal.sub(literal, text), repairs
