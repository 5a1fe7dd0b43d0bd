"""Which text belongs to which label, on the layouts OCR makes of two-column fichas.

The blocks below are written for the test (not copied from a seed page): each reproduces one
layout pattern of the template, with the words changed.
"""
import pytest

from extractors.spans import assign
from extractors.template import load_template
from extractors.spans import join_pieces
from pipeline.records import Line


@pytest.fixture(scope="module")
def template():
    return load_template()


def lines(text: str) -> list[Line]:
    return [Line(t, 1) for t in text.strip("\n").split("\n")]


def values(text: str, template, kind="bp", code="BP3_GF") -> dict[str, str]:
    out = {}
    for span in assign(lines(text), code, template, kind):
        value = join_pieces([p for para in span.paragraphs for p in para])
        if value:
            out.setdefault(span.key, value)
    return out


def test_label_then_value_and_run_in_labels(template):
    got = values(
        """
BP3_GF: Abrir ventanillas móviles en los pasos
fronterizos.

Hallazgo
Las ventanillas reducen los tiempos de espera.

Contexto: En la frontera norte hay mucha demanda. Consejos en términos de aplicabilidad: coordinar
con las autoridades locales.
Relación causa-efecto: Menos espera, más atención.
""",
        template,
    )
    assert got["titulo"] == "Abrir ventanillas móviles en los pasos fronterizos."
    assert got["hallazgo"] == "Las ventanillas reducen los tiempos de espera."
    assert got["contexto"] == "En la frontera norte hay mucha demanda. Consejos en términos de aplicabilidad: coordinar con las autoridades locales." or got["consejos_aplicabilidad"]
    assert got["relacion_causa_efecto"] == "Menos espera, más atención."


def test_run_in_label_after_a_sentence_is_split(template):
    got = values(
        """
Contribución y beneficiarios previstos
La contribución se mide en ventanillas abiertas. Beneficiarias/os previstas/os: personas
en tránsito.
""",
        template,
    )
    assert got["contribucion"] == "La contribución se mide en ventanillas abiertas."
    assert got["beneficiarios"] == "personas en tránsito."


def test_labels_first_then_values_in_order(template):
    got = values(
        """
Actores involucrados
(ONG, Gobierno, Empresa)

Factores diferenciadores
(Valor agregado de OIM)

Efectividad:

Palabras clave

OIM, Cancillería.

La presencia técnica en frontera.

Se mide por el tiempo de espera.

Fronteras, ventanillas.
""",
        template,
        kind="lesson",
        code="LA2_GF",
    )
    assert got["actores"] == "OIM, Cancillería."
    assert got["factores_diferenciadores"] == "La presencia técnica en frontera."
    assert got["efectividad"] == "Se mide por el tiempo de espera."
    assert got["palabras_clave"] == "Fronteras, ventanillas."


def test_values_printed_above_their_labels(template):
    got = values(
        """
IMPORTANTE Sí, debido a que acorta la espera.
Sí, porque se replica en otros pasos.
No, solo llega a quien cruza por el paso.
Sí, el costo por persona es bajo.

ÚTIL

EQUITATIVO

ECONÓMICO

Palabras clave
Fronteras
""",
        template,
        kind="lesson",
        code="LA2_GF",
    )
    assert got["criterio_importante"] == "Sí, debido a que acorta la espera."
    assert got["criterio_util"] == "Sí, porque se replica en otros pasos."
    assert got["criterio_equitativo"] == "No, solo llega a quien cruza por el paso."
    assert got["criterio_economico"] == "Sí, el costo por persona es bajo."
    assert got["palabras_clave"] == "Fronteras"


def test_table_cells_split_around_their_labels(template):
    got = values(
        """
# de población asistida 1,250
Territorio Ibarra, Otavalo
Actores involucrados (ONG, Gobierno,

Cancillería, OIM.

12,000 USD

Empresa)
Presupuesto aproximado

Agencias del sistema de Naciones
Unidas y gobiernos locales.

Potencial de replicación y por quién que trabajen en frontera.
""",
        template,
    )
    assert got["poblacion_asistida"] == "1,250"
    assert got["territorio"] == "Ibarra, Otavalo"
    assert got["actores"] == "Cancillería, OIM."
    assert got["presupuesto_usd"] == "12,000 USD"
    assert got["potencial_replicacion"] == "Agencias del sistema de Naciones Unidas y gobiernos locales. que trabajen en frontera."


