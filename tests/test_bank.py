"""The Banco de Saberes (OUT/fichas.sqlite) from real runs over the sample catalogue in raw/: it
holds what fichas.json holds, corrections included; its full-text search is blind to case and
accents; its facet counts are the JSON's; a run that cannot write leaves it as it was; and the
sqlite3 shell opens it as it is.

Every expected value is computed here from fichas.json, the gazetteer or the Pacto Mundial data,
never copied from an output.
"""
from __future__ import annotations

import json
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest
import tomllib
import yaml
from jsonschema import Draft202012Validator

from extractors.template import load_template
from pipeline import bank
from pipeline.batch import MANIFEST, Entry, load_result, run
from pipeline.emit import OUTPUT_NAMES, SCHEMA_FILE, SCHEMA_ID, SCHEMA_VERSION, write_outputs
from pipeline.errors import ExitCode, OutputError, TemplateError
from pipeline.review.store import STORE_NAME, ReviewStore
from pipeline.text import fold

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "raw" / "catalogo_oim_ocr_antiguo.txt"
"""The old OCR text dump of a whole catalogue."""
ONE_FICHA = ROOT / "tests" / "data" / "seeds" / "001_ce2a060a3a93c4fe.txt"
"""A second document (one clean ficha), so that there is more than one to count by."""
TEMPLATE = load_template()
LIST_KEYS = {k for k, spec in TEMPLATE.fields.items() if spec.type in ("list", "principles", "objectives")}
GAZETTEER = yaml.safe_load(TEMPLATE.data_path("places").read_text(encoding="utf-8"))
PACTO = yaml.safe_load(TEMPLATE.data_path("pacto_mundial").read_text(encoding="utf-8"))


