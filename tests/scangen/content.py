"""Gold records → printed blocks, with the catalogue's labels and value formats.

The wording follows the clean copies (seeds 001/002) and the seed OCR. Small per-ficha
variations the real catalogue also shows ("Efectividad" with or without colon, two
beneficiary labels, a final period on lists) are drawn from a seeded RNG so the
extractor meets all of them. The style chooses the number format and the label column's width.
"""
from __future__ import annotations

import random
from functools import cache
from pathlib import Path

import yaml

from .model import AreaTitle, Block, Checks, KeepTogether, Para, Row, Run, Table, Tiles, heading, para
from .style import Numbers, Style

# area code → (name as printed in the summary heading, section number, code in the heading)
AREAS: dict[str, tuple[str, str, str]] = {
    "AH": ("Asistencia Humanitaria", "2.1", "AH"),
    "ISE": ("Inclusión Económica y Social", "2.2", "ISE"),
    "PC": ("Protección", "2.3", "PR"),
    "GF": ("Gestión de Fronteras", "2.4", "GF"),
    "ME": ("Monitoreo y Evaluación", "2.5", "ME"),
    "AF": ("Administrativo y Finanzas", "2.6", "AF"),
    "GN": ("General", "2.7", "GN"),
}
KIND_TITLES = {
    "buena_practica": "BUENA PRÁCTICA",
    "leccion_aprendida": "LECCIÓN APRENDIDA",
    "leccion_no_aprendida": "LECCIÓN NO APRENDIDA",
}
CONDICIONES = (
    "Condiciones y contexto relevantes: limitaciones o consejos en términos de "
    "aplicabilidad y replicabilidad"
)
PACTO = "Relación con el Pacto Mundial para la Migración Segura"
ACTORES = "Actores involucrados (ONG, Gobierno, Empresa)"
FACTORES = "Factores diferenciadores (Valor agregado de OIM)"
CRITERIA = (
    ("IMPORTANTE", "criterio_importante"),
    ("ÚTIL", "criterio_util"),
    ("EQUITATIVO", "criterio_equitativo"),
    ("ECONÓMICO", "criterio_economico"),
)


PACTO_MUNDIAL = Path(__file__).parents[2] / "extractors" / "data" / "pacto_mundial.yml"
"""One copy of the principles and objectives: the extractor's own data file."""


@cache
def pacto_mundial() -> dict[str, dict]:
    """Principles (a–j) and objectives (1–23) of the Global Compact, Spanish wording."""
    return yaml.safe_load(PACTO_MUNDIAL.read_text("utf-8"))


def area_code(codigo: str) -> str:
    """`BP1_AH` → `AH`: the summary rows carry only the code."""
    return codigo.rsplit("_", 1)[1]


def sentence(text: str) -> str:
    """Add the final period a printed list or label line ends with."""
    return text if text.endswith((".", ":", ";")) else text + "."


def cell(text: str, bold: bool = False, align: str = "justify") -> tuple[Para, ...]:
    """One table cell holding one paragraph."""
    return (Para((Run(text, bold=bold),), align=align, space_before=0),)


def label_table(rows: list[tuple[str, str]], label_frac: float) -> Table:
    """The two-column label | value table of the ficha metadata."""
    return Table(
        tuple(Row((cell(label, align="left"), cell(value))) for label, value in rows),
        (label_frac, 1 - label_frac),
        label_col=True,
    )


def summary_blocks(area: str, rows: list[dict], rng: random.Random) -> list[Block]:
    """An area's opening: numbered title and the `Código | Descripción` table."""
    name, number, printed = AREAS[area]
    code_frac = rng.uniform(0.13, 0.17)
    head = Row((cell("Código", True, "left"), cell("Descripción", True, "center")), shaded=True)
    body = tuple(Row((cell(r["codigo"], align="left"), cell(r["descripcion"]))) for r in rows)
    title = f"{number} LECCIONES Y BUENAS PRÁCTICAS DEL ÁREA DE {name.upper()} ({printed})"
    table = Table((head, *body), (code_frac, 1 - code_frac), label_col=True, summary=True)
    return [KeepTogether(8), AreaTitle(title), table]


def header_blocks(rec: dict, rng: random.Random) -> list[Block]:
    """Header block and title line that open every ficha."""
    frac = rng.uniform(0.36, 0.44)
    rows = (
        Row((cell("ÁREA A LA QUE CORRESPONDE", True, "left"), cell(rec["area"].upper(), True, "left"))),
        Row((cell("CÓDIGO", True, "left"), cell(rec["codigo"], True, "left"))),
        Row((cell(KIND_TITLES[rec["tipo"]], True, "center"),), span=True),
    )
    title = para(Run(f"{rec['codigo']}:", bold=True), Run(rec["titulo"], italic=True), space_before=0.9)
    return [KeepTogether(14, ficha=True), Table(rows, (frac, 1 - frac), label_col=True), title]


def section(title: str, text: str | None) -> list[Block]:
    """A titled section; nothing at all when the value is null."""
    return [heading(title), para(text)] if text else []


def run_in(label: str, text: str | None) -> list[Block]:
    """A paragraph opened by a bold run-in label ("Contexto: ...")."""
    return [para(Run(label, bold=True), text)] if text else []


def pacto_blocks(rec: dict, obj_frac: float) -> list[Block]:
    """The "Principios rectores | Objetivos" table, one paragraph per principle and objective."""
    pm = pacto_mundial()
    left = tuple(
        Para((Run(f"{p}) {pm['principios'][p]}."),), "left", space_before=0) for p in rec["pmm_principios"]
    )
    right = tuple(
        Para((Run(f"Objetivo {n}: {pm['objetivos'][n]}."),), "left", space_before=0.3 if i else 0)
        for i, n in enumerate(rec["pmm_objetivos"])
    )
    head = Row((cell("Principios rectores", True, "center"), cell("Objetivos", True, "center")), shaded=True)
    return [heading(PACTO), Table((head, Row((left, right))), (1 - obj_frac, obj_frac))]


