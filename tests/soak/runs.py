"""Real `fichas run` processes, watched from outside: one uninterrupted with its memory sampled,
and one killed with SIGKILL at planned moments and started again each time.

A process is watched through what a user could see: its manifest growing (rewritten
atomically after each document), its log lines, its Tesseract children, /proc/<pid>/status.
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.batch import CACHE, MANIFEST, PACKAGES, RESULTS

POLL_S = 0.05
STARTED_LINE = re.compile(r"^fichas: (\d+) documents to read", re.MULTILINE)
"""The log line a run prints once it has checked its inputs and starts reading (`pipeline.progress`)."""
DOCUMENT_LINE = re.compile(r"^(\[\d+/\d+\] |fichas: /)")
"""The log line of a finished document: `[k/n] path: ...`, or `fichas: path: error` for a failed one."""


def snapshot_code(dest: Path) -> Path:
    """A copy of the tool's packages, run from there: others edit the tree while a soak runs for
    minutes, and a changed file would change the extraction's fingerprint halfway through."""
    root = Path(__file__).resolve().parents[2]
    if dest.exists():
        shutil.rmtree(dest)
    for package in PACKAGES:
        shutil.copytree(root / package, dest / package, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


@dataclass
class Fichas:
    """How to start `fichas run` over the batch: the code snapshot, the batch, the jobs."""

    code: Path
    batch: Path
    jobs: int
    tmp: Path
    """TMPDIR of the runs: what a killed run leaves in it can be counted, and goes with the work folder."""

    def start(self, out: Path, log: Path, inputs: list[Path] | None = None) -> subprocess.Popen:
        command = [sys.executable, "-m", "pipeline.cli", "run", *map(str, inputs or [self.batch]), "--out", str(out),
                   "--jobs", str(self.jobs)]
        self.tmp.mkdir(parents=True, exist_ok=True)
        with log.open("w") as stderr:
            return subprocess.Popen(command, cwd=self.code, stdout=subprocess.DEVNULL, stderr=stderr,
                                    env={**os.environ, "TMPDIR": str(self.tmp)})


class Watch:
    """One running process: its memory, documents done, Tesseract activity, log."""

    def __init__(self, process: subprocess.Popen, out: Path, log: Path):
        self.process, self.out, self.log = process, out, log
        self.started = time.monotonic()
        self._manifest_stamp: tuple[int, int] | None = None
        self._done = 0

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def memory_kb(self) -> tuple[int, int]:
        """(VmHWM, VmRSS): the peak and current resident memory of the main process."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return 0, 0
        values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        return tuple(int(values.get(key, "0 kB").split()[0]) for key in ("VmHWM", "VmRSS"))

    def documents_done(self) -> int:
        """Entries in the manifest, read again only when it was replaced."""
        path = self.out / MANIFEST
        try:
            stat = path.stat()
            if (stat.st_ino, stat.st_mtime_ns) != self._manifest_stamp:
                self._done = path.read_bytes().count(b'"path": ')
                self._manifest_stamp = (stat.st_ino, stat.st_mtime_ns)
        except OSError:
            pass
        return self._done

    def working(self) -> bool:
        """Past start-up: the inputs are checked and the reading has begun."""
        return STARTED_LINE.search(self._log_text()) is not None

    def finished_here(self) -> int:
        """Documents this run has finished, failed ones included (one log line each)."""
        return sum(DOCUMENT_LINE.match(line) is not None for line in self._log_text().splitlines())

    def all_read(self) -> bool:
        """Every document this run had to read is done: it is writing the outputs (or ending)."""
        started = STARTED_LINE.search(self._log_text())
        return started is not None and self.finished_here() >= int(started[1])

    def _log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def tesseracts(self) -> dict[int, str]:
        """The process's Tesseracts that read pages (not `tesseract --version`, which the OCR
        settings ask for), and their state (R: reading a page, S: waiting for one)."""
        found = {}
        for children in Path(f"/proc/{self.process.pid}/task").glob("*/children"):
            try:
                pids = children.read_text().split()
            except OSError:
                continue
            for pid in map(int, pids):
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text()
                except OSError:
                    continue
                name, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:]
                if name == "tesseract" and b"--version" not in _cmdline(pid):
                    found[pid] = rest.split()[0]
        return found

    def reading_a_page(self) -> bool:
        return "R" in self.tesseracts().values()


@dataclass
class Uninterrupted:
    """Run A: time, exit code and the main process's memory as documents got done."""

    seconds: float
    exit_code: int
    startup_s: float
    """From the 'documents to read' line to the first document saved: loading the stages."""
    working_s: float
    """From the 'documents to read' line to the last document saved: the kills are spread over it."""
    outputs_s: float
    """From the last document saved to the end: writing fichas.json, the CSVs and the manifest."""
    memory: dict[int, dict[str, float]]
    """Documents done → peak (VmHWM) and current (VmRSS) MB of the main process at that moment."""
    peak_mb: float
    """VmHWM at the last sample before the process ended (outputs written)."""


