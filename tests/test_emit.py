"""Outputs: JSON shape, CSV columns and encoding, atomic writes."""
import json
from pathlib import Path

import pandas as pd
import pytest

from extractors.template import load_template
from pipeline.emit import write_outputs
from pipeline.errors import OutputError
from pipeline.files import atomic_write, replaced_together
from pipeline.records import DocumentResult, FieldValue, Ficha, Repair


@pytest.fixture
def results():
    template = load_template()
    keys = template.record_keys("bp")
    fields = {k: FieldValue(None, 0.4, None, None, None) for k in keys}
    fields["codigo"] = FieldValue("BP1_GF", 0.97, 2, (10.0, 20.0, 100.0, 30.0), "CODIGO BPI_GF", (Repair("BPI_GF", "BP1_GF", "code"),))
    fields["territorio"] = FieldValue(["Tulcán", "Quito"], 0.93, 3, None, "Territorio Tulcan, Quito")
    fields["presupuesto_usd"] = FieldValue(61500, 0.9, 3, None, "61,500 USD")
    ficha = Ficha("BP1_GF", "abc123", fields)
    return [
        DocumentResult(Path("raw/a.pdf"), "abc123", 4, "ok", [ficha]),
        DocumentResult(Path("raw/b.pdf"), None, 0, "failed", error="not a PDF"),
    ]


def test_json_carries_documents_fichas_and_provenance(tmp_path, results):
    write_outputs(results, tmp_path, load_template())
    data = json.loads((tmp_path / "fichas.json").read_text(encoding="utf-8"))
    assert [d["status"] for d in data["documents"]] == ["ok", "failed"]
    assert data["documents"][1]["error"] == "not a PDF"
    field = data["fichas"][0]["fields"]["codigo"]
    assert set(field) >= {"value", "confidence", "page", "bbox", "raw", "repairs"}
    assert field["repairs"] == [{"from": "BPI_GF", "to": "BP1_GF", "rule": "code"}]
    assert data["fichas"][0]["documento"] == "abc123"
    assert set(load_template().record_keys("bp")) <= set(data["fichas"][0]["fields"])


def test_csv_has_bom_lists_joined_and_confidence_columns(tmp_path, results):
    write_outputs(results, tmp_path, load_template())
    raw = (tmp_path / "fichas.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(tmp_path / "fichas.csv", encoding="utf-8-sig")
    assert table.loc[0, "territorio"] == "Tulcán; Quito"
    assert table.loc[0, "territorio__confianza"] == 0.93
    assert table.loc[0, "presupuesto_usd"] == 61500
    campos = pd.read_csv(tmp_path / "campos.csv", encoding="utf-8-sig")
    assert list(campos.columns[:5]) == ["documento", "codigo", "campo", "valor", "confianza"]
    assert campos["confianza"].is_monotonic_increasing


def test_atomic_write_leaves_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "fichas.json"
    target.write_text("old", encoding="utf-8")

    def half_then_fail(fh):
        fh.write(b"{\"half\": ")
        raise OSError("No space left on device")

    with pytest.raises(OutputError, match="fichas.json: cannot write: No space left"):
        atomic_write(target, half_then_fail)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["fichas.json"]


def test_files_written_together_are_all_left_as_they_were_when_one_fails(tmp_path):
    """The JSON is written whole, the CSV fails: neither replaces its old version."""
    old = {tmp_path / "fichas.json": "old json", tmp_path / "fichas.csv": "old csv"}
    for path, text in old.items():
        path.write_text(text, encoding="utf-8")

    with pytest.raises(OutputError, match="fichas.json, fichas.csv: cannot write: No space left"):
        with replaced_together(list(old)) as (json_out, csv_out):
            json_out.write(b"new json")
            raise OSError(28, "No space left on device")
    assert {p: p.read_text(encoding="utf-8") for p in old} == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fichas.csv", "fichas.json"]
