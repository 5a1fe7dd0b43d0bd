"""OCR repair on real catalogue text: codes, words, numbers, and no harm to correct text.

Figures (run `pytest -s tests/test_repair.py` to see the report) are measured on the seed
copies in tests/data; the asserted bounds sit honestly beyond what the repairer reaches.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rapidfuzz.distance import Levenshtein

from corrections.numbers import read_int
from corrections.repair import Repairer, default_repairer
from tests.bench.textmetrics import words

DATA = Path(__file__).parent / "data"
SEEDS = DATA / "seeds"
PART1 = SEEDS / "000_b033b46dcbce62bb.part1.txt"
CLEAN = sorted(SEEDS.glob("00[1-4]_*.txt"))
GOLD = sorted((DATA / "gold").glob("*.json"))


@pytest.fixture(scope="module")
def repairer() -> Repairer:
    return default_repairer()


def part1_lines() -> list[str]:
    return PART1.read_text(encoding="utf-8").split("\n")


def gold_fichas() -> list[dict]:
    return [f for path in GOLD for f in json.loads(path.read_text(encoding="utf-8"))["fichas"]]


def ficha_text(lines: list[str], ficha: dict) -> str:
    first, last = ficha["_lines"]
    return "\n".join(lines[first - 1:last])


# --- codes --------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, fixed", [
    ("BPI_AH", "BP1_AH"), ("BP|_AH", "BP1_AH"), ("BPl_AH", "BP1_AH"),
    ("LAl_ISE", "LA1_ISE"), ("LAT_AH", "LA1_AH"), ("LA|_PC", "LA1_PC"),
    ("LNI1_GN", "LN1_GN"), ("BPI10_PC", "BP10_PC"), ("BPI0_PC", "BP10_PC"),
    ("BP9 _PC", "BP9_PC"), ("LAl ISE Se entregan tablets", "LA1_ISE Se entregan tablets"),
    ("LAl _AH: Se crean mecanismos", "LA1_AH: Se crean mecanismos"),
    ("BP | _ISE: Adaptar contenidos", "BP1_ISE: Adaptar contenidos"),
    ("CÓDIGO BPé_PC", "CÓDIGO BP6_PC"), ("BP2_lSE", "BP2_ISE"),
    # the underscore lost or read as a hyphen; a stroke read twice the other way round;
    # area letters misread (S as 5, F as E, C as O)
    ("CÓDIGO BP1GN", "CÓDIGO BP1_GN"), ("BP1-GF", "BP1_GF"), ("BP115E", "BP1_ISE"),
    ("BP2-15E", "BP2_ISE"), ("LN1I_GN Se identifican", "LN1_GN Se identifican"),
    ("BP1L_AF", "BP1_AF"), ("BPi1_AH:", "BP1_AH:"), ("BP2_GE", "BP2_GF"), ("BP6_PO", "BP6_PC"),
    ("LAL_PC", "LA1_PC"), ("BPLISE:", "BP1_ISE:"),  # a 1 read as L (Tesseract 5, degraded scans)
])
def test_codes_are_written_canonically(repairer, raw, fixed):
    text, repairs = repairer.line(raw)
    assert text == fixed
    assert [r.rule for r in repairs] == ["code"]


@pytest.mark.parametrize("raw", [
    "BP1_AH", "LA2_ISE", "LN1_GN", "BP10_PC",      # already right
    "LAS ME", "LA PC", "BPX_AH", "BP1_XX", "ABP1_AH",  # no code shape
    "LASME", "LAS-ME", "BPAPC", "BP1GNS", "LA1AHX", "BP11_AH",  # glued, but no digit or not alone
])
def test_non_codes_and_right_codes_are_left_alone(repairer, raw):
    assert repairer.line(raw) == (raw, ())


# --- words --------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, fixed", [
    ("nifios", "niños"), ("nifos", "niños"), ("poblacién", "población"), ("poblacion", "población"),
    ("disefo", "diseño"), ("disefio", "diseño"), ("Educacidn", "Educación"),
    ("psicoldgicos", "psicológicos"), ("acompafamiento", "acompañamiento"),
    ("tematicas", "temáticas"), ("blsqueda", "búsqueda"), ("Cadigo", "Código"),
    ("niNez", "niñez"), ("bilingties", "bilingües"), ("catélogos", "catálogos"), ("&mbito", "ámbito"),
    ("estd", "está"), ("pas6", "pasó"), ("PROTECCION", "PROTECCIÓN"), ("lvan", "Iván"),
    ("E|", "El"), ("|dentificar", "Identificar"), ("Gobiemo", "Gobierno"), ("tenfan", "tenían"),
])
def test_lost_accents_and_letters_come_back(repairer, raw, fixed):
    text, repairs = repairer.line(raw)
    assert text == fixed
    assert repairs[0].before == raw and repairs[0].rule == "word"


@pytest.mark.parametrize("valid", [
    "publico", "público", "esta", "está", "personas", "tienen", "especificas", "practicas",
    "campanas", "silos", "empoderarse", "Quito", "OIM", "LGBTIQ", "psicosocial",
    "and", "Card", "natives", "ii", "iii",  # English words and list numbering
])
def test_valid_words_are_never_changed(repairer, valid):
    assert repairer.line(valid) == (valid, ())


@pytest.mark.parametrize("raw, fixed", [
    ("paraincrementar la cobertura", "para incrementar la cobertura"),
    ("sistematizary compartir", "sistematizar y compartir"),
    ("Enla primera etapa", "En la primera etapa"),
    ("con lainstitucion", "con la institución"),
])
def test_glued_function_words_are_split(repairer, raw, fixed):
    assert repairer.line(raw)[0] == fixed


def test_urls_are_left_as_read(repairer):
    url = "https://www.gestionderiesgos.gob.ec/wp-content/uploads/Guia-de-Alojamientos.pdf"
    assert repairer.line(url) == (url, ())


def test_domain_words_become_valid_and_candidates():
    assert default_repairer().line("Tulcan")[0] == "Tulcan"
    local = Repairer(domain_words=["Tulcán, Huaquillas", "UTIL"])
    assert local.line("Tulcan y Huaquillas")[0] == "Tulcán y Huaquillas"
    assert local.line("UTIL")[0] == "ÚTIL"  # an accentless spelling is OCR's, not the domain's


# --- tokens and numbers -------------------------------------------------------------------

@pytest.mark.parametrize("raw, fixed", [
    ("|5", "15"), ("mayores de |8 afios", "mayores de 18 años"), ("(COVIDI9)", "(COVID19)"),
    ("Objetivo |5: Proporcionar", "Objetivo 15: Proporcionar"),
    ("Objetivo  I5: Proporcionar", "Objetivo  15: Proporcionar"),
    ("Objetivo |: Recopilar", "Objetivo 1: Recopilar"),
    ("crisis 0 emergencia", "crisis o emergencia"), ("y/0 mantenerse", "y/o mantenerse"),
])
def test_tokens_and_numbers(repairer, raw, fixed):
    assert repairer.line(raw)[0] == fixed


@pytest.mark.parametrize("raw", [
    "400", "61,500 USD", "2020", "1,400", "Objetivo 7: Abordar",   # correct numbers
    "COVID 9", "# de población asistida | 400", "de 0 a 5 años",   # ambiguous: not guessed
    "CBI2", "Fase I: diagnóstico", "|2019",
])
def test_numbers_are_not_guessed(repairer, raw):
    assert repairer.line(raw) == (raw, ())


@pytest.mark.parametrize("raw, value, ambiguous", [
    ("32,000", 32000, False), ("1,500 USD", 1500, False), ("$61.500", 61500, False),
    ("61,500 USD", 61500, False), ("400", 400, False), ("32 000", 32000, False),
    ("1.500,00", 1500, False), ("|5", 15, False),
    ("No aplica", None, False), ("No registra", None, False), ("", None, False),
    ("3,0000", None, True), ("1,5", None, True), ("400 personas y 200 familias", None, True),
    ("| 400", 400, True), ("x 400", 400, False),
])
def test_read_int(raw, value, ambiguous):
    reading = read_int(raw)
    assert (reading.value, reading.ambiguous) == (value, ambiguous)
    if ambiguous:
        assert reading.note


def test_read_int_records_its_repair():
    reading = read_int("|5 personas")
    assert reading.value == 15
    assert [(r.before, r.after, r.rule) for r in reading.repairs] == [("|5", "15", "number")]


# --- whole texts --------------------------------------------------------------------------

def test_line_reports_every_change_and_text_keeps_lines(repairer):
    raw = "BPI_PC: Incorporar espacios seguros y amigables para nifos, nifas y adolescentes"
    text, repairs = repairer.line(raw)
    assert text == "BP1_PC: Incorporar espacios seguros y amigables para niños, niñas y adolescentes"
    assert [(r.before, r.rule) for r in repairs] == [("BPI_PC", "code"), ("nifos", "word"), ("nifas", "word")]
    whole = PART1.read_text(encoding="utf-8")
    assert repairer.text(whole).count("\n") == whole.count("\n")


def test_clean_text_is_left_alone(repairer):
    """FALSE CORRECTIONS: the digital copies are correct Spanish; a repair there is a harm.

    Each copy is repaired as one document, as the pipeline does, so the accent twins must stay
    off (their accents are printed). Codes are counted apart: the clean copies themselves print
    `BPI_PC`, and fixing those is right. Measured: 6 changes in 14,009 words (ECONOMICA →
    ECONÓMICA twice, an all-caps heading; four `[` of markdown links in 003 taken for specks);
    7 code repairs.
    """
    changed, total, codes = [], 0, []
    for path in CLEAN:
        lines = path.read_text(encoding="utf-8").split("\n")
        total += sum(len(words(line)) for line in lines)
        for _, repairs in repairer.lines(lines):
            for r in repairs:
                (codes if r.rule == "code" else changed).append((path.name[:3], r.before, r.after))
    print(f"\n[false corrections] {len(changed)} changes in {total} clean words: {changed}"
          f"\n[false corrections] code repairs (the clean copies print BPI_PC): {len(codes)}")
    assert len(changed) <= 8
    assert all(re.fullmatch(r"(BP|LA|LN)\d{1,2}_[A-Z]{2,3}", after) for _, _, after in codes)


@pytest.mark.parametrize("codigo, clean_name", [("BP6_PC", "001_"), ("BP1_GN", "002_")])
def test_word_error_rate_drops(repairer, codigo, clean_name):
    """IMPROVEMENT: word error rate of a ficha's OCR against its clean digital copy.

    Measured on BP6_PC: 18.5% → 9.0% (what remains is mostly column order and valid
    words whose accented twin was printed: especificas/específicas). BP1_GN is not in
    part1 (it holds AH, ISE and PC only), so that case skips until its OCR arrives.
    """
    ficha = next((f for f in gold_fichas() if f["codigo"] == codigo), None)
    if ficha is None:
        pytest.skip(f"{codigo} is not in the OCR seed part1")
    clean = next(SEEDS.glob(clean_name + "*.txt")).read_text(encoding="utf-8")
    reference = words(clean[clean.index("ÁREA A LA QUE CORRESPONDE"):])
    ocr = ficha_text(part1_lines(), ficha)
    before = Levenshtein.distance(words(ocr), reference) / len(reference)
    after = Levenshtein.distance(words(repairer.text(ocr)), reference) / len(reference)
    print(f"\n[WER {codigo}] before {before:.1%} after {after:.1%} ({len(reference)} words)")
    assert after < before
    assert after <= 0.11 and after <= before * 0.6


def test_gold_words_are_spelled_right_more_often(repairer):
    """IMPROVEMENT: share of the words of every gold text value of part1 found, spelled
    exactly (case aside), among the words of its ficha's lines. Measured: 90.0% → 99.0%."""
    lines = part1_lines()
    total = found_before = found_after = 0
    for ficha in gold_fichas():
        raw = ficha_text(lines, ficha)
        seen_before = {w.lower() for w in words(raw)}
        seen_after = {w.lower() for w in words(repairer.text(raw))}
        for key, value in ficha.items():
            values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
            for text in (v for v in values if isinstance(v, str) and not key.startswith("_")):
                for word in words(text):
                    total += 1
                    found_before += word.lower() in seen_before
                    found_after += word.lower() in seen_after
    before, after = found_before / total, found_after / total
    print(f"\n[gold words] {total} words; spelled right before {before:.1%}, after {after:.1%}")
    assert after > before
    assert after >= 0.98 and before <= 0.91