def uninterrupted(fichas: Fichas, out: Path, log: Path, total: int, marks: list[int],
                  timeout: float = 3600) -> Uninterrupted:
    """Run to the end, sampling memory; marks: documents done at which to note it."""
    watch = Watch(fichas.start(out, log), out, log)
    memory: dict[int, dict[str, float]] = {}
    working_at = first_done_at = all_done_at = None
    peak_kb = 0
    while watch.process.poll() is None:
        if watch.elapsed > timeout:
            watch.process.kill()
            raise TimeoutError(f"fichas run did not end in {timeout:.0f} s; log: {log}")
        hwm, rss = watch.memory_kb()
        peak_kb = max(peak_kb, hwm)
        done = watch.documents_done()
        if working_at is None and watch.working():
            working_at = watch.elapsed
        if first_done_at is None and done:
            first_done_at = watch.elapsed
        for mark in marks:
            if mark not in memory and done >= mark and hwm:
                memory[mark] = {"peak_mb": hwm / 1024, "rss_mb": rss / 1024, "seconds": watch.elapsed}
        if all_done_at is None and done >= total:
            all_done_at = watch.elapsed
        time.sleep(POLL_S)
    seconds = watch.elapsed
    working_at = working_at or 0.0
    all_done_at = all_done_at or seconds
    return Uninterrupted(seconds, watch.process.returncode, (first_done_at or working_at) - working_at,
                         all_done_at - working_at, seconds - all_done_at, memory, peak_kb / 1024)


