"""Banco de Saberes benchmark: a search with two facets, and the pages, over 10,000 fichas.

    python -m tests.bench.banco [--fichas 10000] [--queries 200] [--seed 7] [--out out/bench]

Reads the old OCR catalogue and a clean ficha with the real pipeline (real records, no OCR),
then writes FICHAS fichas into a fresh fichas.sqlite with the bank's own writer
(`pipeline.bank`), 25 to a document, each a real ficha varied: its code and area, its places
(the gazetteer's cantons), Pacto Mundial objectives and principles, sostenibilidad, keywords and
actors drawn from the real ones, each text field's sentences drawn from that field in every
real ficha. Each query is a search from SEARCHES narrowed by two facets, the facets and their
values those of a ficha the search finds (so no query is empty). Timed, after a warm-up:
- search: `banco.search` (the count, a page of hits with snippets, every facet's counts), on a
  connection opened as the page opens one; target p95 ≤ 50 ms;
- page: GET /banco?texto=…&<two facets> and GET /banco/ficha/… through the review site
  (Flask's test client: routing, queries, templates); target p95 ≤ 200 ms.
Writes OUT/banco.json and OUT/banco.md and prints the table.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import platform
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from urllib.parse import urlencode

import yaml

from extractors.template import Template, load_template
from pipeline import bank
from pipeline.batch import run
from pipeline.files import atomic_write_text
from pipeline.review import banco
from pipeline.review.app import create_app

ROOT = Path(__file__).resolve().parents[2]
REAL_INPUTS = [ROOT / "raw" / "catalogo_oim_ocr_antiguo.txt",
               ROOT / "tests" / "data" / "seeds" / "001_ce2a060a3a93c4fe.txt"]
FICHAS_PER_DOCUMENT = 25
SEARCHES = ["migrantes", "xenofobia", "poblacion", "salud", "capacitacion", "integracion", '"trata de personas"',
            "migra*", "violencia", "acceso", "educacion", "titulo: alojamiento"]
WARM_UP = 10
TARGETS_MS = {"search": 50, "page": 200}
SENTENCE = re.compile(r"(?<=[.;:])\s+")


def real_fichas(folder: Path) -> list[dict]:
    """The fichas of a real run over REAL_INPUTS."""
    run(REAL_INPUTS, folder / "real")
    return json.loads((folder / "real" / "fichas.json").read_text(encoding="utf-8"))["fichas"]


class Variations:
    """What a generated ficha's values are drawn from: the real fichas and the template's data."""

    def __init__(self, real: list[dict], template: Template):
        self.real, self.template = real, template
        places = yaml.safe_load(template.data_path("places").read_text(encoding="utf-8"))["provincias"]
        self.cantons = sorted({str(c) for cantons in places.values() for c in cantons})
        self.tipos = {tipo: prefix for prefix, tipo in template.codes.prefixes.items()}
        self.pools: dict[str, list[str]] = {}
        for ficha in real:
            for key, field in ficha["fields"].items():
                value = field["value"]
                if isinstance(value, list) and key in ("palabras_clave", "actores"):
                    self.pools.setdefault(key, []).extend(map(str, value))
                elif isinstance(value, str) and key in template.bank.full_text:
                    self.pools.setdefault(key, []).extend(s for s in SENTENCE.split(value) if s)

    def ficha(self, rng: random.Random, number: int, documento: str) -> dict:
        ficha = copy.deepcopy(rng.choice(self.real))
        fields = ficha["fields"]
        area = rng.choice(list(self.template.codes.areas))
        codigo = f"{self.tipos[fields['tipo']['value']]}{number}_{area}"
        drawn = {
            "codigo": codigo, "area_codigo": area, "area": self.template.codes.areas[area],
            "territorio": rng.sample(self.cantons, rng.randint(1, 4)),
            "pmm_objetivos": sorted(rng.sample(range(1, 24), rng.randint(1, 4))),
            "pmm_principios": sorted(rng.sample("abcdefghij", rng.randint(1, 3))),
            "sostenibilidad": rng.choice(self.template.fields["sostenibilidad"].values),
            "palabras_clave": rng.sample(self.pools["palabras_clave"], rng.randint(2, 6)),
            "actores": rng.sample(self.pools["actores"], rng.randint(1, 4)),
        }
        for key, field in fields.items():
            if key in drawn:
                field["value"] = drawn[key]
            elif isinstance(field["value"], str) and key in self.pools:
                pool = self.pools[key]
                field["value"] = " ".join(rng.sample(pool, min(len(pool), rng.randint(1, 4))))
        ficha.update(codigo=codigo, documento=documento)
        return ficha


def generate(folder: Path, template: Template, real: list[dict], count: int, rng: random.Random) -> Path:
    """COUNT varied fichas written into FOLDER/fichas.sqlite by the bank's writer."""
    variations = Variations(real, template)
    with bank.building(folder, template) as built:
        for first in range(0, count, FICHAS_PER_DOCUMENT):
            name = f"/banco/catalogo_{first // FICHAS_PER_DOCUMENT:04d}.pdf"
            sha256 = hashlib.sha256(name.encode()).hexdigest()
            document = {"path": name, "sha256": sha256, "pages": 60, "status": "ok", "warnings": []}
            fichas = [variations.ficha(rng, n, sha256) for n in range(first, min(count, first + FICHAS_PER_DOCUMENT))]
            bank.add_document(built, document, fichas)
        with (folder / bank.BANK_NAME).open("wb") as out:
            bank.finish(built, out)
    return folder / bank.BANK_NAME