def ods_blocks(rec: dict, rng: random.Random) -> list[Block]:
    """"Relación con ODS" and its icons (graphics only: no ODS number is in the record)."""
    return [heading("Relación con ODS"), Tiles(rng.randint(1, 4), rng.randrange(1 << 30))]


def bp_blocks(rec: dict, rng: random.Random, label_frac: float, numbers: Numbers) -> list[Block]:
    """A buena práctica in the order the catalogue prints it."""
    efectividad = "Efectividad:" if rng.random() < 0.5 else "Efectividad"
    beneficiarios = "Beneficiarias/os previstas/os:" if rng.random() < 0.7 else "Beneficiarios previstos:"
    pob, budget = rec["poblacion_asistida"], rec["presupuesto_usd"]
    missing = rng.choice(["No registra", "No aplica"])
    table = [
        ("# de población asistida", numbers.count(pob) if pob is not None else missing),
        ("Territorio", list_text(rec["territorio"], rng)),
        ("Tipo de asistencia", rec["tipo_asistencia"]),
        (ACTORES, list_text(rec["actores"], rng)),
        ("Presupuesto aproximado", numbers.amount(budget) if budget is not None else missing),
        ("Potencial de replicación y por quién", rec["potencial_replicacion"]),
        ("Vínculos ascendentes a objetivos más elevados de la Institución", rec["vinculos_institucion"]),
    ]
    contribution = run_in("Contribución:", rec["contribucion"]) + run_in(beneficiarios, rec["beneficiarios"])
    return [
        *header_blocks(rec, rng),
        *section("Hallazgo", rec["hallazgo"]),
        heading(CONDICIONES),
        *run_in("Contexto:", rec["contexto"]),
        *run_in("Consejos en términos de aplicabilidad:", rec["consejos_aplicabilidad"]),
        *run_in("Relación causa-efecto:", rec["relacion_causa_efecto"]),
        *run_in("Limitaciones:", rec["limitaciones"]),
        *([heading("Contribución y beneficiarios previstos"), *contribution] if contribution else []),
        *section(efectividad, rec["efectividad"]),
        *section("Metas del proyecto:", rec["metas_proyecto"]),
        label_table([(k, v) for k, v in table if v], label_frac),
        *ods_blocks(rec, rng),
        *pacto_blocks(rec, rng.uniform(0.55, 0.65)),
        *section(FACTORES, rec["factores_diferenciadores"]),
        *section(f"Sostenibilidad: {rec['sostenibilidad']}", rec["sostenibilidad_detalle"]),
        *section("Palabras clave", sentence(", ".join(rec["palabras_clave"]))),
    ]


def lesson_blocks(rec: dict, rng: random.Random, label_frac: float) -> list[Block]:
    """A lección aprendida / no aprendida in the lesson layout."""
    learned = rec["tipo"] == "leccion_aprendida"
    table = [
        ("Territorio", list_text(rec["territorio"], rng)),
        (ACTORES, list_text(rec["actores"], rng)),
        (FACTORES, rec["factores_diferenciadores"]),
        ("Efectividad:", rec["efectividad"]),
    ]
    criteria = [(label, rec[key]) for label, key in CRITERIA if rec[key]]
    return [
        *header_blocks(rec, rng),
        *section("Hallazgo", rec["hallazgo"]),
        *section("Descripción de la lección", rec["descripcion_leccion"]),
        *section("Contexto y condiciones previas relacionadas", rec["contexto"]),
        *section("Metas del proyecto:", rec["metas_proyecto"]),
        *section("Beneficiarios", rec["beneficiarios"]),
        *ods_blocks(rec, rng),
        *pacto_blocks(rec, rng.uniform(0.55, 0.65)),
        heading("Tipo de lección"),
        Checks((("Lección aprendida", learned), ("Lección no aprendida", not learned))),
        *section("Éxito / Cuestiones positivas", rec["exito"]),
        *section("Desafíos, dificultades, problemas", rec["desafios"]),
        label_table([(k, v) for k, v in table if v], label_frac),
        *([label_table(criteria, rng.uniform(0.2, 0.26))] if criteria else []),
        *section("Palabras clave", sentence(", ".join(rec["palabras_clave"]))),
    ]


def list_text(items: list[str] | None, rng: random.Random) -> str | None:
    """Territories and actors as printed: comma-separated, sometimes with a final period."""
    if not items:
        return None
    text = ", ".join(items)
    return sentence(text) if rng.random() < 0.5 else text


def document_blocks(records: list[dict], resumen: list[dict], seed: int, style: Style) -> list[Block]:
    """All areas in catalogue order, each its summary table followed by its fichas."""
    areas = [a for a in AREAS if any(area_code(r["codigo"]) == a for r in [*records, *resumen])]
    label_frac = random.Random(f"{seed}:table").uniform(*style.label_split)
    blocks: list[Block] = []
    for area in areas:
        rows = [r for r in resumen if area_code(r["codigo"]) == area]
        if rows:
            blocks += summary_blocks(area, rows, random.Random(f"{seed}:{area}"))
        for rec in (r for r in records if area_code(r["codigo"]) == area):
            rng = random.Random(f"{seed}:{rec['codigo']}")
            if rec["tipo"] == "buena_practica":
                blocks += bp_blocks(rec, rng, label_frac, style.numbers)
            else:
                blocks += lesson_blocks(rec, rng, label_frac)
    return blocks
