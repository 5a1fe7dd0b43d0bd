"""The soak, start to end: generate the batch, run A uninterrupted, run B killed and resumed,
compare them, and say so in a report (`python -m tests.soak` prints it)."""
from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.batch import MANIFEST
from tests.soak.batch import Doc, generate
from tests.soak.compare import compare
from tests.soak.runs import (Fichas, Killed, Uninterrupted, killed, kill_plan, outputs_peak_mb, snapshot_code,
                             temporaries, uninterrupted)

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "tests" / ".cache" / "soak"
FULL_SIZE = 500
"""Over this many documents, memory is noted at 100, 500 and all, and must not grow."""
MEMORY_GROWTH = 0.15
MEMORY_SLACK_MB = 30
"""The peak at the last mark may exceed the peak at the first by MEMORY_GROWTH of it, and at
least by MEMORY_SLACK_MB (a first scan's page images): more is memory that grows with the documents."""


@dataclass
class SoakReport:
    docs: int
    kills_planned: int
    seed: int
    jobs: int
    kinds: dict[str, int]
    generate_s: float
    a: Uninterrupted
    b: Killed
    broken: list[dict]
    """Each kind of broken document: its status and error in A (B's are compared)."""
    outputs_memory: dict[int, float]
    """Documents → peak MB of a run writing the outputs of that many (`runs.outputs_peak_mb`)."""
    left_in_tmp: tuple[int, float]
    """Files and folders the killed runs left in their TMPDIR, and their MB."""
    differences: list[str] = field(default_factory=list)
    """Between the outputs (and exit codes) of A and B."""
    problems: list[str] = field(default_factory=list)
    """Kills that did not land, Tesseracts left running, memory that grows."""
    torn_left: list[str] = field(default_factory=list)
    """Temporary files of writes cut short by a kill, still in B after the final run."""

    @property
    def ok(self) -> bool:
        return not self.differences and not self.problems and not self.torn_left


