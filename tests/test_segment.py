"""Splitting a document into fichas by headers, and reading the summary table."""
import pytest

from extractors.template import load_template
from pipeline.records import Line
from pipeline.segment import segment


@pytest.fixture(scope="module")
def template():
    return load_template()


def lines(text: str) -> list[Line]:
    return [Line(t, 1) for t in text.strip("\n").split("\n")]


DOC = """
2.4 LECCIONES Y BUENAS PRÁCTICAS DEL ÁREA GESTIÓN DE FRONTERAS (GF)
Código | Descripción
BP1_GF | Abrir ventanillas móviles en los pasos fronterizos.

BP2_GF | Coordinar turnos con las autoridades de migración.

ÁREA A LA QUE CORRESPONDE GESTIÓN DE FRONTERAS
CÓDIGO BP1_GF
BUENA PRÁCTICA
BP1_GF: Abrir ventanillas móviles en los pasos fronterizos.
Hallazgo
Las ventanillas reducen la espera.
CORRESPONDE
CÓDIGO ee BPZ_GF
BP2_GF: Coordinar turnos con las autoridades de migración.
Hallazgo
Los turnos ordenan la llegada.
Efectividad
Se mide en minutos de espera.
Palabras clave
Turnos, frontera.
"""


def test_fichas_by_header_and_by_title_when_ocr_broke_the_header(template):
    result = segment(lines(DOC), template)
    assert [(b.codigo, b.code_found_in, b.area_codigo) for b in result.blocks] == [
        ("BP1_GF", "header", "GF"),
        ("BP2_GF", "title", "GF"),
    ]
    # the broken header stays with its own ficha, not the one before
    assert all(l.text != "CORRESPONDE" for l in result.blocks[0].lines)
    assert result.blocks[1].lines[0].text == "CORRESPONDE"
    assert [e.codigo for e in result.summary] == ["BP1_GF", "BP2_GF"]
    assert result.summary[1].descripcion == "Coordinar turnos con las autoridades de migración."
    assert result.warnings == []


def test_a_title_without_a_ficha_under_it_is_skipped(template):
    toc = "BP7_GF: Instalar mesas intersectoriales con las entidades.\nLa Organización trabaja en frontera.\n"
    result = segment(lines(toc + DOC), template)
    assert [b.codigo for b in result.blocks] == ["BP1_GF", "BP2_GF"]
    assert any("BP7_GF" in w and "skipped" in w for w in result.warnings)


def test_summary_and_fichas_are_cross_checked(template):
    result = segment(lines(DOC.replace("BP2_GF | Coordinar", "BP3_GF | Coordinar")), template)
    assert "BP3_GF is listed in a summary table but no ficha was found for it" in result.warnings
    assert "ficha BP2_GF is not listed in any summary table" in result.warnings


def test_an_area_name_printed_above_its_header_stays_with_its_ficha(template):
    doc = DOC.replace("ÁREA A LA QUE CORRESPONDE GESTIÓN DE FRONTERAS\n", "GESTIÓN DE FRONTERAS\nÁREA A LA QUE CORRESPONDE\n")
    result = segment(lines(doc), template)
    assert result.blocks[0].lines[0].text == "GESTIÓN DE FRONTERAS"


def test_footnotes_at_a_page_end_are_dropped(template):
    from pipeline.furniture import drop_page_furniture

    page = [Line("El pago directo mejora la relación con", 1), Line("la comunidad de acogida.", 1),
            Line("3Los fondos estaban incluidos en el diseño", 1), Line("del proyecto.", 1),
            Line("2 Socios y alianzas locales", 2), *[Line(f"línea {i} de texto", 2) for i in range(10)]]
    kept = [l.text for l in drop_page_furniture(page, template)]
    assert kept[:2] == ["El pago directo mejora la relación con", "la comunidad de acogida."]
    assert "3Los fondos estaban incluidos en el diseño" not in kept and "del proyecto." not in kept
    assert "2 Socios y alianzas locales" in kept  # far from the page end: not a footnote


