"""Page furniture found by what it is: a line at a page's top or bottom that repeats, give or
take its number and an OCR slip, on many pages; never text the catalogue repeats in its fichas.

The headers and footers here are made up for these tests (no pattern in the template names
them), in a layout the rules were not written from.
"""
import pytest

from extractors.template import load_template
from pipeline.furniture import drop_page_furniture
from pipeline.records import Line


@pytest.fixture(scope="module")
def template():
    return load_template()


FILLER = ["Las brigadas visitaron {k} parroquias rurales durante el año.",
          "Cada visita dejó un informe firmado por la junta parroquial número {k}.",
          "Se registraron {k}0 consultas sobre regularización migratoria.",
          "El equipo de campo contó con {k} promotoras comunitarias.",
          "Los talleres duraron {k} horas en promedio."]
BODY = [
    ["Hallazgo", *FILLER, "Las mesas técnicas se reúnen cada mes con los gobiernos locales y",
     "OIM, Socios Implementadores."],
    ["acuerdan rutas de atención para las familias recién llegadas.", "Efectividad",
     "Se mide por las derivaciones atendidas.", *FILLER, "Objetivo 7: Abordar y reducir las"],
    ["Palabras clave", "Mesas técnicas, rutas de atención.", *FILLER[:2], "OIM, Socios Implementadores.",
     "Objetivo 7: Abordar y reducir las", *FILLER[2:], "Territorio Ibarra, Tulcán"],
    ["Objetivo 7: Abordar y reducir las", "Metas del proyecto:", "Meta: Atención integral.", *FILLER,
     "Tipo de asistencia Orientación"],
]
HEADERS = ["Fundación Horizonte · Memoria de proyectos 2021 · Pág. {n}",
           "Fundacion Horizonte · Memoria de proyectos 2021 · Pag. {n}",
           "Fundación Horizonte - Memoria de proyectos 2O21 - Pág. {n}",
           "Fundación Horizonte · Memoria de proyectos 2021 · Pág. {n}"]
FOOTERS = ["{n}   EVALUACIÓN DE MEDIO TÉRMINO", "EVALUACION DE MEDIO TERMINO {n}",
           "{n} EVALUACIÓN DE MEDIO TÉRMINO -", "EVALUACIÓN DE MEDlO TÉRMINO   {n}"]


def page_lines(with_boxes: bool) -> list[Line]:
    """Four pages: header, body, footer; boxes (when asked) from top to bottom."""
    out = []
    for k, body in enumerate(BODY):
        number = 17 + k
        texts = [HEADERS[k].format(n=number), *(t.format(k=k + 2) for t in body), FOOTERS[k].format(n=number)]
        for i, text in enumerate(texts):
            box = (60.0, 40.0 + 20 * i, 500.0, 52.0 + 20 * i) if with_boxes else None
            out.append(Line(text, k + 1, box))
    return out


@pytest.mark.parametrize("with_boxes", [True, False], ids=["scan", "legacy"])
def test_running_header_and_footer_are_dropped_whatever_their_wording(template, with_boxes):
    kept = [l.text for l in drop_page_furniture(page_lines(with_boxes), template)]
    assert not any("Horizonte" in t or "TÉRMINO" in t or "TERMINO" in t for t in kept), kept
    # the catalogue's own repeated text stays, at a page's end or in its middle
    assert kept.count("OIM, Socios Implementadores.") == 2
    assert kept.count("Objetivo 7: Abordar y reducir las") == 3
    assert sum(len(b) for b in BODY) == len(kept)


def test_a_value_crossing_the_page_reads_on_without_the_furniture(template):
    kept = [l.text for l in drop_page_furniture(page_lines(True), template)]
    at = kept.index("Las mesas técnicas se reúnen cada mes con los gobiernos locales y")
    assert kept[at + 1: at + 3] == ["OIM, Socios Implementadores.",
                                    "acuerdan rutas de atención para las familias recién llegadas."]


def test_a_line_seen_twice_at_page_ends_but_short_is_not_enough(template):
    """'No aplica' may end two pages of a long document by chance: a short line needs a
    quarter of the pages."""
    lines = []
    for page in range(1, 13):
        lines += [Line(f"Texto de la página {page} sobre mesas técnicas.", page),
                  Line("Otra línea del cuerpo con más palabras.", page),
                  Line("Y una línea más del cuerpo.", page)]
        if page in (3, 8):
            lines.append(Line("No aplica", page))
    kept = [l.text for l in drop_page_furniture(lines, template)]
    assert kept.count("No aplica") == 2


def test_labels_and_section_headings_at_page_tops_are_content(template):
    own = ["Las ferias de empleo reunieron a cuarenta empresas.", "Se abrieron dos oficinas móviles.",
           "El municipio cedió un local en el centro.", "Las familias recibieron kits de higiene."]
    lines = []
    for page in range(1, 5):
        lines += [Line("2.4 LECCIONES Y BUENAS PRÁCTICAS DEL ÁREA DE GESTIÓN DE FRONTERAS", page),
                  Line("Actores involucrados (ONG, Gobierno,", page),
                  Line(own[page - 1], page),
                  Line("Relación con el Pacto Mundial para la Migración Segura", page)]
    kept = drop_page_furniture(lines, template)
    assert len(kept) == len(lines)


def test_a_content_line_that_opens_two_pages_of_a_long_document_stays(template):
    """Two fichas that share a project goal may each open a page with it: content repeats by
    chance on a few pages, furniture on most."""
    goal = "Meta: Provisión de apoyo para promover su inserción en el mercado laboral."
    lines = []
    for page in range(1, 11):
        lines.append(Line("Catálogo de buenas prácticas · Página %d" % page, page, (60.0, 30.0, 500.0, 40.0)))
        body = [goal] if page in (4, 7) else []
        body += [f"Línea {k} de la página {page}: las ferias reunieron a {page * k} empresas." for k in range(1, 9)]
        lines += [Line(t, page, (60.0, 60.0 + 14 * i, 500.0, 72.0 + 14 * i)) for i, t in enumerate(body)]
    kept = [l.text for l in drop_page_furniture(lines, template)]
    assert kept.count(goal) == 2
    assert not any(t.startswith("Catálogo") for t in kept)


@pytest.mark.parametrize("number", ["— 19 —", "- 19 -", "[19]", "Pág. 19"])
def test_a_page_number_however_dressed_is_dropped(template, number):
    lines = [Line(f"Texto {k} de la página.", 1) for k in range(6)] + [Line(number, 1)]
    assert [l.text for l in drop_page_furniture(lines, template)] == [l.text for l in lines[:-1]]


def test_bare_page_numbers_in_sequence_are_dropped_a_bare_value_is_not(template):
    """"500" under a number label of a flattened table is a value; "17", "18", "19" at the
    pages' ends are page numbers."""
    lines = []
    for page in range(1, 5):
        body = [f"Texto {k} de la página {page}." for k in range(6)]
        if page == 2:
            body[:2] = ["# de población asistida", "500"]
        lines += [Line(t, page) for t in body] + [Line(str(16 + page), page)]
    kept = [l.text for l in drop_page_furniture(lines, template)]
    assert "500" in kept and not any(t in kept for t in ("17", "18", "19", "20"))


def test_a_bare_number_beside_the_running_footer_is_its_page_number(template):
    lines = [Line(f"Texto {k}.", 1) for k in range(6)] + [Line("LECCIONES APRENDIDAS Y BUENAS PRÁCTICAS 35", 1),
                                                         Line("", 1), Line("36", 1)]
    assert [l.text for l in drop_page_furniture(lines, template)] == [f"Texto {k}." for k in range(6)] + [""]
