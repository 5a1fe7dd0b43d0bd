"""Review load: many reviewers saving at once against a real `fichas review` on the loopback.

    python -m tests.bench.review_load [--clients 20] [--saves 50] [--fields 10] [--out DIR]

Runs `fichas run` on the old OCR catalogue, serves it with `fichas review` in its own process,
and has CLIENTS reviewers (threads, each with its own cookies and CSRF token) make SAVES saves
each on a few fields of the queue, so that several of them save the same field at once. A save
is the field page read, then the form posted with the `visto`/`on_top_of` the page gave; after a
conflict page, the next save is made from that page's form, as a reviewer would.

What must hold, whatever the load: no answer ≥ 500; every save recorded (a redirect) or
refused with the conflict page (409); the store holds exactly the recorded saves, each field's
history a chain where every row was made on top of the one before; each field page shows its
whole history; and a new `fichas run` puts each field's latest correction in fichas.json.
Prints the counts, saves per second (every save answered, recorded or refused) and the latency
of the posts (p50, p95); exits 1 if a check fails.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import requests

from pipeline.review.queue import ReviewItem, load_items, queue
from pipeline.review.store import STORE_NAME, FieldKey, ReviewStore

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "raw" / "catalogo_oim_ocr_antiguo.txt"
"""22 fichas of OCR text: a real run with ~100 unsure text fields, and no OCR to wait for."""
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')
CONFLICT_PAGE = "Otra persona guardó este campo mientras usted lo revisaba"
HISTORY_ROWS = re.compile(r'<table class="historial">.*?<tbody>(.*?)</tbody>', re.S)
ACCEPT_EVERY = 5
"""Every fifth fresh save is an «Aceptar» (the value as shown) rather than a typed value."""
REQUEST_TIMEOUT = 60.0
SERVER_START_TIMEOUT = 60.0


@dataclass
class Save:
    """One save as a client made it, and how the server answered."""

    client: int
    key: FieldKey
    reviewer: str
    on_top_of: int | None
    seen: object
    value: object
    """The value the store should hold if the save is recorded."""
    status: int
    """The HTTP status of the post; 0 when no answer came."""
    seconds: float
    conflict: bool = False
    """Answered with the conflict page."""
    problem: str | None = None


@dataclass
class LoadReport:
    saves: list[Save]
    seconds: float
    problems: list[str] = field(default_factory=list)

    @property
    def recorded(self) -> list[Save]:
        return [s for s in self.saves if s.status in (302, 303)]

    @property
    def conflicts(self) -> list[Save]:
        return [s for s in self.saves if s.conflict]

    @property
    def server_errors(self) -> list[Save]:
        """Answered 500 or more, or not answered at all (the field page or the post)."""
        return [s for s in self.saves if s.status >= 500 or s.status == 0]

    def latency_ms(self, percentile: int) -> float:
        """Of the posts that were answered (NaN when fewer than two were)."""
        answered = [s.seconds * 1000 for s in self.saves if s.status]
        if len(answered) < 2:
            return math.nan
        return statistics.quantiles(answered, n=100, method="inclusive")[percentile - 1]

    def summary(self) -> str:
        return "\n".join([
            f"saves: {len(self.saves)}  recorded: {len(self.recorded)}  conflicts (409): {len(self.conflicts)}  "
            f"server errors: {len(self.server_errors)}  failed checks: {len(self.problems)}",
            f"{len(self.saves) / self.seconds:.1f} saves/s over {self.seconds:.1f} s; "
            f"save latency p50 {self.latency_ms(50):.0f} ms, p95 {self.latency_ms(95):.0f} ms",
        ])


def fichas(*args: str) -> subprocess.CompletedProcess:
    """The real command line, in its own process."""
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=ROOT, capture_output=True, text=True)


def prepare(out: Path, inputs: list[Path]) -> None:
    done = fichas("run", *map(str, inputs), "--out", str(out), "-q")
    if done.returncode != 0:
        raise RuntimeError(f"fichas run failed ({done.returncode}): {done.stderr}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def review_server(out: Path, log: Path) -> Iterator[str]:
    """`fichas review --out OUT` on a free loopback port, its log in LOG; yields its address,
    and stops it with Ctrl-C (SIGINT), its normal way to end."""
    port = free_port()
    address = f"http://127.0.0.1:{port}"
    with log.open("w", encoding="utf-8") as stream:
        server = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "review", "--out", str(out),
                                   "--port", str(port)], cwd=ROOT, stdout=stream, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(server, address, log)
            yield address
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_up(server: subprocess.Popen, address: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"fichas review ended ({server.returncode}): {log.read_text(encoding='utf-8')}")
        try:
            if requests.get(address + "/", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"fichas review did not answer within {SERVER_START_TIMEOUT:.0f} s")


def target_fields(out: Path, count: int) -> list[ReviewItem]:
    """The first COUNT free-text fields of the queue: what reviewers would open first."""
    fields = [i for i in queue(load_items(out)) if i.input == "text"][:count]
    if len(fields) < count:
        raise RuntimeError(f"the queue has only {len(fields)} free-text fields, {count} wanted")
    return fields


def field_url(address: str, item: ReviewItem) -> str:
    return f"{address}/campo/{item.sha256}/{item.codigo}/{item.field}"


def hidden_fields(html: str) -> dict[str, str]:
    return {name: unescape(value) for name, value in HIDDEN.findall(html)}


class Reviewer:
    """One reviewer's browser: its own cookies (session, CSRF token), saving round the fields,
    starting at its own one so that neighbours collide."""

    def __init__(self, number: int, address: str, fields: list[ReviewItem]):
        self.number, self.address, self.fields = number, address, fields
        self.name = f"Revisora {number:02d}"
        self.http = requests.Session()

    def work(self, saves: int, start: threading.Barrier) -> list[Save]:
        start.wait()
        made: list[Save] = []
        conflict_form: dict[str, str] | None = None
        for n in range(saves):
            if conflict_form is None:
                item = self.fields[(self.number + n) % len(self.fields)]
                accept = n % ACCEPT_EVERY == ACCEPT_EVERY - 1
                typed = f"Corrección {self.number:02d}.{n:03d} — ñandú"
                form, failed = self._form(item)
                if failed:
                    made.append(Save(self.number, item.key, self.name, None, None, None, 0, 0.0, problem=failed))
                    continue
            else:  # press the same button again on the conflict page, on top of the value now saved
                form = conflict_form
            save, answer = self._post(item, form, typed, accept)
            made.append(save)
            conflict_form = hidden_fields(answer) if save.conflict else None
        return made

    def _form(self, item: ReviewItem) -> tuple[dict[str, str], str | None]:
        """The field page's form, or why there is none."""
        try:
            page = self.http.get(field_url(self.address, item), timeout=REQUEST_TIMEOUT)
        except requests.RequestException as exc:
            return {}, f"{item.key}: the field page did not load ({exc})"
        if page.status_code != 200:
            return {}, f"{item.key}: the field page answered {page.status_code}"
        return hidden_fields(page.text), None

    def _post(self, item: ReviewItem, form: dict[str, str], typed: str, accept: bool) -> tuple[Save, str]:
        """The save, and the page it was answered with."""
        seen = json.loads(form["visto"])
        on_top_of = int(form["on_top_of"]) if form["on_top_of"] else None
        save = Save(self.number, item.key, self.name, on_top_of, seen, seen if accept else typed, 0, 0.0)
        data = {**form, "valor": typed, "revisor": self.name, "accion": "aceptar" if accept else "guardar"}
        started = time.perf_counter()
        try:
            answer = self.http.post(field_url(self.address, item), data=data, allow_redirects=False,
                                    timeout=REQUEST_TIMEOUT)
        except requests.RequestException as exc:
            save.seconds, save.problem = time.perf_counter() - started, f"{item.key}: no answer ({exc})"
            return save, ""
        save.seconds, save.status = time.perf_counter() - started, answer.status_code
        save.conflict = answer.status_code == 409 and CONFLICT_PAGE in answer.text
        if answer.status_code not in (302, 303) and not save.conflict:
            save.problem = f"{item.key}: answered {answer.status_code}"
        return save, answer.text


