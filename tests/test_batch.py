"""Batch re-runs on real files: generated scans read by the real Tesseract, the legacy seed text,
a real SQLite cache, and real processes killed mid-run.

What a user relies on: only new or changed work is done, a changed template re-extracts from
the cached OCR, a document that now fails keeps its last good result, and a killed run resumes.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from extractors.template import DEFAULT_TEMPLATE
from pipeline.batch import CACHE, MANIFEST, BatchOptions, run
from pipeline.cli import main
from pipeline.progress import BarProgress, LogProgress
from tests.scangen import render_pdf

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]
LEGACY = DATA / "seeds" / "000_b033b46dcbce62bb.part1.txt"
CLEAN_FICHA = DATA / "seeds" / "001_ce2a060a3a93c4fe.txt"
SCANNED_SAMPLE = ROOT / "raw" / "catalogo_muestra_escaneado.pdf"


def scan_of(code: str, out: Path, seed: int = 5) -> Path:
    """One gold ficha of area AH printed and scanned at the `typical` level (2–3 pages)."""
    gold = json.loads((DATA / "gold" / "AH.json").read_text(encoding="utf-8"))
    records = [f for f in gold["fichas"] if f["codigo"] == code]
    resumen = [r for r in gold["resumen"] if r["codigo"] == code]
    return render_pdf(records, resumen, out, level="typical", seed=seed).path


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scans")
    return {code: scan_of(code, folder / f"{code}.pdf") for code in ("BP1_AH", "LA1_AH", "BP2_AH")}


@pytest.fixture
def raw(tmp_path, scans) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    shutil.copy(scans["BP1_AH"], folder / "bp1.pdf")
    shutil.copy(scans["LA1_AH"], folder / "la1.pdf")
    shutil.copy(CLEAN_FICHA, folder / "ficha.txt")
    return folder


def pages(pdf: Path) -> int:
    return len(pdfium.PdfDocument(pdf))


def scanned_pages(raw: Path) -> int:
    return sum(pages(pdf) for pdf in raw.glob("*.pdf"))


def fichas_of(out: Path) -> dict[str, dict]:
    data = json.loads((out / "fichas.json").read_text(encoding="utf-8"))
    return {f["codigo"]: {k: v["value"] for k, v in f["fields"].items()} for f in data["fichas"]}


def manifest_of(out: Path) -> dict[str, dict]:
    data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    return {Path(d["path"]).name: d for d in data["documents"]}


def test_a_rerun_with_nothing_new_reads_nothing(raw, tmp_path):
    out = tmp_path / "out"
    first = run([raw], out)
    assert (first.processed, first.unchanged) == (3, 0)
    assert first.pages_ocr == pages(raw / "bp1.pdf") + pages(raw / "la1.pdf") and first.pages_cached == 0
    csv_before = (out / "fichas.csv").read_bytes()

    again = run([raw], out)
    assert (again.processed, again.unchanged) == (0, 3)
    assert again.pages_ocr == again.pages_cached == 0
    assert (out / "fichas.csv").read_bytes() == csv_before
    assert again.fichas == first.fichas == 3


def test_only_a_new_or_changed_document_is_read(raw, tmp_path, scans):
    out = tmp_path / "out"
    run([raw], out)
    shutil.copy(scans["BP2_AH"], raw / "bp2.pdf")
    (raw / "ficha.txt").write_text(CLEAN_FICHA.read_text(encoding="utf-8") + "\nNota añadida.\n", encoding="utf-8")

    report = run([raw], out)
    assert (report.processed, report.unchanged) == (2, 2)
    assert report.pages_ocr == pages(raw / "bp2.pdf")  # the new scan's pages only
    assert set(fichas_of(out)) == {"BP1_AH", "LA1_AH", "BP2_AH", "BP6_PC"}


def test_a_changed_template_reextracts_from_the_cached_ocr(raw, tmp_path):
    out = tmp_path / "out"
    run([raw], out)
    before = fichas_of(out)
    template = tmp_path / "plantilla.yml"
    template.write_text(DEFAULT_TEMPLATE.read_text(encoding="utf-8") + "\n# revisada\n", encoding="utf-8")

    report = run([raw], out, BatchOptions(template_path=template))
    assert report.processed == 3
    assert report.pages_ocr == 0 and report.pages_cached == scanned_pages(raw)
    assert fichas_of(out) == before


def test_force_reads_everything_again(raw, tmp_path):
    out = tmp_path / "out"
    run([raw], out)
    report = run([raw], out, BatchOptions(force=True))
    assert report.processed == 3 and report.pages_ocr == scanned_pages(raw) and report.pages_cached == 0


def test_a_document_that_now_fails_keeps_its_last_result_as_stale(raw, tmp_path, capsys):
    out = tmp_path / "out"
    run([raw], out)
    good = fichas_of(out)["BP6_PC"]
    (raw / "ficha.txt").write_bytes(b"\x00\x01 binary junk")

    assert main(["run", str(raw), "--out", str(out)]) == 2
    assert "ficha.txt: not a text file (binary data) (kept its last good result, marked stale)" in capsys.readouterr().err
    entry = manifest_of(out)["ficha.txt"]
    assert entry["status"] == "stale" and entry["error"] == "not a text file (binary data)"
    assert fichas_of(out)["BP6_PC"] == good
    documents = json.loads((out / "fichas.json").read_text(encoding="utf-8"))["documents"]
    assert {Path(d["path"]).name: d["status"] for d in documents}["ficha.txt"] == "stale"

    shutil.copy(CLEAN_FICHA, raw / "ficha.txt")  # fixed: read again, ok again
    report = run([raw], out)
    assert report.processed == 1 and manifest_of(out)["ficha.txt"]["status"] == "ok"


def test_manifest_lists_each_document(raw, tmp_path):
    out = tmp_path / "out"
    (raw / "roto.pdf").write_bytes(b"%PDF-1.4 truncated")
    run([raw], out)
    manifest = manifest_of(out)
    assert set(manifest) == {"bp1.pdf", "la1.pdf", "ficha.txt", "roto.pdf"}
    bp1 = manifest["bp1.pdf"]
    assert bp1["status"] == "ok" and bp1["pages"] == 3 and bp1["error"] is None
    assert len(bp1["sha256"]) == 64 and bp1["tool_version"]
    assert set(bp1["seconds"]) == {"ingest", "repair", "segment", "extract"}
    assert manifest["roto.pdf"]["status"] == "failed" and "corrupt PDF" in manifest["roto.pdf"]["error"]


def test_a_document_gone_from_disk_leaves_the_outputs(raw, tmp_path):
    out = tmp_path / "out"
    run([raw], out)
    (raw / "la1.pdf").unlink()
    report = run([raw], out)
    assert report.dropped == [str(raw / "la1.pdf")]
    assert set(fichas_of(out)) == {"BP1_AH", "BP6_PC"}


def test_a_run_of_one_file_keeps_the_other_documents(raw, tmp_path, scans):
    out = tmp_path / "out"
    run([raw], out)
    extra = tmp_path / "bp2.pdf"
    shutil.copy(scans["BP2_AH"], extra)
    report = run([extra], out)
    assert report.processed == 1
    assert set(fichas_of(out)) == {"BP1_AH", "LA1_AH", "BP6_PC", "BP2_AH"}


def test_cache_info_and_clear(raw, tmp_path, capsys):
    out = tmp_path / "out"
    run([raw], out)
    assert main(["cache", "info", "--out", str(out)]) == 0
    assert f"{scanned_pages(raw)} pages of 2 documents" in capsys.readouterr().out
    assert main(["cache", "clear", "--out", str(out)]) == 0
    assert f"{scanned_pages(raw)} pages removed" in capsys.readouterr().out
    assert main(["cache", "info", "--out", str(out)]) == 0
    assert "0 pages of 0 documents" in capsys.readouterr().out
    assert run([raw], out, BatchOptions(force=True)).pages_ocr == scanned_pages(raw)


def test_an_unusable_cache_is_a_clear_error(raw, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / CACHE).write_bytes(b"this is not SQLite" * 100)
    assert main(["run", str(raw), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{out / CACHE}: not a usable OCR cache" in err and "fichas cache clear" in err


def test_progress_lines_without_a_terminal(raw, tmp_path):
    stream = io.StringIO()
    run([raw], tmp_path / "out", progress=LogProgress(stream))
    lines = stream.getvalue().splitlines()
    assert lines[0] == "fichas: 3 documents to read, 0 unchanged"
    done = [line for line in lines if line.startswith("[")]
    assert sorted(line[:5] for line in done) == ["[1/3]", "[2/3]", "[3/3]"]
    assert any(f"bp1.pdf: 1 fichas, {pages(raw / 'bp1.pdf')} pages (ok" in line for line in done)


def test_progress_bars_count_documents_and_pages(raw, tmp_path):
    stream = io.StringIO()
    run([raw], tmp_path / "out", progress=BarProgress(stream))
    text = stream.getvalue()
    assert "documentos: 100%" in text and "3/3" in text
    total = scanned_pages(raw)
    assert "páginas: 100%" in text and f"{total}/{total}" in text


def test_summary_and_exit_code(raw, tmp_path, capsys):
    assert main(["run", str(raw), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "3 documents: 3 ok, 0 sin fichas, 0 failed, 0 stale (3 read now, 0 unchanged)" in err
    assert "3 fichas;" in err and "fields below the review threshold" in err
    assert f"pages: {scanned_pages(raw)} OCR'd, 0 from the cache" in err
    assert main(["run", str(raw), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def cached_pages(cache: Path) -> int:
    if not cache.exists():
        return 0
    try:
        with sqlite3.connect(cache, timeout=1) as db:
            return db.execute("SELECT COUNT(*) FROM pages").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not made yet
        return 0


def start_run(inputs: list[Path], out: Path, jobs: int = 1) -> subprocess.Popen:
    """The run as a user starts it from a terminal. Ctrl-C is set back to its default: a shell
    starting the tests in the background (`pytest &`) has them ignore it, and the run inherits that."""
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", *map(str, inputs), "--out", str(out),
                             "--jobs", str(jobs), "--quiet"], cwd=ROOT, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for_cached_pages(process: subprocess.Popen, cache: Path, pages: int, timeout: float = 120) -> int:
    wait_until(lambda: cached_pages(cache) >= pages, process, f"{pages} pages cached", timeout)
    return cached_pages(cache)


def wait_until(condition, process: subprocess.Popen, what: str, timeout: float = 120) -> None:
    """Poll `condition` while the run goes on; fail if the run ends or time runs out first."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, f"the run ended before {what}: {process.stderr.read()}"
        assert time.monotonic() < deadline, f"not {what} in time"
        time.sleep(0.2)