def test_line_end_hyphenation_is_undone(template):
    got = values("Hallazgo\nLa coordina-\nción mejoró.\n", template)
    assert got["hallazgo"] == "La coordinación mejoró."


def test_a_row_label_printed_below_the_next_row_takes_the_first_value(template):
    got = values(
        """
Presupuesto aproximado 8,000 USD
Por redes de municipios fronterizos.
La coordinación local sostiene la
Vínculos ascendentes a objetivos más la respuesta de la OIM en frontera.
elevados de la Institución

Potencial de replicación y por quién

Relación con ODS
""",
        template,
    )
    assert got["potencial_replicacion"] == "Por redes de municipios fronterizos."
    assert got["vinculos_institucion"] == "La coordinación local sostiene la la respuesta de la OIM en frontera."


def test_a_row_label_beside_the_middle_of_its_cell_keeps_the_sentence_it_sits_in(template):
    got = values(
        """
Presupuesto aproximado 9,500 USD
Redes de municipios y organizaciones
que trabajan en frontera con
Potencial de replicación y por quién personas en tránsito y sus familias
en los pasos del norte.
El trabajo con municipios fortalece la
respuesta local de la Institución.

Vínculos ascendentes a objetivos más
elevados de la Institución

Relación con ODS
""",
        template,
    )
    assert got["potencial_replicacion"] == (
        "Redes de municipios y organizaciones que trabajan en frontera con personas en tránsito "
        "y sus familias en los pasos del norte."
    )
    assert got["vinculos_institucion"] == "El trabajo con municipios fortalece la respuesta local de la Institución."


def test_a_one_line_cell_passes_a_new_sentence_on_to_the_next_row(template):
    got = values(
        """
Territorio Ibarra, Tulcán.
, ) . Capacitación en oficios
Tipo de asistencia
Actores involucrados (ONG, Gobierno, Empresa) OIM.
""",
        template,
    )
    assert got["territorio"] == "Ibarra, Tulcán."
    assert got["tipo_asistencia"] == "Capacitación en oficios"


def test_labels_before_a_graphic_heading_ignore_scraps_of_the_graphic(template):
    got = values(
        """
Presupuesto aproximado 7,000 USD
Por redes de municipios fronterizos.

Potencial de replicación y por quién

El trabajo con municipios fortalece la respuesta local.

Vínculos ascendentes a objetivos más
elevados de la Institución

Relación con ODS

12 s

il
""",
        template,
    )
    assert got["potencial_replicacion"] == "Por redes de municipios fronterizos."
    assert got["vinculos_institucion"] == "El trabajo con municipios fortalece la respuesta local."


def test_an_empty_actors_cell_takes_the_list_of_organisations_glued_after_a_text_cell(template):
    got = values(
        """
Actores involucrados (ONG, Gobierno, Empresa)

Presupuesto aproximado 9,000 USD

Vínculos ascendentes a objetivos más
elevados de la Institución
Las ferias de empleo acercan a las empresas y a la población migrante.

Socios Implementadores, GAD, la Comunidad de acogida.

Potencial de replicación y por quién
Cualquier municipio con una bolsa de empleo, junto a la OIM y a las ONG locales.
""",
        template,
    )
    assert got["actores"] == "Socios Implementadores, GAD, la Comunidad de acogida."
    assert got["vinculos_institucion"] == "Las ferias de empleo acercan a las empresas y a la población migrante."
    # a sentence that names organisations is text, not the actors' cell
    assert got["potencial_replicacion"] == "Cualquier municipio con una bolsa de empleo, junto a la OIM y a las ONG locales."


def test_actors_read_under_their_own_label_are_not_replaced(template):
    got = values(
        """
Actores involucrados (ONG, Gobierno, Empresa) ACNUR, Entidades del Estado.

Vínculos ascendentes a objetivos más
elevados de la Institución
Las ferias de empleo acercan a las empresas y a la población migrante.

OIM, Socios Implementadores.
""",
        template,
    )
    assert got["actores"] == "ACNUR, Entidades del Estado."


