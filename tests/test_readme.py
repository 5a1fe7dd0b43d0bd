"""The README says what the benchmarks measured, and a new user's commands are the ones CI runs."""
import json
import re
from pathlib import Path

from tests.bench.readme import FIGURES, README, readme_section, render

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_figures_are_those_of_the_last_benchmark_results():
    kept = json.loads(FIGURES.read_text(encoding="utf-8"))
    assert readme_section(README.read_text(encoding="utf-8")) == render(kept)


def test_the_readme_test_command_is_the_one_ci_runs():
    readme = README.read_text(encoding="utf-8")
    commands = re.findall(r"```sh\n(.+?)\n```", readme, re.S)
    assert ".venv/bin/python -m pytest -q" in commands
    assert ".venv/bin/python -m pytest -q" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