def in_manifest(out: Path, name: str) -> bool:
    try:
        return name in manifest_of(out)
    except (OSError, ValueError):
        return False


@pytest.mark.slow
def test_a_run_killed_mid_document_resumes_from_the_cache(tmp_path):
    """kill -9 after some pages of a 6-page scan: the next run OCRs only the rest."""
    out = tmp_path / "out"
    process = start_run([SCANNED_SAMPLE], out)
    wait_for_cached_pages(process, out / CACHE, 2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    cached = cached_pages(out / CACHE)
    assert 2 <= cached < pages(SCANNED_SAMPLE)

    report = run([SCANNED_SAMPLE], out)
    assert report.pages_cached == cached and report.pages_ocr == pages(SCANNED_SAMPLE) - cached
    assert report.count("ok") == 1 and report.fichas == 3


@pytest.mark.slow
def test_ctrl_c_keeps_the_finished_documents(tmp_path):
    """Ctrl-C while a scan is read: exit 130, the legacy text already done is in the outputs.
    One document at a time: the scan starts once the legacy text is saved, so it is surely still
    being read when the signal comes."""
    out = tmp_path / "out"
    process = start_run([LEGACY, SCANNED_SAMPLE], out, jobs=1)
    wait_for_cached_pages(process, out / CACHE, 1)
    wait_until(lambda: in_manifest(out, LEGACY.name), process, "the legacy text done")
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    assert "interrupted" in process.stderr.read()
    assert manifest_of(out)[LEGACY.name]["status"] == "ok"
    assert len(fichas_of(out)) == 22
    assert SCANNED_SAMPLE.name not in manifest_of(out)

    report = run([LEGACY, SCANNED_SAMPLE], out)
    assert report.processed == 1 and report.pages_cached >= 1
    assert report.count("ok") == 2


def test_jobs_must_be_positive(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--jobs", "0"])
    assert "must be 1 or more" in capsys.readouterr().err


def test_tesseract_runs_single_threaded():
    """One Tesseract per core: its own OpenMP threads make it ~7× slower here."""
    import pipeline.ocr  # noqa: F401  (sets the variable on import)

    assert os.environ["OMP_THREAD_LIMIT"] == "1"


def test_limits_are_set_from_the_command_line(raw, tmp_path, capsys):
    """A stricter page limit refuses the 2–3 page scans with a clear reason; the text still reads."""
    out = tmp_path / "out"
    assert main(["run", str(raw), "--out", str(out), "--max-pages", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{raw / 'bp1.pdf'}: {pages(raw / 'bp1.pdf')} pages, over the limit of 1" in err
    assert manifest_of(out)["ficha.txt"]["status"] == "ok"
    assert main(["run", str(raw), "--out", str(tmp_path / "out2"), "--max-megapixels", "1", "--quiet"]) == 2
    assert "over the limit of 1 Mpx (decompression bomb?)" in capsys.readouterr().err


def test_a_document_named_two_ways_is_one_document(raw, tmp_path, monkeypatch):
    """`raw/ficha.txt` from the project folder and its absolute path are the same entry."""
    out = tmp_path / "out"
    run([raw / "ficha.txt"], out)
    monkeypatch.chdir(raw.parent)
    report = run([Path("raw") / "ficha.txt", Path("raw") / ".." / "raw" / "ficha.txt"], out)
    assert (report.processed, report.unchanged) == (0, 1)
    assert list(manifest_of(out)) == ["ficha.txt"] and report.fichas == 1
