"""Layout families: each is deterministic, looks like itself, and every style variant really occurs.

The families are how the extractor is checked on layouts it was not written from, so these
tests read the rendered PDF (pdfplumber) or the printed page texts, never the style alone:
a knob that the layout ignored would fail them.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import get_args

import pdfplumber
import pytest
from reportlab.pdfbase import pdfmetrics

from tests.scangen import FAMILIES, HELD_OUT_FAMILY, render_pdf
from tests.scangen.__main__ import main as cli
from tests.scangen.content import pacto_mundial
from tests.scangen.style import FONTS, HOUSE_STYLES, SYMBOLS, Font, Style, Ticks, register, style_for
from tests.test_scangen import GOLD, gold, norm, pick

SEEDS = range(8)
"""A handful of seeds: every variant a family offers must occur among them."""
TICK_LINES = {
    "glyph": "☒ Lección aprendida ☐ Lección no aprendida",
    "brackets": "[X] Lección aprendida [ ] Lección no aprendida",
    "parens": "(x) Lección aprendida ( ) Lección no aprendida",
    "x_only": "X Lección aprendida Lección no aprendida",
    "none": "Lección aprendida Lección no aprendida",
    "box_tick": "Lección aprendida Lección no aprendida",
    "box_cross": "Lección aprendida Lección no aprendida",
}
TITLE_AH = "2.1 LECCIONES Y BUENAS PRÁCTICAS DEL ÁREA DE ASISTENCIA HUMANITARIA (AH)"
CATALOGO_AH_SEED0 = "7c365e10e23733875fd6095fb79405e0d5c6603d15e808772a7b565ee5bcac78"
SPLIT_KEYS = {  # by "is a buena práctica": fields printed in a label | value row, and as paragraphs
    True: {"row": ("tipo_asistencia", "potencial_replicacion", "vinculos_institucion"),
           "paragraph": ("hallazgo", "contexto", "consejos_aplicabilidad", "relacion_causa_efecto", "limitaciones",
                         "contribucion", "beneficiarios", "efectividad", "metas_proyecto",
                         "factores_diferenciadores", "sostenibilidad_detalle")},
    False: {"row": ("factores_diferenciadores", "efectividad", "criterio_importante", "criterio_util",
                    "criterio_equitativo", "criterio_economico"),
            "paragraph": ("hallazgo", "descripcion_leccion", "contexto", "metas_proyecto", "beneficiarios",
                          "exito", "desafios")},
}


def find(predicate, families=FAMILIES) -> tuple[str, int, Style]:
    """The first (family, seed) among SEEDS whose style satisfies `predicate`; fails if none does."""
    for family in families:
        for seed in SEEDS:
            style = style_for(seed, family)
            if predicate(style):
                return family, seed, style
    pytest.fail(f"no family among {families} and seed in {SEEDS} draws this variant")


def digital(tmp_path: Path, records: list[dict], resumen: list[dict], family: str, seed: int):
    """A digital rendering, not cached."""
    return render_pdf(records, resumen, tmp_path / f"{family}-{seed}.pdf", level="digital", seed=seed,
                      family=family, cache_dir=None)


def ps_names(font: Font) -> set[str]:
    """The PostScript names of a font's faces: what a PDF's text layer calls them."""
    register(font)
    return {pdfmetrics.getFont(face).face.name.decode() for face in font.faces}


def faces_used(pdf_path: Path) -> set[str]:
    """The fonts of the text on a PDF's first page, subset prefixes dropped."""
    with pdfplumber.open(pdf_path) as pdf:
        return {c["fontname"].split("+")[-1] for c in pdf.pages[0].chars}


def body(text: str, style: Style) -> list[str]:
    """A page's lines without its running header and footer."""
    lines = text.split("\n")
    return lines[bool(style.header): len(lines) - bool(style.footer)]


def test_families_exported():
    assert FAMILIES[0] == "catalogo" and len(FAMILIES) >= 5 and HELD_OUT_FAMILY in FAMILIES


def test_catalogo_keeps_the_original_pages(tmp_path):
    """The default family is the look from before families existed: the AH pages, line for line.

    The hash is of the page texts the single-layout generator printed for AH at seed 0, so
    figures measured on `catalogo` stay comparable with earlier ones.
    """
    g = gold("AH")
    default = render_pdf(g["fichas"], g["resumen"], tmp_path / "a.pdf", level="digital", seed=0, cache_dir=None)
    assert hashlib.sha256(json.dumps(default.page_texts).encode()).hexdigest() == CATALOGO_AH_SEED0
    assert faces_used(default.path) < ps_names(FONTS["Vera"])