def queries(folder: Path, template: Template, count: int, rng: random.Random) -> list[banco.Selection]:
    """COUNT searches, each narrowed by two facets to values of a ficha it finds."""
    facets = bank.facet_columns(template)
    made = []
    with closing(banco.connect(folder)) as db:
        while len(made) < count:
            text = rng.choice(SEARCHES)
            ficha_id = rng.choice([r[0] for r in db.execute(
                f"SELECT rowid FROM {bank.FTS_TABLE} WHERE {bank.FTS_TABLE} MATCH ?", (text,))])
            chosen = []
            for name in rng.sample(sorted(facets), 2):
                table, column = facets[name]
                key = "id" if table == "fichas" else "ficha_id"
                table, column = bank.quoted(table), bank.quoted(column)
                values = [r[0] for r in db.execute(
                    f"SELECT {column} FROM {table} WHERE {key} = ? AND {column} IS NOT NULL", (ficha_id,))]
                if values:
                    chosen.append((name, str(rng.choice(values))))
            if len(chosen) == 2:
                made.append(banco.Selection(text, tuple(chosen)))
    return made


def timed(calls: list[Callable[[], object]]) -> list[float]:
    """Milliseconds of each call, after WARM_UP untimed ones."""
    for call in calls[:WARM_UP]:
        call()
    times = []
    for call in calls:
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def summary(times: list[float]) -> dict[str, float]:
    cut = statistics.quantiles(times, n=100, method="inclusive")
    return {"n": len(times), "p50_ms": round(cut[49], 2), "p95_ms": round(cut[94], 2),
            "max_ms": round(max(times), 2), "mean_ms": round(statistics.fmean(times), 2)}


def measure(folder: Path, template: Template, selections: list[banco.Selection]) -> dict[str, dict]:
    def search(selection: banco.Selection) -> Callable[[], object]:
        def call():
            with closing(banco.connect(folder)) as db:
                return banco.search(db, template, selection)
        return call

    client = create_app(folder).test_client()

    def page(path: str) -> Callable[[], object]:
        def call():
            answer = client.get(path)
            if answer.status_code != 200:
                raise RuntimeError(f"GET {path}: {answer.status_code}")
            return answer
        return call

    with closing(banco.connect(folder)) as db:
        results = [banco.search(db, template, s) for s in selections]
    found = [h for r in results for h in r.hits[:1]]
    return {
        "search": summary(timed([search(s) for s in selections])),
        "results_page": summary(timed([page(f"/banco?{urlencode(s.args())}") for s in selections])),
        "ficha_page": summary(timed([page(f"/banco/ficha/{h.sha256}/{h.codigo}") for h in found])),
        "found_per_query": {"median": statistics.median(r.total for r in results),
                            "max": max(r.total for r in results)},
    }


def markdown(result: dict) -> str:
    lines = [f"# Banco de Saberes: {result['fichas']} fichas, {result['queries']} queries", "",
             f"`{result['command']}` — {result['machine']}; database {result['database_mb']} MB written in "
             f"{result['write_seconds']} s; a query finds {result['timings']['found_per_query']['median']} fichas "
             f"(median; most {result['timings']['found_per_query']['max']}).", "",
             "| measure | n | p50 ms | p95 ms | max ms | target p95 |", "|---|---|---|---|---|---|"]
    targets = {"search": TARGETS_MS["search"], "results_page": TARGETS_MS["page"], "ficha_page": TARGETS_MS["page"]}
    names = {"search": "search with two facets (count, page of hits, facet counts)",
             "results_page": "results page, rendered (GET /banco?…)", "ficha_page": "ficha page, rendered"}
    for key, name in names.items():
        t = result["timings"][key]
        lines.append(f"| {name} | {t['n']} | {t['p50_ms']} | {t['p95_ms']} | {t['max_ms']} | ≤ {targets[key]} ms |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.bench.banco", description=__doc__.splitlines()[0])
    ap.add_argument("--fichas", type=int, default=10_000, help="fichas generated (default: %(default)s)")
    ap.add_argument("--queries", type=int, default=200, help="searches timed (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=7, help="generator seed (default: %(default)s)")
    ap.add_argument("--out", type=Path, default=Path("out/bench"), help="folder for the results (default: %(default)s)")
    args = ap.parse_args(argv)
    template, rng = load_template(), random.Random(args.seed)
    command = "python -m tests.bench.banco" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("[bench] real fichas ...", file=sys.stderr, flush=True)
        real = real_fichas(folder)
        print(f"[bench] {args.fichas} fichas into {bank.BANK_NAME} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        database = generate(folder, template, real, args.fichas, rng)
        written = time.perf_counter() - started
        print("[bench] timing ...", file=sys.stderr, flush=True)
        timings = measure(folder, template, queries(folder, template, args.queries, rng))
        result = {"command": command, "fichas": args.fichas, "queries": args.queries, "seed": args.seed,
                  "real_fichas": len(real), "database_mb": round(database.stat().st_size / 1e6, 1),
                  "write_seconds": round(written, 1), "cores": os.cpu_count(),
                  "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                             f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
                  "targets_ms": TARGETS_MS, "timings": timings}
    args.out.mkdir(parents=True, exist_ok=True)
    text = markdown(result)
    atomic_write_text(args.out / "banco.json", json.dumps(result, ensure_ascii=False, indent=2))
    atomic_write_text(args.out / "banco.md", text)
    print(text)
    print(f"[bench] written {args.out / 'banco.json'} and .md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
