"""Layout on word boxes placed like the catalogue prints them: plain lines, label | value tables
with vertically centred cells (ruled and not), value | value tables, and look-alikes that must
not become tables (justified text, data grids, text set in columns). No OCR needed: the boxes
are the input. The same reconstruction on real OCR and text-layer words is in test_ingest.py.
"""
from __future__ import annotations

import random

import pytest

from pipeline.layout import words_to_lines
from pipeline.lines import Rule
from pipeline.records import Word

PAGE_WIDTH = 595.0
SIZE = 10.0
CHAR = 5.0
"""Points per character of the synthetic 10-pt font; a space is 3 points."""
LABEL_X, VALUE_X = 72.0, 250.0


def words_at(text: str, x: float, top: float, confidence: float = 1.0, size: float = SIZE) -> list[Word]:
    """The words of `text` set from (x, top), left to right."""
    words = []
    for token in text.split():
        width = len(token) * CHAR * size / SIZE
        words.append(Word(token, (x, top, x + width, top + size), confidence))
        x += width + 3 * size / SIZE
    return words


def cell(lines: list[str], x: float, centre: float, leading: float = 13.0) -> list[Word]:
    """A cell's lines, vertically centred on `centre`."""
    top = centre - (leading * (len(lines) - 1) + SIZE) / 2
    return [w for i, line in enumerate(lines) for w in words_at(line, x, top + i * leading)]


POTENCIAL_VALUE = [
    "Agencias del Sistema de Naciones",
    "Unidas y Socios Implementadores.",
    "El potencial de replicación se",
    "condiciona por la disponibilidad",
    "de actores locales con espacios.",
]


def label_value_table(row_gap: float) -> tuple[list[Word], list[Rule]]:
    """Three rows (1-line, 5-line value with a centred 2-line label, 2-line value), and their rulings."""
    rows = [
        (["Territorio"], ["Tulcán, Huaquillas, Quito"]),
        (["Potencial de replicación", "y por quién"], POTENCIAL_VALUE),
        (["Vínculos ascendentes"], ["El alcanzar acuerdos permite", "cumplir los objetivos."]),
    ]
    words, rules, top = [], [Rule(LABEL_X - 5, 560, 95.0)], 100.0
    for label, value in rows:
        height = 13.0 * (max(len(label), len(value)) - 1) + SIZE
        centre = top + height / 2
        words += cell(label, LABEL_X, centre) + cell(value, VALUE_X, centre)
        top += height + row_gap
        rules.append(Rule(LABEL_X - 5, 560, top - row_gap / 2))
    return words, rules


EXPECTED_ROWS = [
    "Territorio Tulcán, Huaquillas, Quito",
    "Potencial de replicación y por quién " + " ".join(POTENCIAL_VALUE),
    "Vínculos ascendentes El alcanzar acuerdos permite cumplir los objetivos.",
]


def texts(words: list[Word], **kwargs) -> list[str]:
    return [line.text for line in words_to_lines(words, 1, PAGE_WIDTH, **kwargs)]


def test_no_words_no_lines():
    assert words_to_lines([], 1, PAGE_WIDTH) == ()


def test_plain_lines_come_out_top_to_bottom_left_to_right():
    words = words_at("Hallazgo", 72, 80) + words_at("La emergencia sanitaria incrementó la demanda", 72, 100) \
        + words_at("de asistencias de alojamiento.", 72, 113)
    assert texts(list(reversed(words))) == [
        "Hallazgo", "La emergencia sanitaria incrementó la demanda", "de asistencias de alojamiento."]


def test_confidence_is_the_mean_and_bbox_the_union():
    words = words_at("Tipo", 72, 100, confidence=0.9) + words_at("de asistencia", 97, 101, confidence=0.6)
    (line,) = words_to_lines(words, 3, PAGE_WIDTH)
    assert line.page == 3 and line.confidence == pytest.approx(0.7)
    assert line.bbox == (72, 100, words[-1].bbox[2], 111)


