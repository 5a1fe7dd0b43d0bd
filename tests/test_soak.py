"""Killed runs resume to the same outputs: a small soak (tests.soak), and what the soak found,
each reproduced by a run that SIGKILLs itself at the one moment that matters."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.soak.check import soak

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "data" / "seeds"

KILLED_AT = """
import os, signal, sys
import {module}

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

{module}.{name} = die
from pipeline.cli import main
sys.exit(main(sys.argv[1:]))
"""
"""`fichas` that dies by SIGKILL the first time it calls MODULE.NAME."""


@pytest.mark.slow
def test_a_small_soak_resumes_to_the_same_outputs(tmp_path):
    """40 documents, 3 kills (one while a page is under OCR, one while the outputs are written)."""
    report = soak(40, 3, seed=0, work=tmp_path, log=lambda line: None)
    assert [k.phase for k in report.b.kills][-1] == "writing outputs"
    assert report.differences == [] and report.problems == [] and report.torn_left == []
    assert report.b.final_exit_code == report.a.exit_code == 2  # the broken documents


def fichas(args: list[str], dies_at: str | None = None) -> int:
    """`fichas ARGS` in a process of its own; with `dies_at` ("module.name"), SIGKILLed when it calls that."""
    if dies_at is None:
        command = [sys.executable, "-m", "pipeline.cli", *args]
    else:
        module, name = dies_at.rsplit(".", 1)
        command = [sys.executable, "-c", KILLED_AT.format(module=module, name=name), *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, timeout=300).returncode


@pytest.fixture
def two_texts(tmp_path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEEDS / "001_ce2a060a3a93c4fe.txt", raw / "a.txt")  # BP6_PC
    shutil.copy(SEEDS / "002_585bf2afbf18c63f.txt", raw / "b.txt")  # BP1_GN
    return raw


def test_a_run_killed_before_writing_the_outputs_is_written_by_the_next(two_texts, tmp_path):
    """Killed after saving its last document, before writing the outputs: the next run, with
    nothing to read, must still write them (the manifest says they are not current)."""
    out = tmp_path / "out"
    assert fichas(["run", str(two_texts / "a.txt"), "--out", str(out), "-q"]) == 0  # outputs of a.txt alone
    assert fichas(["run", str(two_texts), "--out", str(out), "-q"], dies_at="pipeline.batch.write_outputs") == -9
    assert fichas(["run", str(two_texts), "--out", str(out), "-q"]) == 0
    data = json.loads((out / "fichas.json").read_text("utf-8"))
    assert sorted(f["codigo"] for f in data["fichas"]) == ["BP1_GN", "BP6_PC"]
    entries = json.loads((out / "manifest.json").read_text("utf-8"))["documents"]
    assert all(e["review"] > 0 for e in entries)  # counted when the outputs are written


def test_a_torn_write_leaves_no_temporary_file(two_texts, tmp_path):
    """Killed between writing a result's temporary file and putting it in place: the next run clears it."""
    out = tmp_path / "out"
    assert fichas(["run", str(two_texts), "--out", str(out), "-q"], dies_at="os.replace") == -9
    assert [p.name for p in out.rglob(".*.tmp")]  # the kill left one: what the next run must clear
    assert fichas(["run", str(two_texts), "--out", str(out), "-q"]) == 0
    assert [p.name for p in out.rglob(".*.tmp")] == []