def load(address: str, fields: list[ReviewItem], clients: int, saves: int) -> LoadReport:
    """CLIENTS reviewers at once, SAVES saves each; bounded by the number of saves."""
    start = threading.Barrier(clients + 1)
    with ThreadPoolExecutor(clients, thread_name_prefix="reviewer") as pool:
        working = [pool.submit(Reviewer(n, address, fields).work, saves, start) for n in range(clients)]
        start.wait()
        began = time.perf_counter()
        made = [f.result() for f in working]  # a client that failed fails the run
    report = LoadReport([s for per_client in made for s in per_client], time.perf_counter() - began)
    report.problems += [s.problem for s in report.saves if s.problem]
    return report


def check_store(out: Path, report: LoadReport) -> list[str]:
    """The store holds exactly the recorded saves, and each field's history is a chain: every
    row was posted on top of the row before it (the first on the value as extracted)."""
    store = ReviewStore(out / STORE_NAME)
    rows = store.all()
    store.close()
    problems = [] if len(rows) == len(report.recorded) else [
        f"{len(report.recorded)} saves recorded but {len(rows)} rows in the store"]
    by_base = {(s.key, s.on_top_of): s for s in report.recorded}
    if len(by_base) != len(report.recorded):
        problems.append("two saves recorded on top of the same version of a field")
    previous: dict[FieldKey, int | None] = {}
    for row in rows:
        made = by_base.pop((row.key, previous.get(row.key)), None)
        if made is None:
            problems.append(f"row {row.id} ({row.key}) is on top of no recorded save's version")
        elif (row.reviewer, row.new_value, row.value_seen) != (made.reviewer, made.value, made.seen):
            problems.append(f"row {row.id} holds {row.reviewer}: {row.new_value!r}, "
                            f"posted {made.reviewer}: {made.value!r}")
        previous[row.key] = row.id
    problems += [f"recorded save of {s.reviewer} on {s.key} is not in the store" for s in by_base.values()]
    return problems