def test_centred_rows_split_by_gaps_without_rulings():
    words, _ = label_value_table(row_gap=12)
    heading = words_at("Metas del proyecto:", LABEL_X, 70)
    lines = texts(heading + words)
    assert lines == ["Metas del proyecto:"] + EXPECTED_ROWS


def test_rulings_split_rows_that_touch():
    words, rules = label_value_table(row_gap=3)
    assert texts(words, rules=rules) == EXPECTED_ROWS
    assert len(texts(words)) < len(EXPECTED_ROWS)  # without rulings the touching rows merge


def test_rulings_drawn_cell_by_cell_or_faded_on_one_side_still_split_rows():
    words, rules = label_value_table(row_gap=3)
    halves = [Rule(r.x0, VALUE_X - 5, r.y) for r in rules] + [Rule(VALUE_X - 5, r.x1, r.y + 0.5) for r in rules]
    assert texts(words, rules=halves) == EXPECTED_ROWS
    stubs = [Rule(r.x0, VALUE_X + 30, r.y) for r in rules]  # the value side of each ruling faded away
    assert texts(words, rules=stubs) == EXPECTED_ROWS


def test_lines_outside_the_rulings_stay_plain_lines():
    words, rules = label_value_table(row_gap=3)
    before = words_at("Metas del proyecto:", LABEL_X, 83)
    after = words_at("Relación con ODS", LABEL_X, rules[-1].y + 4)
    assert texts(before + words + after, rules=rules) == ["Metas del proyecto:"] + EXPECTED_ROWS + ["Relación con ODS"]


def test_value_value_table_rows():
    words = words_at("Principios rectores", LABEL_X, 100) + words_at("Objetivos", VALUE_X, 100)
    words += cell(["1) Centrarse en las personas.", "6) Derechos humanos."], LABEL_X, 140)
    words += cell(["Objetivo 7: Abordar y reducir las", "vulnerabilidades en la migración.",
                   "Objetivo 15: Proporcionar acceso."], VALUE_X, 140)
    assert texts(words) == [
        "Principios rectores Objetivos",
        "1) Centrarse en las personas. 6) Derechos humanos. Objetivo 7: Abordar y reducir las "
        "vulnerabilidades en la migración. Objetivo 15: Proporcionar acceso.",
    ]


def test_justified_text_whose_gaps_line_up_is_not_a_table():
    first = words_at("La emergencia sanitaria incrementó", 72, 100) + words_at("de asistencias", 262, 100)
    second = words_at("temporal y emergente a la vez que", 72, 113) + words_at("permitido en", 262, 113)
    third = words_at("algunos Socios Implementadores firman convenios con", 72, 126)
    assert texts(first + second + third) == [
        "La emergencia sanitaria incrementó de asistencias",
        "temporal y emergente a la vez que permitido en",
        "algunos Socios Implementadores firman convenios con",
    ]


def test_data_grid_stays_one_line_per_printed_row():
    rows = [("Alabama", "18,870", "23,022"), ("Alaska", "209", "3,062"), ("Arizona", "2,303", "12,382")]
    words = words_at("Estado", 72, 85) + words_at("Permiso", 250, 85) + words_at("Arma", 400, 85)
    for i, (state, permit, gun) in enumerate(rows):
        top = 100 + 13 * i
        words += words_at(state, 72, top) + words_at(permit, 250, top) + words_at(gun, 400, top)
    words += words_at("12,000", 250, 139)  # a value alone on its line opens the column
    assert texts(words)[:4] == ["Estado Permiso Arma", "Alabama 18,870 23,022", "Alaska 209 3,062",
                                "Arizona 2,303 12,382"]


def test_text_set_in_two_columns_reads_left_column_first():
    left = [f"izquierda línea {i}" for i in range(12)]
    right = [f"derecha línea {i}" for i in range(12)]
    words = [w for i, line in enumerate(left) for w in words_at(line, 72, 100 + 13 * i)]
    words += [w for i, line in enumerate(right) for w in words_at(line, 320, 100 + 13 * i)]
    assert texts(words) == left + right


