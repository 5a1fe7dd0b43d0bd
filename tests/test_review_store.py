"""Reviewers' corrections: stored in real SQLite, re-applied by every `fichas run`, never lost,
never moved to another ficha, flagged when a re-run reads other text than the reviewer saw."""
from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pandas as pd
import pytest

from pipeline.batch import BatchOptions, run
from pipeline.review.queue import ReviewItem, load_items, parse_input, queue
from pipeline.review.store import STORE_NAME, Conflict, ReviewStore

DATA = Path(__file__).parent / "data"
CLEAN_FICHA = DATA / "seeds" / "001_ce2a060a3a93c4fe.txt"


@pytest.fixture
def reviewed_run(tmp_path):
    """A run over one clean ficha (BP6_PC), its outputs, and the corrections store."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(CLEAN_FICHA, raw / "ficha.txt")
    out = tmp_path / "out"
    run([raw], out)
    store = ReviewStore(out / STORE_NAME)
    yield raw, out, store
    store.close()


def item(out: Path, field: str, codigo: str = "BP6_PC") -> ReviewItem:
    return next(i for i in load_items(out) if (i.codigo, i.field) == (codigo, field))


def json_field(out: Path, codigo: str, field: str) -> dict:
    data = json.loads((out / "fichas.json").read_text(encoding="utf-8"))
    return next(f for f in data["fichas"] if f["codigo"] == codigo)["fields"][field]


def save(store: ReviewStore, seen: ReviewItem, value: object, reviewer: str = "Ana") -> None:
    store.save(seen.key, seen.value, seen.raw, value, reviewer, seen.on_top_of)


def test_a_correction_survives_every_rerun(reviewed_run):
    raw, out, store = reviewed_run
    seen = item(out, "presupuesto_usd")
    save(store, seen, 2750)

    run([raw], out)  # nothing new to read: the correction is laid over the saved result
    field = json_field(out, "BP6_PC", "presupuesto_usd")
    assert field["value"] == 2750 and field["confidence"] == 1.0 and field["revisado"] is True
    assert "revisar_de_nuevo" not in field
    table = pd.read_csv(out / "fichas.csv", encoding="utf-8-sig")
    row = table[table["codigo"] == "BP6_PC"].iloc[0]
    assert row["presupuesto_usd"] == 2750 and bool(row["presupuesto_usd__revisado"]) is True
    assert bool(row["territorio__revisado"]) is False

    run([raw], out, BatchOptions(force=True))  # read again from scratch: still there
    assert json_field(out, "BP6_PC", "presupuesto_usd")["value"] == 2750


def test_other_text_read_flags_the_correction_for_review(reviewed_run):
    """The reviewer saw another reading of the field (say, before a new Tesseract or template):
    the correction still applies, flagged to review again, first in the queue."""
    raw, out, store = reviewed_run
    seen = item(out, "territorio")
    store.save(seen.key, seen.value, f"{seen.raw} (lectura anterior)", ["Quito"], "Ana", None)

    run([raw], out)
    field = json_field(out, "BP6_PC", "territorio")
    assert field["value"] == ["Quito"] and field["revisado"] is True and field["revisar_de_nuevo"] is True
    flagged = item(out, "territorio")
    assert flagged.revisar and queue(load_items(out))[0].key == flagged.key

    save(store, flagged, flagged.value, "Luis")  # accepted again on this reading: no longer flagged
    run([raw], out)
    assert "revisar_de_nuevo" not in json_field(out, "BP6_PC", "territorio")


def test_a_changed_document_does_not_inherit_corrections(reviewed_run):
    """Corrections belong to the document as it was (its sha256): a changed file is another one."""
    raw, out, store = reviewed_run
    seen = item(out, "titulo")
    save(store, seen, "Título corregido")
    text = (raw / "ficha.txt").read_text(encoding="utf-8")
    (raw / "ficha.txt").write_text(text + "\nPágina añadida.\n", encoding="utf-8")

    report = run([raw], out)
    assert json_field(out, "BP6_PC", "titulo")["value"] == seen.value
    assert [c.key for c in report.unapplied] == [seen.key] and len(store.all()) == 1


def test_a_correction_is_never_applied_to_another_ficha(reviewed_run):
    raw, out, store = reviewed_run
    seen = item(out, "titulo")
    store.save((seen.sha256, "BP9_PC", "titulo"), seen.value, seen.raw, "Otro título", "Ana", None)
    report = run([raw], out)
    assert json_field(out, "BP6_PC", "titulo")["value"] == seen.value
    assert [c.codigo for c in report.unapplied] == ["BP9_PC"]
    assert len(store.all()) == 1  # kept


def test_a_save_on_an_old_version_is_a_conflict(reviewed_run):
    _, out, store = reviewed_run
    seen = item(out, "actores")  # both reviewers opened the field before either saved
    save(store, seen, ["OIM"], "Ana")
    with pytest.raises(Conflict) as conflict:
        save(store, seen, ["ACNUR"], "Luis")
    assert conflict.value.current.new_value == ["OIM"] and conflict.value.attempted == ["ACNUR"]
    assert [c.new_value for c in store.history(seen.key)] == [["OIM"]]


def test_simultaneous_saves_one_wins_one_conflicts(reviewed_run):
    _, out, store = reviewed_run
    seen = item(out, "actores")
    outcomes: list[str] = []

    def reviewer(name: str) -> None:
        try:
            save(store, seen, [name], name)
            outcomes.append("saved")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=reviewer, args=(n,)) for n in ("Ana", "Luis")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "saved"] and len(store.history(seen.key)) == 1


def test_history_keeps_every_change(reviewed_run):
    _, out, store = reviewed_run
    save(store, item(out, "poblacion_asistida"), 1400, "Ana")
    save(store, item(out, "poblacion_asistida"), 1500, "Luis")
    history = store.history(item(out, "poblacion_asistida").key)
    assert [(c.reviewer, c.new_value) for c in history] == [("Ana", 1400), ("Luis", 1500)]
    assert history[1].value_seen == 1400 and item(out, "poblacion_asistida").value == 1500


def test_queue_is_under_the_threshold_least_confident_first(reviewed_run):
    _, out, _ = reviewed_run
    items = queue(load_items(out))
    assert items and all(i.confidence < 0.9 for i in items)
    assert [i.confidence for i in items] == sorted(i.confidence for i in items)


def test_typed_input_is_parsed_by_field_type(reviewed_run):
    _, out, _ = reviewed_run
    assert parse_input(item(out, "presupuesto_usd"), "1.500") == 1500
    assert parse_input(item(out, "territorio"), "Quito\nTulcán; Lago Agrio") == ["Quito", "Tulcán", "Lago Agrio"]
    assert parse_input(item(out, "sostenibilidad"), "Media") == "Media"
    with pytest.raises(ValueError, match="no es una de las opciones"):
        parse_input(item(out, "sostenibilidad"), "Muy alta")
    with pytest.raises(ValueError, match="no es un número entero"):
        parse_input(item(out, "presupuesto_usd"), "mil")
    assert parse_input(item(out, "pmm_objetivos"), "7\n19") == [7, 19]
    assert parse_input(item(out, "pmm_principios"), "a; c") == ["a", "c"]


def test_an_unusable_store_is_a_clear_error(tmp_path):
    from pipeline.review.store import ReviewStoreError

    (tmp_path / STORE_NAME).write_bytes(b"not sqlite" * 100)
    with pytest.raises(ReviewStoreError, match="not a usable corrections file"):
        ReviewStore(tmp_path / STORE_NAME).all()