@pytest.mark.parametrize("family", FAMILIES)
def test_same_family_and_seed_same_bytes(family, tmp_path):
    (la1,) = pick("AH", "LA1_AH")
    a, b = (render_pdf([la1], [], tmp_path / f"{n}.pdf", level="digital", seed=3, family=family, cache_dir=None)
            for n in "ab")
    assert a.path.read_bytes() == b.path.read_bytes() and a.page_texts == b.page_texts


def test_families_differ(tmp_path):
    """Same record and seed: every family prints other bytes, with its own running lines."""
    (bp8,) = pick("PC", "BP8_PC")
    pdfs, furniture = set(), set()
    for family in FAMILIES:
        result, style = digital(tmp_path, [bp8], [], family, 4), style_for(4, family)
        pdfs.add(result.path.read_bytes())
        lines = result.page_texts[0].split("\n")
        furniture.add((lines[0] if style.header else None, lines[-1] if style.footer else None))
    assert len(pdfs) == len(furniture) == len(FAMILIES)


@pytest.mark.parametrize(("family", "font"), [(f, font) for f in FAMILIES for font in HOUSE_STYLES[f].fonts])
def test_every_font_of_a_family_prints(family, font, tmp_path):
    """Each of a family's fonts is drawn at some seed, and the PDF then uses its faces only."""
    _, seed, _ = find(lambda s: s.font == FONTS[font], [family])
    faces = faces_used(digital(tmp_path, pick("PC", "BP8_PC"), [], family, seed).path)
    assert len(faces) >= 3 and faces <= ps_names(FONTS[font]) | ps_names(FONTS[SYMBOLS])


def test_fonts_cover_sans_and_serif():
    fonts = {font for family in HOUSE_STYLES.values() for font in family.fonts}
    assert {"DejaVuSans", "DejaVuSerif", "LiberationSans", "LiberationSerif", "FreeSans", "FreeSerif", "Carlito",
            "Caladea"} <= fonts


PAGE_FURNITURE = {
    # family: (header, footer) of page number n, last page N; None where the family prints none
    "catalogo": lambda n, N: (None, {f"LECCIONES APRENDIDAS Y BUENAS PRÁCTICAS {n}" if n % 2
                                     else f"{n} LECCIONES APRENDIDAS Y BUENAS PRÁCTICAS"}),
    "boletin": lambda n, N: ({f"Institución · Catálogo de lecciones aprendidas y buenas prácticas · Página {n}"},
                             None),
    "memoria": lambda n, N: ({"Catálogo de Lecciones Aprendidas y Buenas Prácticas"}, {f"Página {n} de {N}"}),
    "informe": lambda n, N: (None, {f"— {n} —", str(n)}),
    "anuario": lambda n, N: ({"Catálogo de Lecciones Aprendidas y Buenas Prácticas Institución"},
                             {f"Página {n}", str(n)}),
}


@pytest.mark.parametrize("family", FAMILIES)
def test_running_header_and_footer_number_every_page(family, tmp_path):
    """Header and footer as the family prints them, numbered from the first page to the last."""
    records, seed = pick("AH", "BP1_AH", "BP2_AH"), 1
    result, style = digital(tmp_path, records, gold("AH")["resumen"], family, seed), style_for(seed, family)
    last = style.first_page + len(result.page_texts) - 1
    assert len(result.page_texts) >= 3
    for i, text in enumerate(result.page_texts):
        lines, (header, footer) = text.split("\n"), PAGE_FURNITURE[family](style.first_page + i, last)
        assert (lines[0] in header) if header else not style.header
        assert (lines[-1] in footer) if footer else not style.footer


def test_page_number_on_the_outer_side(tmp_path):
    """Outer-side numbers sit right on odd pages and left on even ones."""
    family, seed, style = find(lambda s: s.footer is not None and s.footer.align == "outer")
    result = digital(tmp_path, pick("AH", "BP1_AH"), [], family, seed)
    with pdfplumber.open(result.path) as pdf:
        for i, page in enumerate(pdf.pages[:2]):
            n = style.first_page + i
            (word,) = [w for w in page.extract_words() if w["text"] == str(n) and w["top"] > page.height * 0.8]
            assert (word["x0"] > page.width / 2) == bool(n % 2)