def test_with_tesseract_ids_text_columns_keep_tesseract_reading_order():
    left = [f"izquierda línea {i}" for i in range(4)]
    right = [f"derecha línea {i}" for i in range(4)]
    words, ids = [], []
    for block, (x, column) in enumerate([(72, left), (320, right)], 1):
        for i, line in enumerate(column):
            row = words_at(line, x, 100 + 13 * i)
            words += row
            ids += [(block, 1, i)] * len(row)
    assert texts(words, line_ids=ids) == left + right
    reordered = [(w, i) for w, i in zip(words, ids) if i[0] == 2] + [(w, i) for w, i in zip(words, ids) if i[0] == 1]
    assert texts([w for w, _ in reordered], line_ids=[i for _, i in reordered]) == right + left


def test_tesseract_line_ids_keep_a_slanted_line_together():
    """Each word sits 1.2 pt lower than the last (residual skew): boxes alone split the line."""
    slanted = [Word(t, (72 + 40 * i, 100 + 1.2 * i, 108 + 40 * i, 110 + 1.2 * i), 0.9)
               for i, t in enumerate("una línea de texto que baja poco a poco".split())]
    assert len(texts(slanted)) > 1
    assert texts(slanted, line_ids=[(1, 1, 1)] * len(slanted)) == ["una línea de texto que baja poco a poco"]


def test_a_speck_does_not_scramble_a_label():
    """A tiny OCR speck inside "Gobierno," once made the cell read "a Empresa) Gobierno,"."""
    label = cell(["Actores involucrados (ONG,", "Gobierno, Empresa)"], LABEL_X, 150)
    speck = [Word("a", (92.9, label[3].bbox[1], 93.9, label[3].bbox[1] + 1.2), 0.31)]
    value = cell(["OIM, Socios Implementadores."], VALUE_X, 150) + cell(["y actores", "locales."], VALUE_X, 190)
    lines = texts(label + speck + value)
    assert lines[0] == "Actores involucrados (ONG, Gobierno, Empresa) a OIM, Socios Implementadores."


@pytest.mark.parametrize("seed", range(200))
def test_any_word_soup_comes_out_whole(seed: int):
    """Random boxes, ids and rulings: no exception, and every word comes out exactly once."""
    rng = random.Random(seed)
    words = []
    for _ in range(rng.randint(1, 60)):
        x = rng.choice([rng.uniform(0, 595), LABEL_X, VALUE_X, VALUE_X + 0.4])
        top = rng.choice([rng.uniform(0, 842), 100 + 13 * rng.randint(0, 20)])
        width, height = rng.uniform(0.5, 120), rng.choice([SIZE, SIZE, rng.uniform(0.5, 30)])
        words.append(Word(rng.choice(["a", "Territorio", "Quito,", "de"]), (x, top, x + width, top + height), rng.random()))
    rules = [Rule(rng.uniform(0, 300), rng.uniform(300, 595), rng.uniform(0, 842)) for _ in range(rng.randint(0, 6))]
    ids = [(rng.randint(1, 3), 1, rng.randint(1, 5)) for _ in words] if seed % 2 else None
    lines = words_to_lines(words, 1, PAGE_WIDTH, line_ids=ids, rules=rules)
    assert sorted(t for line in lines for t in line.text.split(" ")) == sorted(w.text for w in words)


def test_a_printed_line_tesseract_cut_into_two_blocks_is_joined():
    from pipeline.layout import words_to_lines
    from pipeline.records import Word

    texts = ["(Carchi,", "El", "Oro)", "y", "Provincias", "de", "alta", "presencia", "Sigue", "aquí."]
    xs = [75, 125, 140, 160, 172, 215, 230, 250, 75, 110]
    tops = [100] * 8 + [114] * 2
    words = [Word(t, (x, y, x + 6 * len(t), y + 10), 0.95) for t, x, y in zip(texts, xs, tops)]
    ids = [(5, 1, 1)] * 4 + [(6, 1, 1)] * 4 + [(5, 1, 2)] * 2
    lines = words_to_lines(words, 1, 595, line_ids=ids)
    assert [l.text for l in lines] == ["(Carchi, El Oro) y Provincias de alta presencia", "Sigue aquí."]


