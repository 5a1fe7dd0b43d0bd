"""End to end on the legacy OCR text of the seed catalogue, scored against the hand-checked gold.

Prints a per-field accuracy report (pytest -s shows it). The floors sit honestly below what
the pipeline reaches, so a regression fails, and they are not tuned to any one page: the
score is over every ficha of three areas.
"""
import json
from pathlib import Path

import pytest

from extractors.template import load_template
from pipeline.evaluate import score_fichas
from pipeline.run import process_document, repairer_for
from extractors.template import DEFAULT_TEMPLATE

DATA = Path(__file__).parent / "data"
SEED = DATA / "seeds" / "000_b033b46dcbce62bb.part1.txt"
AREAS = ("AH", "ISE", "PC")

OVERALL_FLOOR = 0.90
CALIBRATION_FLOOR = 0.97
"""Accuracy of the fields scored ≥ 0.9."""


@pytest.fixture(scope="module")
def gold():
    return {a: json.loads((DATA / "gold" / f"{a}.json").read_text(encoding="utf-8")) for a in AREAS}


@pytest.fixture(scope="module")
def result():
    template = load_template()
    return process_document(SEED, template, repairer_for(DEFAULT_TEMPLATE))


def test_every_gold_ficha_is_found_once(result, gold):
    found = [f.codigo for f in result.fichas]
    expected = [f["codigo"] for a in AREAS for f in gold[a]["fichas"]]
    assert sorted(found) == sorted(expected)
    assert result.status == "ok"


def test_field_accuracy_against_gold(result, gold):
    records = [f for a in AREAS for f in gold[a]["fichas"]]
    report = score_fichas(result.fichas, records)
    print("\n" + report.table())
    print(report.calibration())
    assert report.accuracy >= OVERALL_FLOOR
    assert report.calibration()["accuracy_at_high"] >= CALIBRATION_FLOOR


def test_every_record_key_is_present(result):
    template = load_template()
    for ficha in result.fichas:
        kind = template.kind_of(ficha.codigo[:2])
        assert set(template.record_keys(kind)) <= set(ficha.fields)
        for fv in ficha.fields.values():
            assert 0.0 <= fv.confidence <= 1.0


def test_summary_table_is_cross_checked(result, gold):
    listed = {r["codigo"] for a in AREAS for r in gold[a]["resumen"]}
    found = {f.codigo for f in result.fichas}
    for code in found - listed:
        assert any(code in w for w in result.warnings)