def connect(out: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{out / bank.BANK_NAME}?mode=ro", uri=True)


def outputs(out: Path) -> dict:
    return json.loads((out / "fichas.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """One real run over the sample catalogue, the clean ficha and a PDF that is none:
    (fichas.json, the database)."""
    folder = tmp_path_factory.mktemp("bank")
    broken = folder / "roto.pdf"
    broken.write_bytes(b"no es un PDF")
    out = folder / "out"
    report = run([SAMPLE, ONE_FICHA, broken], out)
    assert report.count("ok") == 2 and report.count("failed") == 1
    db = connect(out)
    yield outputs(out), db
    db.close()


def ficha_ids(db: sqlite3.Connection) -> list[int]:
    return [row[0] for row in db.execute("SELECT id FROM fichas ORDER BY id")]


def assert_agrees(db: sqlite3.Connection, data: dict) -> None:
    """Every document, ficha and field of fichas.json, and nothing else, in the database."""
    documents = db.execute("SELECT path, sha256, pages, status, error, warnings FROM documents ORDER BY id").fetchall()
    assert [(*row[:5], json.loads(row[5])) for row in documents] == \
           [(d["path"], d["sha256"], d["pages"], d["status"], d.get("error"), d["warnings"]) for d in data["documents"]]
    fichas = db.execute("SELECT f.id, f.codigo, f.documento, d.sha256 FROM fichas f"
                        " JOIN documents d ON d.id = f.documento_id ORDER BY f.id").fetchall()
    assert [(codigo, documento, sha) for _, codigo, documento, sha in fichas] == \
           [(f["codigo"], f["documento"], f["documento"]) for f in data["fichas"]]
    assert data["fichas"]
    columns = TEMPLATE.bank.columns
    for (ficha_id, *_), ficha in zip(fichas, data["fichas"]):
        fields = ficha["fields"]
        row = db.execute(f"SELECT {', '.join(columns)} FROM fichas WHERE id = ?", (ficha_id,)).fetchone()
        assert dict(zip(columns, row)) == {k: fields[k]["value"] if k in fields else None for k in columns}
        stored = {}
        for campo, valor, *rest in db.execute(
                "SELECT campo, valor, confianza, pagina, box, texto_leido, reparaciones, evidencia, revisado,"
                " revisar_de_nuevo FROM campos WHERE ficha_id = ?", (ficha_id,)):
            confianza, pagina, box, texto_leido, reparaciones, evidencia, revisado, de_nuevo = rest
            stored[campo] = {
                "value": json.loads(valor) if campo in LIST_KEYS and valor is not None else valor,
                "confidence": confianza, "page": pagina, "bbox": json.loads(box) if box else None,
                "raw": texto_leido, "repairs": json.loads(reparaciones), "evidence": json.loads(evidencia),
                "revisado": bool(revisado), **({"revisar_de_nuevo": True} if de_nuevo else {})}
        assert stored == fields, ficha["codigo"]


def test_the_database_holds_every_ficha_and_field_of_fichas_json(sample):
    data, db = sample
    assert_agrees(db, data)
    assert db.execute("SELECT COUNT(*) FROM campos").fetchone()[0] == sum(len(f["fields"]) for f in data["fichas"])


def test_each_list_value_has_its_items_in_its_table(sample):
    data, db = sample
    ids = ficha_ids(db)
    for key, spec in TEMPLATE.bank.lists.items():
        rows = db.execute(f"SELECT ficha_id, {spec.column} FROM {spec.table} ORDER BY ficha_id, posicion").fetchall()
        expected = [(ficha_id, item) for ficha_id, f in zip(ids, data["fichas"])
                    for item in (f["fields"].get(key, {}).get("value") or [])]
        assert rows == expected and rows, key
    principles = db.execute("SELECT principio, nombre FROM pmm_principios").fetchall()
    assert principles and all(nombre == PACTO["principios"][letter] for letter, nombre in principles)
    objectives = db.execute("SELECT objetivo, nombre FROM pmm_objetivos").fetchall()
    assert objectives and all(nombre == PACTO["objetivos"][number] for number, nombre in objectives)


def test_each_place_has_its_province_and_canton_from_the_gazetteer(sample):
    _, db = sample
    provinces: dict[str, list[str]] = GAZETTEER["provincias"]
    rows = {nombre: (provincia, canton) for nombre, provincia, canton
            in db.execute("SELECT nombre, provincia, canton FROM territorios")}
    # the example of ../shared/fichas/FIELDS.md, as any map of Ecuador has them
    assert rows["Tulcán"] == ("Carchi", "Tulcán") and rows["Quito"] == ("Pichincha", "Quito")
    assert rows["Lago Agrio"] == ("Sucumbíos", "Lago Agrio") and rows["Huaquillas"] == ("El Oro", "Huaquillas")
    kinds = Counter()
    for nombre, (provincia, canton) in rows.items():
        if nombre in provinces:
            assert (provincia, canton) == (nombre, None)
            kinds["province"] += 1
        elif canton is not None:
            assert canton == nombre and nombre in provinces[provincia]
            kinds["canton"] += 1
        else:
            assert provincia is None and all(nombre not in cantons for cantons in provinces.values())
            kinds["no place"] += 1
    assert set(kinds) == {"province", "canton", "no place"}  # the sample has all three


def full_text(ficha: dict) -> str:
    values = [ficha["fields"].get(k, {}).get("value") for k in TEMPLATE.bank.full_text]
    return " ".join(" ".join(map(str, v)) if isinstance(v, list) else str(v) for v in values if v is not None)


def words(text: str) -> set[str]:
    """The words of `text` without case or accents, as FTS5's unicode61 tokenizer splits them."""
    return set(re.findall(r"[^\W_]+", fold(text)))


def found(db: sqlite3.Connection, query: str) -> set[int]:
    return {row[0] for row in db.execute("SELECT rowid FROM fichas_fts WHERE fichas_fts MATCH ?", (query,))}


def having(db: sqlite3.Connection, data: dict, word: str) -> set[int]:
    """The fichas whose searched fields, in fichas.json, have `word` (case and accents aside)."""
    return {i for i, f in zip(ficha_ids(db), data["fichas"]) if fold(word) in words(full_text(f))}


@pytest.mark.parametrize("query", ["xenofobia", "XENOFOBIA", "Xenofobía", "poblacion", "población", "POBLACIÓN",
                                   "tulcan", "TULCÁN", "migrantes"])
def test_search_is_blind_to_case_and_accents(sample, query):
    data, db = sample
    expected = having(db, data, query)
    assert expected and found(db, query) == expected


def test_search_without_accents_finds_the_accented_text(sample):
    """The fichas found for `poblacion` include ones that print only `Población` or `población`."""
    data, db = sample
    texts = dict(zip(ficha_ids(db), map(full_text, data["fichas"])))
    accented_only = {i for i, text in texts.items()
                     if re.search(r"\b[Pp]oblación\b", text) and not re.search(r"\b[Pp]oblacion\b", text)}
    assert accented_only and accented_only <= found(db, "poblacion")
    capitalised = {i for i, text in texts.items() if re.search(r"\bTulcán\b", text)}
    assert capitalised and capitalised <= found(db, "tulcan")


def facet_counts_from_json(data: dict, facet: str) -> Counter:
    """How many fichas of fichas.json have each value of `facet` (places from the gazetteer)."""
    counts: Counter = Counter()
    for ficha in data["fichas"]:
        fields = ficha["fields"]
        value = lambda key: fields[key]["value"] if key in fields else None  # noqa: E731
        if facet in ("area", "tipo", "sostenibilidad"):
            counts[value(facet)] += 1
        elif facet == "documento":
            counts[ficha["documento"]] += 1
        elif facet in ("objetivo", "principio"):
            counts.update(set(value("pmm_objetivos" if facet == "objetivo" else "pmm_principios") or []))
        else:
            places = [place(name) for name in value("territorio") or []]
            counts.update({p[0] if facet == "provincia" else p[1] for p in places})
    return counts


def place(name: str) -> tuple[str | None, str | None]:
    """(provincia, canton) of a place name: a province's name is the province; a canton is in the
    one province that has it."""
    provinces: dict[str, list[str]] = GAZETTEER["provincias"]
    if name in provinces:
        return name, None
    holders = [p for p, cantons in provinces.items() if name in cantons]
    return (holders[0] if len(holders) == 1 else None), (name if holders else None)


def test_facet_counts_agree_with_fichas_json(sample):
    data, db = sample
    facets = bank.facet_columns(TEMPLATE)
    assert set(facets) == {"area", "tipo", "provincia", "canton", "objetivo", "principio", "sostenibilidad",
                           "documento"}
    for facet, (table, column) in facets.items():
        ficha = "id" if table == "fichas" else "ficha_id"
        counts = dict(db.execute(f"SELECT {column}, COUNT(DISTINCT {ficha}) FROM {table} GROUP BY {column}"))
        assert counts == dict(facet_counts_from_json(data, facet)), facet
        assert len(counts) > 1, facet


def test_a_search_narrowed_by_two_facets_finds_what_the_json_says(sample):
    """Which fichas on xenofobia in each province, under each Pacto Mundial objective?"""
    data, db = sample
    ids = dict(zip(ficha_ids(db), data["fichas"]))
    on_topic = having(db, data, "xenofobia")
    asked = 0
    places = {i: {place(t)[0] for t in f["fields"]["territorio"]["value"] or []} for i, f in ids.items()}
    for provincia in set().union(*(places[i] for i in on_topic)):
        for objetivo in range(1, 24):
            rows = db.execute(
                "SELECT f.id FROM fichas_fts JOIN fichas f ON f.id = fichas_fts.rowid WHERE fichas_fts MATCH ?"
                " AND f.id IN (SELECT ficha_id FROM territorios WHERE provincia = ?)"
                " AND f.id IN (SELECT ficha_id FROM pmm_objetivos WHERE objetivo = ?)",
                ("xenofobia", provincia, objetivo)).fetchall()
            expected = {i for i in on_topic
                        if objetivo in (ids[i]["fields"]["pmm_objetivos"]["value"] or []) and provincia in places[i]}
            assert {r[0] for r in rows} == expected, (provincia, objetivo)
            asked += bool(expected)
    assert asked  # some pair finds fichas


def first_ficha_with(data: dict, key: str) -> tuple[dict, dict]:
    ficha = next(f for f in data["fichas"] if f["fields"].get(key, {}).get("value"))
    return ficha, ficha["fields"][key]


def test_a_correction_is_in_the_database_after_the_next_run(tmp_path):
    out = tmp_path / "out"
    run([SAMPLE], out)
    data = outputs(out)
    ficha, titulo = first_ficha_with(data, "titulo")
    with closing(connect(out)) as db:
        ficha_id = db.execute("SELECT id FROM fichas WHERE documento = ? AND codigo = ?",
                              (ficha["documento"], ficha["codigo"])).fetchone()[0]
        assert not found(db, "mingas") and ficha_id not in found(db, "xenofobia") | found(db, "integracion")
    territorio = ficha["fields"]["territorio"]
    palabras = ficha["fields"]["palabras_clave"]
    assert "Imbabura" not in {place(t)[0] for t in territorio["value"]}
    store = ReviewStore(out / STORE_NAME)
    key = lambda field: (ficha["documento"], ficha["codigo"], field)  # noqa: E731
    store.save(key("titulo"), titulo["value"], titulo["raw"], "Mingas comunitarias de integración", "Ana", None)
    store.save(key("territorio"), territorio["value"], territorio["raw"], ["Otavalo", "Quito"], "Ana", None)
    store.save(key("palabras_clave"), palabras["value"], "otra lectura", ["Xenofobia", "Integración"], "Luis", None)
    store.close()

    run([SAMPLE], out)
    data = outputs(out)
    assert_valid(data)
    assert any(f.get("revisar_de_nuevo") for fichas in data["fichas"] for f in fichas["fields"].values())
    db = connect(out)
    assert_agrees(db, data)
    assert db.execute("SELECT id FROM fichas WHERE documento = ? AND codigo = ?",
                      (ficha["documento"], ficha["codigo"])).fetchone()[0] == ficha_id
    assert db.execute("SELECT titulo FROM fichas WHERE id = ?", (ficha_id,)).fetchone()[0] == \
           "Mingas comunitarias de integración"
    assert db.execute("SELECT valor, confianza, revisado, revisar_de_nuevo FROM campos WHERE ficha_id = ?"
                      " AND campo = 'palabras_clave'", (ficha_id,)).fetchone() == \
           ('["Xenofobia", "Integración"]', 1.0, 1, 1)  # read otherwise than the reviewer saw: to review again
    assert found(db, "mingas") == found(db, "MINGAS") == {ficha_id}
    assert ficha_id in found(db, "xenofobia") and ficha_id in found(db, "integracion")
    assert db.execute("SELECT nombre, provincia, canton FROM territorios WHERE ficha_id = ? ORDER BY posicion",
                      (ficha_id,)).fetchall() == [("Otavalo", "Imbabura", "Otavalo"), ("Quito", "Pichincha", "Quito")]
    assert dict(db.execute("SELECT provincia, COUNT(DISTINCT ficha_id) FROM territorios GROUP BY provincia")) == \
           dict(facet_counts_from_json(data, "provincia"))
    db.close()


def limit_file_size(limit: int):
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_run_that_cannot_write_the_database_leaves_the_earlier_one_byte_identical(tmp_path):
    """The kernel lets no file grow past a size the JSON and CSV stay under and the database does
    not: the run stops with one line naming the system's reason, and every output is as it was."""
    out = tmp_path / "out"
    run([SAMPLE], out)
    data = outputs(out)
    ficha, titulo = first_ficha_with(data, "titulo")
    store = ReviewStore(out / STORE_NAME)
    store.save((ficha["documento"], ficha["codigo"], "titulo"), titulo["value"], titulo["raw"], "Nuevo título",
               "Ana", None)  # the next run has outputs to write
    store.close()
    before = {name: (out / name).read_bytes() for name in (*OUTPUT_NAMES, MANIFEST)}
    limit = max(len(b) for name, b in before.items() if name != bank.BANK_NAME) + (1 << 16)
    assert len(before[bank.BANK_NAME]) > limit

    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(SAMPLE), "--out", str(out), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, preexec_fn=limit_file_size(limit))
    assert done.returncode == ExitCode.output, done.stderr
    assert done.stderr.count("\n") == 1 and "cannot write: File too large" in done.stderr, done.stderr
    assert {name: (out / name).read_bytes() for name in before} == before
    assert not list(out.rglob("*.tmp"))

    run([SAMPLE], out)  # with room again, the correction comes in
    with closing(connect(out)) as db:
        assert ("Nuevo título",) in db.execute("SELECT titulo FROM fichas").fetchall()


def test_a_failure_while_the_outputs_stream_leaves_the_earlier_database_whole(tmp_path):
    out = tmp_path / "out"
    run([SAMPLE], out)
    before = (out / bank.BANK_NAME).read_bytes()
    entry = Entry(**json.loads((out / MANIFEST).read_text(encoding="utf-8"))["documents"][0])

    def results():
        yield load_result(entry, out)
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match="No space left on device"):
        write_outputs(results(), out, TEMPLATE)
    assert (out / bank.BANK_NAME).read_bytes() == before
    assert not list(out.rglob("*.tmp"))


def test_the_schema_has_its_version_foreign_keys_and_facet_indexes(sample):
    data, db = sample
    assert db.execute("PRAGMA user_version").fetchone()[0] == bank.SCHEMA_VERSION
    assert dict(db.execute("SELECT key, value FROM meta"))["schema_version"] == str(bank.SCHEMA_VERSION)
    references = {table: {(row[2], row[3], row[4]) for row in db.execute(f"PRAGMA foreign_key_list({table})")}
                  for table in ["fichas", "campos", *(spec.table for spec in TEMPLATE.bank.lists.values())]}
    assert references.pop("fichas") == {("documents", "documento_id", "id")}
    assert all(refs == {("fichas", "ficha_id", "id")} for refs in references.values()), references
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    for facet, (table, column) in bank.facet_columns(TEMPLATE).items():
        leading = {db.execute(f"PRAGMA index_info({name})").fetchone()[2]
                   for _, name, *_ in db.execute(f"PRAGMA index_list({table})")}
        assert column in leading, facet
        plan = " ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN SELECT COUNT(*) FROM {table} WHERE {column} = ?",
                                                     ("x",)))
        assert "USING COVERING INDEX" in plan or "USING INDEX" in plan, (facet, plan)


