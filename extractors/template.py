"""Load and validate a catalogue template (labels, codes, record keys) from YAML.

A template is knowledge, not code: a new catalogue layout is a new YAML file. It is checked
when loaded, so a typo fails at once with the file and key named, not at extraction time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from extractors import DATA_DIR, DEFAULT_TEMPLATE
from pipeline.errors import TemplateError
from pipeline.files import read_yaml
from pipeline.text import fold

Kind = Literal["bp", "lesson"]
FieldType = Literal["text", "list", "int", "enum", "principles", "objectives"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Codes(_Strict):
    prefixes: dict[str, str]
    areas: dict[str, str]
    area_aliases: dict[str, str] = {}

    @field_validator("area_aliases")
    @classmethod
    def _aliases_point_to_areas(cls, v: dict[str, str], info) -> dict[str, str]:
        areas = info.data.get("areas", {})
        bad = [k for k, code in v.items() if code not in areas]
        if bad:
            raise ValueError(f"aliases point to unknown area codes: {bad}")
        return v


class Header(_Strict):
    area_label: str
    code_label: str
    summary_heading: str
    summary_columns: list[str]


class FieldSpec(_Strict):
    labels: list[str]
    kinds: list[Kind] = ["bp", "lesson"]
    type: FieldType = "text"
    split: Literal["commas", "places"] | None = None
    values: list[str] = []
    single_line: bool = False
    case_sensitive: bool = False
    join_repeats: bool = False
    entity: Literal["ORG"] | None = None
    """Each list item should name an entity of this kind (spaCy EntityRuler); checked, not required."""
    opens_with: str | None = None
    """A regex: a line that matches belongs to this field even without its label (table rows
    such as "Objetivo 7: ..." that OCR moved past another heading)."""
    run_in: bool = False
    """The label may also start mid-line after a sentence ("... seguros. Beneficiarias/os previstas/os: ...")."""


class Choice(_Strict):
    """A row of tick boxes: each option's printed labels, and what marks a ticked box."""

    options: dict[str, list[str]]
    ticked: str

    @field_validator("ticked")
    @classmethod
    def _ticked_compiles(cls, v: str) -> str:
        re.compile(v)
        return v


@dataclass(frozen=True)
class ChoiceOption:
    """One printed option of a choice row, as a pattern over folded text."""

    key: str
    value: str
    pattern: re.Pattern[str]


class RecordKeys(_Strict):
    common: list[str]
    bp: list[str]
    lesson: list[str]


class DataFiles(_Strict):
    places: str
    pacto_mundial: str
    lengths: str = "longitudes.yml"
    """Each field's usual length (extractors/fit.py)."""


_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class BankList(_Strict):
    """A list value's table in the Banco de Saberes, and the column that holds the item."""

    table: str
    column: str


class BankSection(_Strict):
    """A heading of a printed ficha and the fields printed under it."""

    heading: str
    fields: list[str]


class Criterion(_Strict):
    """A criterion a good practice is judged by, and the fields of a ficha that speak to it."""

    name: str
    meaning: str
    """What the criterion asks, in the words of the guide that sets it."""
    fields: list[str]


class BankPage(_Strict):
    """How the Banco de Saberes page (pipeline/review/banco_web.py) names facets and fields, and
    lays out a ficha."""

    facet_titles: dict[str, str] = {}
    """Facet name: its title on the page (an untitled facet shows its name)."""
    value_titles: dict[str, dict[str, str]] = {}
    """Facet name: {stored value: as the page shows it}."""
    titles: dict[str, str] = {}
    """Record key: its title, where the printed label is missing or names a heading (else the
    field's first label)."""
    sections: dict[Kind, list[BankSection]] = {}
    """Each kind of ficha's fields under its printed headings, in printed order: every record key once."""
    criteria: list[Criterion] = []