def test_the_actors_list_leaves_the_shared_values_before_the_labels_are_counted(template):
    # the actors' cell was read after its neighbours' cells, and their labels after all three
    got = values(
        """
Actores involucrados (ONG, Gobierno,
Empresa)
Presupuesto aproximado 12,000 USD

Las brigadas médicas pueden replicarse en cualquier cantón
con un centro de salud y voluntarios formados.

Las brigadas acercan los servicios de salud a la población
que vive lejos de los centros urbanos.

OIM, Ministerio de Salud Pública.

Potencial de replicación y por quién

Vínculos ascendentes a objetivos más
elevados de la Institución

Relación con ODS
""",
        template,
    )
    assert got["actores"] == "OIM, Ministerio de Salud Pública."
    assert got["potencial_replicacion"] == ("Las brigadas médicas pueden replicarse en cualquier cantón "
                                            "con un centro de salud y voluntarios formados.")
    assert got["vinculos_institucion"] == ("Las brigadas acercan los servicios de salud a la población "
                                           "que vive lejos de los centros urbanos.")


def test_the_actors_list_taken_from_a_cell_keeps_the_label_order_for_a_label_read_late(template):
    # the potential's label was OCR'd below the links' cell, after the actors' cell
    got = values(
        """
Actores involucrados (ONG, Gobierno, Empresa)
Presupuesto aproximado 70,000 USD

Los municipios de frontera y las redes de salud comunitaria, con
apoyo técnico de la cooperación internacional.

Las brigadas acercan los servicios de salud a la población
Vínculos ascendentes a objetivos que vive lejos de los centros urbanos.
más elevados de la Institución Esto mejora la respuesta local.

UNICEF, OIM, Ministerio de Salud Pública

Potencial de replicación y por quién

Relación con ODS
""",
        template,
    )
    assert got["actores"] == "UNICEF, OIM, Ministerio de Salud Pública"
    assert got["potencial_replicacion"] == ("Los municipios de frontera y las redes de salud comunitaria, con "
                                            "apoyo técnico de la cooperación internacional.")
    assert got["vinculos_institucion"].startswith("Las brigadas acercan")


def test_a_heading_cut_in_two_lines_is_one_heading_not_a_label_after_it(template):
    """An upper-case heading wrapped where a label's words start ("CONSEJOS EN TÉRMINOS DE
    APLICABILIDAD ..." is the rest of the heading, not the run-in label)."""
    got = values(
        """
BP3_GF: Abrir ventanillas móviles en los pasos fronterizos.
HALLAZGO
Las ventanillas reducen los tiempos de espera.
CONDICIONES Y CONTEXTO RELEVANTES: LIMITACIONES O
CONSEJOS EN TÉRMINOS DE APLICABILIDAD Y REPLICABILIDAD
Contexto: En la frontera norte hay mucha demanda.
Consejos en términos de aplicabilidad: Coordinar con las autoridades locales.
""",
        template,
    )
    assert got["consejos_aplicabilidad"] == "Coordinar con las autoridades locales."
    assert got["hallazgo"] == "Las ventanillas reducen los tiempos de espera."


def test_a_long_labels_rest_printed_in_pieces_before_the_value_lines_is_dropped(template):
    """OCR of a two-column row prints the label's wrapped words at the start of the value's
    lines; they are the label's, not the value's."""
    got = values(
        """
Vínculos ascendentes a Las ferias de empleo conectan a las familias con
objetivos más elevados de_ | empresas locales y fortalecen la
la Institución integración económica en la frontera.

Relación con ODS
""",
        template,
    )
    assert got["vinculos_institucion"] == ("Las ferias de empleo conectan a las familias con empresas locales y "
                                           "fortalecen la integración económica en la frontera.")


def test_a_value_line_that_merely_opens_like_the_labels_rest_keeps_its_words(template):
    got = values(
        """
Vínculos ascendentes a objetivos más Las ferias conectan a las familias
de la frontera con empresas locales.

Relación con ODS
""",
        template,
    )
    assert got["vinculos_institucion"] == "Las ferias conectan a las familias de la frontera con empresas locales."


