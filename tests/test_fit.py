"""Values checked against their own field (extractors/fit.py): absorbed labels, headings and
paragraphs, text of another type, lists that run on; and garbled headings found as labels.

The ficha texts are made up for these tests, in the catalogue's template.
"""
import json
from pathlib import Path

import pytest

from extractors.fit import Doubts
from extractors.template import load_template
from extractors.values import extract_ficha
from pipeline.records import FichaBlock, Line

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def template():
    return load_template()


def ficha(template, text: str, code: str = "BP2_ME"):
    lines = tuple(Line(t, 1) for t in text.strip("\n").splitlines())
    kind = "lesson" if code[:2] in ("LA", "LN") else "bp"
    block = FichaBlock(code, "header", code.split("_")[1], lines, lines[1])
    assert kind in ("bp", "lesson")
    return extract_ficha(block, "doc", template).fields


HEAD = """ÁREA A LA QUE CORRESPONDE MONITOREO Y EVALUACIÓN
CÓDIGO BP2_ME
BP2_ME: Publicar un tablero mensual de indicadores.
"""
LONG = " ".join(["El tablero se actualiza con los datos de cada socio y se revisa en la reunión mensual."] * 8)


def test_a_heading_garbled_by_a_letter_still_ends_the_field_before(template):
    fields = ficha(template, HEAD + """Hallazgo
Los socios consultan el tablero antes de planificar.
Ffectividad
Se mide por las decisiones que cita el acta.
Palabras clave
Tablero, indicadores.
""")
    assert fields["hallazgo"].value == "Los socios consultan el tablero antes de planificar."
    assert fields["efectividad"].value == "Se mide por las decisiones que cita el acta."


def test_a_plural_or_a_numbered_row_is_not_a_garbled_label(template):
    fields = ficha(template, HEAD + """Hallazgo
Los socios consultan el tablero.
Efectividades Altas y Bajas se comparan en el informe.
Palabras clave
Tablero, indicadores.
""")
    assert fields["hallazgo"].value == ("Los socios consultan el tablero. "
                                        "Efectividades Altas y Bajas se comparan en el informe.")


def test_a_value_far_longer_than_its_field_is_doubted(template):
    fields = ficha(template, HEAD + "Hallazgo\n" + LONG + "\nPalabras clave\nTablero, indicadores.\n")
    assert fields["hallazgo"].confidence < 0.6
    assert "doubt:long" in fields["hallazgo"].evidence


def test_a_value_holding_another_fields_label_is_doubted(template):
    fields = ficha(template, HEAD + """Territorio Quito, Ibarra
Efectividad
Se mide por las decisiones que cita el acta.
Ferritorio Ibarra y Otavalo.
Palabras clave
Tablero, indicadores.
""")
    assert fields["efectividad"].confidence < 0.6
    assert "doubt:label" in fields["efectividad"].evidence


def test_a_value_holding_a_heading_is_doubted(template):
    fields = ficha(template, HEAD + """Efectividad
Se mide por las decisiones que cita el acta.
ADMINISTRATIVO FINANCIERO (AF)
Palabras clave
Tablero, indicadores.
""")
    assert fields["efectividad"].confidence < 0.6
    assert "doubt:heading" in fields["efectividad"].evidence


def test_a_place_list_where_a_phrase_belongs_is_doubted(template):
    fields = ficha(template, HEAD + "Tipo de asistencia Ibarra, Otavalo, Cotacachi\nPalabras clave\nTablero.\n")
    assert fields["tipo_asistencia"].confidence < 0.6
    assert "doubt:type" in fields["tipo_asistencia"].evidence


@pytest.mark.parametrize("after", ["No aplica", "ADMINISTRATIVO FINANCIERO (AF)",
                                   "La coordinación se hizo por teléfono."])
def test_a_list_ends_where_its_items_end(template, after):
    fields = ficha(template, HEAD + f"Palabras clave\nTablero, indicadores, socios\n{after}\n"
                   if not after.endswith(".") else HEAD + f"Palabras clave\nTablero, indicadores, socios.\n{after}\n")
    assert fields["palabras_clave"].value == ["Tablero", "indicadores", "socios"]


@pytest.mark.parametrize("folder", ["gold", "unseen"])
def test_values_as_printed_raise_no_doubt(template, folder):
    """The hand-checked values of the text and list fields, read alone, fit their fields: at
    most one in a hundred is doubted (a rare word no lexicon has, "awapit", is a fair doubt)."""
    doubts, doubted, values = Doubts(template), [], 0
    for path in sorted((DATA / folder).glob("*.json")):
        for record in json.loads(path.read_text(encoding="utf-8"))["fichas"]:
            for key, value in record.items():
                spec = template.fields.get(key)
                if value is None or spec is None or spec.type not in ("text", "list"):
                    continue
                text = ", ".join(value) if isinstance(value, list) else value
                values += 1
                if (doubt := doubts.about(key, [text], text)) is not None:
                    doubted.append((record["codigo"], key, doubt))
    assert len(doubted) <= values / 100, doubted


def test_a_text_that_ran_on_into_a_field_whose_label_was_lost_is_doubted(template):
    """The lesson's "Descripción de la lección" label is lost to bleed-through: its paragraph
    runs on in the hallazgo, which must not keep a high score."""
    lesson = """ÁREA A LA QUE CORRESPONDE MONITOREO Y EVALUACIÓN
CÓDIGO LA3_ME
LA3_ME: Revisar los indicadores con los socios cada trimestre.
Hallazgo
Los socios entienden mejor los indicadores cuando los revisan juntos.
DcsAlpcAn ¿c Ia lecciAn
La revisión conjunta reduce los errores de registro en los informes.
Contexto y condiciones previas relacionadas
Los socios reportaban con formatos distintos.
"""
    fields = ficha(template, lesson, "LA3_ME")
    assert fields["descripcion_leccion"].value is None
    assert fields["hallazgo"].confidence < 0.6
    assert "doubt:next-lost" in fields["hallazgo"].evidence
    assert fields["contexto"].confidence >= 0.9


@pytest.mark.parametrize("value", ["Sensibilización, comunidades de acogida, campajhas",
                                   "OIM, Socios Implementadores que ejecutan capacitaci6on"])
def test_a_list_holding_a_word_ocr_damaged_past_repair_is_doubted(template, value):
    assert Doubts(template).about("palabras_clave", [value], value) == "misread"


def test_an_amount_glued_to_a_list_of_names_is_doubted(template):
    value = "OIM, Socios Implementadores, actores locales. 1.500 USD"
    assert Doubts(template).about("actores", [value], value) == "type"
