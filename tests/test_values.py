"""Typed values: places against the gazetteer, Pacto Mundial rows decided by name, lists."""
import pytest

from extractors.template import load_template
from extractors.values import _objectives, _principles, plausible_cell, plausible_text, split_list, split_places


@pytest.fixture(scope="module")
def template():
    return load_template()


@pytest.mark.parametrize(
    "text, places",
    [
        ("Tulcan, Huaquillas y Lago Agrio.", ["Tulcán", "Huaquillas", "Lago Agrio"]),
        ("Loja, El Oro e Ibarra", ["Loja", "El Oro", "Ibarra"]),
        ("L Sucumbios, Carchi", ["Sucumbíos", "Carchi"]),
        ("Nueva Loja, Riobamba. Asistencia técnica a municipios", ["Lago Agrio", "Riobamba"]),
        # a line break where the comma was, and a label's OCR bleed between two names
        ("Ibarra, Tulcán, Quito lbarr 4 ) Tulcann Esmeraldas. Asistencia técnica", ["Ibarra", "Tulcán", "Quito", "Esmeraldas"]),
    ],
)
def test_places_are_canonical_and_accented(template, text, places):
    assert split_places(text, template.data_path("places")) == (places, True)


def test_a_phrase_that_is_no_place_list_stays_whole(template):
    text = "Alcance nacional mediante plataformas en línea."
    assert split_places(text, template.data_path("places")) == ([text], False)


def test_principles_are_decided_by_name_not_by_the_printed_letter(template):
    text = "Principios rectores Objetivos\n) Centrarse en las personas.\n6) Derechos humanos vulnerabilidades\n7) Perspectiva de género"
    assert _principles(text, template) == (["a", "f", "g"], True)


def test_principle_words_inside_an_objective_do_not_count(template):
    text = "Objetivo 19: Crear las condiciones necesarias para que\nlos migrantes puedan contribuir al\ndesarrollo sostenible en todos los países."
    assert _principles(text, template)[0] == []


def test_objectives_by_text_when_the_number_is_garbled(template):
    text = "Objetivo |5: Proporcionar a los migrantes acceso a servicios básicos.\nObijetivo 18: Invertir en el desarrollo de aptitudes"
    assert _objectives(text, template) == ([15, 18], True)
    assert _objectives("Objetivo 4: Abordar y reducir las vulnerabilidades en la migración.", template) == ([7], False)


def test_lists_drop_the_final_period_and_empty_items():
    assert split_list("OIM, Socios Implementadores, actores locales.") == ["OIM", "Socios Implementadores", "actores locales"]


def test_plausibility_checks():
    assert plausible_text("La contribución se mide en ventanillas abiertas.")
    assert not plausible_text("se mide en ventanillas abiertas.")
    assert plausible_text("coordinar con las autoridades locales.", capital_first=False)
    assert not plausible_text("La contribución se mide en")
    assert plausible_cell("Asistencias relacionadas al alojamiento")
    assert not plausible_cell("100,000 USD Agencias")
    assert not plausible_cell("P laboral")


@pytest.mark.parametrize("text", ["P 7 porg OIM, Socios Implementadores.", "4Fichas de identificación de riesgos en frontera."])
def test_ocr_debris_at_the_start_is_implausible(text):
    assert not plausible_text(text)


BULLETED = """ÁREA A LA QUE CORRESPONDE MONITOREO Y EVALUACIÓN
CÓDIGO BP4_ME
BP4_ME: Llamar a cada familia una semana después de la entrega.
Hallazgo
o Las llamadas de seguimiento revelan problemas que las visitas no ven.
Efectividad
( Se mide por los reclamos resueltos en la primera semana.
Metas del proyecto:
¡ Meta: Asistencias oportunas y verificadas.
Factores diferenciadores (Valor agregado de OIM)
L " La OIM entrena a las operadoras en escucha activa.
Vínculos ascendentes a objetivos más elevados de la Institución
N/A
Palabras clave
• Seguimiento, llamadas, verificación.
"""


def test_bullets_and_specks_at_a_value_start_are_dropped(template):
    from extractors.values import extract_ficha
    from pipeline.records import FichaBlock, Line

    lines = tuple(Line(t, 1) for t in BULLETED.splitlines())
    fields = extract_ficha(FichaBlock("BP4_ME", "header", "ME", lines, lines[1]), "doc", template).fields
    assert fields["hallazgo"].value == "Las llamadas de seguimiento revelan problemas que las visitas no ven."
    assert fields["efectividad"].value == "Se mide por los reclamos resueltos en la primera semana."
    assert fields["metas_proyecto"].value == "Meta: Asistencias oportunas y verificadas."
    assert fields["factores_diferenciadores"].value == "La OIM entrena a las operadoras en escucha activa."
    assert fields["palabras_clave"].value == ["Seguimiento", "llamadas", "verificación"]
    assert fields["vinculos_institucion"].value == "N/A"  # printed as such: no speck


@pytest.mark.parametrize("value", ["a través de la red local.", "(NNA) reciben apoyo.", "¿Cómo se mide? Con datos.",
                                   "a) Centrarse en las personas.", "¡Qué bien! dijeron."])
def test_a_value_that_really_opens_with_a_sign_or_short_word_keeps_it(value):
    from pipeline.text import strip_marks
    assert strip_marks(value) == value


def test_a_principle_row_whose_name_is_lost_fails_the_check(template):
    read = "Principios rectores Objetivos\na) Centrarse en las personas.\nf) Dcrc hs hmnos\ng) Perspectiva de género."
    letters, ok = _principles(read, template)
    assert letters == ["a", "g"] and not ok
    assert _principles(read.replace("Dcrc hs hmnos", "Derechos humanos"), template) == (["a", "f", "g"], True)