def test_a_web_address_alone_on_its_line_is_a_footnote_wherever_ocr_put_it(template):
    from pipeline.furniture import drop_page_furniture

    page = [Line("BP3_GF: Ferias de empleo para migrantes en Tumbes¹.", 1),
            Line("! www.empleo.gob.pe/ferias/2019/informe-final.pdf", 1),
            Line("' http:/observatorio.migracion.org/datos/", 1),
            Line("Las ferias se difundieron en www.empleo.gob.pe/ferias y en radio.", 1),
            Line("Presupuesto 12.5/3 USD", 1), *[Line(f"línea {i} de texto", 1) for i in range(10)]]
    kept = [l.text for l in drop_page_furniture(page, template)]
    assert not any("empleo.gob.pe/ferias/2019" in t or "observatorio" in t for t in kept)
    assert "Las ferias se difundieron en www.empleo.gob.pe/ferias y en radio." in kept  # a sentence, not a footnote
    assert "Presupuesto 12.5/3 USD" in kept


def test_a_shuffled_header_split_over_lines_stays_with_its_ficha(template):
    doc = DOC.replace("CORRESPONDE\nCÓDIGO ee BPZ_GF\n", "ÁREA CORRESPONDE GESTIÓN DE FRONTERAS\nA LA QUE\nCÓDIGO BP2_GF\n")
    result = segment(lines(doc), template)
    assert [b.codigo for b in result.blocks] == ["BP1_GF", "BP2_GF"]
    assert [l.text for l in result.blocks[1].lines[:2]] == ["ÁREA CORRESPONDE GESTIÓN DE FRONTERAS", "A LA QUE"]


def paged(*pages: str) -> list[Line]:
    return [Line(t, n) for n, text in enumerate(pages, 1) for t in text.strip("\n").split("\n")]


FICHA_BP1_ME = """
ÁREA A LA QUE CORRESPONDE MONITOREO Y EVALUACIÓN
CÓDIGO BP1_ME
BUENA PRÁCTICA
BP1_ME: Publicar un tablero mensual de indicadores con los datos de cada socio.
Hallazgo
Los socios consultan el tablero antes de planificar.
Efectividad
Se mide por las decisiones que cita el acta.
Palabras clave
Tablero, indicadores.
"""


def test_a_summary_row_read_as_a_header_gives_no_second_ficha(template):
    """The code cell of a summary row beside the table's column header reads like a CÓDIGO line."""
    summary = """
LECCIONES Y BUENAS PRÁCTICAS DEL ÁREA DE MONITOREO Y EVALUACIÓN (ME)
Código BP1_ME Descripción Publicar un tablero mensual de indicadores
con los datos de cada socio.
"""
    result = segment(paged(summary, FICHA_BP1_ME), template)
    assert [b.codigo for b in result.blocks] == ["BP1_ME"]
    assert result.blocks[0].lines[0].page == 2
    assert [e.codigo for e in result.summary] == ["BP1_ME"]


def test_a_stray_header_of_a_code_before_its_ficha_is_left_out_with_a_warning(template):
    stray = "\nÁREA A LA QUE CORRESPONDE MONITOREO Y EVALUACIÓN\nCÓDIGO BP1_ME\n"
    result = segment(paged(stray, FICHA_BP1_ME), template)
    assert [b.codigo for b in result.blocks] == ["BP1_ME"] and result.blocks[0].lines[0].page == 2
    assert any("BP1_ME" in w and "pages 1 and 2" in w for w in result.warnings), result.warnings


def test_a_header_printed_again_after_a_page_break_continues_the_ficha(template):
    first = """
ÁREA A LA QUE CORRESPONDE MONITOREO Y EVALUACIÓN
CÓDIGO BP1_ME
BUENA PRÁCTICA
BP1_ME: Publicar un tablero mensual de indicadores.
Hallazgo
Los socios consultan el tablero antes de planificar.
"""
    second = """
ÁREA A LA QUE CORRESPONDE MONITOREO Y EVALUACIÓN
CÓDIGO BP1_ME
Efectividad
Se mide por las decisiones que cita el acta.
"""
    result = segment(paged(first, second), template)
    assert [b.codigo for b in result.blocks] == ["BP1_ME"]
    texts = [l.text for l in result.blocks[0].lines]
    assert "Efectividad" in texts and texts.count("CÓDIGO BP1_ME") == 1


