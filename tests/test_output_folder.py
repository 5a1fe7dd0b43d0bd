"""The output folder under real use: two runs at once, a run killed while it holds the folder,
a reviewer saving during a run, and a disk that fills up or turns read-only.

Real `fichas run` processes, a real kernel lock, real filesystems (a small tmpfs where the
machine lets us mount one, else only the file-size limit).
"""
from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from pipeline.batch import MANIFEST, BatchOptions, run
from pipeline.errors import ExitCode, OutputBusyError
from pipeline.files import LOCK_NAME, SCRATCH_PREFIX, output_lock
from pipeline.review.store import STORE_NAME, ReviewStore

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "data" / "seeds"
CATALOGUE = SEEDS / "000_b033b46dcbce62bb.part1.txt"
"""Legacy OCR text of a whole catalogue (22 fichas)."""
ONE_FICHA = SEEDS / "001_ce2a060a3a93c4fe.txt"
SCAN = ROOT / "raw" / "catalogo_muestra_escaneado.pdf"
"""Six scanned pages: keeps a run busy for several seconds."""


def start_run(inputs: list[Path], out: Path, *flags: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", *map(str, inputs), "--out", str(out),
                             "--jobs", "1", *flags], cwd=ROOT, stderr=subprocess.PIPE, text=True, **popen)


def finish(process: subprocess.Popen, timeout: float = 300) -> tuple[int, str]:
    _, err = process.communicate(timeout=timeout)
    return process.returncode, err


def holder_pid(out: Path) -> int | None:
    try:
        return json.loads((out / LOCK_NAME).read_text())["pid"]
    except (OSError, ValueError, KeyError):
        return None


def wait_for_lock(process: subprocess.Popen, out: Path, timeout: float = 60) -> None:
    """Until the run has taken the folder (it writes its pid into the lock file)."""
    deadline = time.monotonic() + timeout
    while holder_pid(out) != process.pid:
        assert process.poll() is None, f"the run ended before taking the folder: {process.stderr.read()}"
        assert time.monotonic() < deadline, "the run did not take the folder in time"
        time.sleep(0.05)


def scratch_of(pid: int) -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}{pid}-*"))


def documents_in(out: Path) -> set[str]:
    """The documents that have fichas in fichas.json."""
    data = json.loads((out / "fichas.json").read_text(encoding="utf-8"))
    names = {d["sha256"]: Path(d["path"]).name for d in data["documents"]}
    return {names[f["documento"]] for f in data["fichas"]}


def manifest_documents(out: Path) -> set[str]:
    return {Path(d["path"]).name for d in json.loads((out / MANIFEST).read_text())["documents"]}


