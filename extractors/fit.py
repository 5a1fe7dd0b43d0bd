"""How well a piece of text fits a field: its type, its shape and its usual length.

One mechanism serves two stages:
- assignment (`extractors.spans`): where a flattened table leaves a run of labels with their
  values after (or before) them, each value goes to the label whose field it fits best, in
  the printed order: places to `territorio`, organisations to `actores`, an amount to
  `presupuesto_usd`, a sentence to the text fields;
- confidence (`extractors.values`): a value that does not fit its field is doubted — a place
  list where a sentence belongs, another label or a heading inside it, several times the
  length the field usually has.

Everything a fit compares against is data: the template's field types, the gazetteer, the
organisation patterns, and the usual lengths learned from hand-checked records
(`data/longitudes.yml`, `learn_lengths`).
"""
from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from rapidfuzz import fuzz

from corrections.lexicon import base_lexicon, in_spanish_list
from corrections.numbers import read_int
from extractors.entities import find_entities
from extractors.labels import LabelMatcher
from extractors.template import FieldSpec, Template
from pipeline.files import read_yaml
from pipeline.text import fold

LENGTHS = Path(__file__).parent / "data" / "longitudes.yml"
MIN_SPREAD = 0.35
"""The smallest spread (sd of log words) a field's length is allowed: a few records agree by chance."""
LONG_Z = 3.0
"""A value this many spreads longer than its field's usual length has absorbed something."""
GOOD, FAIR, POOR = 1.0, 0.5, 0.02
"""Type fits: the text is what the field holds; could be; is not."""
SHORT_FIT = 0.3
"""The least a value shorter than its field's usual length fits: one sentence is a fair value."""
SENTENCE_WORDS = 6
LIST_ITEM_WORDS = 7
"""A comma item with more words is a clause of a sentence, not a list item."""
HEADING_LETTERS = 12
MISREAD_LETTERS = 5
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
_CAPS_RUN = re.compile(r"\b[A-ZÁÉÍÓÚÑ]{2,}(?:\s+(?:[A-ZÁÉÍÓÚÑ]{1,3}\s+)?[A-ZÁÉÍÓÚÑ]{2,}){1,}\b")


@dataclass(frozen=True)
class Shape:
    """What a piece of text looks like, measured once and compared against every field."""

    words: int
    sentences: int
    amount: bool
    """A number cell: digits with an optional currency."""
    no_value: bool
    """A "no value" phrase (No aplica, No registra): what an empty cell of any field says."""
    places: float
    """Share of the comma items that are places of the gazetteer."""
    organisations: float
    """Share of the comma items that name an organisation."""
    items: int
    longest_item: int
    """Words of the longest comma item."""

    @property
    def is_list(self) -> bool:
        return self.items >= 2 and self.longest_item <= LIST_ITEM_WORDS or self.items == 1 and self.words <= 4

    @property
    def is_sentence(self) -> bool:
        return self.words >= SENTENCE_WORDS and not self.is_list


def shape(text: str, gazetteer: Path) -> Shape:
    words = len(text.split())
    items = [i.strip(" .;:") for i in re.split(r"[,;]|\s+[ye]\s+", text) if i.strip(" .;:")]
    short = words <= 60
    entities = find_entities(text, gazetteer) if short else []
    places = sum(1 for i in items if _covered(i, entities, "LOC")) / len(items) if items and short else 0.0
    orgs = sum(1 for i in items if _covered(i, entities, "ORG", whole=False)) / len(items) if items and short else 0.0
    reading = read_int(text) if words <= 5 else None
    return Shape(words, len(_SENTENCE_END.findall(text)), reading is not None and reading.value is not None,
                 reading is not None and not reading.ambiguous and reading.note.startswith("no value"),
                 places, orgs, len(items), max((len(i.split()) for i in items), default=0))


def _covered(item: str, entities, label: str, whole: bool = True) -> bool:
    """Whether an item is (whole) or names (not whole) an entity of `label`."""
    folded = fold(item)
    for e in entities:
        if e.label == label and fold(e.text) in folded:
            if not whole or len(fold(e.text)) >= 0.8 * len(folded):
                return True
    return False


def type_class(spec: FieldSpec) -> str:
    """What kind of text a field holds, as far as text can tell: places, organisations, other
    lists, a number, a choice, or running text (a phrase or sentences)."""
    if spec.type == "list":
        return "places" if spec.split == "places" else "organisations" if spec.entity else "list"
    return "text" if spec.type == "text" else spec.type


_AMOUNT = re.compile(r"\d[\d.,]*\d\s*(?:USD|\$)|(?:USD|\$)\s*\d|\b\d{1,3}(?:[.,]\d{3})+\b")
"""An amount of money or a grouped number ("1.500 USD", "32,000"): no name of a place or an
organisation holds one."""


