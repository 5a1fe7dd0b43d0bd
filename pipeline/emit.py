"""Write the run's outputs: fichas.json, fichas.csv and campos.csv, atomically and together.

CSV files are UTF-8 with a BOM so Excel shows accents; column order is fixed by the
template's record keys. Floats are rounded here, when serialising, not in the records.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from extractors.template import Template
from pipeline.files import atomic_write_all, text_writer
from pipeline.records import DocumentResult, FieldValue, Ficha

SCHEMA_NAME = "fichas"
SCHEMA_VERSION = "1.0"
LIST_SEPARATOR = "; "
CONFIDENCE_DIGITS = 3
BBOX_DIGITS = 1


def write_outputs(results: list[DocumentResult], out_dir: Path, template: Template) -> list[Path]:
    """fichas.json, fichas.csv and campos.csv in `out_dir`; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fichas = [f for r in results for f in r.fichas]
    keys = template.all_record_keys()
    paths = [out_dir / "fichas.json", out_dir / "fichas.csv", out_dir / "campos.csv"]
    atomic_write_all({
        paths[0]: text_writer(json.dumps(to_json(results, keys), ensure_ascii=False, indent=1)),
        paths[1]: text_writer(fichas_table(fichas, keys).to_csv(index=False), bom=True),
        paths[2]: text_writer(fields_table(fichas, keys).to_csv(index=False), bom=True),
    })
    return paths


def to_json(results: list[DocumentResult], keys: list[str]) -> dict:
    return {
        "schema_name": SCHEMA_NAME,
        "version": SCHEMA_VERSION,
        "documents": [
            {
                "path": str(r.path),
                "sha256": r.sha256,
                "pages": r.pages,
                "status": r.status,
                "warnings": r.warnings,
                **({"error": r.error} if r.error else {}),
            }
            for r in results
        ],
        "fichas": [
            {
                "codigo": f.codigo,
                "documento": f.documento,
                "fields": {k: _field_json(f.fields[k]) for k in keys if k in f.fields},
            }
            for r in results
            for f in r.fichas
        ],
    }


def _field_json(fv: FieldValue) -> dict:
    return {
        "value": fv.value,
        "confidence": round(fv.confidence, CONFIDENCE_DIGITS),
        "page": fv.page,
        "bbox": [round(v, BBOX_DIGITS) for v in fv.bbox] if fv.bbox else None,
        "raw": fv.raw,
        "repairs": [{"from": r.before, "to": r.after, "rule": r.rule} for r in fv.repairs],
        "evidence": list(fv.evidence),
        "revisado": fv.revisado,
        **({"revisar_de_nuevo": True} if fv.revisar else {}),
    }


def cell(value) -> object:
    """A value as one CSV cell: lists joined, null as empty."""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return value


def fichas_table(fichas: list[Ficha], keys: list[str]) -> pd.DataFrame:
    """One row per ficha: a column per field, then a `<field>__confianza` and a `<field>__revisado`
    column per field."""
    columns = ["documento"] + keys + [f"{k}__confianza" for k in keys] + [f"{k}__revisado" for k in keys]
    rows = []
    for f in fichas:
        row = {"documento": f.documento}
        for k in keys:
            fv = f.fields.get(k)
            row[k] = cell(fv.value) if fv else None
            row[f"{k}__confianza"] = round(fv.confidence, CONFIDENCE_DIGITS) if fv else None
            row[f"{k}__revisado"] = fv.revisado if fv else False
        rows.append(row)
    return pd.DataFrame(rows, columns=columns).astype({k: "Int64" for k in ("poblacion_asistida", "presupuesto_usd") if k in keys})


def fields_table(fichas: list[Ficha], keys: list[str]) -> pd.DataFrame:
    """One row per (ficha, field): the list a reviewer works from, least confident first."""
    rows = [
        {
            "documento": f.documento,
            "codigo": f.codigo,
            "campo": k,
            "valor": cell(fv.value),
            "confianza": round(fv.confidence, CONFIDENCE_DIGITS),
            "pagina": fv.page,
            "texto_leido": fv.raw,
            "reparaciones": LIST_SEPARATOR.join(f"{r.before}→{r.after}" for r in fv.repairs),
            "revisado": fv.revisado,
            "revisar_de_nuevo": fv.revisar,
        }
        for f in fichas
        for k in keys
        if (fv := f.fields.get(k)) is not None
    ]
    table = pd.DataFrame(rows, columns=["documento", "codigo", "campo", "valor", "confianza", "pagina", "texto_leido",
                                        "reparaciones", "revisado", "revisar_de_nuevo"])
    return table.astype({"pagina": "Int64"}).sort_values("confianza", kind="stable")