def outputs_peak_mb(fichas: Fichas, done: Path, folder: Path, inputs: list[Path], fresh: Path,
                    timeout: float = 600) -> float:
    """Peak MB of a run over `inputs` whose results are saved already (taken from the folder `done`)
    but for `fresh`, read again so that the run loads its stages as any run with work does: it
    measures the memory of writing the outputs of len(inputs) documents, without reading them all."""
    manifest = json.loads((done / MANIFEST).read_text("utf-8"))
    wanted = {str(p) for p in inputs} - {str(fresh)}
    manifest["documents"] = [e for e in manifest["documents"] if e["path"] in wanted]
    (folder / RESULTS).mkdir(parents=True)
    for entry in manifest["documents"]:
        if entry["status"] != "failed":
            shutil.copy(done / RESULTS / f"{entry['sha256']}.json", folder / RESULTS)
    (folder / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    log = folder.parent / f"{folder.name}.log"
    watch = Watch(fichas.start(folder, log, inputs), folder, log)
    peak_kb = 0
    while watch.process.poll() is None and watch.elapsed < timeout:
        peak_kb = max(peak_kb, watch.memory_kb()[0])
        time.sleep(POLL_S)
    if watch.process.poll() is None:
        watch.process.kill()
        raise TimeoutError(f"fichas run did not end in {timeout:.0f} s; log: {log}")
    return peak_kb / 1024


@dataclass(frozen=True)
class PlannedKill:
    kind: str
    """time: `delay` s after the run starts reading; ocr: `delay` s after a Tesseract starts a page
    (or after `patience` s if none does); outputs: `delay` s after the last document is saved."""
    delay: float
    patience: float = 0.0


def kill_plan(kills: int, seed: int, run_a: Uninterrupted) -> list[PlannedKill]:
    """Kill moments drawn from the seed: the time kills at sorted uniform moments over 80 % of run
    A's reading (each restart picks up where the last stopped), each after the restart's loading
    of the stages; one or two of them waiting for a page under OCR; the last one while the
    outputs are written."""
    rng = random.Random(f"soak-kills:{seed}")
    spread = kills - 1 if kills >= 2 else kills
    reading = 0.8 * (run_a.working_s - run_a.startup_s)
    moments = sorted(rng.uniform(0, reading) for _ in range(spread))
    gaps = [later - earlier for earlier, later in zip([0.0, *moments], moments)]
    ocr = set(rng.sample(range(spread), min(spread, 2 if kills >= 10 else 1 if kills >= 3 else 0)))
    plan = [PlannedKill("ocr", rng.uniform(0, 0.25), 3 * reading / spread) if i in ocr
            else PlannedKill("time", run_a.startup_s + gap) for i, gap in enumerate(gaps)]
    if kills >= 2:
        plan.append(PlannedKill("outputs", rng.uniform(0, 0.5 * run_a.outputs_s)))
    return plan


@dataclass
class Kill:
    """Where one SIGKILL landed."""

    kind: str
    after_s: float
    """Seconds from the restart's start to the kill."""
    phase: str
    """start-up (before the run has finished a document: checking the inputs, loading the stages),
    OCR (a Tesseract reading a page), extraction (reading text, segmenting, extracting, saving
    results) or writing outputs (every document saved)."""
    documents_done: int
    pages_cached: int
    torn_writes: list[str] = field(default_factory=list)
    """Temporary files of atomic writes the kill cut short (`.NAME.XXXX.tmp`)."""
    delivered: bool = True
    """False when the run ended before the planned moment."""
    orphans: int = 0
    """Its Tesseracts still running 30 s after the kill (their input closed with the run, so they should end)."""


@dataclass
class Killed:
    """Run B: each kill, the final run, the time of all its runs, the exit code of the last."""

    kills: list[Kill]
    final_exit_code: int
    seconds: float
    """The runs' own time: the earlier run, every killed one, the final one (not the waits between)."""
    final_s: float


def killed(fichas: Fichas, out: Path, logs: Path, plan: list[PlannedKill],
           first: list[Path], timeout: float = 3600) -> Killed:
    """An earlier complete run over `first` (a folder a user ran before), then the batch killed at
    each planned moment and started again, then a final run to the end."""
    logs.mkdir(parents=True, exist_ok=True)
    seconds = 0.0
    if first:
        seconds += _run_to_end(fichas.start(out, logs / "B-earlier.log", first), timeout)[1]
    kills = []
    for number, planned in enumerate(plan, 1):
        log = logs / f"B-{number:02d}.log"
        kills.append(_kill_when_planned(Watch(fichas.start(out, log), out, log), planned, timeout))
        seconds += kills[-1].after_s
    final, final_s = _run_to_end(fichas.start(out, logs / "B-final.log"), timeout)
    return Killed(kills, final, seconds + final_s, final_s)


def _run_to_end(process: subprocess.Popen, timeout: float) -> tuple[int, float]:
    started = time.monotonic()
    try:
        return process.wait(timeout=timeout), time.monotonic() - started
    except subprocess.TimeoutExpired:
        process.kill()
        raise


def _kill_when_planned(watch: Watch, planned: PlannedKill, timeout: float) -> Kill:
    """Wait for the planned moment, note where the run is, SIGKILL it."""
    left_before = set(temporaries(watch.out))
    working_at = trigger_at = None
    while watch.process.poll() is None and watch.elapsed < timeout:
        now = watch.elapsed
        if working_at is None and watch.working():
            working_at = now
        if trigger_at is None and working_at is not None:
            if planned.kind == "time":
                trigger_at = working_at + planned.delay
            elif planned.kind == "ocr" and watch.reading_a_page():
                trigger_at = now + planned.delay
            elif planned.kind == "ocr" and now - working_at > planned.patience:
                trigger_at = now
            elif planned.kind == "outputs" and watch.all_read():
                trigger_at = now + planned.delay
        if trigger_at is not None and now >= trigger_at:
            return _kill(watch, planned.kind, left_before)
        time.sleep(POLL_S)
    if watch.process.poll() is None:
        watch.process.kill()
        raise TimeoutError(f"restart did not reach its kill in {timeout:.0f} s; log: {watch.log}")
    return Kill(planned.kind, watch.elapsed, "ended first", watch.documents_done(), _cached_pages(watch.out),
                delivered=False)


def _kill(watch: Watch, kind: str, left_before: set[str]) -> Kill:
    tesseracts = watch.tesseracts()
    if "R" in tesseracts.values():
        phase = "OCR"
    elif watch.all_read():
        phase = "writing outputs"
    elif not watch.working() or (not watch.finished_here() and not tesseracts):
        phase = "start-up"
    else:
        phase = "extraction"
    after = watch.elapsed
    watch.process.send_signal(signal.SIGKILL)
    watch.process.wait()
    torn = sorted(set(temporaries(watch.out)) - left_before)
    return Kill(kind, after, phase, watch.documents_done(), _cached_pages(watch.out), torn,
                orphans=_still_running(list(tesseracts)))


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def temporaries(out: Path) -> list[str]:
    """Temporary files of atomic writes in an output folder (`.NAME.XXXX.tmp`)."""
    return [str(p.relative_to(out)) for p in out.rglob(".*.tmp")]


def _cached_pages(out: Path) -> int:
    cache = out / CACHE
    if not cache.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{cache}?mode=ro", uri=True, timeout=5)) as db:
            return db.execute("SELECT COUNT(*) FROM pages").fetchone()[0]
    except sqlite3.Error:
        return 0


def _still_running(pids: list[int], patience: float = 30) -> int:
    """How many of these processes are alive after `patience` s; waiting for them also keeps a
    killed run's last pages from slowing the next one."""
    deadline = time.monotonic() + patience
    while pids and time.monotonic() < deadline:
        pids = [pid for pid in pids if _alive(pid)]
        time.sleep(0.1)
    return len(pids)


def _alive(pid: int) -> bool:
    """Running, not ended (a zombie waiting for its new parent to reap it has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split()[0] != "Z"