def type_fit(spec: FieldSpec, s: Shape) -> float:
    """How well text of shape `s` suits a field of this type (GOOD, FAIR or POOR)."""
    if s.words == 0:
        return POOR
    if spec.type == "int":
        return GOOD if s.amount or s.no_value else POOR
    if s.no_value:
        return FAIR
    if s.amount:
        return POOR
    if spec.type == "enum":
        return GOOD if s.words <= 2 or s.sentences else FAIR
    if spec.type == "list" and spec.split == "places":
        return GOOD if s.places >= 0.5 else FAIR if s.words <= 12 and not s.organisations else POOR
    if spec.type == "list" and spec.entity:
        if s.places >= 0.5 or (not s.organisations and s.items == 1 and s.is_sentence):
            return POOR
        return GOOD if s.organisations >= 0.5 and s.is_list else FAIR
    if spec.type == "list":
        return GOOD if s.is_list and s.places < 0.5 else FAIR if s.items >= 2 else POOR
    if spec.type in ("principles", "objectives"):
        return GOOD
    if s.places >= 0.5:
        return POOR  # a list of places where text belongs
    if spec.single_line:
        return GOOD if s.words <= 16 and s.sentences <= 1 else FAIR
    return GOOD if s.is_sentence else FAIR


@dataclass(frozen=True)
class Lengths:
    """Each field's usual length: mean and spread of log(words + 1), from hand-checked records."""

    fields: dict[str, tuple[float, float]]

    def z(self, key: str, words: int) -> float:
        """How many spreads longer (positive) or shorter than usual a value of `words` words is."""
        if key not in self.fields:
            return 0.0
        mean, spread = self.fields[key]
        return (math.log(words + 1) - mean) / spread

    def fit(self, key: str, words: int) -> float:
        """1.0 within two spreads of the usual length, falling off beyond; a short value only
        down to SHORT_FIT (one sentence is a fair value of any field), a long one to nothing
        (it absorbed what was not its own)."""
        z = self.z(key, words)
        excess = max(0.0, abs(z) - 2.0)
        fit = math.exp(-excess * excess / 2)
        return max(SHORT_FIT, fit) if z < 0 else fit


def learn_lengths(records: list[dict], keys: list[str]) -> Lengths:
    """Usual lengths of these text and list fields in these records (words of the value)."""
    seen: dict[str, list[float]] = {}
    for record in records:
        for key, value in record.items():
            if key not in keys or value is None:
                continue
            if isinstance(value, str):
                seen.setdefault(key, []).append(math.log(len(value.split()) + 1))
            elif isinstance(value, list) and value and isinstance(value[0], str):
                seen.setdefault(key, []).append(math.log(sum(len(v.split()) for v in value) + 1))
    return Lengths({key: (statistics.fmean(v), max(MIN_SPREAD, statistics.pstdev(v)))
                    for key, v in seen.items() if len(v) >= 3})


@lru_cache(maxsize=8)
def load_lengths(path: Path = LENGTHS) -> Lengths:
    raw = read_yaml(path)
    return Lengths({key: (float(v["media"]), float(v["dispersion"])) for key, v in raw["campos"].items()})


def dump_lengths(lengths: Lengths, source: str) -> str:
    """The YAML of `data/longitudes.yml`."""
    fields = {key: {"media": round(m, 4), "dispersion": round(s, 4)} for key, (m, s) in sorted(lengths.fields.items())}
    header = (f"# Usual length of each field: mean and spread of log(words + 1), learned from {source}\n"
              "# by `python -m tests.bench.lengths`. Used to doubt a value far longer than its field's\n"
              "# usual (it absorbed the next paragraph) and to weigh assignments (extractors/fit.py).\n")
    return header + yaml.safe_dump({"campos": fields}, allow_unicode=True, sort_keys=False)


def _misread_word(text: str) -> bool:
    """A word of MISREAD_LETTERS letters or more, in lower case (names, acronyms and foreign
    terms are capitalised), that Spanish does not use, or a letter run broken by a digit."""
    for word in re.findall(r"[^\W_][\w+]*", text):
        letters = re.sub(r"[^a-záéíóúñü]", "", word)
        if re.search(r"[^\W\d_]\d+[^\W\d_]", word):
            return True
        if word[:1].islower() and len(letters) >= MISREAD_LETTERS and not _known(letters):
            return True
    return False


def _known(word: str) -> bool:
    """A Spanish form of the lexicon, or a word Spanish text uses at all (wordfreq), however rare."""
    return base_lexicon().is_valid(word) or in_spanish_list(word)


def heading_like(text: str) -> bool:
    """Whether the text holds a run of capitalised words long enough to be a heading or a
    running title ("ADMINISTRATIVO FINANCIERO (AF)"), not acronyms in a list ("OIM, ACNUR")."""
    return any(sum(c.isalpha() for c in run[0]) >= HEADING_LETTERS and "," not in run[0]
               for run in _CAPS_RUN.finditer(text))