@pytest.mark.parametrize("name", ["003_", "004_"])
def test_unseen_documents_get_their_accents_back(repairer, name):
    """GENERALITY: two documents the rules were not drawn from (a guide and another agency's
    report), with every accent and ñ stripped as this OCR does. Measured word error:
    003 14.0% → 1.3%, 004 11.2% → 0.3% (4.1% and 1.7% without the accent twins; what stays:
    twins too close to call, like esta/está)."""
    clean = next(SEEDS.glob(name + "*.txt")).read_text(encoding="utf-8")
    stripped = clean.translate(str.maketrans("áéíóúÁÉÍÓÚñÑüÜ", "aeiouAEIOUnNuU"))
    reference = words(clean)
    before = Levenshtein.distance(words(stripped), reference) / len(reference)
    after = Levenshtein.distance(words(repairer.text(stripped)), reference) / len(reference)
    print(f"\n[accents stripped {name[:3]}] word error before {before:.1%} after {after:.1%}")
    assert after <= before * 0.4


@pytest.mark.parametrize("before, after", [("la OIMy los socios", "la OIM y los socios"), ("ONGe instituciones", "ONG e instituciones"), ("HOY y LEY", "HOY y LEY")])
def test_conjunction_glued_to_an_acronym_is_split(before, after):
    assert default_repairer().line(before)[0] == after


