"""Learn each field's usual length from the hand-checked gold and write it where the extractor
reads it (`extractors/data/longitudes.yml`). The benchmark's leave-one-area-out runs learn it
again from the other areas only (`lengths_without`).

    python -m tests.bench.lengths
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from extractors.fit import LENGTHS, Lengths, dump_lengths, learn_lengths
from extractors.template import DataFiles, Template, load_template
from extractors.values import FROM_CODE
from pipeline.files import atomic_write_text

GOLD = Path(__file__).resolve().parents[1] / "data" / "gold"


def seen_records(areas: list[str] | None = None) -> list[dict]:
    paths = sorted(GOLD.glob("*.json"))
    return [r for p in paths if areas is None or p.stem in areas
            for r in json.loads(p.read_text(encoding="utf-8"))["fichas"]]


def learned(records: list[dict]) -> Lengths:
    """The usual lengths of the template's fields (not those read from the code) in `records`."""
    return learn_lengths(records, [k for k in load_template().all_record_keys() if k not in FROM_CODE])


def lengths_without(area: str) -> Lengths:
    """The usual lengths as learned with one area's records left out."""
    return learned([r for r in seen_records() if not r["codigo"].endswith("_" + area)])


def template_with(template: Template, lengths: Lengths, folder: Path) -> Template:
    """The template reading its usual lengths from `lengths` (written into `folder`)."""
    path = Path(tempfile.mkstemp(suffix=".yml", dir=folder)[1])
    path.write_text(dump_lengths(lengths, "a subset of the gold"), encoding="utf-8")
    return template.model_copy(update={"data": DataFiles(**{**template.data.model_dump(), "lengths": str(path)})})


def main() -> int:
    areas = sorted(p.stem for p in GOLD.glob("*.json"))
    text = dump_lengths(learned(seen_records()), f"the gold records of {', '.join(areas)} (tests/data/gold)")
    atomic_write_text(LENGTHS, text)
    print(f"written {LENGTHS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