class Bank(_Strict):
    """What the Banco de Saberes (OUT/fichas.sqlite, pipeline/bank.py) tabulates, searches and counts."""

    columns: list[str] = []
    """Record keys that are columns of the `fichas` table."""
    lists: dict[str, BankList] = {}
    """List-valued record keys with a table of their own, one row per item."""
    full_text: list[str] = []
    """Record keys searched as full text (one FTS5 column each)."""
    facets: dict[str, str] = {}
    """Facet name: `table.column` a search is narrowed and counted by (each one indexed)."""
    page: BankPage = BankPage()

    @field_validator("lists")
    @classmethod
    def _names_are_sql_names(cls, v: dict[str, BankList]) -> dict[str, BankList]:
        bad = [n for spec in v.values() for n in (spec.table, spec.column) if not _NAME.match(n)]
        if bad:
            raise ValueError(f"table and column names must be lower-case letters, digits and _: {bad}")
        return v

    @field_validator("facets")
    @classmethod
    def _facets_are_table_columns(cls, v: dict[str, str]) -> dict[str, str]:
        bad = [f"{k}: {ref}" for k, ref in v.items()
               if not _NAME.match(k) or len(ref.split(".")) != 2 or not all(map(_NAME.match, ref.split(".")))]
        if bad:
            raise ValueError(f"a facet is name: table.column: {bad}")
        return v


class ReviewThreshold(_Strict):
    default: float = 0.9
    fields: dict[str, float] = {}

    def needs_review(self, field: str, confidence: float) -> bool:
        return confidence < self.fields.get(field, self.default)