def test_the_sqlite3_shell_opens_it_as_it_is(sample):
    data, db = sample
    shell = shutil.which("sqlite3")
    if shell is None:
        pytest.skip("the sqlite3 shell is not installed (apt-get install sqlite3)")
    path = db.execute("PRAGMA database_list").fetchone()[2]
    done = subprocess.run([shell, "-readonly", "-batch", path],
                          input="PRAGMA integrity_check;\nPRAGMA foreign_key_check;\nPRAGMA user_version;\n"
                                "SELECT COUNT(*) FROM fichas;\n"
                                "SELECT COUNT(*) FROM fichas_fts WHERE fichas_fts MATCH 'poblacion';\n",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr, done.stderr
    assert done.stdout.split() == ["ok", str(bank.SCHEMA_VERSION), str(len(data["fichas"])),
                                   str(len(having(db, data, "poblacion")))]


def test_a_facet_naming_no_column_is_refused(tmp_path):
    text = (ROOT / "extractors" / "templates" / "catalogo_oim.yml").read_text(encoding="utf-8")
    assert "    canton: territorios.canton\n" in text
    template = tmp_path / "acento.yml"
    template.write_text(text.replace("    canton: territorios.canton\n", "    canton: territorios.cantón\n"),
                        encoding="utf-8")
    with pytest.raises(TemplateError, match="a facet is name: table.column"):
        load_template(template)
    template = tmp_path / "distrito.yml"
    template.write_text(text.replace("    canton: territorios.canton\n", "    canton: territorios.distrito\n"),
                        encoding="utf-8")
    with pytest.raises(TemplateError, match="bank.facets.canton: territorios.distrito is no column"):
        bank.facet_columns(load_template(template))


SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def assert_valid(data: dict) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in Draft202012Validator(SCHEMA).iter_errors(data)]
    assert errors == []


