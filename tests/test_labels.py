"""Label matching on OCR'd line starts: accents lost, words glued or split, labels cut in two."""
import pytest

from extractors.labels import LabelMatcher
from pipeline.text import fold, squash

LABELS = [
    ("poblacion_asistida", "# de población asistida", False),
    ("territorio", "Territorio", False),
    ("vinculos", "Vínculos ascendentes a objetivos más elevados de la Institución", False),
    ("actores", "Actores involucrados (ONG, Gobierno, Empresa)", False),
    ("importante", "IMPORTANTE", True),
    ("contexto", "Contexto", False),
    ("contexto_leccion", "Contexto y condiciones previas relacionadas", False),
]


@pytest.fixture(scope="module")
def matcher():
    return LabelMatcher(LABELS)


def test_fold_and_squash_keep_offsets():
    assert fold("Población ÑANDÚ") == "poblacion nandu"
    text, index = squash("# de pobla-ción")
    assert text == "depoblacion"
    assert index[0] == 2 and text[-1] == "n" and index[-1] == len("# de pobla-ción") - 1


@pytest.mark.parametrize(
    "line, key, rest",
    [
        ("# depoblacion asistida 400", "poblacion_asistida", "400"),
        ("+ de poblacién asistida 32,000", "poblacion_asistida", "32,000"),
        ("Territorio Quito, Tulcan", "territorio", "Quito, Tulcan"),
        ("Actores involucrados (ONG, Goblerno, Empresa) OIM", "actores", "OIM"),
        ("Contexto : La Guía", "contexto", "La Guía"),
        ("Contexto y condiciones previas relacionadas", "contexto_leccion", ""),
        ("IMPORTANTE Económica y Social", "importante", "Económica y Social"),
    ],
)
def test_full_labels(matcher, line, key, rest):
    hit = matcher.match(line)
    assert hit is not None and (hit.key, hit.rest, hit.partial) == (key, rest, False)


def test_label_head_on_one_line(matcher):
    hit = matcher.match("Vinculos ascendentes a objetivos mas El alcanzar acuerdos")
    assert (hit.key, hit.rest, hit.partial) == ("vinculos", "El alcanzar acuerdos", True)


@pytest.mark.parametrize("line", ["Contextos de crisis", "Es importante en la medida", "Territorios nuevos", "Empresa social"])
def test_values_that_start_like_labels_are_not_labels(matcher, line):
    assert matcher.match(line) is None


@pytest.mark.parametrize(
    "line, rest",
    [("Empresa)", ""), ("Gobierno, Empresa)", ""), ("elevados de la Institucion (considerando la", " (considerando la")],
)
def test_label_tails_are_found(matcher, line, rest):
    assert line[matcher.tail_length(line):] == rest


@pytest.mark.parametrize("line", ["Empresas grandes", "de la institución", "Quito"])
def test_ordinary_text_has_no_tail(matcher, line):
    assert matcher.tail_length(line) == 0


@pytest.mark.parametrize("line", ["X de población asistida 32,000", "H de poblacion asistida 32,000", "++ de población asistida 32,000"])
def test_a_symbol_read_as_another_short_token(matcher, line):
    hit = matcher.match(line)
    assert (hit.key, hit.rest) == ("poblacion_asistida", "32,000")


def test_a_tail_of_short_words_counts_only_right_after_its_head(matcher):
    key = matcher.match("Vinculos ascendentes a objetivos mas elevados").key
    assert matcher.tail_length("de la Institución", after_head=key) == len("de la Institución")
    assert matcher.tail_length("de la Institución", after_head="territorio") == 0