@pytest.mark.parametrize("before, after", [("P laboral", "laboral"), ("L Ambato, Cuenca", "Ambato, Cuenca"), ("Y los socios", "Y los socios"), ("A partir de 2020", "A partir de 2020"), ("N.º 5 del acta", "N.º 5 del acta")])
def test_a_lone_consonant_opening_a_line_is_a_speck(before, after):
    assert default_repairer().line(before)[0] == after


ACCENTLESS = """La poblacion migrante recibe atencion psicosocial y orientacion juridica.
Las practicas de proteccion se revisan con la comunidad; ademas, las campanas de
informacion llegan a mas familias. La coordinacion con el municipio es basica para
la integracion economica. Esta practica se replico en tres ciudades del pais y la
evaluacion final recomendo su difusion en el sector publico y en la poblacion de acogida.
La sostenibilidad depende de la participacion de los lideres comunitarios y de la gestion
institucional, segun la valoracion tecnica del equipo."""


def test_accent_twins_come_back_only_where_the_ocr_drops_accents(repairer):
    lost = repairer.text(ACCENTLESS)
    for twin in ("prácticas", "además", "campañas", "más familias", "Esta práctica", "sector público"):
        assert twin in lost
    assert "Esta" in lost and "Está" not in lost  # too close to call: as read
    # the same twins in a document that prints its accents are what was printed
    printed = repairer.text(lost.replace("prácticas", "practicas").replace("más familias", "mas familias"))
    assert "practicas" in printed and "mas familias" in printed
