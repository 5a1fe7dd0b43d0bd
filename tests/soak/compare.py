"""Two output folders compared as a user relies on them: the same fichas and values, the same
CSV bytes, the same manifest and saved results apart from when and how long things took."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from pipeline.batch import CACHE, MANIFEST, RESULTS

TIMES = ("processed", "seconds")
"""When a document was read and how long each stage took: they differ between any two runs."""
NOT_OUTPUTS = (CACHE, f"{CACHE}-wal", f"{CACHE}-shm", ".fichas.lock")
"""Files of the folder that are no output: each run's own OCR cache, the writers' lock."""
SHOWN = 10
"""Differences shown per kind; the rest are counted."""


def compare(a: Path, b: Path) -> list[str]:
    """What differs between the outputs of A and B; empty when they match."""
    return (_files(a, b) + _fichas_json(a, b) + _same_bytes(a, b, "fichas.csv") + _same_bytes(a, b, "campos.csv")
            + _manifest(a, b) + _results(a, b))


def _shown(lines: list[str]) -> list[str]:
    return lines[:SHOWN] + ([f"... and {len(lines) - SHOWN} more"] if len(lines) > SHOWN else [])


def _files(a: Path, b: Path) -> list[str]:
    names = [{p.name for p in out.iterdir() if p.name not in NOT_OUTPUTS and not p.name.endswith(".tmp")}
             for out in (a, b)]
    return [f"files only in {side}: {sorted(extra)}"
            for side, extra in (("A", names[0] - names[1]), ("B", names[1] - names[0])) if extra]


def _fichas_json(a: Path, b: Path) -> list[str]:
    data = [json.loads((out / "fichas.json").read_text("utf-8")) for out in (a, b)]
    if data[0] == data[1]:
        return []
    lines = [f"fichas.json {key}: {data[0][key]!r} ≠ {data[1][key]!r}"
             for key in ("schema_name", "version") if data[0][key] != data[1][key]]
    lines += _keyed("fichas.json document", *({d["path"]: d for d in side["documents"]} for side in data))
    lines += _keyed("fichas.json ficha", *(_by_code(side["fichas"]) for side in data))
    return _shown(lines or ["fichas.json differs in the order of its entries"])


def _by_code(fichas: list[dict]) -> dict[tuple[str, str, int], dict]:
    """Fichas by (document, code, n-th of that code in it): one missing ficha shifts no other."""
    keyed: dict[tuple[str, str, int], dict] = {}
    seen: Counter[tuple[str, str]] = Counter()
    for ficha in fichas:
        code = (ficha["documento"][:12], ficha["codigo"])
        keyed[(*code, seen[code])] = ficha["fields"]
        seen[code] += 1
    return keyed


def _keyed(what: str, a: dict, b: dict) -> list[str]:
    """Entries only on one side, and the keys whose values differ."""
    lines = [f"{what} {key} only in {side}" for side, mine, theirs in (("A", a, b), ("B", b, a))
             for key in mine if key not in theirs]
    for key in a.keys() & b.keys():
        if a[key] != b[key]:
            fields = sorted(k for k in a[key].keys() | b[key].keys() if a[key].get(k) != b[key].get(k))
            lines.append(f"{what} {key}: " + "; ".join(f"{k}: {a[key].get(k)!r} ≠ {b[key].get(k)!r}" for k in fields))
    return sorted(lines)


def _same_bytes(a: Path, b: Path, name: str) -> list[str]:
    data = [(out / name).read_bytes() for out in (a, b)]
    if data[0] == data[1]:
        return []
    rows = [d.decode("utf-8-sig").splitlines() for d in data]
    differing = [n for n, (x, y) in enumerate(zip(*rows), 1) if x != y]
    return [f"{name}: {len(rows[0])} rows in A, {len(rows[1])} in B; first differing rows {differing[:5]}"]


def _manifest(a: Path, b: Path) -> list[str]:
    data = [json.loads((out / MANIFEST).read_text("utf-8")) for out in (a, b)]
    lines = [f"manifest {key}: {data[0].get(key)!r} ≠ {data[1].get(key)!r}"
             for key in ("tool", "version", "corrections") if data[0].get(key) != data[1].get(key)]
    entries = [{Path(e["path"]).name: {k: v for k, v in e.items() if k not in TIMES} for e in side["documents"]}
               for side in data]
    return _shown(lines + _keyed("manifest entry", *entries))


def _results(a: Path, b: Path) -> list[str]:
    """documents/<sha256>.json: the same files, the same results apart from the stage times."""
    names = [{p.name for p in (out / RESULTS).glob("*.json")} for out in (a, b)]
    lines = [f"{RESULTS}/{name} only in {side}" for side, mine, theirs in (("A", *names), ("B", *names[::-1]))
             for name in sorted(mine - theirs)]
    for name in sorted(names[0] & names[1]):
        results = [json.loads((out / RESULTS / name).read_text("utf-8")) for out in (a, b)]
        for result in results:
            result.pop("seconds", None)
        if results[0] != results[1]:
            keys = sorted(k for k in results[0].keys() | results[1].keys() if results[0].get(k) != results[1].get(k))
            lines.append(f"{RESULTS}/{name}: {', '.join(keys)} differ")
    return _shown(lines)