def marks_for(docs: int) -> list[int]:
    """Documents done at which memory is noted: 100, 500 and all at full size."""
    return [100, 500, docs] if docs > FULL_SIZE else sorted({max(1, docs // 10), max(1, docs // 2), docs})


def soak(docs: int, kills: int, seed: int, work: Path, jobs: int = 2, log=print) -> SoakReport:
    """Generate, run A, run B with kills, compare (`python -m tests.soak --help` says more)."""
    for name in ("A", "B", "logs", "tmp", *(f"outputs-{n}" for n in marks_for(docs))):
        shutil.rmtree(work / name, ignore_errors=True)
    started = time.perf_counter()
    batch = generate(work / "batch", docs, seed, CACHE)
    generate_s = time.perf_counter() - started
    kinds = Counter(d.kind.split(":")[0] for d in batch)
    log(f"soak: {docs} documents ({', '.join(f'{n} {k}' for k, n in kinds.items())}) in {generate_s:.0f} s")
    fichas = Fichas(snapshot_code(work / "code"), work / "batch", jobs, work / "tmp")
    (work / "logs").mkdir()

    log("soak: run A, uninterrupted ...")
    a = uninterrupted(fichas, work / "A", work / "logs" / "A.log", docs, marks_for(docs))
    log(f"soak: run A took {a.seconds:.0f} s (exit {a.exit_code}); memory {_memory_line(a)}")
    outputs_memory = _outputs_memory(fichas, batch, work)
    log(f"soak: writing the outputs: {_outputs_line(outputs_memory)}")

    plan = kill_plan(kills, seed, a)
    first = [d.path for d in batch[:max(1, docs // 20)]]
    log(f"soak: run B, an earlier run over {len(first)} documents, then {len(plan)} kills ...")
    shutil.rmtree(work / "tmp", ignore_errors=True)  # what B leaves there is counted
    b = killed(fichas, work / "B", work / "logs", plan, first)
    log(f"soak: run B took {b.seconds:.0f} s in all, the final run {b.final_s:.0f} s (exit {b.final_exit_code})")

    report = SoakReport(docs, kills, seed, jobs, dict(kinds), generate_s, a, b, _broken(batch, work / "A"),
                        outputs_memory, _left_in(work / "tmp"))
    report.differences = compare(work / "A", work / "B")
    if a.exit_code != b.final_exit_code:
        report.differences.append(f"exit code: A {a.exit_code}, B's final run {b.final_exit_code}")
    report.problems = _problems(report)
    report.torn_left = temporaries(work / "B")
    return report


def _problems(report: SoakReport) -> list[str]:
    found = []
    missed = [n for n, k in enumerate(report.b.kills, 1) if not k.delivered]
    if missed:
        found.append(f"kills {missed} did not land: the run ended first")
    if orphans := sum(k.orphans for k in report.b.kills):
        found.append(f"{orphans} Tesseract processes of killed runs still running 30 s after the kill")
    if report.docs <= FULL_SIZE:
        return found  # a few dozen documents say nothing about growth: one scan's pages outweigh them
    for what, peaks in (("reading", {n: m["peak_mb"] for n, m in report.a.memory.items()}),
                        ("writing the outputs", report.outputs_memory)):
        first, last = min(peaks), max(peaks)
        if peaks[last] - peaks[first] > max(MEMORY_SLACK_MB, MEMORY_GROWTH * peaks[first]):
            found.append(f"memory grows with the documents, {what}: peak {peaks[first]:.0f} MB at {first} documents, "
                         f"{peaks[last]:.0f} MB at {last}")
    return found


def _outputs_memory(fichas: Fichas, batch: list[Doc], work: Path) -> dict[int, float]:
    """The peak of writing the outputs of the first n documents, n at each mark (see marks_for)."""
    peaks = {}
    for n in marks_for(len(batch)):
        inputs = [d.path for d in batch[:n]]
        fresh = next((d.path for d in batch[:n] if d.kind == "legacy"), inputs[0])
        peaks[n] = outputs_peak_mb(fichas, work / "A", work / f"outputs-{n}", inputs, fresh)
        shutil.rmtree(work / f"outputs-{n}")
    return peaks


def _left_in(folder: Path) -> tuple[int, float]:
    if not folder.exists():
        return 0, 0.0
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return sum(1 for _ in folder.iterdir()), size / 1e6


def _broken(batch: list[Doc], out: Path) -> list[dict]:
    entries = {Path(e["path"]).name: e for e in json.loads((out / MANIFEST).read_text("utf-8"))["documents"]}
    seen: dict[tuple, dict] = {}
    for doc in batch:
        if doc.kind.startswith("broken:"):
            entry = entries[doc.path.name]
            key = (doc.kind.split(":")[1], entry["status"], entry["error"])
            seen.setdefault(key, {"kind": key[0], "status": key[1], "error": key[2], "count": 0})["count"] += 1
    return sorted(seen.values(), key=lambda r: (r["kind"], r["error"] or ""))


def _memory_line(a: Uninterrupted) -> str:
    marks = ", ".join(f"{m['peak_mb']:.0f} MB at {n}" for n, m in sorted(a.memory.items()))
    return f"peak while reading {marks} documents; {a.peak_mb:.0f} MB at the end (outputs written)"


def _outputs_line(peaks: dict[int, float]) -> str:
    return "peak " + ", ".join(f"{mb:.0f} MB for {n}" for n, mb in sorted(peaks.items())) + " documents"


def markdown(r: SoakReport, command: str) -> str:
    kills = r.b.kills
    phases = Counter(k.phase for k in kills)
    lines = [
        f"Command: `{command}`", "",
        f"**{'PASS' if r.ok else 'FAIL'}** after {sum(k.delivered for k in kills)} kills ({r.docs} documents, "
        f"seed {r.seed}, `--jobs {r.jobs}`): the outputs of A and B {'differ' if r.differences else 'are identical'}.",
        "",
        "| documents | " + " | ".join(r.kinds) + " |", "|---|" + "---|" * len(r.kinds),
        f"| {r.docs} | " + " | ".join(str(n) for n in r.kinds.values()) + " |", "",
        f"- Run A, uninterrupted: {r.a.seconds:.0f} s (reading {r.a.working_s:.0f} s, writing the outputs "
        f"{r.a.outputs_s:.1f} s), exit {r.a.exit_code}.",
        f"- Run B, killed and resumed: {r.b.seconds:.0f} s of runs in all (an earlier run over the first "
        f"{max(1, r.docs // 20)} documents, {len(kills)} killed runs, the final run {r.b.final_s:.0f} s), "
        f"final exit {r.b.final_exit_code}.",
        f"- Kills landed in: {', '.join(f'{p} {n}' for p, n in phases.most_common())}; "
        f"{sum(bool(k.torn_writes) for k in kills)} cut an atomic write short.",
        f"- Left by the killed runs in their TMPDIR: {r.left_in_tmp[0]} entries, {r.left_in_tmp[1]:.0f} MB.",
        f"- Main process memory, run A: {_memory_line(r.a)}.",
        f"- Main process memory, a run writing the outputs of the first n documents: {_outputs_line(r.outputs_memory)}.",
        "",
        "| kill | kind | after s | landed in | documents done | pages cached | torn writes |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [f"| {n} | {k.kind} | {k.after_s:.1f} | {k.phase} | {k.documents_done} | {k.pages_cached} | "
              f"{', '.join(k.torn_writes) or '—'} |" for n, k in enumerate(kills, 1)]
    lines += ["", "| broken | count | status | error |", "|---|---|---|---|"]
    lines += [f"| {b['kind']} | {b['count']} | {b['status']} | {b['error'] or '—'} |" for b in r.broken]
    if r.differences:
        lines += ["", "Differences:", *(f"- {d}" for d in r.differences)]
    if r.problems:
        lines += ["", "Problems:", *(f"- {d}" for d in r.problems)]
    if r.torn_left:
        lines += ["", f"Temporary files of torn writes still in B after the final run ({len(r.torn_left)}): "
                  + ", ".join(r.torn_left)]
    return "\n".join(lines) + "\n"