@pytest.mark.parametrize("ticks", get_args(Ticks))
def test_every_tick_style_occurs(ticks, tmp_path):
    """The "Tipo de lección" row: printed marks in the text layer, drawn boxes as graphics."""
    family, seed, style = find(lambda s: s.ticks == ticks)
    result = digital(tmp_path, pick("AH", "LA1_AH"), [], family, seed)
    (index,) = [i for i, t in enumerate(result.page_texts) if "Lección no aprendida" in t]
    assert TICK_LINES[ticks] in result.page_texts[index].split("\n")
    with pdfplumber.open(result.path) as pdf:
        page = pdf.pages[index]
        assert TICK_LINES[ticks] in page.extract_text().split("\n")
        words = page.extract_words()
        (line,) = [w["bottom"] for i, w in enumerate(words)
                   if [x["text"] for x in words[i:i + 3]] == ["Lección", "no", "aprendida"]]
        boxes = [r for r in page.rects if abs(r["width"] - style.size * 0.9) < 0.5 and abs(r["bottom"] - line) < 3]
        strokes = [ln for ln in page.lines if abs(ln["bottom"] - line) < style.size]
    if ticks in ("box_tick", "box_cross"):
        ticked, other = sorted(boxes, key=lambda r: r["x0"])
        inside = [ln for ln in strokes if ticked["x0"] <= ln["x0"] and ln["x1"] <= ticked["x1"]]
        assert len(inside) == 2 and not [ln for ln in strokes if other["x0"] <= ln["x0"] <= other["x1"]]
        spans = sorted(ln["width"] for ln in inside)
        assert (spans[0] > 0.5 * ticked["width"]) == (ticks == "box_cross")  # a cross spans the box twice
    else:
        assert not boxes and not strokes


def test_area_banner_white_on_dark(tmp_path):
    family, seed, style = find(lambda s: s.area.banner and not s.area.divider)
    result = digital(tmp_path, [], gold("AH")["resumen"], family, seed)
    with pdfplumber.open(result.path) as pdf:
        page = pdf.pages[0]
        (bar,) = [r for r in page.rects if r["fill"] and r["width"] > 0.99 * style.width]
        assert max(bar["non_stroking_color"]) < 0.5
        inside = page.crop((bar["x0"], bar["top"], bar["x1"], bar["bottom"]))
        assert {tuple(c["non_stroking_color"]) for c in inside.chars} == {(1, 1, 1)}
        assert norm(inside.extract_text()) == TITLE_AH
    assert body(result.page_texts[0], style)[0].startswith("2.1 LECCIONES")


def test_area_divider_page_then_summary(tmp_path):
    family, seed, style = find(lambda s: s.area.divider)
    result = digital(tmp_path, pick("AH", "BP1_AH"), gold("AH")["resumen"], family, seed)
    assert norm(" ".join(body(result.page_texts[0], style))) == TITLE_AH
    assert body(result.page_texts[1], style)[0] == "Código Descripción"


@pytest.mark.parametrize("centred", [True, False])
def test_summary_code_centred_or_top_aligned(centred, tmp_path):
    """Beside a three-line description the code sits a line lower when centred, level when not."""
    family, seed, style = find(lambda s: s.vcenter_codes == centred)
    result = digital(tmp_path, [], gold("AH")["resumen"], family, seed)
    with pdfplumber.open(result.path) as pdf:
        words = pdf.pages[-1].extract_words() if style.area.divider else pdf.pages[0].extract_words()
    (code,) = [w for w in words if w["text"] == "BP3_AH"]
    (desc,) = [w for w in words if w["text"] == "Asistir"]
    offset = code["top"] - desc["top"]
    assert offset > 0.5 * style.leading if centred else abs(offset) < 1


@pytest.mark.parametrize("rules", ["grid", "rows", "none"])
def test_label_table_rules(rules, tmp_path):
    """Ruled grid, horizontal rules only, or no rules: the graphics of a label | value table."""
    family, seed, style = find(lambda s: s.fichas.rules == rules)
    result = digital(tmp_path, pick("AH", "LA1_AH"), [], family, seed)
    with pdfplumber.open(result.path) as pdf:
        page = pdf.pages[0]  # the ficha's header table: area, code, kind
        words = page.extract_words()
        top = min(w["top"] for w in words if w["text"] == "ÁREA")
        bottom = min(w["bottom"] for w in words if w["text"] == "APRENDIDA")
        table = page.within_bbox((0, top - 2 * style.pad - 1, page.width, bottom + 2 * style.pad + 1))
        cells = [r for r in table.rects if r["stroke"] and not r["fill"]]
        rows = [ln for ln in table.lines if abs(ln["width"] - style.width) < 1]
    assert (len(cells) >= 4, len(rows) >= 4) == (rules == "grid", rules == "rows")