EMPTY_FIT = 0.03
"""A label of a table run left without a value: possible (a criterion not filled), unusual; less
likely than a short value, likelier than a value of another type (POOR)."""


def align(count: int, slots: int, group_fit) -> tuple[list[tuple[int, int]], float]:
    """The best split of `count` units, in order, into `slots` consecutive groups (a group may
    be empty): each group [i, j) scores `group_fit(slot, i, j)` (a probability-like fit), the
    split the product. Returns each slot's (i, j) and the margin: how many times likelier the
    best split is than the next best (inf when there is no other)."""
    # best[s][j]: the two best (log score, i, previous entry) placing units [0, j) in slots [0, s)
    best: list[list[list[tuple[float, int, int]]]] = [[[] for _ in range(count + 1)] for _ in range(slots + 1)]
    best[0][0] = [(0.0, -1, -1)]
    for s in range(1, slots + 1):
        for j in range(count + 1):
            found = []
            for i in range(j + 1):
                for k, (score, _, _) in enumerate(best[s - 1][i]):
                    fit = group_fit(s - 1, i, j)
                    if fit > 0:
                        found.append((score + math.log(fit), i, k))
            best[s][j] = sorted(found, reverse=True)[:2]
    if not best[slots][count]:
        return [], 0.0
    bounds, j, k = [], count, 0
    for s in range(slots, 0, -1):
        _, i, k_prev = best[s][j][k]
        bounds.append((i, j))
        j, k = i, k_prev
    ends = best[slots][count]
    margin = math.exp(ends[0][0] - ends[1][0]) if len(ends) > 1 else math.inf
    return bounds[::-1], margin


TITLE_AGREES = 85
"""rapidfuzz ratio of a title (folded) to its summary description for the two to agree."""


def agrees_with(text: str, title: str) -> bool:
    return fuzz.ratio(fold(text), fold(title)) >= TITLE_AGREES


class FieldFit:
    """How well a text fits each field of one ficha (type and usual length; the title by the
    summary table when it was read): the scores `align` weighs."""

    def __init__(self, template: Template, title: str | None = None):
        self.specs = template.fields
        self.gazetteer = template.data_path("places")
        self.lengths = load_lengths(template.data_path("lengths"))
        self.title = title
        self._shapes: dict[str, Shape] = {}

    def __call__(self, key: str, text: str) -> float:
        if not text:
            return EMPTY_FIT
        if key == "titulo":
            return FAIR if self.title is None else GOOD if agrees_with(text, self.title) else POOR
        spec = self.specs.get(key)
        if spec is None:
            return FAIR
        if text not in self._shapes:
            self._shapes[text] = shape(text, self.gazetteer)
        s = self._shapes[text]
        return type_fit(spec, s) * self.lengths.fit(key, s.words)


class Doubts:
    """The checks every value goes through, against its own field (built from the template)."""

    def __init__(self, template: Template):
        self.template = template
        self.gazetteer = template.data_path("places")
        self.lengths = load_lengths(template.data_path("lengths"))
        labels = [(key, label, spec.case_sensitive) for key, spec in template.fields.items() for label in spec.labels]
        self.labels = LabelMatcher(labels + [("_heading", h, False) for h in template.stop_headings])

    def about(self, key: str, pieces: list[str], text: str, next_lost: bool = False) -> str | None:
        """Why a value seems not to be (only) its field's, or None.

        - `label`: a line of it (not the first) opens with another field's label or a heading,
          however garbled: the label that ended the value was lost;
        - `heading`: it holds a run of capitalised words, as an area heading or a running title;
        - `long`: it is over LONG_Z spreads longer than its field usually is;
        - `type`: it is what another type of field holds (a place list where a sentence belongs);
        - `misread`: a list or one-line value (compared word for word) holds a common word that
          no lexicon knows ("campajhas", "capacitaci6on"): OCR damage the repair could not undo;
        - `next-lost`: a text of several sentences printed right before a field of which nothing
          was found (`next_lost`) may hold that field's text, its label lost.
        """
        for piece in pieces[1:]:
            hit = self.labels.match(piece) or self.labels.near(piece)
            if hit is not None and hit.key != key:
                return "label"
        if heading_like(text):
            return "heading"
        if self.lengths.z(key, len(text.split())) > LONG_Z:
            return "long"
        spec = self.template.fields.get(key)
        if spec is not None and type_fit(spec, shape(text, self.gazetteer)) == POOR:
            return "type"
        if spec is not None and (spec.type == "list" or spec.single_line) and _misread_word(text):
            return "misread"
        if spec is not None and type_class(spec) in ("places", "organisations") and _AMOUNT.search(text):
            return "type"  # an amount glued to a list of names: the cell beside it
        if next_lost and spec is not None and spec.type == "text" and len(_SENTENCE_END.findall(text)) >= 2:
            return "next-lost"
        return None