def test_fichas_json_of_a_real_run_is_valid_against_its_shipped_schema(sample):
    data, _ = sample
    Draft202012Validator.check_schema(SCHEMA)
    assert data["$schema"] == SCHEMA["$id"] == SCHEMA_ID and data["version"] == SCHEMA_VERSION
    assert {d["status"] for d in data["documents"]} == {"ok", "failed"}
    assert_valid(data)


@pytest.mark.parametrize("spoil", [
    lambda d: d["fichas"][0]["fields"]["titulo"].update(confidence=1.5),
    lambda d: d["fichas"][0]["fields"]["titulo"].pop("revisado"),
    lambda d: d["fichas"][0]["fields"]["presupuesto_usd"].update(value="61.500 USD"),
    lambda d: d["fichas"][0]["fields"]["territorio"].update(value="Quito, Tulcán"),
    lambda d: d["fichas"][0]["fields"].update(alcance=d["fichas"][0]["fields"]["titulo"]),
    lambda d: d["fichas"][0].update(documento="raw/catalogo.pdf"),
    lambda d: d["documents"][0].update(status="listo"),
    lambda d: d.update({"$schema": "https://json-schema.org/draft/2020-12/schema"}),
    lambda d: d.pop("documents"),
], ids=["confidence over 1", "no revisado", "number as text", "list as text", "unknown field", "path for sha256",
        "unknown status", "other schema", "no documents"])
def test_the_schema_refuses_what_fichas_json_never_holds(sample, spoil):
    data = json.loads(json.dumps(sample[0]))
    assert "presupuesto_usd" in data["fichas"][0]["fields"]  # a buena práctica comes first
    spoil(data)
    assert list(Draft202012Validator(SCHEMA).iter_errors(data))


def test_the_schema_knows_the_template_fields_and_ships_with_the_package():
    fields = SCHEMA["$defs"]["ficha"]["properties"]["fields"]["properties"]
    assert list(fields) == TEMPLATE.all_record_keys()
    typed = {k: ref["$ref"].rsplit("/", 1)[1] for k, ref in fields.items()}
    assert {k for k, kind in typed.items() if kind in ("strings", "principles", "objectives")} == LIST_KEYS
    assert {k for k, kind in typed.items() if kind == "integer"} == \
           {k for k, spec in TEMPLATE.fields.items() if spec.type == "int"}
    assert SCHEMA["$defs"]["sostenibilidad"]["properties"]["value"]["enum"] == \
           [*TEMPLATE.fields["sostenibilidad"].values, None]
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    assert any(SCHEMA_FILE.relative_to(ROOT / "pipeline").match(glob) for glob in package_data["pipeline"])