def test_a_lone_digit_under_a_graphic_heading_is_icon_debris_not_a_value(template):
    """The ODS icons leave specks and single digits in the OCR; an amount there is a value."""
    got = values(
        """
Potencial de replicación y por quién
Vínculos ascendentes a objetivos más elevados de la Institución
Relación con ODS
10 s
1
Las ferias se replican en otras provincias.
Las ferias aportan a la integración económica.
""",
        template,
    )
    assert got["potencial_replicacion"] == "Las ferias se replican en otras provincias."
    assert got["vinculos_institucion"] == "Las ferias aportan a la integración económica."


def test_a_labels_rest_printed_after_the_value_line_is_dropped(template):
    got = values(
        """
Actores involucrados

Cruz Roja Ecuatoriana, HIAS, GAD Municipal de Macará

(ONG, Gobierno,

Empresa)

Presupuesto aproximado 2.500 USD
""",
        template,
    )
    assert got["actores"] == "Cruz Roja Ecuatoriana, HIAS, GAD Municipal de Macará"


def test_a_title_that_disagrees_with_the_summary_swaps_with_the_paragraph_that_agrees(template):
    text = """
BP3_GF: Las ventanillas reducen los tiempos de espera en los pasos.
Hallazgo
Abrir ventanillas móviles en los pasos fronterizos del norte.
Efectividad
Se mide por los minutos de espera.
"""
    spans = assign(lines(text), "BP3_GF", template, "bp", "Abrir ventanillas móviles en los pasos fronterizos del norte.")
    got = {s.key: join_pieces([p for para in s.paragraphs for p in para]) for s in spans}
    assert got["titulo"] == "Abrir ventanillas móviles en los pasos fronterizos del norte."
    assert got["hallazgo"] == "Las ventanillas reducen los tiempos de espera en los pasos."
    assert got["efectividad"] == "Se mide por los minutos de espera."


def test_a_flattened_tables_values_go_to_the_labels_their_types_fit(template):
    """One cell of the run printed nothing: counting the values would shift every row after it
    (the organisations into tipo_asistencia, the amount into actores); their types say whose."""
    got = values(
        """
# de población asistida
Territorio
Tipo de asistencia
Actores involucrados (ONG, Gobierno, Empresa)
Presupuesto aproximado
Potencial de replicación y por quién
Vínculos ascendentes a objetivos más elevados de la Institución

1.200

Ibarra, Otavalo y Cotacachi

Cruz Roja Ecuatoriana, HIAS, GAD Municipal de Ibarra

3.500 USD

Otras agencias del sistema pueden replicar las brigadas en la sierra norte.

Las brigadas aportan a la protección de las familias que llegan por la frontera.

Relación con ODS
""",
        template,
    )
    assert got["territorio"] == "Ibarra, Otavalo y Cotacachi"
    assert got["actores"] == "Cruz Roja Ecuatoriana, HIAS, GAD Municipal de Ibarra"
    assert got["presupuesto_usd"] == "3.500 USD"
    assert "tipo_asistencia" not in got
    assert got["vinculos_institucion"].startswith("Las brigadas aportan")


def test_a_fields_own_label_read_again_garbled_is_not_part_of_its_value(template):
    got = values(
        """
Contribución y beneficiarios previstos
Contribuci6én: El número de familias que reciben la orientación.
Beneficiarias/os previstas/os: Familias en tránsito.
""",
        template,
    )
    assert got["contribucion"] == "El número de familias que reciben la orientación."


def test_a_label_garbled_beyond_a_letter_opens_its_field_when_its_value_fits_it(template):
    """A shaded label cell under bleed-through: "Ferritocia" is no word, territorio is read
    nowhere else, and a place list follows."""
    got = values(
        """
Tipo de asistencia Orientación legal
Ferritocia Ibarra, Otavalo y Cotacachi
Presupuesto aproximado 2.500 USD
""",
        template,
    )
    assert got["territorio"] == "Ibarra, Otavalo y Cotacachi"
    assert got["tipo_asistencia"] == "Orientación legal"


def test_a_garbled_word_before_text_of_another_type_is_no_label(template):
    got = values(
        """
Tipo de asistencia Orientación legal
Ferritocia las familias reciben orientación en su idioma.
Presupuesto aproximado 2.500 USD
""",
        template,
    )
    assert "territorio" not in got


