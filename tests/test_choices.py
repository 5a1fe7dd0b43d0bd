"""The lesson-type row of tick boxes, however OCR printed its boxes: a stop line for the field
before it, and evidence for `tipo` that must agree with the code."""
import pytest

from extractors.choices import read_choice_row
from extractors.spans import assign, join_pieces
from extractors.template import load_template
from extractors.values import extract_ficha
from pipeline.records import FichaBlock, Line


@pytest.fixture(scope="module")
def template():
    return load_template()


ROWS = {
    "[X] Lección aprendida [ ] Lección no aprendida": "leccion_aprendida",
    "X Lección aprendida Lección no aprendida": "leccion_aprendida",
    "☐ Lección aprendida ☒ Lección no aprendida": "leccion_no_aprendida",
    "(x) Leccion aprendida ( ) Leccion no aprendida": "leccion_aprendida",
    "Lección aprendida Lección no aprendida": None,
    "[x] Lección aprendida [x] Lección no aprendida": None,
}


@pytest.mark.parametrize("row", ROWS)
def test_a_tick_row_is_read_whatever_the_box(template, row):
    is_row, tick = read_choice_row(row, template)
    assert is_row
    assert (tick.option if tick else None) == ROWS[row]


@pytest.mark.parametrize("sentence", ["La lección aprendida es que conviene coordinar antes.",
                                      "Una lección no aprendida por los equipos de campo."])
def test_a_sentence_naming_an_option_is_no_row(template, sentence):
    assert read_choice_row(sentence, template) == (False, None)


LESSON = """ÁREA A LA QUE CORRESPONDE GESTIÓN DE FRONTERAS
CÓDIGO {code}
LA2_GF: Coordinar turnos con las autoridades de migración.
Beneficiarios
Familias que cruzan por el puente internacional.
{row}
Éxito / Cuestiones positivas
Los turnos ordenaron la llegada de las familias.
"""


@pytest.mark.parametrize("row", [r for r in ROWS if ROWS[r]])
def test_the_row_is_not_glued_to_the_field_before(template, row):
    lines = [Line(t, 1) for t in LESSON.format(code="LA2_GF", row=row).splitlines()]
    spans = assign(lines[2:], "LA2_GF", template, "lesson")
    got = {s.key: join_pieces([p for para in s.paragraphs for p in para]) for s in spans}
    assert got["beneficiarios"] == "Familias que cruzan por el puente internacional."
    assert got["exito"] == "Los turnos ordenaron la llegada de las familias."


def _ficha(template, code: str, row: str):
    lines = tuple(Line(t, 1) for t in LESSON.format(code=code, row=row).splitlines())
    return extract_ficha(FichaBlock(code, "header", "GF", lines, lines[1]), "doc", template)


def test_a_tick_that_agrees_with_the_code_keeps_its_score(template):
    agree = _ficha(template, "LA2_GF", "[X] Lección aprendida [ ] Lección no aprendida")
    unread = _ficha(template, "LA2_GF", "Lección aprendida Lección no aprendida")
    assert agree.fields["tipo"].value == "leccion_aprendida"
    assert agree.fields["tipo"].confidence == unread.fields["tipo"].confidence >= 0.9
    assert "valid" in agree.fields["tipo"].evidence


def test_a_tick_that_disagrees_with_the_code_sends_it_to_review(template):
    ficha = _ficha(template, "LA2_GF", "[ ] Lección aprendida [X] Lección no aprendida")
    assert ficha.fields["tipo"].value == "leccion_aprendida"  # the code decides the value
    assert ficha.fields["tipo"].confidence < 0.6 and ficha.fields["codigo"].confidence < 0.6
    assert "invalid" in ficha.fields["tipo"].evidence