def test_a_justified_line_cut_at_one_of_its_wide_spaces_is_joined():
    # justified: every space of this line is 18 points (the usual is 3); Tesseract put the
    # line's tail in a block of its own, which it reads after the paragraph
    head = words_at("considera", LABEL_X, 100)
    tail = []
    x = head[-1].bbox[2] + 18
    for token in "las diferencias de población que reporta".split():
        tail.append(Word(token, (x, 100, x + len(token) * CHAR, 100 + SIZE), 0.95))
        x += len(token) * CHAR + 18
    after = words_at("y nada más.", LABEL_X, 113)
    ids = [(1, 1, 1)] * len(head) + [(1, 1, 2)] * len(after) + [(3, 1, 1)] * len(tail)
    lines = words_to_lines(head + after + tail, 1, PAGE_WIDTH, line_ids=ids)
    assert [l.text for l in lines] == ["considera las diferencias de población que reporta", "y nada más."]


def test_a_value_beside_its_label_is_not_taken_for_the_label_line_going_on():
    label = words_at("Presupuesto aproximado", LABEL_X, 100)
    value = words_at("10,000 USD", VALUE_X, 100)
    ids = [(1, 1, 1)] * len(label) + [(2, 1, 1)] * len(value)
    lines = words_to_lines(label + value, 1, PAGE_WIDTH, line_ids=ids)
    assert [l.text for l in lines] == ["Presupuesto aproximado", "10,000 USD"]


def test_two_tables_one_under_the_other_with_their_own_column_splits():
    """A label | value table whose labels wrap, then a criteria table whose value column starts
    a little further left, both ruled across only: each keeps its own split. Read at the
    second table's split, the first table's wrapped labels would be rows of their own."""
    first = [(["Actores", "involucrados (ONG,", "Gobierno, Empresa)"], ["OIM, Socios Implementadores"]),
             (["Factores", "diferenciadores (Valor", "agregado de OIM)"],
              ["Se destaca la comprensión de", "las necesidades de la población", "beneficiaria en la frontera.",
               "Así mismo, se destaca el", "trabajo coordinado."]),
             (["Efectividad:"], ["Es más efectiva en entornos", "de crisis en la frontera.",
                                 "Su efectividad se disipa", "con el tiempo."])]
    second = [(["IMPORTANTE"], ["Sí, debido a que permite la", "continuidad de los programas.",
                                "Es relevante en la frontera."]),
              (["ÚTIL"], ["Sí, debido a que se replica.", "Sirve en otros contextos."]),
              (["EQUITATIVO"], ["Sí, debido a que incluye a", "las familias de la frontera."]),
              (["ECONÓMICO"], ["No, supone un costo adicional", "para los socios.", "No reemplaza otras."])]
    words, rules, top = [], [], 100.0
    for rows, value_x in ((first, 205.0), (second, 178.0)):
        rules.append(Rule(LABEL_X - 5, 560, top - 5))
        for label, value in rows:
            words += [w for i, t in enumerate(label) for w in words_at(t, LABEL_X, top + 13 * i)]
            words += [w for i, t in enumerate(value) for w in words_at(t, value_x, top + 13 * i)]
            top += 13 * max(len(label), len(value)) + 8
            rules.append(Rule(LABEL_X - 5, 560, top - 5))
        top += 12
    texts = [line.text for line in words_to_lines(words, 1, PAGE_WIDTH, rules=rules)]
    assert texts[1].startswith("Factores diferenciadores (Valor agregado de OIM) Se destaca"), texts
    assert texts[3].startswith("IMPORTANTE Sí, debido a que"), texts
