"""Page OCR on a Dask distributed cluster: a real LocalCluster with worker processes, so page
images and readings really cross process boundaries. Same cache and manifest as a local run."""
from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from pipeline.batch import BatchOptions, run
from pipeline.cli import main
from tests.test_batch import CLEAN_FICHA, pages, scan_of

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local:
        yield local


@pytest.fixture
def raw(tmp_path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    scan_of("BP3_AH", folder / "bp3.pdf")
    shutil.copy(CLEAN_FICHA, folder / "ficha.txt")
    return folder


def fields(out: Path) -> dict[str, dict]:
    data = json.loads((out / "fichas.json").read_text(encoding="utf-8"))
    return {f["codigo"]: {k: v["value"] for k, v in f["fields"].items()} for f in data["fichas"]}


def test_dask_reads_like_the_local_pool(raw, tmp_path, cluster):
    local, remote = tmp_path / "local", tmp_path / "dask"
    run([raw], local)
    report = run([raw], remote, BatchOptions(executor="dask", scheduler=cluster.scheduler_address))
    assert report.pages_ocr == pages(raw / "bp3.pdf")
    assert report.count("ok") == 2
    assert fields(remote) == fields(local)
    assert set(fields(remote)) == {"BP3_AH", "BP6_PC"}


def test_dask_run_uses_the_cache_and_manifest(raw, tmp_path, cluster):
    out = tmp_path / "out"
    options = BatchOptions(executor="dask", scheduler=cluster.scheduler_address)
    run([raw], out, options)
    assert run([raw], out, options).processed == 0
    forced = run([raw], out, BatchOptions(executor="dask", scheduler=cluster.scheduler_address, force=True))
    assert forced.pages_ocr == pages(raw / "bp3.pdf")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {d["status"] for d in manifest["documents"]} == {"ok"}


def test_an_unreachable_scheduler_is_a_clear_error(raw, tmp_path, capsys):
    code = main(["run", str(raw), "--out", str(tmp_path / "out"), "--executor", "dask",
                 "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 1
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err and "dask scheduler" in err


def test_dask_needs_a_scheduler(raw, tmp_path, capsys):
    assert main(["run", str(raw), "--out", str(tmp_path / "out"), "--executor", "dask"]) == 1
    assert "--executor dask needs --scheduler ADDRESS" in capsys.readouterr().err
    # The run's loader thread is not left waiting: it would keep the interpreter from exiting.
    deadline = time.monotonic() + 20
    while any(t.name.startswith("load_") for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(t.name.startswith("load_") for t in threading.enumerate())