def check_pages(address: str, out: Path, fields: list[ReviewItem]) -> list[str]:
    """Each field page lists the field's whole history."""
    store = ReviewStore(out / STORE_NAME)
    problems = []
    for item in fields:
        html = requests.get(field_url(address, item), timeout=REQUEST_TIMEOUT).text
        shown = HISTORY_ROWS.search(html)
        count, stored = shown.group(1).count("<tr>") if shown else 0, len(store.history(item.key))
        if count != stored:
            problems.append(f"{item.key}: the page shows {count} corrections, the store holds {stored}")
    store.close()
    return problems


def check_rerun(out: Path, inputs: list[Path]) -> list[str]:
    """A new `fichas run` lays each field's latest correction over fichas.json."""
    prepare(out, inputs)
    fichas_json = json.loads((out / "fichas.json").read_text(encoding="utf-8"))
    values = {(f["documento"], f["codigo"], name): v for f in fichas_json["fichas"] for name, v in f["fields"].items()}
    store = ReviewStore(out / STORE_NAME)
    latest_of = store.latest()
    store.close()
    problems = []
    for key, latest in latest_of.items():
        written = values.get(key)
        if written is None or (written["value"], written["revisado"]) != (latest.new_value, True):
            problems.append(f"{key}: fichas.json has {written and written['value']!r}, "
                            f"the latest correction is {latest.new_value!r}")
    return problems


def server_failures(log: Path) -> list[str]:
    """Tracebacks and 5xx answers in the server's own log."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line for line in lines if "Traceback" in line or "database is locked" in line
            or re.search(r'" 5\d\d ', line)]


def review_load(out: Path, clients: int, saves: int, fields: int, inputs: list[Path] | None = None) -> LoadReport:
    """The whole load test in OUT (a new folder; the server's log beside it): prepare, serve, load, check."""
    out, inputs = out.resolve(), inputs or [CATALOGUE]
    prepare(out, inputs)
    targets = target_fields(out, fields)
    log = out.parent / f"{out.name}-review.log"
    with review_server(out, log) as address:
        report = load(address, targets, clients, saves)
        report.problems += check_pages(address, out, targets)
    report.problems += [f"server log: {line}" for line in server_failures(log)]
    report.problems += check_store(out, report)
    report.problems += check_rerun(out, inputs)
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.bench.review_load", description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20, help="reviewers saving at once (default: %(default)s)")
    ap.add_argument("--saves", type=int, default=50, help="saves per reviewer (default: %(default)s)")
    ap.add_argument("--fields", type=int, help="fields they share (default: half the clients, at least 2)")
    ap.add_argument("--out", type=Path, help="a new folder to keep the run and its store in, the server's log "
                                              "beside it as DIR-review.log (default: a temporary one)")
    args = ap.parse_args(argv)
    if args.out and args.out.exists():
        ap.error(f"{args.out} exists: the checks need a store holding this run's saves only")
    fields = args.fields or max(2, args.clients // 2)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "out"
        report = review_load(out, args.clients, args.saves, fields)
    print(f"{args.clients} clients × {args.saves} saves on {fields} fields")
    print(report.summary())
    for problem in report.problems[:20]:
        print(f"FAIL: {problem}")
    return 1 if report.problems or report.server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
