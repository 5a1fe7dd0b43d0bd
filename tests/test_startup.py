"""A run imports what its inputs need and no more: `fichas --help` and a re-run with nothing new
import none of the heavy stacks, a text dump none of the OCR, PDF or review ones, and spaCy
only once there is a ficha to extract. (The timings are the benchmark's: tests/bench/startup.py.)"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
REVIEW = {"flask", "openpyxl"}
OCR = {"pytesseract", "cv2", "numpy", "pandas"}
PDF = {"pdfplumber", "pypdfium2"}
HEAVY = REVIEW | OCR | PDF | {"spacy", "wordfreq", "pydantic"}
CHILD = """
import os, sys
from pipeline.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
with open(os.environ["MODULES_OUT"], "w") as fh:
    fh.write("\\n".join(sys.modules))
"""


def imported(tmp_path: Path, *args: str) -> set[str]:
    """The top-level packages a fresh `fichas ARGS` has imported when it ends."""
    listing = tmp_path / "modules.txt"
    done = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "MODULES_OUT": str(listing)})
    assert done.returncode in (0, 2), done.stderr
    return {name.split(".")[0] for name in listing.read_text().split()}


def first_ficha(tmp_path: Path) -> Path:
    lines = (ROOT / "raw" / "catalogo_oim_ocr_antiguo.txt").read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if "AREA A LA QUE CORRESPONDE" in line]
    path = tmp_path / "ficha.txt"
    path.write_text("\n".join(lines[starts[0]:starts[1]]) + "\n", encoding="utf-8")
    return path


def test_help_imports_nothing_heavy(tmp_path):
    assert imported(tmp_path, "--help") & HEAVY == set()


def test_a_text_dump_and_its_re_run_import_only_what_they_need(tmp_path):
    text = tmp_path / "one.txt"
    text.write_text("Catálogo de lecciones aprendidas\n", encoding="utf-8")
    out = tmp_path / "out"
    assert imported(tmp_path, "run", str(text), "--out", str(out), "-q") & HEAVY == {"pydantic"}  # the template
    assert (out / "fichas.json").exists()
    assert imported(tmp_path, "run", str(text), "--out", str(out), "-q") & HEAVY == set()


def test_spacy_comes_with_the_first_ficha_and_the_ocr_and_review_stacks_do_not(tmp_path):
    modules = imported(tmp_path, "run", str(first_ficha(tmp_path)), "--out", str(tmp_path / "out"), "-q")
    assert modules & HEAVY == {"spacy", "numpy", "pydantic"}  # spaCy needs numpy


def test_a_page_image_imports_the_ocr_stack_but_not_pandas_and_its_cached_reading_not_opencv(tmp_path):
    page, out = tmp_path / "blank.png", tmp_path / "out"
    Image.new("L", (1700, 2200), 255).save(page, dpi=(200, 200))
    assert imported(tmp_path, "run", str(page), "--out", str(out), "-q") & HEAVY == {"pytesseract", "cv2", "numpy",
                                                                                      "pydantic"}
    shutil.rmtree(out / "documents")
    (out / "manifest.json").unlink()  # read again, from the OCR cache
    assert imported(tmp_path, "run", str(page), "--out", str(out), "-q") & HEAVY == {"pytesseract", "numpy",
                                                                                      "pydantic"}