def snapshot(out: Path) -> dict[str, bytes]:
    """Every output file's bytes (the OCR cache and the corrections are SQLite, compared apart)."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.suffix in (".json", ".csv")}


def test_a_second_run_waits_for_the_first_and_the_outputs_hold_both(tmp_path):
    """Two runs into one folder at once: the second says whom it waits for, and the outputs end
    with the documents of both (before the lock, one run's documents were silently lost)."""
    out = tmp_path / "out"
    first = start_run([CATALOGUE, SCAN], out, "--quiet")
    wait_for_lock(first, out)
    second = start_run([ONE_FICHA], out, "--quiet")

    assert finish(first)[0] == 0
    code, err = finish(second)
    assert code == 0, err
    assert f"is in use by another fichas run (pid {first.pid}, since " in err
    assert documents_in(out) == {CATALOGUE.name, SCAN.name, ONE_FICHA.name}
    assert manifest_documents(out) == {CATALOGUE.name, SCAN.name, ONE_FICHA.name}


def test_no_wait_stops_at_once_with_its_own_exit_code(tmp_path):
    out = tmp_path / "out"
    with output_lock(out):
        code, err = finish(start_run([ONE_FICHA], out, "--no-wait", "--quiet"), timeout=60)
        with pytest.raises(OutputBusyError, match=f"pid {os.getpid()}"):
            run([ONE_FICHA], out, BatchOptions(wait=False))
    assert code == ExitCode.output_busy
    assert err.count("\n") == 1 and f"in use by another fichas run (pid {os.getpid()}" in err
    assert not (out / "fichas.json").exists()

    assert run([ONE_FICHA], out, BatchOptions(wait=False)).count("ok") == 1


def test_a_run_killed_while_it_holds_the_folder_leaves_no_stale_lock_nor_page_images(tmp_path):
    """kill -9 while pages are OCR'd: the next run takes the folder at once and removes the
    dead run's scratch folder (its page images: the CLI engine's; Tesseract in process needs none)."""
    out = tmp_path / "out"
    killed = start_run([SCAN], out, "--quiet", env={**os.environ, "FICHAS_OCR_ENGINE": "cli"})
    wait_for_lock(killed, out)
    deadline = time.monotonic() + 60
    while not scratch_of(killed.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    left = scratch_of(killed.pid)
    assert len(left) == 1 and left[0].is_dir()

    code, err = finish(start_run([ONE_FICHA], out, "--no-wait", "--quiet"), timeout=120)
    assert code == 0, err
    assert not left[0].exists()


def test_a_correction_saved_during_a_run_is_never_dropped(tmp_path):
    """A reviewer saves while a run writes: the correction is in the outputs of that run or,
    at the latest, of the next one; the store keeps it either way."""
    out = tmp_path / "out"
    run([ONE_FICHA], out)
    outputs = json.loads((out / "fichas.json").read_text())
    ficha = outputs["fichas"][0]
    field, seen = next((k, v) for k, v in ficha["fields"].items()
                       if k != "codigo" and isinstance(v["value"], str) and v["value"])
    key = (outputs["documents"][0]["sha256"], ficha["codigo"], field)

    running = start_run([ONE_FICHA, SCAN], out, "--quiet")
    wait_for_lock(running, out)
    store = ReviewStore(out / STORE_NAME)
    store.save(key, seen["value"], seen["raw"], "Corregido durante la ejecución", "Ana", None)
    assert finish(running)[0] == 0

    run([ONE_FICHA, SCAN], out)
    corrected = next(f for f in json.loads((out / "fichas.json").read_text())["fichas"]
                     if f["codigo"] == ficha["codigo"])
    assert corrected["fields"][field]["value"] == "Corregido durante la ejecución"
    assert [c.new_value for c in store.latest().values()] == ["Corregido durante la ejecución"]
    store.close()


# --- a disk that fills up or turns read-only ---------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs mounted for the test (root only), unmounted after."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path, leave: int) -> Path:
    """A file that takes all the free space of `disk` but `leave` bytes."""
    filler = disk / "filler"
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with filler.open("wb") as fh:
        fh.write(b"\0" * max(free - leave, 0))
    return filler


def limit_file_size(limit: int):
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def assert_fails_whole(out: Path, before: dict[str, bytes], code: int, err: str, reason: str) -> None:
    """Exit code 5, one line naming the file and the cause, every earlier output as it was."""
    assert code == ExitCode.output, err
    assert err.count("\n") == 1 and "cannot write" in err and reason in err, err
    assert snapshot(out) == before
    assert not list(out.rglob("*.tmp"))


def test_a_full_disk_stops_the_run_with_one_line_and_the_outputs_whole(small_disk):
    out = small_disk / "out"
    run([ONE_FICHA], out)
    before = snapshot(out)
    filler = fill(small_disk, leave=8192)

    code, err = finish(start_run([ONE_FICHA, CATALOGUE], out, "--quiet"))
    assert_fails_whole(out, before, code, err, "No space left on device")

    filler.unlink()
    report = run([ONE_FICHA, CATALOGUE], out)
    assert report.count("ok") == 2 and documents_in(out) == {ONE_FICHA.name, CATALOGUE.name}


def test_a_file_size_limit_stops_the_run_with_one_line_and_the_outputs_whole(tmp_path):
    """The same without root: the kernel refuses to let any file grow past 40 kB."""
    out = tmp_path / "out"
    run([ONE_FICHA], out)
    before = snapshot(out)
    assert max(map(len, before.values())) < 40_000

    code, err = finish(start_run([ONE_FICHA, CATALOGUE], out, "--quiet", preexec_fn=limit_file_size(40_000)))
    assert_fails_whole(out, before, code, err, "File too large")


def test_a_read_only_folder_stops_the_run_with_one_line_and_the_outputs_whole(small_disk):
    out = small_disk / "out"
    run([ONE_FICHA], out)
    before = snapshot(out)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)

    code, err = finish(start_run([ONE_FICHA, CATALOGUE], out, "--quiet"))
    assert_fails_whole(out, before, code, err, "Read-only file system")

    subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert run([ONE_FICHA, CATALOGUE], out).count("ok") == 2


def test_the_half_written_files_of_a_killed_writer_are_removed_by_the_next_run(tmp_path):
    out = tmp_path / "out"
    run([ONE_FICHA], out)
    before = snapshot(out)
    writer = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from pipeline.files import replaced_together\n"
        f"with replaced_together([Path({str(out / 'fichas.json')!r}), Path({str(out / 'documents' / 'x.json')!r})]) as fhs:\n"
        "    [fh.write(b'half') for fh in fhs]; print('writing', flush=True); time.sleep(60)")],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline() == "writing\n"
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert len(list(out.rglob(".*.tmp"))) == 2 and snapshot(out) == before

    run([ONE_FICHA], out)
    assert not list(out.rglob("*.tmp"))