def split_values(g: dict) -> dict[str, list[str]]:
    """The long values of an area printed as a table row ("label value", summary and pacto rows
    included) and as a paragraph: what a page break can cut in two."""
    objectives = pacto_mundial()["objetivos"]
    kinds: dict[str, list[str]] = {"row": [f"{r['codigo']} {r['descripcion']}" for r in g["resumen"]],
                                   "paragraph": []}
    for rec in g["fichas"]:
        for kind, keys in SPLIT_KEYS[rec["tipo"] == "buena_practica"].items():
            kinds[kind] += [rec[k] for k in keys if rec[k]]
        kinds["row"] += [f"Objetivo {n}: {objectives[n]}." for n in rec["pmm_objetivos"]]
    return {kind: [norm(v) for v in values] for kind, values in kinds.items()}


@pytest.mark.parametrize("family", FAMILIES)
def test_rows_and_paragraphs_split_across_pages(family, tmp_path):
    """At some seed, a table row and a paragraph each continue over a page break: the value is on
    neither page whole, and whole across the two."""
    found = set()
    for seed in SEEDS:
        style = style_for(seed, family)
        for area in ("AH", "PC"):
            g = gold(area)
            result = digital(tmp_path, g["fichas"], g["resumen"], family, seed)
            pages = [norm(" ".join(body(t, style))) for t in result.page_texts]
            breaks = list(zip(pages, pages[1:]))
            for kind, values in split_values(g).items():
                if any(v not in a and v not in b and v in f"{a} {b}" for a, b in breaks for v in values):
                    found.add(kind)
            if found == {"row", "paragraph"}:
                return
    pytest.fail(f"{family}: only {found or 'nothing'} split across pages at seeds {SEEDS}")


def test_spanish_number_format_in_one_family(tmp_path):
    """`boletin` prints 32.000 and 1.500 USD / USD 1.500; the other families 32,000 and 1,500 USD."""
    (bp1,) = pick("AH", "BP1_AH")
    assert bp1["poblacion_asistida"] == 32000 and bp1["presupuesto_usd"] == 1500
    for money in ("{n} USD", "USD {n}"):
        family, seed, _ = find(lambda s: s.numbers.money == money, ["boletin"])
        text = norm(" ".join(digital(tmp_path, [bp1], [], family, seed).page_texts))
        assert "# de población asistida 32.000" in text and money.format(n="1.500") in text
    for family in set(FAMILIES) - {"boletin"}:
        text = norm(" ".join(digital(tmp_path, [bp1], [], family, 0).page_texts))
        assert "# de población asistida 32,000" in text and "1,500 USD" in text


def test_upper_case_headings_keep_the_template_words(tmp_path):
    (bp1,) = pick("AH", "BP1_AH")
    family, seed, _ = find(lambda s: s.headings.upper)
    upper = digital(tmp_path, [bp1], [], family, seed).page_texts
    plain = digital(tmp_path, [bp1], [], "catalogo", seed).page_texts
    lines = [line for t in upper for line in t.split("\n")]
    assert "HALLAZGO" in lines and "Hallazgo" not in lines and "SOSTENIBILIDAD: ALTA" in lines
    assert "Hallazgo" in [line for t in plain for line in t.split("\n")]


@pytest.mark.parametrize("new_page", [True, False])
def test_fichas_on_new_pages_or_run_on(new_page, tmp_path):
    """The second ficha opens its page in a new-page family, and follows the first mid-page at some
    seed in the others."""
    records, opens = pick("AH", "BP1_AH", "BP2_AH", "BP3_AH"), []
    family = find(lambda s: s.new_page == new_page)[0]
    for seed in SEEDS:
        style = style_for(seed, family)
        if style.new_page == new_page:
            pages = digital(tmp_path, records, [], family, seed).page_texts
            for code in ("BP2_AH", "BP3_AH"):
                (page,) = [t for t in pages if f"CÓDIGO {code}" in t]
                opens.append(body(page, style)[0].startswith("ÁREA A LA QUE"))
    assert all(opens) if new_page else not all(opens)


def test_missing_font_names_the_debian_package(tmp_path):
    font = Font(("Caladea-Regular",) * 4, tmp_path, "fonts-crosextra-caladea")
    with pytest.raises(FileNotFoundError, match="apt-get install fonts-crosextra-caladea"):
        register(font)


def test_cli_renders_a_family(tmp_path, capsys):
    out, texts = tmp_path / "x.pdf", tmp_path / "x.txt"
    cli(["--gold", str(GOLD / "AH.json"), "--codes", "BP3_AH", "--family", "memoria", "--level", "digital",
         "--out", str(out), "--texts", str(texts), "--no-cache"])
    pages = texts.read_text("utf-8").split("\f")
    assert out.exists() and "memoria" in capsys.readouterr().out
    assert all(p.split("\n")[0] == "Catálogo de Lecciones Aprendidas y Buenas Prácticas" for p in pages)
    assert re.fullmatch(rf"Página \d+ de \d+", pages[-1].split("\n")[-1])