SUMMARY_WITHOUT_HEADING = """
Código Descripción
Publicar un tablero mensual de indicadores con los datos de cada socio
CÓDIGO BP1_ME y revisarlo en la reunión mensual de coordinación con
los socios implementadores del proyecto.
Llamar a cada familia una semana después de la entrega para
BP2_ME verificar que la asistencia llegó completa y a tiempo.
"""
FICHAS_ME = """
ÁREA A LA QUE CORRESPONDE MONITOREO Y EVALUACIÓN
CÓDIGO BP1_ME
BUENA PRÁCTICA
BP1_ME: Publicar un tablero mensual de indicadores con los datos de cada socio y revisarlo en la reunión mensual de coordinación con los socios implementadores del proyecto.
Hallazgo
Los socios consultan el tablero antes de planificar.
Efectividad
Se mide por las decisiones que cita el acta.
ÁREA A LA QUE CORRESPONDE MONITOREO Y EVALUACIÓN
CÓDIGO BP2_ME
BUENA PRÁCTICA
BP2_ME: Llamar a cada familia una semana después de la entrega para verificar que la asistencia llegó completa y a tiempo.
Hallazgo
Las llamadas revelan problemas que las visitas no ven.
Efectividad
Se mide por los reclamos resueltos.
"""


def test_a_summary_table_is_read_by_its_columns_when_its_heading_was_not(template):
    """A white-on-dark banner heading OCR did not read; a code centred beside a three-line
    description, its line read together with the column header's word: still a summary table,
    and each code one ficha."""
    result = segment(paged(SUMMARY_WITHOUT_HEADING, FICHAS_ME), template)
    assert [b.codigo for b in result.blocks] == ["BP1_ME", "BP2_ME"]
    assert [e.codigo for e in result.summary] == ["BP1_ME", "BP2_ME"]
    assert all(b.lines[0].page == 2 for b in result.blocks)
    assert result.summary[1].descripcion.startswith("Llamar a cada familia")


def test_a_code_misread_by_one_character_takes_the_listed_code_with_no_ficha(template):
    doc = DOC.replace("CÓDIGO BP1_GF", "CÓDIGO BP11_GF")  # its title still reads BP1_GF
    result = segment(lines(doc), template)
    assert [b.codigo for b in result.blocks] == ["BP1_GF", "BP2_GF"]
    assert result.blocks[0].code_found_in == "summary"
    assert any("BP11_GF" in w and "BP1_GF" in w for w in result.warnings)


def test_a_summary_heading_with_a_word_misread_and_columns_on_two_lines_still_opens_the_table(template):
    summary = """
2.4 LECCIONES Y BLU AS PRÁCTICAS DEL ÁREA DE MONITOREO Y EVALUACIÓN (ME)
Código
Descripción
BP1_ME Publicar un tablero mensual de indicadores.
BP2_ME Llamar a cada familia una semana después de la entrega.
"""
    result = segment(paged(summary, FICHAS_ME), template)
    assert [e.codigo for e in result.summary] == ["BP1_ME", "BP2_ME"]


def test_a_code_the_ficha_prints_twice_alike_corrects_the_summary_row_instead(template):
    doc = DOC.replace("BP1_GF | Abrir", "BP11_GF | Abrir")
    result = segment(lines(doc), template)
    assert [b.codigo for b in result.blocks] == ["BP1_GF", "BP2_GF"]
    assert result.blocks[0].code_found_in == "header"
    assert [e.codigo for e in result.summary] == ["BP1_GF", "BP2_GF"]
    assert not any("no ficha was found" in w for w in result.warnings)
