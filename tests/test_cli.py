"""The command line, run in-process: exit codes, one-line errors, outputs, help; and once as
the `fichas` command, which ends without Python's teardown."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import main

DATA = Path(__file__).parent / "data"
SAMPLE = Path(__file__).parents[1] / "raw" / "catalogo_muestra_escaneado.pdf"
NARRATIVE = DATA / "seeds" / "004_139d8a3b926dea77.txt"
CLEAN_FICHA = DATA / "seeds" / "001_ce2a060a3a93c4fe.txt"


@pytest.fixture
def batch(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "vacio.pdf").write_bytes(b"")
    (folder / "no_es_pdf.pdf").write_text("esto no es un PDF", encoding="utf-8")
    shutil.copy(NARRATIVE, folder / "guia.txt")
    shutil.copy(CLEAN_FICHA, folder / "ficha.txt")
    (folder / "notas.md").write_text("ignored: not an input type", encoding="utf-8")
    return folder


def test_run_goes_on_after_bad_files_and_exits_2(batch, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", str(batch), "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert f"{batch / 'vacio.pdf'}: empty file" in err
    assert f"{batch / 'no_es_pdf.pdf'}: not a PDF" in err
    data = json.loads((out / "fichas.json").read_text(encoding="utf-8"))
    status = {Path(d["path"]).name: d["status"] for d in data["documents"]}
    assert status == {"vacio.pdf": "failed", "no_es_pdf.pdf": "failed", "guia.txt": "sin_fichas", "ficha.txt": "ok"}
    assert {f["codigo"] for f in data["fichas"]} == {"BP6_PC"}
    assert (out / "fichas.csv").exists() and (out / "campos.csv").exists()


def test_clean_run_exits_0(tmp_path):
    assert main(["run", str(CLEAN_FICHA), "--out", str(tmp_path)]) == 0


def test_missing_input_is_named(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nada.pdf"), "--out", str(tmp_path)]) == 2
    assert "nada.pdf: no such file or folder" in capsys.readouterr().err


def test_repair_prints_repaired_text(tmp_path, capsys):
    dump = tmp_path / "viejo.txt"
    dump.write_text("CODIGO BPI_AH\nLa poblacién de nifios y nifias.\n", encoding="utf-8")
    assert main(["repair", str(dump)]) == 0
    assert capsys.readouterr().out == "CÓDIGO BP1_AH\nLa población de niños y niñas.\n"


def test_help_documents_every_option(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = capsys.readouterr().out
    for option in ("--out", "--password", "--template", "--quiet", "INPUT"):
        assert option in text


def test_bad_template_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "plantilla.yml"
    bad.write_text("name: x\nversion: 1\n", encoding="utf-8")
    code = main(["run", str(CLEAN_FICHA), "--out", str(tmp_path), "--template", str(bad)])
    assert code == 1
    assert "plantilla.yml: invalid template" in capsys.readouterr().err


def test_missing_tesseract_exits_3_with_a_fix(tmp_path, monkeypatch, capsys):
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "no-tesseract"))
    scan = Path(__file__).parents[1] / "raw" / "catalogo_muestra_escaneado.pdf"
    assert main(["run", str(scan), "--out", str(tmp_path / "out")]) == 3
    assert "tesseract" in capsys.readouterr().err.lower()


def test_the_command_ends_with_its_exit_code_output_and_exit_handlers(tmp_path):
    """`fichas` ends with `finish`, skipping Python's teardown: the exit code, what it printed
    and the exit handlers (the scratch folder of the CLI engine removed) must survive that."""
    import pikepdf

    page = tmp_path / "pagina.pdf"
    with pikepdf.open(SAMPLE) as sample, pikepdf.new() as one:
        one.pages.append(sample.pages[0])
        one.save(page)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # output buffered, as usual
    env.update(TMPDIR=str(scratch), FICHAS_OCR_ENGINE="cli")
    command = [sys.executable, "-m", "pipeline.cli"]
    run = subprocess.run([*command, "run", str(page), str(tmp_path / "nada.pdf"), "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 2, run.stderr
    assert "nada.pdf: no such file or folder" in run.stderr and "1 OCR'd" in run.stderr
    assert (tmp_path / "out" / "fichas.json").exists()
    assert not list(scratch.iterdir())  # the engine's page images went with their folder

    dump = tmp_path / "viejo.txt"
    dump.write_text("La poblacién de nifios.\n", encoding="utf-8")
    repair = subprocess.run([*command, "repair", str(dump)], capture_output=True, text=True, env=env)
    assert repair.returncode == 0, repair.stderr
    assert repair.stdout == "La población de niños.\n"  # still in the stream's buffer at the end
