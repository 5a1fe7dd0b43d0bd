"""The benchmark runs end to end and reports every measure (not its figures: those are the
benchmark's job, reported in the README), and its text measures count what they say."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench.readme import BEGIN, END, FIGURES, figures, render
from tests.bench.textmetrics import cer, false_corrections, wer
from tests.scangen import FAMILIES, HELD_OUT_FAMILY

ROOT = Path(__file__).resolve().parents[1]


def test_cer_counts_character_edits_and_ignores_spacing():
    assert cer("Quito  y\nTulcán", "Quito y Tulcán") == 0.0
    assert cer("Quito y Tulcan", "Quito y Tulcán") == pytest.approx(1 / 14)


def test_wer_counts_word_edits():
    assert wer("la poblacion de Quito", "la población de Quito") == pytest.approx(1 / 4)


def test_false_corrections_count_only_correct_words_the_repair_changed():
    truth = "la población de Quito esta bien"
    raw = "la poblacién de Quito esta bien"
    # fixing the broken word is no false correction; changing the correct "esta" is one
    assert false_corrections(raw, "la población de Quito esta bien", truth) == (0, 5)
    assert false_corrections(raw, "la población de Quito está bien", truth) == (1, 5)


@pytest.mark.slow
def test_quick_benchmark_reports_every_measure(tmp_path):
    done = subprocess.run([sys.executable, "-m", "tests.bench", "--quick", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "quick.json").read_text(encoding="utf-8"))
    sets = {s["name"]: s for s in result["sets"]}
    digital = {f"digital/{family}/{content}" for family in FAMILIES for content in ("seen", "unseen")}
    assert set(sets) == {"legacy", "pairs", "scans-typical/catalogo/seen", "scans-typical/catalogo/unseen"} | digital
    for name in ("legacy", "scans-typical/catalogo/seen", f"digital/{HELD_OUT_FAMILY}/unseen"):
        s = sets[name]
        assert 0 <= s["accuracy"] <= 1 and s["fichas_found"] > 0
        assert set(s["calibration"]) == {"accuracy_at_high", "share_high", "wrong_below_low", "wrong_fields"}
        assert s["reliability"][0]["bin"].startswith("[0.00") and s["reliability"][-1]["bin"].endswith("1.00]")
        assert sum(b["fields"] for b in s["reliability"]) >= len(s["field_accuracy"])
        assert set(s["seconds"]) == {"ingest", "repair", "segment", "extract"}
    # seen fichas are also read with their own area left out of what is learned; unseen ones need not
    assert "accuracy_loao" in sets["legacy"] and set(sets["legacy"]["per_area"]) == {"AH", "ISE", "PC"}
    assert "accuracy_loao" not in sets[f"digital/{HELD_OUT_FAMILY}/unseen"]
    scans = sets["scans-typical/catalogo/seen"]
    assert 0 <= scans["cer_after_repair"] <= 1 and scans["false_corrections"]["correct_words"] > 0
    assert sets["pairs"]["cer_before_repair"] > 0
    baselines = {b["name"]: b for b in scans["baselines"]}
    assert set(baselines) == {"tesseract CLI", "OCRmyPDF + pdfplumber"}
    for b in baselines.values():
        assert "skipped" in b or (b["seconds"] > 0 and 0 <= b["cer"] <= 1 and b["pipeline_throughput_ratio"] > 0)
    assert scans["cli"]["peak_memory_mb"] > 50
    head = {row["kind"]: row for row in result["headline"]}
    assert head["digital"]["held-out family, unseen fichas"]["fields"] > 0
    assert head["legacy"]["other families, seen fichas, area left out"]["accuracy"] > 0
    table = (tmp_path / "quick.md").read_text(encoding="utf-8")
    assert "Side by side on the same" in table and "| legacy |" in table and "Reliability" in table
    assert "held-out family, unseen fichas" in table
    section = render(figures(result, None, None))  # what the README would say of this run
    assert section.startswith(BEGIN) and section.endswith(END)
    assert all(f"| {row['kind']} |" in section for row in result["headline"])


def test_the_step_timer_reports_every_step_of_a_scanned_page(capsys):
    """`python -m tests.bench.steps` on the scanned sample: one row per step, Tesseract among them."""
    from tests.bench import steps

    steps.main(["--rounds", "1", "--dpi", "150"])
    rows = [line.split(" | ")[0].strip("| ") for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert rows[1:] == ["ink mask", "sideways check", "skew estimate", "levelling", "ink crop", "Tesseract", "TSV parse", "rulings", "layout", "all"]


@pytest.mark.slow
def test_the_speed_benchmark_reports_every_measure(tmp_path, monkeypatch):
    """`python -m tests.bench.speed --whole` on a small scale: a 2-page document, and a 3-page scan
    standing in for the whole set (rendering all of it would take minutes)."""
    from tests.bench import speed

    monkeypatch.setattr(speed, "every_scan", lambda folder, seed: [speed.one_document(folder, 3, seed)])
    speed.main(["--pages", "2", "--rounds", "1", "--whole", "--out", str(tmp_path), "--name", "speed"])
    result = json.loads((tmp_path / "speed.json").read_text(encoding="utf-8"))
    (turn,) = result["rounds"]
    for kind in result["engines"]:
        assert turn[f"fichas_{kind}"]["seconds"] > 0 and turn[f"fichas_{kind}"]["process_mb"] > 50
        assert turn[f"{kind}_alone"] > 0
    assert turn["tesseract_cli"] > 0
    whole = speed.whole_set(result["whole"])
    assert len(result["whole"]["rounds"]) == speed.WHOLE_ROUNDS and result["whole"]["pages"] == 3
    assert whole["ratio"] > 0 and whole["process_mb"] > 50
    assert whole["fichas_jobs1"] > 0.5 * whole["fichas"]  # its own run read the pages: nothing was up to date
    kept = json.loads(FIGURES.read_text(encoding="utf-8"))  # the README's accuracy figures, with these speeds
    kept["speed"] = figures({"command": "python -m tests.bench", "headline": []}, result, None)["speed"]
    section = render(kept)
    assert f"({whole['ratio']:.2f}×)" in section and f"{whole['process_mb']:.0f} MB" in section
