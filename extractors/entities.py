"""Named entities with spaCy: Ecuadorian places from the gazetteer, organisations from rules.

No statistical model is loaded: `spacy.blank("es")` with an EntityRuler built from data files
the project carries, so nothing is downloaded and results do not depend on a model version.
Matching runs on accent-folded lower-case text, so OCR that lost accents still finds
"Tulcán" in "Tulcan", and the canonical, accented name comes back as the entity id.

spaCy takes ~1 s to import: it is imported when the first entity is looked for, or by a run
in the background once a page is with Tesseract (`pipeline.batch`), so that extraction does not
wait for it.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.files import read_yaml
from pipeline.text import fold, strip_junk

if TYPE_CHECKING:
    from spacy.language import Language

ORG_PATTERNS = Path(__file__).parent / "data" / "organizaciones.yml"


@dataclass(frozen=True)
class Entity:
    text: str
    canonical: str
    label: str
    """"LOC" for a gazetteer place, "ORG" for an organisation."""
    start: int
    end: int


def load_gazetteer(path: Path) -> dict[str, str]:
    """Folded name → canonical name, for provinces, cantons and aliases."""
    data = read_yaml(path)
    names: dict[str, str] = {}
    for province, cantons in data["provincias"].items():
        names[fold(province)] = province
        for canton in cantons:
            names[fold(canton)] = canton
    for alias, canonical in (data.get("alias") or {}).items():
        names[fold(alias)] = canonical
    return names


_building = threading.Lock()


def entity_pipeline(gazetteer_path: Path) -> Language:
    """The EntityRuler pipeline, built once per gazetteer: a run builds it in the background while
    pages are read, and extraction then waits for that one rather than building its own."""
    with _building:
        return _entity_pipeline(gazetteer_path)


@lru_cache(maxsize=4)
def _entity_pipeline(gazetteer_path: Path) -> Language:
    import spacy

    nlp = spacy.blank("es")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    patterns = [
        {"label": "LOC", "pattern": folded, "id": canonical}
        for folded, canonical in load_gazetteer(gazetteer_path).items()
    ]
    orgs = read_yaml(ORG_PATTERNS)
    for canonical, spec in orgs["organizaciones"].items():
        for phrase in spec.get("frases", []):
            patterns.append({"label": "ORG", "pattern": fold(phrase), "id": canonical})
        for tokens in spec.get("tokens", []):
            patterns.append({"label": "ORG", "pattern": tokens, "id": canonical})
    ruler.add_patterns(patterns)
    return nlp


def find_entities(text: str, gazetteer_path: Path) -> list[Entity]:
    """Places and organisations in `text`, with offsets into `text` itself."""
    folded = fold(text)
    if len(folded) != len(text):  # a character folded to several: fall back to no offsets
        folded = text.lower()
    doc = entity_pipeline(gazetteer_path)(folded)
    found = [
        Entity(text[e.start_char:e.end_char], e.ent_id_ or e.text, e.label_, e.start_char, e.end_char)
        for e in doc.ents
    ]
    for m in _organisation_shape().finditer(text):
        inside = [e for e in found if m.start() <= e.start and e.end <= m.end()]
        if not any(e.start < m.end() and m.start() < e.end for e in found if e not in inside):
            found = [e for e in found if e not in inside] + [Entity(m[0], m[0], "ORG", m.start(), m.end())]
    return sorted(found, key=lambda e: e.start)


@lru_cache(maxsize=1)
def _organisation_shape() -> re.Pattern[str]:
    """An organisation no list names: an acronym (HIAS, ACNUR), or a word an organisation's
    name opens with (`cabezas` of the data file: Fundación, Servicio, Cruz Roja ...) and the
    capitalised words after it ("Fundación Alas de Colibrí", "GAD Municipal de Macará")."""
    heads = read_yaml(ORG_PATTERNS)["cabezas"]
    head = "|".join(re.escape(h) for h in sorted(heads, key=len, reverse=True))
    name = r"(?:\s+(?:(?:de|del|la|las|los|y|para|el|en)\s+)?[A-ZÁÉÍÓÚÑ][\wáéíóúñü]*)*"
    return re.compile(rf"\b(?:(?:{head})|[A-ZÁÉÍÓÚÑ]{{2,6}}s?(?![\wáéíóúñ])){name}")


def split_list(text: str) -> list[str]:
    """Comma-separated items, each trimmed, the final period dropped."""
    items = [strip_junk(i).strip().rstrip(".").strip() for i in text.split(",")]
    return [i for i in items if i]


def names_only(items: list[str], label: str, gazetteer_path: Path, spare_words: int | None = None) -> bool:
    """Every item names an entity of this label ("ORG"); with `spare_words`, each item has at
    most that many words besides its names ("la Comunidad de acogida"), so a sentence that
    mentions one does not count. No items: nothing contradicts it (True)."""
    for item in items:
        named = [e for e in find_entities(item, gazetteer_path) if e.label == label]
        if not named:
            return False
        if spare_words is not None and len(item.split()) - sum(len(e.text.split()) for e in named) > spare_words:
            return False
    return True