def test_rows_read_as_one_line_share_their_values_by_type(template):
    """An unruled table whose rows lie close: OCR read three rows as one line, labels first."""
    got = values(
        """
# de población asistida Territorio si Tipo de asistencia 1.200 Ibarra, Otavalo, Cotacachi. Orientación legal y psicosocial
Actores involucrados (ONG, Gobierno, Empresa) Cruz Roja Ecuatoriana, HIAS.
""",
        template,
    )
    assert got["poblacion_asistida"] == "1.200"
    assert got["territorio"] == "Ibarra, Otavalo, Cotacachi."
    assert got["tipo_asistencia"] == "Orientación legal y psicosocial"
    assert got["actores"] == "Cruz Roja Ecuatoriana, HIAS."


def test_the_pacto_mundial_column_heads_on_one_line_are_no_run(template):
    spans = assign(lines("Principios rectores Objetivos\na) Centrarse en las personas.\nObjetivo 7: Abordar y reducir las vulnerabilidades en la migración."),
                   "BP3_GF", template, "bp")
    assert not any(s.shared for s in spans)


def test_a_title_that_ran_on_into_the_text_under_a_lost_heading_gives_it_back(template):
    """Bleed-through wiped the "Hallazgo" heading: the title's own lines agree with the
    summary table, the lines after them are the hallazgo."""
    text = """
BP3_GF: Abrir ventanillas móviles en los pasos
fronterizos del norte.
Las ventanillas reducen los tiempos de espera
en los pasos de Tulcán y Huaquillas.
Efectividad
Se mide por los minutos de espera.
"""
    spans = assign(lines(text), "BP3_GF", template, "bp", "Abrir ventanillas móviles en los pasos fronterizos del norte.")
    got = {s.key: join_pieces([p for para in s.paragraphs for p in para]) for s in spans}
    assert got["titulo"] == "Abrir ventanillas móviles en los pasos fronterizos del norte."
    assert got["hallazgo"] == "Las ventanillas reducen los tiempos de espera en los pasos de Tulcán y Huaquillas."


def test_a_long_label_with_its_middle_garbled_is_read_by_its_ends(template):
    got = values(
        """
Presupuesto aproximado 2.500 USD
Potencial de e nosiiRe y por quién Las agencias del sistema pueden replicarlo.
Vínculos ascendentes a objetivos más elevados de la Institución Aporta a la protección.
""",
        template,
    )
    assert got["potencial_replicacion"] == "Las agencias del sistema pueden replicarlo."
    assert got["presupuesto_usd"] == "2.500 USD"


@pytest.mark.parametrize("printed, value", [("Comunidad de _ acogida, OIM", "Comunidad de acogida, OIM"),
                                            ("Fundación Alas de_ Colibrí", "Fundación Alas de Colibrí"),
                                            ("OIM | Socios Implementadores", "OIM Socios Implementadores")])
def test_a_table_rule_read_as_a_sign_inside_a_value_is_dropped(printed, value):
    assert join_pieces([(Line(printed, 1), printed)]) == value


def test_values_a_run_of_labels_could_share_either_way_are_a_close_call(template):
    """Three paragraphs for two text labels: split 1 + 2 or 2 + 1, nothing tells which."""
    spans = assign(lines("""
Factores diferenciadores (Valor agregado de OIM)
Efectividad:

La OIM acompaña cada visita de campo con su propio equipo técnico.

Las visitas se planifican con los socios al inicio de cada mes del año.

Los informes de cada visita se comparten con todos los socios del proyecto.

Palabras clave
Visitas, monitoreo.
"""), "LA3_ME", template, "lesson")
    close = {s.key for s in spans if s.close_call}
    assert {"factores_diferenciadores", "efectividad"} <= close


def test_values_whose_types_decide_the_sharing_are_no_close_call(template):
    spans = assign(lines("""
Territorio
Actores involucrados (ONG, Gobierno, Empresa)

Ibarra, Otavalo y Cotacachi

Cruz Roja Ecuatoriana, HIAS, GAD Municipal de Ibarra

Palabras clave
Visitas, monitoreo.
"""), "LA3_ME", template, "lesson")
    assert not any(s.close_call for s in spans)