class Template(_Strict):
    name: str
    version: int
    codes: Codes
    header: Header
    page_furniture: list[str]
    page_number: str | None = None
    """A regex for a page number alone on its line, with groups `before`, `number` and `after`."""
    footnote: str | None = None
    footnote_last_lines: int = 8
    stop_headings: list[str]
    choices: dict[str, Choice] = {}
    fields: dict[str, FieldSpec]
    record: RecordKeys
    data: DataFiles
    printed_order: dict[Kind, list[str]] = {}
    review_threshold: ReviewThreshold = ReviewThreshold()
    bank: Bank = Bank()

    def printed_before(self, first: str, second: str, kind: Kind) -> bool:
        """Whether a ficha of this kind prints the field `first` before the field `second`."""
        order = self.printed_order.get(kind, [])
        return first in order and second in order and order.index(first) < order.index(second)

    @field_validator("page_furniture")
    @classmethod
    def _patterns_compile(cls, v: list[str]) -> list[str]:
        for pattern in v:
            re.compile(pattern)
        return v

    @field_validator("footnote")
    @classmethod
    def _footnote_compiles(cls, v: str | None) -> str | None:
        if v is not None:
            re.compile(v)
        return v

    @field_validator("page_number")
    @classmethod
    def _page_number_has_its_groups(cls, v: str | None) -> str | None:
        if v is not None and not {"before", "number", "after"} <= set(re.compile(v).groupindex):
            raise ValueError("needs the groups (?P<before>...), (?P<number>...) and (?P<after>...)")
        return v

    @field_validator("fields")
    @classmethod
    def _row_patterns_compile(cls, v: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
        for key, spec in v.items():
            if spec.opens_with:
                try:
                    re.compile(spec.opens_with)
                except re.error as exc:
                    raise ValueError(f"{key}.opens_with: {exc}") from exc
        return v

    @cached_property
    def code_pattern(self) -> re.Pattern[str]:
        """A canonical code such as BP1_AH, as a whole token."""
        prefixes = "|".join(sorted(self.codes.prefixes, key=len, reverse=True))
        areas = "|".join(sorted(set(self.codes.areas) | {a for a in self.codes.area_aliases if a.isalpha() and len(a) <= 3}, key=len, reverse=True))
        return re.compile(rf"\b(?P<prefix>{prefixes})(?P<number>\d{{1,2}})_(?P<area>{areas})\b")

    @cached_property
    def choice_options(self) -> list[ChoiceOption]:
        """Every printed option of the choice rows, longest first ("no aprendida" before "aprendida")."""
        options = [
            ChoiceOption(key, value, re.compile(r"\s+".join(re.escape(w) for w in fold(label).split()) + r"\b"))
            for key, choice in self.choices.items()
            for value, labels in choice.options.items()
            for label in labels
        ]
        return sorted(options, key=lambda o: len(o.pattern.pattern), reverse=True)

    @cached_property
    def furniture(self) -> list[re.Pattern[str]]:
        return [re.compile(p, re.IGNORECASE) for p in self.page_furniture]

    def kind_of(self, prefix: str) -> Kind:
        return "bp" if self.codes.prefixes[prefix] == "buena_practica" else "lesson"

    def area_code(self, code_or_alias: str) -> str | None:
        key = code_or_alias.strip().upper()
        if key in self.codes.areas:
            return key
        return self.codes.area_aliases.get(key)

    def record_keys(self, kind: Kind) -> list[str]:
        extra = self.record.bp if kind == "bp" else self.record.lesson
        return self.record.common + [k for k in extra if k not in self.record.common]

    def all_record_keys(self) -> list[str]:
        keys = list(self.record.common)
        for k in self.record.bp + self.record.lesson:
            if k not in keys:
                keys.append(k)
        return keys

    def data_path(self, name: str) -> Path:
        return DATA_DIR / getattr(self.data, name)


@lru_cache(maxsize=8)
def load_template(path: Path = DEFAULT_TEMPLATE) -> Template:
    """Read and validate a template file; raise TemplateError naming the file and the key."""
    try:
        raw = read_yaml(path)
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(f"{path}: cannot read template: {exc}") from exc
    try:
        template = Template.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise TemplateError(f"{path}: invalid template: {problems}") from exc
    missing = [f for f in template.fields if f not in template.all_record_keys()]
    missing += [k for order in template.printed_order.values() for k in order
                if k not in template.all_record_keys()]
    missing += [k for k in template.choices if k not in template.all_record_keys()]
    bank = template.bank
    missing += [k for k in [*bank.columns, *bank.lists, *bank.full_text] if k not in template.all_record_keys()]
    if missing:
        raise TemplateError(f"{path}: fields not in record keys: {missing}")
    not_lists = [k for k in bank.lists if k not in template.fields
                 or template.fields[k].type not in ("list", "principles", "objectives")]
    if not_lists:
        raise TemplateError(f"{path}: bank.lists: not list fields: {not_lists}")
    _check_bank_page(template, path)
    return template


def _check_bank_page(template: Template, path: Path) -> None:
    """The page names only facets and record keys there are, and lays out every field of a ficha
    once, in printed order."""
    page, keys = template.bank.page, template.all_record_keys()
    problems = [f"{part}: no facet {name}" for part in ("facet_titles", "value_titles")
                for name in getattr(page, part) if name not in template.bank.facets]
    problems += [f"titles: no field {k}" for k in page.titles if k not in keys]
    problems += [f"criteria.{c.name}: no field {k}" for c in page.criteria for k in c.fields if k not in keys]
    for kind, sections in page.sections.items():
        laid_out = [k for section in sections for k in section.fields]
        expected = template.record_keys(kind)
        wrong = {"missing": set(expected) - set(laid_out), "not of this kind": set(laid_out) - set(expected),
                 "twice": {k for k in laid_out if laid_out.count(k) > 1}}
        problems += [f"sections.{kind}: {what} {sorted(keys)}" for what, keys in wrong.items() if keys]
        printed = [k for k in laid_out if k in template.printed_order.get(kind, [])]
        if printed != [k for k in template.printed_order.get(kind, []) if k in printed]:
            problems.append(f"sections.{kind}: not in the printed order {template.printed_order[kind]}")
    if problems:
        raise TemplateError(f"{path}: bank.page: {'; '.join(problems)}")
